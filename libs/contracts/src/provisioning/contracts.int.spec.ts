import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, stackEnv } from '@backbone/config';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { AvroSerde } from '@backbone/serde';
import { SchemaSet } from '../schema-set';
import { loadTopicCatalog, topicConfig } from '../topic-catalog';
import { exampleOf } from '../codegen';
import { EventCodec } from '../event-codec';
import { EVENT_TYPES, EventsByName, EventTypeName } from '../generated/events';
import { validateEvent } from '../validation/validate-event';
import { provisionTopics } from './provision-topics';
import { checkSchemas, registerSchemas } from './schema-registration';
import { SchemaRegistryAdmin } from './schema-registry-admin';

// The contracts against the real registry and broker: registration, compatibility gate, topics.
describe('contracts in the real schema registry and Kafka', () => {
  const config = loadConfig(stackEnv);
  const admin = new SchemaRegistryAdmin(config.SCHEMA_REGISTRY_URL);
  const schemas = SchemaSet.load();
  const catalog = loadTopicCatalog();

  it('registers every event type under its record name with the catalog compatibility level, idempotently', async () => {
    const first = await registerSchemas(admin, schemas, catalog);
    const second = await registerSchemas(admin, schemas, catalog);
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(first.map((r) => r.subject).sort()).toEqual(catalog.topics.flatMap((t) => t.eventTypes).sort());
    expect(await admin.compatibility('no.oslo.backbone.governance.DataBlocked')).toBe('FULL_TRANSITIVE');
  });

  it('round-trips every valid example through the registry and the Confluent wire format', async () => {
    const serde = new AvroSerde(config.SCHEMA_REGISTRY_URL);
    const codec = new EventCodec(schemas, serde);
    for (const name of Object.keys(EVENT_TYPES) as EventTypeName[]) {
      const validated = validateEvent<EventsByName[typeof name]>(schemas, name, exampleOf(schemas, EVENT_TYPES[name]), {
        allowSyntheticIdentifiers: true,
      });
      if (!validated.ok) throw new Error(`${name}: ${JSON.stringify(validated.errors)}`);
      const message = await codec.encode(name, validated.event);
      expect(AvroSerde.schemaIdOf(message)).toBe(await codec.schemaId(name));
      // Decoding with a fresh codec proves the writer schema really comes from the registry.
      const decoded = await new EventCodec(schemas, new AvroSerde(config.SCHEMA_REGISTRY_URL)).decode(message);
      expect(decoded.envelope.eventType).toBe(name);
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(validated.event));
      // The serde library, a different implementation, reads the same bytes the same way.
      expect(JSON.stringify(await serde.decode(message))).toBe(JSON.stringify(validated.event));
    }
  }, 120_000);

  it('reads an event written with an older schema version with the current reader', async () => {
    const serde = new AvroSerde(config.SCHEMA_REGISTRY_URL);
    const current = schemas.bundle(EVENT_TYPES.DataUnblocked);
    // An older writer without the envelope's optional dataRef: registered under a test subject.
    const older = JSON.parse(JSON.stringify(current).replace(/\{"name":"dataRef"[^}]*\},?/, '').replace(/,\]/, ']'));
    const id = await serde.register(older, { subject: `test.older.${Date.now()}` });
    const event = validateEvent<EventsByName['DataUnblocked']>(schemas, 'DataUnblocked', exampleOf(schemas, EVENT_TYPES.DataUnblocked), {
      allowSyntheticIdentifiers: true,
    });
    if (!event.ok) throw new Error('example invalid');
    const message = await serde.encode(id, event.event);
    const decoded = await new EventCodec(schemas, serde).decode(message);
    expect(decoded.envelope.dataRef).toBeNull();
    expect(decoded.envelope.eventId).toBe(event.event.envelope.eventId);
  });

  describe('the compatibility check against the registered history', () => {
    let copy: string;
    const subject = 'no.oslo.backbone.governance.CareRelationshipEnded';
    const schemaFile = () => join(copy, 'governance', 'CareRelationshipEnded.avsc');
    const addField = (field: object) => {
      const schema = JSON.parse(readFileSync(schemaFile(), 'utf8'));
      schema.fields.push(field);
      writeFileSync(schemaFile(), JSON.stringify(schema, null, 2));
    };

    beforeAll(() => registerSchemas(admin, schemas, catalog));
    beforeEach(() => {
      copy = mkdtempSync(join(tmpdir(), 'schemas-'));
      cpSync(schemas.root, copy, { recursive: true });
    });
    afterEach(() => rmSync(copy, { recursive: true, force: true }));

    it('finds the files unchanged against what is registered', async () => {
      const outcomes = await checkSchemas(admin, schemas, catalog);
      expect(outcomes.filter((o) => o.status !== 'unchanged')).toEqual([]);
    });

    it('passes a compatible change: a new optional field with a default', async () => {
      addField({ name: 'endedBy', type: ['null', 'string'], default: null, doc: 'Who ended it.' });
      const [outcome] = await checkSchemas(admin, SchemaSet.load(copy), catalog, ['CareRelationshipEnded']);
      expect(outcome).toEqual({ subject, status: 'compatible', versions: expect.any(Number) });
    });

    it('fails an incompatible change: a new required field, which old events do not have', async () => {
      addField({ name: 'endedBy', type: 'string', doc: 'Who ended it.' });
      const [outcome] = await checkSchemas(admin, SchemaSet.load(copy), catalog, ['CareRelationshipEnded']);
      expect(outcome.status).toBe('incompatible');
      if (outcome.status === 'incompatible') {
        expect(outcome.problems.join('\n')).toMatch(/the new schema cannot read data written with version \d+/);
      }
      // The check registers nothing: the subject still holds the committed schema only.
      const latest = await admin.schemaOf(subject, Math.max(...(await admin.versions(subject))));
      expect(latest.schema).not.toContain('endedBy');
    });

    it('fails removing a field that has no default, which old readers need', async () => {
      const schema = JSON.parse(readFileSync(schemaFile(), 'utf8'));
      schema.fields = schema.fields.filter((f: { name: string }) => f.name !== 'endedAt');
      writeFileSync(schemaFile(), JSON.stringify(schema));
      const [outcome] = await checkSchemas(admin, SchemaSet.load(copy), catalog, ['CareRelationshipEnded']);
      expect(outcome.status).toBe('incompatible');
      if (outcome.status === 'incompatible') expect(outcome.problems.join('\n')).toMatch(/cannot read data written with the new schema/);
    });
  });

  it('provisions the catalog topics idempotently, with their retention', async () => {
    const kafka = createKafka(config, createLogger('contracts-int', 'warn'));
    await provisionTopics(kafka, catalog);
    const again = await provisionTopics(kafka, catalog);
    expect(again.every((r) => r.action === 'unchanged')).toBe(true);
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      const metadata = await kafkaAdmin.fetchTopicMetadata({ topics: catalog.topics.map((t) => t.name) });
      for (const topic of catalog.topics) {
        expect(metadata.topics.find((m) => m.name === topic.name)?.partitions).toHaveLength(topic.partitions);
      }
      const documents = catalog.topics[0];
      const { resources } = await kafkaAdmin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: documents.name, configNames: ['retention.ms'] }],
      });
      expect(resources[0].configEntries[0].configValue).toBe(topicConfig(documents)['retention.ms']);
    } finally {
      await kafkaAdmin.disconnect();
    }
  });
});
