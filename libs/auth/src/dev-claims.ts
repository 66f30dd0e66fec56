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

/** The trust-framework attestation of a health worker, as their record system attests it in a HelseID token. */
export interface AttestedHealthWorker {
  hprNumber: string;
  /** Health personnel category, Volven 9060 (LE doctor, SP nurse). */
  authorization: string;
  name: string;
  legalEntity: { id: string; name: string };
  pointOfCare: { id: string; name?: string };
  department?: { id: string; name?: string };
  service: { system: string; code: string; text?: string };
  purpose: 'TREAT' | 'ETREAT' | 'COC' | 'BTG';
  decisionRef: string;
}

/** HelseID-shaped claims for that health worker, attested at `toa` (the policy engine rejects attestations over 60 minutes old). */
export function healthWorkerClaims(worker: AttestedHealthWorker, toa: Date, pid = DEV_HEALTH_WORKER_PID): Record<string, unknown> {
  const enh = 'urn:oid:2.16.578.1.12.4.1.4.101';
  return {
    [HELSEID_CLAIMS.hprNumber]: worker.hprNumber,
    [HELSEID_CLAIMS.pid]: pid,
    [HELSEID_CLAIMS.securityLevel]: '4',
    name: worker.name,
    authorization_details: [
      {
        type: TRUST_FRAMEWORK_TYPE,
        practitioner: {
          authorization: { code: worker.authorization, system: 'urn:oid:2.16.578.1.12.4.1.1.9060' },
          legal_entity: { ...worker.legalEntity, system: enh },
          point_of_care: { ...worker.pointOfCare, system: enh },
          ...(worker.department ? { department: { ...worker.department, system: 'urn:oid:2.16.578.1.12.4.1.4.102' } } : {}),
        },
        care_relationship: {
          purpose_of_use: { code: worker.purpose, system: 'urn:oid:2.16.840.1.113883.1.11.20448' },
          healthcare_service: worker.service,
          decision_ref: { id: worker.decisionRef, user_selected: false },
        },
        toa: Math.floor(toa.getTime() / 1000),
      },
    ],
  };
}

/** Kari, a nurse of the example home care service (Oslo kommune, Bydel Gamle Oslo, 8663 KP01). */
export const DEV_HOME_NURSE: AttestedHealthWorker = {
  hprNumber: '9144897',
  authorization: 'SP',
  name: 'Kari Nordmann',
  legalEntity: { id: '958935420', name: 'OSLO KOMMUNE' },
  pointOfCare: { id: '934567897', name: 'Bydel Gamle Oslo, hjemmetjenesten' },
  service: { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP01', text: 'Legetjeneste' },
  purpose: 'TREAT',
  decisionRef: 'VEDTAK-2026-11-0142',
};
