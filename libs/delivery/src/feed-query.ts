import { RECIPIENT_KEY_PATTERN, RECIPIENT_KEY_RULE } from '@backbone/access-control';
import { CONTENT_LEVELS, type ContentLevel } from './subscriber-registry';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

export interface FeedQuery {
  recipient: string;
  /** The raw cursor (checked against the live version later); undefined: from the start. */
  cursor?: string;
  limit: number;
  content: ContentLevel;
}

export interface ParameterError {
  field: string;
  rule: string;
}

export type FeedQueryResult = { ok: true; query: FeedQuery } | { ok: false; errors: ParameterError[] };

const KNOWN = new Set(['recipient', 'cursor', 'limit', 'content']);

/**
 * The feed's query parameters, checked one by one so a 400 names every bad one. `lastEventId`
 * (the SSE Last-Event-ID header, which a browser sends on reconnecting to the same URL) takes the
 * place of the cursor parameter.
 */
export function parseFeedQuery(query: Record<string, unknown>, lastEventId?: string): FeedQueryResult {
  const errors: ParameterError[] = [];
  const single = (field: string): string | undefined => {
    const value = query[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      errors.push({ field, rule: 'must be given once, as plain text' });
      return undefined;
    }
    return value;
  };
  for (const field of Object.keys(query)) {
    if (!KNOWN.has(field)) errors.push({ field: field.slice(0, 64), rule: `is not a parameter of this feed (known: ${[...KNOWN].join(', ')})` });
  }

  const recipient = single('recipient');
  if (recipient === undefined) {
    if (!errors.some((e) => e.field === 'recipient')) errors.push({ field: 'recipient', rule: 'required: ' + RECIPIENT_KEY_RULE });
  } else if (!RECIPIENT_KEY_PATTERN.test(recipient)) errors.push({ field: 'recipient', rule: RECIPIENT_KEY_RULE });

  const cursorParam = single('cursor');
  const cursor = lastEventId !== undefined && lastEventId !== '' ? lastEventId : cursorParam;

  let limit = DEFAULT_PAGE_SIZE;
  const limitText = single('limit');
  if (limitText !== undefined) {
    if (!/^\d{1,7}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_PAGE_SIZE) {
      errors.push({ field: 'limit', rule: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
    } else limit = Number(limitText);
  }

  let content: ContentLevel = 'id-only';
  const contentText = single('content');
  if (contentText !== undefined) {
    if (!(CONTENT_LEVELS as readonly string[]).includes(contentText)) errors.push({ field: 'content', rule: `must be one of ${CONTENT_LEVELS.join(', ')}` });
    else content = contentText as ContentLevel;
  }

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, query: { recipient: recipient!, ...(cursor !== undefined ? { cursor } : {}), limit, content } };
}
