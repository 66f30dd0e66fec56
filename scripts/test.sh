#!/usr/bin/env bash
# The README's second command: install and run every test tier (unit, integration, end-to-end)
# against the real stack, which is brought up if it is not already.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install.sh
bash scripts/stack.sh up
echo "[test] type check"
npx tsc -p tsconfig.json
echo "[test] jest: unit, int, e2e"
npx jest --runInBand "$@"
