import type { Kafka } from 'kafkajs';
import type { ClientBase, Pool } from 'pg';
import { withTransaction } from '@backbone/persistence';

/**
 * Versioned projections. A read model has a name (recipient-model) and versions (1, 2, ...), each
 * with its own tables, consumer group and stored positions ("recipient-model.v2"). A rebuild builds
 * version N+1 beside the live version N from offset 0; when it has caught up, an operator switches
 * readers to it (`ops-cli projections switch`), and retires and later drops N. Readers ask which
 * version is live on every request, so a switch takes effect at once and in one place.
 *
 *  building → live → retired   (exactly one live version per name; the first version is live at once)
 */
export type ProjectionVersionState = 'building' | 'live' | 'retired';

export interface ProjectionVersion {
  name: string;
  version: number;
  state: ProjectionVersionState;
  createdAt: Date;
  liveSince?: Date;
  retiredAt?: Date;
}

/** The name positions and dead letters are kept under: "recipient-model.v2". */
export const projectionName = (name: string, version: number) => `${name}.v${version}`;

interface VersionRow {
  name: string;
  version: number;
  state: ProjectionVersionState;
  created_at: Date;
  live_since: Date | null;
  retired_at: Date | null;
}

const toVersion = (r: VersionRow): ProjectionVersion => ({
  name: r.name,
  version: r.version,
  state: r.state,
  createdAt: r.created_at,
  ...(r.live_since ? { liveSince: r.live_since } : {}),
  ...(r.retired_at ? { retiredAt: r.retired_at } : {}),
});

/**
 * Records that a version exists (a projector starting to build it). The first version of a name
 * becomes live at once; later ones start as building. Returns the version as stored.
 */
export async function registerProjectionVersion(db: ClientBase | Pool, name: string, version: number): Promise<ProjectionVersion> {
  const { rows } = await db.query<VersionRow>(
    `INSERT INTO projection_version (name, version, state, live_since)
     SELECT $1, $2, CASE WHEN live.version IS NULL THEN 'live' ELSE 'building' END, CASE WHEN live.version IS NULL THEN now() END
       FROM (SELECT max(version) AS version FROM projection_version WHERE name = $1 AND state = 'live') AS live
     ON CONFLICT (name, version) DO UPDATE SET name = excluded.name
     RETURNING *`,
    [name, version],
  );
  return toVersion(rows[0]);
}

export async function projectionVersions(db: ClientBase | Pool, name?: string): Promise<ProjectionVersion[]> {
  const { rows } = await db.query<VersionRow>('SELECT * FROM projection_version WHERE $1::text IS NULL OR name = $1 ORDER BY name, version', [name ?? null]);
  return rows.map(toVersion);
}

/** The version readers use now, or undefined when no version of that name has been built. */
export async function liveProjectionVersion(db: ClientBase | Pool, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ version: number }>(`SELECT version FROM projection_version WHERE name = $1 AND state = 'live'`, [name]);
  return rows[0]?.version;
}

/** Makes `version` the live one and retires the one that was live, in one transaction. */
export async function switchLiveProjectionVersion(pool: Pool, name: string, version: number): Promise<{ from?: number; to: number }> {
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<VersionRow>('SELECT * FROM projection_version WHERE name = $1 ORDER BY version FOR UPDATE', [name]);
    const target = rows.find((r) => r.version === version);
    if (!target) throw new ProjectionVersionError(`${projectionName(name, version)} has never been built (known: ${rows.map((r) => r.version).join(', ') || 'none'})`);
    if (target.state === 'live') throw new ProjectionVersionError(`${projectionName(name, version)} is already live`);
    if (target.state === 'retired') throw new ProjectionVersionError(`${projectionName(name, version)} is retired; build a new version instead`);
    const from = rows.find((r) => r.state === 'live')?.version;
    await tx.query(`UPDATE projection_version SET state = 'retired', retired_at = now() WHERE name = $1 AND state = 'live'`, [name]);
    await tx.query(`UPDATE projection_version SET state = 'live', live_since = now() WHERE name = $1 AND version = $2`, [name, version]);
    return { from, to: version };
  });
}

/** A refused version operation: the message says why, for the operator. */
export class ProjectionVersionError extends Error {}

/**
 * How far a projection is behind its topics: per partition, the topic's end minus the position the
 * projection stored (a partition it has never stored counts from the topic's start).
 */
export async function projectionLag(pool: Pool, kafka: Kafka, projection: string, topics: readonly string[]): Promise<{ total: number; partitions: Array<{ topic: string; partition: number; lag: number }> }> {
  const { rows } = await pool.query<{ topic: string; partition: number; next_offset: string }>('SELECT topic, partition, next_offset FROM projection_position WHERE projection = $1', [projection]);
  const stored = new Map(rows.map((r) => [`${r.topic}|${r.partition}`, BigInt(r.next_offset)]));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions: Array<{ topic: string; partition: number; lag: number }> = [];
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        const position = stored.get(`${topic}|${partition}`) ?? BigInt(low);
        partitions.push({ topic, partition, lag: Number(BigInt(high) > position ? BigInt(high) - position : 0n) });
      }
    }
    return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
  } finally {
    await admin.disconnect();
  }
}
