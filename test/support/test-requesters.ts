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

export { healthWorkerClaims, DEV_HOME_NURSE as KARI_HOME_NURSE, type AttestedHealthWorker } from '@backbone/auth';
