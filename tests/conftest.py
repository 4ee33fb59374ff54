"""Shared test set-up: offline, offscreen, one engine for the whole session."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("INSTRUCTDUB_DEVICE", "cpu")
# processes the tests start (the CLI, worker pools, Ray actors) share the cores with
# pytest-xdist's workers: one thread each, no oversubscribed OpenMP spinning
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "INSTRUCTDUB_THREADS"):
    os.environ.setdefault(var, "1")

import pytest  # noqa: E402

# pytest-xdist hands out units of work (--dist loadscope, with the scheduler below): a
# unit's tests run on one worker, so its module-scoped fixtures are built once. Modules
# that load the same costly models form one unit, as each process loads a model once
# (docs/testing.md): "vision" holds the users of the emotion LLM and transformers,
# MediaPipe and Ray; "speech" those of Whisper, librosa and the d-vector. Every other
# module is a unit of its own. Units are handed out in this order, the costliest first
# (--no-loadscope-reorder), so no slow unit is left to run alone at the end while the
# other worker idles.
GROUPS = {
    "vision": ("test_app_editor.py", "test_batch.py", "test_analyze.py", "test_backbone.py",
               "test_mllm.py", "test_instruct_analyzer.py", "test_instruct_embed.py",
               "test_video_face.py"),
    "speech": ("test_voice_clone.py", "test_voice_fit.py", "test_eval_engine.py",
               "test_eval_metrics.py", "test_video_guide_audio.py", "test_speaker.py"),
}
SLOW_FIRST = ("vision", "speech", "test_progressive.py", "test_imports.py",
              "test_engine_controls.py", "test_session.py", "test_one_pipeline.py",
              "test_cli.py", "test_instruct_real.py", "test_instruct_train.py",
              "test_instruct_pipeline.py", "test_render_cache.py", "test_hostile_project.py",
              "test_export.py")
_GROUP_OF = {module: group for group, modules in GROUPS.items() for module in modules}


def unit(nodeid: str) -> str:
    """The unit of work of a test: its module's group, else its module."""
    module = nodeid.split("::")[0]
    return _GROUP_OF.get(module.rpartition("/")[2], module)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(unit(item.nodeid).rpartition("/")[2], len(rank)))


def pytest_xdist_make_scheduler(config, log):
    """--dist loadscope with unit() as the scope (xdist's own loadgroup marks no longer
    reach its scheduler under pytest 9)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit(nodeid)
    return UnitScheduling(config, log)


def worker_threads() -> int:
    """Torch threads for one test process: the cores shared among pytest-xdist's
    workers (pyproject.toml runs one per core), two at most."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, min(2, (os.cpu_count() or 1) // workers))


@pytest.fixture(scope="session")
def engine():
    """The real Kokoro engine on the CPU (weights converted once into the user cache)."""
    import torch

    from core.synth import get_engine
    torch.set_num_threads(worker_threads())
    eng = get_engine("cpu")
    eng.model  # load now, so the first test is not billed for it
    return eng


@pytest.fixture(scope="session")
def short_line(engine):
    """A short predicted line and its audio, shared by the engine tests. A Kokoro pack
    voice: its predictor marks unvoiced frames with 0 Hz and an F0 edit stays local in a
    full render (en_lj's F0 seldom falls under the 10-Hz cut, and its edits move the
    decoder's line-wide normalisation more; docs/benchmarks.md)."""
    phonemes = engine.phonemize("Wait, we can look at that.")
    al = engine.predict(phonemes, "jm_kumo")
    return al, engine.render(al)
