"""Cloning a voice from a ~10-s reference: time and speaker similarity (issue 11's
"clone from a 10-s reference" row), for the default settings or others.

    python bench/clone_speed.py [REF] [--transcript TEXT] [--steps N] [--prosody-steps N]
                                [--packs jf_alpha,jm_kumo,...] [--seconds 10]
                                [--set FIELD=VALUE ...] [--warm-cache]

REF: an audio file, or a folder of LJSpeech-style clips with a manifest.csv (path, text):
clips are joined up to --seconds and their texts become the transcript. Without a
transcript, clone_voice transcribes the reference with Whisper. Prints the wall and CPU
time of core.voice_clone.clone_voice and the fit's speaker similarity before/after
(d-vector cosine of renders against the reference, core.voice_fit.acoustic.figures).
--set overrides fields of the clone's core.voice_fit.FitSettings (crop_frames=40,
acoustic_start=best, ...). The user cache is a fresh temporary folder unless --warm-cache,
so the reference's measurement (core.speech_targets) is timed too.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
LJ = ROOT.parent / "shared" / "realspeech" / "ljspeech"


def reference(ref: Path, seconds: float, sr: int):
    """(audio, transcript or None) of about `seconds` from a file or a clip folder."""
    import numpy as np

    from core.audio import read_media_audio
    if not ref.is_dir():
        return read_media_audio(ref, sr)[:int(seconds * sr)], None
    texts = {}
    man = ref / "manifest.csv"
    if man.is_file():
        with open(man, newline="", encoding="utf-8") as f:
            texts = {Path(r["path"]).name: r["text"] for r in csv.DictReader(f)}
    parts, words = [], []
    for f in sorted(ref.glob("*.flac")) + sorted(ref.glob("*.wav")):
        a = read_media_audio(f, sr)
        if parts and sum(map(len, parts)) + len(a) > seconds * sr * 1.15:
            break                                # whole clips only: the transcript must match
        parts.append(a)
        words.append(texts.get(f.name, ""))
        if sum(map(len, parts)) >= seconds * sr * 0.9:
            break
    text = " ".join(words).strip() if all(words) else None
    return np.concatenate(parts), text


def setting(kv: str) -> tuple[str, object]:
    """"crop_frames=40" -> ("crop_frames", 40), typed like the FitSettings field."""
    from core.voice_fit import FitSettings
    key, _, value = kv.partition("=")
    kind = type(getattr(FitSettings(), key))
    return key, (value.lower() in ("1", "true", "yes") if kind is bool else kind(value))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref", nargs="?", default=str(LJ))
    ap.add_argument("--transcript", default=None)
    ap.add_argument("--whisper", action="store_true", help="ignore the manifest's transcript")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--steps", type=int, default=None, help="acoustic steps (default: the app's)")
    ap.add_argument("--prosody-steps", type=int, default=None)
    ap.add_argument("--acoustic-lr", type=float, default=None)
    ap.add_argument("--prosody-lr", type=float, default=None)
    ap.add_argument("--packs", default=None, help="start packs, comma-separated")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a FitSettings field for the clone's fit")
    ap.add_argument("--warm-cache", action="store_true", help="use the user cache as it is")
    args = ap.parse_args()
    if not args.warm_cache:
        import tempfile
        os.environ["INSTRUCTDUB_CACHE"] = tempfile.mkdtemp(prefix="clone_speed_")
    import torch
    torch.set_num_threads(args.threads)
    from core.constants import SAMPLE_RATE
    from core.synth import get_engine
    from core.voice_clone import clone_voice
    from core.voice_fit import clone as fit_clone

    audio, text = reference(Path(args.ref), args.seconds, SAMPLE_RATE)
    text = args.transcript or (None if args.whisper else text)
    eng = get_engine("cpu")
    eng.model
    if args.prosody_steps is not None:
        fit_clone.CLONE_PROSODY_STEPS = args.prosody_steps
    over = {k: v for k, v in (("acoustic_lr", args.acoustic_lr),
                              ("prosody_lr", args.prosody_lr)) if v is not None}
    over.update(setting(kv) for kv in args.set)
    if over:
        import dataclasses
        base = fit_clone.clone_settings
        fit_clone.clone_settings = lambda steps: dataclasses.replace(base(steps), **over)
    if args.packs:
        fit_clone.CLONE_START = tuple(args.packs.split(","))
    kw = {} if args.steps is None else {"steps": args.steps}
    print(f"reference {len(audio) / SAMPLE_RATE:.1f} s, transcript "
          f"{'given' if text else 'Whisper'}; load average {os.getloadavg()[0]:.1f}", flush=True)
    w0, c0 = time.perf_counter(), time.process_time()
    stage = [""]

    def progress(f, msg):                  # one line per stage, with the time so far
        what = " ".join(msg.split()[:2])
        if what != stage[0]:
            stage[0] = what
            print(f"  {time.perf_counter() - w0:6.1f} s wall {time.process_time() - c0:6.1f} s CPU"
                  f"  {msg}", flush=True)
    voice = clone_voice(audio, SAMPLE_RATE, eng=eng, transcript=text, progress=progress, **kw)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    c, fit = voice["clone"], voice.get("fit", {})
    print(f"clone: {wall:.1f} s wall, {cpu:.1f} s CPU; method {c.get('method', 'dvector')}, "
          f"{c['steps']} acoustic steps, prosody steps "
          f"{fit.get('settings', {}).get('prosody_steps')}, start {fit.get('start', {}).get('acoustic')}"
          f"/{fit.get('start', {}).get('prosody')}; similarity {c['before']['similarity']} -> "
          f"{c['after']['similarity']}; duration MAE {fit.get('before', {}).get('duration_mae_ms')}"
          f" -> {fit.get('after', {}).get('duration_mae_ms')} ms; load average "
          f"{os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
