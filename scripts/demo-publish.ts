// The demo's publishing step: one example event per data domain, each with a fresh eventId,
// through the real ingest API with a token from the local dev issuer, as the vendor's system would.
import { randomUUID } from 'node:crypto';
import { DevIssuer } from '@backbone/auth';
import { EVENT_TYPES, EventTypeName, exampleOf, SchemaSet } from '@backbone/contracts';

const INGEST = process.env.INGEST_URL ?? 'http://127.0.0.1:3000';
const DOMAINS: Array<[string, string, EventTypeName]> = [
  ['B document sharing', 'ous-dips-arena', 'DocumentPublished'],
  ['C medication list', 'ous-dips-arena', 'MedicationListUpdated'],
  ['D radiology', 'ous-dips-arena', 'RadiologyStudyAvailable'],
  ['E lab results', 'ous-dips-arena', 'LabResultReported'],
  ['F home measurements', 'oslo-dho-platform', 'DhoMeasurementRecorded'],
  ['G critical info', 'ous-dips-arena', 'CriticalInfoUpdated'],
  ['H ambulance journal', 'ous-ambulance-journal', 'AmbulanceJournalEntryRecorded'],
  ['I video consultation', 'diakonhjemmet-dips', 'VideoConsultationScheduled'],
  ['governance: home care', 'oslo-gerica', 'CareRelationshipStarted'],
  ['governance: a block', 'helsenorge', 'DataBlocked'],
];

// Governance facts are identified by their own ids; fresh ones let the demo run again and again.
const FACT_IDS = ['relationshipId', 'blockId', 'consentId', 'accessId'];

async function main(): Promise<void> {
  const issuer = await DevIssuer.loadOrCreate();
  const schemas = SchemaSet.load();
  for (const [domain, client, eventType] of DOMAINS) {
    const event = structuredClone(exampleOf(schemas, EVENT_TYPES[eventType])) as Record<string, unknown> & { envelope: { eventId: string } };
    event.envelope.eventId = randomUUID();
    for (const field of FACT_IDS) if (field in event) event[field] = randomUUID();
    const token = await issuer.sign({ subject: client, clientId: client, audience: 'backbone-ingest', scope: 'backbone:publish' });
    const response = await fetch(`${INGEST}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(event),
    });
    const body = (await response.json()) as { status?: string; topic?: string; title?: string };
    console.log(`${domain.padEnd(22)} ${client.padEnd(22)} ${eventType.padEnd(30)} ${response.status} ${body.status ?? body.title} -> ${body.topic ?? ''}`);
  }
  // And one refusal, to show the producer authorisation: a GP system publishing as the hospital.
  const gp = await issuer.sign({ subject: 'gp', clientId: 'gp-grunerlokka', audience: 'backbone-ingest', scope: 'backbone:publish' });
  const refused = await fetch(`${INGEST}/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${gp}` },
    body: JSON.stringify(exampleOf(schemas, EVENT_TYPES.DocumentPublished)),
  });
  console.log(`refused as it should be: ${refused.status} ${((await refused.json()) as { detail: string }).detail}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
