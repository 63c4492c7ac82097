#!/usr/bin/env bash
# Install what the tests need, then run the whole suite (slow tests included: real model, browser).
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -k probe   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
exec .venv/bin/python -m pytest -q "$@"
