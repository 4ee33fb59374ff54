"""The guide-matching steps export can apply to each line: its tone (core.tone, an EQ)
and its ambience (core.ambience, the guide's floor laid under it)."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from core import ambience as amb
from core import tone


def match_line(audio: np.ndarray, cue, sr: int, match_tone: bool = False,
               match_ambience: bool = False) -> tuple[np.ndarray, list[str]]:
    """(the line matched to its cue's guide measurements, the steps that ran)."""
    guide = cue.guide
    done = steps(cue, match_tone, match_ambience)
    if "tone" in done:
        audio = tone.match(audio, sr, guide["tone_db"])
    if "ambience" in done:
        audio = amb.fill(audio, sr, guide["ambience"], amb.cue_seed(cue.id))
    return audio, done


def steps(cue, match_tone: bool, match_ambience: bool) -> list[str]:
    """The chosen steps the cue's guide measurements allow: "tone", "ambience"."""
    guide = cue.guide
    return ((["tone"] if match_tone and tone.valid(guide.get("tone_db")) else []) +
            (["ambience"] if match_ambience and amb.valid(guide.get("ambience")) else []))


def unmatched_note(project, match_tone: bool, match_ambience: bool) -> list[str]:
    """Warnings naming how many cues a chosen step could not apply to, and why."""
    out = []
    n = len(project.cues)
    if match_tone:
        k = len(tone.guide_tones(project))
        if k < n:
            out.append(f"tone match: {n - k} of {n} cues have no guide-track tone (analyse them "
                       "with the original audio); they are left as rendered")
    if match_ambience:
        k = len(amb.guide_ambiences(project))
        if k < n:
            out.append(f"room tone: {n - k} of {n} cues have no measured floor (analyse them with "
                       "the original audio; a cue with speech, or digital silence, all around "
                       "it has none); they are left clean")
    return out


class MatchedLines(Mapping):
    """Cue audio {id: line}, each line matched to its guide where it has one; matched once
    and kept, as export reads each line in several passes (measure, write, per-cue files)."""

    def __init__(self, clips, project, sr: int, match_tone: bool, match_ambience: bool):
        self.clips, self.sr = clips, sr
        self.cues = {c.id: c for c in project.cues}
        self.steps = (match_tone, match_ambience)
        self._matched: dict = {}

    def __getitem__(self, cid):
        if cid not in self._matched:
            audio = self.clips[cid]
            cue = self.cues.get(cid)
            self._matched[cid] = audio if cue is None else match_line(audio, cue, self.sr, *self.steps)[0]
        return self._matched[cid]

    def __iter__(self):
        return iter(self.clips)

    def __len__(self):
        return len(self.clips)


def room_tone(project, clips, sr: int, seconds: float,
              window: tuple[float, float] | None = None) -> dict:
    """Room tone for the whole stem outside the lines, as Ambience Match tools fill a
    dialogue track: {name: (start seconds, samples, Piece)} for core.stem.Stem, each piece
    (PIECE_SECONDS at most) made when it is read. Between two lines with an ambience one
    line's bed crossfades into the next's (a line without one is passed under); before the
    first and after the last, their beds run to the stem's ends. `clips`: the lines before
    matching, 24 kHz; `window`: (t0, t1) seconds, only the stretches that reach into it."""
    lines = []
    for c in sorted(project.cues, key=lambda c: c.start):
        room, line = c.guide.get("ambience"), clips.get(c.id)
        if amb.valid(room) and line is not None and np.any(line):
            lines.append((c, c.start + len(line) / sr, room, line))
    if not lines:
        return {}
    stretches = [("head", 0.0, lines[0][0].start, 0, 0)]
    stretches += [(f"{a[0].id}-{b[0].id}", a[1], b[0].start, i, i + 1)
                  for i, (a, b) in enumerate(zip(lines, lines[1:]))]
    stretches.append(("tail", lines[-1][1], seconds, len(lines) - 1, len(lines) - 1))
    beds = {}

    def bed(i):        # (ambience, level dB) of line i, read once
        if i not in beds:
            _, _, room, line = lines[i]
            beds[i] = (room, amb.bed_level_db(line, room))
        return beds[i]

    lo, hi = window or (-np.inf, np.inf)
    out = {}
    for name, t0, t1, i, j in stretches:
        if t1 > t0 and t0 - amb.FADE_SECONDS < hi and t1 + amb.FADE_SECONDS > lo:
            out.update(_pieces(f"room tone {name}", t0, t1, bed(i), bed(j), sr))
    return out


class Piece:
    """A piece of room tone, made when called; `key` names what it holds."""

    def __init__(self, n: int, sr: int, before, after, seed: int, weights):
        self.args = (n, sr, before, after, seed, weights)
        self.key = (n, seed, weights, before[1], after[1], _named(before[0]), _named(after[0]))

    def __call__(self) -> np.ndarray:
        return amb.bridge(*self.args)


def _named(room: dict) -> tuple:
    return tuple(room["bands_db"]), room["below_speech_db"]


def _pieces(name: str, t0: float, t1: float, before, after, sr: int) -> dict:
    """One stretch of room tone from t0 to t1 (overlapping what adjoins it by the fade)
    as pieces of at most PIECE_SECONDS, each overlapping the next by the fade."""
    fade = int(round(amb.FADE_SECONDS * sr))
    start = int(round(t0 * sr)) - fade
    total = int(round(t1 * sr)) + fade - start
    step = int(amb.PIECE_SECONDS * sr)
    seed = amb.cue_seed(name)
    out = {}
    for k, at in enumerate(range(0, total - fade, step)):
        n = min(step + fade, total - at)
        w = (at / max(1, total - 1), (at + n - 1) / max(1, total - 1))
        out[f"{name} {k}"] = ((start + at) / sr, n, Piece(n, sr, before, after, seed + 2 * k, w))
    return out


def matched_stem(project, clips, sr: int, out_sr: int, match_tone: bool, match_ambience: bool):
    """The stem (core.stem.Stem at `out_sr`) of the lines matched to their guides, with room
    tone through it when `match_ambience`. `clips`: {cue id: line} at `sr` (24 kHz)."""
    from core.stem import Stem, stem_length
    extra = {}
    if match_ambience:
        extra = room_tone(project, clips, sr, stem_length(project, clips, sr) / sr)
    if match_tone or match_ambience:
        clips = MatchedLines(clips, project, sr, match_tone, match_ambience)
    return Stem(project, clips, out_sr, extra)
