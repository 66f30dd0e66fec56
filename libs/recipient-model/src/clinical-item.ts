import type { DataCategory, DataItem } from '@backbone/access-control';
import { EVENT_TOPICS, EVENT_TYPES, loadTopicCatalog, type EventsByName, type EventTypeName, type FieldSelection } from '@backbone/contracts';

/**
 * What a recipient sees one row of: a document, the patient's medication list, a lab report, an
 * imaging study, a home measurement, a critical-info entry, an ambulance mission's journal, a
 * video appointment. Clinical events are versions of these items; the patient store keeps the
 * latest version of each, and every read decides per item with the policy engine.
 */
export interface ClinicalItem {
  /** Unique within the patient, e.g. `document:<XDS uniqueId>`, `medication-list`, `lab:<reportId>`. */
  readonly itemKey: string;
  readonly eventType: ClinicalEventType;
  /** replaced/deprecated/cancelled items stay in the store (a feed reports them) but are not current. */
  readonly status: 'current' | 'replaced' | 'deprecated' | 'cancelled';
  /** What the policy engine decides on. */
  readonly access: DataItem;
  /** Where the full content lives at its source (documents, images), for id-only delivery. */
  readonly dataRef: string | null;
}

export const CLINICAL_EVENT_TYPES = [
  'DocumentPublished',
  'DocumentReplaced',
  'DocumentDeprecated',
  'MedicationListUpdated',
  'LabResultReported',
  'RadiologyStudyAvailable',
  'DhoMeasurementRecorded',
  'DhoAlertRaised',
  'CriticalInfoUpdated',
  'AmbulanceJournalEntryRecorded',
  'VideoConsultationScheduled',
  'VideoConsultationChanged',
  'VideoConsultationCancelled',
] as const satisfies readonly EventTypeName[];
export type ClinicalEventType = (typeof CLINICAL_EVENT_TYPES)[number];

// The data category of each event type is its topic's, from the topic catalog (one place).
const catalog = loadTopicCatalog();
const CATEGORY_OF = new Map<string, DataCategory>(catalog.topics.map((t) => [t.name, t.dataCategory as DataCategory]));
export const categoryOf = (type: ClinicalEventType): DataCategory => CATEGORY_OF.get(EVENT_TOPICS[type])!;

type Envelope = EventsByName['DocumentPublished']['envelope'];

function accessOf(type: ClinicalEventType, itemKey: string, envelope: Envelope, extra: Partial<DataItem> = {}): DataItem {
  return {
    itemId: itemKey,
    category: categoryOf(type),
    custodian: envelope.custodian.orgNumber,
    confidentiality: envelope.confidentiality,
    restriction: envelope.restriction ?? undefined,
    occurredAt: envelope.occurredAt,
    ...extra,
  };
}

/**
 * The fields `clinicalItemsOf` reads, and with them all the projector needs of an event (it stores
 * the event's bytes as they came): decoding only these skips the rest of each event (the
 * medication list, the lab observations, the document's codes and titles). Kept beside the
 * function it serves; clinical-item.spec checks, for every clinical type, that items built from
 * events decoded this way equal those built from whole events.
 */
export const CLINICAL_ITEM_FIELDS: FieldSelection = {
  'no.oslo.backbone.common.EventEnvelope': ['eventId', 'occurredAt', 'patientKey', 'custodian', 'confidentiality', 'restriction', 'dataRef'],
  'no.oslo.backbone.common.Organisation': ['orgNumber', 'reshId'],
  'no.oslo.backbone.clinical.document.DocumentEntry': ['uniqueId'],
  [EVENT_TYPES.DocumentPublished]: ['envelope', 'document'],
  [EVENT_TYPES.DocumentReplaced]: ['envelope', 'document', 'replaces'],
  [EVENT_TYPES.DocumentDeprecated]: ['envelope', 'uniqueId'],
  [EVENT_TYPES.MedicationListUpdated]: ['envelope'],
  [EVENT_TYPES.LabResultReported]: ['envelope', 'reportId', 'status', 'releaseToCitizenAt'],
  [EVENT_TYPES.RadiologyStudyAvailable]: ['envelope', 'studyInstanceUid'],
  [EVENT_TYPES.DhoMeasurementRecorded]: ['envelope', 'observationId'],
  [EVENT_TYPES.DhoAlertRaised]: ['envelope', 'alertId'],
  [EVENT_TYPES.CriticalInfoUpdated]: ['envelope', 'criticalInfoId'],
  [EVENT_TYPES.AmbulanceJournalEntryRecorded]: ['envelope', 'missionId', 'handedOverTo'],
  [EVENT_TYPES.VideoConsultationScheduled]: ['envelope', 'appointmentId'],
  [EVENT_TYPES.VideoConsultationChanged]: ['envelope', 'appointmentId'],
  [EVENT_TYPES.VideoConsultationCancelled]: ['envelope', 'appointmentId'],
};

/** The items a clinical event touches, newest state first. */
export function clinicalItemsOf<T extends ClinicalEventType>(type: T, event: EventsByName[T]): ClinicalItem[] {
  const envelope = event.envelope;
  const item = (itemKey: string, status: ClinicalItem['status'] = 'current', extra: Partial<DataItem> = {}): ClinicalItem => ({
    itemKey,
    eventType: type,
    status,
    access: accessOf(type, itemKey, envelope, extra),
    dataRef: envelope.dataRef ?? null,
  });
  switch (type) {
    case 'DocumentPublished': {
      const { document } = event as EventsByName['DocumentPublished'];
      return [item(`document:${document.uniqueId}`, 'current', { documentId: document.uniqueId })];
    }
    case 'DocumentReplaced': {
      const { document, replaces } = event as EventsByName['DocumentReplaced'];
      return [
        item(`document:${document.uniqueId}`, 'current', { documentId: document.uniqueId }),
        item(`document:${replaces}`, 'replaced', { documentId: replaces }),
      ];
    }
    case 'DocumentDeprecated': {
      const { uniqueId } = event as EventsByName['DocumentDeprecated'];
      return [item(`document:${uniqueId}`, 'deprecated', { documentId: uniqueId })];
    }
    case 'MedicationListUpdated':
      // One list per patient: each update is the whole reconciled list.
      return [item('medication-list')];
    case 'LabResultReported': {
      const lab = event as EventsByName['LabResultReported'];
      return [item(`lab:${lab.reportId}`, lab.status === 'CANCELLED' ? 'cancelled' : 'current', { releaseToCitizenAt: lab.releaseToCitizenAt ?? undefined })];
    }
    case 'RadiologyStudyAvailable':
      return [item(`imaging:${(event as EventsByName['RadiologyStudyAvailable']).studyInstanceUid}`)];
    case 'DhoMeasurementRecorded':
      return [item(`dho:${(event as EventsByName['DhoMeasurementRecorded']).observationId}`)];
    case 'DhoAlertRaised':
      return [item(`dho-alert:${(event as EventsByName['DhoAlertRaised']).alertId}`)];
    case 'CriticalInfoUpdated':
      return [item(`critical-info:${(event as EventsByName['CriticalInfoUpdated']).criticalInfoId}`)];
    case 'AmbulanceJournalEntryRecorded': {
      // The mission's journal: each entry is its latest state, sent ahead of arrival.
      const entry = event as EventsByName['AmbulanceJournalEntryRecorded'];
      const to = entry.handedOverTo;
      return [
        item(`ambulance:${entry.missionId}`, 'current', {
          missionId: entry.missionId,
          handedOverTo: to ? { orgNumber: to.orgNumber, reshId: to.reshId ?? undefined } : undefined,
        }),
      ];
    }
    case 'VideoConsultationScheduled':
    case 'VideoConsultationChanged':
      return [item(`video:${(event as EventsByName['VideoConsultationScheduled']).appointmentId}`)];
    case 'VideoConsultationCancelled':
      return [item(`video:${(event as EventsByName['VideoConsultationCancelled']).appointmentId}`, 'cancelled')];
    default:
      throw new Error(`not a clinical event type: ${String(type)}`);
  }
}
