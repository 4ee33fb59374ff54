"""Ambience matching: an ADR step that lays the guide track's noise floor (room tone,
the film's bed) under a dubbed line, so a line recorded clean sits in the scene.

`measure` reads the floor around a cue, from the frames the VAD finds no speech in (or,
under continuous speech, its quietest moment): its third-octave shape and how far under
the speech it lies. Analysis stores it under
``measurements["guide"]["ambience"]``. `fill` adds seeded noise of that shape at the
same distance under the line's own speech, never closer than MIN_BELOW_DB.
"""
from __future__ import annotations

import zlib

import numpy as np

from core.audio import frame_power
from core.bands import band_bins, band_eq

CENTRES = 50.0 * 2 ** (np.arange(23) / 3)     # 50 Hz .. 7.9 kHz, third octaves
SPEECH_PERCENTILE = 90.0                       # the speech level: this percentile of the frames
N_FFT, HOP = 512, 128                          # 32 / 8 ms at 16 kHz
REACH_SECONDS = 2.0                            # analysis reads the floor this far around a cue
MIN_QUIET_SECONDS = 0.25                       # outside speech, enough to read the floor from
QUIETEST_SECONDS = 0.064                       # else the floor is the quietest stretch this long
MIN_SPAN_SECONDS = 1.0                         # of a span that long at least
MIN_CONTRAST_DB = 6.0                          # a floor closer to the speech is not told from it
EVENTS_DB = 6.0                                # pauses this much above the quietest moments hold events
SPEECH_GUARD = 0.1                             # seconds either side of a VAD span count as speech
FLOOR_PERCENTILE = 50.0                        # the floor: the quieter half of the quiet frames
MIN_BELOW_DB = 20.0                            # the bed stays at least this far under the speech
MAX_BELOW_DB = 60.0                            # a floor further down is silence: nothing to lay
PIECE_SECONDS = 10.0                           # the stem's room tone is made in pieces this long
FADE_SECONDS = 0.02


def _frames(x: np.ndarray) -> np.ndarray:
    """Power spectra of the frames, [bins, frames]."""
    return frame_power(x, N_FFT, HOP).T


def _level_db(x: np.ndarray, percentile: float) -> float:
    """A percentile of the frames' levels (dB)."""
    power = _frames(np.asarray(x, np.float64)).sum(0)
    return float(np.percentile(10 * np.log10(power + 1e-12), percentile))


def measure(audio: np.ndarray, sr: int, speech: list[tuple[float, float]]) -> dict | None:
    """{"bands_db": the floor's third-octave shape (dB, loudest band 0), "below_speech_db":
    how far it lies under the speech, "read_from": where}. Read from the quieter half of
    the frames outside `speech` ([(start, end)] seconds in `audio`, from the VAD) when
    they last MIN_QUIET_SECONDS; else, band by band, from the quietest QUIETEST_SECONDS
    (minimum statistics, which work under continuous speech) of a span of MIN_SPAN_SECONDS
    or more, and from those too when the pauses lie EVENTS_DB above them (music, effects).
    None when the span is silent, or the floor lies less than MIN_CONTRAST_DB or more
    than MAX_BELOW_DB under the speech."""
    x = np.asarray(audio, np.float64)
    if len(x) < N_FFT or not np.any(np.abs(x) > 0):
        return None
    power = _frames(x)
    frame_total = power.sum(0)
    level = 10 * np.log10(frame_total + 1e-12)
    quiet = _outside(speech, power.shape[1], sr)
    bands = _bands(power, sr)
    least = None
    if len(x) >= MIN_SPAN_SECONDS * sr:
        least = _least(bands, sr), _least(frame_total[None], sr)[0], "quietest moments"
    if quiet.sum() * HOP / sr >= MIN_QUIET_SECONDS and not quiet.all():
        low = quiet & (level <= np.percentile(level[quiet], FLOOR_PERCENTILE))
        floor, total, where = bands[:, low].mean(1), frame_total[low].mean(), "pauses"
        talk = level[~quiet]
        if least is not None and 10 * np.log10((total + 1e-20) / (least[1] + 1e-20)) > EVENTS_DB:
            floor, total, where = least       # the pauses hold music or effects, not the floor
    elif least is not None:
        (floor, total, where), talk = least, level
    else:
        return None
    ok = np.isfinite(floor) & (floor > 0)
    if ok.sum() < 3:
        return None
    floor_db = 10 * np.log10(np.interp(np.arange(len(floor)), np.flatnonzero(ok), floor[ok]))
    below = float(np.percentile(talk, SPEECH_PERCENTILE) - 10 * np.log10(total + 1e-12))
    if not np.isfinite(below) or not MIN_CONTRAST_DB <= below <= MAX_BELOW_DB:
        return None
    return {"bands_db": [round(float(v), 1) for v in floor_db - floor_db.max()],
            "below_speech_db": round(below, 1), "read_from": where}


def _bands(power: np.ndarray, sr: int) -> np.ndarray:
    """Third-octave band powers of the frames, [band, frame] (NaN: no bin in the band)."""
    out = np.full((len(CENTRES), power.shape[1]), np.nan)
    for i, sel in enumerate(band_bins(N_FFT, sr, CENTRES)):
        if sel.any():
            out[i] = power[sel].mean(0)
    return out


def _least(bands: np.ndarray, sr: int) -> np.ndarray:
    """Each row's least mean over QUIETEST_SECONDS (minimum statistics: a band's floor,
    read between the syllables of continuous speech)."""
    k = min(bands.shape[1], max(1, int(round(QUIETEST_SECONDS * sr / HOP))))
    smooth = np.stack([np.convolve(row, np.ones(k) / k, "valid") for row in bands])
    return smooth.min(1)


def _outside(speech, n_frames: int, sr: int) -> np.ndarray:
    """Frames whose centre lies outside every (start, end) span."""
    centre = (np.arange(n_frames) * HOP + N_FFT / 2) / sr
    inside = np.zeros(n_frames, bool)
    for s, e in speech or []:
        inside |= (centre >= s - SPEECH_GUARD) & (centre < e + SPEECH_GUARD)
    return ~inside


def bed(n: int, sr: int, bands_db, seed: int = 0) -> np.ndarray:
    """`n` samples of seeded noise with the given third-octave shape (unit RMS); beyond
    the outer bands their levels are held."""
    noise = np.random.default_rng(seed).standard_normal(n + N_FFT)
    y = band_eq(noise, sr, CENTRES, np.asarray(bands_db, float), len(noise))[:n]
    return y / max(float(np.sqrt(np.mean(y ** 2))), 1e-12)


def bed_level_db(audio: np.ndarray, ambience: dict) -> float:
    """The level (dB, as `_level_db` reads a steady bed) of the floor under this line."""
    below = max(MIN_BELOW_DB, float(ambience["below_speech_db"]))
    return _level_db(np.asarray(audio, np.float64), SPEECH_PERCENTILE) - below


def scaled_bed(n: int, sr: int, ambience: dict, level_db: float, seed: int) -> np.ndarray:
    """`n` samples of the ambience's bed at `level_db`, faded in and out at its ends
    (equal-power ramps: two beds crossing over keep their level)."""
    noise = bed(n, sr, ambience["bands_db"], seed)
    noise *= 10 ** ((level_db - _level_db(noise, 50.0)) / 20) if n >= N_FFT else 0.0
    k = min(n // 2, int(FADE_SECONDS * sr))
    if k:
        ramp = np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, k))
        noise[:k] *= ramp
        noise[-k:] *= ramp[::-1]
    return noise


def fill(audio: np.ndarray, sr: int, ambience: dict | None, seed: int = 0) -> np.ndarray:
    """The line with the guide's floor under it, faded in and out at its ends."""
    if not valid(ambience) or len(audio) < N_FFT or not np.any(np.abs(audio) > 0):
        return audio
    x = np.asarray(audio, np.float64)
    return (x + scaled_bed(len(x), sr, ambience, bed_level_db(x, ambience), seed)).astype(np.float32)


def bridge(n: int, sr: int, before: tuple[dict, float], after: tuple[dict, float],
           seed: int, weights: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """`n` samples of room tone between two lines: the earlier line's bed (ambience,
    level dB) fading into the later one's, from `weights[0]` of the later one to
    `weights[1]`; faded in and out at the ends so it crosses over with what adjoins it."""
    w = np.linspace(weights[0], weights[1], n)
    a = scaled_bed(n, sr, before[0], before[1], seed)
    if before is after:
        return a.astype(np.float32)
    b = scaled_bed(n, sr, after[0], after[1], seed + 1)
    return (np.sqrt(1 - w) * a + np.sqrt(w) * b).astype(np.float32)


def valid(ambience) -> bool:
    try:
        bands = np.asarray(ambience["bands_db"], float)
        return (bands.shape == CENTRES.shape and bool(np.isfinite(bands).all()) and
                bool(np.isfinite(float(ambience["below_speech_db"]))))
    except (TypeError, KeyError, ValueError):
        return False


def guide_ambiences(project) -> dict:
    """{cue id: the guide's ambience} for cues analysed with the guide track."""
    return {c.id: c.guide["ambience"] for c in project.cues if valid(c.guide.get("ambience"))}


def cue_seed(cue_id: str) -> int:
    """A cue's own noise seed: the same bed on every export."""
    return zlib.crc32(cue_id.encode("utf-8"))
