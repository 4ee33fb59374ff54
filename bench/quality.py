"""Quality benchmark: the project's dubs against ProDubber, StyleDubber, Speaker2Dubber,
HPMDubbing and V2C-Net on the real clips in ../shared/clips, with the paper's metrics.

    python bench/quality.py [--manifest ../shared/clips/manifest.json] [--clone-steps 12]

Writes bench/results/quality.json (per clip), quality.md (tables) and one PNG per
metric. Heavy: it dubs every clip and clones each reference voice (cached); run it
with nothing else busy, e.g. `nohup python bench/quality.py > quality.log &`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.constants import CLONE_STEPS  # noqa: E402 (after the path)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PEERS = ("ProDubber", "StyleDubber", "Speaker2Dubber", "HPMDubbing", "V2C-Net")


def subset(results: dict, keep) -> dict:
    return {**results, "clips": [c for c in results["clips"] if keep(c)]}


def has_all_peers(clip: dict) -> bool:
    from core.evaluate.runner import base_system
    names = {base_system(s) for s in clip["systems"]}
    return all(p in names for p in PEERS)


def plot_metric(results: dict, key: str, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from core.evaluate.runner import GROUND_TRUTH, METRICS, OURS, base_system
    per: dict = {}
    for clip in results["clips"]:
        for system, entry in clip["systems"].items():
            v = entry.get("metrics", {}).get(key)
            if v is not None:
                per.setdefault(base_system(system), []).append(float(v))
    if not per:
        return
    systems = sorted(per, key=lambda s: (s != GROUND_TRUTH, s != OURS, s))
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for i, s in enumerate(systems):
        vals = per[s]
        colour = "tab:red" if s == OURS else ("tab:gray" if s == GROUND_TRUTH else "tab:blue")
        ax.bar(i, np.mean(vals), color=colour, alpha=0.6)
        ax.scatter(np.full(len(vals), i) + np.linspace(-0.2, 0.2, len(vals)), vals, s=10, color="k")
    title, higher = METRICS[key]
    ax.set_xticks(range(len(systems)), [s.replace(" (ours)", "\n(ours)") for s in systems], fontsize=8)
    ax.set_title(f"{title} ({'higher' if higher else 'lower'} is better; {len(results['clips'])} clips: "
                 "bars = mean, dots = clips)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _voices_said(o: dict) -> str:
    if not o.get("clone", True):
        return f"no cloning: every line in the default voice `{o['default_voice']}`"
    return (f"voices cloned ({o['clone_steps']} steps) from the clip's reference recording"
            + (", or from its own original track when it has none (Setting 1 / Dub 1.0 "
               "protocol)" if o.get("gt_reference") else f", else `{o['default_voice']}`"))


def write_markdown(results: dict, out: Path) -> str:
    from core.evaluate.runner import format_table, model_names, summarize
    common = subset(results, has_all_peers)
    zero = subset(results, lambda c: not has_all_peers(c))
    o = results["options"]
    lines = [
        "# Quality benchmark (`python bench/quality.py`)", "",
        f"Run {results['created']} on {len(results['clips'])} clips of "
        f"`{Path(results['manifest']).name}` in {results['seconds']:.0f} s. Own dubs: timing "
        f"`{o['timing']}`; " + _voices_said(o) + ".",
        "Cells are means over clips, with the number of clips the metric could be computed "
        "on in brackets (a metric that fails on a clip is left out, with the reason in "
        "quality.json).", "",
        f"## V2C-Animation Setting 1 and 2: the {len(common['clips'])} clips every system dubbed", "",
        format_table(summarize(common), markdown=True), ""]
    if zero["clips"]:
        lines += [f"## Zero-shot clips ({len(zero['clips'])}; ProDubber only among the peers)", "",
                  format_table(summarize(zero), markdown=True), ""]
    lines += ["## Models behind the metrics", ""]
    lines += [f"- **{k}**: {v}" for k, v in model_names().items()]
    lines += ["", "*EMO-SIM here is a stand-in, not emotion2vec. Ground truth rows compare the "
              "original track with the script (WER, MOS) and the reference voice (SECS) only."]
    text = "\n".join(lines) + "\n"
    out.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", default=str(ROOT.parent / "shared" / "clips" / "manifest.json"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--clone-steps", type=int, default=CLONE_STEPS)
    ap.add_argument("--max-refs", type=int, default=1,
                    help="own dubs per zero-shot clip (one per reference voice, at most this many)")
    ap.add_argument("--no-clone", action="store_true")
    ap.add_argument("--no-gt-reference", action="store_true",
                    help="Setting 1 clips (no reference): use the default voice instead of a "
                         "clone of the clip's own track (the Dub 1.0 protocol the peers follow)")
    ap.add_argument("--timing", default="auto", choices=["auto", "video", "guide", "oracle"])
    ap.add_argument("--clips", default=None, help="comma-separated clip ids")
    ap.add_argument("--match-tone", action="store_true",
                    help="EQ own dubs towards the guide track (export's --match-tone; guide timing)")
    ap.add_argument("--match-ambience", action="store_true",
                    help="lay the guide's noise floor under own dubs (export's --match-ambience)")
    ap.add_argument("--replot", action="store_true", help="only redraw from quality.json")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(int(os.environ.get("INSTRUCTDUB_THREADS", "1")))
    from core.evaluate.runner import METRICS, EvalOptions, run_eval
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "quality.json"
    if args.replot:
        results = json.loads(json_path.read_text())
    else:
        opts = EvalOptions(clone=not args.no_clone, clone_steps=args.clone_steps,
                           gt_reference=not args.no_gt_reference,
                           max_refs=args.max_refs, timing=args.timing, match_tone=args.match_tone,
                           match_ambience=args.match_ambience,
                           clips=tuple(args.clips.split(",")) if args.clips else None,
                           save_audio=out / "dubs", extra={"bench": "bench/quality.py"})
        t0 = time.perf_counter()
        results = run_eval(args.manifest, opts, json_path,
                           report=lambda m: print(m, file=sys.stderr, flush=True))
        print(f"evaluated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    for key in METRICS:
        plot_metric(results, key, out / f"quality_{key}.png")
    print(write_markdown(results, out / "quality.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
