import os
import stat

import pytest

from core.fileio import atomic_write_bytes, atomic_write_text, check_writable


def test_atomic_write_replaces_whole_file_and_keeps_permissions(tmp_path):
    path = tmp_path / "p.json"
    atomic_write_text(path, "one")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    os.chmod(path, 0o640)
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]     # no temp file left


def test_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "p.json"
    atomic_write_text(path, "good")

    with pytest.raises(TypeError):          # fails inside the write, after the temp file exists
        atomic_write_bytes(path, 12345)
    assert path.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]


def test_check_writable_explains(tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        check_writable(tmp_path / "nope" / "x.wav")
    with pytest.raises(OSError, match="is a folder"):
        check_writable(tmp_path)
