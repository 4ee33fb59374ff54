"""Real corpus files for training the instruction modules: list lines
`wav_path|IPA|speaker` (V2C / Chem / GRID lists) and JSON Lines with `path`,
`phoneme_idx` and `duration_gt` (25 ms frames); a folder's train and val files, and
a reproducible pick of lines from them."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError

# ---- readers -----------------------------------------------------------------------


@dataclass
class CorpusLine:
    ipa: str
    speaker: str = ""
    wav: str = ""                         # audio path as written in the list (may not exist)
    phoneme_idx: list[int] | None = None  # JSONL: backbone token ids
    duration_gt: list[int] | None = None  # JSONL: ground-truth durations, 25 ms frames
    source: str = ""
    root: str = ""                        # folder of the list file (relative wav paths)


class CorpusFormatError(UserError, ValueError):
    pass


def _numbered_lines(path: Path):
    """(line number, line) of each non-blank line of a corpus file."""
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            yield n, raw


def read_list(path: str | Path) -> list[CorpusLine]:
    """`wav_path|IPA|speaker` lines (V2C / Chem / GRID lists)."""
    path = Path(path)
    out = []
    for n, raw in _numbered_lines(path):
        parts = raw.split("|")
        if len(parts) < 2:
            raise CorpusFormatError(f"{path}:{n}: expected `wav_path|IPA|speaker`, got {raw[:60]!r}")
        ipa = parts[1].strip()
        if ipa:
            out.append(CorpusLine(ipa=ipa, speaker=parts[2].strip() if len(parts) > 2 else "",
                                  wav=parts[0].strip(), source=path.name,
                                  root=str(path.parent)))
    return out


def read_jsonl(path: str | Path) -> list[CorpusLine]:
    """JSON Lines with `path`, `phoneme_idx` (token ids) and `duration_gt` (frames)."""
    path = Path(path)
    out = []
    for n, raw in _numbered_lines(path):
        try:
            rec = json.loads(raw)
            ids, dur = [int(i) for i in rec["phoneme_idx"]], [int(d) for d in rec["duration_gt"]]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise CorpusFormatError(f"{path}:{n}: needs `path`, `phoneme_idx`, `duration_gt` ({e})") from None
        if len(dur) not in (len(ids), len(ids) + 2):
            raise CorpusFormatError(f"{path}:{n}: {len(ids)} phonemes but {len(dur)} durations")
        out.append(CorpusLine(ipa=rec.get("ipa", ""), speaker=str(rec.get("speaker", "")),
                              wav=str(rec.get("path", "")), phoneme_idx=ids, duration_gt=dur,
                              source=path.name, root=str(path.parent)))
    return out


def read_corpus(path: str | Path) -> list[CorpusLine]:
    """A file (.txt list or .jsonl) or a folder of them."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".txt", ".jsonl", ".list"))
        if not files:
            raise CorpusFormatError(f"{path} holds no .txt/.list/.jsonl corpus files")
        return [line for f in files for line in read_corpus(f)]
    if not path.is_file():
        raise CorpusFormatError(f"no such corpus file or folder: {path}")
    return read_jsonl(path) if path.suffix == ".jsonl" else read_list(path)


# ---- picking lines -----------------------------------------------------------------

def split_files(path: str | Path) -> tuple[list[Path], list[Path]]:
    """A folder's *train* and *val* list files (val may be empty); a file is training data."""
    path = Path(path)
    if not path.is_dir():
        if not path.is_file():
            raise CorpusFormatError(f"no such corpus file or folder: {path}")
        return [path], []
    files = sorted(p for p in path.iterdir() if p.suffix in (".txt", ".jsonl", ".list")
                   and p.name.lower() != "readme.txt")
    val = [p for p in files if "val" in p.stem.lower() or "test" in p.stem.lower()]
    train = [p for p in files if p not in val]
    if not train:
        raise CorpusFormatError(f"{path} holds no corpus files (.txt/.list/.jsonl)")
    return train, val


def select_lines(files: list[Path], n: int, seed: int) -> list[CorpusLine]:
    """About n lines, balanced across files, drawn reproducibly."""
    if not files or n <= 0:
        return []
    rng = random.Random(seed)
    per_file = max(1, n // len(files))
    out = []
    for f in files:
        lines = read_corpus(f)
        rng.shuffle(lines)
        out += lines[:per_file]
    return out
