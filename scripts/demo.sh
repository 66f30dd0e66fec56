#!/usr/bin/env bash
# The README's first command: install, bring up the stack and the apps, and run the demo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install.sh
bash scripts/stack.sh up
bash scripts/apps.sh up
echo
echo "== topics and schemas from schemas/ (idempotent)"
node dist/apps/ops-cli/main.js topics provision
node dist/apps/ops-cli/main.js schemas register
echo
echo "== health of every app"
bash scripts/apps.sh status
echo
echo "== a realistic scenario: source systems publish, health workers and the patient read (scripts/demo-scenario.ts)"
npx tsx scripts/demo-scenario.ts
echo
node dist/apps/ops-cli/main.js outbox
echo
echo "== a canary through the registry, Kafka, a consumer and PostgreSQL, and back"
node dist/apps/ops-cli/main.js canary
echo
echo "The apps keep running: scripts/apps.sh down and scripts/stack.sh down stop them."
