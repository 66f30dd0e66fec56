import type { Pool } from 'pg';
import { dataItemFromJson, recipientKeyOf, type DataCategory, type DataItem, type Decision, type HealthWorkerRequester } from '@backbone/access-control';
import type { AccessModelReader } from '@backbone/access-model';
import { liveProjectionVersion } from '@backbone/projection';
import { RECIPIENT_MODEL, recipientModelTables } from './recipient-model-tables';

/** One item a requester may see, with the decision that let it through. */
export interface VisibleItem {
  itemKey: string;
  eventType: string;
  status: string;
  category: DataCategory;
  dataRef: string | null;
  eventId: string;
  /** The recipient's feed number at the item's last change. */
  seq: string;
  recipientKey: string;
  /** The event that last changed the item, as JSON text (returned whole, never parsed here). */
  content: string;
  access: DataItem;
  decision: Decision;
}

/**
 * The recipient read models as the query paths read them: from the version that is live now, and
 * re-checked item by item with the need-to-know engine over the access model as it is at this
 * moment. The projector's rows are a pre-filter, never the decision: a relationship that ended, a
 * block or a withdrawn consent hides an item at the next request, before the projector cleans up.
 */
export class RecipientModelReader {
  constructor(
    private readonly pool: Pool,
    private readonly access: AccessModelReader,
    private readonly name: string = RECIPIENT_MODEL,
  ) {}

  /**
   * What a health worker may see of a patient now, from the read models of the recipients they act
   * for (their organisation, point of care and department, and themselves). Items the engine denies
   * are left out; `denied` counts them (for the audit record, never shown).
   */
  async itemsFor(requester: HealthWorkerRequester, patientKey: string, options: { categories?: readonly DataCategory[]; at?: Date } = {}): Promise<{ items: VisibleItem[]; denied: number }> {
    const [version] = await Promise.all([liveProjectionVersion(this.pool, this.name), this.access.refresh()]);
    if (version === undefined) return { items: [], denied: 0 };
    const t = recipientModelTables(version);
    const { rows } = await this.pool.query<{
      item_key: string;
      event_type: string;
      status: string;
      category: DataCategory;
      data_ref: string | null;
      event_id: string;
      seq: string;
      recipient_key: string;
      content: string;
      access: Record<string, unknown>;
    }>(
      // DISTINCT ON: an item held by two of the requester's recipients (the department and the
      // practitioner) is shown once.
      `SELECT DISTINCT ON (p.item_key) p.item_key, p.event_type, p.status, p.category, p.data_ref, p.event_id, r.seq, r.recipient_key, p.content::text AS content, p.access
         FROM ${t.recipientItem} r JOIN ${t.patientItem} p ON p.patient_key = r.patient_key AND p.item_key = r.item_key
        WHERE r.recipient_key = ANY($1::text[]) AND r.patient_key = $2 AND r.removed_at IS NULL AND ($3::text[] IS NULL OR p.category = ANY($3::text[]))
        ORDER BY p.item_key, r.seq DESC`,
      [recipientKeysOf(requester), patientKey, options.categories ?? null],
    );
    const at = options.at ?? new Date();
    const items: VisibleItem[] = [];
    let denied = 0;
    for (const r of rows) {
      const access = dataItemFromJson(r.access);
      const decision = this.access.decide(patientKey, requester, access, at);
      if (decision.effect !== 'PERMIT') {
        denied += 1;
        continue;
      }
      items.push({
        itemKey: r.item_key,
        eventType: r.event_type,
        status: r.status,
        category: r.category,
        dataRef: r.data_ref,
        eventId: r.event_id,
        seq: r.seq,
        recipientKey: r.recipient_key,
        content: r.content,
        access,
        decision,
      });
    }
    return { items, denied };
  }
}

/**
 * The recipient keys a health worker reads through: each level of their attested place (the legal
 * entity, its point of care, the department), as an organisation and as themselves. Which of these
 * hold anything is the projector's business; what may be shown is decided per item.
 */
export function recipientKeysOf(requester: HealthWorkerRequester): string[] {
  const levels = [
    { legalEntity: requester.legalEntity },
    ...(requester.pointOfCare ? [{ legalEntity: requester.legalEntity, pointOfCare: requester.pointOfCare }] : []),
    ...(requester.pointOfCare && requester.department ? [{ legalEntity: requester.legalEntity, pointOfCare: requester.pointOfCare, department: requester.department }] : []),
  ];
  return levels.flatMap((level) => [recipientKeyOf(level), ...(requester.hprNumber ? [recipientKeyOf({ ...level, practitionerHpr: requester.hprNumber })] : [])]);
}
