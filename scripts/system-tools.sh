#!/usr/bin/env bash
# Installs the system packages the tests use, when missing: Debian's Chromium (Playwright drives
# it; Playwright never downloads a browser here) and PyJWT (an independent JOSE implementation
# the interop tests check tokens against), aiosmtpd (a real SMTP server for the mail tests) and
# nats-py (an independent NATS client that reads the events Tessera publishes) with jsonschema
# (which checks them against the published schema), and standardwebhooks (the Standard Webhooks
# reference library, which verifies the signed deliveries).
set -euo pipefail
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
command -v chromium >/dev/null || apt_install chromium
python3 -c 'import jwt, cryptography' 2>/dev/null || python3 -m pip install --quiet 'pyjwt[crypto]>=2.8'
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet 'aiosmtpd>=1.4'
python3 -c 'import nats' 2>/dev/null || python3 -m pip install --quiet 'nats-py>=2.6'
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install --quiet 'jsonschema>=4'
python3 -c 'import standardwebhooks' 2>/dev/null || python3 -m pip install --quiet 'standardwebhooks>=1'
