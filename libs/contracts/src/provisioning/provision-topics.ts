import { ConfigResourceTypes, Kafka } from 'kafkajs';
import { TopicCatalog, topicConfig } from '../topic-catalog';

export interface TopicProvisioning {
  topic: string;
  action: 'created' | 'unchanged' | 'updated';
  changes: string[];
}

/**
 * Makes the broker's topics match the catalog: creates missing topics, adds partitions where the
 * catalog asks for more (Kafka cannot remove partitions: that is reported, not attempted) and
 * aligns retention and cleanup policy. Idempotent.
 */
export async function provisionTopics(kafka: Kafka, catalog: TopicCatalog): Promise<TopicProvisioning[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = catalog.topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(topicConfig(t)).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = catalog.topics.filter((t) => existing.has(t.name));
    const results: TopicProvisioning[] = missing.map((t) => ({ topic: t.name, action: 'created', changes: [] }));
    if (present.length === 0) return results;

    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: Object.keys(topicConfig(t)) })),
    });
    for (const topic of present) {
      const changes: string[] = [];
      const partitions = metadata.topics.find((m) => m.name === topic.name)?.partitions.length ?? 0;
      if (partitions < topic.partitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: topic.name, count: topic.partitions }] });
        changes.push(`partitions ${partitions} -> ${topic.partitions}`);
      } else if (partitions > topic.partitions) {
        changes.push(`has ${partitions} partitions, catalog says ${topic.partitions}: Kafka cannot shrink a topic, left as is`);
      }
      const current = configs.resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
      const wanted = Object.entries(topicConfig(topic)).filter(
        ([name, value]) => current.find((entry) => entry.configName === name)?.configValue !== value,
      );
      if (wanted.length > 0) {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic.name, configEntries: wanted.map(([name, value]) => ({ name, value })) }],
        });
        changes.push(...wanted.map(([name, value]) => `${name} -> ${value}`));
      }
      results.push({ topic: topic.name, action: changes.some((c) => !c.includes('left as is')) ? 'updated' : 'unchanged', changes });
    }
    return results;
  } finally {
    await admin.disconnect();
  }
}
