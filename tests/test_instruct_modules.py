"""IDD / IEC / slot attention on random feature tensors; exact-sum rescaling."""
import numpy as np
import pytest
import torch

from core.instruct.idd import IDD, SlotTooShortError, rescale_to_slot
from core.instruct.iec import IEC, apply_residual, phoneme_inputs, weights_vector
from core.instruct.slots import SlotAttention


def _batch(b=2, l=9, n=6):
    mask = torch.ones(b, l, dtype=torch.bool)
    mask[1, 6:] = False
    return (torch.randn(b, l, 512), torch.rand(b, l) * 5 + 1, mask,
            torch.randn(b, n, 384), torch.ones(b, n, dtype=torch.bool))


def test_slot_attention_learned_slots_and_shapes():
    sa = SlotAttention(32, n_slots=10, iters=3)
    assert isinstance(sa.slots, torch.nn.Parameter) and sa.slots.shape == (10, 32)
    tokens = torch.randn(2, 5, 32)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], dtype=torch.bool)
    out = sa(tokens, mask)
    assert out.shape == (2, 10, 32)
    # deterministic (no resampled slots) and padding is ignored
    assert torch.allclose(out, sa(tokens, mask))
    tokens2 = tokens.clone()
    tokens2[1, 2:] = 99.0
    assert torch.allclose(sa(tokens2, mask)[1], out[1], atol=1e-5)


@pytest.mark.parametrize("use_slots", [True, False])
def test_idd_shapes_and_backbone_start(use_slots):
    model = IDD(hidden=32, use_slots=use_slots)
    bert, base, mask, instr, instr_mask = _batch()
    log_d = model(bert, base, mask, instr, instr_mask)
    assert log_d.shape == (2, 9)
    # the head starts at zero: untrained IDD reproduces the backbone's durations
    assert torch.allclose(torch.exp(log_d[mask]), base[mask], rtol=1e-5)
    assert (log_d[~mask] == 0).all()


def test_idd_gradients_reach_slots():
    model = IDD(hidden=32)
    torch.nn.init.normal_(model.out.weight)
    bert, base, mask, instr, instr_mask = _batch()
    model(bert, base, mask, instr, instr_mask).sum().backward()
    assert model.slot_attn.slots.grad is not None and model.slot_attn.slots.grad.abs().sum() > 0


@pytest.mark.parametrize("durations,slot", [
    ([3.2, 4.7, 1.1, 9.0, 2.5], 1.0),          # ordinary
    ([3.2, 4.7, 1.1, 9.0, 2.5], 0.125),        # very short: exactly one frame each
    ([3.2, 4.7, 1.1, 9.0, 2.5], 0.15),
    ([3.2, 4.7, 1.1, 9.0, 2.5], 120.0),        # very long
    ([30.0, 0.1, 0.1, 0.1], 0.2),              # tiny phonemes pinned at one frame
    ([7.3], 0.3),                              # one phoneme
    ([0.0, 0.0, 0.0], 1.0),                    # degenerate input
])
def test_rescale_exact_sum(durations, slot):
    out = rescale_to_slot(durations, slot)
    assert len(out) == len(durations)
    assert sum(out) == round(slot * 40)
    assert min(out) >= 1 and all(isinstance(x, int) for x in out)


def test_rescale_keeps_proportions():
    out = rescale_to_slot([2.0, 4.0, 8.0], 1.4)   # 56 frames
    assert out == [8, 16, 32]


@pytest.mark.parametrize("slot", [0.05, 0.0, -1.0, float("nan")])
def test_rescale_absurd_slot_is_clear_error(slot):
    with pytest.raises(SlotTooShortError, match="slot"):
        rescale_to_slot([3, 4, 5], slot)


def test_rescale_error_names_the_minimum():
    with pytest.raises(ValueError, match=r"3 phonemes.*0\.075 s"):
        rescale_to_slot([3, 4, 5], 0.05)


def _curves(durations):
    n = 2 * sum(durations)
    f0 = np.where(np.arange(n) % 7 < 5, 120 + 20 * np.sin(np.arange(n) / 5), 3.0).astype(np.float32)
    energy = np.linspace(-2, 3, n).astype(np.float32)
    return f0, energy


def test_untrained_iec_changes_nothing():
    torch.manual_seed(0)
    iec = IEC(hidden=32, table=torch.randn(7, 384))
    durations = [3, 5, 2, 4]
    f0, energy = _curves(durations)
    ph_f0, ph_en = phoneme_inputs(f0, energy, durations)
    w = weights_vector({"angry": 0.7, "sad": 0.3})[None]
    d_f0, d_en = iec(torch.randn(1, 4, 512), w, torch.from_numpy(ph_f0)[None], torch.from_numpy(ph_en)[None])
    f0_new, en_new = apply_residual(f0, energy, d_f0[0], d_en[0], durations)
    assert np.array_equal(f0_new.detach().numpy(), f0)
    assert np.array_equal(en_new.detach().numpy(), energy)


def test_iec_residual_moves_voiced_f0_only():
    durations = [3, 5, 2, 4]
    f0, energy = _curves(durations)
    up = torch.full((4,), np.log(2.0))
    f0_new, en_new = apply_residual(f0, energy, up, torch.full((4,), 0.5), durations)
    voiced = f0 > 40
    assert np.allclose(f0_new.numpy()[voiced], 2 * f0[voiced], rtol=1e-5)
    assert np.array_equal(f0_new.numpy()[~voiced], f0[~voiced])
    assert np.allclose(en_new.numpy(), energy + 0.5)


def test_weights_vector():
    w = weights_vector({"angry": 0.7, "sad": 0.3})
    assert w.shape == (7,) and abs(float(w.sum()) - 1) < 1e-6
    assert weights_vector(None)[4] == 1.0                    # neutral
    with pytest.raises(ValueError, match="unknown emotion entity"):
        weights_vector({"grumpy": 1.0})
