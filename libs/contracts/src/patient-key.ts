import { createHmac } from 'node:crypto';

/** Minimum secret length: a short secret would let anyone with the patient list brute-force the keys. */
export const PATIENT_KEY_SECRET_MIN_LENGTH = 32;

/**
 * The pseudonymous patient key: HMAC-SHA256 of the identifier value with the backbone's secret,
 * base64url (43 characters). It is the Kafka key of every patient event, so all of a patient's
 * events of one topic land in one partition, in order, without an identity number ever appearing
 * in a key, a header or a log. Only holders of the secret can link a key back to a person, and
 * only by recomputing it from a known identifier. The same person always gets the same key, so the
 * secret must never change for the life of the topics (rotating it would split every patient's
 * history in two).
 */
export function patientKey(secret: string, identifierValue: string): string {
  if (secret.length < PATIENT_KEY_SECRET_MIN_LENGTH) {
    throw new Error(`the patient key secret must be at least ${PATIENT_KEY_SECRET_MIN_LENGTH} characters`);
  }
  return createHmac('sha256', secret).update(identifierValue.trim(), 'utf8').digest('base64url');
}

/**
 * patientKey with a bounded memory of recent patients, for the ingest hot path: a source system
 * sends many events for the same patients, and an HMAC costs several microseconds where a map
 * lookup costs a fraction of one. When full, the memory starts over (no LRU bookkeeping per hit).
 */
export function cachedPatientKeys(secret: string, capacity = 50_000): (identifierValue: string) => string {
  patientKey(secret, ''); // checks the secret once, up front
  const known = new Map<string, string>();
  return (identifierValue) => {
    let key = known.get(identifierValue);
    if (key === undefined) {
      if (known.size >= capacity) known.clear();
      key = patientKey(secret, identifierValue);
      known.set(identifierValue, key);
    }
    return key;
  };
}
