import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 if it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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
