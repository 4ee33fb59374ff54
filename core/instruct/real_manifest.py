"""Real recorded speech for training and evaluation: manifests, labels, splits, pairs.

A real-speech folder (e.g. ../shared/realspeech) holds `ravdess/manifest.csv` and
`ljspeech/manifest.csv` with columns `path,speaker,gender,emotion,intensity,text,seconds`
(paths relative to the folder). Splits are fixed so figures stay comparable:
RAVDESS actors 01-20 train, 21-24 held out; LJSpeech LJ001-* train, LJ002-* held out.

Labels become IEC entities: RAVDESS "fearful" -> fear, "surprised" -> surprise; "calm"
is not one of the paper's seven entities and is left out of training (it is measured
and reported, not learned). Intensity sets the weight as a mixture with neutral:
normal -> {emotion: 0.6, neutral: 0.4}, strong -> {emotion: 1.0}.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError

LABEL_TO_ENTITY = {"neutral": "neutral", "happy": "happy", "sad": "sad", "angry": "angry",
                   "fearful": "fear", "disgust": "disgust", "surprised": "surprise"}
INTENSITY_WEIGHT = {"normal": 0.6, "strong": 1.0}
HELDOUT_ACTORS = range(21, 25)
LJ_TRAIN, LJ_HELDOUT = "LJ001", "LJ002"


class RealSpeechError(UserError):
    pass


@dataclass(frozen=True)
class RealLine:
    path: Path                 # absolute audio path
    corpus: str                # "ravdess" | "ljspeech"
    speaker: str
    emotion: str               # the corpus label (RAVDESS: neutral, calm, ..., surprised)
    intensity: str             # normal | strong | "" (LJSpeech)
    text: str
    sentence: str = ""         # RAVDESS sentence code "01" / "02"
    repetition: str = ""

    @property
    def heldout(self) -> bool:
        if self.corpus == "ravdess":
            return int(self.speaker.rsplit("_", 1)[-1]) in HELDOUT_ACTORS
        return self.path.name.startswith(LJ_HELDOUT)

    @property
    def entity(self) -> str | None:
        return LABEL_TO_ENTITY.get(self.emotion)

    def entities(self) -> dict[str, float] | None:
        """IEC entity weights for the label (None for calm)."""
        ent = self.entity
        if ent is None:
            return None
        w = INTENSITY_WEIGHT.get(self.intensity, 1.0)
        return {ent: 1.0} if ent == "neutral" or w >= 1 else {ent: w, "neutral": round(1 - w, 3)}


def read_manifest(root: str | Path, corpus: str) -> list[RealLine]:
    root = Path(root)
    path = root / corpus / "manifest.csv"
    if not path.is_file():
        raise RealSpeechError(f"no {corpus} manifest at {path}")
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            audio = root / row["path"]                 # relative to the folder,
            if not audio.is_file() and (root / corpus / row["path"]).is_file():
                audio = root / corpus / row["path"]    # or to the manifest's own folder
            parts = audio.stem.split("-")
            ravdess = corpus == "ravdess" and len(parts) == 7
            out.append(RealLine(path=audio, corpus=corpus, speaker=row["speaker"],
                                emotion=row["emotion"], intensity=row.get("intensity", "") or "",
                                text=row["text"], sentence=parts[4] if ravdess else "",
                                repetition=parts[5] if ravdess else ""))
    return out


def split(lines: list[RealLine], heldout: bool) -> list[RealLine]:
    return [line for line in lines if line.heldout == heldout]


def neutral_groups(lines: list[RealLine]) -> dict[tuple[str, str], list[RealLine]]:
    """(speaker, sentence) -> that speaker's neutral readings of that sentence."""
    groups: dict[tuple[str, str], list[RealLine]] = {}
    for line in lines:
        if line.corpus == "ravdess" and line.emotion == "neutral":
            groups.setdefault((line.speaker, line.sentence), []).append(line)
    return groups


def emotion_pairs(lines: list[RealLine]) -> list[tuple[RealLine, list[RealLine]]]:
    """Every RAVDESS reading with the same actor's neutral readings of the same sentence.
    A neutral reading is paired with the actor's other neutral reading(s)."""
    groups = neutral_groups(lines)
    out = []
    for line in lines:
        if line.corpus != "ravdess":
            continue
        refs = [r for r in groups.get((line.speaker, line.sentence), []) if r.path != line.path]
        if refs:
            out.append((line, refs))
    return out
