import { decide, type Decision } from './decide';
import { canonicalFacts, NO_FACTS, type PatientAccessFacts } from './facts';
import type { PolicyTable } from './policy-table';
import type { DataItem, Requester } from './request';

/**
 * The access model in memory, for decisions on the hot path (a query of fifty items, a feed
 * delivering thousands): patient key → that patient's facts, one Map lookup, then the engine over
 * the handful of facts one patient has. Kept current by whoever owns it (the access model reader
 * refreshes it from PostgreSQL); it never decides anything itself.
 */
export class AccessIndex {
  private readonly byPatient = new Map<string, PatientAccessFacts>();

  constructor(private readonly table: PolicyTable) {}

  /** Stores the facts in canonical shapes (see canonicalFacts): one shape per record kind keeps decisions fast. */
  put(patientKey: string, facts: PatientAccessFacts): void {
    this.byPatient.set(patientKey, canonicalFacts(facts));
  }

  factsOf(patientKey: string): PatientAccessFacts {
    return this.byPatient.get(patientKey) ?? NO_FACTS;
  }

  /** Deny by default: a patient the index has never heard of has no relationships. */
  decide(patientKey: string, requester: Requester, item: DataItem, at: Date): Decision {
    return decide(this.factsOf(patientKey), requester, item, at, this.table);
  }
}
