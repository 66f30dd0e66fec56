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
echo "== source systems publish one event per data domain through the ingest API"
npx tsx scripts/demo-publish.ts
echo
sleep 1
node dist/apps/ops-cli/main.js outbox
echo
echo "== need-to-know: why (ops-cli access explain, over what the access projector stored)"
# The examples' patient: home care of Bydel Gamle Oslo has a relationship; the patient blocked Dr. Berg.
# The CLI hashes the identifier with the development secret, as the apps do; it never prints it.
explain() {
  PATIENT_KEY_SECRET="${PATIENT_KEY_SECRET:-$(cat .stack/secrets/patient-key-secret)}" \
    node dist/apps/ops-cli/main.js access explain --patient 15868512218 --category "$@"
}
for _ in $(seq 1 40); do
  explain DHO --hpr 9144897 --org 958935420 --point-of-care 934567897 \
    --service-system urn:oid:2.16.578.1.12.4.1.1.8663 --service-code KP01 | grep -q '^PERMIT' && break
  sleep 0.5
done
echo "-- a home nurse of Bydel Gamle Oslo reads a home measurement:"
explain DHO --hpr 9144897 --org 958935420 --point-of-care 934567897 --service-system urn:oid:2.16.578.1.12.4.1.1.8663 --service-code KP01
echo "-- Dr. Berg, whom the patient blocked, reads the medication list:"
explain MEDICATION --hpr 7654321 --org 923456783 --point-of-care 923456783 --service-code S03
echo
echo "== a canary through the registry, Kafka, a consumer and PostgreSQL, and back"
node dist/apps/ops-cli/main.js canary
echo
echo "The apps keep running: scripts/apps.sh down and scripts/stack.sh down stop them."
