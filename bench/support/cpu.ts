import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) a process and its exited children have used so far; 0 if it is gone.
 * The children count because PostgreSQL's backends come and go (a pool closes idle connections):
 * a backend that exits between two samples would otherwise take its CPU with it and the part's
 * difference could even turn negative. The postmaster collects what its exited backends used.
 */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime, stime, cutime, cstime (fields 14 to 17 of proc_pid_stat(5); the state, field 3, is [0]).
    // Not the children of this process: they are the builds and pgrep, not the load it generates.
    const children = pid === process.pid ? 0 : Number(fields[13]) + Number(fields[14]);
    return (Number(fields[11]) + Number(fields[12]) + children) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Where the CPU goes during a measurement, per part of the system: on two shared cores the
 * question is rarely "how fast is X" and mostly "who used the cores".
 */
export function cpuAccount(parts: Record<string, () => number[]>) {
  const sample = () => Object.fromEntries(Object.entries(parts).map(([name, pids]) => [name, pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
  const before = sample();
  return () => {
    const after = sample();
    return Object.fromEntries(Object.keys(parts).map((name) => [name, Math.round((after[name] - before[name]) * 100) / 100]));
  };
}

export const pidsOf = (user: string): number[] => {
  try {
    return execFileSync('pgrep', ['-u', user], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

export const pidFromFile = (path: string): number[] => {
  try {
    return [Number(readFileSync(path, 'utf8').trim())];
  } catch {
    return [];
  }
};

/** A process and its live children: a clustered app's primary and its workers (HTTP_WORKERS). */
export const withChildren = (pid: number | undefined): number[] => {
  if (!pid) return [];
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)];
  } catch {
    return [pid];
  }
};
