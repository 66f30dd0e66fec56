#!/usr/bin/env bash
# Installs the project's Node dependencies from the lock file, once per change of the lock file or
# of the patches to dependencies.
# Java, Maven and PostgreSQL come with the machine; Kafka and the registry are fetched by
# scripts/stack.sh from Maven Central.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command -v node >/dev/null || { echo "[install] ERROR: Node.js 20.19+ is missing" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  { echo "[install] ERROR: Node.js 20.19 or newer is needed (found $(node -v))" >&2; exit 1; }

stamp="node_modules/.installed-lock-sha"
# The patches to dependencies (patches/, applied by npm's postinstall) count as part of the lock.
want="$(cat package-lock.json patches/*.patch 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[install] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
