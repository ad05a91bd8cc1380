#!/usr/bin/env bash
# Builds the Kubernetes test binaries (etcd, kube-apiserver, kube-controller-manager,
# kubectl, helm) from Go modules into a cache outside the repository, once.
# Later runs find them and return at once. Nothing built here is ever committed.
set -euo pipefail

K8S_VERSION="${ASKR_K8S_VERSION:-1.36.3}"
ETCD_VERSION="${ASKR_ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${ASKR_HELM_VERSION:-v3.22.0}"
CACHE="${ASKR_K8S_CACHE:-$HOME/.cache/askr/k8s/v$K8S_VERSION}"
BIN="$CACHE/bin"
WORK="$CACHE/src"

want=(etcd kube-apiserver kube-controller-manager kubectl helm)
missing=()
for b in "${want[@]}"; do [[ -x "$BIN/$b" ]] || missing+=("$b"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "k8s test binaries ready in $BIN"
  exit 0
fi
command -v go >/dev/null || { echo "setup-k8s: Go is required (https://go.dev); not found on PATH" >&2; exit 1; }

echo "building Kubernetes test binaries into $BIN (first build takes 10-25 minutes on 2 cores)"
mkdir -p "$BIN" "$WORK"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
# Keep the compiler's parallelism modest: kube-apiserver links need several GB each.
export GOMAXPROCS="${GOMAXPROCS:-2}"

build_k8s() {
  local dir="$WORK/k8sbin" minor sv mod ldf
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  sv="v0.${K8S_VERSION#1.}"
  mkdir -p "$dir" && cd "$dir"
  printf 'module local.invalid/k8sbin\n\ngo 1.26.0\n' > go.mod
  mod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
  # local paths; a dependent module must replace each with its published version.
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*|\1|p' "$mod"); do
    go mod edit -replace="$m=$m@$sv"
  done
  printf '//go:build tools\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > tools.go
  go mod tidy
  ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  for cmd in kube-apiserver kube-controller-manager kubectl; do
    [[ -x "$BIN/$cmd" ]] && continue
    echo "  go build $cmd"
    go build -trimpath -ldflags "$ldf" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
  done
}

build_etcd() {
  local dir="$WORK/etcdbin"
  mkdir -p "$dir" && cd "$dir"
  printf 'module local.invalid/etcdbin\n\ngo 1.26.0\n' > go.mod
  # go install refuses etcd's server module (monorepo replace directives), so a
  # one-line main calls etcdmain exactly as upstream server/main.go does.
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go mod tidy
  echo "  go build etcd"
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" .
  mv "$BIN/etcd.tmp" "$BIN/etcd"
}

build_helm() {
  echo "  go install helm"
  GOBIN="$WORK/helmbin" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$WORK/helmbin/helm" "$BIN/helm"
}

[[ -x "$BIN/etcd" ]] || (build_etcd)
[[ -x "$BIN/helm" ]] || (build_helm)
[[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" && -x "$BIN/kubectl" ]] || (build_k8s)
echo "k8s test binaries ready in $BIN"
