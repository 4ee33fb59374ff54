"""Fit all 256 dims of a style vector to transcribed recordings of one speaker.

1. targets: core.speech_targets measures each recording (aligned durations, F0, N);
2. start: for the prosody half, the Kokoro pack that already fits best (lowest loss); for
   the acoustic half the same ("best"), or the average of the packs' acoustic halves
   ("average": no renders, and on LJSpeech a closer speaker than any one pack; cloning);
3. prosody half (style[128:]): Adam through the teacher-forced predictor against the
   real durations (per phone group), log-F0, voicing and N (core.voice_fit.prosody);
4. acoustic half (style[:128]): Adam through the decoder rendering the recordings' own
   timing, F0 and N, against their log-mel and speaker embedding, with an L2 pull to
   the start (core.voice_fit.acoustic).
The result records the settings, the recordings and before/after figures.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import torch

from core.constants import ANALYSIS_SR, SAMPLE_RATE
from core.errors import UserError
from core.voice_fit import acoustic, prosody
from core.voice_fit.adam import Adam

log = logging.getLogger(__name__)
FIT_VERSION = 2   # 2: quiet_weight (voiceless phones and pauses taught to be unvoiced)
START_PACKS = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
Progress = Callable[[float, str], None]


class UnalignedError(UserError):
    """None of the recordings could be aligned to its transcript."""


@dataclass(frozen=True)
class FitSettings:
    prosody_steps: int = 60
    prosody_batch: int = 2            # recordings per prosody step
    prosody_lr: float = 0.01
    acoustic_steps: int = 30
    acoustic_lr: float = 0.01
    crop_frames: int = 48             # 1.2 s of audio rendered per acoustic step
    duration_weight: float = 1.0      # weight of the per-group duration loss
    quiet_weight: float = 0.0         # push voiceless phones and pauses under the voicing cut
    speaker_weight: float = 0.5
    mel_weight: float = 1.0           # 0: the acoustic half learns the d-vector alone (cloning)
    pull_weight: float = 0.1          # L2 pull of the acoustic half towards its start
    val_crops: int = 4                # 0: the mel L1 figure on the similarity renders
    acoustic_start: str = "best"      # "best" pack by mel loss, or "average" of the packs
    measure_start: bool = True        # the start's acoustic figures (renders; cloning skips)
    seed: int = 0


class FitCancelled(UserError):
    """The user stopped the fit (or the cloning); nothing was saved."""


def check_cancel(cancel) -> None:
    if cancel is not None and (cancel.is_set() if hasattr(cancel, "is_set") else cancel()):
        raise FitCancelled("voice fitting cancelled")


@contextmanager
def _frozen(model):
    """No gradients for the backbone's weights: only the style is fitted."""
    flags = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, f in zip(model.parameters(), flags):
            p.requires_grad_(f)


def fit_voice(recordings: list[tuple[np.ndarray, str, str]], settings: FitSettings = FitSettings(),
              *, eng=None, progress: Progress | None = None, cancel=None,
              start_packs=None, start_vector=None) -> dict:
    """recordings: [(24 kHz mono audio, transcript, name)]. Returns a voice dict:
    {"vector": [256], "start_vector": [256] (where the fit began), "fit": {...}}.
    start_packs: the packs to start from (None: START_PACKS, read at call time);
    start_vector (256 numbers) skips the choice of packs."""
    from core.speech_targets import TargetsError, speech_targets
    report = progress or (lambda f, m: None)
    if not recordings:
        raise UserError("no recordings to fit a voice to")
    if settings.acoustic_start not in ("best", "average"):
        raise UserError(f"unknown acoustic start {settings.acoustic_start!r}: best or average")
    if settings.acoustic_start == "best" and not settings.mel_weight:
        raise UserError("choosing the best acoustic start needs the mel loss (mel_weight > 0)")
    if settings.acoustic_start == "best" and settings.val_crops < 1:
        raise UserError("choosing the best acoustic start needs validation crops (val_crops)")
    if eng is None:
        from core.synth import get_engine
        eng = get_engine()
    t0 = time.perf_counter()
    targets, used, skipped = [], [], []
    for k, (audio, text, name) in enumerate(recordings):
        check_cancel(cancel)
        report(0.15 * k / len(recordings), f"measuring {name}")
        try:
            targets.append(speech_targets(audio, SAMPLE_RATE, text, eng=eng, what=name))
            used.append((audio, text, name))
        except TargetsError as e:          # one recording that does not align is left out
            log.warning("%s", e)
            skipped.append({"recording": name, "reason": str(e)})
    if not targets:
        raise UnalignedError("no recording could be aligned to its transcript: "
                        + "; ".join(s["reason"] for s in skipped[:3]))
    recordings = used
    model = eng.model
    with _frozen(model):
        pdata = [prosody.prepare(eng, t) for t in targets]
        adata = acoustic.LazyData(eng, targets, [a for a, _, _ in recordings], settings.seed)
        fit = _Fit(model, pdata, adata, settings, report, cancel)
        if start_vector is not None:
            s0 = torch.as_tensor(np.asarray(start_vector, np.float32).reshape(1, -1))
            start = {"prosody": "given vector", "acoustic": "given vector"}
        else:
            packs = start_packs or START_PACKS
            n_tokens = int(np.median([len(t.tokens) - 2 for t in targets]))
            s0, start = fit.start(packs, n_tokens, settings.acoustic_start == "average")
        before = fit.figures(s0, acoustic_too=settings.measure_start)
        s1 = fit.prosody(s0)
        s2 = fit.acoustic(s1)
        report(0.96, "measuring the fitted voice")
        after = fit.figures(s2)
    seconds = sum(len(a) for a, _, _ in recordings) / SAMPLE_RATE
    start_sim = "" if before["similarity"] is None else f"{before['similarity']:.2f} -> "
    report(1.0, f"done: duration error {before['duration_mae_ms']:.0f} -> "
                f"{after['duration_mae_ms']:.0f} ms, similarity {start_sim}"
                f"{after['similarity']:.2f}")
    return {"vector": [round(float(x), 6) for x in s2[0].tolist()],
            "start_vector": [round(float(x), 6) for x in s0[0].tolist()],
            "fit": {"version": FIT_VERSION, "recordings": [n for _, _, n in recordings],
                    "skipped": skipped,
                    "audio_seconds": round(seconds, 1), "settings": asdict(settings),
                    "start": start, "before": before, "after": after,
                    "history": fit.history, "seconds": round(time.perf_counter() - t0, 1)}}


class _Fit:
    def __init__(self, model, pdata, adata, settings: FitSettings, report, cancel):
        self.model, self.pdata, self.adata, self.s = model, pdata, adata, settings
        self.report, self.cancel = report, cancel
        self.val = acoustic.crops(adata.spans, settings.val_crops, settings.crop_frames,
                                  settings.seed + 1)
        self.target_emb = acoustic.speaker_target(adata.audios, adata.spans)
        self.history: dict = {"prosody": [], "acoustic": []}

    def _prosody_loss(self, style, datas) -> torch.Tensor:
        w = self.s.duration_weight
        return sum(prosody.loss(self.model, d, style, w, self.s.quiet_weight)[0]
                   for d in datas) / len(datas)

    def _acoustic_loss(self, style, crop_list, dvec=None) -> torch.Tensor:
        total = 0.0
        for r, st in crop_list:
            d = self.adata[r]
            audio = acoustic.render(self.model, d, style, st, self.s.crop_frames)
            if self.s.mel_weight:
                target = acoustic.target_crop(d, st, self.s.crop_frames)
                total = total + self.s.mel_weight * acoustic.mel_l1(audio, target)
            if dvec is not None:
                from core.speech.speaker import resample_torch
                emb = dvec(resample_torch(audio, SAMPLE_RATE, ANALYSIS_SR))
                total = total + self.s.speaker_weight * (1 - emb @ self._target_t)
        return total / len(crop_list)

    @torch.no_grad()
    def start(self, packs, n_tokens: int, average: bool = False) -> tuple[torch.Tensor, dict]:
        """The best pack for the prosody half, by its loss; for the acoustic half the best
        pack by the mel loss, or (average) the mean of the packs' acoustic halves."""
        from core.voices import style_vector
        vecs = {p: torch.from_numpy(style_vector(p, n_tokens))[None] for p in packs}
        few = self.pdata[:4]
        rows = np.mean([prosody.losses(self.model, d, torch.cat(list(vecs.values())),
                                       self.s.duration_weight, self.s.quiet_weight)
                        for d in few], axis=0)
        p_loss = dict(zip(vecs, map(float, rows)))
        bp = min(p_loss, key=p_loss.get)
        info = {"prosody": bp, "prosody_loss": {k: round(v, 4) for k, v in p_loss.items()}}
        if average:
            acoustic_half = torch.stack([v[:, :128] for v in vecs.values()]).mean(0)
            info.update(acoustic="average", acoustic_packs=list(vecs))
        else:
            self.report(0.17, "choosing the starting voice")
            a_loss = {p: float(self._acoustic_loss(v, self.val[:2])) for p, v in vecs.items()}
            ba = min(a_loss, key=a_loss.get)
            acoustic_half = vecs[ba][:, :128]
            info.update(acoustic=ba, acoustic_loss={k: round(v, 4) for k, v in a_loss.items()})
        log.info("start: %s", info)
        return torch.cat([acoustic_half, vecs[bp][:, 128:]], dim=1), info

    def prosody(self, s0: torch.Tensor) -> torch.Tensor:
        s = self.s
        half = s0[:, 128:].clone().requires_grad_(True)
        opt = Adam(half, lr=s.prosody_lr)
        rng = np.random.default_rng(s.seed)
        order = []
        for step in range(1, s.prosody_steps + 1):
            check_cancel(self.cancel)
            if len(order) < s.prosody_batch:
                order += list(rng.permutation(len(self.pdata)))
            batch = [self.pdata[order.pop()] for _ in range(min(s.prosody_batch, len(self.pdata)))]
            loss = self._prosody_loss(torch.cat([s0[:, :128], half], dim=1), batch)
            self._step(opt, loss, loss, "prosody", 0.2 + 0.3 * step / s.prosody_steps,
                       f"prosody step {step}/{s.prosody_steps}")
        return torch.cat([s0[:, :128], half.detach()], dim=1)

    def acoustic(self, s0: torch.Tensor) -> torch.Tensor:
        from core.speech.speaker import build_torch_dvector
        s = self.s
        if s.acoustic_steps <= 0:
            return s0
        dvec = build_torch_dvector()
        self._target_t = torch.from_numpy(self.target_emb)
        half = s0[:, :128].clone().requires_grad_(True)
        opt = Adam(half, lr=s.acoustic_lr)
        spread = float(s0[:, :128].var())
        train = acoustic.crops(self.adata.spans, s.acoustic_steps, s.crop_frames, s.seed)
        for step, crop in enumerate(train, 1):
            check_cancel(self.cancel)
            loss = self._acoustic_loss(torch.cat([half, s0[:, 128:]], dim=1), [crop], dvec)
            pull = ((half - s0[:, :128]) ** 2).mean() / spread
            self._step(opt, loss + s.pull_weight * pull, loss, "acoustic",
                       0.5 + 0.45 * step / s.acoustic_steps, f"voice step {step}/{s.acoustic_steps}")
        return torch.cat([half.detach(), s0[:, 128:]], dim=1)

    def _step(self, opt, total, loss, phase: str, done: float, label: str) -> None:
        """One optimiser step on `total`; `loss` goes into the history and the progress line."""
        opt.zero_grad()
        total.backward()
        opt.step()
        self.history[phase].append(round(loss.item(), 4))
        self.report(done, f"{label}: loss {loss.item():.3f}")

    @torch.no_grad()
    def figures(self, style, acoustic_too: bool = True) -> dict:
        """Prosody and acoustic figures; without acoustic_too (no renders) the acoustic
        ones are None."""
        sound = (acoustic.figures(self.model, self.adata, style, self.val, self.s.crop_frames,
                                  self.target_emb) if acoustic_too
                 else {"mel_l1": None, "similarity": None})
        return {**prosody.figures(self.model, self.pdata, style), **sound}


# ---------------------------------------------------------------- files and cache

def fit_files(recs, settings: FitSettings = FitSettings(), *, eng=None, progress=None,
              cancel=None, use_cache: bool = True) -> dict:
    """fit_voice on core.voice_fit.sources.Recording items, cached by content."""
    from core.speech.checks import MeasurementError as MetricError, load_audio
    loaded = []
    for r in recs:
        try:
            loaded.append((load_audio(r.path, SAMPLE_RATE), r.text, r.path.name))
        except MetricError as e:
            raise UserError(str(e)) from None
    path = cache_path(loaded, settings)
    if use_cache and path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring a damaged cached voice fit %s", path)
    voice = fit_voice(loaded, settings, eng=eng, progress=progress, cancel=cancel)
    if use_cache:
        from core.fileio import atomic_write_text
        atomic_write_text(path, json.dumps(voice))
    return voice


def cache_path(loaded, settings: FitSettings):
    from core.locations import cache_dir
    h = hashlib.sha256(json.dumps([FIT_VERSION, asdict(settings)]).encode())
    for audio, text, _ in loaded:
        h.update(text.encode("utf-8") + b"\0")
        h.update(np.ascontiguousarray(audio, np.float32).tobytes())
    return cache_dir() / "voice_fits" / f"{h.hexdigest()[:24]}.json"
