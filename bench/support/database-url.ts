import { existsSync } from 'node:fs';

const SOCKET_DIRECTORY = '/var/run/postgresql';

/**
 * How the benchmarked services reach PostgreSQL: `socket` (its Unix socket, the default where the
 * server runs on this machine, as it does here) or `tcp` (127.0.0.1:5432). BENCH_PG_TRANSPORT
 * chooses. Every query crosses this link at least once; on this 2-core machine loopback TCP cost
 * the query API about a fifth of its throughput (docs/benchmark-history.md).
 */
export function pgTransport(): 'socket' | 'tcp' {
  const chosen = process.env.BENCH_PG_TRANSPORT;
  if (chosen === 'tcp' || chosen === 'socket') return chosen;
  return existsSync(`${SOCKET_DIRECTORY}/.s.PGSQL.5432`) ? 'socket' : 'tcp';
}

/** The URL of a database on this machine's PostgreSQL, over the transport above. */
export function benchDatabaseUrl(name: string, credentials = 'postgres'): string {
  const url = `postgres://${credentials}@127.0.0.1:5432/${name}`;
  return pgTransport() === 'socket' ? `${url}?host=${SOCKET_DIRECTORY}` : url;
}
