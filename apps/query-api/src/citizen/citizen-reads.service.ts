import { randomUUID } from 'node:crypto';
import { REQUESTER_DENIALS, type CitizenRequester, type DataCategory } from '@backbone/access-control';
import { verdictOf, type AccessLogPage, type AccessLogReader, type AccessVerdict, type AuditTrail } from '@backbone/audit';
import type { CitizenPrincipal, Principal } from '@backbone/auth';
import type { PatientIdentifierSystem } from '@backbone/contracts';
import { detectIdentifierSystem } from '@backbone/contracts';
import { problem, ProblemException } from '@backbone/platform';
import type { RecipientModelReader, VisibleItem } from '@backbone/recipient-model';
import type { PatientRef } from '../reading/query-request';

/** Citizens read at the level clinical data needs (ID-porten high = 4). */
const CITIZEN_SECURITY_LEVEL = 4;

/**
 * The citizen's own views: their data (what is under delayed release stays hidden until
 * released) and who has accessed it. Only their own: the patient is the person in their token.
 * Both reads are accesses too, audited before anything is returned, so they show in the log.
 */
export class CitizenReads {
  constructor(
    private readonly reader: RecipientModelReader,
    private readonly log: AccessLogReader,
    private readonly audit: AuditTrail,
    private readonly patientKeyOf: (identifierValue: string) => string,
    private readonly options: { allowSyntheticIdentifiers: boolean },
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async data(principal: Principal, categories: DataCategory[] | undefined, api: string): Promise<{ accessId: string; items: VisibleItem[] }> {
    const citizen = citizenOf(principal);
    const self = this.selfOf(citizen);
    const at = this.clock();
    await this.refuseLowSecurityLevel(citizen, self, api, at);
    const requester: CitizenRequester = { kind: 'citizen', isPatient: true, securityLevel: citizen.securityLevel };
    const { items, denied } = await this.reader.itemsForCitizen(requester, self.key, { categories, at });
    // Nothing released yet is still the citizen's own data: permitted, with nothing to show.
    const verdict: AccessVerdict = items.length > 0 || !denied.some((d) => REQUESTER_DENIALS.has(d.reason)) ? ownData(items) : verdictOf([], denied);
    const accessId = randomUUID();
    await this.audit.record([{ accessId, principal, patient: self.ref, patientKey: self.key, action: 'READ', api, categories: categories ?? [], itemIds: items.map((i) => i.itemKey), verdict, accessedAt: at }]);
    if (verdict.outcome === 'DENY') throw new ProblemException(problem(403, 'access-denied', 'Access denied', { reason: verdict.reasonCode }));
    return { accessId, items };
  }

  /**
   * The access log. Naming anyone else than oneself is refused (403), and that attempt is itself
   * recorded in the other person's log: they have a right to know someone tried.
   */
  async accessLog(principal: Principal, asked: PatientRef | undefined, page: { limit: number; before?: { accessedAt: string; accessId: string } }, api: string): Promise<{ accessId: string; page: AccessLogPage }> {
    const citizen = citizenOf(principal);
    const self = this.selfOf(citizen);
    const at = this.clock();
    await this.refuseLowSecurityLevel(citizen, self, api, at);
    const accessId = randomUUID();
    if (asked && asked.value !== citizen.pid) {
      const other = { key: this.patientKeyOf(asked.value), ref: asked };
      const verdict: AccessVerdict = { outcome: 'DENY', reasonCode: 'DENY_CITIZEN_NOT_PATIENT', emergency: false, sperringOverride: false };
      await this.audit.record([{ accessId, principal, patient: other.ref, patientKey: other.key, action: 'READ', api, categories: [], itemIds: [], verdict, accessedAt: at }]);
      throw new ProblemException(problem(403, 'not-your-log', 'Only your own access log', { detail: 'A citizen may read the access log of their own data only.' }));
    }
    const verdict: AccessVerdict = { outcome: 'PERMIT', reasonCode: 'PERMIT_CITIZEN_OWN_DATA', emergency: false, sperringOverride: false };
    await this.audit.record([{ accessId, principal, patient: self.ref, patientKey: self.key, action: 'READ', api, categories: [], itemIds: [], verdict, accessedAt: at }]);
    return { accessId, page: await this.log.page(self.key, page) };
  }

  /** Health data needs security level 4: a lower login is refused, and the attempt is in the citizen's own log. */
  private async refuseLowSecurityLevel(citizen: CitizenPrincipal, self: { key: string; ref: PatientRef }, api: string, at: Date): Promise<void> {
    if (citizen.securityLevel >= CITIZEN_SECURITY_LEVEL) return;
    const verdict: AccessVerdict = { outcome: 'DENY', reasonCode: 'DENY_SECURITY_LEVEL', emergency: false, sperringOverride: false };
    await this.audit.record([{ principal: citizen, patient: self.ref, patientKey: self.key, action: 'READ', api, categories: [], itemIds: [], verdict, accessedAt: at }]);
    throw new ProblemException(problem(403, 'access-denied', 'Access denied', { detail: 'Health data needs security level 4.', reason: 'DENY_SECURITY_LEVEL' }));
  }

  private selfOf(citizen: CitizenPrincipal): { key: string; ref: PatientRef } {
    const system: PatientIdentifierSystem = detectIdentifierSystem(citizen.pid, { allowSynthetic: this.options.allowSyntheticIdentifiers }) ?? 'FNR';
    return { key: this.patientKeyOf(citizen.pid), ref: { system, value: citizen.pid } };
  }
}

function ownData(items: readonly VisibleItem[]): AccessVerdict {
  return items.length > 0 ? verdictOf(items.map((i) => i.decision), []) : { outcome: 'PERMIT', reasonCode: 'PERMIT_CITIZEN_OWN_DATA', emergency: false, sperringOverride: false };
}

function citizenOf(principal: Principal): CitizenPrincipal {
  if (principal.kind !== 'citizen') {
    throw new ProblemException(problem(403, 'citizens-only', 'Only a citizen signed in as themselves', { detail: 'These views need a citizen token (scope backbone:citizen).' }));
  }
  return principal;
}
