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

# The costliest modules (measured, docs/testing.md) go first: --dist loadscope with
# --no-loadscope-reorder (pyproject.toml) hands out whole modules in collection order,
# so a slow module collected last would run alone at the end while the others idle.
SLOW_FIRST = ("test_voice_clone.py", "test_app_editor.py", "test_voice_fit.py",
              "test_batch.py", "test_progressive.py", "test_engine_controls.py",
              "test_imports.py", "test_cli.py", "test_session.py", "test_one_pipeline.py",
              "test_analyze.py", "test_eval_engine.py", "test_instruct_real.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable otherwise


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
