"""Device choice and the out-of-memory fall-back (the CUDA path itself needs a GPU)."""
import logging

import pytest
import torch

from core.device import is_oom, pick_device
from core.synth import _oom_fallback


class FakeGpuJob:
    """Stands in for the engine's device state only; the fall-back logic is the real one."""

    def __init__(self):
        self.device = torch.device("cuda")
        self.calls = 0

    def to_cpu(self):
        self.device = torch.device("cpu")

    @_oom_fallback
    def work(self, x):
        self.calls += 1
        if self.device.type == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return x * 2


def test_out_of_memory_falls_back_to_cpu_with_a_warning(caplog):
    job = FakeGpuJob()
    with caplog.at_level(logging.WARNING):
        assert job.work(21) == 42
    assert job.device.type == "cpu" and job.calls == 2
    assert "out of memory" in caplog.text


def test_other_gpu_errors_are_not_swallowed():
    """On the GPU, an error that is not out-of-memory propagates; no CPU retry."""
    job = FakeGpuJob()

    @_oom_fallback
    def boom(self):
        self.calls += 1
        raise RuntimeError("shape mismatch")
    with pytest.raises(RuntimeError, match="shape"):
        boom(job)
    assert job.device.type == "cuda" and job.calls == 1


def test_pick_device_honours_the_setting(monkeypatch):
    monkeypatch.setenv("INSTRUCTDUB_DEVICE", "cpu")
    assert pick_device().type == "cpu"
    assert is_oom(RuntimeError("CUDA error: out of memory"))
    if not torch.cuda.is_available():
        assert pick_device("cuda").type == "cpu"
