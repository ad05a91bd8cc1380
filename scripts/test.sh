#!/usr/bin/env bash
# Sets everything up (the Kubernetes test binaries included: built once from Go
# modules into ~/.cache/askr, about 15 minutes the first time) and runs every test:
# lint, type checks, unit tests, PHPUnit, end-to-end tests with real PHP, real
# clients and a real Kubernetes control plane.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --k8s
exec npm test
