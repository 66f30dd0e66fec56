import { loadTopicCatalog, topicConfig, topicFor } from './topic-catalog';
import { SchemaSet } from './schema-set';

describe('topic catalog (schemas/topics.yaml)', () => {
  const catalog = loadTopicCatalog();
  const schemas = SchemaSet.load();

  it('puts every event type in exactly one topic, and names only event types that exist', () => {
    const listed = catalog.topics.flatMap((t) => t.eventTypes).sort();
    expect(listed).toEqual(schemas.eventTypes().concat('no.oslo.backbone.ops.PipelineCanary', 'no.oslo.backbone.access.AccessChanged', 'no.oslo.backbone.ops.DeadLetter').sort());
  });

  it('keys every patient topic by the pseudonymous patient key, never by an identity number', () => {
    for (const topic of catalog.topics.filter((t) => t.name !== 'backbone.ops.canary.v1')) {
      expect(topic.key).toBe('patientKey');
    }
  });

  it('keeps clinical and governance topics forever, so projections can be rebuilt from offset 0', () => {
    for (const topic of catalog.topics.filter((t) => /clinical|governance|audit/.test(t.name))) {
      expect(topicConfig(topic)['retention.ms']).toBe('-1');
    }
    expect(topicConfig(topicFor(catalog, 'no.oslo.backbone.ops.PipelineCanary'))['retention.ms']).toBe('86400000');
  });

  it('asks for a transitive compatibility level, since the log is replayed from the start', () => {
    expect(catalog.compatibility).toMatch(/_TRANSITIVE$/);
  });
});
