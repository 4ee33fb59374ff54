"""Shared test set-up: offline, offscreen, one engine for the whole session."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("INSTRUCTDUB_DEVICE", "cpu")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def engine():
    """The real Kokoro engine on the CPU (weights converted once into the user cache)."""
    import torch

    from core.synth import get_engine
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    eng = get_engine("cpu")
    eng.model  # load now, so the first test is not billed for it
    return eng


@pytest.fixture(scope="session")
def short_line(engine):
    """A short predicted line and its audio, shared by the engine tests."""
    phonemes = engine.phonemize("Wait, we can look at that.")
    al = engine.predict(phonemes)
    return al, engine.render(al)
