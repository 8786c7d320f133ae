#!/usr/bin/env bash
# Starts the freshly built server on an empty database, as a first start would, and keeps its
# stdout (which carries the one-time admin password) where the tests can read it.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf .tmp && mkdir -p .tmp
export TESSERA_DATA_DIR="$PWD/.tmp/data"
export TESSERA_DATABASE_URL="sqlite://$PWD/.tmp/data/tessera.db"
export TESSERA_BIND="127.0.0.1:${E2E_PORT:-3100}"
export TESSERA_PUBLIC_URL="http://127.0.0.1:${E2E_PORT:-3100}"
export TESSERA_SITE_ROOT="$PWD/../target/site"
export TESSERA_ADMIN_EMAIL="admin@e2e.example.com"
exec ../target/debug/tessera serve > >(tee .tmp/serve.log)
