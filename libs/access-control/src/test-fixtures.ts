import type { Block, CareRelationship, Consent, EmergencyAccess, PatientAccessFacts } from './facts';
import type { CitizenRequester, DataItem, HealthWorkerRequester } from './request';

/*
 * Builders for the unit tests (not exported from the library). Organisation numbers are those of
 * the repository's synthetic examples; the HPR numbers are invented.
 */

export const AT = new Date('2026-11-20T10:00:00.000Z');
export const minutes = (n: number, from: Date = AT) => new Date(from.getTime() + n * 60_000);
export const seconds = (n: number, from: Date = AT) => new Date(from.getTime() + n * 1000);

export const OUS = '993467049'; // Oslo universitetssykehus HF
export const OUS_ULLEVAL = '974589095'; // its point of care
export const OUS_MEDICINE = '4001031'; // RESH, a medical department
export const OUS_ED = '4001032'; // RESH, the emergency department (synthetic)
export const DIAKONHJEMMET = '982791952';
export const OSLO_KOMMUNE = '958935420';
export const HOME_CARE_GAMLE_OSLO = '934567897';
export const GP_OFFICE = '923456783';
export const AMBULANCE_SERVICE = OUS;

export const DOCTOR = '9144900';
export const NURSE = '9144897';
export const FASTLEGE = '7654321';
export const PARAMEDIC = '5566778';
export const OTHER_DOCTOR = '2345678';

export const V8655 = 'urn:oid:2.16.578.1.12.4.1.1.8655';
export const V8663 = 'urn:oid:2.16.578.1.12.4.1.1.8663';

export function relationship(overrides: Partial<CareRelationship> = {}): CareRelationship {
  return {
    relationshipId: 'rel-specialist',
    legalEntity: OUS,
    pointOfCare: OUS_ULLEVAL,
    department: OUS_MEDICINE,
    healthcareService: { system: V8655, code: 'S03' },
    purposeOfUse: 'TREAT',
    decisionRef: 'INNLEGGELSE-1',
    basis: 'ADMISSION',
    validFrom: minutes(-24 * 60),
    ...overrides,
  };
}

export const homeCareRelationship = (overrides: Partial<CareRelationship> = {}) =>
  relationship({
    relationshipId: 'rel-home-care',
    legalEntity: OSLO_KOMMUNE,
    pointOfCare: HOME_CARE_GAMLE_OSLO,
    department: undefined,
    healthcareService: { system: V8663, code: 'KP02' },
    basis: 'HOME_CARE_DECISION',
    decisionRef: 'VEDTAK-2026-11-0142',
    ...overrides,
  });

export const fastlegeRelationship = (overrides: Partial<CareRelationship> = {}) =>
  relationship({
    relationshipId: 'rel-fastlege',
    legalEntity: GP_OFFICE,
    pointOfCare: undefined,
    department: undefined,
    practitionerHpr: FASTLEGE,
    healthcareService: { system: V8663, code: 'KA01' },
    basis: 'GP_LIST',
    decisionRef: 'FASTLEGELISTE',
    ...overrides,
  });

export const ambulanceRelationship = (overrides: Partial<CareRelationship> = {}) =>
  relationship({
    relationshipId: 'rel-ambulance',
    legalEntity: AMBULANCE_SERVICE,
    pointOfCare: undefined,
    department: undefined,
    healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8666', code: 'AMB' },
    purposeOfUse: 'ETREAT',
    basis: 'AMBULANCE_MISSION',
    missionId: 'AMK-1',
    validFrom: minutes(-30),
    validTo: minutes(90),
    ...overrides,
  });

export const emergencyDepartmentRelationship = (overrides: Partial<CareRelationship> = {}) =>
  relationship({
    relationshipId: 'rel-ed',
    department: OUS_ED,
    healthcareService: { system: V8655, code: 'S01' },
    purposeOfUse: 'ETREAT',
    basis: 'EMERGENCY_CLINIC',
    missionId: 'AMK-1',
    validFrom: minutes(-10),
    ...overrides,
  });

export function doctor(overrides: Partial<HealthWorkerRequester> = {}): HealthWorkerRequester {
  return {
    kind: 'health-worker',
    hprNumber: DOCTOR,
    legalEntity: OUS,
    pointOfCare: OUS_ULLEVAL,
    department: OUS_MEDICINE,
    purposeOfUse: 'TREAT',
    healthcareService: { system: V8655, code: 'S03' },
    decisionRef: 'INNLEGGELSE-1',
    attestedAt: minutes(-5),
    securityLevel: 4,
    ...overrides,
  };
}

export const homeNurse = (overrides: Partial<HealthWorkerRequester> = {}) =>
  doctor({
    hprNumber: NURSE,
    legalEntity: OSLO_KOMMUNE,
    pointOfCare: HOME_CARE_GAMLE_OSLO,
    department: undefined,
    healthcareService: { system: V8663, code: 'KP02' },
    ...overrides,
  });

export const fastlege = (overrides: Partial<HealthWorkerRequester> = {}) =>
  doctor({ hprNumber: FASTLEGE, legalEntity: GP_OFFICE, pointOfCare: GP_OFFICE, department: undefined, healthcareService: { system: V8663, code: 'KA01' }, ...overrides });

export const paramedic = (overrides: Partial<HealthWorkerRequester> = {}) =>
  doctor({ hprNumber: PARAMEDIC, legalEntity: AMBULANCE_SERVICE, pointOfCare: undefined, department: undefined, purposeOfUse: 'ETREAT', ...overrides });

export const edDoctor = (overrides: Partial<HealthWorkerRequester> = {}) => doctor({ department: OUS_ED, purposeOfUse: 'ETREAT', ...overrides });

export const citizen = (overrides: Partial<CitizenRequester> = {}): CitizenRequester => ({ kind: 'citizen', isPatient: true, securityLevel: 4, ...overrides });

export function item(overrides: Partial<DataItem> = {}): DataItem {
  return {
    itemId: 'lab-1',
    category: 'LAB',
    custodian: OUS,
    confidentiality: 'N',
    occurredAt: minutes(-60),
    ...overrides,
  };
}

export function block(overrides: Partial<Block> & Pick<Block, 'kind'>): Block {
  return { blockId: `block-${overrides.kind.toLowerCase()}`, dataCategories: [], documentIds: [], effectiveFrom: minutes(-60), ...overrides };
}

export const sperring = (overrides: Partial<Block> = {}) => block({ kind: 'SPERRING', sperringScope: 'ALL', ...overrides });

export function consent(overrides: Partial<Consent> = {}): Consent {
  return {
    consentId: 'consent-1',
    decision: 'PERMIT',
    provisions: [{ actorOrgNumber: OUS, purposes: [], dataCategories: [], documentIds: [] }],
    period: { start: minutes(-60) },
    ...overrides,
  };
}

export function emergencyAccess(overrides: Partial<EmergencyAccess> = {}): EmergencyAccess {
  return {
    accessId: 'ea-1',
    practitionerHpr: DOCTOR,
    legalEntity: OUS,
    department: OUS_MEDICINE,
    purposeOfUse: 'BTG',
    reason: 'Bevisstløs pasient, kan ikke spørres',
    invokedAt: minutes(-10),
    expiresAt: minutes(230),
    overriddenBlockIds: [],
    ...overrides,
  };
}

export function factsWith(parts: Partial<PatientAccessFacts> = {}): PatientAccessFacts {
  return { relationships: [], consents: [], blocks: [], emergencyAccesses: [], ...parts };
}
