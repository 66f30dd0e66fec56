import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox relay's read of one round, as a function. The relay reads by binary COPY (the values
 * as stored, not as hex text), and COPY takes neither parameters nor prepared statements: the
 * round's query was planned on every round, 1.8 ms of PostgreSQL's CPU against 0.5 ms to run it,
 * a hundred times a second under a trickle of single events and audit records. A PL/pgSQL
 * function keeps its plan for the session, and planning `SELECT * FROM outbox_round(n)` is trivial.
 *
 * Rows in id order until the round holds p_limit events; the first row always, so a request larger
 * than the limit still goes. The arrays come as comma-separated text (none of their values holds a
 * comma: uuids, type and topic names, base64url keys, numbers).
 */
export class OutboxRoundFunction1764500000000 implements MigrationInterface {
  name = 'OutboxRoundFunction1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION outbox_round(p_limit int)
      RETURNS TABLE (id bigint, event_ids text, event_types text, topics text, message_keys text, message_values bytea,
                     value_lengths text, event_count int, created_ms float8)
      LANGUAGE plpgsql STABLE AS $$
      BEGIN
        RETURN QUERY
          SELECT r.id, array_to_string(r.event_ids, ','), array_to_string(r.event_types, ','), array_to_string(r.topics, ','),
                 array_to_string(r.message_keys, ','), r.message_values, array_to_string(r.value_lengths, ','), r.event_count,
                 (extract(epoch FROM r.created_at) * 1000)::float8
            FROM (SELECT o.*, sum(o.event_count) OVER (ORDER BY o.id) AS running FROM outbox o ORDER BY o.id LIMIT p_limit) AS r
           WHERE r.running - r.event_count < p_limit
           ORDER BY r.id;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION outbox_round(int)');
  }
}
