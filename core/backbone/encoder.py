"""Text side of the backbone: the phoneme text encoder and the prosody predictor."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.backbone.layers import AdaLayerNorm, AdainResBlk1d, ChannelLayerNorm


class TextEncoder(nn.Module):
    """Phoneme ids -> acoustic text features [B, C, T] for the decoder."""

    def __init__(self, channels: int, kernel_size: int, depth: int, n_symbols: int):
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, channels)
        pad = (kernel_size - 1) // 2
        self.cnn = nn.ModuleList(
            nn.Sequential(nn.Conv1d(channels, channels, kernel_size, padding=pad),
                          ChannelLayerNorm(channels), nn.LeakyReLU(0.2))
            for _ in range(depth))
        self.lstm = nn.LSTM(channels, channels // 2, 1, batch_first=True, bidirectional=True)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids).transpose(1, 2)          # [B, C, T]
        for block in self.cnn:
            x = block(x)
        x, _ = self.lstm(x.transpose(1, 2))              # [B, T, C]
        return x.transpose(1, 2)


class DurationEncoder(nn.Module):
    """Style-conditioned Bi-LSTM stack over the BERT features. Out: [B, T, d_model + style]."""

    def __init__(self, style_dim: int, d_model: int, n_layers: int):
        super().__init__()
        self.lstms = nn.ModuleList()
        for _ in range(n_layers):
            self.lstms.append(nn.LSTM(d_model + style_dim, d_model // 2, 1,
                                      batch_first=True, bidirectional=True))
            self.lstms.append(AdaLayerNorm(style_dim, d_model))

    def forward(self, bert: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        # bert: [B, T, d_model]; style: [B, style_dim]
        style_seq = style.unsqueeze(1).expand(-1, bert.shape[1], -1)
        x = torch.cat([bert, style_seq], dim=-1)
        for block in self.lstms:
            if isinstance(block, nn.LSTM):
                x, _ = block(x)
            else:
                x = torch.cat([block(x, style), style_seq], dim=-1)
        return x


class ProsodyPredictor(nn.Module):
    """Durations from the duration encoder; F0 and energy (N) from frame-level features."""

    def __init__(self, style_dim: int, d_hid: int, n_layers: int, max_dur: int):
        super().__init__()
        self.text_encoder = DurationEncoder(style_dim, d_hid, n_layers)
        self.lstm = nn.LSTM(d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True)
        self.duration_proj = nn.Module()
        self.duration_proj.linear_layer = nn.Linear(d_hid, max_dur)
        self.shared = nn.LSTM(d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True)
        self.F0 = self._curve_stack(d_hid, style_dim)
        self.N = self._curve_stack(d_hid, style_dim)
        self.F0_proj = nn.Conv1d(d_hid // 2, 1, 1)
        self.N_proj = nn.Conv1d(d_hid // 2, 1, 1)

    @staticmethod
    def _curve_stack(d_hid: int, style_dim: int) -> nn.ModuleList:
        return nn.ModuleList([
            AdainResBlk1d(d_hid, d_hid, style_dim),
            AdainResBlk1d(d_hid, d_hid // 2, style_dim, upsample=True),
            AdainResBlk1d(d_hid // 2, d_hid // 2, style_dim),
        ])

    def durations(self, dur_feats: torch.Tensor) -> torch.Tensor:
        """Continuous durations in frames [B, T] (sum of 50 sigmoid bins)."""
        x, _ = self.lstm(dur_feats)
        return torch.sigmoid(self.duration_proj.linear_layer(x)).sum(dim=-1)

    def f0_energy(self, frame_feats: torch.Tensor, style: torch.Tensor):
        """frame_feats: [B, d_hid + style, F] -> F0, N: [B, 2F] each."""
        x, _ = self.shared(frame_feats.transpose(1, 2))
        x = x.transpose(1, 2)
        f0, energy = x, x
        for block in self.F0:
            f0 = block(f0, style)
        for block in self.N:
            energy = block(energy, style)
        return self.F0_proj(f0).squeeze(1), self.N_proj(energy).squeeze(1)
