import { exampleEvent, SchemaSet, type EventsByName } from '@backbone/contracts';
import { categoryOf, CLINICAL_EVENT_TYPES, CLINICAL_ITEM_FIELDS, clinicalItemsOf, type ClinicalEventType } from './clinical-item';

const schemas = SchemaSet.load();
/** The schema example of a type, normalised as a decoded event would be (Dates, defaults). */
const example = <T extends ClinicalEventType>(type: T, change: (event: Record<string, unknown>) => void = () => undefined): EventsByName[T] => {
  const event = schemas.type(schemas.resolveEventType(type)!).clone(exampleEvent(schemas, type), { wrapUnions: false }) as Record<string, unknown>;
  change(event);
  return event as unknown as EventsByName[T];
};

describe('clinicalItemsOf', () => {
  // The projector decodes only CLINICAL_ITEM_FIELDS: a field clinicalItemsOf reads that the list
  // forgets would come back undefined and key items wrongly. Each optional field is set here, so
  // that one the list forgets shows up as a difference.
  it.each(CLINICAL_EVENT_TYPES)('builds the same items for %s from CLINICAL_ITEM_FIELDS as from the whole event', (type) => {
    const fullName = schemas.resolveEventType(type)!;
    const event = example(type, (e) => {
      const envelope = e.envelope as Record<string, unknown>;
      envelope.restriction = 'NORU';
      envelope.dataRef = 'https://dokumenter.example.no/ref/1';
      if ('releaseToCitizenAt' in e) e.releaseToCitizenAt = new Date('2026-12-01T08:00:00Z');
      if ('handedOverTo' in e) e.handedOverTo = { orgNumber: '974589095', reshId: '4208719', herId: null, name: null };
    });
    const writer = schemas.type(fullName);
    const reader = schemas.readerType(fullName, CLINICAL_ITEM_FIELDS);
    const partial = reader.fromBuffer(writer.toBuffer(event), reader.createResolver(writer)) as typeof event;
    expect(clinicalItemsOf(type, partial)).toEqual(clinicalItemsOf(type, event));
    expect(partial.envelope.patientKey).toBe(event.envelope.patientKey);
    expect(partial.envelope.eventId).toBe(event.envelope.eventId);
  });

  it('maps every clinical event type to items in its topic category, with what the engine needs', () => {
    for (const type of CLINICAL_EVENT_TYPES) {
      const event = example(type);
      const [item] = clinicalItemsOf(type, event);
      expect(item.access.category).toBe(categoryOf(type));
      expect(item.access.custodian).toBe(event.envelope.custodian.orgNumber);
      expect(item.access.occurredAt).toEqual(event.envelope.occurredAt);
      expect(item.access.itemId).toBe(item.itemKey);
    }
  });

  it('keys items so that later versions replace earlier ones', () => {
    expect(clinicalItemsOf('MedicationListUpdated', example('MedicationListUpdated'))[0].itemKey).toBe('medication-list');
    const lab = example('LabResultReported');
    expect(clinicalItemsOf('LabResultReported', lab)[0].itemKey).toBe(`lab:${lab.reportId}`);
    const cancelled = example('VideoConsultationCancelled');
    expect(clinicalItemsOf('VideoConsultationCancelled', cancelled)[0]).toMatchObject({ itemKey: `video:${cancelled.appointmentId}`, status: 'cancelled' });
  });

  it('marks the document a replacement replaces, and keeps document ids for document sperringer', () => {
    const replaced = example('DocumentReplaced');
    expect(clinicalItemsOf('DocumentReplaced', replaced).map((i) => [i.itemKey, i.status, i.access.documentId])).toEqual([
      [`document:${replaced.document.uniqueId}`, 'current', replaced.document.uniqueId],
      [`document:${replaced.replaces}`, 'replaced', replaced.replaces],
    ]);
  });

  it('carries the mission and its handover for the ambulance rule, and delayed release for lab results', () => {
    const entry = example('AmbulanceJournalEntryRecorded');
    expect(clinicalItemsOf('AmbulanceJournalEntryRecorded', entry)[0].access).toMatchObject({
      category: 'AMBULANCE',
      missionId: entry.missionId,
      handedOverTo: { orgNumber: entry.handedOverTo!.orgNumber, reshId: entry.handedOverTo!.reshId },
    });
    const release = new Date('2026-12-01T08:00:00Z');
    const lab = example('LabResultReported', (e) => (e.releaseToCitizenAt = release));
    expect(clinicalItemsOf('LabResultReported', lab)[0].access.releaseToCitizenAt).toEqual(release);
    expect(clinicalItemsOf('LabResultReported', example('LabResultReported', (e) => (e.status = 'CANCELLED')))[0].status).toBe('cancelled');
  });
});
