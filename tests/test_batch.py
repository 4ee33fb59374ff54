"""core.batch: parallel and distributed dubbing gives the sequential run's bytes,
resumes from its cache, survives a lost worker and reports a failing cue.

Real engine on tiny cues; Ray on a local runtime (`ray.init(num_cpus=2)`). Ray is
installed by scripts/setup.sh: when it is missing these tests fail, they do not skip.
"""
import io
import os
import shutil

import numpy as np
import pytest

from core.batch.cache import CueCache, cache_folder
from core.batch.local import InProcess
from core.batch.plan import cue_key, plan
from core.batch.progress import BatchBar
from core.batch.ray_backend import RayPool
from core.batch.schedule import run_batch
from core.batch.work import Rendered
from core.cli import main
from core.errors import UserError
from core.export import ExportOptions, export_project
from core.project import Cue, Project, VideoInfo


def four_cues() -> Project:
    cues = [Cue("c1", "Bin blue.", 0.2, 1.0),
            Cue("c2", "Place red.", 1.2, 2.0, entities={"happy": 1.0}),
            Cue("c3", "Look at that.", 2.2, 3.0, entities={"sad": 1.0}),
            Cue("c4", "Not now.", 3.2, 3.9)]
    return Project(video=VideoInfo(fps=25.0, duration=4.0), cues=cues)


# ---------------------------------------------------------------- no engine
def test_cue_key_is_the_content_not_the_place():
    a, b = four_cues(), four_cues()
    b.cues.reverse()
    b.cues[0].id, b.cues[0].start, b.cues[0].end = "x9", 10.0, 10.7    # c4 moved, same slot
    assert {j.key for j in plan(a)} == {j.key for j in plan(b)}
    c = four_cues().cues[0]
    key = cue_key(c)
    c.text = "Bin red."
    assert cue_key(c) != key
    c.text, c.end = "Bin blue.", 1.1                                   # the slot is content
    assert cue_key(c) != key
    a.cues[1].id = "c1"
    with pytest.raises(UserError, match="two cues share the id 'c1'"):
        plan(a)


def test_cache_round_trip_and_a_damaged_entry_renders_again(tmp_path):
    assert cache_folder(tmp_path / "film.json") == tmp_path / ".film.json.cache" / "cues"
    cache = CueCache(tmp_path / "c")
    audio = np.linspace(-0.5, 0.5, 2400, dtype=np.float32)
    cache.put("k1", Rendered("c1", audio, {"id": "c1", "alignment": None}, "a note", 1.5, "cpu x1"))
    got = cache.get("k1", "c7")
    assert got.cue_id == "c7" and got.note == "a note" and got.cue["id"] == "c1"
    assert got.audio.dtype == np.float32 and got.audio.tobytes() == audio.tobytes()
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["k1.npz"]   # no temp file left
    cache.path("k1").write_bytes(cache.path("k1").read_bytes()[:100])   # cut short
    assert cache.get("k1", "c1") is None and cache.get("nope", "c1") is None


def test_bar_shows_throughput_and_time_left():
    out = io.StringIO()
    bar = BatchBar(100, cached=10, stream=out)
    bar.update(1, 0, "c011")
    bar.first = (bar.first[0] - 60.0, 1)          # one minute since the first cue
    bar.update(21, 1, "c032")
    line = out.getvalue().split("\r")[-1]
    assert "32/100 cues" in line and "21.0 cues/min" in line and "1 failed" in line
    assert "left 3m14s" in line                   # 68 cues at 21 a minute


# ---------------------------------------------------------------- the engine
@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The plain sequential `dub` of the 4-cue project: its stem's bytes."""
    folder = tmp_path_factory.mktemp("seq")
    four_cues().save(folder / "p.json")
    assert main(["dub", str(folder / "p.json"), "--export", str(folder / "out"),
                 "--no-video"]) == 0
    assert not (folder / ".p.json.cache").exists()          # the plain run caches nothing
    return (folder / "out" / "dub_dialogue.wav").read_bytes()


def stem_bytes(project, audio, folder) -> bytes:
    export_project(project, audio, ExportOptions(outdir=folder, video=False))
    return (folder / "dub_dialogue.wav").read_bytes()


@pytest.fixture(scope="module")
def half_done(tmp_path_factory):
    """An in-process run stopped after two cues: (its result, its cache folder). Tests
    resume from a copy of the folder."""
    folder = tmp_path_factory.mktemp("half") / "cache"
    first = run_batch(four_cues(), InProcess(threads=1), CueCache(folder),
                      stop=lambda r: len(r.rendered) >= 2)
    return first, folder


def resumable(half_done, tmp_path) -> CueCache:
    shutil.copytree(half_done[1], tmp_path / "cache")
    return CueCache(tmp_path / "cache")


def test_in_process_batch_stops_resumes_and_matches(sequential, half_done, tmp_path):
    project, (first, _) = four_cues(), half_done
    cache = resumable(half_done, tmp_path)
    assert first.stopped and first.rendered == ["c1", "c2"] and cache.count() == 2
    again = run_batch(project, InProcess(threads=1), cache)
    assert again.cached == ["c1", "c2"] and again.rendered == ["c3", "c4"]
    assert not again.failed and not again.stopped
    assert stem_bytes(project, again.audio, tmp_path / "out") == sequential


@pytest.fixture(scope="module")
def local_ray():
    """A local runtime whose workers run at the tests' priority: Ray nices its workers
    (15 by default), and beside the other pytest workers, at full speed, its actors were
    starved (a 30-s test took over 5 minutes)."""
    import ray                                      # here: only this module's worker needs it
    mp = pytest.MonkeyPatch()
    mp.setenv("RAY_worker_niceness", "0")          # read by the raylet ray.init starts
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
    mp.undo()


class LoseFirstWorker(RayPool):
    """A node lost at the start: the first actor dies before its first cue."""

    def start(self, project):
        import ray
        super().start(project)
        ray.kill(self.actors[0])


def test_ray_layout_fits_the_cluster():
    """Actors per cluster (no runtime needed): one per GPU, else CPUs / threads."""
    assert RayPool(workers=1, threads=1).layout({"CPU": 2.0}) == (1, {"num_cpus": 1}, "cpu")
    assert RayPool(threads=1).layout({"CPU": 2.0})[0] == 2
    assert RayPool(threads=2).layout({"CPU": 5.0})[:2] == (2, {"num_cpus": 2})
    assert RayPool().layout({"CPU": 8.0, "GPU": 2.0}) == (2, {"num_gpus": 1, "num_cpus": 1}, "cuda")
    with pytest.raises(UserError, match="do not fit"):
        RayPool(workers=3, threads=1).layout({"CPU": 2.0})
    with pytest.raises(UserError, match="1 GPU"):
        RayPool(workers=2).layout({"GPU": 1.0})


def test_ray_batch_resumes_survives_a_lost_worker_and_matches(local_ray, sequential, half_done,
                                                              tmp_path):
    """Two Ray actors (each its own process and engine), one lost at the start, resume
    a cache half filled by an earlier, stopped run (in this process: the cache is the
    scheduler's business, not Ray's) and give the sequential run's bytes."""
    project, (first, _) = four_cues(), half_done
    cache = resumable(half_done, tmp_path)
    backend = LoseFirstWorker("auto", workers=2, threads=1)
    again = run_batch(project, backend, cache)
    assert again.workers == 2 and sorted(again.cached) == sorted(first.rendered)
    assert sorted(again.rendered) == sorted({"c1", "c2", "c3", "c4"} - set(first.rendered))
    assert backend.lost_workers == 1 and not again.failed
    import ray
    assert ray.is_initialized()                    # a runtime it did not start stays up
    assert stem_bytes(project, again.audio, tmp_path / "out") == sequential


def test_dub_workers_reports_a_failing_cue_and_exits_3(tmp_path, capsys):
    project = Project(video=VideoInfo(duration=2.0),
                      cues=[Cue("ok", "Bin blue.", 0.2, 1.0), Cue("bad", "", 1.2, 1.8)])
    project.save(tmp_path / "p.json")
    code = main(["dub", str(tmp_path / "p.json"), "--export", str(tmp_path / "out"),
                 "--no-video", "--workers", "1", "--threads", "1"])   # one spawned process
    err = capsys.readouterr().err
    assert code == 3
    assert "failed: bad: the text is empty" in err
    assert "2/2 cues" in err and "1 failed" in err and "cues/min" in err
    assert "cue bad has no audio and is silent" in err
    assert "1 cue(s) rendered by 1 local worker(s)" in err
    assert (tmp_path / "out" / "dub_dialogue.wav").is_file()
    assert CueCache(cache_folder(tmp_path / "p.json")).count() == 1     # the good cue
    assert os.listdir(tmp_path / "out" / "cues") == ["001_00-00-00-05_ok.wav"]


# ---------------------------------------------------------------- analysis by cue ranges
def test_analysis_split_by_cue_ranges_matches_the_whole_run(local_ray, tmp_path):
    from _synth_video import photo, syllable_openings, write_talking
    from core.analyze import analyze
    from core.batch.analysis import analyze_split
    if photo() is None:
        pytest.fail("matplotlib's sample photo is missing (mediapipe installs matplotlib)")
    video = write_talking(tmp_path / "talk.avi", syllable_openings(3.0, 4.0, lead=0.3))
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,300 --> 00:00:01,300\nOne two three.\n\n"
                   "2\n00:00:01,600 --> 00:00:02,800\nFour five six.\n")
    whole = analyze(video, srt)
    for kw in ({"workers": 1}, {"ray": "auto"}):            # a process; Ray tasks
        split = analyze_split(video, srt, cues_per_task=1, **kw)
        assert [c.to_dict() for c in split.cues] == [c.to_dict() for c in whole.cues]
        assert split.video == whole.video and split.settings["analysis"]["split"]["ranges"] == 2
