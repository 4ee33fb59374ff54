#!/usr/bin/env bash
# Create or refresh .venv with everything instructdub needs. Idempotent: a second
# run with an unchanged pyproject.toml only checks a stamp file.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.instructdub-stamp
want=$(cat pyproject.toml scripts/constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "instructdub: installing dependencies into .venv (first run takes a few minutes)..." >&2
  # (sed drops pip's notes about unreachable local index folders some machines configure)
  pip_() { .venv/bin/python -m pip install --disable-pip-version-check -q "$@" 2>&1 \
             | sed '/^WARNING: Location .* is ignored/d'; }
  pip_ -c scripts/constraints.txt "torch==2.13.0"
  # The project itself is not installed: it runs from this folder (python main.py).
  mapfile -t deps < <(.venv/bin/python - <<'PYEOF'
import tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = p["optional-dependencies"]
for spec in p["dependencies"] + extras["eval"] + extras["dev"] + extras["ray"]:   # ray: its tests run
    print(spec)
PYEOF
)
  pip_ -c scripts/constraints.txt "${deps[@]}"
  mapfile -t nodeps < <(.venv/bin/python - <<'PYEOF'
import tomllib
for spec in tomllib.load(open("pyproject.toml", "rb"))["tool"]["instructdub"]["no-deps"]:
    print(spec)
PYEOF
)
  pip_ --no-deps "${nodeps[@]}"
  echo "$want" > "$stamp"
fi
