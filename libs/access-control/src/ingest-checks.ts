import { applyGovernanceEvent, NO_FACTS, type GovernanceEvent, type GovernanceEventType, type RejectionReason } from './facts';

/**
 * Governance events whose faults can be seen without any history: they create a fact (a
 * relationship, a consent, a block, an emergency access), so applying them to a patient with no
 * facts runs every check the projector would, except "already exists". Ingest runs this and answers
 * 422, so a malformed block is refused at the door instead of being dead-lettered later (a
 * dead-lettered block is a block not in force). Ending, withdrawing and lifting need history and
 * are checked by the projector.
 */
export const SELF_CONTAINED_GOVERNANCE_EVENTS: ReadonlySet<GovernanceEventType> = new Set(['CareRelationshipStarted', 'ConsentGiven', 'DataBlocked', 'EmergencyAccessInvoked']);

const FIELD_OF_REASON: Partial<Record<RejectionReason, string>> = {
  VALID_TO_BEFORE_VALID_FROM: 'validTo',
  EMERGENCY_WITHOUT_REASON: 'reason',
  EXPIRES_BEFORE_INVOKED: 'expiresAt',
  NO_PROVISIONS: 'provisions',
  INVALID_PURPOSE: 'purposeOfUse',
};

// An incomplete block names its missing field in the reducer's detail.
const BLOCK_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/practitioner/, 'blockedPractitioner.hprNumber'],
  [/no sperringScope/, 'sperringScope'],
  [/dataCategories/, 'dataCategories'],
  [/documentIds/, 'documentIds'],
  [/organisation/, 'organisation'],
  [/time window|timeWindow/, 'timeWindow'],
];

export interface GovernanceProblem {
  field: string;
  rule: string;
}

/** The problem ingest should answer with, or undefined when the event is acceptable on its own. */
export function governanceEventProblem(governanceEvent: GovernanceEvent): GovernanceProblem | undefined {
  if (!SELF_CONTAINED_GOVERNANCE_EVENTS.has(governanceEvent.type)) return undefined;
  const result = applyGovernanceEvent(NO_FACTS, governanceEvent);
  if (result.ok) return undefined;
  const field =
    FIELD_OF_REASON[result.reason] ??
    (governanceEvent.type === 'ConsentGiven' && result.reason === 'PERIOD_END_BEFORE_START' ? 'period.end' : undefined) ??
    BLOCK_FIELDS.find(([pattern]) => pattern.test(result.detail))?.[1] ??
    '(event)';
  return { field, rule: `${result.detail} (${result.reason})` };
}
