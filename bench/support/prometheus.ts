/** Cumulative bucket counts of one Prometheus histogram, as a service's /metrics shows them. */
export type Buckets = Map<number, number>;

/** Reads the histogram `name` (the series whose labels include every `labels` pair) from a /metrics URL. */
export async function histogramAt(url: string, name: string, labels: Record<string, string> = {}): Promise<Buckets> {
  const text = await (await fetch(url)).text();
  const buckets: Buckets = new Map();
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const match = /le="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (!match || !wanted.every((pair) => line.includes(pair))) continue;
    buckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  }
  return buckets;
}

/**
 * The bucket bound under which p percent of the observations made between two readings fall: the
 * histogram's resolution, so "p99 <= 0.25 s" and not an exact figure.
 */
export function bucketPercentile(before: Buckets, after: Buckets, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  const index = counts.findIndex((count) => count >= (p / 100) * total);
  return total === 0 || index < 0 ? NaN : bounds[index];
}
