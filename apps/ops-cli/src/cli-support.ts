import type { Pool } from 'pg';
import { pgPoolOf } from '@backbone/persistence';
import { stackClients } from './stack-clients';

/** A whole-number argument or option, or an error that names it and the rule. */
export function wholeNumber(text: string, what: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new Error(`${what}: a whole number of at least ${min}, not ${text}`);
  return value;
}

/** An ISO-8601 time option, or an error that names it. */
export function isoTime(text: string, what: string): Date {
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw new Error(`${what}: not an ISO-8601 time: ${text}`);
  return value;
}

/** Runs `work` with a pool on the database (migrated), and the stack's clients; closes them after. */
export async function withPool<T>(work: (pool: Pool, clients: ReturnType<typeof stackClients>) => Promise<T>): Promise<T> {
  const clients = stackClients();
  await clients.dataSource.initialize();
  try {
    return await work(pgPoolOf(clients.dataSource), clients);
  } finally {
    await clients.dataSource.destroy();
  }
}
