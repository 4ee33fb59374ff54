"""The prosody half (style[128:]) against a recording's real timing, melody and energy.

The backbone's predictor is run teacher-forced: durations are predicted from the style
and compared with the aligned ones per phone group; F0 and N are predicted on the
recording's own durations, so they line up frame by frame with its curves.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.constants import CURVE_PER_FRAME, FRAME_SECONDS, UNVOICED_HZ

F0_FLOOR = 40.0          # predicted F0 is clamped here for the log (the hinge covers below)
W_DUR, W_F0, W_VOICING, W_N, W_TOTAL = 1.0, 1.0, 0.5, 0.2, 1.0
# phones whose frames the pitch tracker finds unvoiced are taught to be unvoiced when
# they are voiceless consonants or pauses (never vowels: a creaky last vowel stays voiced)
VOICELESS = {"P", "T", "K", "F", "TH", "S", "SH", "HH", "CH"}


@dataclass
class ProsodyData:
    """One recording's inputs and targets as tensors (no gradient)."""
    ids: torch.Tensor
    bert: torch.Tensor            # [1, L, 512]
    durations: torch.Tensor       # [L] long, the recording's own
    group_matrix: torch.Tensor    # [G, L] 0/1: which tokens each phone/pause group holds
    group_frames: torch.Tensor    # [G] target frames per group
    f0: torch.Tensor              # [2F] Hz, 0 = unvoiced
    n: torch.Tensor               # [2F] normalised N
    span: torch.Tensor            # [2F] bool: inside the speech
    last_vowel: list[int]
    quiet: torch.Tensor           # [2F] bool: unvoiced frames of voiceless phones and pauses


def prepare(eng, targets) -> ProsodyData:
    """Tensors for one SpeechTargets (the PL-BERT features are computed once here)."""
    model = eng.model
    ids = eng._ids(targets.tokens)
    with torch.no_grad():
        bert = model.phoneme_features(ids)
    groups = [g for g, kind in targets.groups() if kind != "edge"]
    mat = torch.zeros(len(groups), len(targets.tokens))
    for r, g in enumerate(groups):
        mat[r, g] = 1.0
    durs = torch.as_tensor(np.asarray(targets.durations), dtype=torch.long)
    a, b = targets.frame_span()
    span = torch.zeros(targets.n_frames * CURVE_PER_FRAME, dtype=torch.bool)
    span[CURVE_PER_FRAME * a:CURVE_PER_FRAME * b] = True
    f0 = torch.from_numpy(np.asarray(targets.f0, np.float32))
    return ProsodyData(ids, bert, durs, mat, mat @ durs.float(), f0,
                       torch.from_numpy(targets.normalised_n()), span, targets.last_vowel(),
                       span & (f0 <= 0) & _quiet_tokens(targets))


def _quiet_tokens(targets) -> torch.Tensor:
    """[2F] bool: frames of tokens that may be unvoiced (voiceless phones, gaps)."""
    quiet = [a in VOICELESS or (k in ("space", "punct") and not a)
             for a, k in zip(targets.arpabet, targets.kinds)]
    per_frame = np.repeat(np.asarray(quiet, bool), np.asarray(targets.durations))
    return torch.from_numpy(np.repeat(per_frame, CURVE_PER_FRAME))


def predict(model, data: ProsodyData, style: torch.Tensor):
    """(continuous durations [B, L], F0 [B, 2F], N [B, 2F]) for the recording's own
    timing, a row per style [B, 256] (B styles cost far less than B calls: the LSTMs)."""
    feats = model.duration_features(data.bert.expand(len(style), -1, -1), style)
    durs = model.predictor.durations(feats)
    f0, n = model.f0_energy(feats, data.durations, style)
    return durs, f0, n


def loss(model, data: ProsodyData, style: torch.Tensor, w_dur: float = W_DUR,
         w_quiet: float = 0.0) -> tuple[torch.Tensor, dict]:
    """The loss of one style [1, 256]; losses() for several."""
    durs, f0, n = predict(model, data, style)
    return _loss(data, durs[0], f0[0], n[0], w_dur, w_quiet)


@torch.no_grad()
def losses(model, data: ProsodyData, styles: torch.Tensor, w_dur: float = W_DUR,
           w_quiet: float = 0.0) -> list[float]:
    """The loss of each style [B, 256], in one batched prediction."""
    durs, f0, n = predict(model, data, styles)
    return [float(_loss(data, durs[i], f0[i], n[i], w_dur, w_quiet)[0]) for i in range(len(styles))]


def _loss(data: ProsodyData, durs, f0, n, w_dur: float, w_quiet: float) -> tuple[torch.Tensor, dict]:
    got = data.group_matrix @ durs
    want = data.group_frames
    l_dur = (torch.log1p(got) - torch.log1p(want)).abs().mean()
    l_total = (got.sum() - want.sum()).abs() / want.sum()
    voiced = data.span & (data.f0 > 0)
    l_f0 = (torch.log(f0[voiced].clamp(min=F0_FLOOR)) - torch.log(data.f0[voiced])).abs().mean()
    # voiced frames must not fall to "unvoiced"; voiceless phones and pauses should (well
    # under the decoder's threshold: a voice that never goes below it buzzes in its pauses)
    l_voicing = torch.relu(2 * F0_FLOOR - f0[voiced]).mean() / F0_FLOOR
    if w_quiet and data.quiet.any():
        l_voicing = l_voicing + w_quiet * torch.relu(f0[data.quiet] - UNVOICED_HZ / 2).mean() / UNVOICED_HZ
    l_n = (n[data.span] - data.n[data.span]).abs().mean()
    total = (w_dur * l_dur + W_TOTAL * l_total + W_F0 * l_f0 + W_VOICING * l_voicing
             + W_N * l_n)
    return total, {"dur": l_dur.item(), "f0": l_f0.item(), "n": l_n.item()}


@torch.no_grad()
def figures(model, datas: list[ProsodyData], style: torch.Tensor) -> dict:
    """Duration MAE (ms, phone groups), F0 RMSE (semitones, voiced frames), N MAE, and
    the share of recordings whose last vowel is voiced when the predictor runs free."""
    dur_err, f0_err, n_err, voiced_last = [], [], [], []
    for d in datas:
        durs, f0, n = (x[0] for x in predict(model, d, style))
        dur_err.append(((d.group_matrix @ durs - d.group_frames).abs() * FRAME_SECONDS * 1000)
                       .numpy())
        both = d.span & (d.f0 > 0) & (f0 > UNVOICED_HZ)
        f0_err.append((12 * torch.log2(f0[both] / d.f0[both])).numpy())
        n_err.append((n[d.span] - d.n[d.span]).abs().numpy())
        voiced_last.append(free_run_last_vowel_voiced(model, d, style))
    f0_all = np.concatenate(f0_err)
    return {"duration_mae_ms": round(float(np.concatenate(dur_err).mean()), 1),
            "f0_rmse_st": round(float(np.sqrt((f0_all ** 2).mean())), 2),
            "n_mae": round(float(np.concatenate(n_err).mean()), 3),
            "last_vowel_voiced": round(float(np.mean(voiced_last)), 3)}


def free_run_last_vowel_voiced(model, d: ProsodyData, style: torch.Tensor) -> bool:
    """Predict durations (rounded, >= 1) then F0, as Engine.predict does; is the F0 on
    the last vowel token(s) voiced (> UNVOICED_HZ on most of its frames)?"""
    feats = model.duration_features(d.bert, style)
    durs = torch.round(model.predictor.durations(feats)[0]).clamp(min=1).long()
    f0, _ = model.f0_energy(feats, durs, style)
    if not d.last_vowel:
        return False
    c = CURVE_PER_FRAME
    lo, hi = int(durs[:d.last_vowel[0]].sum()) * c, int(durs[:d.last_vowel[-1] + 1].sum()) * c
    return bool((f0[0, lo:hi] > UNVOICED_HZ).float().mean() > 0.5)
