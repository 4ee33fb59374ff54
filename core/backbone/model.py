"""KokoroBackbone: the language-blind network. Phoneme ids and a style vector in,
durations / F0 / energy / audio out, each step callable on its own."""
from __future__ import annotations

import torch
import torch.nn as nn

from core.backbone.albert import PLBert
from core.backbone.decoder import Decoder
from core.backbone.encoder import ProsodyPredictor, TextEncoder

ACOUSTIC = slice(0, 128)    # style[:, :128] drives the decoder
PROSODIC = slice(128, 256)  # style[:, 128:] drives the predictor


class KokoroBackbone(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        self.vocab: dict[str, int] = config["vocab"]
        plbert = {k: v for k, v in config["plbert"].items() if k != "dropout"}
        self.bert = PLBert(vocab_size=config["n_token"], **plbert)
        self.bert_encoder = nn.Linear(self.bert.hidden_size, config["hidden_dim"])
        self.predictor = ProsodyPredictor(config["style_dim"], config["hidden_dim"],
                                          config["n_layer"], config["max_dur"])
        self.text_encoder = TextEncoder(config["hidden_dim"], config["text_encoder_kernel_size"],
                                        config["n_layer"], config["n_token"])
        self.decoder = Decoder(config["hidden_dim"], config["style_dim"], config["n_mels"],
                               **config["istftnet"])
        self.max_tokens = self.bert.max_positions
        self.fast_prosody = None    # an optional faster runner of predictor.f0_energy

    def phoneme_features(self, ids: torch.Tensor) -> torch.Tensor:
        """PL-BERT output after the 768->512 projection: [B, T, 512]."""
        hidden = self.bert(ids)
        return self.bert_encoder(hidden)

    def duration_features(self, bert: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.predictor.text_encoder(bert, style[:, PROSODIC])     # [B, T, 640]

    @staticmethod
    def expand(features: torch.Tensor, durations: torch.Tensor) -> torch.Tensor:
        """[B, T, C] token features -> [B, C, sum(durations)] frame features (one timing)."""
        return features.repeat_interleave(durations, dim=1).transpose(1, 2)

    def f0_energy(self, dur_feats, durations, style):
        frames = self.expand(dur_feats, durations)
        fast = self.fast_prosody              # core/preview_ort.py: inference on the CPU only
        if fast is not None and not torch.is_grad_enabled() and frames.device.type == "cpu":
            return fast(frames, style[:, PROSODIC])
        return self.predictor.f0_energy(frames, style[:, PROSODIC])

    def asr_features(self, ids: torch.Tensor, durations: torch.Tensor) -> torch.Tensor:
        return self.expand(self.text_encoder(ids).transpose(1, 2), durations)  # [B, 512, F]

    def harmonic_source(self, f0_curve: torch.Tensor, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return self.decoder.generator.m_source(self.decoder.generator.m_source.sines(f0_curve, gen))

    def decode(self, asr, f0_curve, energy, style, har_source) -> torch.Tensor:
        return self.decoder(asr, f0_curve, energy, style[:, ACOUSTIC], har_source)
