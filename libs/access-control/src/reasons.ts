/*
 * The closed vocabulary of decisions: every answer carries exactly one reason code, and every rule
 * has its codes. The audit event (DataAccessed.reasonCode) and the citizen's access log use them.
 */

export const REASON_CODES = [
  'PERMIT_CARE_RELATIONSHIP',
  'PERMIT_EMERGENCY_ACCESS',
  'PERMIT_SPERRING_OPENED_BY_CONSENT',
  'PERMIT_SPERRING_OPENED_BY_EMERGENCY',
  'PERMIT_CITIZEN_OWN_DATA',
  'DENY_DEFAULT',
  'DENY_SYSTEM_REQUESTER',
  'DENY_SECURITY_LEVEL',
  'DENY_ATTESTATION_EXPIRED',
  'DENY_ATTESTATION_IN_FUTURE',
  'DENY_RESERVASJON',
  'DENY_BLOKKERING',
  'DENY_CONSENT_DENIED',
  'DENY_NO_RELATIONSHIP',
  'DENY_SERVICE_NOT_IN_POLICY',
  'DENY_PURPOSE_NOT_ALLOWED',
  'DENY_CATEGORY_NOT_ALLOWED',
  'DENY_MISSION_NOT_HANDED_OVER',
  'DENY_RESTRICTED_WITHOUT_CONSENT',
  'DENY_SPERRING',
  'DENY_CITIZEN_NOT_PATIENT',
  'DENY_NOT_RELEASED_TO_CITIZEN',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export type PermitReason = Extract<ReasonCode, `PERMIT_${string}`>;
export type DenyReason = Extract<ReasonCode, `DENY_${string}`>;

/** The rules in the order the engine evaluates them. */
export const RULES = [
  'requester-kind',
  'security-level',
  'attestation',
  'reservasjon',
  'blokkering',
  'consent-denied',
  'care-relationship',
  'emergency-access',
  'restricted-confidentiality',
  'sperring',
  'citizen-is-patient',
  'citizen-release',
  'decision',
] as const;
export type RuleName = (typeof RULES)[number];

/** Which rule answers with which codes; a test checks that every code belongs to exactly one rule. */
export const RULE_REASONS: Readonly<Record<RuleName, readonly ReasonCode[]>> = {
  'requester-kind': ['DENY_SYSTEM_REQUESTER', 'DENY_DEFAULT'],
  'security-level': ['DENY_SECURITY_LEVEL'],
  attestation: ['DENY_ATTESTATION_EXPIRED', 'DENY_ATTESTATION_IN_FUTURE'],
  reservasjon: ['DENY_RESERVASJON'],
  blokkering: ['DENY_BLOKKERING'],
  'consent-denied': ['DENY_CONSENT_DENIED'],
  'care-relationship': [
    'PERMIT_CARE_RELATIONSHIP',
    'DENY_NO_RELATIONSHIP',
    'DENY_SERVICE_NOT_IN_POLICY',
    'DENY_PURPOSE_NOT_ALLOWED',
    'DENY_CATEGORY_NOT_ALLOWED',
    'DENY_MISSION_NOT_HANDED_OVER',
  ],
  'emergency-access': ['PERMIT_EMERGENCY_ACCESS'],
  'restricted-confidentiality': ['DENY_RESTRICTED_WITHOUT_CONSENT'],
  sperring: ['DENY_SPERRING', 'PERMIT_SPERRING_OPENED_BY_CONSENT', 'PERMIT_SPERRING_OPENED_BY_EMERGENCY'],
  'citizen-is-patient': ['DENY_CITIZEN_NOT_PATIENT'],
  'citizen-release': ['DENY_NOT_RELEASED_TO_CITIZEN', 'PERMIT_CITIZEN_OWN_DATA'],
  decision: [],
};

/**
 * Denials about the requester alone, whatever the patient (no person behind the call, too low a
 * security level, a stale attestation): an API may say them, since they reveal nothing about the
 * patient. Every other denial is answered as "not found".
 */
export const REQUESTER_DENIALS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'DENY_DEFAULT',
  'DENY_SYSTEM_REQUESTER',
  'DENY_SECURITY_LEVEL',
  'DENY_ATTESTATION_EXPIRED',
  'DENY_ATTESTATION_IN_FUTURE',
]);
