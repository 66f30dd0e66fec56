import { randomUUID } from 'node:crypto';
import { verdictOf, type AccessRecordInput, type AuditTrail, type PatientIdentifier } from '@backbone/audit';
import type { Principal } from '@backbone/auth';
import type { RecipientModelReader, VisibleItem } from '@backbone/recipient-model';
import { healthWorkerOf } from './patient-reads.service';
import type { InboxQuery } from './query-request';

export interface InboxEntry {
  item: VisibleItem;
  patient: PatientIdentifier;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * The inbox: what reached the recipients a health worker acts for lately, across patients. A list
 * that names patients is an access to each of them: one audit record per patient (action SEARCH),
 * committed before the list is returned.
 */
export class InboxReads {
  constructor(
    private readonly reader: RecipientModelReader,
    private readonly audit: AuditTrail,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async read(principal: Principal, query: InboxQuery, api: string): Promise<{ accessIds: string[]; entries: InboxEntry[] }> {
    const requester = healthWorkerOf(principal);
    const at = this.clock();
    const items = await this.reader.inboxFor(requester, { since: query.since ?? new Date(at.getTime() - WEEK_MS), limit: query.limit, at });
    const entries = items.map((item) => ({ item, patient: (JSON.parse(item.content!) as { envelope: { patient: PatientIdentifier } }).envelope.patient }));
    const byPatient = new Map<string, InboxEntry[]>();
    for (const entry of entries) {
      const shown = byPatient.get(entry.item.patientKey);
      if (shown) shown.push(entry);
      else byPatient.set(entry.item.patientKey, [entry]);
    }
    const records: AccessRecordInput[] = [...byPatient].map(([patientKey, shown]) => ({
      accessId: randomUUID(),
      principal,
      patient: shown[0].patient,
      patientKey,
      action: 'SEARCH',
      api,
      categories: [...new Set(shown.map((e) => e.item.category))],
      itemIds: shown.map((e) => e.item.itemKey),
      verdict: verdictOf(shown.map((e) => e.item.decision), []),
      accessedAt: at,
    }));
    await this.audit.record(records);
    return { accessIds: records.map((r) => r.accessId!), entries };
  }
}
