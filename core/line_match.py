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
    guide = cue.measurements.get("guide") or {}
    done = []
    if match_tone and tone.valid(guide.get("tone_db")):
        audio = tone.match(audio, sr, guide["tone_db"])
        done.append("tone")
    if match_ambience and amb.valid(guide.get("ambience")):
        audio = amb.fill(audio, sr, guide["ambience"], amb.cue_seed(cue.id))
        done.append("ambience")
    return audio, done


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
    """Cue audio {id: line}, each line matched to its guide where it has one."""

    def __init__(self, clips, project, sr: int, match_tone: bool, match_ambience: bool):
        self.clips, self.sr = clips, sr
        self.cues = {c.id: c for c in project.cues}
        self.steps = (match_tone, match_ambience)

    def __getitem__(self, cid):
        audio = self.clips[cid]
        cue = self.cues.get(cid)
        return audio if cue is None else match_line(audio, cue, self.sr, *self.steps)[0]

    def __iter__(self):
        return iter(self.clips)

    def __len__(self):
        return len(self.clips)


def gap_beds(project, clips, sr: int) -> dict:
    """Room tone for the gaps of up to BRIDGE_SECONDS between two consecutive lines that
    both have an ambience: {name: (start seconds, 24 kHz audio)} for the stem, each
    overlapping the lines' own beds by their fades. `clips`: the lines before matching."""
    out = {}
    cues = sorted((c for c in project.cues if clips.get(c.id) is not None), key=lambda c: c.start)
    fade = amb.FADE_SECONDS
    for a, b in zip(cues, cues[1:]):
        ga, gb = ((c.measurements.get("guide") or {}).get("ambience") for c in (a, b))
        line_a, line_b = clips[a.id], clips[b.id]
        end_a = a.start + len(line_a) / sr
        if not (amb.valid(ga) and amb.valid(gb) and 0 < b.start - end_a <= amb.BRIDGE_SECONDS):
            continue
        if not (np.any(line_a) and np.any(line_b)):
            continue
        n = int(round((b.start - end_a + 2 * fade) * sr))
        out[f"room tone {a.id}-{b.id}"] = (end_a - fade, amb.bridge(
            n, sr, (ga, amb.bed_level_db(line_a, ga)), (gb, amb.bed_level_db(line_b, gb)),
            amb.cue_seed(a.id + "|" + b.id)))
    return out
