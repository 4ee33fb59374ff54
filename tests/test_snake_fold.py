"""The export's folded residual blocks compute what the generator computes when its
statistics are replayed (core/snake_fold.py)."""
import torch

from core.backbone.decoder import Generator
from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES
from core.preview_decoder import generator_norms, stats_mode
from core.snake_fold import folded_generator


def small_generator() -> Generator:
    torch.manual_seed(0)
    gen = Generator(16, [3, 7, 11], [10, 6], 32, [[1, 3, 5]] * 3, [20, 12], 20, 5).eval()
    with torch.no_grad():
        for name, p in gen.named_parameters():
            if "alpha" in name:                 # learned α are not 1: the fold must divide
                p.uniform_(0.3, 2.0)
    return gen


def swapped(stats: list) -> list:
    """The same statistics, each norm given another one's of the same width."""
    out = list(stats)
    for i in range(0, len(out) - 1, 2):
        if out[i][0].shape == out[i + 1][0].shape:
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def test_folded_generator_matches_replay():
    gen = small_generator()
    fold = folded_generator(gen)
    norms = generator_norms(gen)
    assert len(generator_norms(fold)) == len(norms)
    # each norm its own statistics: a fold that fed them in another order would differ
    stats = [(torch.randn(1, n.fc.out_features // 2, 1), torch.rand(1, n.fc.out_features // 2, 1) + 0.2)
             for n in norms]
    t = 6
    style = torch.randn(1, 16)
    x = torch.randn(1, 32, CURVE_PER_FRAME * t)
    har = gen._stft(torch.randn(1, t * FRAME_SAMPLES))
    with torch.no_grad():
        with stats_mode(norms, "replay", stats):
            want = gen.spectrum(x, style, har)
        with stats_mode(generator_norms(fold), "replay", stats):
            got = fold.spectrum(x, style, har)
        with stats_mode(generator_norms(fold), "replay", swapped(stats)):
            shuffled = fold.spectrum(x, style, har)
    assert torch.allclose(got, want, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(shuffled, want, atol=1e-2)
    assert gen.fast is None and all(type(b).__name__ == "SnakeResBlock" for b in gen.resblocks)
