import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOVERNANCE_TOPIC } from '@backbone/access-model';
import { loadConfig, stackEnv } from '@backbone/config';
import { EventCodec, exampleEvent, loadTopicCatalog, patientKey, provisionTopics, SchemaSet, syntheticFnr, type EventTypeName } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { AvroSerde } from '@backbone/serde';
import { startGroupAt as startGroupAtOffsets, topicEnd, type PartitionOffsets } from '../../test/support/stack-clients';

const ROOT = join(__dirname, '..', '..');

export type { PartitionOffsets };

/**
 * Puts a realistic governance load on the governance topic, as trusted internal producers would
 * (encoded, keyed by the patient key, eventId in a header): per patient a relationship started;
 * every fifth patient a blokkering; every tenth an end; every twentieth a second end, which the
 * access projector must dead-letter (ALREADY_ENDED). Returns the topic's end offsets before and
 * after, so a consumer can be pointed at exactly this load.
 */
export async function produceGovernanceLoad(count: number): Promise<{ before: PartitionOffsets; after: PartitionOffsets }> {
  const config = loadConfig(stackEnv);
  const kafka = createKafka(config, createLogger('governance-load', 'warn'));
  await provisionTopics(kafka, loadTopicCatalog());
  const schemas = SchemaSet.load();
  const codec = new EventCodec(schemas, new AvroSerde(config.SCHEMA_REGISTRY_URL));
  const secret = readFileSync(join(ROOT, '.stack', 'secrets', 'patient-key-secret'), 'utf8');
  const before = await endOffsets();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let batch: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic: GOVERNANCE_TOPIC, acks: -1, messages: batch });
    batch = [];
  };
  const offset = Math.floor(Math.random() * 1_000_000);
  let produced = 0;
  for (let n = 0; produced < count; n += 1) {
    const fnr = syntheticFnr(offset + n);
    const key = patientKey(secret, fnr);
    const relationshipId = randomUUID();
    const events: Array<[EventTypeName, Record<string, unknown>]> = [['CareRelationshipStarted', { relationshipId }]];
    if (n % 5 === 0) events.push(['DataBlocked', { blockId: randomUUID() }]);
    if (n % 10 === 0) events.push(['CareRelationshipEnded', { relationshipId }]);
    if (n % 20 === 0) events.push(['CareRelationshipEnded', { relationshipId }]);
    for (const [type, fields] of events) {
      const event = { ...exampleEvent(schemas, type, { patientFnr: fnr }), ...fields } as Record<string, unknown> & { envelope: Record<string, unknown> };
      event.envelope.patientKey = key;
      batch.push({ key, value: await codec.encode(type, event as never), headers: { eventId: event.envelope.eventId as string, eventType: type } });
      produced += 1;
    }
    if (batch.length >= 1_000) await flush();
  }
  await flush();
  await producer.disconnect();
  return { before, after: await endOffsets() };
}

const governanceKafka = () => createKafka(loadConfig(stackEnv), createLogger('governance-load', 'warn'));

/** Where each partition of the governance topic ends now. */
export const endOffsets = (): Promise<PartitionOffsets> => topicEnd(governanceKafka(), GOVERNANCE_TOPIC);

export const eventsBetween = (before: PartitionOffsets, after: PartitionOffsets) =>
  after.reduce((sum, p) => sum + Number(p.offset) - Number(before.find((b) => b.partition === p.partition)?.offset ?? 0), 0);

/** Points a consumer group that has never run at the given governance offsets (it must have no members). */
export const startGroupAt = (groupId: string, offsets: PartitionOffsets): Promise<void> => startGroupAtOffsets(governanceKafka(), groupId, GOVERNANCE_TOPIC, offsets);
