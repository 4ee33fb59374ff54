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
    target = guide.get("tone_db")
    if match_tone and target and len(target) == len(tone.CENTRES):
        audio = tone.match(audio, sr, target)
        done.append("tone")
    if match_ambience and amb.valid(guide.get("ambience")):
        audio = amb.fill(audio, sr, guide["ambience"], amb.cue_seed(cue.id))
        done.append("ambience")
    return audio, done


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
