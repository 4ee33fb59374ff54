"""bench/instruct_eval.py's report as Markdown (bench/results/instruct.md)."""
from __future__ import annotations

import json


def to_markdown(r: dict) -> str:
    L = [f"# Instruction control: IDD / IEC / analyzer\n",
         f"Held-out lines (the corpus *val* lists): {r['lines']}. Command: "
         "`python bench/instruct_eval.py --corpus ../shared/corpus`. All targets are the "
         "rule-made ones the models were trained towards (see README.md, Instructions).\n",
         "## Speaking rate\n",
         "Trend contrast = (IDD/backbone duration ratio, second half) / (same, first half); "
         "the rule-made training targets average about 0.81 (accelerating) and 1.25 (slowing) on "
         "this measure (end/start ratios 0.55-0.72 and 1.4-1.8).\n",
         "| phrasing family | held out? | much faster < much slower (total frames) | ... by 15% or more "
         "| trend direction right | contrast, accelerating | contrast, slowing |",
         "|---|---|---|---|---|---|---|"]
    for key, held in (("rate_control", "yes"), ("rate_control_train_families", "no")):
        for fam, v in r[key].items():
            L.append(f"| {fam} | {held} | {v['fast_lt_slow']:.1%} | {v['fast_lt_085_slow']:.1%} | "
                     f"{v['trend_right']:.1%} | {v['accel_contrast']:.2f} | {v['slow_contrast']:.2f} |")
    L += [f"\n## Emotion entities through IEC (mean over held-out lines; targets: {r['emotion_targets']})\n",
          "Energy curve (dB) is the change on the backbone's energy curve, which the decoder mostly "
          "normalises away; the line gain is applied to the rendered audio. Measured in rendered "
          "audio against real held-out speech: bench/prosody_emotion.py.\n",
          "| entity | F0 level (st) | F0 range (x) | energy curve (dB) | line gain (dB) | tempo (x) "
          "| target (st, range x, dB, tempo x) | directions right |",
          "|---|---|---|---|---|---|---|---|"]
    for ent, v in r["emotion_control"].items():
        L.append(f"| {ent} | {v['level_st']:+.2f} | {v['range']:.2f} | {v['energy_db']:+.2f} | "
                 f"{v['gain_db']:+.2f} | {v['tempo']:.2f} | {v['target']} | "
                 f"{'yes' if v['directions_right'] else 'NO'} |")
    for key, title in (("ablation_heldout_phrasing", "held-out phrasing families"),
                       ("ablation_train_phrasing", "training phrasing families, held-out lines")):
        L += [f"\n## Ablation (paper Table 5): {title}\n",
              "| model | duration L1 (frames/phoneme) | JS divergence of duration histograms | |total - target| (frames/line) |",
              "|---|---|---|---|"]
        for name, v in r[key].items():
            L.append(f"| {name} | {v['l1']:.3f} | {v['js']:.4f} | {v['total_l1']:.1f} |")
    if "analyzer" in r:
        a = r["analyzer"]
        L += [f"\n## Emotion analyzer on held-out phrasings (n = {a['n']})\n",
              "| analyzer | top-1 entity accuracy | weight L1 (0-2) | ms / instruction |", "|---|---|---|---|"]
        for name, v in a.items():
            if name != "n":
                L.append(f"| {name} | {v['top1']:.1%} | {v['weight_l1']:.3f} | {v['ms_per_instruction']:.0f} |")
    c = r["cost"]
    L += ["\n## Cost (shared 2-core CPU)\n",
          f"- instructed_predict for one line ({c['phonemes']} phonemes, slot, explicit entities): "
          f"{c['instructed_predict_ms']:.0f} ms; the backbone's own predict: {c['backbone_predict_ms']:.0f} ms",
          f"- training seconds (from resources/checkpoints/checkpoints.json): {json.dumps(c['training'])}"]
    return "\n".join(L) + "\n"
