import type { Decision } from '@backbone/access-control';
import { deliveryAccessRecords, organisationOfRecipient } from './delivery-audit';

const flags = { emergency: false, sperringOverride: false, reviewRequired: false };
const permit: Decision = { effect: 'PERMIT', reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: 'rel-1' }, flags };
const deny: Decision = { effect: 'DENY', reason: 'DENY_NO_RELATIONSHIP', facts: {}, flags };
const principal = { kind: 'system' as const, clientId: 'oslo-gerica', scopes: ['backbone:subscribe'] };
const patient = { system: 'FNR' as const, value: '15868512218' };
const at = new Date('2026-11-28T12:00:00Z');

describe('delivery audit records', () => {
  it('names the recipient organisation and its department', () => {
    expect(organisationOfRecipient('org:993467049/poc:974589095/dept:4001031')).toEqual({ orgNumber: '993467049', reshId: '4001031', herId: null, name: null });
    expect(organisationOfRecipient('org:958935420/poc:934567897')).toEqual({ orgNumber: '958935420', reshId: null, herId: null, name: null });
  });

  it('records one DELIVER per patient: permitted with the items shown, denied with the reason when all were withheld', () => {
    const records = deliveryAccessRecords(
      principal,
      'org:958935420/poc:934567897',
      [
        { patientKey: 'a', patient, shown: [{ itemKey: 'dho:1', category: 'DHO', decision: permit }], denied: [{ itemKey: 'lab:1', category: 'LAB', decision: deny }] },
        { patientKey: 'b', patient, shown: [], denied: [{ itemKey: 'dho:2', category: 'DHO', decision: deny }] },
      ],
      'webhook',
      at,
    );
    expect(records).toEqual([
      expect.objectContaining({ patientKey: 'a', action: 'DELIVER', api: 'webhook', itemIds: ['dho:1'], categories: ['DHO'], verdict: expect.objectContaining({ outcome: 'PERMIT', reasonCode: 'PERMIT_CARE_RELATIONSHIP', relationshipId: 'rel-1' }), accessedAt: at }),
      expect.objectContaining({ patientKey: 'b', itemIds: [], categories: ['DHO'], verdict: expect.objectContaining({ outcome: 'DENY', reasonCode: 'DENY_NO_RELATIONSHIP' }) }),
    ]);
    expect(records[0].onBehalfOf).toEqual({ orgNumber: '958935420', reshId: null, herId: null, name: null });
  });
});
