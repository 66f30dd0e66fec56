import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One outbox row per accepted request instead of one per event. A batch of 1,000 events was
 * 1,000 heap and index insertions, 1,000 deletions and 1,000 rows for the relay to parse; now it
 * is one row holding the request's Kafka messages (the Avro values concatenated, with their
 * lengths, ids, types, topics and keys as parallel arrays). PostgreSQL time per event was the
 * largest single cost of the ingest path (see bench/results/ingest.json).
 *
 * Order is unchanged: rows are read in id order, messages within a row in request order, and the
 * per-patient advisory lock in ingest_accept still makes two requests for one patient take ids in
 * commit order.
 *
 * The backlog bound counts events, not rows: every event draws a number from outbox_event_seq and
 * the row keeps the last one, so "last number of the newest row minus first number of the oldest"
 * is an upper bound of the events waiting, read through the primary key alone.
 */
export class OutboxPerRequest1764380000000 implements MigrationInterface {
  name = 'OutboxPerRequest1764380000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE outbox RENAME TO outbox_per_event');
    await db.query('ALTER SEQUENCE outbox_id_seq RENAME TO outbox_per_event_id_seq');
    await db.query('ALTER INDEX outbox_pkey RENAME TO outbox_per_event_pkey');
    await db.query('CREATE SEQUENCE outbox_event_seq');
    await db.query(`
      CREATE TABLE outbox (
        id              bigserial   PRIMARY KEY,
        event_ids       uuid[]      NOT NULL,
        event_types     text[]      NOT NULL,
        topics          text[]      NOT NULL,
        message_keys    text[]      NOT NULL,
        message_values  bytea       NOT NULL,
        value_lengths   int[]       NOT NULL,
        last_event_seq  bigint      NOT NULL,
        event_count     int         NOT NULL CHECK (event_count > 0),
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    // Avro compresses poorly and the row lives for milliseconds: store it out of line, uncompressed.
    await db.query('ALTER TABLE outbox ALTER COLUMN message_values SET STORAGE EXTERNAL');
    await db.query('ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0)');
    // Whatever was waiting when this migration ran keeps its order, one row per event.
    await db.query(`
      INSERT INTO outbox (event_ids, event_types, topics, message_keys, message_values, value_lengths, last_event_seq, event_count, created_at)
      SELECT ARRAY[event_id], ARRAY[event_type], ARRAY[topic], ARRAY[message_key], message_value, ARRAY[length(message_value)],
             nextval('outbox_event_seq'), 1, created_at
        FROM outbox_per_event ORDER BY id`);
    await db.query('DROP TABLE outbox_per_event');

    await db.query('DROP FUNCTION ingest_accept(uuid[], text[], text, bytea, text[], text[], bytea, int[])');
    await db.query(`
      CREATE FUNCTION ingest_accept(
        p_event_ids uuid[], p_event_types text[], p_client_id text, p_shas bytea,
        p_topics text[], p_keys text[], p_values bytea, p_value_lengths int[]
      ) RETURNS TABLE (event_id uuid, inserted boolean, accepted_at timestamptz)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        conflicting uuid[];
        shas bytea[];
        inserted_ids uuid[];
        inserted_at timestamptz[];
        n_inserted int;
      BEGIN
        -- Binary parameters: the hashes (32 bytes each) and the Avro values, each concatenated,
        -- travel as two bytea values instead of arrays the driver would hex-encode as text.
        SELECT array_agg(substring(p_shas FROM (n - 1) * 32 + 1 FOR 32) ORDER BY n) INTO shas
          FROM generate_series(1, cardinality(p_event_ids)) AS n;

        -- Two requests for the same patient take outbox ids in commit order: the second waits here.
        PERFORM pg_advisory_xact_lock(7101977, hashtext(k)) FROM (SELECT DISTINCT unnest(p_keys) AS k ORDER BY 1) AS keys;

        WITH ins AS (
          INSERT INTO ingest_event AS e (event_id, event_type, client_id, body_sha256, topic)
          SELECT i.id, i.type, p_client_id, i.sha, i.topic
            FROM unnest(p_event_ids, p_event_types, shas, p_topics) AS i(id, type, sha, topic)
          ON CONFLICT ON CONSTRAINT ingest_event_pkey DO NOTHING
          RETURNING e.event_id, e.accepted_at)
        SELECT array_agg(ins.event_id), array_agg(ins.accepted_at) INTO inserted_ids, inserted_at FROM ins;
        n_inserted := coalesce(cardinality(inserted_ids), 0);

        -- An eventId accepted before (now or by a concurrent request): the same body is a
        -- duplicate, another body a conflict. Only needed when something was not inserted.
        IF n_inserted < cardinality(p_event_ids) THEN
          SELECT array_agg(e.event_id) INTO conflicting
            FROM ingest_event e JOIN unnest(p_event_ids, shas) AS i(id, sha) ON e.event_id = i.id
           WHERE e.body_sha256 <> i.sha;
          IF conflicting IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'BB409', MESSAGE = array_to_string(conflicting, ',');
          END IF;
        END IF;

        IF n_inserted = cardinality(p_event_ids) THEN
          -- The common case: every event is new, the request's messages are the row as they came.
          INSERT INTO outbox (event_ids, event_types, topics, message_keys, message_values, value_lengths, last_event_seq, event_count)
          VALUES (p_event_ids, p_event_types, p_topics, p_keys, p_values, p_value_lengths,
                  (SELECT max(nextval('outbox_event_seq')) FROM generate_series(1, n_inserted)), n_inserted);
        ELSIF n_inserted > 0 THEN
          INSERT INTO outbox (event_ids, event_types, topics, message_keys, message_values, value_lengths, last_event_seq, event_count)
          SELECT array_agg(i.id ORDER BY i.n), array_agg(i.type ORDER BY i.n), array_agg(i.topic ORDER BY i.n), array_agg(i.key ORDER BY i.n),
                 string_agg(substring(p_values FROM i.start FOR i.len), ''::bytea ORDER BY i.n), array_agg(i.len ORDER BY i.n),
                 (SELECT max(nextval('outbox_event_seq')) FROM generate_series(1, n_inserted)), n_inserted
            FROM (SELECT u.*, (sum(u.len) OVER (ORDER BY u.n) - u.len + 1)::int AS start
                    FROM unnest(p_event_ids, p_event_types, p_topics, p_keys, p_value_lengths) WITH ORDINALITY AS u(id, type, topic, key, len, n)) AS i
           WHERE i.id = ANY(inserted_ids);
        END IF;

        RETURN QUERY
          SELECT i.id, r.id IS NOT NULL, coalesce(r.at, e.accepted_at)
            FROM unnest(p_event_ids) AS i(id)
            LEFT JOIN unnest(inserted_ids, inserted_at) AS r(id, at) ON r.id = i.id
            LEFT JOIN ingest_event e ON e.event_id = i.id AND r.id IS NULL;
      END
      $fn$`);
  }

  async down(): Promise<void> {
    throw new Error('OutboxPerRequest1764380000000 is not reversible: drain the outbox and restore from the previous release instead');
  }
}
