import type { AccessRecordInput } from '@backbone/audit';
import { verdictOf } from '@backbone/audit';
import type { SystemPrincipal } from '@backbone/auth';
import { recipientFromKey, type DataCategory } from '@backbone/access-control';
import type { Organisation } from '@backbone/contracts';
import type { PatientDelivery } from './feed-page';

/** What the delivery paths need of the audit trail (AuditTrail from @backbone/audit). */
export interface AccessRecorder {
  record(records: readonly AccessRecordInput[]): Promise<void>;
}

/** The delivery APIs as they appear in the audit record (operation names, never URLs with values). */
export type DeliveryApi = 'GET /feed' | 'GET /feed/stream' | 'webhook';

/** The organisation a recipient key names, as the audit record's legal entity (and department). */
export function organisationOfRecipient(recipientKey: string): Organisation {
  const recipient = recipientFromKey(recipientKey);
  return { orgNumber: recipient?.legalEntity ?? '', reshId: recipient?.department ?? null, herId: null, name: null };
}

/**
 * One DataAccessed (action DELIVER) per patient in a delivered page: permitted with the items shown,
 * or denied when the delivery-time check withheld everything of that patient. The principal is the
 * subscribing system, on behalf of the recipient organisation.
 */
export function deliveryAccessRecords(principal: SystemPrincipal, recipientKey: string, deliveries: readonly PatientDelivery[], api: DeliveryApi, at: Date): AccessRecordInput[] {
  const onBehalfOf = organisationOfRecipient(recipientKey);
  return deliveries.map((delivery) => {
    const verdict = verdictOf(
      delivery.shown.map((s) => s.decision),
      delivery.denied.map((d) => d.decision),
    );
    const decided = verdict.outcome === 'PERMIT' ? delivery.shown : delivery.denied;
    return {
      principal,
      patient: delivery.patient,
      patientKey: delivery.patientKey,
      action: 'DELIVER',
      api,
      categories: [...new Set<DataCategory>(decided.map((d) => d.category))].sort(),
      itemIds: verdict.outcome === 'PERMIT' ? delivery.shown.map((s) => s.itemKey) : [],
      verdict,
      accessedAt: at,
      onBehalfOf,
    };
  });
}
