import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pgTransport } from './database-url';

export interface Metric {
  value: number;
  unit: string;
  goal?: number;
  better: 'higher' | 'lower';
}

/** The machine a figure was measured on, in one line: figures from other machines are not comparable. */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? 'unknown cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Writes bench/results/<name>.json in the project's results format and prints it. */
export function writeResults(name: string, metrics: Record<string, Metric>, notes?: Record<string, unknown>): void {
  const postgres = pgTransport() === 'socket' ? 'PostgreSQL over its Unix socket' : 'PostgreSQL over TCP 127.0.0.1';
  const result = { name, date: new Date().toISOString(), machine: machine(), metrics, notes: { ...notes, postgres_connection: postgres } };
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}
