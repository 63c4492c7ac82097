#!/usr/bin/env bash
# hls.js for the player (replay/web/player-hls.js): installed from the npm registry and copied into
# replay/web/vendor/, which replay serves at /vendor/hls.js (never a CDN). Called by scripts/install.sh and
# the Dockerfile; skipped when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.6.15
dest=replay/web/vendor
if [[ -f $dest/hls.light.min.js ]] && grep -qx "hls.js@$VERSION" "$dest/VERSION" 2>/dev/null; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "[install] npm install hls.js@$VERSION"
npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$tmp" "hls.js@$VERSION" >/dev/null
mkdir -p "$dest"
cp "$tmp/node_modules/hls.js/dist/hls.light.min.js" "$dest/"
cp "$tmp/node_modules/hls.js/LICENSE" "$dest/LICENSE-hls.js.txt"
echo "hls.js@$VERSION" > "$dest/VERSION"
