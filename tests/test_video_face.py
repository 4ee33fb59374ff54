"""FaceMesh on synthetic videos: a real face photo whose drawn mouth opens at a
known rate, two faces (only one talking), and a drawn cartoon (no face found)."""
import numpy as np
import pytest

from _synth_video import FPS, photo, syllable_openings, write_cartoon, write_talking
from core.analysis_cue import mouth_and_expression, visual_pass
from core.analysis_models import AnalysisModels, AnalysisOptions
from core.video.decode import probe

pytestmark = pytest.mark.skipif(photo() is None, reason="matplotlib's sample photo is missing")


@pytest.fixture(scope="module")
def models():
    m = AnalysisModels(AnalysisOptions(analysis_fps=30))
    yield m
    m.close()


def test_mouth_rate_and_pause_from_a_talking_face(tmp_path, models):
    # 4 open-close cycles a second, mouth closed from 1.0 to 1.75 s
    v = write_talking(tmp_path / "talk.avi", syllable_openings(3.0, 4.0, pause=(1.0, 1.75)))
    meta = probe(v)
    tracks, _ = visual_pass(meta, 0.0, meta.duration, models)
    vis = mouth_and_expression(tracks, meta, 0.0, meta.duration, None)
    assert vis["face_found_share"] > 0.95
    assert len(vis["mouth_curve"]) == 75 and vis["mouth_fps"] == FPS
    mouth = vis["mouth"]
    assert mouth["visible"]
    assert mouth["syllable_rate"] == pytest.approx(4.0, rel=0.2)
    assert len(mouth["pauses"]) == 1
    p0, p1 = mouth["pauses"][0]
    assert p0 == pytest.approx(0.9, abs=0.15) and p1 == pytest.approx(1.75, abs=0.15)
    ex = vis["expression"]
    assert ex is not None and abs(sum(ex["mean"].values()) - 1) < 0.01


def test_the_talking_face_is_chosen_and_another_can_be_picked(tmp_path, models):
    v = write_talking(tmp_path / "two.avi", syllable_openings(2.0, 4.0), second_face=True)
    meta = probe(v)
    tracks, _ = visual_pass(meta, 0.0, meta.duration, models)
    faces = tracks.summary()
    assert len(faces) == 2
    talker = max(faces, key=lambda f: f["mouth_std"])
    assert talker["center"][0] < 0.5                    # the left face is the one drawn talking
    vis = mouth_and_expression(tracks, meta, 0.0, meta.duration, None)
    assert vis["face_track"] == talker["track"] and vis["mouth"]["visible"]
    other = next(f for f in faces if f is not talker)
    still = mouth_and_expression(tracks, meta, 0.0, meta.duration, tuple(other["center"]))
    assert still["face_track"] == other["track"] and not still["mouth"]["visible"]
    assert talker["center"][1] == pytest.approx(0.45, abs=0.1)     # y over the frame height


def test_cartoon_face_takes_the_no_face_path(tmp_path, models):
    v = write_cartoon(tmp_path / "toon.avi", syllable_openings(2.0, 4.0))
    meta = probe(v)
    tracks, _ = visual_pass(meta, 0.0, meta.duration, models)
    vis = mouth_and_expression(tracks, meta, 0.0, meta.duration, None)
    assert vis["face_found_share"] == 0.0 and vis["face_track"] is None
    assert vis["expression"] is None
    assert vis["mouth_curve"] == [None] * 50


def test_tracks_link_faces_by_position_and_window_a_span():
    from core.video.face import FaceObs, FaceTracks
    tr = FaceTracks()
    left = lambda m: FaceObs((0.25, 0.5), 0.1, m, (0, 0, 10, 10))
    right = lambda m: FaceObs((0.75, 0.5), 0.1, m, (20, 0, 30, 10))
    for k in range(10):
        faces = [left(0.1 * (k % 2))] + ([right(0.05)] if k >= 5 else [])
        tr.add(k, k * 0.1, faces)
    assert len(tr.tracks) == 2
    assert tr.summary()[0]["share"] == 1.0 and tr.summary()[1]["share"] == 0.5
    assert tr.speaking_track() == 0 and tr.nearest_track((0.7, 0.45)) == 1
    assert tr.nearest_track((0.5, 0.95)) is None
    w = tr.window(0.0, 0.45)                     # frames 0..4: only the left face
    assert np.allclose(w.times, [0.0, 0.1, 0.2, 0.3, 0.4]) and len(w.tracks) == 1
    assert np.allclose(w.mouth_series(0), [0, 0.1, 0, 0.1, 0])


def test_track_ids_follow_the_order_of_the_faces_given():
    from core.video.face import FaceObs, FaceTracks
    tr = FaceTracks()
    small = FaceObs((0.25, 0.5), 0.05, 0.1, (0, 0, 5, 5))
    big = FaceObs((0.75, 0.5), 0.2, 0.2, (20, 0, 40, 20))
    assert tr.add(0, 0.0, [small, big]) == [1, 0]        # the big face claims track 0 first
    assert tr.add(1, 0.04, [big, small]) == [0, 1]
    assert tr.mouth_series(0).tolist() == pytest.approx([0.2, 0.2])
