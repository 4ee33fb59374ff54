"""Analysis benchmark on the shared clips (development data, never shipped).

For every clip in ../shared/clips/manifest.json and ../shared/demo it reports:
share of frames with a face; the visible syllable rate (mouth) and the guide
audio's syllable-nuclei rate against the true rate (the script's syllables,
counted as vowel groups, over the VAD speech time of the original audio); the
error of cue in/out against the VAD speech on/offset when the cue is timed from
the mouth alone (--no-audio) and from the audio; and speed as a multiple of real
time. Writes bench/results/analysis.md.

    .venv/bin/python bench/analysis.py [--shared ../shared] [--out bench/results/analysis.md]
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
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from core.analyze import AnalysisOptions, _pooled_models, analyze, visual_pass  # noqa: E402
from core.script import count_syllables, parse_text  # noqa: E402
from core.speech.vad import detect_speech  # noqa: E402
from core.video.decode import iter_audio_blocks, probe  # noqa: E402


def clips(shared: Path) -> list[tuple[str, Path, str]]:
    m = json.loads((shared / "clips" / "manifest.json").read_text())
    out = [(c["id"], shared / "clips" / c["video"], c["script"]) for c in m["clips"]]
    out.append(("demo s17-bbwe4n (GRID)", shared / "demo" / "s17-bbwe4n.mp4", "bin blue with e four now"))
    return out


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg), user + system."""
    import resource
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def run_one(cid: str, video: Path, text: str) -> dict:
    meta = probe(video)
    segs = detect_speech(iter_audio_blocks(str(video)))
    speech = sum(e - s for s, e in segs)
    true_rate = count_syllables(text) / speech if speech > 0 else float("nan")
    with _pooled_models(AnalysisOptions()) as models:     # faces over the whole clip
        tracks, _ = visual_pass(meta, 0.0, meta.duration, models)
    seen = set()
    for tr in tracks.tracks:
        seen.update(tr["mouth"])
    row = {"face_share": len(seen) / max(1, len(tracks.times))}
    row.update({"id": cid, "duration": meta.duration, "fps": meta.fps,
           "onset": segs[0][0] if segs else None, "offset": segs[-1][1] if segs else None,
           "true_rate": true_rate})
    for mode, use_audio in (("audio", True), ("mouth", False)):
        t, c = time.perf_counter(), cpu_seconds()
        proj = analyze(video, parse_text(text), AnalysisOptions(use_audio=use_audio))
        el, cpu = time.perf_counter() - t, cpu_seconds() - c
        row[f"{mode}_cpu_speed"] = meta.duration / cpu
        cue = proj.cues[0]
        m = cue.measurements
        row[f"{mode}_speed"] = meta.duration / el
        row[f"{mode}_in"], row[f"{mode}_out"] = cue.start, cue.end
        row[f"{mode}_face"] = m.get("face_found_share", 0.0)
        row[f"{mode}_vis_rate"] = m.get("syllable_rate")
        if mode == "audio":
            g = m.get("guide") or {}
            row["audio_rate"] = g.get("syllable_rate")
            row["rate_instruction"] = cue.rate_instruction
            row["emotion_instruction"] = cue.emotion_instruction
    return row


def corr(a, b) -> tuple[float, int]:
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None and np.isfinite(x) and np.isfinite(y)]
    if len(pairs) < 3:
        return float("nan"), len(pairs)
    x, y = np.array(pairs).T
    return float(np.corrcoef(x, y)[0, 1]), len(pairs)


def fmt(v, spec=".2f"):
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else format(v, spec)


def report(rows: list[dict]) -> str:
    lines = ["| clip | dur s | face share | true syl/s | visible syl/s | audio syl/s | "
             "mouth-timed in/out err s | audio-timed in/out err s | speed ×RT (audio / mouth) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        def err(mode):
            if r["onset"] is None:
                return "–"
            return f"{r[mode + '_in'] - r['onset']:+.2f} / {r[mode + '_out'] - r['offset']:+.2f}"
        lines.append(f"| {r['id']} | {r['duration']:.1f} | {r['face_share']:.2f} | {fmt(r['true_rate'])} | "
                     f"{fmt(r['audio_vis_rate'])} | {fmt(r['audio_rate'])} | {err('mouth')} | {err('audio')} | "
                     f"{r['audio_speed']:.1f} / {r['mouth_speed']:.1f} |")
    tr = [r["true_rate"] for r in rows]
    cv, nv = corr([r["audio_vis_rate"] for r in rows], tr)
    ca, na = corr([r["audio_rate"] for r in rows], tr)
    face = np.mean([r["face_share"] for r in rows])
    e_in = [abs(r["mouth_in"] - r["onset"]) for r in rows if r["onset"] is not None]
    e_out = [abs(r["mouth_out"] - r["offset"]) for r in rows if r["onset"] is not None]
    a_in = [abs(r["audio_in"] - r["onset"]) for r in rows if r["onset"] is not None]
    a_out = [abs(r["audio_out"] - r["offset"]) for r in rows if r["onset"] is not None]
    sp_a = [r["audio_speed"] for r in rows]
    sp_m = [r["mouth_speed"] for r in rows]
    cp_a = [r["audio_cpu_speed"] for r in rows]
    cp_m = [r["mouth_cpu_speed"] for r in rows]
    lines += ["",
              f"- mean share of frames with a face (whole clip, every frame): {face:.2f}",
              f"- Pearson r, visible syllable rate vs true: {fmt(cv)} over {nv} clips with a readable mouth",
              f"- Pearson r, guide-audio syllable-nuclei rate vs true: {fmt(ca)} over {na} clips",
              f"- cue timed from the mouth alone: mean |in error| {np.mean(e_in):.2f} s, "
              f"mean |out error| {np.mean(e_out):.2f} s (median {np.median(e_in):.2f} / {np.median(e_out):.2f})",
              f"- cue timed from the guide audio: mean |in error| {np.mean(a_in):.2f} s, "
              f"mean |out error| {np.mean(a_out):.2f} s (the reference is the same VAD on the full track)",
              f"- speed, multiple of real time: audio-timed min {min(sp_a):.1f} median {np.median(sp_a):.1f}; "
              f"mouth-timed min {min(sp_m):.1f} median {np.median(sp_m):.1f} (wall clock, shared machine)",
              f"- speed by CPU time (self + ffmpeg children; what an unshared 1-core budget gives): "
              f"audio-timed min {min(cp_a):.1f} median {np.median(cp_a):.1f}; "
              f"mouth-timed min {min(cp_m):.1f} median {np.median(cp_m):.1f}",
              f"- total: {sum(r['duration'] for r in rows):.1f} s of video"]
    return "\n".join(lines)


def long_run(video: str, loops: int, text: str) -> dict:
    """Analyse `video` looped `loops` times (ffmpeg -stream_loop), one cue per loop,
    in a child process; returns its duration, speed and peak memory."""
    import subprocess
    import tempfile
    from core.audio import ffmpeg_exe
    with tempfile.TemporaryDirectory() as tmp:
        long_v = Path(tmp) / "long.mp4"
        subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-stream_loop", str(loops - 1),
                        "-i", video, "-c", "copy", str(long_v)], check=True)
        code = ("import sys,time,resource; sys.path.insert(0,%r)\n"
                "from core.analyze import analyze\nfrom core.script import parse_text\n"
                "t=time.perf_counter(); p=analyze(%r, parse_text(%r))\n"
                "print(p.video.duration, time.perf_counter()-t, len(p.cues), "
                "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)") % (
            str(ROOT), str(long_v), "\n".join([text] * loops))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        dur, el, n, rss = out.stdout.split()[-4:]
    return {"loops": loops, "duration": float(dur), "speed": float(dur) / float(el),
            "cues": int(n), "peak_rss_mb": int(rss) / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "analysis.md"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--long", type=int, nargs="*", default=[1, 40],
                    help="loop counts of the demo clip for the memory check (empty to skip)")
    args = ap.parse_args()
    import cv2
    import torch
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    rows = []
    all_clips = clips(Path(args.shared))
    # warm-up: model loading is a one-off cost, not part of the per-second speed
    analyze(all_clips[-1][1], parse_text(all_clips[-1][2]), AnalysisOptions())
    for cid, video, text in all_clips:
        r = run_one(cid, video, text)
        rows.append(r)
        print(f"{cid}: face {r['face_share']:.2f} true {fmt(r['true_rate'])} vis {fmt(r['audio_vis_rate'])} "
              f"audio {fmt(r['audio_rate'])} speed {r['audio_speed']:.1f}/{r['mouth_speed']:.1f}x", flush=True)
    table = report(rows)
    demo = Path(args.shared) / "demo" / "s17-bbwe4n.mp4"
    coco = [c for c in all_clips if c[0].startswith("Coco@")]
    longs = [("GRID demo, 360x288", long_run(str(demo), n, "bin blue with e four now")) for n in args.long]
    if args.long and coco:
        longs += [("Coco, 1920x802", long_run(str(coco[0][1]), n, coco[0][2])) for n in (1, 20)]
    if longs:
        table += ("\n\n### Streaming: a clip looped, one cue per loop (fresh child process, so the "
                  "speed includes loading the models)\n\n"
                  "| clip | loops | video s | cues | speed ×RT (wall) | peak RSS MB |\n|---|---|---|---|---|---|\n"
                  + "\n".join(f"| {name} | {x['loops']} | {x['duration']:.0f} | {x['cues']} | {x['speed']:.1f} | "
                               f"{x['peak_rss_mb']:.0f} |" for name, x in longs))
    print(table)
    examples = "\n".join(f"- **{r['id']}**: {r['rate_instruction']} / {r['emotion_instruction']}" for r in rows[:4])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        "# Analysis benchmark\n\n`.venv/bin/python bench/analysis.py` on a shared 2-core CPU "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.threads} thread(s)).\n\n"
        + table + "\n\n## Example instructions (audio-timed run)\n\n" + examples + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
