"""The timeline's curve plots take the engine's float32 curves without a warning."""
import os
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from app.timeline.view import TimelineWidget  # noqa: E402
from core.alignment import Alignment  # noqa: E402


def test_float32_curves_set_the_ranges_without_overflow(qtbot):
    view = TimelineWidget()
    qtbot.addWidget(view)
    f0 = np.concatenate([np.zeros(4), np.linspace(180, 120, 16)]).astype(np.float32)
    energy = np.linspace(-1.0, 5.0, 20).astype(np.float32)
    al = Alignment(["$", "a", "$"], np.array([2, 6, 2]), f0, energy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # pyqtgraph's cast overflow was a RuntimeWarning
        view.show_alignment(al, 0.0)
    lo, hi = view.f0_plot.getViewBox().viewRange()[1]
    assert abs(lo - 120 * 0.7) < 1e-3 and abs(hi - 180 * 1.3) < 1e-3    # voiced frames only
