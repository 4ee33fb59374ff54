"""Emotion and timing against real held-out speech (RAVDESS actors 21-24, LJSpeech LJ002-*).

    python bench/prosody_emotion.py --real ../shared/realspeech [--voice en_lj]
        [--checkpoint-dir DIR] [--compare-dir DIR]

1. How the energy curve reaches the rendered audio (a level shift and a local bump).
2. Emotion: for each RAVDESS emotion and intensity, the real change against the same
   actor's neutral reading of the same sentence (held-out actors), and the change the
   system makes when told that emotion (entities from the label), measured in the
   rendered audio in the same way: F0 (st), level (dB), speech duration (ratio).
   Correlation across emotions.
3. Durations: per-phone MAE against forced-aligned held-out lines, with instructions
   written from each line's measured tempo, trend and pauses; trend contrast and pause
   presence for plain trend and pause instructions.
Prints every figure; writes bench/results/prosody_emotion.md and .json (default dirs only).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.instruct import checkpoints, real_data, real_eval, real_manifest  # noqa: E402
from core.instruct.real_measure import measure_audio  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "prosody_emotion.md"
SENTENCES = {"01": "Kids are talking by the door.", "02": "Dogs are sitting by the door."}
EMOTIONS = ("happy", "sad", "angry", "fearful", "disgust", "surprised")


def energy_response(eng, voice) -> dict:
    """Rendered dB for +1 unit on the whole energy curve, and for +1 on a middle stretch
    (that stretch against the rest)."""
    phon = eng.phonemize("Kids are talking by the door, and the dogs are sitting by the window.")
    al = eng.predict(phon, voice)
    m0 = measure_audio(eng.render(al), al.phonemes, al.durations)
    out = {}
    shifted = al.copy()
    shifted.energy = np.asarray(al.energy) + 1.0
    m = measure_audio(eng.render(shifted), al.phonemes, al.durations)
    out["whole_line_db_per_unit"] = m.line_db - m0.line_db
    token = np.repeat(np.repeat(np.arange(len(al.durations)), al.durations), 2)
    lo, hi = len(al.durations) // 3, 2 * len(al.durations) // 3
    bump = al.copy()
    bump.energy = np.asarray(al.energy) + ((token >= lo) & (token < hi))
    m = measure_audio(eng.render(bump), al.phonemes, al.durations)
    d = m.db - m0.db
    inside, outside = np.nanmean(d[lo:hi]), np.nanmean(np.r_[d[1:lo], d[hi:-1]])
    out["local_db_per_unit"] = float(inside - outside)
    return out


def real_cells(root) -> tuple[dict, dict]:
    lines = real_manifest.split(real_manifest.read_manifest(root, "ravdess"), heldout=True)
    measures = real_data.measure_lines(lines, print)
    return real_data.summarize_changes(lines, measures), dict(lines=len(lines), measured=len(measures))


def emotion_section(eng, voice, root) -> dict:
    real, facts = real_cells(root)
    cells = {}
    for emo in EMOTIONS:
        for intensity in ("normal", "strong"):
            line = real_manifest.RealLine(Path("x"), "ravdess", "", emo, intensity, "")
            cells[(emo, intensity)] = line.entities()
    t0 = time.perf_counter()
    pred = real_eval.predicted_changes(eng, list(SENTENCES.values()), voice, cells)
    rows = [dict(emotion=e, intensity=i, real=real.get((e, i)), predicted=pred[(e, i)])
            for (e, i) in cells]
    out = dict(real_lines=facts, render_seconds=round(time.perf_counter() - t0, 1), rows=rows,
               calm_real={i: real.get(("calm", i)) for i in ("normal", "strong")},
               neutral_real=real.get(("neutral", "normal")))
    out["correlation"] = {}
    for name, keep in (("12 emotion x intensity cells", lambda r: True),
                       ("6 emotions, strong", lambda r: r["intensity"] == "strong"),
                       ("6 emotions, both intensities averaged", None)):
        if keep is None:
            pairs = [(np.mean([r["real"][k] for r in rows if r["emotion"] == e]),
                      np.mean([r["predicted"][k] for r in rows if r["emotion"] == e]))
                     for e in EMOTIONS for k in ("st", "db", "ratio")]
            per = {k: real_eval.correlation([p[0] for p in pairs[j::3]], [p[1] for p in pairs[j::3]])
                   for j, k in enumerate(("st", "db", "ratio"))}
        else:
            sel = [r for r in rows if keep(r) and r["real"]]
            per = {k: real_eval.correlation([r["real"][k] for r in sel], [r["predicted"][k] for r in sel])
                   for k in ("st", "db", "ratio")}
        out["correlation"][name] = per
    return out


def duration_section(eng, voice, root, idd) -> dict:
    from core.instruct.train_real import records_for
    out = {}
    for corpus_name in ("ljspeech", "ravdess"):
        lines = real_manifest.split(real_manifest.read_manifest(root, corpus_name), heldout=True)
        measures = real_data.measure_lines(lines, print)
        recs = records_for(eng, measures, [voice])
        items = real_eval.real_items(lines, measures, recs, voice)
        out[corpus_name] = {fam: real_eval.duration_scores(idd, items, [fam]) for fam in
                            ("edit", "director")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default=str(ROOT.parent / "shared" / "realspeech"))
    ap.add_argument("--voice", default=None, help="default: core.constants.DEFAULT_VOICE")
    ap.add_argument("--checkpoint-dir", default=None, help="IDD/IEC from another folder")
    ap.add_argument("--skip-durations", action="store_true")
    ap.add_argument("--skip-emotion", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from core.constants import DEFAULT_VOICE
    from core.synth import get_engine
    voice = args.voice or DEFAULT_VOICE
    folder = Path(args.checkpoint_dir) if args.checkpoint_dir else checkpoints.CHECKPOINT_DIR
    if args.checkpoint_dir:          # the pipeline loads the default paths: point it here
        load_idd, load_iec = checkpoints.load_idd, checkpoints.load_iec
        checkpoints.load_idd = lambda path=folder / "idd.pt": load_idd(path)
        checkpoints.load_iec = lambda path=folder / "iec.pt": load_iec(path)
    eng = get_engine()
    where = folder.resolve()
    shown = str(where.relative_to(ROOT)) if where.is_relative_to(ROOT) else where.name
    report = dict(voice=voice, checkpoints=shown, command=" ".join(sys.argv))
    report["energy_response"] = energy_response(eng, voice)
    print("energy curve -> rendered dB:", json.dumps(report["energy_response"]))
    if not args.skip_emotion:
        report["emotion"] = emotion_section(eng, voice, args.real)
    if not args.skip_durations:
        report["durations"] = duration_section(eng, voice, args.real,
                                               checkpoints.load_idd(folder / "idd.pt"))
    text = to_markdown(report)
    print(text)
    if args.checkpoint_dir or args.voice:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    RESULTS.with_suffix(".json").write_text(json.dumps(report, indent=1, default=float))


def _f(x, fmt="+.2f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def emotion_markdown(e: dict) -> list[str]:
    """The emotion section (table, calm/neutral facts, correlations) as markdown lines."""
    L = [f"Real: {e['real_lines']['measured']} of {e['real_lines']['lines']} held-out recordings aligned; "
          "each reading against the same actor's neutral readings of the same sentence. "
          "Predicted: both sentences rendered with the label's entities (normal = 0.6 emotion + "
          "0.4 neutral, strong = 1.0) against the same sentence rendered without emotion; "
          "F0 and level measured in the audio.\n",
          "| emotion | intensity | real F0 (st) | pred F0 (st) | real level (dB) | pred level (dB) "
          "| real duration (x) | pred duration (x) | line gain (dB) | n real |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for row in e["rows"]:
        re_, p = row["real"] or {}, row["predicted"]
        L.append(f"| {row['emotion']} | {row['intensity']} | {_f(re_.get('st'))} | {_f(p['st'])} | "
                 f"{_f(re_.get('db'))} | {_f(p['db'])} | {_f(re_.get('ratio'), '.2f')} | "
                 f"{_f(p['ratio'], '.2f')} | {_f(p['gain_db'])} | {re_.get('n', 0)} |")
    for name, v in (("calm (not trained)", e["calm_real"].get("strong")),
                    ("neutral take against the other", e["neutral_real"])):
        if v:
            L.append(f"\nReal {name}: F0 {_f(v['st'])} st, level {_f(v['db'])} dB, "
                     f"duration x{v['ratio']:.2f} (n = {v['n']})")
    L += ["\n| correlation across | F0 | level | duration |", "|---|---|---|---|"]
    for name, v in e["correlation"].items():
        L.append(f"| {name} | {_f(v['st'], '.2f')} | {_f(v['db'], '.2f')} | {_f(v['ratio'], '.2f')} |")
    return L


def print_emotion(voice: str, e: dict) -> None:
    print(f"emotion against neutral, voice {voice}:")
    print("\n".join(emotion_markdown(e)), flush=True)


def to_markdown(r: dict) -> str:
    L = ["# Emotion and timing against real held-out speech\n",
         f"Voice `{r['voice']}`, checkpoints `{r['checkpoints']}`. Command: `{r['command']}`.\n",
         "## Energy curve -> rendered audio\n",
         f"- +1 unit on the whole curve: {_f(r['energy_response']['whole_line_db_per_unit'])} dB",
         f"- +1 unit on the middle third: {_f(r['energy_response']['local_db_per_unit'])} dB against the rest\n"]
    if "emotion" in r:
        L += ["## Emotion against neutral (RAVDESS held-out actors 21-24)\n", *emotion_markdown(r["emotion"])]
    if "durations" in r:
        L += ["\n## Durations (IDD) on held-out lines\n",
              "Instruction written from each line's measured tempo, trend and pauses against the "
              "backbone (`corpus.measured_profile`), in a training (edit) and a held-out (director) "
              "phrasing family. MAE per phone in ms, free and with the line rescaled to the real "
              "length (as in a slot). Trend contrast = (IDD/backbone, second half) / (first half) "
              "under a plain trend instruction; a pause = a word boundary at least 4 frames (100 ms) "
              "longer than the line's tempo gives the backbone.\n",
              "| lines | family | n | MAE backbone (free / slot) | MAE IDD (free / slot) | accelerating | "
              "steady | slowing | trend right (acc / slow) | lines with a pause: 'pauses' / none | "
              "boundaries paused: 'pauses' / none |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for corpus_name, fams in r["durations"].items():
            for fam, v in fams.items():
                m, t, p = v["mae_ms"], v["trend_contrast"], v.get("pauses", {})
                pw, pn = p.get("with pauses", {}), p.get("without", {})
                L.append(
                    f"| {corpus_name} | {fam} | {v['lines']} | {m['backbone']['free']:.1f} / "
                    f"{m['backbone']['in_slot']:.1f} | {m['IDD, measured instruction']['free']:.1f} / "
                    f"{m['IDD, measured instruction']['in_slot']:.1f} | {t['accelerating']['mean']:.2f} | "
                    f"{t['steady']['mean']:.2f} | {t['slowing']['mean']:.2f} | "
                    f"{v['trend_right']['accelerating']:.0%} / {v['trend_right']['slowing']:.0%} | "
                    f"{_f(pw.get('lines_with_a_pause'), '.0%')} / {_f(pn.get('lines_with_a_pause'), '.0%')} | "
                    f"{_f(pw.get('boundaries_paused'), '.0%')} / {_f(pn.get('boundaries_paused'), '.0%')} |")
        L.append(f"\nMeasured profiles of the held-out lines: {json.dumps({k: v['edit']['measured'] for k, v in r['durations'].items()})}")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
