/*
 * The feed cursor: where a subscriber stands in a recipient's feed. Opaque to the subscriber
 * (base64url of a small JSON), because feed numbers belong to one version of the read model: a
 * rebuild numbers everything anew, so a cursor carries the version it was made in and a cursor
 * from another version is refused rather than silently skipping or replaying entries.
 *
 *   v  the read model version
 *   s  the feed number read up to (entries withheld at delivery time are read past, not shown)
 *   p  the feed number of the last entry delivered in this chain (the next entry's previousSeq),
 *      or null before the first
 */
export interface FeedCursor {
  readonly version: number;
  readonly readSeq: bigint;
  readonly deliveredSeq: bigint | null;
}

export type CursorResult = { ok: true; cursor: FeedCursor } | { ok: false; rule: string };

const MAX_SEQ = 2n ** 63n - 1n;
const MAX_CURSOR_LENGTH = 200;
const DECIMAL = /^(0|[1-9]\d{0,18})$/;

/** The start of a version's feed: before its first entry. */
export const feedStart = (version: number): FeedCursor => ({ version, readSeq: 0n, deliveredSeq: null });

export function encodeCursor(cursor: FeedCursor): string {
  const json = JSON.stringify({ v: cursor.version, s: cursor.readSeq.toString(), p: cursor.deliveredSeq === null ? null : cursor.deliveredSeq.toString() });
  return Buffer.from(json, 'utf8').toString('base64url');
}

function seqOf(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const seq = BigInt(value);
  return seq <= MAX_SEQ ? seq : undefined;
}

/**
 * Reads a cursor a subscriber sent back, and checks that it belongs to `liveVersion`. Every
 * refusal says which rule the value breaks (the caller names the parameter).
 */
export function decodeCursor(text: string, liveVersion: number): CursorResult {
  const malformed: CursorResult = { ok: false, rule: 'must be a cursor returned by this feed (nextCursor, or an SSE event id), unchanged' };
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) return malformed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return malformed;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return malformed;
  const { v, s, p } = parsed as Record<string, unknown>;
  const readSeq = seqOf(s);
  const deliveredSeq = p === null ? null : seqOf(p);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || readSeq === undefined || deliveredSeq === undefined) return malformed;
  if (deliveredSeq !== null && deliveredSeq > readSeq) return malformed;
  if (v !== liveVersion) {
    return { ok: false, rule: `belongs to version ${v} of the read model, which is no longer served (now ${liveVersion}); start again without a cursor` };
  }
  return { ok: true, cursor: { version: v, readSeq, deliveredSeq } };
}
