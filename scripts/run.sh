#!/usr/bin/env bash
# Set up (first run only) and open the editor on the bundled demo.
# Without a display it prints how to use the command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
