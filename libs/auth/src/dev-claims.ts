import { HELSEID_CLAIMS, TRUST_FRAMEWORK_TYPE } from './principal';

/*
 * Realistic claim sets for dev tokens and tests, shaped like HelseID's. The person numbers have
 * valid check digits but birth dates in 2031, so they cannot belong to anyone alive.
 */

export const DEV_HEALTH_WORKER_PID = '15063150026';
export const DEV_CITIZEN_PID = '02113160260';
export const DEV_HPR_NUMBER = '9144900';

/**
 * A trust framework attestation: a doctor at Oslo universitetssykehus HF (993467049), department
 * RESH 4001031, treating the patient (TREAT) in internal medicine (Volven 8655 S03).
 */
export function exampleAuthorizationDetails(toa: Date = new Date()): Record<string, unknown> {
  return {
    type: TRUST_FRAMEWORK_TYPE,
    practitioner: {
      authorization: { code: 'LE', text: 'Lege', system: 'urn:oid:2.16.578.1.12.4.1.1.9060' },
      legal_entity: { id: '993467049', name: 'OSLO UNIVERSITETSSYKEHUS HF', system: 'urn:oid:2.16.578.1.12.4.1.4.101' },
      point_of_care: { id: '974589095', system: 'urn:oid:2.16.578.1.12.4.1.4.101' },
      department: { id: '4001031', system: 'urn:oid:2.16.578.1.12.4.1.4.102' },
    },
    care_relationship: {
      purpose_of_use: { code: 'TREAT', text: 'Behandling', system: 'urn:oid:2.16.840.1.113883.1.11.20448' },
      healthcare_service: { code: 'S03', text: 'Indremedisin', system: 'urn:oid:2.16.578.1.12.4.1.1.8655' },
      decision_ref: { id: '30F4AB40-5C8E-4E8B-9C4F-8D2B6E3A1F07', description: 'Innleggelse', user_selected: false },
    },
    toa: Math.floor(toa.getTime() / 1000),
  };
}

/** The person and attestation claims of a HelseID user token for that doctor. */
export function exampleHealthWorkerClaims(toa: Date = new Date()): Record<string, unknown> {
  return {
    [HELSEID_CLAIMS.hprNumber]: DEV_HPR_NUMBER,
    [HELSEID_CLAIMS.pid]: DEV_HEALTH_WORKER_PID,
    [HELSEID_CLAIMS.securityLevel]: '4',
    name: 'Lege Legesen',
    given_name: 'Lege',
    family_name: 'Legesen',
    authorization_details: [exampleAuthorizationDetails(toa)],
  };
}

/** A citizen logged in at level 4 (needs scope backbone:citizen as well). */
export function exampleCitizenClaims(): Record<string, unknown> {
  return { pid: DEV_CITIZEN_PID, acr: 'idporten-loa-high' };
}
