import { createHash } from 'node:crypto';

/**
 * A UUID (version 8, RFC 9562 "custom") from a name: the same name always gives the same id. For
 * records the backbone derives from what it consumes (access changes, dead letters), so a record
 * derived twice from the same input is recognisable as a duplicate downstream.
 */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha256').update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
