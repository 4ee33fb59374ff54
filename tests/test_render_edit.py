"""Engine.render_edit: a small edit re-renders in place; a retimed line renders whole."""
import math

import numpy as np

from core.alignment import move_boundary
from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES


def test_a_retimed_line_renders_whole_not_with_the_old_statistics(engine, short_line):
    al, audio = short_line
    slower = al.copy()
    slower.durations = [d + 1 for d in al.durations]                # every phone changes
    n = 2 * sum(slower.durations)
    slower.f0 = np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(al.f0)), al.f0).astype(np.float32)
    slower.energy = np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(al.energy)),
                              al.energy).astype(np.float32)
    edited = engine.render_edit(al, audio, slower)
    assert np.array_equal(edited, engine.render(slower))            # exact, not approximate
    engine.render(al)                                               # the line's own statistics back
    small = move_boundary(al, 8, 2)                                 # a drag stays partial
    partial = engine.render_edit(al, audio, small)
    assert not np.array_equal(partial, engine.render(small))
    assert np.array_equal(partial[:2000], audio[:2000])             # the untouched start is kept


SEAMLESS_DB = 1.3          # issue 11: a spliced line against a one-piece render
IDEAL_DB = 0.35            # against the same drag with ample context and the exact front margin


def test_a_drag_decodes_only_its_changed_frames_and_joins_seamlessly(engine, short_line,
                                                                     monkeypatch):
    """Lengthening one phoneme by a frame changes that phoneme's frames only (its curves
    are stretched); render_edit decodes them and EDIT_CONTEXT frames each side (half a
    frame: the generator's input in steps; the front on whole frames), the front
    with at least EDIT_MARGIN frames of input beyond, and the spliced line stays within
    the seam bound of a one-piece render."""
    import core.synth as synth
    from core.alignment import retime
    from core.edit_splice import changed_frames
    from core.preview_decoder import FRONT_MARGIN
    from core.progressive import log_mel_distance
    al, audio = short_line
    engine.render(al)                                               # the line's own statistics
    k = 16
    d = list(al.durations)
    d[k] += 1
    new = retime(al, d)
    start = int(sum(al.durations[:k]))
    assert changed_frames(al, new) == (start, start + d[k], start + d[k] - 1)
    seen, decoded = [], []
    window, generator = synth.window_features, synth.generator_window
    monkeypatch.setattr(synth, "window_features", lambda eng, inputs, front, a, b, margin:
                        seen.append((a, b, margin)) or window(eng, inputs, front, a, b, margin))
    monkeypatch.setattr(synth, "generator_window", lambda eng, feats, a, b, stats, trim:
                        decoded.append(2 * (b - a) - sum(trim)) or generator(eng, feats, a, b, stats, trim))
    part = engine.render_edit(al, audio, new)
    c = math.ceil(synth.EDIT_CONTEXT)                              # whole frames for the front
    assert seen[0][:2] == (start - c, start + d[k] + c) and seen[0][2] >= synth.EDIT_MARGIN
    assert decoded == [CURVE_PER_FRAME * (d[k] + 2 * synth.EDIT_CONTEXT)]   # generator steps
    monkeypatch.setattr(synth, "EDIT_CONTEXT", 10)
    monkeypatch.setattr(synth, "EDIT_MARGIN", FRONT_MARGIN)
    ideal = engine.render_edit(al, audio, new)
    whole = engine.render(new)
    engine.render(al)
    kept = (start - c) * FRAME_SAMPLES
    assert np.array_equal(part[:kept], audio[:kept])                   # before the window: as it was
    assert log_mel_distance(part, whole) <= SEAMLESS_DB
    assert log_mel_distance(part, ideal) <= IDEAL_DB


def test_the_front_margin_fills_its_cost_block_only():
    from core.preview_decoder import FRONT_BLOCK, FRONT_MARGIN, block_margin
    assert block_margin(6, 5) == 5                         # 6 + 2 x 5 = 16: one block
    assert block_margin(4, 5) == 6                         # widened free to the block's end
    assert block_margin(8, 5) == 5                         # past the block each frame costs
    assert block_margin(2, 5) == 7                         # 2 + 2 x 7 = 16
    for w in range(1, 60):
        m = block_margin(w, 5)
        assert 5 <= m <= FRONT_MARGIN
        assert w + 2 * m <= max(FRONT_BLOCK, w + 10)       # never wider than it need be
