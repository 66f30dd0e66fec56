import { decide } from './decide';
import { explain, formatExplanation } from './explain';
import { defaultPolicyTable } from './policy-table';
import { AT, DOCTOR, citizen, consent, doctor, emergencyAccess, factsWith, homeCareRelationship, item, relationship, sperring, block } from './test-fixtures';

const table = defaultPolicyTable();

describe('explain', () => {
  it('lists every rule evaluated, in order, ending with the decision decide gives', () => {
    const facts = factsWith({ relationships: [relationship()], blocks: [sperring()], consents: [consent()] });
    const explanation = explain(facts, doctor(), item(), AT, table);
    expect(explanation.decision).toEqual(decide(facts, doctor(), item(), AT, table));
    expect(explanation.steps.map((s) => s.rule)).toEqual([
      'requester-kind',
      'security-level',
      'attestation',
      'reservasjon',
      'blokkering',
      'consent-denied',
      'care-relationship',
      'restricted-confidentiality',
      'sperring',
      'decision',
    ]);
    expect(explanation.steps.at(-1)).toMatchObject({ outcome: 'PERMIT', reason: 'PERMIT_SPERRING_OPENED_BY_CONSENT' });
    expect(explanation.policy).toEqual({ version: 1, effectiveFrom: table.effectiveFrom });
  });

  it('names the facts each rule looked at and what it made of them', () => {
    const facts = factsWith({
      relationships: [relationship({ relationshipId: 'rel-ended', endedAt: AT }), homeCareRelationship()],
      emergencyAccesses: [emergencyAccess({ practitionerHpr: '1111111' })],
    });
    const explanation = explain(facts, doctor(), item(), AT, table);
    expect(explanation.decision.reason).toBe('DENY_NO_RELATIONSHIP');
    const relationships = explanation.steps.find((s) => s.rule === 'care-relationship')!;
    expect(relationships).toMatchObject({ outcome: 'NONE', reason: 'DENY_NO_RELATIONSHIP' });
    expect(relationships.facts).toEqual([
      { kind: 'relationship', id: 'rel-ended', verdict: 'not active at this time' },
      { kind: 'relationship', id: 'rel-home-care', verdict: expect.stringContaining('another recipient') },
    ]);
    const emergency = explanation.steps.find((s) => s.rule === 'emergency-access')!;
    expect(emergency.facts).toEqual([{ kind: 'emergency-access', id: 'ea-1', verdict: expect.stringContaining('another practitioner') }]);
  });

  it('stops at the deciding rule', () => {
    const facts = factsWith({ relationships: [relationship()], blocks: [block({ kind: 'BLOKKERING', blockedPractitionerHpr: DOCTOR })] });
    const explanation = explain(facts, doctor(), item(), AT, table);
    expect(explanation.steps.map((s) => `${s.rule}:${s.outcome}`).slice(-2)).toEqual(['blokkering:DENY', 'decision:DENY']);
    expect(explanation.steps.find((s) => s.rule === 'blokkering')!.facts).toEqual([{ kind: 'block', id: 'block-blokkering', verdict: 'active blokkering of this practitioner' }]);
  });

  it('explains a citizen withheld item with its release time', () => {
    const explanation = explain(factsWith(), citizen(), item({ releaseToCitizenAt: new Date('2026-11-27T10:00:00Z') }), AT, table);
    expect(formatExplanation(explanation).join('\n')).toContain('withheld until 2026-11-27T10:00:00.000Z');
  });

  it('formats readable lines', () => {
    const facts = factsWith({ relationships: [relationship()], blocks: [sperring()] });
    const lines = formatExplanation(explain(facts, doctor(), item(), AT, table));
    expect(lines[0]).toBe('DENY DENY_SPERRING at 2026-11-20T10:00:00.000Z (policy table v1 from 2025-01-01T00:00:00.000Z)');
    expect(lines[1]).toMatch(/^requester: health worker HPR 9144900 at 993467049\/974589095\/4001031, TREAT/);
    expect(lines[2]).toMatch(/^item: LAB lab-1, custodian 993467049, confidentiality N/);
    expect(lines).toContainEqual(expect.stringMatching(/^ 9\. sperring\s+DENY\s+sperring block-sperring closes this item \[DENY_SPERRING]$/));
    expect(lines).toContainEqual('      block block-sperring: ALL sperring applies; no consent or emergency access opens it');
    expect(lines.at(-1)).toMatch(/decision\s+DENY\s+facts: relationshipId=rel-specialist, blockId=block-sperring; no flags \[DENY_SPERRING]$/);
  });
});
