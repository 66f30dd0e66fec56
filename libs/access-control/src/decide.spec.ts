import { decide, type Decision } from './decide';
import type { PatientAccessFacts } from './facts';
import { defaultPolicyTable } from './policy-table';
import { REASON_CODES, RULE_REASONS, RULES, type ReasonCode } from './reasons';
import type { DataItem, Requester } from './request';
import {
  AT,
  DOCTOR,
  DIAKONHJEMMET,
  FASTLEGE,
  OTHER_DOCTOR,
  OUS,
  OUS_ED,
  OUS_MEDICINE,
  OUS_ULLEVAL,
  ambulanceRelationship,
  block,
  citizen,
  consent,
  doctor,
  edDoctor,
  emergencyAccess,
  emergencyDepartmentRelationship,
  factsWith,
  fastlege,
  fastlegeRelationship,
  homeCareRelationship,
  homeNurse,
  item,
  minutes,
  paramedic,
  relationship,
  seconds,
  sperring,
} from './test-fixtures';

/*
 * One example per rule and per reason code. Every expectation goes through `expectDecision`, which
 * records the reason, and the last test checks that every reason code was exercised.
 */

const table = defaultPolicyTable();
const seen = new Set<ReasonCode>();

function expectDecision(
  facts: PatientAccessFacts,
  requester: Requester,
  dataItem: DataItem,
  expected: Partial<Decision> & Pick<Decision, 'reason'>,
  at: Date = AT,
): Decision {
  const decision = decide(facts, requester, dataItem, at, table);
  seen.add(decision.reason);
  expect(decision).toMatchObject({ effect: expected.reason.startsWith('PERMIT') ? 'PERMIT' : 'DENY', ...expected });
  return decision;
}

const admitted = factsWith({ relationships: [relationship()] });
const NO_FLAGS = { emergency: false, sperringOverride: false, reviewRequired: false };

describe('decide: requester kind and deny by default', () => {
  it('permits a matching relationship and names it (PERMIT_CARE_RELATIONSHIP)', () => {
    const decision = expectDecision(admitted, doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: 'rel-specialist' } });
    expect(decision.flags).toEqual(NO_FLAGS);
  });

  it('denies when there are no facts at all (DENY_NO_RELATIONSHIP)', () => {
    expectDecision(factsWith(), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP', facts: {} });
  });

  it('denies a requester of unknown kind (DENY_DEFAULT)', () => {
    expectDecision(admitted, { kind: 'robot' } as unknown as Requester, item(), { reason: 'DENY_DEFAULT' });
  });

  it('denies system requesters even where an organisation of theirs has a relationship (DENY_SYSTEM_REQUESTER)', () => {
    expectDecision(admitted, { kind: 'system', clientId: 'ous-dips-arena', legalEntity: OUS }, item(), { reason: 'DENY_SYSTEM_REQUESTER' });
  });
});

describe('decide: security level and attestation', () => {
  it('denies a health worker below security level 4 (DENY_SECURITY_LEVEL)', () => {
    expectDecision(admitted, doctor({ securityLevel: 3 }), item(), { reason: 'DENY_SECURITY_LEVEL' });
  });

  it('denies an attestation exactly 60 minutes old, permits one a millisecond younger (DENY_ATTESTATION_EXPIRED)', () => {
    expectDecision(admitted, doctor({ attestedAt: minutes(-60) }), item(), { reason: 'DENY_ATTESTATION_EXPIRED' });
    expectDecision(admitted, doctor({ attestedAt: new Date(minutes(-60).getTime() + 1) }), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('denies an attestation from the future beyond the 60 s skew, tolerates it within (DENY_ATTESTATION_IN_FUTURE)', () => {
    expectDecision(admitted, doctor({ attestedAt: new Date(seconds(60).getTime() + 1) }), item(), { reason: 'DENY_ATTESTATION_IN_FUTURE' });
    expectDecision(admitted, doctor({ attestedAt: seconds(60) }), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });
});

describe('decide: reservasjon', () => {
  const reservasjon = block({ kind: 'RESERVASJON' });

  it('denies every health worker while active, naming the block (DENY_RESERVASJON)', () => {
    const facts = factsWith({ relationships: [relationship(), fastlegeRelationship()], blocks: [reservasjon] });
    expectDecision(facts, doctor(), item(), { reason: 'DENY_RESERVASJON', facts: { blockId: 'block-reservasjon' } });
    expectDecision(facts, fastlege(), item(), { reason: 'DENY_RESERVASJON' });
  });

  it('is not overridden by emergency access or consent', () => {
    const facts = factsWith({ blocks: [reservasjon], emergencyAccesses: [emergencyAccess()], consents: [consent()] });
    expectDecision(facts, doctor(), item(), { reason: 'DENY_RESERVASJON' });
  });

  it('applies from effectiveFrom until it is lifted', () => {
    const later = factsWith({ relationships: [relationship()], blocks: [block({ kind: 'RESERVASJON', effectiveFrom: minutes(1) })] });
    expectDecision(later, doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    const lifted = factsWith({ relationships: [relationship()], blocks: [block({ kind: 'RESERVASJON', liftedAt: AT })] });
    expectDecision(lifted, doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it("does not hide the citizen's own data from the citizen", () => {
    expectDecision(factsWith({ blocks: [reservasjon] }), citizen(), item(), { reason: 'PERMIT_CITIZEN_OWN_DATA' });
  });
});

describe('decide: blokkering', () => {
  const blokkering = block({ kind: 'BLOKKERING', blockedPractitionerHpr: DOCTOR });

  it('denies the blocked practitioner despite a relationship (DENY_BLOKKERING)', () => {
    expectDecision(factsWith({ relationships: [relationship()], blocks: [blokkering] }), doctor(), item(), {
      reason: 'DENY_BLOKKERING',
      facts: { blockId: 'block-blokkering' },
    });
  });

  it('holds against emergency access and consent, which never lift it', () => {
    const facts = factsWith({
      blocks: [blokkering],
      emergencyAccesses: [emergencyAccess({ overriddenBlockIds: ['block-blokkering'] })],
      consents: [consent({ provisions: [{ actorHprNumber: DOCTOR, purposes: [], dataCategories: [], documentIds: [] }] })],
    });
    expectDecision(facts, doctor({ purposeOfUse: 'BTG' }), item(), { reason: 'DENY_BLOKKERING' });
  });

  it('does not affect other practitioners of the same unit, and ends when lifted', () => {
    const facts = factsWith({ relationships: [relationship()], blocks: [blokkering] });
    expectDecision(facts, doctor({ hprNumber: OTHER_DOCTOR }), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    const lifted = factsWith({ relationships: [relationship()], blocks: [{ ...blokkering, liftedAt: minutes(-1) }] });
    expectDecision(lifted, doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });
});

describe('decide: DENY consents', () => {
  const refusal = consent({
    consentId: 'consent-deny',
    decision: 'DENY',
    provisions: [{ actorOrgNumber: OUS, purposes: [], dataCategories: ['LAB'], documentIds: [] }],
  });

  it('denies what an active DENY consent covers (DENY_CONSENT_DENIED)', () => {
    expectDecision(factsWith({ relationships: [relationship()], consents: [refusal] }), doctor(), item(), {
      reason: 'DENY_CONSENT_DENIED',
      facts: { consentId: 'consent-deny' },
    });
  });

  it('leaves other categories, other organisations and withdrawn refusals alone', () => {
    const facts = factsWith({ relationships: [relationship()], consents: [refusal] });
    expectDecision(facts, doctor(), item({ category: 'IMAGING' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    const withdrawn = factsWith({ relationships: [relationship()], consents: [{ ...refusal, withdrawnAt: minutes(-1) }] });
    expectDecision(withdrawn, doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    const elsewhere = factsWith({ relationships: [relationship({ legalEntity: DIAKONHJEMMET, pointOfCare: undefined })], consents: [refusal] });
    expectDecision(elsewhere, doctor({ legalEntity: DIAKONHJEMMET, pointOfCare: undefined }), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('is not opened by an emergency access', () => {
    const facts = factsWith({ consents: [refusal], emergencyAccesses: [emergencyAccess()] });
    expectDecision(facts, doctor(), item(), { reason: 'DENY_CONSENT_DENIED' });
  });
});

describe('decide: care relationship', () => {
  it('needs the relationship active at `at`: validFrom inclusive, validTo and endedAt exclusive', () => {
    expectDecision(factsWith({ relationships: [relationship({ validFrom: AT })] }), doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(factsWith({ relationships: [relationship({ validFrom: seconds(1) })] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(factsWith({ relationships: [relationship({ validTo: AT })] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP', facts: {} });
    expectDecision(factsWith({ relationships: [relationship({ endedAt: AT })] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(factsWith({ relationships: [relationship({ endedAt: seconds(1) })] }), doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('matches the recipient: legal entity, and point of care and department when named', () => {
    expectDecision(admitted, doctor({ legalEntity: DIAKONHJEMMET }), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(admitted, doctor({ pointOfCare: '874716782' }), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(admitted, doctor({ department: OUS_ED }), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    const wholeHospital = factsWith({ relationships: [relationship({ pointOfCare: undefined, department: undefined })] });
    expectDecision(wholeHospital, doctor({ department: OUS_ED }), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('lets only the named practitioner use a personal relationship (the fastlege), for every category', () => {
    const facts = factsWith({ relationships: [fastlegeRelationship()] });
    for (const category of ['DOCUMENTS', 'MEDICATION', 'LAB', 'IMAGING', 'DHO', 'CRITICAL_INFO', 'AMBULANCE', 'VIDEO', 'OTHER'] as const) {
      expectDecision(facts, fastlege(), item({ category }), { reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: 'rel-fastlege' } });
    }
    expectDecision(facts, fastlege({ hprNumber: OTHER_DOCTOR }), item(), { reason: 'DENY_NO_RELATIONSHIP' });
  });

  it('denies a service the policy table has no row for (DENY_SERVICE_NOT_IN_POLICY)', () => {
    const psychiatry = factsWith({ relationships: [relationship({ healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'PV01' } })] });
    expectDecision(psychiatry, doctor(), item(), { reason: 'DENY_SERVICE_NOT_IN_POLICY', facts: { relationshipId: 'rel-specialist' } });
  });

  it("denies a purpose of use the row does not allow, and BTG without an emergency access (DENY_PURPOSE_NOT_ALLOWED)", () => {
    const homeCare = factsWith({ relationships: [homeCareRelationship()] });
    expectDecision(homeCare, homeNurse({ purposeOfUse: 'ETREAT' }), item({ category: 'MEDICATION' }), { reason: 'DENY_PURPOSE_NOT_ALLOWED' });
    expectDecision(admitted, doctor({ purposeOfUse: 'BTG' }), item(), { reason: 'DENY_PURPOSE_NOT_ALLOWED' });
  });

  it('gives municipal home care home monitoring, medication and critical info only (DENY_CATEGORY_NOT_ALLOWED)', () => {
    const homeCare = factsWith({ relationships: [homeCareRelationship()] });
    for (const category of ['DHO', 'MEDICATION', 'CRITICAL_INFO'] as const) {
      expectDecision(homeCare, homeNurse(), item({ category }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    }
    expectDecision(homeCare, homeNurse({ purposeOfUse: 'COC' }), item({ category: 'DHO' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(homeCare, homeNurse(), item({ category: 'LAB' }), { reason: 'DENY_CATEGORY_NOT_ALLOWED', facts: { relationshipId: 'rel-home-care' } });
    expectDecision(homeCare, homeNurse(), item({ category: 'DOCUMENTS' }), { reason: 'DENY_CATEGORY_NOT_ALLOWED' });
  });

  it('gives specialists documents, medication, lab, imaging, critical info and video, not home monitoring', () => {
    for (const category of ['DOCUMENTS', 'MEDICATION', 'LAB', 'IMAGING', 'CRITICAL_INFO', 'VIDEO'] as const) {
      expectDecision(admitted, doctor(), item({ category }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    }
    expectDecision(admitted, doctor(), item({ category: 'DHO' }), { reason: 'DENY_CATEGORY_NOT_ALLOWED' });
  });

  it('gives the ambulance crew critical info and medication during the mission only', () => {
    const mission = factsWith({ relationships: [ambulanceRelationship()] });
    expectDecision(mission, paramedic(), item({ category: 'CRITICAL_INFO' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(mission, paramedic(), item({ category: 'MEDICATION' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(mission, paramedic(), item({ category: 'DOCUMENTS' }), { reason: 'DENY_CATEGORY_NOT_ALLOWED' });
    expectDecision(mission, paramedic({ purposeOfUse: 'TREAT' }), item({ category: 'MEDICATION' }), { reason: 'DENY_PURPOSE_NOT_ALLOWED' });
    expectDecision(mission, paramedic({ attestedAt: minutes(89) }), item({ category: 'MEDICATION' }), { reason: 'PERMIT_CARE_RELATIONSHIP' }, minutes(89));
    expectDecision(mission, paramedic({ attestedAt: minutes(89) }), item({ category: 'MEDICATION' }), { reason: 'DENY_NO_RELATIONSHIP' }, minutes(90));
  });

  it('gives the emergency department the ambulance journal of its own or a handed-over mission only (DENY_MISSION_NOT_HANDED_OVER)', () => {
    const ed = factsWith({ relationships: [emergencyDepartmentRelationship()] });
    const journal = (overrides: Partial<DataItem>) => item({ itemId: 'amb-1', category: 'AMBULANCE', custodian: OUS, ...overrides });
    expectDecision(ed, edDoctor(), journal({ missionId: 'AMK-1' }), { reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: 'rel-ed' } });
    expectDecision(ed, edDoctor(), journal({ missionId: 'AMK-2', handedOverTo: { orgNumber: OUS, reshId: OUS_ED } }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(ed, edDoctor(), journal({ missionId: 'AMK-2', handedOverTo: { orgNumber: OUS_ULLEVAL } }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(ed, edDoctor(), journal({ missionId: 'AMK-2' }), { reason: 'DENY_MISSION_NOT_HANDED_OVER', facts: { relationshipId: 'rel-ed' } });
    expectDecision(ed, edDoctor(), journal({ missionId: 'AMK-2', handedOverTo: { orgNumber: OUS, reshId: OUS_MEDICINE } }), { reason: 'DENY_MISSION_NOT_HANDED_OVER' });
    expectDecision(ed, edDoctor(), journal({ missionId: 'AMK-2', handedOverTo: { orgNumber: DIAKONHJEMMET } }), { reason: 'DENY_MISSION_NOT_HANDED_OVER' });
    // An ordinary admission sees no ambulance journals at all.
    expectDecision(admitted, doctor(), journal({ missionId: 'AMK-1', handedOverTo: { orgNumber: OUS } }), { reason: 'DENY_CATEGORY_NOT_ALLOWED' });
  });

  it('reports the relationship that came closest when several fail', () => {
    const facts = factsWith({
      relationships: [relationship({ relationshipId: 'rel-old', endedAt: minutes(-5) }), homeCareRelationship({ legalEntity: OUS, pointOfCare: OUS_ULLEVAL })],
    });
    expectDecision(facts, doctor(), item({ category: 'LAB' }), { reason: 'DENY_CATEGORY_NOT_ALLOWED', facts: { relationshipId: 'rel-home-care' } });
  });

  it('reads healthcare service systems with or without the urn:oid: prefix', () => {
    const bare = factsWith({ relationships: [homeCareRelationship({ healthcareService: { system: '2.16.578.1.12.4.1.1.8663', code: 'KP02' } })] });
    expectDecision(bare, homeNurse(), item({ category: 'DHO' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });
});

describe('decide: emergency access', () => {
  const access = emergencyAccess();

  it('permits any category without a relationship, flagged for the citizen and for review (PERMIT_EMERGENCY_ACCESS)', () => {
    const decision = expectDecision(factsWith({ emergencyAccesses: [access] }), doctor({ purposeOfUse: 'BTG' }), item({ category: 'DHO' }), {
      reason: 'PERMIT_EMERGENCY_ACCESS',
      facts: { emergencyAccessId: 'ea-1' },
    });
    expect(decision.flags).toEqual({ emergency: true, sperringOverride: false, reviewRequired: true });
  });

  it('is not used when a relationship already permits', () => {
    const decision = expectDecision(factsWith({ relationships: [relationship()], emergencyAccesses: [access] }), doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expect(decision.flags.emergency).toBe(false);
  });

  it('is time-boxed: from invokedAt, until expiresAt, and never beyond the policy cap', () => {
    expectDecision(factsWith({ emergencyAccesses: [emergencyAccess({ invokedAt: AT })] }), doctor(), item(), { reason: 'PERMIT_EMERGENCY_ACCESS' });
    expectDecision(factsWith({ emergencyAccesses: [emergencyAccess({ invokedAt: seconds(1) })] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(factsWith({ emergencyAccesses: [emergencyAccess({ expiresAt: AT })] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    const long = emergencyAccess({ invokedAt: minutes(-480), expiresAt: minutes(600) });
    expectDecision(factsWith({ emergencyAccesses: [long] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(factsWith({ emergencyAccesses: [long] }), doctor({ attestedAt: minutes(-1, minutes(-1)) }), item(), { reason: 'PERMIT_EMERGENCY_ACCESS' }, minutes(-1));
  });

  it('belongs to its practitioner and legal entity', () => {
    const facts = factsWith({ emergencyAccesses: [access] });
    expectDecision(facts, doctor({ hprNumber: OTHER_DOCTOR }), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(facts, doctor({ legalEntity: DIAKONHJEMMET }), item(), { reason: 'DENY_NO_RELATIONSHIP' });
  });

  it('needs a reason and purpose BTG or ETREAT (facts built without the reducer)', () => {
    expectDecision(factsWith({ emergencyAccesses: [emergencyAccess({ reason: '  ' })] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    const treat = emergencyAccess({ purposeOfUse: 'TREAT' as never });
    expectDecision(factsWith({ emergencyAccesses: [treat] }), doctor(), item(), { reason: 'DENY_NO_RELATIONSHIP' });
    expectDecision(factsWith({ emergencyAccesses: [emergencyAccess({ purposeOfUse: 'ETREAT' })] }), doctor(), item(), { reason: 'PERMIT_EMERGENCY_ACCESS' });
  });
});

describe('decide: restricted confidentiality (R, V, NORS)', () => {
  const forDoctor = consent({ provisions: [{ actorOrgNumber: OUS, actorHprNumber: DOCTOR, purposes: ['TREAT'], dataCategories: [], documentIds: ['doc-7'] }] });
  const restricted = [item({ confidentiality: 'R', documentId: 'doc-7' }), item({ confidentiality: 'V', documentId: 'doc-7' }), item({ restriction: 'NORS', documentId: 'doc-7' })];

  it('denies R, V and NORS items without a covering consent (DENY_RESTRICTED_WITHOUT_CONSENT)', () => {
    for (const dataItem of restricted) {
      expectDecision(admitted, doctor(), dataItem, { reason: 'DENY_RESTRICTED_WITHOUT_CONSENT', facts: { relationshipId: 'rel-specialist' } });
    }
  });

  it('permits them with an active consent covering the practitioner and the document, naming the consent', () => {
    const facts = factsWith({ relationships: [relationship()], consents: [forDoctor] });
    for (const dataItem of restricted) {
      expectDecision(facts, doctor(), dataItem, { reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: 'rel-specialist', consentId: 'consent-1' }, flags: NO_FLAGS });
    }
  });

  it('does not count consents for another practitioner, document, purpose, or outside their period', () => {
    const facts = factsWith({ relationships: [relationship()], consents: [forDoctor] });
    expectDecision(facts, doctor({ hprNumber: OTHER_DOCTOR }), restricted[0], { reason: 'DENY_RESTRICTED_WITHOUT_CONSENT' });
    expectDecision(facts, doctor(), item({ confidentiality: 'R', documentId: 'doc-8' }), { reason: 'DENY_RESTRICTED_WITHOUT_CONSENT' });
    expectDecision(facts, doctor({ purposeOfUse: 'COC' }), restricted[0], { reason: 'DENY_RESTRICTED_WITHOUT_CONSENT' });
    const expired = factsWith({ relationships: [relationship()], consents: [{ ...forDoctor, period: { start: minutes(-60), end: AT } }] });
    expectDecision(expired, doctor(), restricted[0], { reason: 'DENY_RESTRICTED_WITHOUT_CONSENT' });
  });

  it('is not opened by emergency access', () => {
    expectDecision(factsWith({ emergencyAccesses: [emergencyAccess()] }), doctor(), restricted[0], {
      reason: 'DENY_RESTRICTED_WITHOUT_CONSENT',
      facts: { emergencyAccessId: 'ea-1' },
    });
  });
});

describe('decide: sperring', () => {
  const facts = (blocks: ReturnType<typeof sperring>[], extra: Partial<PatientAccessFacts> = {}) => factsWith({ relationships: [relationship()], blocks, ...extra });

  it('closes everything with scope ALL (DENY_SPERRING)', () => {
    expectDecision(facts([sperring()]), doctor(), item(), { reason: 'DENY_SPERRING', facts: { relationshipId: 'rel-specialist', blockId: 'block-sperring' } });
  });

  it('closes listed categories only (CATEGORY)', () => {
    const byCategory = facts([sperring({ sperringScope: 'CATEGORY', dataCategories: ['LAB'] })]);
    expectDecision(byCategory, doctor(), item({ category: 'LAB' }), { reason: 'DENY_SPERRING' });
    expectDecision(byCategory, doctor(), item({ category: 'IMAGING' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('closes listed documents only (DOCUMENT)', () => {
    const byDocument = facts([sperring({ sperringScope: 'DOCUMENT', documentIds: ['doc-1'] })]);
    expectDecision(byDocument, doctor(), item({ category: 'DOCUMENTS', documentId: 'doc-1' }), { reason: 'DENY_SPERRING' });
    expectDecision(byDocument, doctor(), item({ category: 'DOCUMENTS', documentId: 'doc-2' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(byDocument, doctor(), item({ category: 'DOCUMENTS' }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it("closes one organisation's access, by legal entity or point of care (ORGANISATION)", () => {
    expectDecision(facts([sperring({ sperringScope: 'ORGANISATION', organisation: OUS })]), doctor(), item(), { reason: 'DENY_SPERRING' });
    expectDecision(facts([sperring({ sperringScope: 'ORGANISATION', organisation: OUS_ULLEVAL })]), doctor(), item(), { reason: 'DENY_SPERRING' });
    expectDecision(facts([sperring({ sperringScope: 'ORGANISATION', organisation: DIAKONHJEMMET })]), doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('closes data that occurred in the window, start inclusive, end exclusive (TIME_WINDOW)', () => {
    const window = facts([sperring({ sperringScope: 'TIME_WINDOW', timeWindow: { start: minutes(-120), end: minutes(-60) } })]);
    expectDecision(window, doctor(), item({ occurredAt: minutes(-120) }), { reason: 'DENY_SPERRING' });
    expectDecision(window, doctor(), item({ occurredAt: minutes(-60) }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
    expectDecision(window, doctor(), item({ occurredAt: minutes(-121) }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('stops applying when lifted', () => {
    expectDecision(facts([sperring({ liftedAt: AT })]), doctor(), item(), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });

  it('opens with a covering consent, always flagged (PERMIT_SPERRING_OPENED_BY_CONSENT)', () => {
    const decision = expectDecision(facts([sperring()], { consents: [consent()] }), doctor(), item(), {
      reason: 'PERMIT_SPERRING_OPENED_BY_CONSENT',
      facts: { relationshipId: 'rel-specialist', consentId: 'consent-1', blockId: 'block-sperring' },
    });
    expect(decision.flags).toEqual({ emergency: false, sperringOverride: true, reviewRequired: false });
  });

  it('opens with an emergency access of this practitioner naming it, flagged and reviewed (PERMIT_SPERRING_OPENED_BY_EMERGENCY)', () => {
    const named = emergencyAccess({ overriddenBlockIds: ['block-sperring'] });
    const decision = expectDecision(facts([sperring()], { emergencyAccesses: [named] }), doctor(), item(), {
      reason: 'PERMIT_SPERRING_OPENED_BY_EMERGENCY',
      facts: { relationshipId: 'rel-specialist', emergencyAccessId: 'ea-1', blockId: 'block-sperring' },
    });
    expect(decision.flags).toEqual({ emergency: true, sperringOverride: true, reviewRequired: true });
    // Also when the emergency access is the basis itself.
    const noRelationship = factsWith({ blocks: [sperring()], emergencyAccesses: [named] });
    expectDecision(noRelationship, doctor({ purposeOfUse: 'BTG' }), item(), { reason: 'PERMIT_SPERRING_OPENED_BY_EMERGENCY', facts: { emergencyAccessId: 'ea-1' } });
  });

  it('stays closed to an emergency access that names other blocks or none (an empty list opens nothing)', () => {
    expectDecision(facts([sperring()], { emergencyAccesses: [emergencyAccess()] }), doctor(), item(), { reason: 'DENY_SPERRING' });
    expectDecision(facts([sperring()], { emergencyAccesses: [emergencyAccess({ overriddenBlockIds: ['other'] })] }), doctor(), item(), { reason: 'DENY_SPERRING' });
    const others = emergencyAccess({ practitionerHpr: OTHER_DOCTOR, overriddenBlockIds: ['block-sperring'] });
    expectDecision(facts([sperring()], { emergencyAccesses: [others] }), doctor(), item(), { reason: 'DENY_SPERRING' });
  });

  it('needs every applying sperring opened', () => {
    const two = [sperring({ blockId: 's-1' }), sperring({ blockId: 's-2', sperringScope: 'CATEGORY', dataCategories: ['LAB'] })];
    const one = emergencyAccess({ overriddenBlockIds: ['s-1'] });
    expectDecision(facts(two, { emergencyAccesses: [one] }), doctor(), item(), { reason: 'DENY_SPERRING', facts: { blockId: 's-2' } });
    const both = emergencyAccess({ overriddenBlockIds: ['s-2', 's-1'] });
    expectDecision(facts(two, { emergencyAccesses: [both] }), doctor(), item(), { reason: 'PERMIT_SPERRING_OPENED_BY_EMERGENCY', facts: { blockId: 's-1' } });
  });

  it('fails closed on a sperring whose target is missing (facts built without the reducer)', () => {
    expectDecision(facts([sperring({ sperringScope: 'CATEGORY', dataCategories: [] })]), doctor(), item(), { reason: 'DENY_SPERRING' });
    expectDecision(facts([sperring({ sperringScope: undefined })]), doctor(), item(), { reason: 'DENY_SPERRING' });
  });
});

describe('decide: citizen', () => {
  it('sees their own data whatever the blocks say (PERMIT_CITIZEN_OWN_DATA)', () => {
    const blocked = factsWith({ blocks: [block({ kind: 'RESERVASJON' }), sperring(), block({ kind: 'BLOKKERING', blockedPractitionerHpr: FASTLEGE })] });
    expectDecision(blocked, citizen(), item({ confidentiality: 'V', restriction: 'NORS' }), { reason: 'PERMIT_CITIZEN_OWN_DATA', flags: NO_FLAGS });
  });

  it("does not see someone else's data (DENY_CITIZEN_NOT_PATIENT)", () => {
    expectDecision(factsWith(), citizen({ isPatient: false }), item(), { reason: 'DENY_CITIZEN_NOT_PATIENT' });
  });

  it('needs security level 4 like health workers', () => {
    expectDecision(factsWith(), citizen({ securityLevel: 3 }), item(), { reason: 'DENY_SECURITY_LEVEL' });
  });

  it('does not see an item before its release time, and is told when it will be released (DENY_NOT_RELEASED_TO_CITIZEN)', () => {
    const decision = expectDecision(factsWith(), citizen(), item({ releaseToCitizenAt: seconds(1) }), { reason: 'DENY_NOT_RELEASED_TO_CITIZEN' });
    expect(decision.flags.hiddenFromCitizenUntil).toEqual(seconds(1));
    expectDecision(factsWith(), citizen(), item({ releaseToCitizenAt: AT }), { reason: 'PERMIT_CITIZEN_OWN_DATA' });
  });

  it('does not see a NORU item until a release time has passed', () => {
    const decision = expectDecision(factsWith(), citizen(), item({ restriction: 'NORU' }), { reason: 'DENY_NOT_RELEASED_TO_CITIZEN' });
    expect(decision.flags.hiddenFromCitizenUntil).toBeUndefined();
    expectDecision(factsWith(), citizen(), item({ restriction: 'NORU', releaseToCitizenAt: minutes(-1) }), { reason: 'PERMIT_CITIZEN_OWN_DATA' });
    expectDecision(factsWith(), citizen(), item({ restriction: 'NORU', releaseToCitizenAt: minutes(1) }), { reason: 'DENY_NOT_RELEASED_TO_CITIZEN' });
  });

  it('does not hide NORU items from health workers', () => {
    expectDecision(admitted, doctor(), item({ restriction: 'NORU', releaseToCitizenAt: minutes(60) }), { reason: 'PERMIT_CARE_RELATIONSHIP' });
  });
});

describe('decide: housekeeping', () => {
  it('is deterministic and does not change its inputs', () => {
    const facts = factsWith({ relationships: [relationship()], blocks: [sperring()], consents: [consent()] });
    const snapshot = JSON.stringify(facts);
    expect(decide(facts, doctor(), item(), AT, table)).toEqual(decide(facts, doctor(), item(), AT, table));
    expect(JSON.stringify(facts)).toBe(snapshot);
  });

  it('relates each reason code to exactly one rule', () => {
    const owners = REASON_CODES.map((code) => RULES.filter((rule) => RULE_REASONS[rule].includes(code)));
    expect(owners.filter((o) => o.length !== 1)).toEqual([]);
  });

  it('exercised every reason code above', () => {
    expect(REASON_CODES.filter((code) => !seen.has(code))).toEqual([]);
  });
});

