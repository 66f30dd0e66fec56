import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accepting events in one round trip: the idempotency check, the per-patient ordering lock, the
 * idempotency record and the outbox rows, atomically, in one function call. No NOTIFY: a
 * notifying transaction takes a database-wide lock at commit, which serialised every accepting
 * transaction behind one fsync each; the relay polls instead.
 * A different body under a used eventId raises SQLSTATE BB409 and nothing is written.
 */
export class IngestAcceptFunction1764360000000 implements MigrationInterface {
  name = 'IngestAcceptFunction1764360000000';

  async up(db: QueryRunner): Promise<void> {
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
      BEGIN
        -- Binary parameters: the hashes (32 bytes each) and the Avro values, each concatenated,
        -- travel as two bytea values instead of arrays the driver would hex-encode as text.
        SELECT array_agg(substring(p_shas FROM (n - 1) * 32 + 1 FOR 32) ORDER BY n) INTO shas
          FROM generate_series(1, cardinality(p_event_ids)) AS n;
        SELECT array_agg(e.event_id) INTO conflicting
          FROM ingest_event e JOIN unnest(p_event_ids, shas) AS i(id, sha) ON e.event_id = i.id
         WHERE e.body_sha256 <> i.sha;
        IF conflicting IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = 'BB409', MESSAGE = array_to_string(conflicting, ',');
        END IF;

        -- Two requests for the same patient take outbox ids in commit order: the second waits here.
        PERFORM pg_advisory_xact_lock(7101977, hashtext(k)) FROM (SELECT DISTINCT unnest(p_keys) AS k ORDER BY 1) AS keys;

        WITH ins AS (
          INSERT INTO ingest_event AS e (event_id, event_type, client_id, body_sha256, topic)
          SELECT i.id, i.type, p_client_id, i.sha, i.topic
            FROM unnest(p_event_ids, p_event_types, shas, p_topics) AS i(id, type, sha, topic)
          ON CONFLICT ON CONSTRAINT ingest_event_pkey DO NOTHING
          RETURNING e.event_id, e.accepted_at)
        SELECT array_agg(ins.event_id), array_agg(ins.accepted_at) INTO inserted_ids, inserted_at FROM ins;

        -- A concurrent request accepted one of these ids first: the same body is a duplicate,
        -- another body a conflict.
        SELECT array_agg(e.event_id) INTO conflicting
          FROM ingest_event e JOIN unnest(p_event_ids, shas) AS i(id, sha) ON e.event_id = i.id
         WHERE e.body_sha256 <> i.sha;
        IF conflicting IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = 'BB409', MESSAGE = array_to_string(conflicting, ',');
        END IF;

        INSERT INTO outbox (event_id, event_type, topic, message_key, message_value)
        SELECT i.id, i.type, i.topic, i.key, substring(p_values FROM i.start FOR i.len)
          FROM (SELECT u.*, (sum(u.len) OVER (ORDER BY u.n) - u.len + 1)::int AS start
                  FROM unnest(p_event_ids, p_event_types, p_topics, p_keys, p_value_lengths) WITH ORDINALITY AS u(id, type, topic, key, len, n)) AS i
         WHERE i.id = ANY(inserted_ids)
         ORDER BY i.n;

        RETURN QUERY
          SELECT i.id, r.id IS NOT NULL, coalesce(r.at, e.accepted_at)
            FROM unnest(p_event_ids) AS i(id)
            LEFT JOIN unnest(inserted_ids, inserted_at) AS r(id, at) ON r.id = i.id
            LEFT JOIN ingest_event e ON e.event_id = i.id AND r.id IS NULL;
      END
      $fn$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION ingest_accept(uuid[], text[], text, bytea, text[], text[], bytea, int[])');
  }
}
