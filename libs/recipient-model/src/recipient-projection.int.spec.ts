import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { PolicyTable } from '@backbone/access-control';
import { ACCESS_PROJECTION, AccessModelReader, AccessProjection, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { DERIVED_RECORDS, EVENT_TOPICS, exampleEvent, type EventCodec, type EventTypeName, type SchemaSet } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { DEAD_LETTER_TOPIC, liveProjectionVersion, registerProjectionVersion, switchLiveProjectionVersion, type ProjectionConsumer } from '@backbone/projection';
import { startInProcessPipeline, type InProcessPipeline } from '../../../test/support/in-process-pipeline';
import { eventually, startGroupAtEnds, topicEnd, unseenPatient, type PartitionOffsets } from '../../../test/support/stack-clients';
import { homeNurse } from '../../../test/support/test-requesters';
import { RecipientModelReader } from './recipient-model-reader';
import { StoredEvents } from './stored-event';
import { createRecipientModelTables, dropRecipientModelTables, recipientModelTables } from './recipient-model-tables';
import { RECIPIENT_TOPICS, RecipientProjection } from './recipient-projection';

const RECIPIENT_PROJECTION = recipientModelTables(1).projection;

// The example home-care relationship: Oslo kommune, home care of Bydel Gamle Oslo (8663 KP01),
// which the policy table lets see home measurements, the medication list and critical info.
const HOME_CARE = 'org:958935420/poc:934567897';

describe('recipient projection (real Kafka, registry and PostgreSQL)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const run = randomUUID().slice(0, 8);
  let pipeline: InProcessPipeline;
  let schemas: SchemaSet;
  let table: PolicyTable;
  let kafka: Kafka;
  let pool: Pool;
  let codec: EventCodec;
  let access: AccessModelReader;
  let recipientConsumer: ProjectionConsumer;
  /** Where the recipient topics ended when this run began: a rebuild replays from here. */
  const runStart = new Map<string, PartitionOffsets>();
  const startConsumer = (...args: Parameters<InProcessPipeline['startConsumer']>) => pipeline.startConsumer(...args);

  beforeAll(async () => {
    pipeline = await startInProcessPipeline(createLogger('recipient-projection-int', 'warn'));
    ({ schemas, table, kafka, pool, codec } = pipeline);
    await startConsumer(`${ACCESS_PROJECTION}.test-${run}`, [GOVERNANCE_TOPIC], new AccessProjection(codec, table));
    for (const topic of RECIPIENT_TOPICS) runStart.set(topic, await topicEnd(kafka, topic));
    recipientConsumer = await startConsumer(`${RECIPIENT_PROJECTION}.test-${run}`, RECIPIENT_TOPICS, new RecipientProjection(codec, new AccessModelReader(pool, table)), runStart);
    access = new AccessModelReader(pool, table);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  const publish = (...events: object[]) => pipeline.publish(...events);

  it('backfills a new recipient from the patient store, fans out new items with feed numbers, and removes the patient on revocation', async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(schemas, type, { patientFnr: fnr }), ...fields });
    const held = async () =>
      (await pool.query<{ item_key: string; seq: string }>('SELECT item_key, seq FROM recipient_item_v1 WHERE recipient_key = $1 AND patient_key = $2 AND removed_at IS NULL ORDER BY seq', [HOME_CARE, key])).rows;

    // Before any relationship: the patient store has the items, no recipient has them.
    const measurement = event('DhoMeasurementRecorded', { observationId: randomUUID() });
    const lab = event('LabResultReported', { reportId: `LAB-${randomUUID()}` });
    await publish(measurement, lab);
    await eventually(async () => ((await pool.query('SELECT 1 FROM patient_item_v1 WHERE patient_key = $1', [key])).rowCount === 2 ? true : undefined), 'the patient store');
    expect(await held()).toEqual([]);

    // Home care starts: it is backfilled with the measurement, not with the lab result.
    const relationshipId = randomUUID();
    await publish(event('CareRelationshipStarted', { relationshipId }));
    const backfilled = await eventually(async () => ((await held()).length > 0 ? held() : undefined), 'the backfill');
    expect(backfilled.map((r) => r.item_key)).toEqual([`dho:${measurement.observationId}`]);

    // A new measurement reaches the recipient with the next feed number.
    const second = event('DhoMeasurementRecorded', { observationId: randomUUID() });
    await publish(second);
    const both = await eventually(async () => ((await held()).length === 2 ? held() : undefined), 'the fan-out');
    expect(both.map((r) => r.item_key)).toEqual([`dho:${measurement.observationId}`, `dho:${second.observationId}`]);
    expect(BigInt(both[1].seq)).toBe(BigInt(both[0].seq) + 1n);

    // The relationship ends: the recipient's read model no longer holds the patient.
    await publish(event('CareRelationshipEnded', { relationshipId, endedAt: new Date(Date.now() - 1_000).toISOString() }));
    await eventually(async () => ((await held()).length === 0 ? true : undefined), 'the revocation');
    // Each lost item stays as a tombstone with the next feed numbers: a feed reader learns its copy must go.
    const { rows: tombstones } = await pool.query<{ item_key: string; seq: string }>(
      'SELECT item_key, seq FROM recipient_item_v1 WHERE recipient_key = $1 AND patient_key = $2 AND removed_at IS NOT NULL ORDER BY seq',
      [HOME_CARE, key],
    );
    expect(tombstones.map((t) => t.item_key).sort()).toEqual(both.map((r) => r.item_key).sort());
    expect(tombstones.map((t) => BigInt(t.seq))).toEqual([BigInt(both[1].seq) + 1n, BigInt(both[1].seq) + 2n]);
    expect((await pool.query('SELECT 1 FROM patient_item_v1 WHERE patient_key = $1', [key])).rowCount).toBe(3);
  }, 90_000);

  // The projector keeps the access model in memory: a change to a patient's facts must reach the
  // decisions on the items that follow it, not only the re-decision the change itself causes.
  it('decides each new item over the facts as they are now: after a category sperring, new measurements stay with the patient store', async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(schemas, type, { patientFnr: fnr }), ...fields });
    const held = async () =>
      (await pool.query<{ item_key: string }>('SELECT item_key FROM recipient_item_v1 WHERE recipient_key = $1 AND patient_key = $2 AND removed_at IS NULL', [HOME_CARE, key])).rows.map((r) => r.item_key);
    const stored = async (itemKey: string) => (await pool.query('SELECT 1 FROM patient_item_v1 WHERE patient_key = $1 AND item_key = $2', [key, itemKey])).rowCount === 1;

    await publish(event('CareRelationshipStarted', { relationshipId: randomUUID() }));
    const first = event('DhoMeasurementRecorded', { observationId: randomUUID() });
    await publish(first);
    await eventually(async () => ((await held()).length === 1 ? true : undefined), 'the first measurement with home care');

    const sperring = {
      ...event('DataBlocked'),
      blockId: randomUUID(),
      kind: 'SPERRING',
      sperringScope: 'CATEGORY',
      dataCategories: ['DHO'],
      blockedPractitioner: null,
      effectiveFrom: new Date(Date.now() - 60_000).toISOString(),
    };
    await publish(sperring);
    await eventually(async () => ((await held()).length === 0 ? true : undefined), 'the sperring to take the measurement away');

    const second = event('DhoMeasurementRecorded', { observationId: randomUUID() });
    await publish(second);
    // The patient store and the recipient rows are written in one transaction: once it holds the
    // measurement, the decision on it has been taken.
    await eventually(async () => ((await stored(`dho:${second.observationId}`)) ? true : undefined), 'the second measurement in the patient store');
    expect(await held()).toEqual([]);
  }, 90_000);

  // A chunk of up to 100 items is written from array parameters, a larger one through COPY (its own escaping).
  it.each([
    ['one item, written from parameters', 1],
    ['a chunk of 150, written with COPY', 150],
  ])('stores free text with backslashes, tabs and line breaks unchanged: %s', async (_path, count) => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1']);
    const document = exampleEvent(schemas, 'DocumentPublished', { patientFnr: fnr }) as unknown as Record<string, unknown> & { document: Record<string, unknown> };
    const title = 'Epikrise\tdel 1\nlinje 2\r\\N \\ «Ullevål» \\t';
    // One request: one outbox row, one produce to the patient's partition, one fetched batch.
    await publish(
      ...Array.from({ length: count }, (_, i) => ({
        ...document,
        envelope: { ...(document.envelope as object), eventId: randomUUID() },
        document: { ...document.document, title: i === count - 1 ? title : `Notat ${i}`, uniqueId: `2.16.578.1.12.4.1.7.3.1.993467049.${randomUUID()}` },
      })),
    );
    const stored = await eventually(async () => {
      const { rows } = await pool.query<{ content: Buffer; updated_at: Date }>('SELECT content, updated_at FROM patient_item_v1 WHERE patient_key = $1', [key]);
      return rows.length === count ? rows : undefined;
    }, 'the documents');
    // Each event is kept as published (Confluent-framed Avro) and reads back as it was sent.
    expect(stored.every((r) => r.content[0] === 0)).toBe(true);
    const events = new StoredEvents(codec);
    const titles = await Promise.all(stored.map(async (r) => ((await events.value(r.content)) as { document: { title: string } }).document.title));
    expect(titles).toContain(title);
    // In one transaction (one now()): not split into single events after a failing chunk, which
    // would store them through the other path and hide a fault in this one.
    expect(new Set(stored.map((r) => r.updated_at.getTime())).size).toBe(1);
  }, 60_000);

  it('dead-letters a record it cannot read, with the reason, on the dead-letter topic too, and goes on projecting', async () => {
    const deadLetterGroup = `dead-letters-${run}`;
    await startGroupAtEnds(kafka, deadLetterGroup, [DEAD_LETTER_TOPIC]);
    const producer = kafka.producer();
    await producer.connect();
    const topic = EVENT_TOPICS.DhoMeasurementRecorded;
    const sent = await producer.send({ topic, acks: -1, messages: [{ key: 'garbage', value: 'not an Avro record' }, { key: 'garbage', value: null }] });
    await producer.disconnect();
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1']);
    await publish({ ...exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: fnr }), observationId: randomUUID() });
    await eventually(async () => ((await pool.query('SELECT 1 FROM patient_item_v1 WHERE patient_key = $1', [key])).rowCount ? true : undefined), 'the next item');
    const rows = await eventually(async () => {
      const { rows: found } = await pool.query<{ reason: string; offset: string }>(
        'SELECT reason, "offset" FROM dead_letter WHERE projection = $1 AND topic = $2 AND partition = $3 ORDER BY "offset"',
        [`${RECIPIENT_PROJECTION}.test-${run}`, topic, sent[0].partition],
      );
      return found.length >= 2 ? found : undefined;
    }, 'the dead letters');
    expect(rows).toEqual([
      { reason: 'UNDECODABLE', offset: sent[0].baseOffset },
      { reason: 'EMPTY_VALUE', offset: String(BigInt(sent[0].baseOffset!) + 1n) },
    ]);

    // The same dead letters on the topic, with the original's place, bytes, reason and attempts.
    const published: Array<Record<string, unknown>> = [];
    const consumer = kafka.consumer({ groupId: deadLetterGroup });
    await consumer.connect();
    await consumer.subscribe({ topic: DEAD_LETTER_TOPIC });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { name, value } = await codec.decodeNamed(message.value!);
        if (name === DERIVED_RECORDS.DeadLetter && (value as { projection: string }).projection === `${RECIPIENT_PROJECTION}.test-${run}`) published.push(value as Record<string, unknown>);
      },
    });
    await eventually(async () => (published.length >= 2 ? true : undefined), 'the dead letters on the topic').finally(() => consumer.disconnect());
    expect(published.map(({ originalTopic, originalPartition, originalOffset, originalKey, originalValue, reason, attempts }) => ({ originalTopic, originalPartition, originalOffset, originalKey, originalValue, reason, attempts }))).toEqual([
      { originalTopic: topic, originalPartition: sent[0].partition, originalOffset: Number(sent[0].baseOffset), originalKey: Buffer.from('garbage'), originalValue: Buffer.from('not an Avro record'), reason: 'UNDECODABLE', attempts: 1 },
      { originalTopic: topic, originalPartition: sent[0].partition, originalOffset: Number(sent[0].baseOffset) + 1, originalKey: Buffer.from('garbage'), originalValue: null, reason: 'EMPTY_VALUE', attempts: 1 },
    ]);
  }, 60_000);
  it('reads concurrent requests in one statement and gives each exactly what a read of its own gives', async () => {
    const patients = await Promise.all([0, 1].map(() => unseenPatient(pool, secret, ['patient_item_v1', 'access_patient'])));
    const measurements: string[] = [];
    for (const { fnr } of patients) {
      const observationId = randomUUID();
      measurements.push(observationId);
      await publish({ ...exampleEvent(schemas, 'CareRelationshipStarted', { patientFnr: fnr }), relationshipId: randomUUID() }, { ...exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: fnr }), observationId });
    }
    const counting = new RecipientModelReader(pool, access, new StoredEvents(codec));
    for (const { key } of patients) await eventually(async () => ((await counting.itemsFor(homeNurse(new Date()), key)).items.length > 0 ? true : undefined), 'the measurements');
    // Every request shape at once: two patients, a category the items are not in, a stranger to both.
    const stranger = { ...homeNurse(new Date()), legalEntity: '974589095', pointOfCare: undefined, hprNumber: '9999999' };
    const asks = [
      () => counting.itemsFor(homeNurse(new Date()), patients[0].key),
      () => counting.itemsFor(homeNurse(new Date()), patients[1].key),
      () => counting.itemsFor(homeNurse(new Date()), patients[0].key, { categories: ['LAB'] }),
      () => counting.itemsFor(stranger, patients[1].key),
      () => counting.itemsFor(homeNurse(new Date()), patients[1].key, { categories: ['DHO'], withContent: false }),
    ];
    const shape = ({ items }: { items: Array<{ itemKey: string; content: string | null }> }) => items.map((i) => [i.itemKey, i.content && JSON.parse(i.content).observationId]);
    const alone = [];
    for (const ask of asks) alone.push(shape(await ask()));
    const statements: string[] = [];
    const query = pool.query.bind(pool);
    pool.query = ((config: { name?: string }, ...rest: unknown[]) => {
      if (typeof config === 'object' && config.name) statements.push(config.name);
      return (query as (...args: unknown[]) => unknown)(config, ...rest);
    }) as typeof pool.query;
    try {
      const together = (await Promise.all(asks.map((ask) => ask()))).map(shape);
      expect(together).toEqual(alone);
    } finally {
      pool.query = query;
    }
    expect(alone).toEqual([[[`dho:${measurements[0]}`, measurements[0]]], [[`dho:${measurements[1]}`, measurements[1]]], [], [], [[`dho:${measurements[1]}`, null]]]);
    // Requests that arrive while a statement is in flight share the next one (how many share
    // depends on when each asked; never one statement each).
    expect(statements.filter((name) => name.startsWith('recipient-items-batch')).length).toBeLessThan(asks.length);
  }, 60_000);

  it('re-checks at query time: a relationship that ended hides the items at once, before the projector removes them', async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(schemas, type, { patientFnr: fnr }), ...fields });
    const reader = new RecipientModelReader(pool, access, new StoredEvents(codec));
    const relationshipId = randomUUID();
    const measurement = event('DhoMeasurementRecorded', { observationId: randomUUID() });
    await publish(event('CareRelationshipStarted', { relationshipId }), measurement);
    const seen = await eventually(async () => {
      const { items } = await reader.itemsFor(homeNurse(new Date()), key);
      return items.length > 0 ? items : undefined;
    }, 'the measurement in the nurse\'s view');
    expect(seen.map((i) => [i.itemKey, i.decision.effect])).toEqual([[`dho:${measurement.observationId}`, 'PERMIT']]);
    expect(JSON.parse(seen[0].content!).observationId).toBe(measurement.observationId);

    // The recipient projector is stopped: only the access model learns that the relationship ended.
    await recipientConsumer.stop();
    await publish(event('CareRelationshipEnded', { relationshipId, endedAt: new Date(Date.now() - 1_000).toISOString() }));
    const hidden = await eventually(async () => {
      const read = await reader.itemsFor(homeNurse(new Date()), key);
      return read.items.length === 0 ? read : undefined;
    }, 'the item hidden by the query-time check');
    expect(hidden.denied.map((d) => d.reason)).toEqual(['DENY_NO_RELATIONSHIP']);
    expect((await pool.query('SELECT 1 FROM recipient_item_v1 WHERE patient_key = $1', [key])).rowCount).toBe(1);

    // Back up, the projector cleans up after.
    recipientConsumer = await startConsumer(`${RECIPIENT_PROJECTION}.test-${run}`, RECIPIENT_TOPICS, new RecipientProjection(codec, new AccessModelReader(pool, table)));
    await eventually(async () => ((await pool.query('SELECT 1 FROM recipient_item_v1 WHERE patient_key = $1 AND removed_at IS NULL', [key])).rowCount === 0 ? true : undefined), 'the clean-up');
  }, 90_000);

  it('rebuilds a new version beside the live one from the same records and switches readers to it', async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(schemas, type, { patientFnr: fnr }), ...fields });
    const measurement = event('DhoMeasurementRecorded', { observationId: randomUUID() });
    await publish(event('CareRelationshipStarted', { relationshipId: randomUUID() }), measurement, event('MedicationListUpdated'));
    const reader = (name: string) => new RecipientModelReader(pool, access, new StoredEvents(codec), name);
    // A read model name of this run's own, whose version 1 is the tables the running projector fills.
    const name = `recipient-model-test-${run}`;
    const version = 1_000 + Math.floor(Math.random() * 1_000_000);
    let rebuild: ProjectionConsumer | undefined;
    try {
      await registerProjectionVersion(pool, name, 1);
      const live = await eventually(async () => {
        const { items } = await reader(name).itemsFor(homeNurse(new Date()), key);
        return items.length === 2 ? items : undefined;
      }, 'version 1 holding both items');

      // Version N+1 is built beside it by a second projector from the same records, then switched to.
      const tables = await createRecipientModelTables(pool, version);
      expect(await registerProjectionVersion(pool, name, version)).toMatchObject({ state: 'building' });
      rebuild = await startConsumer(tables.projection, RECIPIENT_TOPICS, new RecipientProjection(codec, new AccessModelReader(pool, table), tables), runStart);
      const rebuilt = await eventually(async () => {
        const { rows } = await pool.query<{ item_key: string; event_id: string }>(`SELECT item_key, event_id FROM ${tables.recipientItem} WHERE patient_key = $1 ORDER BY item_key`, [key]);
        return rows.length === 2 ? rows : undefined;
      }, 'the rebuilt version holding both items');
      expect(rebuilt).toEqual([...live].sort((a, b) => a.itemKey.localeCompare(b.itemKey)).map((i) => ({ item_key: i.itemKey, event_id: i.eventId })));

      expect(await switchLiveProjectionVersion(pool, name, version)).toEqual({ from: 1, to: version });
      expect(await liveProjectionVersion(pool, name)).toBe(version);
      // Readers follow at their next request: a row only the new version has shows they read it.
      await pool.query(`UPDATE ${tables.patientItem} SET status = 'rebuilt' WHERE patient_key = $1`, [key]);
      const { items } = await reader(name).itemsFor(homeNurse(new Date()), key);
      expect(items.map((i) => i.status)).toEqual(['rebuilt', 'rebuilt']);
      await expect(switchLiveProjectionVersion(pool, name, 1)).rejects.toThrow(/retired/);
    } finally {
      await rebuild?.stop();
      await dropRecipientModelTables(pool, version);
      await pool.query('DELETE FROM projection_version WHERE name = $1', [name]);
    }
  }, 120_000);
});
