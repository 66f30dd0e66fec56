import type { ClientBase } from 'pg';

/** A message already encoded, to be published by the relay once the caller's transaction commits. */
export interface OutboxMessage {
  eventId: string;
  eventType: string;
  topic: string;
  key: string;
  value: Buffer;
}

/**
 * Adds messages to the outbox inside the caller's transaction, as one row (the layout of the
 * outbox-per-request migration). For backbone components that derive events from what they
 * consume (the access projector's AccessChanged): the derived events and the consumer position
 * commit together, so a crash can neither lose them nor publish them twice from two positions.
 */
export async function enqueueOutboxMessages(tx: ClientBase, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const insert = outboxInsert(messages);
  await tx.query(insert.text, insert.values);
}

/**
 * The outbox INSERT for messages, as SQL text and values, its parameters numbered from
 * `firstParameter`: for a caller that writes the outbox row in the same statement as its own rows
 * (one round trip, atomic without an explicit transaction).
 */
export function outboxInsert(messages: readonly OutboxMessage[], firstParameter = 1): { text: string; values: unknown[] } {
  const $ = (n: number) => `$${firstParameter + n - 1}`;
  return {
    text: `INSERT INTO outbox (event_ids, event_types, topics, message_keys, message_values, value_lengths, last_event_seq, event_count)
     VALUES (${$(1)}::uuid[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::bytea, ${$(6)}::int[],
             (SELECT max(nextval('outbox_event_seq')) FROM generate_series(1, ${$(7)}::int)), ${$(7)}::int)`,
    values: [
      messages.map((m) => m.eventId),
      messages.map((m) => m.eventType),
      messages.map((m) => m.topic),
      messages.map((m) => m.key),
      Buffer.concat(messages.map((m) => m.value)),
      messages.map((m) => m.value.length),
      messages.length,
    ],
  };
}
