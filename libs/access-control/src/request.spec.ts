import { exampleHealthWorkerClaims, principalFromClaims, DEV_CITIZEN_PID, CITIZEN_SCOPE } from '@backbone/auth';
import { BLOCK_KIND_SYMBOLS, CARE_RELATIONSHIP_BASIS_SYMBOLS, DATA_CATEGORY_SYMBOLS, SPERRING_SCOPE_SYMBOLS } from '@backbone/contracts';
import { requesterFromPrincipal } from './request';
import { BLOCK_KINDS, CARE_RELATIONSHIP_BASES, DATA_CATEGORIES, SPERRING_SCOPES } from './vocabulary';

describe('requesterFromPrincipal', () => {
  it('maps a HelseID health worker with a trust-framework attestation', () => {
    const toa = new Date('2026-11-20T09:55:00Z');
    const result = principalFromClaims({ ...exampleHealthWorkerClaims(toa), client_id: 'ous-dips-arena' }, { allowSyntheticPid: true });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(requesterFromPrincipal(result.principal)).toEqual({
      kind: 'health-worker',
      hprNumber: '9144900',
      legalEntity: '993467049',
      pointOfCare: '974589095',
      department: '4001031',
      purposeOfUse: 'TREAT',
      healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'S03' },
      decisionRef: '30F4AB40-5C8E-4E8B-9C4F-8D2B6E3A1F07',
      attestedAt: toa,
      securityLevel: 4,
    });
  });

  it('says whether a citizen is the patient, without carrying the person number along', () => {
    const citizen = { kind: 'citizen' as const, scopes: [CITIZEN_SCOPE], securityLevel: 4 };
    Object.defineProperty(citizen, 'pid', { value: DEV_CITIZEN_PID, enumerable: false });
    const principal = citizen as typeof citizen & { pid: string };
    expect(requesterFromPrincipal(principal, { patientIdentifier: DEV_CITIZEN_PID })).toEqual({ kind: 'citizen', isPatient: true, securityLevel: 4 });
    expect(requesterFromPrincipal(principal, { patientIdentifier: '15868512218' })).toMatchObject({ isPatient: false });
    expect(requesterFromPrincipal(principal)).toMatchObject({ isPatient: false });
    expect(JSON.stringify(requesterFromPrincipal(principal, { patientIdentifier: DEV_CITIZEN_PID }))).not.toContain(DEV_CITIZEN_PID);
  });

  it('maps a system client', () => {
    expect(requesterFromPrincipal({ kind: 'system', clientId: 'feed-client', scopes: [] })).toEqual({ kind: 'system', clientId: 'feed-client' });
  });
});

describe('vocabulary', () => {
  it('repeats the schema symbols exactly', () => {
    expect([...DATA_CATEGORIES]).toEqual([...DATA_CATEGORY_SYMBOLS]);
    expect([...CARE_RELATIONSHIP_BASES]).toEqual([...CARE_RELATIONSHIP_BASIS_SYMBOLS]);
    expect([...SPERRING_SCOPES]).toEqual([...SPERRING_SCOPE_SYMBOLS]);
    expect([...BLOCK_KINDS]).toEqual([...BLOCK_KIND_SYMBOLS]);
  });
});
