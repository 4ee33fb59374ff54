"""The muxed videos of an export: the picture with the dub, and with the dub over the
original track. Audio is streamed block by block; each file is written atomically."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from core import audio as au
from core.fileio import atomic_target
from core.loudness import limited
from core.stem import BLOCK_SECONDS


def mux(video: Path, wav: Path, out: Path, duration: float) -> None:
    """Video stream copied, `wav` as the AAC audio track; atomic via a hidden temp file."""
    cmd = [au.ffmpeg_exe(), "-v", "error", "-nostdin", "-y", "-i", str(video), "-i", str(wav),
           "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "192k"]
    if duration > 0:
        cmd += ["-t", f"{duration:.3f}"]
    with atomic_target(out, suffix=".tmp" + out.suffix) as tmp:
        proc = subprocess.run(cmd + ["-f", "mp4", str(tmp)], capture_output=True)
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            raise OSError(f"ffmpeg failed: {lines[-1] if lines else proc.returncode}")


def export_videos(project, final_stem, stem_file, opts, step, write):
    sr, outdir, video = opts.sample_rate, Path(opts.outdir), Path(project.video.path)
    with tempfile.TemporaryDirectory(prefix="instructdub-export-") as tmp:
        dub_wav = stem_file
        if dub_wav is None:
            dub_wav = au.write_wav_blocks(Path(tmp) / "dub.wav", final_stem(), sr)
        step(0.7, "muxing the video with the dub")
        write(outdir / f"{opts.basename}_dub.mp4",
              lambda p: mux(video, dub_wav, p, project.video.duration))
        if opts.mix_original and project.video.has_audio:
            step(0.85, "mixing with the original audio")
            mix_wav = au.write_wav_blocks(Path(tmp) / "mix.wav", _mixed(final_stem(), video, opts), sr)
            write(outdir / f"{opts.basename}_mix.mp4",
                  lambda p: mux(video, mix_wav, p, project.video.duration))


def _mixed(stem_blocks, video: Path, opts: ExportOptions):
    """The dub over the original track (at `original_gain_db`), limited to the ceiling."""
    sr = opts.sample_rate
    orig = au.iter_media_audio(video, sr, BLOCK_SECONDS)
    gain = au.db_to_gain(opts.original_gain_db)
    carry = np.zeros(0, dtype=np.float32)

    def blocks():
        nonlocal carry
        for b in stem_blocks:
            while len(carry) < len(b):
                nxt = next(orig, None)
                if nxt is None:
                    carry = au.fit_length(carry, len(b))
                    break
                carry = np.concatenate([carry, nxt])
            yield b + gain * carry[:len(b)]
            carry = carry[len(b):]
        orig.close()
    return limited(blocks(), sr, opts.ceiling_dbtp)
