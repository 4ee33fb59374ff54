"""Every core module imports on its own, and core's modules import one another
without a cycle.

The graph counts every import, those inside functions too: a lazy import still
ties two modules together (cloning importing the evaluator while the evaluator
imports cloning was a tangle although no import ran at load time). It is checked
between modules, and between core's top-level parts (core.evaluate, core.speech,
core.voice_clone, ...), where such tangles show.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> dict[str, Path]:
    """{dotted name: file} for every module under core/ (packages by their __init__)."""
    out = {}
    for path in sorted((ROOT / "core").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported(name: str, path: Path, modules) -> set[str]:
    """The core modules `name` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from core.backbone import assets` imports the module core.backbone.assets
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:   # `import core.x.y` counts as core.x.y
                target = target.rpartition(".")[0]
            if target and target != name and target != "core":
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = core_modules()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def part(name: str) -> str:
    """core.evaluate.runner -> core.evaluate; core.voice_clone -> core.voice_clone."""
    return ".".join(name.split(".")[:2])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_lazy_and_from_imports():
    graph = import_graph()
    assert "core.speech.checks" in graph["core.speech.vad"]            # top level
    assert "core.locations" in graph["core.speech.vad"]                # inside a function
    assert "core.backbone.assets" in graph["core.backbone.loader"]     # from core.backbone import assets
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_core_modules():
    assert cycles(import_graph()) == []


def test_no_import_cycle_between_core_parts():
    parts: dict[str, set[str]] = {}
    for name, targets in import_graph().items():
        parts.setdefault(part(name), set()).update(part(t) for t in targets if part(t) != part(name))
    assert cycles(parts) == []


def test_every_core_module_imports_in_a_fresh_interpreter():
    names = sorted(core_modules())
    code = ("import importlib, sys, traceback\n"
            "bad = []\n"
            f"for n in {names!r}:\n"
            "    try:\n"
            "        importlib.import_module(n)\n"
            "    except Exception:\n"
            "        bad.append(n + ': ' + traceback.format_exc(limit=1).strip().splitlines()[-1])\n"
            "print('\\n'.join(bad))\n"
            "sys.exit(1 if bad else 0)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
