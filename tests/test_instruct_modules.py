"""IDD / IEC / slot attention on random feature tensors; exact-sum rescaling."""
import numpy as np
import pytest
import torch

from core.instruct.idd import IDD, SlotTooShortError, rescale_to_slot
from core.instruct.idd_predict import gap_mask
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


def test_gap_mask_marks_word_gaps_without_punctuation():
    tokens = list("$wˈɛl lˈɛts, tˈɔːk nˈaʊ$")
    gaps = gap_mask(tokens)
    assert gaps.tolist() == [t == " " and tokens[i - 1] != "," for i, t in enumerate(tokens)]
    assert gaps.sum() == 2                     # the comma's gap is the text's, not a pause


def test_idd_line_head_sets_tempo_trend_and_pauses():
    model = IDD(hidden=32)
    bert, base, mask, instr, instr_mask = _batch()
    gaps = torch.zeros_like(mask)
    gaps[:, [3, 5]] = True
    # untrained: the backbone's durations, no pause even where gaps are given
    log_d = model(bert, base, mask, instr, instr_mask, gaps)
    assert torch.allclose(torch.exp(log_d[mask]), base[mask], rtol=1e-5)
    with torch.no_grad():
        model.line_head[-1].bias.copy_(torch.tensor([0.0, 0.5, 6.0]))   # trend e^0.5, 6-frame pauses
    with torch.no_grad():
        d = torch.exp(model(bert, base, mask, instr, instr_mask, gaps))
        plain = torch.exp(model(bert, base, mask, instr, instr_mask))
    assert torch.allclose((d - plain)[gaps], torch.full((4,), 6.0), atol=1e-4)   # frames, not a factor
    assert torch.allclose(d[~gaps & mask], plain[~gaps & mask])
    ratio = plain[0] / base[0]
    assert (ratio[-1] / ratio[0]).item() == pytest.approx(np.exp(0.5), rel=1e-4)   # end/start


def test_idd_line_head_learns_trend_and_pauses_from_slots():
    """A few steps of the line-head loss tell two instructions apart through the slots."""
    from core.instruct.train import adam, line_head_loss
    torch.manual_seed(0)
    model = IDD(hidden=32)
    bert, base, mask, _, _ = _batch(b=4)
    instr = torch.randn(2, 6, 384).repeat(2, 1, 1)                 # two instructions, twice each
    instr_mask = torch.ones(4, 6, dtype=torch.bool)
    line = torch.tensor([[0.0, -0.45, 6.0], [0.0, 0.45, 0.0]]).repeat(2, 1)  # "accelerate, pauses"; "slow down"
    opt = adam(model.parameters(), 3e-3)
    for _ in range(150):
        _, out = model.parts(bert, base, mask, instr, instr_mask)
        loss = line_head_loss(out, dict(line=line))
        opt.zero_grad()
        loss.backward()
        opt.step()
    _, out = model.parts(bert, base, mask, instr, instr_mask)
    assert out[0, 1] < -0.3 and out[1, 1] > 0.3                    # the trends, each its way
    assert out[0, 2] > 4.5 and out[1, 2] < 1.0                     # pauses only where stated


def test_idd_first_version_checkpoint_still_loads(tmp_path):
    """A checkpoint saved with the first line head (mean slot -> tempo, trend) and no
    `line_head` in its config loads as that version and adds no pauses."""
    from core.instruct import checkpoints
    old = IDD(hidden=32, line_head="mean")
    torch.nn.init.normal_(old.line_head.weight, std=0.1)
    checkpoints.save_module(old, tmp_path / "idd.pt")
    blob = torch.load(tmp_path / "idd.pt", weights_only=True)
    del blob["config"]["line_head"]
    torch.save(blob, tmp_path / "idd.pt")
    loaded = checkpoints._load(IDD, tmp_path / "idd.pt")
    bert, base, mask, instr, instr_mask = _batch()
    gaps = torch.ones_like(mask)
    assert loaded.line_kind == "mean"
    assert torch.allclose(loaded(bert, base, mask, instr, instr_mask, gaps),
                          old.half().float()(bert, base, mask, instr, instr_mask), atol=1e-4)


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
