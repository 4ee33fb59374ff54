"""Why F0 corr and EMO-SIM* differ between systems on the shared V2C clips: a diagnosis.

    python bench/prosody_gap.py --dubs DIR/dubs [--label en_lj] [--out FILE.json]
                                [--plot CLIP,CLIP --png FILE.png]

DIR/dubs holds the own dubs that `bench/quality.py --out DIR` saved. For every V2C clip
(Setting 1 and 2) with an own dub there, and every system: F0 corr as the bench computes it (MFCC-DTW), the same
on the clip timeline without DTW, and EMO-SIM* with its prosodic and spectral parts. Then
a chance level: each system's F0 corr against the ground truth of the *other* clips; and
EMO-SIM* of the actor's own reference recording (another line) for the Setting 2 clips.
Means are given per setting: in V2C Setting 1 (Dub 1.0) the peers were given the ground
truth itself as their reference audio, in Setting 2 another line of the same actor.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OURS = "InstructDub (ours)"
REF = "reference (same actor, other line)"


def _clips(manifest: Path) -> list[dict]:
    man = json.loads(manifest.read_text())
    return [c for c in man["clips"] if re.search(r"Setting[12]", c.get("source", ""))]


def _setting(clip: dict) -> str:
    return "Setting 1" if "Setting1" in clip["source"] else "Setting 2"


def _own_dub(dubs: Path, clip_id: str) -> Path:
    return dubs / (re.sub(r"[^\w@.-]+", "_", f"{clip_id}__{OURS}") + ".wav")


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    v = (a > 0) & (b > 0)
    if v.sum() < 10:
        return None
    return float(np.corrcoef(np.log(a[v]), np.log(b[v]))[0, 1])


def f0_pair(gt, f_gt, dub, f_dub) -> dict:
    """F0 corr after the metric's MFCC-DTW, and on the clip timeline as laid."""
    from core.evaluate.f0corr import dtw_path
    path = dtw_path(gt, dub)
    i = np.minimum(path[:, 0], len(f_gt) - 1)
    j = np.minimum(path[:, 1], len(f_dub) - 1)
    n = min(len(f_gt), len(f_dub))
    return {"f0_dtw": _corr(f_gt[i], f_dub[j]), "f0_timeline": _corr(f_gt[:n], f_dub[:n]),
            "dub_median_hz": round(float(np.median(f_dub[f_dub > 0])), 1)}


def measure(manifest: Path, dubs: Path) -> dict:
    from core.evaluate.emo_sim import emo_sim_metric
    from core.speech.checks import load_audio
    from core.speech.pitch import pitch_track
    base = manifest.parent
    clips = [c for c in _clips(manifest) if _own_dub(dubs, c["id"]).is_file()]
    if not clips:
        raise SystemExit(f"no own dub of a V2C clip in {dubs}")
    audio, f0, rows = {}, {}, []
    for c in clips:
        gt = audio[c["id"]] = load_audio(base / c["video"])
        f0[c["id"]] = pitch_track(gt)
        systems = {k: base / v for k, v in c.get("peer_outputs", {}).items()}
        systems[OURS] = _own_dub(dubs, c["id"])
        for r in c.get("references", [])[:1]:
            systems[REF] = base / r["audio"]
        for name, path in systems.items():
            dub = load_audio(path)
            row = {"clip": c["id"], "setting": _setting(c), "system": name,
                   **emo_sim_metric(dub, gt), "gt_median_hz": round(float(np.median(
                       f0[c["id"]][f0[c["id"]] > 0])), 1)}
            if name != REF:
                f_dub = pitch_track(dub)
                row.update(f0_pair(gt, f0[c["id"]], dub, f_dub))
                row["_audio"], row["_f0"] = dub, f_dub
            rows.append(row)
            print(f"{c['id']:32s} {name:36s} " + " ".join(
                f"{k}={v}" for k, v in row.items() if k.startswith(("emo", "f0_"))), file=sys.stderr)
    chance = {}
    for row in rows:                      # F0 corr against the other clips' ground truth
        if "_audio" in row:
            for c in clips:
                if c["id"] != row["clip"]:
                    r = f0_pair(audio[c["id"]], f0[c["id"]], row["_audio"], row["_f0"])["f0_dtw"]
                    if r is not None:
                        chance.setdefault(row["system"], []).append(r)
    for row in rows:
        row.pop("_audio", None), row.pop("_f0", None)
    return {"rows": rows, "chance": chance}


def summary(res: dict) -> dict:
    keys = ("f0_dtw", "f0_timeline", "emo_sim", "emo_sim_prosodic", "emo_sim_spectral")
    out: dict = {}
    for group in ("all", "Setting 1", "Setting 2"):
        for row in res["rows"]:
            if group == "all" or row["setting"] == group:
                acc = out.setdefault(row["system"], {}).setdefault(group, {})
                for k in keys:
                    if row.get(k) is not None:
                        acc.setdefault(k, []).append(row[k])
    return {s: {g: {k: (round(float(np.mean(v)), 3), len(v)) for k, v in m.items()}
                for g, m in by.items()} for s, by in out.items()}


def markdown(res: dict, label: str) -> str:
    summ = summary(res)
    head = ("| system | clips | F0 corr (metric, DTW) | F0 corr, clip timeline | EMO-SIM* "
            "| its prosodic part | its spectral part |\n|---|---|---|---|---|---|---|")
    lines = [f"Own dubs: {label}.", "", head]
    order = sorted(summ, key=lambda s: (s == REF, s != OURS, s))
    for group in ("all", "Setting 1", "Setting 2"):
        for s in order:
            m = summ[s].get(group)
            if not m:
                continue
            cell = lambda k: f"{m[k][0]:.3f}" if k in m else "–"  # noqa: E731
            n = max(v[1] for v in m.values())
            lines.append(f"| {s} | {group} ({n}) | {cell('f0_dtw')} | {cell('f0_timeline')} | "
                         f"{cell('emo_sim')} | {cell('emo_sim_prosodic')} | {cell('emo_sim_spectral')} |")
    lines += ["", "F0 corr against the ground truth of the other clips (chance level, DTW):", ""]
    for s in order:
        v = res["chance"].get(s)
        if v:
            lo, hi = np.percentile(v, [5, 95])
            lines.append(f"- {s}: mean {np.mean(v):.3f}, sd {np.std(v):.3f}, "
                         f"5-95% {lo:.2f}..{hi:.2f} ({len(v)} pairs)")
    return "\n".join(lines) + "\n"


def plot_contours(manifest: Path, dubs: Path, ids: list[str], out: Path) -> None:
    """Ground truth, ProDubber and our F0 (semitones re each one's median): on the clip
    timeline, and mapped onto the ground truth's time by the metric's DTW."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from core.evaluate.f0corr import dtw_path
    from core.speech.checks import load_audio
    from core.speech.pitch import HOP_SECONDS, pitch_track
    clips = {c["id"]: c for c in _clips(manifest)}
    fig, axs = plt.subplots(len(ids), 2, figsize=(12, 2.8 * len(ids)), squeeze=False)
    for r, cid in enumerate(ids):
        c = clips[cid]
        gt = load_audio(manifest.parent / c["video"])
        f_gt = pitch_track(gt)
        for name, path in (("ground truth", manifest.parent / c["video"]),
                           ("ProDubber", manifest.parent / c["peer_outputs"]["ProDubber"]),
                           ("ours", _own_dub(dubs, cid))):
            a = load_audio(path)
            f = pitch_track(a)
            med = np.median(f[f > 0])
            st = np.where(f > 0, 12 * np.log2(np.maximum(f, 1) / med), np.nan)
            axs[r, 0].plot(np.arange(len(f)) * HOP_SECONDS, st, ".-", ms=2, lw=0.8,
                           label=f"{name} ({med:.0f} Hz)")
            p = dtw_path(gt, a)
            i, j = np.minimum(p[:, 0], len(f_gt) - 1), np.minimum(p[:, 1], len(f) - 1)
            axs[r, 1].plot(i * HOP_SECONDS, st[j], ".", ms=2, label=name)
        axs[r, 0].set_title(f"{cid}: clip timeline (semitones re median)", fontsize=9)
        axs[r, 1].set_title("mapped onto the ground truth's time by the metric's DTW", fontsize=9)
        axs[r, 0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", default=str(ROOT.parent / "shared" / "clips" / "manifest.json"))
    ap.add_argument("--dubs", required=True, help="the dubs folder of a bench/quality.py run")
    ap.add_argument("--label", default="the dubs in --dubs")
    ap.add_argument("--out", default=None, help="JSON of every row")
    ap.add_argument("--plot", default=None, help="comma-separated clip ids to draw F0 for")
    ap.add_argument("--png", default="prosody_gap_f0.png")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.plot:
        plot_contours(Path(args.manifest), Path(args.dubs), args.plot.split(","), Path(args.png))
        return 0
    res = measure(Path(args.manifest), Path(args.dubs))
    if args.out:
        Path(args.out).write_text(json.dumps({"label": args.label, **res, "summary": summary(res)},
                                             indent=1))
    print(markdown(res, args.label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
