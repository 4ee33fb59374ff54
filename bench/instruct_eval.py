"""Evidence for IDD / IEC / the analyzer on held-out lines and held-out phrasings.

    python bench/instruct_eval.py --corpus ../shared/corpus [--lines 120] [--analyzer-n 70]

Prints the figures and writes bench/results/instruct.md. Uses the shipped
checkpoints and the held-out (val) feature cache of `python main.py train`
(built on first use). Targets are the same rule-generated ones as in training,
so the ablation measures how well each model follows the instructions.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.instruct import batches, checkpoints, corpus, phrasing  # noqa: E402
from core.instruct.corpus import RateProfile  # noqa: E402
from core.instruct.embed import token_embeddings  # noqa: E402
from core.instruct.idd_predict import predict_durations  # noqa: E402
from core.instruct.iec import VOICED_HZ, apply_residual, phoneme_inputs, weights_vector  # noqa: E402
from core.project import ENTITIES  # noqa: E402
from instruct_report import to_markdown  # noqa: E402 - bench/instruct_report.py

RESULTS = Path(__file__).resolve().parent / "results" / "instruct.md"


def val_records(args, side: dict) -> list[dict]:
    """The held-out feature cache of `main.py train`, with the voices and line counts the
    checkpoints were trained with (their sidecar), unless given."""
    from core.instruct.train_run import load_features
    data = side.get("data", {})
    voices = args.voices or ",".join(data.get("voices", ["jm_kumo", "jf_gongitsune"]))
    opts = _command_options(side.get("command", ""))
    ns = argparse.Namespace(corpus=[args.corpus], val_corpus=None,
                            lines=args.train_lines or int(opts.get("--lines", 1500)),
                            val_lines=args.val_lines or int(opts.get("--val-lines", 210)),
                            seed=0, voices=voices)
    _, val, _ = load_features(ns)
    return val[:args.lines]


def _command_options(command: str) -> dict:
    import shlex
    parts = shlex.split(command)
    return {a: b for a, b in zip(parts, parts[1:]) if a.startswith("--")}


def idd_total(model, rec, text) -> np.ndarray:
    return predict_durations(model, rec["bert"], rec["base"], rec["tokens"], token_embeddings(text))


# ---- controllability ---------------------------------------------------------------

def rate_control(idd, recs, rng, families=phrasing.HELDOUT_FAMILIES) -> dict:
    out = {}
    for fam in families:
        wins = strict = 0
        trend_ok = trend_n = 0
        contrasts = {"accelerating": [], "slowing": []}
        for rec in recs:
            fast = phrasing.rate_instruction(RateProfile(tempo_cat="much_faster"), fam, rng)
            slow = phrasing.rate_instruction(RateProfile(tempo_cat="much_slower"), fam, rng)
            t_fast, t_slow = idd_total(idd, rec, fast).sum(), idd_total(idd, rec, slow).sum()
            wins += t_fast < t_slow
            strict += t_fast < 0.85 * t_slow
            base = rec["base"].numpy()
            for trend, sign in (("accelerating", -1), ("slowing", +1)):
                text = phrasing.rate_instruction(RateProfile(trend=trend), fam, rng)
                ratio = idd_total(idd, rec, text) / np.maximum(base, 0.5)
                half = len(ratio) // 2
                contrast = ratio[half:-1].mean() / ratio[1:half].mean()
                trend_ok += (contrast - 1) * sign > 0
                trend_n += 1
                contrasts[trend].append(contrast)
        out[fam] = dict(fast_lt_slow=wins / len(recs), fast_lt_085_slow=strict / len(recs),
                        trend_right=trend_ok / trend_n,
                        accel_contrast=float(np.mean(contrasts["accelerating"])),
                        slow_contrast=float(np.mean(contrasts["slowing"])))
    return out


def emotion_table(side: dict) -> tuple[dict, str]:
    """The per-entity targets the IEC learned: measured from RAVDESS (train --real) or the rules."""
    try:
        table = side["data"]["real"]["measured_table"]
        if table:
            return {k: tuple(v) for k, v in table.items()}, "measured from RAVDESS actors 01-20"
    except (KeyError, TypeError):
        pass
    return corpus.EMOTION_PROSODY, "the rules (corpus.EMOTION_PROSODY)"


def emotion_control(iec, recs, table=corpus.EMOTION_PROSODY) -> dict:
    """Per entity: F0 level and range and energy-curve change on the curves, and the line
    head's gain (dB, applied at render) and tempo, against the table's targets."""
    rows = {}
    for ent in ENTITIES:
        lv, rg, en = [], [], []
        for rec in recs:
            f0, energy, durs = rec["f0"].numpy(), rec["energy"].numpy(), rec["durations"].tolist()
            ph_f0, ph_en = phoneme_inputs(f0, energy, durs)
            with torch.no_grad():
                d_f0, d_en = iec(rec["bert"][None].float(), weights_vector({ent: 1.0})[None],
                                 torch.from_numpy(ph_f0)[None], torch.from_numpy(ph_en)[None])
                g, e = apply_residual(f0, energy, d_f0[0], d_en[0], durs)
            voiced = f0 > VOICED_HZ
            if voiced.sum() < 4:
                continue
            a, b = np.log(f0[voiced]), np.log(g.numpy()[voiced])
            lv.append((b.mean() - a.mean()) * 12 / math.log(2))
            rg.append(b.std() / max(a.std(), 1e-6))
            en.append(float((e.numpy() - energy).mean()) / corpus.ENERGY_PER_DB)
        with torch.no_grad():
            gain, log_tempo = iec.line_effects(weights_vector({ent: 1.0})[None])[0].tolist()
        want = table[ent]
        level = (float(np.mean(lv)), float(np.mean(rg)))
        loud = gain + float(np.mean(en))            # line gain + the curve's own level change
        right = [abs(w) < 0.3 or np.sign(g_) == np.sign(w) for w, g_ in
                 ((want[0], level[0]), (want[2], loud), (math.log(want[3]), log_tempo))]
        rows[ent] = dict(level_st=level[0], range=level[1], energy_db=float(np.mean(en)),
                         gain_db=gain, tempo=math.exp(log_tempo), target=list(want),
                         directions_right=all(right) if ent != "neutral" else
                         abs(level[0]) < 0.5 and abs(loud) < 1 and abs(log_tempo) < 0.05)
    return rows


# ---- ablation (Table 5) ------------------------------------------------------------

def js_divergence(a: np.ndarray, b: np.ndarray, bins=np.arange(0.5, 61.5, 1.0)) -> float:
    p, _ = np.histogram(np.clip(a, 1, 60), bins)
    q, _ = np.histogram(np.clip(b, 1, 60), bins)
    p, q = (p + 1e-9) / (p + 1e-9).sum(), (q + 1e-9) / (q + 1e-9).sum()
    m = (p + q) / 2
    return float(0.5 * (p * np.log(p / m)).sum() + 0.5 * (q * np.log(q / m)).sum())


def ablation(models: dict, recs, families, seed: int) -> dict:
    rng = random.Random(seed)
    preds = {name: [] for name in list(models) + ["no instruction (backbone)"]}
    targets = []
    for rec in recs:
        for fam in families:
            prof = corpus.sample_profile(rng)
            text = phrasing.rate_instruction(prof, fam, rng)
            entry = batches.BankEntry(text, fam, prof)
            target = batches.rate_target(rec, entry, rng)[0].numpy()
            targets.append(target)
            for name, model in models.items():
                preds[name].append(idd_total(model, rec, text))
            preds["no instruction (backbone)"].append(rec["base"].numpy())
    tgt = np.concatenate(targets)
    return {name: dict(l1=float(np.abs(np.concatenate(p) - tgt).mean()),
                       js=js_divergence(np.concatenate(p), tgt),
                       total_l1=float(np.mean([abs(a.sum() - b.sum()) for a, b in zip(p, targets)])))
            for name, p in preds.items()}


# ---- analyzer ----------------------------------------------------------------------

def analyzer_accuracy(n: int, seed: int) -> dict:
    from core.instruct.analyzer import LLMAnalyzer, MiniLMAnalyzer
    from core.instruct.train import emotion_texts
    data = emotion_texts(phrasing.HELDOUT_FAMILIES, n, seed + 99)
    out = {}
    for make in (MiniLMAnalyzer, LLMAnalyzer):
        an = make()
        top = l1 = 0.0
        t0 = time.perf_counter()
        for text, mix in data:
            s = an.scores(text)
            top += max(s, key=s.get) == max(mix, key=mix.get)
            l1 += sum(abs(s[e] - mix.get(e, 0.0)) for e in ENTITIES)
        out[an.name] = dict(top1=top / len(data), weight_l1=l1 / len(data),
                            ms_per_instruction=1000 * (time.perf_counter() - t0) / len(data))
    out["n"] = len(data)
    return out


def prediction_cost() -> dict:
    from core.instruct.pipeline import instructed_predict
    from core.synth import get_engine
    eng = get_engine()
    phon = eng.phonemize("Wait, we can look at that colour intensity together.")
    kw = dict(rate_instruction="a bit faster, pause between words", entities={"angry": 0.7, "sad": 0.3},
              slot_seconds=3.0)
    instructed_predict(eng, phon, "jm_kumo", **kw)                    # warm
    base = []
    for _ in range(5):
        t0 = time.perf_counter()
        eng.predict(phon, "jm_kumo")
        base.append(time.perf_counter() - t0)
    ours = []
    for _ in range(5):
        t0 = time.perf_counter()
        instructed_predict(eng, phon, "jm_kumo", **kw)
        ours.append(time.perf_counter() - t0)
    return dict(instructed_predict_ms=1000 * float(np.median(ours)),
                backbone_predict_ms=1000 * float(np.median(base)), phonemes=len(phon))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    ap.add_argument("--train-lines", type=int, default=None,
                    help="as given to `main.py train` (default: from checkpoints.json)")
    ap.add_argument("--val-lines", type=int, default=None,
                    help="as given to `main.py train` (default: from checkpoints.json)")
    ap.add_argument("--voices", default=None, help="backbone voices of the features "
                    "(default: those the checkpoints were trained with)")
    ap.add_argument("--lines", type=int, default=120, help="held-out lines to score")
    ap.add_argument("--analyzer-n", type=int, default=70, help="held-out emotion instructions")
    ap.add_argument("--skip-analyzer", action="store_true")
    ap.add_argument("--checkpoint-dir", default=None,
                    help="score IDD/IEC from another folder (results then go to stdout only)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rng = random.Random(0)
    folder = Path(args.checkpoint_dir) if args.checkpoint_dir else checkpoints.CHECKPOINT_DIR
    side = checkpoints.read_sidecar(folder)
    recs = val_records(args, side)
    idd = checkpoints.load_idd(folder / checkpoints.IDD_PATH.name)
    iec = checkpoints.load_iec(folder / checkpoints.IEC_PATH.name)
    models = {"IDD (slot attention)": idd}
    raw_path = checkpoints.IDD_RAW_PATH if not args.checkpoint_dir else folder / checkpoints.IDD_RAW_PATH.name
    if raw_path.is_file():
        models["raw-instruction cross-attention"] = checkpoints.load_idd(raw_path)
    report = dict(lines=len(recs))
    report["rate_control"] = rate_control(idd, recs, rng)
    report["rate_control_train_families"] = rate_control(idd, recs, rng, phrasing.TRAIN_FAMILIES)
    table, report["emotion_targets"] = emotion_table(side)
    report["emotion_control"] = emotion_control(iec, recs[:60], table)
    report["ablation_heldout_phrasing"] = ablation(models, recs, phrasing.HELDOUT_FAMILIES, 1)
    report["ablation_train_phrasing"] = ablation(models, recs, phrasing.TRAIN_FAMILIES, 2)
    if not args.skip_analyzer:
        report["analyzer"] = analyzer_accuracy(args.analyzer_n, 0)
    report["cost"] = dict(prediction_cost(), training=training_cost(side))
    text = to_markdown(report)
    print(text)
    if args.checkpoint_dir:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    (RESULTS.with_suffix(".json")).write_text(json.dumps(report, indent=1, default=float))


def training_cost(side: dict) -> dict:
    files = side.get("files", {})
    return {name: files[name].get("seconds") for name in files} | {
        "feature_build_s": side.get("data", {}).get("feature_build_seconds"),
        "machine": side.get("machine")}


if __name__ == "__main__":
    main()
