"""A batch renders each distinct cue content once: a repeated line (same text,
instructions, voice and slot length) takes the first one's render, also while that
one is still in flight, and shares its failure."""
from concurrent.futures import Future

import numpy as np

from core.batch.plan import plan
from core.batch.schedule import run_batch
from core.batch.work import Failed, Rendered
from core.project import Cue, Project, VideoInfo


class Recorder:
    """A backend that renders nothing: it records what it is given. Two in flight, so
    a twin's first render has not arrived when the twin is reached."""
    name, workers, capacity, lost_workers = "recorder", 1, 2, 0

    def __init__(self, fail: str = ""):
        self.submitted, self.fail = [], fail

    def start(self, project):
        pass

    def submit(self, cue_ids):
        self.submitted.extend(cue_ids)
        fut = Future()
        fut.set_result([Failed(i, "no phonemes") if i == self.fail else
                        Rendered(i, np.full(4, len(self.submitted), np.float32), {"id": i})
                        for i in cue_ids])
        return fut

    def done(self, fut):
        pass

    def lost(self, fut, exc):
        return False

    def close(self):
        pass


def looped() -> Project:
    cues = [Cue("a1", "Not now.", 0.0, 1.0), Cue("b1", "Look.", 1.0, 2.0),
            Cue("a2", "Not now.", 5.0, 6.0), Cue("c1", "Not now.", 7.0, 8.5),
            Cue("a3", "Not now.", 9.0, 10.0)]
    return Project(video=VideoInfo(fps=25.0, duration=11.0), cues=cues)


def test_a_repeated_line_is_rendered_once():
    project = looped()
    keys = {j.cue_id: j.key for j in plan(project)}
    assert keys["a1"] == keys["a2"] == keys["a3"] != keys["c1"]     # c1: another slot length
    backend = Recorder()
    res = run_batch(project, backend)
    assert backend.submitted == ["a1", "b1", "c1"]
    assert sorted(res.rendered) == ["a1", "b1", "c1"] and sorted(res.shared) == ["a2", "a3"]
    assert res.done == res.total == 5 and not res.failed
    for twin in ("a2", "a3"):
        assert res.audio[twin] is res.audio["a1"] and res.cues[twin] == res.cues["a1"]
    assert not np.array_equal(res.audio["a1"], res.audio["c1"])


def test_a_twin_shares_its_first_ones_failure():
    res = run_batch(looped(), Recorder(fail="a1"))
    assert sorted((f.cue_id, f.reason) for f in res.failed) == [
        ("a1", "no phonemes"), ("a2", "no phonemes"), ("a3", "no phonemes")]
    assert sorted(res.rendered) == ["b1", "c1"] and res.done == 5
