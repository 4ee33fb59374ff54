"""Predicted against real speech, on recordings no voice or model was fitted to.

LJSpeech LJ002-* (held out; `en_lj` was fitted on LJ001-*), for jm_kumo and each shipped
voice, from the voice's own free-running prediction (Engine.predict) of the transcript:
- last vowel voiced: share of lines whose last vowel token has F0 > 0 (the engine's
  contract: >= 10 Hz) on most of its frames; and the same with F0 >= 50 Hz;
- duration MAE (ms) per phone group (core.speech_targets groups) and per word against the
  forced alignment of the recording (whose own boundary error, bench/aligner_error.py,
  is part of it), and the relative error of the whole speech length;
- log-F0 RMSE (semitones; also with each voice's mean offset removed) and F0
  correlation (log-F0, Pearson) after time alignment: each frame of the recording is
  mapped to the same relative place in the same token of the prediction; frames voiced
  in the recording with predicted F0 >= 50 Hz;
- Whisper tiny.en WER of the rendered line against the transcript, on lines without
  numbers: LJSpeech spells numbers out ("eighteen eighteen") and Whisper writes digits
  ("1818"), which no normaliser here maps back, so lines with numbers measure the
  normaliser, not the voice.
- with IDD (default, --no-idd to skip): the same duration figures for the shipped IDD
  under a rate instruction written, in a held-out phrasing family (a director's notes),
  from the line's measured tempo, trend and pauses (corpus.measured_profile, what the
  dub pipeline states about a line), rendered through instructed_predict; and, for both
  the backbone and IDD, the phone MAE with the speech rescaled to the real speech length
  (as in a dub slot, where the length is given). The instruction knows the real tempo,
  the free backbone row does not: compare "in the real length" rows with each other.
- emotions (bench/prosody_emotion.py's emotion section, --no-emotion to skip): RAVDESS
  held-out actors 21-24, the real change of each emotion against the same actor's
  neutral reading against the rendered change, per voice; correlation across emotions.

    python bench/prosody_real.py [--limit N] [--wer-limit N] [--voices jm_kumo,en_lj] [--no-wer]
        [--no-idd] [--no-emotion]

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
F0_MIN = 50.0     # predicted F0 below this (but above the 10 Hz cut) is a voicing fade-out
NUMBER_WORDS = set("""zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy
eighty ninety hundred thousand first second third fourth fifth sixth seventh eighth ninth tenth
oh""".split())


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


def word_runs(kinds: list[str]) -> list[list[int]]:
    """Token indices of each word: runs of phones and stress marks."""
    runs, cur = [], []
    for i, k in enumerate(kinds):
        if k in ("phone", "stress"):
            cur.append(i)
        elif cur:
            runs.append(cur)
            cur = []
    return runs + ([cur] if cur else [])


def has_numbers(text: str) -> bool:
    from core.speech.transcript import normalize_text
    return bool(set(normalize_text(text).split()) & NUMBER_WORDS)


def line_figures(targets, al) -> dict:
    c = 2
    pred_f0 = np.asarray(al.f0)
    durs = np.asarray(al.durations)
    real_durs = np.asarray(targets.durations)
    last = targets.last_vowel()
    lo, hi = c * durs[:last[0]].sum(), c * durs[:last[-1] + 1].sum()
    groups = [g for g, kind in targets.groups() if kind == "phone"]
    dur_err = [abs(durs[g].sum() - real_durs[g].sum()) * 25.0 for g in groups]
    word_err = [abs(durs[w].sum() - real_durs[w].sum()) * 25.0 for w in word_runs(targets.kinds)]
    inner = slice(1, len(durs) - 1)
    span_err = abs(durs[inner].sum() - real_durs[inner].sum()) / real_durs[inner].sum()
    a, b = targets.frame_span()
    warp = token_warp(targets.durations, durs, len(targets.f0))
    k = np.arange(c * a, c * b)
    k = k[warp[k] >= 0]
    real, pred = targets.f0[k], pred_f0[warp[k]]
    both = (real > 0) & (pred >= F0_MIN)
    lr, lp = np.log2(real[both]), np.log2(pred[both])
    return {"last_vowel_voiced": bool((pred_f0[lo:hi] > 0).mean() > 0.5),
            "last_vowel_voiced_50hz": bool((pred_f0[lo:hi] >= F0_MIN).mean() > 0.5),
            "dur_err_ms": dur_err, "word_err_ms": word_err, "span_err": float(span_err),
            "st_diff": list(12 * (lp - lr)),
            "f0_corr": float(np.corrcoef(lr, lp)[0, 1]) if both.sum() > 10 else None}


def slot_phone_err(targets, durs) -> list[float]:
    """Phone-group errors (ms) with the predicted speech (pads left out) rescaled to the
    recording's speech length."""
    d = np.asarray(durs, float).copy()
    real = np.asarray(targets.durations, float)
    d[1:-1] *= real[1:-1].sum() / max(d[1:-1].sum(), 1e-6)
    return [abs(d[g].sum() - real[g].sum()) * 25.0 for g, kind in targets.groups() if kind == "phone"]


def idd_line(eng, voice, targets, rng, family: str = "director"):
    """instructed_predict under a rate instruction written from the recording's measured
    profile against this voice's backbone durations; (alignment, instruction)."""
    from types import SimpleNamespace

    import torch

    from core.instruct import corpus, phrasing, real_data
    from core.instruct.pipeline import instructed_predict
    enc = eng.encode(targets.tokens, voice)
    base = np.asarray(torch.as_tensor(enc.base_durations).float().cpu()).reshape(-1)
    m = SimpleNamespace(tokens=list(targets.tokens), durations=np.asarray(targets.durations))
    real = real_data.real_durations(m, {"base": torch.from_numpy(base)}).numpy()
    prof = corpus.measured_profile(base, real, list(targets.tokens))
    text = phrasing.rate_instruction(prof, family, rng)
    return instructed_predict(eng, targets.tokens, voice, rate_instruction=text), text


def run_idd(eng, voice: str, lines, log) -> dict:
    """Duration figures of the backbone and of IDD (measured instruction), free and in
    the real speech length."""
    import random

    from core.speech_targets import targets_for_file
    rng = random.Random(0)
    err = {"backbone": ([], []), "IDD": ([], [])}
    words = {"backbone": [], "IDD": []}
    span = {"backbone": [], "IDD": []}
    for path, text in lines:
        t = targets_for_file(path, text, eng=eng)
        al_b = eng.predict(t.tokens, voice)
        al_i, instr = idd_line(eng, voice, t, rng)
        if list(al_i.phonemes) != list(t.tokens):
            raise ValueError(f"{path.stem}: IDD's alignment has other tokens")
        for name, al in (("backbone", al_b), ("IDD", al_i)):
            fig = line_figures(t, al)
            err[name][0].extend(fig["dur_err_ms"])
            err[name][1].extend(slot_phone_err(t, al.durations))
            words[name].extend(fig["word_err_ms"])
            span[name].append(fig["span_err"])
        log(f"  {voice} {path.stem} IDD [{instr}]: phone MAE "
            f"{np.mean(line_figures(t, al_i)['dur_err_ms']):.1f} ms (backbone "
            f"{np.mean(line_figures(t, al_b)['dur_err_ms']):.1f})")
    return {name: {"duration_mae_ms": round(float(np.mean(e[0])), 1),
                   "duration_mae_ms_in_real_length": round(float(np.mean(e[1])), 1),
                   "word_duration_mae_ms": round(float(np.mean(words[name])), 1),
                   "speech_length_error": round(float(np.mean(span[name])), 3)}
            for name, e in err.items()} | {"lines": len(lines), "family": "director"}


def run_voice(eng, voice: str, lines, wer_lines: int, log) -> dict:
    from core.audio import resample
    from core.speech_targets import targets_for_file
    per_line, dur_err, word_err, st_diff, words, errors = [], [], [], [], 0, 0.0
    wer_done = 0
    for path, text in lines:
        wer = wer_done < wer_lines and not has_numbers(text)
        wer_done += wer
        t = targets_for_file(path, text, eng=eng)
        al = eng.predict(t.tokens, voice)
        fig = line_figures(t, al)
        dur_err += fig.pop("dur_err_ms")
        word_err += fig.pop("word_err_ms")
        st_diff += fig.pop("st_diff")
        if wer:
            from core.speech.transcript import normalize_text
            from core.speech.asr import transcribe
            from core.speech.transcript import word_error_rate
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
            "last_vowel_voiced_50hz": round(float(np.mean([p["last_vowel_voiced_50hz"]
                                                           for p in per_line])), 3),
            "duration_mae_ms": round(float(np.mean(dur_err)), 1),
            "word_duration_mae_ms": round(float(np.mean(word_err)), 1),
            "speech_length_error": round(float(np.mean([p["span_err"] for p in per_line])), 3),
            "f0_rmse_st": round(float(np.sqrt((st ** 2).mean())), 2),
            "f0_rmse_st_centred": round(float(st.std()), 2),
            "f0_corr": round(float(np.mean(corrs)), 3),
            "wer": round(errors / words, 4) if words else None,
            "wer_lines": wer_done, "wer_words": words,
            "per_line": per_line}


def _plain(x):
    return float(x) if isinstance(x, np.floating) else str(x)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="first N held-out lines (0 = all 199)")
    ap.add_argument("--voices", default="", help="comma-separated (default: jm_kumo and every "
                                                 "shipped voice)")
    ap.add_argument("--no-wer", action="store_true", help="skip rendering and Whisper")
    ap.add_argument("--wer-limit", type=int, default=0,
                    help="render and transcribe only the first N number-free lines (0 = all)")
    ap.add_argument("--no-idd", action="store_true", help="skip the IDD duration rows")
    ap.add_argument("--no-emotion", action="store_true", help="skip the RAVDESS emotion section")
    ap.add_argument("--extra-voices", default="",
                    help="IDD and emotion sections for these voices too (default: only "
                         "core.constants.DEFAULT_VOICE, the voice IDD's real timing was learned on)")
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
        print(f"{v}: last vowel voiced {r['last_vowel_voiced']:.0%} "
              f"({r['last_vowel_voiced_50hz']:.0%} at >= 50 Hz), duration MAE "
              f"{r['duration_mae_ms']:.1f} ms per phone, {r['word_duration_mae_ms']:.1f} ms per "
              f"word, length error {r['speech_length_error']:.1%}, log-F0 RMSE {r['f0_rmse_st']:.2f} st "
              f"({r['f0_rmse_st_centred']:.2f} mean removed), F0 corr {r['f0_corr']:.3f}, WER "
              + ("–" if r["wer"] is None else f"{r['wer']:.3f}"), flush=True)
    res["seconds"] = time.perf_counter() - t0
    from core.constants import DEFAULT_VOICE
    section_voices = list(dict.fromkeys([DEFAULT_VOICE, *filter(None, args.extra_voices.split(","))]))
    res["idd"] = {}
    if not args.no_idd:
        for v in section_voices:
            r = run_idd(eng, v, lines, lambda m: print(m, flush=True))
            res["idd"][v] = r
            print(f"{v}: phone MAE backbone {r['backbone']['duration_mae_ms']:.1f} ms free / "
                  f"{r['backbone']['duration_mae_ms_in_real_length']:.1f} in the real length; IDD "
                  f"(measured instruction) {r['IDD']['duration_mae_ms']:.1f} / "
                  f"{r['IDD']['duration_mae_ms_in_real_length']:.1f}", flush=True)
    res["emotions"] = {}
    if not args.no_emotion:
        from prosody_emotion import emotion_section, print_emotion
        for v in section_voices:
            res["emotions"][v] = emotion_section(eng, v, DATA)
            print_emotion(v, res["emotions"][v])
    from prosody_real_report import markdown
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1, default=_plain))
    out.with_suffix(".md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
