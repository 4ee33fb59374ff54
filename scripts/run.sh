#!/usr/bin/env bash
# Set up (first run only), then the main job: the editor on the bundled demo.
# Without a display, dub and export the demo headless and show how to use the CLI.
# Arguments, when given, go to main.py instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=.venv/bin/python
if [ $# -gt 0 ]; then
  exec "$PY" main.py "$@"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = "Darwin" ]; then
  exec "$PY" main.py edit --demo
fi
echo "No display found: dubbing the bundled demo headless into out/demo/ instead." >&2
"$PY" main.py dub resources/demo/demo.json --export out/demo --overwrite
cat >&2 <<'MSG'

Done. Next steps from the command line (see README.md):
  .venv/bin/python main.py --help
  .venv/bin/python main.py say "Hello there." -o hello.wav --rate-instruction "slow and calm"
  .venv/bin/python main.py analyze VIDEO.mp4 --script LINES.txt -o project.json
  .venv/bin/python main.py dub project.json --export out/
With a display (or under xvfb-run), `bash scripts/run.sh` opens the editor.
MSG
