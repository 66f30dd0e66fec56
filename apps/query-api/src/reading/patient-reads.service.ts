import { randomUUID } from 'node:crypto';
import {
  DATA_CATEGORIES,
  REQUESTER_DENIALS,
  requesterFromPrincipal,
  type DataCategory,
  type DataItem,
  type Decision,
  type HealthWorkerRequester,
} from '@backbone/access-control';
import type { AccessModelReader } from '@backbone/access-model';
import { verdictOf, type AccessVerdict, type AuditTrail } from '@backbone/audit';
import type { HealthWorkerPrincipal, Principal } from '@backbone/auth';
import { problem, ProblemException } from '@backbone/platform';
import type { RecipientModelReader, VisibleItem } from '@backbone/recipient-model';
import type { PatientRef } from './query-request';

export interface ReadResult {
  accessId: string;
  items: VisibleItem[];
}

/**
 * A health worker reading a patient's data: the read models give the candidates, the engine
 * decides every item at this moment, the audit trail records the access (permit or deny) and
 * commits before anything is returned. A patient the caller may see nothing of answers 404, the
 * same whether the patient exists, is blocked from them or is unknown; only denials about the
 * caller alone (a stale attestation, too low a security level) are said as such (403).
 */
export class PatientReads {
  constructor(
    private readonly reader: RecipientModelReader,
    private readonly access: AccessModelReader,
    private readonly audit: AuditTrail,
    private readonly patientKeyOf: (identifierValue: string) => string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** `withContent`: the events themselves (category views), or only what each item is (the summary, an index to fetch from). */
  async read(principal: Principal, patient: PatientRef, categories: DataCategory[] | undefined, api: string, withContent: boolean): Promise<ReadResult> {
    const at = this.clock();
    const patientKey = this.patientKeyOf(patient.value);
    if (principal.kind !== 'health-worker') {
      // A system or a citizen naming a patient here is an access attempt too: it goes into that patient's log.
      const verdict: AccessVerdict = { outcome: 'DENY', reasonCode: principal.kind === 'system' ? 'DENY_SYSTEM_REQUESTER' : 'DENY_DEFAULT', emergency: false, sperringOverride: false };
      await this.audit.record([{ principal, patient, patientKey, action: 'READ', api, categories: categories ?? [], itemIds: [], verdict, accessedAt: at }]);
    }
    const requester = healthWorkerOf(principal);
    const { items, denied } = await this.reader.itemsFor(requester, patientKey, { categories, at, withContent });
    const verdict = items.length > 0 ? verdictOf(items.map((i) => i.decision), denied) : this.verdictWithoutItems(requester, patientKey, categories, denied, at);
    const accessId = randomUUID();
    await this.audit.record([
      { accessId, principal, patient, patientKey, action: 'READ', api, categories: categories ?? [], itemIds: items.map((i) => i.itemKey), verdict, accessedAt: at },
    ]);
    if (verdict.outcome === 'DENY') throw denialProblem(verdict);
    return { accessId, items };
  }

  /**
   * Nothing to show: either something was denied (its reason stands), or there were no candidate
   * items, and then the engine is asked about an ordinary item of each category asked for, so a
   * caller with a relationship but no data yet gets an empty answer and everyone else a denial.
   */
  private verdictWithoutItems(requester: HealthWorkerRequester, patientKey: string, categories: DataCategory[] | undefined, denied: Decision[], at: Date): AccessVerdict {
    if (denied.length > 0) return verdictOf([], denied);
    // Every category asked for (all when none): a relationship allows some categories only, and
    // the answer must not depend on the order they were named in.
    const decisions = (categories ?? DATA_CATEGORIES).map((category) => {
      const probe: DataItem = { itemId: '(any ordinary item)', category, custodian: '', confidentiality: 'N', occurredAt: at };
      return this.access.decide(patientKey, requester, probe, at);
    });
    const permitted = decisions.filter((d) => d.effect === 'PERMIT');
    return permitted.length > 0 ? verdictOf(permitted, []) : verdictOf([], decisions);
  }
}

export function healthWorkerOf(principal: Principal): HealthWorkerRequester {
  if (principal.kind !== 'health-worker') {
    throw new ProblemException(
      problem(403, 'health-personnel-only', 'Only health personnel may read patient data here', {
        detail: principal.kind === 'citizen' ? 'Citizens read their own data at /citizen/data.' : 'A system token has no person behind it; use the delivery API for feeds.',
      }),
    );
  }
  return requesterFromPrincipal(principal as HealthWorkerPrincipal) as HealthWorkerRequester;
}

/** 403 for denials about the caller alone, 404 for everything about the patient (no existence leak). */
export function denialProblem(verdict: AccessVerdict): ProblemException {
  if (REQUESTER_DENIALS.has(verdict.reasonCode)) {
    return new ProblemException(
      problem(403, 'access-denied', 'Access denied', { detail: DENIAL_TEXT[verdict.reasonCode] ?? 'The request was denied.', reason: verdict.reasonCode }),
    );
  }
  return new ProblemException(problem(404, 'patient-not-found', 'Not found', { detail: 'No data about this patient is available to you.' }));
}

const DENIAL_TEXT: Partial<Record<string, string>> = {
  DENY_ATTESTATION_EXPIRED: 'The trust-framework attestation is older than 60 minutes; ask your record system for a new token.',
  DENY_ATTESTATION_IN_FUTURE: 'The trust-framework attestation is dated in the future.',
  DENY_SECURITY_LEVEL: 'Clinical data needs security level 4.',
  DENY_SYSTEM_REQUESTER: 'A system token has no person behind it.',
  DENY_DEFAULT: 'Denied by default.',
};
