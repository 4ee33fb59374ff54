"""The fer TFLite expression model (via ai-edge-litert) and the per-cue summary."""
import numpy as np
import pytest

from _synth_video import photo
from core.project import ENTITIES
from core.video.expression import ExpressionModel, face_crop, summarise


def test_model_gives_probabilities_over_the_seven_entities():
    m = ExpressionModel()
    img = photo()
    p = m.predict(img, (84, 65, 178, 167))        # the face box in the 256x300 photo
    assert p.shape == (len(ENTITIES),) and p.sum() == pytest.approx(1.0, abs=1e-3)
    assert (p >= 0).all()
    # different inputs give different outputs: the model really runs
    q = m.predict_crop(np.zeros((64, 64), np.uint8))
    assert np.abs(p - q).max() > 0.01


def test_crop_is_square_grey_64():
    c = face_crop(np.zeros((100, 200, 3), np.uint8), (150, 10, 260, 90))
    assert c.shape == (64, 64) and c.dtype == np.uint8


def test_summary_follows_changes_and_ignores_flickers():
    times = np.arange(21) * 0.2
    probs = np.zeros((21, 7), np.float32)
    probs[:, ENTITIES.index("surprise")] = 0.8
    probs[11:, ENTITIES.index("happy")] = 0.9          # surprise, then happy
    probs[4, ENTITIES.index("angry")] = 1.0            # a one-frame flicker
    probs /= probs.sum(1, keepdims=True)
    s = summarise(times, probs)
    assert [x["emotion"] for x in s["sequence"]] == ["surprise", "happy"]
    # thirds: the change shows at the last third (2.8 s)
    assert s["sequence"][0]["start"] == 0.0 and s["sequence"][1]["start"] == pytest.approx(2.8)
    assert s["sequence"][-1]["end"] == pytest.approx(4.2)
    assert s["dominant"] in ("surprise", "happy") and s["frames"] == 21
    assert summarise(np.zeros(0), np.zeros((0, 7))) is None
    one = summarise(np.array([0.0]), np.eye(7, dtype=np.float32)[[ENTITIES.index("sad")]])
    assert one["sequence"] == [{"emotion": "sad", "p": 1.0, "start": 0.0, "end": 0.0}]
