import type { HealthWorkerRequester } from '@backbone/access-control';

// The example home-care relationship (schemas/examples/valid/CareRelationshipStarted.json): Oslo
// kommune, home care of Bydel Gamle Oslo, service 8663 KP01, valid 2026-11-02 to 2027-05-02.
export const HOME_CARE = { legalEntity: '958935420', pointOfCare: '934567897' };

/** A nurse of that home care service reading under its decision, attested at `at`. */
export const homeNurse = (at: Date): HealthWorkerRequester => ({
  kind: 'health-worker',
  hprNumber: '9144897',
  ...HOME_CARE,
  purposeOfUse: 'TREAT',
  healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP01' },
  decisionRef: 'VEDTAK-2026-11-0142',
  attestedAt: at,
  securityLevel: 4,
});

/** The trust-framework attestation of a health worker, as their record system attests it in a HelseID token. */
export interface AttestedHealthWorker {
  hprNumber: string;
  name: string;
  legalEntity: { id: string; name: string };
  pointOfCare: { id: string; name?: string };
  department?: { id: string; name?: string };
  service: { system: string; code: string; text?: string };
  purpose: 'TREAT' | 'ETREAT' | 'COC' | 'BTG';
  decisionRef: string;
}

/** HelseID-shaped claims for that health worker, attested at `toa` (the policy engine rejects attestations over 60 minutes old). */
export function healthWorkerClaims(worker: AttestedHealthWorker, toa: Date, pid = '15063150026'): Record<string, unknown> {
  const enh = 'urn:oid:2.16.578.1.12.4.1.4.101';
  return {
    'helseid://claims/hpr/hpr_number': worker.hprNumber,
    'helseid://claims/identity/pid': pid,
    'helseid://claims/identity/security_level': '4',
    name: worker.name,
    authorization_details: [
      {
        type: 'nhn:tillitsrammeverk:parameters',
        practitioner: {
          authorization: { code: 'SP', system: 'urn:oid:2.16.578.1.12.4.1.1.9060' },
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
export const KARI_HOME_NURSE: AttestedHealthWorker = {
  hprNumber: '9144897',
  name: 'Kari Nordmann',
  legalEntity: { id: HOME_CARE.legalEntity, name: 'OSLO KOMMUNE' },
  pointOfCare: { id: HOME_CARE.pointOfCare, name: 'Bydel Gamle Oslo, hjemmetjenesten' },
  service: { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP01', text: 'Legetjeneste' },
  purpose: 'TREAT',
  decisionRef: 'VEDTAK-2026-11-0142',
};
