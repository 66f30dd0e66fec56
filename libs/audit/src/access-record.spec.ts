import type { Decision } from '@backbone/access-control';
import { CITIZEN_SCOPE, exampleCitizenClaims, exampleHealthWorkerClaims, principalFromClaims, type Principal } from '@backbone/auth';
import { EVENT_TYPES, SchemaSet } from '@backbone/contracts';
import { dataAccessedEvent, verdictOf, type AccessRecordInput } from './access-record';

const operator = { organisation: { orgNumber: '958935420', reshId: null, herId: null, name: 'Oslo kommune' }, systemId: 'oslo-backbone' };
const at = new Date('2026-11-28T10:00:00Z');

function principal(claims: Record<string, unknown>): Principal {
  const parsed = principalFromClaims({ sub: 's', client_id: 'epj', ...claims }, { allowSyntheticPid: true });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.principal;
}

const permit = (reason: Decision['reason'], flags: Partial<Decision['flags']> = {}, relationshipId?: string): Decision => ({
  effect: 'PERMIT',
  reason,
  facts: { relationshipId },
  flags: { emergency: false, sperringOverride: false, reviewRequired: false, ...flags },
});
const deny = (reason: Decision['reason']): Decision => ({ effect: 'DENY', reason, facts: {}, flags: { emergency: false, sperringOverride: false, reviewRequired: false } });

describe('verdictOf', () => {
  it('denies with the first denial when nothing was shown, and by default when nothing was decided', () => {
    expect(verdictOf([], [deny('DENY_BLOKKERING'), deny('DENY_SPERRING')])).toEqual({ outcome: 'DENY', reasonCode: 'DENY_BLOKKERING', emergency: false, sperringOverride: false });
    expect(verdictOf([], []).reasonCode).toBe('DENY_DEFAULT');
  });

  it('permits with the strongest reason and flags any emergency or sperring opening among the shown items', () => {
    const verdict = verdictOf(
      [permit('PERMIT_CARE_RELATIONSHIP', {}, 'r1'), permit('PERMIT_SPERRING_OPENED_BY_EMERGENCY', { emergency: true, sperringOverride: true }), permit('PERMIT_CARE_RELATIONSHIP')],
      [deny('DENY_SPERRING')],
    );
    expect(verdict).toEqual({ outcome: 'PERMIT', reasonCode: 'PERMIT_SPERRING_OPENED_BY_EMERGENCY', relationshipId: undefined, emergency: true, sperringOverride: true });
    expect(verdictOf([permit('PERMIT_CARE_RELATIONSHIP', {}, 'r1')], []).relationshipId).toBe('r1');
  });
});

describe('dataAccessedEvent', () => {
  const type = SchemaSet.load().type(EVENT_TYPES.DataAccessed);
  const input = (p: Principal): AccessRecordInput => ({
    principal: p,
    patient: { system: 'FNR', value: '13116900216' },
    patientKey: 'pk-1',
    action: 'READ',
    api: 'POST /patients/summary',
    categories: ['LAB'],
    itemIds: ['lab:1'],
    verdict: { outcome: 'PERMIT', reasonCode: 'PERMIT_CARE_RELATIONSHIP', relationshipId: '5b0d7c1e-8a8e-4c55-9a37-3b8f6a0f1c11', emergency: false, sperringOverride: false },
    accessedAt: at,
  });

  it('records a health worker with name, HPR, organisation, department, purpose and decision, valid against the schema', () => {
    const hw = principal(exampleHealthWorkerClaims(at));
    const event = dataAccessedEvent({ ...input(hw), accessId: '0b7c1c52-4a55-4d6c-9d0a-54b3f1c0a001' }, operator);
    expect(type.isValid(event, { errorHook: (path) => { throw new Error(`invalid at ${path.join('.')}`); } })).toBe(true);
    expect(event).toMatchObject({
      actorKind: 'HEALTH_PERSONNEL',
      practitioner: { hprNumber: '9144900', authorization: 'LE', name: 'Lege Legesen' },
      legalEntity: { orgNumber: '993467049', name: 'OSLO UNIVERSITETSSYKEHUS HF' },
      department: { orgNumber: '993467049', reshId: '4001031' },
      purposeOfUse: 'TREAT',
      healthcareService: { code: 'S03' },
      decisionRef: '30F4AB40-5C8E-4E8B-9C4F-8D2B6E3A1F07',
      clientId: 'epj',
      envelope: { eventId: '0b7c1c52-4a55-4d6c-9d0a-54b3f1c0a001', eventType: 'DataAccessed', patientKey: 'pk-1', custodian: operator.organisation },
    });
    expect(event.attestationHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records a citizen and a system client without a person, valid against the schema', () => {
    const citizen = principal({ ...exampleCitizenClaims(), scope: CITIZEN_SCOPE });
    const system = principal({ scope: 'backbone:subscribe' });
    const onBehalfOf = { orgNumber: '993467049', reshId: null, herId: null, name: null };
    for (const event of [dataAccessedEvent(input(citizen), operator), dataAccessedEvent({ ...input(system), action: 'DELIVER', onBehalfOf }, operator)]) {
      expect(type.isValid(event)).toBe(true);
      expect(event.practitioner).toBeNull();
    }
    expect(dataAccessedEvent(input(citizen), operator).actorKind).toBe('CITIZEN');
    expect(dataAccessedEvent({ ...input(system), onBehalfOf }, operator)).toMatchObject({ actorKind: 'SYSTEM', legalEntity: onBehalfOf });
  });
});
