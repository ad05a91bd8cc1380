#!/usr/bin/env bash
# Builds the Kubernetes test binaries (etcd, kube-apiserver, kube-controller-manager,
# kubectl, helm) from Go modules into a cache outside the repository, once.
#
#   scripts/setup-k8s.sh            build what is missing or stale, then verify
#   scripts/setup-k8s.sh --check    verify only; exit 1 if anything is missing
#
# Needs only Go (>= the version the pinned modules declare) and a Go module proxy.
# A binary counts as built when it reports the pinned version (and, for helm, the
# Kubernetes version it assumes offline), so an interrupted or outdated build is
# redone and a finished one is never rebuilt. Every Go step has a time bound.
# The first build takes 10-25 minutes on 2 cores and several GB of RAM; later
# runs reuse GOMODCACHE and GOCACHE. Nothing built here is ever committed.
set -euo pipefail

K8S_VERSION="${ASKR_K8S_VERSION:-1.36.3}"
ETCD_VERSION="${ASKR_ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${ASKR_HELM_VERSION:-v3.22.0}"
GO_MIN="1.26"
CACHE="${ASKR_K8S_CACHE:-$HOME/.cache/askr/k8s/v$K8S_VERSION}"
BIN="$CACHE/bin"
WORK="$CACHE/src"
# Seconds one Go step (a download or one build) may take before it is stopped.
STEP_TIMEOUT="${ASKR_K8S_STEP_TIMEOUT:-2400}"
# Seconds to wait for another setup-k8s.sh that is building into the same cache.
LOCK_WAIT="${ASKR_K8S_LOCK_WAIT:-3600}"

die() { echo "setup-k8s: $*" >&2; exit 1; }

# Runs one Go step with a time bound and names it when it fails.
bounded() {
  local what="$1" rc=0
  shift
  timeout --kill-after=30 "$STEP_TIMEOUT" "$@" || rc=$?
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    die "$what did not finish within ${STEP_TIMEOUT}s (ASKR_K8S_STEP_TIMEOUT); stopped it"
  elif [[ $rc -ne 0 ]]; then
    die "$what failed (exit $rc); the Go output above says why (GOPROXY=$(go env GOPROXY))"
  fi
}

# The .mod file of a module version, downloaded through the proxy if needed.
mod_file() {
  local out
  out=$(bounded "downloading $1" go mod download -json "$1")
  sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$out"
}

k8s_ok() {
  [[ -x "$BIN/$1" ]] || return 1
  local out
  if [[ "$1" == kubectl ]]; then
    out=$("$BIN/kubectl" version --client 2>/dev/null) || return 1
    grep -qx "Client Version: v$K8S_VERSION" <<<"$out"
  else
    out=$("$BIN/$1" --version 2>/dev/null) || return 1
    grep -qx "Kubernetes v$K8S_VERSION" <<<"$out"
  fi
}

etcd_ok() {
  [[ -x "$BIN/etcd" ]] || return 1
  local out
  out=$("$BIN/etcd" --version 2>/dev/null) || return 1
  grep -qx "etcd Version: ${ETCD_VERSION#v}" <<<"$out"
}

# helm templates charts offline against a built-in Kubernetes version; unless it is
# set at link time (as helm's Makefile does) it says v1.20.0 and `kubeVersion:`
# checks in `helm lint`/`helm template` misjudge charts.
helm_ok() {
  [[ -x "$BIN/helm" ]] || return 1
  [[ "$("$BIN/helm" version --template '{{.Version}}' 2>/dev/null)" == "$HELM_VERSION" ]] || return 1
  local probe kube
  probe=$(mktemp -d)
  mkdir -p "$probe/c/templates"
  printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' >"$probe/c/Chart.yaml"
  printf 'kube: {{ .Capabilities.KubeVersion.Version }}\n' >"$probe/c/templates/k.yaml"
  kube=$(HELM_CACHE_HOME="$probe/h" HELM_CONFIG_HOME="$probe/h" HELM_DATA_HOME="$probe/h" \
    "$BIN/helm" template "$probe/c" 2>/dev/null | sed -n 's/^kube: //p')
  rm -rf "$probe"
  helm_kube_minor
  [[ "$kube" == "v1.$HELM_KUBE_MINOR."* ]]
}

# Sets HELM_KUBE_MINOR to the Kubernetes minor helm's own build assumes: that of
# its client-go (0.N means 1.N), as helm's Makefile derives it.
helm_kube_minor() {
  [[ -z "${HELM_KUBE_MINOR:-}" ]] || return 0
  local mod
  mod=$(mod_file "helm.sh/helm/v3@$HELM_VERSION")
  HELM_KUBE_MINOR=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$mod" | head -1)
  [[ -n "$HELM_KUBE_MINOR" ]] || die "cannot read k8s.io/client-go's version from $mod"
}

all_ok() {
  local b
  for b in kube-apiserver kube-controller-manager kubectl; do k8s_ok "$b" || return 1; done
  etcd_ok && helm_ok
}

report() {
  local b
  for b in kube-apiserver kube-controller-manager kubectl; do k8s_ok "$b" && echo "  ok   $b" || echo "  MISSING $b"; done
  etcd_ok && echo "  ok   etcd" || echo "  MISSING etcd"
  helm_ok && echo "  ok   helm" || echo "  MISSING helm"
}

check_go() {
  command -v go >/dev/null || die "Go $GO_MIN or newer is required (https://go.dev/dl); 'go' is not on PATH"
  local v
  v=$(GOTOOLCHAIN=local go env GOVERSION)
  v=${v#go}
  [[ "$(printf '%s\n%s\n' "$GO_MIN" "$v" | sort -V | head -1)" == "$GO_MIN" ]] ||
    die "Go $GO_MIN or newer is required to build Kubernetes v$K8S_VERSION; found go$v"
}

build_k8s() {
  local dir="$WORK/k8sbin" minor sv mod ldf m p cmd
  minor=$(cut -d. -f2 <<<"$K8S_VERSION")
  sv="v0.${K8S_VERSION#1.}"
  mkdir -p "$dir" && cd "$dir"
  printf 'module local.invalid/k8sbin\n\ngo 1.26.0\n' >go.mod
  rm -f go.sum
  mod=$(mod_file "k8s.io/kubernetes@v$K8S_VERSION")
  [[ -f "$mod" ]] || die "the Go proxy served no go.mod for k8s.io/kubernetes@v$K8S_VERSION"
  go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
  # local paths; a dependent module must replace each with its published version.
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*|\1|p' "$mod"); do
    go mod edit -replace="$m=$m@$sv"
  done
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' >tools.go
  bounded "resolving k8s.io/kubernetes@v$K8S_VERSION's dependencies" go mod tidy
  # Without these the binaries report v0.0.0-master and helm/kubectl skew checks fail
  # (the same variables hack/lib/version.sh sets).
  ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  for cmd in kube-apiserver kube-controller-manager kubectl; do
    k8s_ok "$cmd" && continue
    echo "setup-k8s: go build $cmd"
    bounded "building $cmd" go build -trimpath -ldflags "$ldf" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv -f "$BIN/$cmd.tmp" "$BIN/$cmd"
    k8s_ok "$cmd" || die "$cmd was built but does not report v$K8S_VERSION"
  done
}

build_etcd() {
  local dir="$WORK/etcdbin"
  mkdir -p "$dir" && cd "$dir"
  printf 'module local.invalid/etcdbin\n\ngo 1.26.0\n' >go.mod
  rm -f go.sum
  # go install refuses etcd's server module (monorepo replace directives), so a
  # one-line main calls etcdmain exactly as upstream server/main.go does.
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' >main.go
  bounded "downloading etcd $ETCD_VERSION" go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  bounded "resolving etcd's dependencies" go mod tidy
  echo "setup-k8s: go build etcd"
  bounded "building etcd" go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" .
  mv -f "$BIN/etcd.tmp" "$BIN/etcd"
  etcd_ok || die "etcd was built but does not report $ETCD_VERSION"
}

build_helm() {
  local minor ldf v
  helm_kube_minor
  minor=$HELM_KUBE_MINOR
  ldf="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldf="$ldf -X helm.sh/helm/v3/internal/version.metadata= -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for v in pkg/lint/rules pkg/chartutil; do
    ldf="$ldf -X helm.sh/helm/v3/$v.k8sVersionMajor=1 -X helm.sh/helm/v3/$v.k8sVersionMinor=$minor"
  done
  echo "setup-k8s: go install helm"
  rm -rf "$WORK/helmbin"
  GOBIN="$WORK/helmbin" bounded "building helm $HELM_VERSION" \
    go install -trimpath -ldflags "$ldf" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv -f "$WORK/helmbin/helm" "$BIN/helm"
  helm_ok || die "helm was built but does not report $HELM_VERSION and Kubernetes v1.$minor"
}

if [[ "${1:-}" == "--check" ]]; then
  if all_ok; then echo "k8s test binaries ready in $BIN"; exit 0; fi
  echo "k8s test binaries incomplete in $BIN:"; report; exit 1
fi
[[ $# -eq 0 ]] || die "usage: $0 [--check]"

if all_ok; then
  echo "k8s test binaries ready in $BIN"
  exit 0
fi

check_go
mkdir -p "$BIN" "$WORK"
# Two test runs may start at once on one machine: the second waits for the first.
exec 9>"$CACHE/.lock"
if command -v flock >/dev/null; then
  flock -w "$LOCK_WAIT" 9 || die "another setup-k8s.sh has held $CACHE/.lock for ${LOCK_WAIT}s"
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
# Keep the compiler's parallelism modest: kube-apiserver links need several GB each.
export GOMAXPROCS="${GOMAXPROCS:-2}"
echo "setup-k8s: building Kubernetes v$K8S_VERSION test binaries into $BIN"
echo "setup-k8s: the first build takes 10-25 minutes on 2 cores; later runs reuse the Go caches"
started=$SECONDS

etcd_ok || (build_etcd)
helm_ok || (build_helm)
{ k8s_ok kube-apiserver && k8s_ok kube-controller-manager && k8s_ok kubectl; } || (build_k8s)

all_ok || { report; die "some binaries are still missing"; }
echo "k8s test binaries ready in $BIN (built in $((SECONDS - started))s)"
