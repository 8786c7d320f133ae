#!/usr/bin/env bash
# Starts the freshly built server on an empty database, as a first start would, and keeps its
# stdout (which carries the one-time admin password) where the tests can read it; licensed by
# a master Tessera for recurring billing; selling through a Stripe stand-in on E2E_STRIPE_PORT.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf .tmp && mkdir -p .tmp
export TESSERA_DATA_DIR="$PWD/.tmp/data"
export TESSERA_DATABASE_URL="sqlite://$PWD/.tmp/data/tessera.db"
export TESSERA_BIND="127.0.0.1:${E2E_PORT:-3100}"
export TESSERA_PUBLIC_URL="http://127.0.0.1:${E2E_PORT:-3100}"
export TESSERA_SITE_ROOT="$PWD/../target/site"
export TESSERA_ADMIN_EMAIL="admin@e2e.example.com"
# Tessera licenses itself: a master Tessera (its own database, never served) signs this vendor
# a license with `recurring_billing`, so subscriptions sell here as they would for a paying
# vendor; the vendor pins the master's keys.
MASTER="$PWD/.tmp/master"
master() {
  env -u TESSERA_LICENSE -u TESSERA_VENDOR_JWKS TESSERA_DATA_DIR="$MASTER" \
    TESSERA_DATABASE_URL="sqlite://$MASTER/tessera.db" TESSERA_LOG=warn ../target/debug/tessera "$@"
}
mkdir -p "$MASTER"
master keys generate > /dev/null
TESSERA_LICENSE="$(master license issue --email ops@e2e.example.com --company "E2E Vendor" \
  --tier pro --product tessera --domain localhost --feature recurring_billing | tail -n 1)"
export TESSERA_LICENSE
master keys jwks > .tmp/master-jwks.json
export TESSERA_VENDOR_JWKS="$PWD/.tmp/master-jwks.json"
# A Stripe stand-in beside it, delivering its signed events to the server's webhook. It dies
# with this process group when Playwright stops the server.
STRIPE_PORT="${E2E_STRIPE_PORT:-3300}"
export TESSERA_STRIPE_SECRET_KEY="sk_test_e2e"
export TESSERA_STRIPE_API_BASE="http://127.0.0.1:${STRIPE_PORT}/"
export TESSERA_STRIPE_WEBHOOK_SECRET="whsec_e2e_0123456789"
TESSERA_LOG=warn ../target/debug/tessera dev stripe --port "$STRIPE_PORT" \
  --webhook-url "$TESSERA_PUBLIC_URL/api/v1/stripe/webhook" \
  --webhook-secret "$TESSERA_STRIPE_WEBHOOK_SECRET" > .tmp/stripe.log 2>&1 &
exec ../target/debug/tessera serve > >(tee .tmp/serve.log)
