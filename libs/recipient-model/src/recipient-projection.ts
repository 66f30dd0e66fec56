import type { PoolClient } from 'pg';
import { dataItemFromJson, recipientMayHold, type DataItem } from '@backbone/access-control';
import { ACCESS_CHANGES_TOPIC, accessChangesSql, type AccessChange, type AccessModelReader } from '@backbone/access-model';
import { BinaryCopyWriter, patientStoreCompression, writeBinaryCopy } from '@backbone/persistence';
import { DERIVED_RECORDS, EVENT_TOPICS, EVENT_TYPES, type EventCodec, type EventsByName } from '@backbone/contracts';
import { decodeOrDeadLetter, type DeadLetter, type IncomingMessage, type ProjectionHandler } from '@backbone/projection';
import { CLINICAL_EVENT_TYPES, CLINICAL_ITEM_FIELDS, clinicalItemsOf, type ClinicalEventType, type ClinicalItem } from './clinical-item';
import { RECIPIENT_MODEL_FIRST_VERSION, recipientModelTables, type RecipientModelTables } from './recipient-model-tables';

export const RECIPIENT_TOPICS = [...new Set(CLINICAL_EVENT_TYPES.map((type) => EVENT_TOPICS[type])), ACCESS_CHANGES_TOPIC];

const CLINICAL_BY_FULL_NAME = new Map<string, ClinicalEventType>(CLINICAL_EVENT_TYPES.map((type) => [EVENT_TYPES[type], type]));

interface ItemRow {
  patientKey: string;
  item: ClinicalItem;
  eventId: string;
  message: IncomingMessage;
  /** The event as published (the record's Confluent-framed Avro value), stored as it came: see stored-event.ts. */
  content: Buffer;
}

interface StoredItem {
  patientKey: string;
  itemKey: string;
  eventId: string;
  status: string;
  access: DataItem;
  /** New in the patient store: no recipient can hold it yet. */
  inserted?: boolean;
}

/** A (recipient, patient, item) whose row in the recipient's read model must be decided again. */
interface Pair {
  recipientKey: string;
  item: StoredItem;
}

const itemKeyOf = (patientKey: string, itemKey: string) => `${patientKey}\u0000${itemKey}`;
const pairKey = (recipientKey: string, patientKey: string, itemKey: string) => `${recipientKey}\u0000${itemKeyOf(patientKey, itemKey)}`;

/** A staged row's bytes besides its event (keys, names, access as JSON), for sizing the COPY buffer. */
const ROW_BYTES_BESIDE_EVENT = 400;

/** Up to this many items a chunk writes the patient store from parameters; more go through COPY. */
const SMALL_CHUNK = 100;

/** A patient-store row the upsert wrote (inserted: it was new). */
interface WrittenItem {
  patient_key: string;
  item_key: string;
  inserted: boolean;
}

/** Connections whose session has the staging table (it lives as long as the session). */
const stagingCreated = new WeakSet<PoolClient>();

/** Adds a value to the list under a key. */
function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The recipient projector's work on one chunk, inside the transaction that also moves the
 * consumer position: clinical events update the patient store (the latest version of each item,
 * whoever may see it) and are fanned out to the patient's audience; AccessChanged events backfill a
 * recipient from the patient store (GRANTED, CHANGED) or remove the patient from its read model
 * (REVOKED). Each row a recipient gains, changes or loses (kept as a tombstone) takes the
 * recipient's next feed sequence number; nothing changes twice when a chunk is redelivered (the stored position skips it) and nothing gets
 * a number when it did not change (a backfill of what is already there).
 */
export class RecipientProjection implements ProjectionHandler {
  constructor(
    private readonly codec: EventCodec,
    /**
     * The access model in memory, brought up to date by each chunk's own statement: the facts of
     * every patient a chunk touches were read and parsed again for every chunk before (a tenth of
     * the projector's time in a catch-up), though they change rarely.
     */
    private readonly access: AccessModelReader,
    /** Which version's tables this instance writes (a rebuild writes the next version's). */
    private readonly tables: RecipientModelTables = recipientModelTables(RECIPIENT_MODEL_FIRST_VERSION),
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The session's staging table for the patient store, created outside any transaction (a rollback cannot take it). */
  async prepare(connection: PoolClient): Promise<void> {
    if (stagingCreated.has(connection)) return;
    await connection.query(`CREATE TEMP TABLE IF NOT EXISTS patient_item_stage (
      patient_key text, item_key text, event_type text, status text, category text, access jsonb, data_ref text,
      event_id uuid, source_topic text, source_partition int, source_offset bigint, content bytea) ON COMMIT DELETE ROWS`);
    // A value is compressed where it is first stored and copied on as it is: staged with the
    // default (pglz), it would reach the patient store as pglz whatever that table says.
    await connection.query(patientStoreCompression('patient_item_stage', 'lz4'));
    stagingCreated.add(connection);
  }

  async apply(tx: PoolClient, messages: IncomingMessage[]): Promise<DeadLetter[]> {
    const deadLetters: DeadLetter[] = [];
    const items = new Map<string, ItemRow>();
    const changes: Array<{ patientKey: string; recipientKey: string; change: string }> = [];
    for (const message of messages) {
      const read = await decodeOrDeadLetter(message, (value) => this.codec.decodeNamed(value, CLINICAL_ITEM_FIELDS));
      if ('deadLetter' in read) {
        deadLetters.push(read.deadLetter);
        continue;
      }
      const decoded = read.value;
      const eventId = message.headers.eventId;
      if (decoded.name === DERIVED_RECORDS.AccessChanged) {
        const change = decoded.value as { patientKey: string; recipient: { recipientKey: string }; change: string };
        changes.push({ patientKey: change.patientKey, recipientKey: change.recipient.recipientKey, change: change.change });
        continue;
      }
      const type = CLINICAL_BY_FULL_NAME.get(decoded.name);
      if (!type) {
        deadLetters.push({ message, reason: 'UNKNOWN_EVENT_TYPE', detail: `${decoded.name} is not a clinical event`, eventId, eventType: decoded.name });
        continue;
      }
      const event = decoded.value as EventsByName[ClinicalEventType];
      const patientKey = event.envelope.patientKey;
      // Within a chunk (one partition, offset order) the last version of an item wins.
      const content = message.value as Buffer;
      for (const item of clinicalItemsOf(type, event as never)) {
        items.set(itemKeyOf(patientKey, item.itemKey), { patientKey, item, eventId: event.envelope.eventId, message, content });
      }
    }

    // One patient's items and access changes are applied one transaction at a time, whichever
    // instance and partition they come from, so a backfill never misses an item being stored.
    const touched = [...new Set([...[...items.values()].map((i) => i.patientKey), ...changes.map((c) => c.patientKey)])];
    // In the order of the locks themselves (hashes), so two chunks never wait on each other in a circle.
    await tx.query({ name: 'recipient-projection:lock-patients', text: 'SELECT pg_advisory_xact_lock(7101980, h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS locks', values: [touched] });
    const written = await this.storeItems(tx, [...items.values()]);
    const patients = [...new Set([...written.map((i) => i.patientKey), ...changes.map((c) => c.patientKey)])];
    if (patients.length === 0) return deadLetters;
    const audience = await this.audienceOf(tx, patients);

    // What to decide again: each written item for each recipient of its patient (and for those who
    // held it but left the audience); every item of a patient for a recipient whose access changed.
    const pairs = new Map<string, Pair>();
    const removeAll: Array<{ recipientKey: string; patientKey: string }> = [];
    // Every recipient row of the written items (a new item has none): who holds them, and what
    // each recipient has of them, read once for the decisions below.
    const rowsOfWritten = await this.rowsOfItems(tx, written.filter((item) => !item.inserted));
    const holders = new Map<string, string[]>();
    for (const row of rowsOfWritten.values()) if (!row.removed) push(holders, itemKeyOf(row.patient_key, row.item_key), row.recipient_key);
    for (const item of written) {
      const recipients = new Set([...(audience.get(item.patientKey) ?? []), ...(holders.get(itemKeyOf(item.patientKey, item.itemKey)) ?? [])]);
      for (const recipientKey of recipients) pairs.set(pairKey(recipientKey, item.patientKey, item.itemKey), { recipientKey, item });
    }
    const backfills = changes.filter((c) => c.change !== 'REVOKED');
    if (backfills.length > 0) {
      const stored = await this.storedItemsOf(tx, [...new Set(backfills.map((c) => c.patientKey))]);
      for (const { patientKey, recipientKey } of backfills) {
        for (const item of stored.get(patientKey) ?? []) pairs.set(pairKey(recipientKey, patientKey, item.itemKey), { recipientKey, item });
      }
    }
    for (const { patientKey, recipientKey, change } of changes) if (change === 'REVOKED') removeAll.push({ recipientKey, patientKey });

    const now = this.clock();
    const decided = [...pairs.values()].map((pair) => ({
      ...pair,
      hold: recipientMayHold(this.access.index.factsOf(pair.item.patientKey), pair.recipientKey, pair.item.access, now, this.access.table),
    }));
    await this.writeRecipientRows(tx, decided, removeAll, { rows: rowsOfWritten, items: new Set(written.map((item) => itemKeyOf(item.patientKey, item.itemKey))) });
    return deadLetters;
  }

  /** Versioned upsert: a row only moves forward in its partition's offsets. Returns what was written. */
  private async storeItems(tx: PoolClient, rows: ItemRow[]): Promise<StoredItem[]> {
    if (rows.length === 0) return [];
    const written = rows.length <= SMALL_CHUNK ? await this.upsertFromParameters(tx, rows) : await this.upsertThroughStaging(tx, rows);
    // What was written is what this chunk holds in memory (a row kept back by the version check is
    // not returned); xmax = 0 marks a row this statement inserted rather than updated.
    const byKey = new Map(rows.map((r) => [itemKeyOf(r.patientKey, r.item.itemKey), r]));
    return written.map((w) => {
      const row = byKey.get(itemKeyOf(w.patient_key, w.item_key))!;
      return { patientKey: row.patientKey, itemKey: row.item.itemKey, eventId: row.eventId, status: row.item.status, access: row.item.access, inserted: w.inserted };
    });
  }

  /**
   * A large chunk: binary COPY into the session's staging table (see prepare), then one upsert from
   * it. Binary, because the events are most of the bytes: the text format carried them as hex, twice
   * their size, built here into one large string and decoded again by PostgreSQL.
   */
  private async upsertThroughStaging(tx: PoolClient, rows: ItemRow[]): Promise<WrittenItem[]> {
    // Sized for the events and a few hundred bytes of keys and access per row: one allocation, as a rule.
    const copy = new BinaryCopyWriter(rows.reduce((bytes, r) => bytes + r.content.length + ROW_BYTES_BESIDE_EVENT, 64));
    for (const r of rows) {
      copy
        .row(12)
        .text(r.patientKey)
        .text(r.item.itemKey)
        .text(r.item.eventType)
        .text(r.item.status)
        .text(r.item.access.category)
        .jsonb(JSON.stringify(r.item.access))
        .text(r.item.dataRef)
        .uuid(r.eventId)
        .text(r.message.topic)
        .int32(r.message.partition)
        .int64(r.message.offset)
        .bytea(r.content);
    }
    await writeBinaryCopy(tx, 'patient_item_stage', copy.finish());
    return (await tx.query<WrittenItem>({ name: `${this.tables.patientItem}:upsert-staged`, text: this.upsertFrom('SELECT * FROM patient_item_stage') })).rows;
  }

  /**
   * A small chunk (events arriving one by one): one statement with the rows as arrays, since COPY
   * costs two more round trips than it saves at this size.
   */
  private async upsertFromParameters(tx: PoolClient, rows: ItemRow[]): Promise<WrittenItem[]> {
    const { rows: written } = await tx.query<WrittenItem>({
      name: `${this.tables.patientItem}:upsert-parameters`,
      text: this.upsertFrom(`SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::uuid[],
                                           $9::text[], $10::int[], $11::bigint[], $12::bytea[])`),
      values: [
        rows.map((r) => r.patientKey),
        rows.map((r) => r.item.itemKey),
        rows.map((r) => r.item.eventType),
        rows.map((r) => r.item.status),
        rows.map((r) => r.item.access.category),
        rows.map((r) => JSON.stringify(r.item.access)),
        rows.map((r) => r.item.dataRef),
        rows.map((r) => r.eventId),
        rows.map((r) => r.message.topic),
        rows.map((r) => r.message.partition),
        rows.map((r) => r.message.offset),
        rows.map((r) => r.content),
      ],
    });
    return written;
  }

  /** The patient store's versioned upsert from a source of rows in its column order. */
  private upsertFrom(source: string): string {
    return `INSERT INTO ${this.tables.patientItem} AS p (patient_key, item_key, event_type, status, category, access, data_ref, event_id, source_topic, source_partition, source_offset, content)
       ${source}
       ON CONFLICT (patient_key, item_key) DO UPDATE
         SET event_type = excluded.event_type, status = excluded.status, category = excluded.category, access = excluded.access,
             data_ref = excluded.data_ref, event_id = excluded.event_id, source_topic = excluded.source_topic,
             source_partition = excluded.source_partition, source_offset = excluded.source_offset, content = excluded.content, updated_at = now()
         -- Later in its partition wins; from another partition (partitions added) or topic there is no order: the newest write wins.
         WHERE p.source_offset < excluded.source_offset OR p.source_topic <> excluded.source_topic OR p.source_partition <> excluded.source_partition
       RETURNING p.patient_key, p.item_key, (p.xmax = 0) AS inserted`;
  }

  /**
   * The patients' audiences, and in the same statement the access model's changes since the last
   * ones taken (a row of its own): afterwards the in-memory facts are those committed before this
   * statement or later, never older, so a decision is never taken over facts older than the
   * audience it is taken for. (Later facts are harmless: whatever changed them is an access change
   * this projector applies after this chunk, under the same patient lock.)
   */
  private async audienceOf(tx: PoolClient, patients: string[]): Promise<Map<string, string[]>> {
    // The audience as comma-separated text (recipient keys hold no comma): cheaper than an array.
    // The keys as a relation joined by the primary key, not `= ANY($1)`: given the array itself
    // (the first executions' custom plans), PostgreSQL scanned every row and compared each with
    // every key of the chunk.
    const { rows } = await tx.query<{ patient_key: string | null; audience: string | null; changes: AccessChange[] | null }>({
      name: 'recipient-projection:audience-of',
      text: `SELECT NULL AS patient_key, NULL AS audience, ${accessChangesSql('$2', '$3')} AS changes
       UNION ALL
       SELECT a.patient_key, string_agg(a.recipient_key, ','), NULL
         FROM unnest($1::text[]) AS k(patient_key) JOIN access_audience a ON a.patient_key = k.patient_key
        GROUP BY a.patient_key`,
      values: [patients, ...this.access.changesSince()],
    });
    const audience = new Map<string, string[]>();
    let changes: AccessChange[] | null = null;
    for (const r of rows) {
      if (r.patient_key === null) changes = r.changes;
      else if (r.audience) audience.set(r.patient_key, r.audience.split(','));
    }
    await this.access.tookChanges(changes);
    return audience;
  }

  /** Every recipient's row of these items (held or a tombstone), by pair key. */
  private async rowsOfItems(tx: PoolClient, items: StoredItem[]): Promise<Map<string, HeldRow>> {
    if (items.length === 0) return new Map();
    const { rows } = await tx.query<HeldRow>({
      name: `${this.tables.recipientItem}:rows-of-items`,
      text: `SELECT r.recipient_key, r.patient_key, r.item_key, r.event_id, r.category, r.status, r.removed_at IS NOT NULL AS removed FROM ${this.tables.recipientItem} r
         JOIN ROWS FROM (unnest($1::text[]), unnest($2::text[])) AS i(patient_key, item_key) ON r.patient_key = i.patient_key AND r.item_key = i.item_key`,
      values: [items.map((i) => i.patientKey), items.map((i) => i.itemKey)],
    });
    return new Map(rows.map((r) => [pairKey(r.recipient_key, r.patient_key, r.item_key), r]));
  }

  private async storedItemsOf(tx: PoolClient, patients: string[]): Promise<Map<string, StoredItem[]>> {
    const { rows } = await tx.query<{ patient_key: string; item_key: string; event_id: string; status: string; access: Record<string, unknown> }>(
      `SELECT patient_key, item_key, event_id, status, access FROM ${this.tables.patientItem} WHERE patient_key = ANY($1::text[])`,
      [patients],
    );
    const stored = new Map<string, StoredItem[]>();
    for (const r of rows) push(stored, r.patient_key, { patientKey: r.patient_key, itemKey: r.item_key, eventId: r.event_id, status: r.status, access: dataItemFromJson(r.access) });
    return stored;
  }

  /**
   * Applies the decisions against what the recipients hold. An item a recipient gains or that
   * changes, and an item it loses, each take the recipient's next feed number: a loss stays as a
   * tombstone (removed_at), so a system following the feed learns that its copy must go. Unchanged
   * rows are left alone.
   */
  private async writeRecipientRows(
    tx: PoolClient,
    decided: Array<Pair & { hold: boolean }>,
    removeAll: Array<{ recipientKey: string; patientKey: string }>,
    /** Recipient rows read already: every row of these items (pair key to row). */
    known: { rows: Map<string, HeldRow>; items: Set<string> },
  ): Promise<void> {
    const changes = new Map<string, RowChange>();
    // Whatever a revoked recipient still holds of the patient becomes a tombstone.
    if (removeAll.length > 0) {
      const { rows } = await tx.query<HeldRow>(
        `SELECT r.recipient_key, r.patient_key, r.item_key, r.event_id, r.category, r.status, false AS removed FROM ${this.tables.recipientItem} r
           JOIN ROWS FROM (unnest($1::text[]), unnest($2::text[])) AS x(recipient_key, patient_key) ON r.recipient_key = x.recipient_key AND r.patient_key = x.patient_key
          WHERE r.removed_at IS NULL`,
        [removeAll.map((r) => r.recipientKey), removeAll.map((r) => r.patientKey)],
      );
      for (const row of rows) changes.set(pairKey(row.recipient_key, row.patient_key, row.item_key), { ...fromHeld(row), removed: true });
    }
    // Only items that were in the patient store before this chunk can be held already, and only
    // those not read with the written items (a backfill's) are read here.
    const mayBeHeld = decided.filter((d) => !d.item.inserted && !known.items.has(itemKeyOf(d.item.patientKey, d.item.itemKey)));
    const existing =
      mayBeHeld.length === 0
        ? []
        : (
            await tx.query<HeldRow>({
              name: `${this.tables.recipientItem}:rows-of-pairs`,
              text: `SELECT r.recipient_key, r.patient_key, r.item_key, r.event_id, r.category, r.status, r.removed_at IS NOT NULL AS removed FROM ${this.tables.recipientItem} r
                 JOIN ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[])) AS x(recipient_key, patient_key, item_key)
                   ON r.recipient_key = x.recipient_key AND r.patient_key = x.patient_key AND r.item_key = x.item_key`,
              values: [mayBeHeld.map((d) => d.recipientKey), mayBeHeld.map((d) => d.item.patientKey), mayBeHeld.map((d) => d.item.itemKey)],
            })
          ).rows;
    const held = new Map([...known.rows.values(), ...existing].filter((e) => !e.removed).map((e) => [pairKey(e.recipient_key, e.patient_key, e.item_key), e]));
    // The decisions are taken over the access model as it is now, so they override a revocation
    // earlier in the chunk (the recipient may have been granted again since).
    for (const d of decided) {
      const key = pairKey(d.recipientKey, d.item.patientKey, d.item.itemKey);
      const current = held.get(key);
      if (d.hold) {
        if (current && current.event_id === d.item.eventId && current.status === d.item.status) changes.delete(key);
        else changes.set(key, { recipientKey: d.recipientKey, patientKey: d.item.patientKey, itemKey: d.item.itemKey, eventId: d.item.eventId, category: d.item.access.category, status: d.item.status, removed: false });
      } else if (current) changes.set(key, { ...fromHeld(current), removed: true });
    }
    if (changes.size === 0) return;

    // Sequence numbers: one counter row per recipient, moved once per chunk by its changed rows (in
    // key order: chunks of other partitions, applied concurrently, lock the same rows), and the rows
    // written with them, in one statement: the counter stays locked until commit, which keeps a
    // recipient's feed numbers in commit order, so the less that follows it, the better.
    const rows = [...changes.values()].sort((a, b) => (a.recipientKey < b.recipientKey ? -1 : a.recipientKey > b.recipientKey ? 1 : 0));
    await tx.query({
      name: `${this.tables.recipientItem}:write-rows`,
      text: `WITH x AS (
         SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::uuid[]), unnest($5::text[]), unnest($6::text[]), unnest($7::boolean[]))
                  WITH ORDINALITY AS x(recipient_key, patient_key, item_key, event_id, category, status, removed, ord)
       ),
       counts AS (SELECT recipient_key, count(*) AS n FROM x GROUP BY recipient_key),
       moved AS (
         INSERT INTO ${this.tables.recipientSeq} AS s (recipient_key, last_seq) SELECT recipient_key, n FROM counts ORDER BY recipient_key
         ON CONFLICT (recipient_key) DO UPDATE SET last_seq = s.last_seq + excluded.last_seq
         RETURNING s.recipient_key, s.last_seq
       )
       INSERT INTO ${this.tables.recipientItem} AS r (recipient_key, patient_key, item_key, seq, event_id, category, status, removed_at)
       SELECT x.recipient_key, x.patient_key, x.item_key, m.last_seq - c.n + row_number() OVER (PARTITION BY x.recipient_key ORDER BY x.ord),
              x.event_id, x.category, x.status, CASE WHEN x.removed THEN now() END
         FROM x JOIN counts c USING (recipient_key) JOIN moved m USING (recipient_key)
       ON CONFLICT (recipient_key, patient_key, item_key) DO UPDATE
         SET seq = excluded.seq, event_id = excluded.event_id, category = excluded.category, status = excluded.status, removed_at = excluded.removed_at, updated_at = now()`,
      values: [
        rows.map((r) => r.recipientKey),
        rows.map((r) => r.patientKey),
        rows.map((r) => r.itemKey),
        rows.map((r) => r.eventId),
        rows.map((r) => r.category),
        rows.map((r) => r.status),
        rows.map((r) => r.removed),
      ],
    });
  }
}

/** A row of a recipient's read model as read back. */
interface HeldRow {
  recipient_key: string;
  patient_key: string;
  item_key: string;
  event_id: string;
  category: string;
  status: string;
  removed: boolean;
}

/** A row a chunk writes: gained or changed (removed false), or lost (a tombstone). */
interface RowChange {
  recipientKey: string;
  patientKey: string;
  itemKey: string;
  eventId: string;
  category: string;
  status: string;
  removed: boolean;
}

const fromHeld = (row: HeldRow): Omit<RowChange, 'removed'> => ({
  recipientKey: row.recipient_key,
  patientKey: row.patient_key,
  itemKey: row.item_key,
  eventId: row.event_id,
  category: row.category,
  status: row.status,
});
