#!/usr/bin/env bash
# Sets everything up, then serves the Laravel example with askr serve on
# http://127.0.0.1:8080 (admin on 127.0.0.1:9180). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo
echo "Askr demo: http://127.0.0.1:8080/hello   http://127.0.0.1:8080/posts   http://127.0.0.1:8080/posts/cached"
echo
exec node sidecar/dist/cli/main.js serve \
  --root examples/laravel/public \
  --worker-script examples/laravel/worker.php \
  --listen "${ASKR_LISTEN:-127.0.0.1:8080}" \
  --workers-min 2 --workers-max 8 \
  --response-cache 64 \
  --pusher \
  --record-errors "${TMPDIR:-/tmp}/askr-demo-errors" \
  "$@"
