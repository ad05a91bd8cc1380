#!/usr/bin/env bash
# Installs what Askr needs on a Debian machine and builds it. Idempotent: a
# second run installs nothing and only rebuilds. Needs root (or sudo) for apt.
#
#   scripts/setup.sh            runtime, demo, tests and benchmarks
#   scripts/setup.sh --k8s      also the Kubernetes test binaries (Go, ~15 min once)
set -euo pipefail
cd "$(dirname "$0")/.."

with_k8s=0
for arg in "$@"; do
  case "$arg" in
    --k8s) with_k8s=1 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done

# --- Debian packages ---------------------------------------------------------
packages=(
  # the PHP runtime and the Laravel example
  php8.2-cli php8.2-mbstring php8.2-xml php-laravel-framework php-nyholm-psr7
  # tests
  phpunit iproute2 openssl curl ca-certificates procps
  # the native addon (@riaskov/mmap-io) builds with node-gyp
  build-essential python3
  # benchmark peers
  nginx php8.2-fpm wrk varnish
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Services are installed for the benchmarks, which start their own instances;
  # policy-rc.d keeps apt from starting the system ones.
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [[ "$node_major" -lt 20 ]]; then
  echo "setup: Node 20 or newer is needed (found $(node -v))" >&2
  exit 1
fi

# --- npm packages ----------------------------------------------------------------
stamp=node_modules/.askr-setup-stamp
if [[ ! -f "$stamp" || package-lock.json -nt "$stamp" || package.json -nt "$stamp" ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  touch "$stamp"
fi

# --- build -------------------------------------------------------------------------
npm run --silent build

# Laravel needs writable storage and cache directories.
mkdir -p examples/laravel/storage/framework/{views,sessions,cache/data} examples/laravel/storage/logs examples/laravel/storage/app examples/laravel/bootstrap/cache

if [[ $with_k8s -eq 1 ]]; then
  scripts/setup-k8s.sh
fi
echo "setup: ready"
