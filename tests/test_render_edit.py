"""Engine.render_edit: a small edit re-renders in place; a retimed line renders whole."""
import numpy as np

from core.alignment import move_boundary


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
