"""Predicted against real speech, on recordings no voice or model was fitted to.

LJSpeech LJ002-* (held out; `en_lj` was fitted on LJ001-*), for jm_kumo and each shipped
voice, from the voice's own free-running prediction (Engine.predict) of the transcript:
- last vowel voiced: share of lines whose last vowel token has F0 > 0 on most frames;
- duration MAE (ms) per phone group (core.speech_targets groups) against the forced
  alignment of the recording;
- log-F0 RMSE (semitones) and F0 correlation (log-F0, Pearson) after time alignment:
  each frame of the recording is mapped to the same relative place in the same token
  of the prediction; frames voiced in both;
- Whisper tiny.en WER of the rendered line against the transcript.

    python bench/prosody_real.py [--limit N] [--wer-limit N] [--voices jm_kumo,en_lj] [--no-wer]

Writes bench/results/prosody_real.md and .json. Needs ../shared/realspeech.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "realspeech"
RESULTS = Path(__file__).parent / "results"


def lj_heldout(limit: int) -> list[tuple[Path, str]]:
    with open(DATA / "ljspeech" / "manifest.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if Path(r["path"]).name.startswith("LJ002-")]
    rows.sort(key=lambda r: r["path"])
    rows = rows[:limit] if limit else rows
    return [(DATA / r["path"], r["text"]) for r in rows]


def token_warp(real_durs, pred_durs, n_curve: int) -> np.ndarray:
    """For every curve index of the recording, the prediction's index at the same relative
    place inside the same token (-1 where the token has no frames in the prediction)."""
    c = 2
    rs = np.concatenate([[0], np.cumsum(real_durs)]) * c
    ps = np.concatenate([[0], np.cumsum(pred_durs)]) * c
    out = np.full(n_curve, -1)
    for i in range(len(real_durs)):
        if real_durs[i] == 0 or pred_durs[i] == 0:
            continue
        k = np.arange(rs[i], rs[i + 1])
        frac = (k - rs[i] + 0.5) / (rs[i + 1] - rs[i])
        out[k] = np.minimum(ps[i] + (frac * (ps[i + 1] - ps[i])).astype(int), ps[i + 1] - 1)
    return out


def line_figures(targets, al) -> dict:
    c = 2
    pred_f0 = np.asarray(al.f0)
    durs = np.asarray(al.durations)
    last = targets.last_vowel()
    lo, hi = c * durs[:last[0]].sum(), c * durs[:last[-1] + 1].sum()
    groups = [g for g, kind in targets.groups() if kind == "phone"]
    dur_err = [abs(durs[g].sum() - targets.durations[g].sum()) * 25.0 for g in groups]
    a, b = targets.frame_span()
    warp = token_warp(targets.durations, durs, len(targets.f0))
    k = np.arange(c * a, c * b)
    k = k[warp[k] >= 0]
    real, pred = targets.f0[k], pred_f0[warp[k]]
    both = (real > 0) & (pred > 0)
    lr, lp = np.log2(real[both]), np.log2(pred[both])
    return {"last_vowel_voiced": bool((pred_f0[lo:hi] > 0).mean() > 0.5),
            "dur_err_ms": dur_err, "st_diff": list(12 * (lp - lr)),
            "f0_corr": float(np.corrcoef(lr, lp)[0, 1]) if both.sum() > 10 else None}


def run_voice(eng, voice: str, lines, wer_lines: int, log) -> dict:
    from core.audio import resample
    from core.speech_targets import targets_for_file
    per_line, dur_err, st_diff, words, errors = [], [], [], 0, 0.0
    for k, (path, text) in enumerate(lines):
        wer = k < wer_lines
        t = targets_for_file(path, text, eng=eng)
        al = eng.predict(t.tokens, voice)
        fig = line_figures(t, al)
        dur_err += fig.pop("dur_err_ms")
        st_diff += fig.pop("st_diff")
        if wer:
            from core.evaluate.textnorm import normalize_text
            from core.evaluate.wer import transcribe, word_error_rate
            hyp = transcribe(resample(eng.render(al), 24000, 16000))
            n = len(normalize_text(text).split())
            fig["wer"] = word_error_rate(text, hyp)
            fig["transcript"] = hyp
            words += n
            errors += fig["wer"] * n
        per_line.append({"line": path.stem, **fig})
        log(f"  {voice} {path.stem}: last vowel {'voiced' if fig['last_vowel_voiced'] else 'UNVOICED'}"
            + (f", WER {fig['wer']:.2f}" if wer else ""))
    st = np.asarray(st_diff)
    corrs = [p["f0_corr"] for p in per_line if p["f0_corr"] is not None]
    return {"lines": len(per_line),
            "last_vowel_voiced": round(float(np.mean([p["last_vowel_voiced"] for p in per_line])), 3),
            "duration_mae_ms": round(float(np.mean(dur_err)), 1),
            "f0_rmse_st": round(float(np.sqrt((st ** 2).mean())), 2),
            "f0_rmse_st_centred": round(float(st.std()), 2),
            "f0_corr": round(float(np.mean(corrs)), 3),
            "wer": round(errors / words, 4) if words else None,
            "wer_lines": min(wer_lines, len(per_line)),
            "per_line": per_line}


def markdown(res: dict) -> str:
    out = ["# Prosody against real speech (bench/prosody_real.py)", "",
           f"Held-out LJSpeech LJ002-*, {res['lines']} lines; each voice predicts the "
           "transcript on its own (Engine.predict). Duration MAE per phone group against "
           "pocketsphinx forced alignment; F0 after token-wise time alignment, frames voiced in "
           "both; WER by Whisper tiny.en on the rendered line (the first "
           f"{max(r['wer_lines'] for r in res['voices'].values())} lines).", "",
           "| voice | last vowel voiced | duration MAE (ms) | log-F0 RMSE (st) | "
           "same, mean removed (st) | F0 corr | WER |", "|---|---|---|---|---|---|---|"]
    for v, r in res["voices"].items():
        wer = "–" if r["wer"] is None else f"{r['wer']:.3f}"
        out.append(f"| {v} | {r['last_vowel_voiced']:.0%} | {r['duration_mae_ms']:.1f} | "
                   f"{r['f0_rmse_st']:.2f} | {r['f0_rmse_st_centred']:.2f} | {r['f0_corr']:.3f} | "
                   f"{wer} |")
    out += ["", f"Command: `{res['command']}` ({res['seconds']:.0f} s).", "",
            "## Emotions (RAVDESS actors 21–24)", "",
            "Per-emotion changes (predicted against real, as correlations across emotions) are "
            "added here by the IEC work on RAVDESS; not measured by this version.", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="first N held-out lines (0 = all 199)")
    ap.add_argument("--voices", default="", help="comma-separated (default: jm_kumo and every "
                                                 "shipped voice)")
    ap.add_argument("--no-wer", action="store_true", help="skip rendering and Whisper")
    ap.add_argument("--wer-limit", type=int, default=0,
                    help="render and transcribe only the first N lines (0 = all)")
    ap.add_argument("--out", default=str(RESULTS / "prosody_real"))
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(int(os.environ.get("INSTRUCTDUB_THREADS", "1")))
    from core.synth import get_engine
    from core.voices import _shipped
    if not (DATA / "ljspeech" / "manifest.csv").is_file():
        print(f"needs {DATA}/ljspeech (not part of the repository)", file=sys.stderr)
        return 2
    voices = args.voices.split(",") if args.voices else ["jm_kumo", *sorted(_shipped())]
    lines = lj_heldout(args.limit)
    eng = get_engine()
    t0 = time.perf_counter()
    res = {"lines": len(lines), "voices": {},
           "command": "python bench/prosody_real.py " + " ".join(argv or sys.argv[1:])}
    for v in voices:
        wer_lines = 0 if args.no_wer else (args.wer_limit or len(lines))
        r = run_voice(eng, v, lines, wer_lines, lambda m: print(m, flush=True))
        res["voices"][v] = r
        print(f"{v}: last vowel voiced {r['last_vowel_voiced']:.0%}, duration MAE "
              f"{r['duration_mae_ms']:.1f} ms, log-F0 RMSE {r['f0_rmse_st']:.2f} st "
              f"({r['f0_rmse_st_centred']:.2f} mean removed), F0 corr {r['f0_corr']:.3f}, WER "
              + ("–" if r["wer"] is None else f"{r['wer']:.3f}"), flush=True)
    res["seconds"] = time.perf_counter() - t0
    res["emotions"] = None          # RAVDESS section: filled by the IEC work
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1))
    out.with_suffix(".md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
