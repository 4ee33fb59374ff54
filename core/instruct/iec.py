"""Instructed Emotion Calibrating (IEC): emotion entities -> F0/energy residual.

Each entity is embedded with MiniLM; the phoneme-level PL-BERT features
cross-attend to the entity embeddings (the weights bias the attention and scale
the mixture), and pitch and energy heads predict a per-phoneme offset:
log-F0 (so voicing is untouched) and the backbone's energy curve.

The decoder's instance norms take out most of a level change on the energy curve
(bench/prosody_emotion.py: +4 dB on the curve gave about +0.5 dB in the audio), so
the energy head shapes loudness inside the line, and a line head predicts, from the
entity weights alone, a gain in dB applied at render and a tempo factor (log) for
the line's speech. All heads start at zero, so an untrained IEC changes nothing.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.instruct.embed import EMBED_DIM, sentence_embedding
from core.instruct.idd import BERT_DIM
from core.project import ENTITIES

# Text that MiniLM embeds for each entity (also the zero-shot analyzer's labels).
ENTITY_TEXT = {
    "happy": "happy, joyful, cheerful and delighted",
    "angry": "angry, furious, irritated and hostile",
    "disgust": "disgusted, repulsed, revolted and contemptuous",
    "fear": "afraid, scared, frightened and anxious",
    "neutral": "neutral, calm, plain and matter-of-fact",
    "sad": "sad, sorrowful, unhappy and grieving",
    "surprise": "surprised, astonished, amazed and startled",
}
VOICED_HZ = 40.0    # the backbone's F0 never reaches 0; below this a frame counts as unvoiced
SMOOTH = 5          # curve values (12.5 ms each) over which phoneme steps are smoothed
LINE_EFFECTS = ("gain_db", "log_tempo")     # IEC.line_effects columns
# A local rise of the energy curve by 1 unit made that stretch of the render about
# 2.1 dB louder than the rest (jm_kumo; /tmp measurement, see bench/prosody_emotion.py),
# so a per-token loudness shape in dB is written on the curve at this many units per dB.
N_PER_RENDERED_DB = 0.47


def entity_table() -> torch.Tensor:
    """[7, 384] MiniLM sentence embeddings of the entity descriptions."""
    return torch.stack([sentence_embedding(ENTITY_TEXT[e]) for e in ENTITIES])


def weights_vector(entities: dict | None) -> torch.Tensor:
    """{entity: weight} -> [7] normalised weights; empty or None -> neutral."""
    w = torch.zeros(len(ENTITIES))
    for name, value in (entities or {}).items():
        if name not in ENTITIES:
            raise ValueError(f"unknown emotion entity {name!r}; use one of {', '.join(ENTITIES)}")
        w[ENTITIES.index(name)] = max(float(value), 0.0)
    if w.sum() <= 0:
        w[ENTITIES.index("neutral")] = 1.0
    return w / w.sum()


class IEC(nn.Module):
    def __init__(self, hidden: int = 64, heads: int = 4, table: torch.Tensor | None = None):
        super().__init__()
        self.config = dict(hidden=hidden, heads=heads)
        self.register_buffer("entity_emb", table if table is not None else entity_table())
        self.ent_in = nn.Linear(EMBED_DIM, hidden)
        self.phon_in = nn.Linear(BERT_DIM, hidden)
        self.cross = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.body = nn.Sequential(nn.Linear(3 * hidden + 2, hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU())
        self.pitch_head = nn.Linear(hidden, 1)
        self.energy_head = nn.Linear(hidden, 1)
        self.line_head = nn.Sequential(nn.Linear(EMBED_DIM, hidden), nn.ReLU(),
                                       nn.Linear(hidden, len(LINE_EFFECTS)))
        for head in (self.pitch_head, self.energy_head, self.line_head[-1]):
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)

    def forward(self, bert: torch.Tensor, weights: torch.Tensor, phon_logf0: torch.Tensor,
                phon_energy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """bert [B, L, 512], weights [B, 7], per-phoneme base log-F0 (relative to the
        line's mean, 0 where unvoiced) and energy [B, L] -> (d_logf0, d_energy) [B, L]."""
        ents = self.ent_in(self.entity_emb)[None].expand(bert.shape[0], -1, -1)   # [B, 7, H]
        query = self.phon_in(bert)
        bias = torch.log(weights.clamp_min(1e-4))                                  # [B, 7]
        heads = self.cross.num_heads
        attn_mask = bias[:, None, :].expand(-1, bert.shape[1], -1).repeat_interleave(heads, 0)
        ctx, _ = self.cross(query, ents, ents, attn_mask=attn_mask, need_weights=False)
        mix = torch.einsum("be,beh->bh", weights, ents)[:, None].expand_as(query)
        side = torch.stack([phon_logf0, phon_energy], dim=-1)
        h = self.body(torch.cat([query, ctx, mix, side], dim=-1))
        return self.pitch_head(h).squeeze(-1), self.energy_head(h).squeeze(-1)

    def line_effects(self, weights: torch.Tensor) -> torch.Tensor:
        """weights [B, 7] -> [B, 2]: the line's gain in dB and its log tempo factor
        (log of speech duration against neutral), from the entity mixture alone."""
        return self.line_head(weights @ self.entity_emb)


def phoneme_means(curve: np.ndarray, durations, voiced_only: bool = False) -> np.ndarray:
    """Mean of a 12.5 ms curve over each phoneme's span (2 values per frame)."""
    out = np.zeros(len(durations), dtype=np.float32)
    t = 0
    for i, d in enumerate(durations):
        seg = curve[t:t + 2 * int(d)]
        if voiced_only:
            seg = seg[seg > 0]
        out[i] = seg.mean() if seg.size else 0.0
        t += 2 * int(d)
    return out


def phoneme_inputs(f0: np.ndarray, energy: np.ndarray, durations) -> tuple[np.ndarray, np.ndarray]:
    """IEC side inputs: per-phoneme log-F0 relative to the line's voiced mean, and energy."""
    voiced = f0 > VOICED_HZ
    logf0 = np.where(voiced, np.log(np.maximum(f0, 1e-3)), 0.0)
    mean = logf0[voiced].mean() if voiced.any() else 0.0
    rel = np.where(voiced, logf0 - mean, 0.0).astype(np.float32)
    per_ph = phoneme_means(rel, durations)
    return per_ph, phoneme_means(energy.astype(np.float32), durations)


def expand_to_curve(per_phoneme: torch.Tensor, durations) -> torch.Tensor:
    """[L] per-phoneme values -> [2*sum(durations)] curve, lightly smoothed."""
    reps = torch.as_tensor([2 * int(d) for d in durations], device=per_phoneme.device)
    curve = torch.repeat_interleave(per_phoneme, reps)
    if SMOOTH > 1 and curve.numel() > SMOOTH:
        kernel = torch.ones(1, 1, SMOOTH, device=curve.device) / SMOOTH
        padded = torch.nn.functional.pad(curve[None, None], (SMOOTH // 2, SMOOTH // 2), mode="replicate")
        curve = torch.nn.functional.conv1d(padded, kernel)[0, 0]
    return curve


def apply_residual(f0, energy, d_logf0: torch.Tensor, d_energy: torch.Tensor, durations):
    """Backbone curves + IEC residual (F0 scaled in log domain on voiced frames)."""
    f0_t = torch.as_tensor(np.asarray(f0, dtype=np.float32))
    en_t = torch.as_tensor(np.asarray(energy, dtype=np.float32))
    f0_out = torch.where(f0_t > VOICED_HZ, f0_t * torch.exp(expand_to_curve(d_logf0, durations)), f0_t)
    return f0_out, en_t + expand_to_curve(d_energy, durations)
