import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { EVENT_TOPICS, exampleEvent, patientKey, syntheticFnr, type EventCodec, type EventTypeName, type SchemaSet } from '@backbone/contracts';

const ROOT = join(__dirname, '..', '..');

/** A synthetic patient: the identity number and the pseudonymous key the backbone knows them by. */
export interface SyntheticPatient {
  fnr: string;
  key: string;
}

/** A record ready for a producer: its topic and the message (keyed by the patient, eventId and eventType in headers). */
export interface OutgoingRecord {
  topic: string;
  message: { key: string; value: Buffer | null; headers: Record<string, string> };
}

/**
 * The recipient benchmark's mix of clinical events, each a new item (2/5 home measurements, 1/5 lab
 * results, 1/5 documents) except the medication list (1/5), of which there is one per patient.
 */
export const CLINICAL_MIX: Array<[EventTypeName, (e: Record<string, unknown>) => void]> = [
  ['DhoMeasurementRecorded', (e) => (e.observationId = randomUUID())],
  ['DhoMeasurementRecorded', (e) => (e.observationId = randomUUID())],
  ['LabResultReported', (e) => (e.reportId = `LAB-${randomUUID()}`)],
  ['DocumentPublished', (e) => ((e.document as { uniqueId: string }).uniqueId = `2.16.578.1.12.4.1.7.3.1.993467049.${randomUUID()}`)],
  ['MedicationListUpdated', () => undefined],
];

/** The stack's patient-key secret (what the ingest API pseudonymises with). */
export const patientKeySecret = (): string => readFileSync(join(ROOT, '.stack', 'secrets', 'patient-key-secret'), 'utf8');

/** `count` synthetic patients from a random place in the synthetic number space (earlier runs leave rows behind). */
export function syntheticPatients(secret: string, count: number, first = Math.floor(Math.random() * 1_000_000)): SyntheticPatient[] {
  return Array.from({ length: count }, (_, n) => {
    const fnr = syntheticFnr(first + n);
    return { fnr, key: patientKey(secret, fnr) };
  });
}

/**
 * Encodes events as trusted internal producers publish them: the schema example of the type for
 * the patient, changed by `change`, keyed by the patient key, eventId and eventType in headers.
 */
export function eventEncoder(schemas: SchemaSet, codec: EventCodec) {
  return async (type: EventTypeName, fnr: string, key: string, change: (e: Record<string, unknown>) => void): Promise<OutgoingRecord> => {
    const event = exampleEvent(schemas, type, { patientFnr: fnr }) as Record<string, unknown> & { envelope: Record<string, unknown> };
    change(event);
    event.envelope.patientKey = key;
    return { topic: EVENT_TOPICS[type], message: { key, value: await codec.encode(type, event as never), headers: { eventId: event.envelope.eventId as string, eventType: type } } };
  };
}

/** Sends records to their topics in one request (acks=all). */
export async function sendByTopic(producer: Producer, records: readonly OutgoingRecord[]): Promise<void> {
  if (records.length === 0) return;
  const byTopic = new Map<string, Array<OutgoingRecord['message']>>();
  for (const r of records) (byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic)!).push(r.message);
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}
