"""Save and load the IDD / IEC checkpoints (fp16 state dicts + their config)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import torch

from core.errors import ModelMissingError
from core.instruct.iec import IEC
from core.instruct.idd import IDD
from core.instruct.paths import CHECKPOINT_DIR

IDD_PATH = CHECKPOINT_DIR / "idd.pt"
IDD_RAW_PATH = CHECKPOINT_DIR / "idd_raw_attention.pt"     # ablation: no slots
IEC_PATH = CHECKPOINT_DIR / "iec.pt"
SIDECAR = CHECKPOINT_DIR / "checkpoints.json"

_lock = threading.Lock()
_loaded: dict[str, torch.nn.Module] = {}


def save_module(module: torch.nn.Module, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in module.state_dict().items()}
    tmp = Path(str(path) + ".tmp")
    torch.save({"config": module.config, "state": state}, tmp)
    tmp.replace(path)


def _load(cls, path: Path):
    if not Path(path).is_file():
        raise ModelMissingError(f"no checkpoint at {path}; run `python main.py train --corpus ...`")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        config, state = blob["config"], blob["state"]
    except Exception as e:  # damaged or foreign file
        raise ModelMissingError(f"{path} is not a valid checkpoint ({e}); re-run training") from None
    kwargs = dict(config)
    if cls is IEC:
        kwargs["table"] = state["entity_emb"].float()
    if cls is IDD:                  # saved before the slot-reading line head: its first version
        kwargs.setdefault("line_head", "mean")
    module = cls(**kwargs)
    missing, unexpected = module.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=False)
    # A model saved before its line head (IDD: tempo/trend; IEC: gain/tempo) loads with
    # that zero-initialised head at zero, i.e. as it was trained.
    if unexpected or any(not k.startswith("line_head.") for k in missing):
        raise ModelMissingError(f"{path} does not match the {cls.__name__} model "
                                f"(missing {missing[:3]}, unexpected {unexpected[:3]}); re-run training")
    return module.eval()


def load_idd(path: Path = IDD_PATH) -> IDD:
    return _cached(str(path), lambda: _load(IDD, path))


def load_iec(path: Path = IEC_PATH) -> IEC:
    return _cached(str(path), lambda: _load(IEC, path))


def _cached(key: str, make):
    with _lock:
        if key not in _loaded:
            _loaded[key] = make()
        return _loaded[key]


def read_sidecar(folder: Path | None = None) -> dict:
    """The checkpoints' sidecar (training data, settings, seconds) of `folder`, by
    default the shipped one; {} when there is none."""
    try:
        return json.loads((folder / SIDECAR.name if folder else SIDECAR).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
