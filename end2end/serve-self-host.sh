#!/usr/bin/env bash
# Starts a second, self-hosted server beside the vendor one that serve.sh starts: its own
# empty database, pinning the vendor's keys (read with the CLI once the vendor has made its
# first key) and heartbeating to it. Its stdout (the one-time admin password) goes to its log.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf .tmp-self-host && mkdir -p .tmp-self-host
VENDOR_PORT="${E2E_PORT:-3100}"
PORT="${E2E_SELF_HOST_PORT:-3101}"
for _ in $(seq 1 600); do
  if [ -f .tmp/data/tessera.db ] && grep -q "Tessera is listening" .tmp/serve.log 2>/dev/null; then break; fi
  sleep 0.2
done
TESSERA_DATA_DIR="$PWD/.tmp/data" TESSERA_DATABASE_URL="sqlite://$PWD/.tmp/data/tessera.db" TESSERA_LOG=warn \
  ../target/debug/tessera keys jwks > .tmp-self-host/vendor-jwks.json
export TESSERA_MODE=self-host
export TESSERA_VENDOR_JWKS="$PWD/.tmp-self-host/vendor-jwks.json"
export TESSERA_VENDOR_URL="http://127.0.0.1:${VENDOR_PORT}"
export TESSERA_HEARTBEAT_INTERVAL=2s
export TESSERA_DATA_DIR="$PWD/.tmp-self-host/data"
export TESSERA_DATABASE_URL="sqlite://$PWD/.tmp-self-host/data/tessera.db"
export TESSERA_BIND="127.0.0.1:${PORT}"
export TESSERA_PUBLIC_URL="http://127.0.0.1:${PORT}"
export TESSERA_SITE_ROOT="$PWD/../target/site"
export TESSERA_ADMIN_EMAIL="operator@self-host.example.com"
exec ../target/debug/tessera serve > >(tee .tmp-self-host/serve.log)
