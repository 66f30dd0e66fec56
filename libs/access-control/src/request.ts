import type { Principal } from '@backbone/auth';
import type { ConfidentialityLevel, ConfidentialityRestriction, DataCategory, PurposeOfUse } from './vocabulary';

/** A health worker asking under a trust-framework attestation. */
export interface HealthWorkerRequester {
  readonly kind: 'health-worker';
  readonly hprNumber: string;
  readonly legalEntity: string;
  readonly pointOfCare?: string;
  readonly department?: string;
  readonly purposeOfUse: PurposeOfUse;
  readonly healthcareService: { readonly system: string; readonly code: string };
  readonly decisionRef: string;
  /** The attestation's `toa`. */
  readonly attestedAt: Date;
  readonly securityLevel: number;
}

/** A citizen in their own (Helsenorge-style) view. */
export interface CitizenRequester {
  readonly kind: 'citizen';
  /** True when the citizen is the patient the item is about. Proxies (fullmakt) are not modelled. */
  readonly isPatient: boolean;
  readonly securityLevel: number;
}

/** A machine client without a person. Always denied: see README, "Decisions". */
export interface SystemRequester {
  readonly kind: 'system';
  readonly clientId: string;
  readonly legalEntity?: string;
}

export type Requester = HealthWorkerRequester | CitizenRequester | SystemRequester;

/** One piece of clinical data, as much of it as a decision needs. */
export interface DataItem {
  readonly itemId: string;
  readonly category: DataCategory;
  /** XDS uniqueId, for document sperringer and document-specific consents. */
  readonly documentId?: string;
  /** Organisation number of the custodian (dataansvarlig). Shown in explanations; no rule uses it. */
  readonly custodian: string;
  readonly confidentiality: ConfidentialityLevel;
  readonly restriction?: ConfidentialityRestriction;
  /** Clinical time: what a TIME_WINDOW sperring looks at. */
  readonly occurredAt: Date;
  /** Hidden from the citizen before this time (lab results, NORU). */
  readonly releaseToCitizenAt?: Date;
  /** AMK mission id of an ambulance journal entry. */
  readonly missionId?: string;
  /** Where an ambulance mission was handed over. */
  readonly handedOverTo?: { readonly orgNumber: string; readonly reshId?: string };
}

/**
 * The requester a verified principal speaks for. A citizen is the patient when their own person
 * number equals the patient's identifier; pass it as `patientIdentifier` (it is compared, never
 * stored or logged). The attested point of care is always present in the trust framework; the
 * department only where the organisation has departments.
 */
export function requesterFromPrincipal(principal: Principal, options: { patientIdentifier?: string } = {}): Requester {
  switch (principal.kind) {
    case 'health-worker': {
      const attestation = principal.attestation;
      const requester: { -readonly [K in keyof HealthWorkerRequester]: HealthWorkerRequester[K] } = {
        kind: 'health-worker',
        hprNumber: principal.hprNumber,
        legalEntity: attestation.legalEntity.id,
        pointOfCare: attestation.pointOfCare.id,
        purposeOfUse: attestation.purposeOfUse,
        healthcareService: { system: attestation.healthcareService.system, code: attestation.healthcareService.code },
        decisionRef: attestation.decisionRef.id,
        attestedAt: attestation.attestedAt,
        securityLevel: principal.securityLevel,
      };
      if (attestation.department) requester.department = attestation.department.id;
      return requester;
    }
    case 'citizen':
      return {
        kind: 'citizen',
        isPatient: options.patientIdentifier !== undefined && principal.pid === options.patientIdentifier,
        securityLevel: principal.securityLevel,
      };
    case 'system':
      return { kind: 'system', clientId: principal.clientId };
  }
}
