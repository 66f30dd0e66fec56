import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { schemasDir } from '@backbone/serde';

const DURATION = /^(forever|\d+[dh])$/;

const topicSchema = z.object({
  name: z.string().regex(/^backbone\.[a-z0-9.-]+\.v\d+$/, 'topic names are backbone.<area>.v<N>'),
  description: z.string().min(1),
  dataCategory: z.string().optional(),
  partitions: z.number().int().min(1).max(64),
  retention: z.string().regex(DURATION, 'retention is forever, <N>d or <N>h').optional(),
  compacted: z.boolean().default(false),
  key: z.string().min(1),
  eventTypes: z.array(z.string().min(1)).min(1),
});

const catalogSchema = z.object({
  subjectNameStrategy: z.literal('RecordNameStrategy'),
  compatibility: z.enum(['BACKWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FULL_TRANSITIVE']),
  topics: z.array(topicSchema).min(1),
});

export type TopicEntry = z.infer<typeof topicSchema>;
export type TopicCatalog = z.infer<typeof catalogSchema>;

/** Reads and validates schemas/topics.yaml; each event type must belong to exactly one topic. */
export function loadTopicCatalog(path = join(schemasDir(), 'topics.yaml')): TopicCatalog {
  const catalog = catalogSchema.parse(parse(readFileSync(path, 'utf8')));
  const owner = new Map<string, string>();
  for (const topic of catalog.topics) {
    for (const eventType of topic.eventTypes) {
      const previous = owner.get(eventType);
      if (previous) throw new Error(`${eventType} is in two topics: ${previous} and ${topic.name}`);
      owner.set(eventType, topic.name);
    }
  }
  return catalog;
}

/** The topic that carries an event type (full name). */
export function topicFor(catalog: TopicCatalog, eventType: string): TopicEntry {
  const topic = catalog.topics.find((t) => t.eventTypes.includes(eventType));
  if (!topic) throw new Error(`no topic carries ${eventType}`);
  return topic;
}

/** Subject under the record-name strategy: the record's full name. */
export function subjectFor(eventType: string): string {
  return eventType;
}

/** Kafka topic configuration for an entry: retention in ms (-1 forever), cleanup policy. */
export function topicConfig(topic: TopicEntry): Record<string, string> {
  const retention = topic.retention ?? 'forever';
  const ms =
    retention === 'forever'
      ? -1
      : Number.parseInt(retention, 10) * (retention.endsWith('d') ? 86_400_000 : 3_600_000);
  return {
    'cleanup.policy': topic.compacted ? 'compact' : 'delete',
    'retention.ms': String(ms),
  };
}
