"""Every core module imports on its own, and core's modules import one another
without a cycle; in a fresh interpreter with no network (sockets and the model hub
disabled) every core module imports and every model loads and runs.

The graph counts every import, those inside functions too: a lazy import still
ties two modules together (cloning importing the evaluator while the evaluator
imports cloning was a tangle although no import ran at load time). It is checked
between modules, and between core's top-level parts (core.evaluate, core.speech,
core.voice_clone, ...), where such tangles show.
"""
import ast
import json
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


# One fresh interpreter, with sockets and the model hub's downloads disabled, imports
# every core module, then loads and runs the engine and the instruction models.
FRESH = r'''
import importlib, json, os, socket, sys, traceback
def refuse(*a, **k):
    raise RuntimeError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import huggingface_hub, huggingface_hub.file_download as fd
for mod in (huggingface_hub, fd):
    for name in ("hf_hub_download", "snapshot_download"):
        if hasattr(mod, name):
            setattr(mod, name, refuse)
sys.path.insert(0, ROOT)
os.environ["INSTRUCTDUB_DEVICE"] = "cpu"
bad = []
for n in NAMES:
    try:
        importlib.import_module(n)
    except Exception:
        bad.append(n + ": " + traceback.format_exc(limit=1).strip().splitlines()[-1])
print("IMPORT-FAILURES " + json.dumps(bad), flush=True)
from core.synth import Engine
eng = Engine("cpu")
al = eng.predict(eng.phonemize("No network needed."))
audio = eng.render(al)
assert len(audio) == al.n_samples
# the instruction models: MiniLM embeddings, IDD/IEC checkpoints, the SmolLM2 LoRA analyzer
from core.instruct.pipeline import get_analyzer, instructed_predict
al = instructed_predict(eng, eng.phonemize("No network needed."), "jm_kumo",
                        rate_instruction="much slower", emotion_instruction="she is furious",
                        slot_seconds=2.0)
assert sum(al.durations) == 80 and al.extra["entity_source"] == get_analyzer().name
print("OFFLINE-OK", len(audio), get_analyzer().name)
'''


@pytest.fixture(scope="module")
def fresh():
    """The run of FRESH: no network, only PATH and HOME from the environment (and one
    OpenMP thread)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "HF_HUB_OFFLINE": "1",
           "OMP_NUM_THREADS": "1"}       # beside the pytest workers, not against them
    code = FRESH.replace("ROOT", repr(str(ROOT))).replace("NAMES", repr(sorted(core_modules())))
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def test_every_core_module_imports_in_a_fresh_interpreter(fresh):
    line = next((ln for ln in fresh.stdout.splitlines() if ln.startswith("IMPORT-FAILURES ")), None)
    assert line is not None, fresh.stdout + fresh.stderr[-2000:]
    assert json.loads(line.partition(" ")[2]) == [], line


def test_engine_runs_with_network_and_hub_blocked(fresh):
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert "OFFLINE-OK" in fresh.stdout
    assert "smollm2-lora" in fresh.stdout          # the LLM analyzer itself loaded, not the fallback
