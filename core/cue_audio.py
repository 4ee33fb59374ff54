"""One way from a cue to audio: predict, then render. No Qt, no caching.

The editor's session, `dub`, `say` and `eval` all come here (through
`core.session.Session` or directly), so a line sounds the same wherever it is made:
- `predict_cue`: timing and prosody from the cue's instructions, fitted to its slot,
  in the register of its voice (a cloned voice records the F0 ratio it was tuned with),
  moved towards the median pitch its emotion instruction states (core.instruct.register);
- `render_alignment`: the audio of an alignment, partially when only part of it changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from core.alignment import Alignment
from core.voices import resolve_voice, voice_key


@dataclass(frozen=True)
class CueSpec:
    """What prediction needs from a cue, copied so the UI may edit the cue meanwhile."""
    id: str
    text: str
    rate_instruction: str = ""
    emotion_instruction: str = ""
    entities: tuple = ()                  # ((entity, weight), ...), sorted
    voice: object = None
    slot: float | None = None             # seconds the line must fill; None: its own length

    @classmethod
    def of(cls, cue) -> "CueSpec":
        import copy
        return cls(cue.id, cue.text, cue.rate_instruction, cue.emotion_instruction,
                   tuple(sorted(cue.entities.items())), copy.deepcopy(cue.voice), cue.slot)

    @property
    def instructed(self) -> bool:
        return bool(self.rate_instruction or self.emotion_instruction or self.entities
                    or self.slot is not None)

    def key(self) -> str:
        """A content hash of everything prediction depends on."""
        slot = "none" if self.slot is None else f"{self.slot:.3f}"
        parts = [self.text, self.rate_instruction, self.emotion_instruction,
                 repr(self.entities), voice_key(self.voice), slot]
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def alignment_key(al: Alignment) -> str:
    """A content hash of what rendering depends on (cache keys)."""
    h = hashlib.blake2b(digest_size=16)
    h.update("\x1f".join(al.phonemes).encode() + b"\0" + voice_key(al.voice).encode())
    for arr in (al.durations, al.f0, al.energy):
        a = np.ascontiguousarray(arr)
        h.update(a.dtype.str.encode() + a.tobytes())
    return h.hexdigest()


def predict_cue(eng, spec: CueSpec, speed: float = 1.0) -> tuple[Alignment, str]:
    """Timing and prosody for a cue; the note says what was used.

    With instructions or a slot: IDD/IEC (core.instruct.pipeline). Without: the
    backbone's own timing at `speed`. Either way the F0 is put in the voice's register,
    then towards the instruction's stated median pitch, if any.
    """
    from core.errors import UserError
    phonemes = eng.phonemize(spec.text)
    if spec.instructed:
        if speed != 1.0:
            raise UserError("a speed cannot be combined with instructions or a slot; "
                            "say it in the rate instruction instead")
        from core.instruct.pipeline import instructed_predict
        al = instructed_predict(eng, phonemes, spec.voice, spec.rate_instruction,
                                spec.emotion_instruction, dict(spec.entities) or None, spec.slot,
                                text=spec.text)
    else:
        al = eng.predict(phonemes, spec.voice, speed=speed)
    ratio = resolve_voice(spec.voice, len(al.phonemes) - 2).f0_ratio
    if ratio != 1.0:
        al.f0 = al.f0 * np.float32(ratio)
        al.extra = {**al.extra, "f0_ratio": ratio}
    if spec.emotion_instruction:
        from core.instruct import register
        notes = list(al.extra.get("notes", []))
        al.f0, st = register.apply(al.f0, spec.emotion_instruction, notes)
        if st:
            al.extra = {**al.extra, "notes": notes, "register_st": round(st, 2)}
    return al.validate(), "; ".join(al.extra.get("notes", []))


def same_line(old: Alignment | None, new: Alignment) -> bool:
    """The same phonemes in the same voice: audio of `old` can be edited into `new`."""
    return (old is not None and old.phonemes == new.phonemes
            and voice_key(old.voice) == voice_key(new.voice))


def render_alignment(eng, al: Alignment, prev=None) -> tuple[np.ndarray, bool]:
    """Render `al`; with `prev` = (alignment, audio) of the same phonemes and voice,
    re-render only the frames that changed (plus the decoder's context), crossfaded.
    Returns (audio, partial)."""
    if prev is not None and prev[0] is not None and hasattr(eng, "render_edit"):
        old_al, old_audio = prev
        if same_line(old_al, al):
            return eng.render_edit(old_al, old_audio, al), True
    return eng.render(al), False
