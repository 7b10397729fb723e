#!/usr/bin/env bash
# Idempotent: installs what the test suite needs beyond npm. Runs before every `npm test`.
# Today the suite needs nothing outside node_modules; server stores (PostgreSQL) and
# browser tests (Debian chromium) will be installed here when they land.
set -euo pipefail
exit 0
