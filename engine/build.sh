#!/usr/bin/env bash
# Build the Pulumi CLI from its Go modules (engine/go.mod pins the version, go.sum the checksums) and
# write the dynamic-provider plugin script beside it. Output: .engine/bin/. Nothing prebuilt is fetched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/.engine/bin"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
VERSION="$(sed -n 's|^require github.com/pulumi/pulumi/pkg/v3 \(v[0-9.]*\)$|\1|p' "$ROOT/engine/go.mod")"
command -v go >/dev/null || { echo "engine: Go is not installed; the real-engine tier will be skipped"; exit 3; }
mkdir -p "$OUT"
start=$(date +%s)
cd "$ROOT/engine"
# -mod=readonly: the build uses exactly go.mod/go.sum; the caches (GOCACHE, GOMODCACHE) make rebuilds fast.
GOFLAGS=-mod=readonly go build -trimpath \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
  -o "$OUT/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# The engine starts dynamic providers as the `pulumi-python` resource plugin: a process serving the
# Python SDK's dynamic provider over gRPC, in the interpreter that has our components installed.
cat > "$OUT/pulumi-resource-pulumi-python" <<SCRIPT
#!/bin/sh
exec "$PYTHON" -u -m pulumi.dynamic "\$@"
SCRIPT
chmod +x "$OUT/pulumi-resource-pulumi-python"
echo "engine: pulumi $VERSION built in $(( $(date +%s) - start ))s -> $OUT"
