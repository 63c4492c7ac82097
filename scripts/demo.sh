#!/usr/bin/env bash
# Install replay, index the two bundled sample streams (landscape and portrait), and serve the player on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/replay demo "$@"
