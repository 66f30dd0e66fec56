import { createHash } from 'node:crypto';
import {
  DEV_CITIZEN_PID,
  DEV_HEALTH_WORKER_PID,
  exampleAuthorizationDetails,
  exampleCitizenClaims,
  exampleHealthWorkerClaims,
} from './dev-claims';
import {
  attestationHash,
  canonicalJson,
  CITIZEN_SCOPE,
  HELSEID_CLAIMS,
  principalForLog,
  principalFromClaims,
  type CitizenPrincipal,
  type ClaimError,
  type HealthWorkerPrincipal,
  type PrincipalResult,
} from './principal';

const TOA = new Date('2026-03-02T08:15:00Z');
const base = { iss: 'https://helseid-sts.nhn.no', aud: 'backbone-query', exp: 1772442000, iat: 1772438400 };

/** A HelseID user token for a doctor at OUS, client ehr-ous, with the given changes. */
function healthWorker(change: (claims: Record<string, any>) => void = () => {}): Record<string, any> {
  const claims: Record<string, any> = { ...base, sub: 'pseudonym-123', client_id: 'ehr-ous', scope: ['backbone:read'], ...exampleHealthWorkerClaims(TOA) };
  change(claims);
  return claims;
}
const entry = (claims: Record<string, any>) => claims.authorization_details[0];

function errorsOf(result: PrincipalResult): ClaimError[] {
  if (result.ok) throw new Error(`expected errors, got a ${result.principal.kind} principal`);
  return result.errors;
}

describe('principalFromClaims: system clients', () => {
  it('reads client_id and a space-separated scope', () => {
    expect(principalFromClaims({ ...base, sub: 'x', client_id: 'ambulance-journal', scope: 'backbone:ingest  backbone:read' })).toEqual({
      ok: true,
      principal: { kind: 'system', clientId: 'ambulance-journal', scopes: ['backbone:ingest', 'backbone:read'] },
    });
  });

  it('reads a scope array, and falls back to azp, then sub', () => {
    expect(principalFromClaims({ azp: 'lab-fuerst', sub: 'x', scope: ['a', 'b'] })).toEqual({
      ok: true,
      principal: { kind: 'system', clientId: 'lab-fuerst', scopes: ['a', 'b'] },
    });
    expect(principalFromClaims({ sub: 'only-sub' })).toEqual({ ok: true, principal: { kind: 'system', clientId: 'only-sub', scopes: [] } });
  });

  it('names the claims that are missing or of the wrong shape', () => {
    expect(errorsOf(principalFromClaims({ scope: 42 }))).toEqual([
      { field: 'scope', rule: 'must be a space-separated string or an array of strings' },
      { field: 'client_id', rule: 'required (a non-empty client_id, azp or sub)' },
    ]);
    expect(errorsOf(principalFromClaims({ client_id: 'x', scope: ['a', 1] }))).toEqual([
      { field: 'scope', rule: 'must be a space-separated string or an array of strings' },
    ]);
  });
});

describe('principalFromClaims: health workers (HelseID + trust framework)', () => {
  it('builds the principal from a realistic attestation', () => {
    const claims = healthWorker();
    const result = principalFromClaims(claims);
    expect(result.ok).toBe(true);
    const principal = (result as { principal: HealthWorkerPrincipal }).principal;
    expect(principal).toEqual({
      kind: 'health-worker',
      clientId: 'ehr-ous',
      scopes: ['backbone:read'],
      hprNumber: '9144900',
      name: 'Lege Legesen',
      securityLevel: 4,
      attestation: {
        authorization: { code: 'LE', text: 'Lege', system: 'urn:oid:2.16.578.1.12.4.1.1.9060' },
        legalEntity: { id: '993467049', name: 'OSLO UNIVERSITETSSYKEHUS HF', system: 'urn:oid:2.16.578.1.12.4.1.4.101' },
        pointOfCare: { id: '974589095', system: 'urn:oid:2.16.578.1.12.4.1.4.101' },
        department: { id: '4001031', system: 'urn:oid:2.16.578.1.12.4.1.4.102' },
        purposeOfUse: 'TREAT',
        healthcareService: { code: 'S03', text: 'Indremedisin', system: 'urn:oid:2.16.578.1.12.4.1.1.8655' },
        decisionRef: { id: '30F4AB40-5C8E-4E8B-9C4F-8D2B6E3A1F07', userSelected: false },
        attestedAt: TOA,
      },
      attestationHash: createHash('sha256').update(canonicalJson(entry(claims))).digest('hex'),
    });
    expect(principal.attestationHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the FNR on the principal but out of JSON, logs and spreads', () => {
    const principal = (principalFromClaims(healthWorker()) as { principal: HealthWorkerPrincipal }).principal;
    expect(principal.pid).toBe(DEV_HEALTH_WORKER_PID);
    expect(JSON.stringify(principal)).not.toContain(DEV_HEALTH_WORKER_PID);
    expect(JSON.stringify(principalForLog(principal))).not.toContain(DEV_HEALTH_WORKER_PID);
    expect(Object.keys(principal)).not.toContain('pid');
    expect(() => {
      (principal as { pid: string }).pid = 'x';
    }).toThrow();
  });

  it('accepts toa as a top-level claim, a single authorization_details object, and a numeric level', () => {
    const result = principalFromClaims(
      healthWorker((claims) => {
        const details = entry(claims);
        delete details.toa;
        delete details.practitioner.department;
        delete details.practitioner.authorization;
        claims.authorization_details = details;
        claims.toa = Math.floor(TOA.getTime() / 1000);
        claims[HELSEID_CLAIMS.securityLevel] = 3;
        delete claims.name;
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      principal: { securityLevel: 3, name: 'Lege Legesen', attestation: { attestedAt: TOA, purposeOfUse: 'TREAT' } },
    });
    const attestation = (result as { principal: HealthWorkerPrincipal }).principal.attestation;
    expect(attestation).not.toHaveProperty('department');
    expect(attestation).not.toHaveProperty('authorization');
  });

  it('picks the trust framework entry among other authorization_details types', () => {
    const result = principalFromClaims(
      healthWorker((claims) => {
        claims.authorization_details = [{ type: 'helseid_authorization', practitioner_role: {} }, entry(claims)];
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('hashes the entry canonically: key order does not matter, any value does', () => {
    const details = exampleAuthorizationDetails(TOA);
    const reordered = Object.fromEntries(Object.entries(details).reverse());
    expect(attestationHash(reordered)).toBe(attestationHash(details));
    const other = exampleAuthorizationDetails(TOA) as any;
    other.care_relationship.purpose_of_use.code = 'ETREAT';
    expect(attestationHash(other)).not.toBe(attestationHash(details));
  });

  it('missing hpr claim: field-named error', () => {
    expect(errorsOf(principalFromClaims(healthWorker((claims) => delete claims[HELSEID_CLAIMS.hprNumber])))).toEqual([
      { field: 'helseid://claims/hpr/hpr_number', rule: 'required' },
    ]);
  });

  it('unknown purpose code: field-named error with the allowed codes', () => {
    expect(errorsOf(principalFromClaims(healthWorker((claims) => (entry(claims).care_relationship.purpose_of_use.code = 'CARE'))))).toEqual([
      { field: 'authorization_details[0].care_relationship.purpose_of_use.code', rule: 'must be one of TREAT, ETREAT, COC, BTG' },
    ]);
  });

  it('reports every broken piece at once', () => {
    const errors = errorsOf(
      principalFromClaims(
        healthWorker((claims) => {
          delete claims.client_id;
          claims[HELSEID_CLAIMS.securityLevel] = '5';
          claims[HELSEID_CLAIMS.pid] = '15063150027';
          delete claims.name;
          delete claims.family_name;
          const details = entry(claims);
          details.practitioner.legal_entity.id = '993467048';
          details.practitioner.point_of_care.system = 'urn:oid:2.16.578.1.12.4.1.4.102';
          details.practitioner.department.id = 'RESH-4001031';
          details.care_relationship.purpose_of_use.system = 'urn:oid:1.2.3';
          delete details.care_relationship.healthcare_service.code;
          details.care_relationship.decision_ref.user_selected = 'yes';
          details.toa = TOA.getTime();
        }),
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'client_id', rule: 'required (a non-empty client_id or azp)' },
        { field: HELSEID_CLAIMS.securityLevel, rule: 'must be a level 1-4' },
        { field: HELSEID_CLAIMS.pid, rule: 'must be a valid fødselsnummer or D-number' },
        { field: 'name', rule: 'required (name, or given_name and family_name)' },
        { field: 'authorization_details[0].practitioner.legal_entity.id', rule: 'organisation number check digit (mod 11) does not match' },
        { field: 'authorization_details[0].practitioner.point_of_care.system', rule: 'must be urn:oid:2.16.578.1.12.4.1.4.101 (Enhetsregisteret)' },
        { field: 'authorization_details[0].practitioner.department.id', rule: 'must be 1-9 digits' },
        { field: 'authorization_details[0].care_relationship.purpose_of_use.system', rule: 'must be urn:oid:2.16.840.1.113883.1.11.20448' },
        { field: 'authorization_details[0].care_relationship.healthcare_service.code', rule: 'required' },
        { field: 'authorization_details[0].care_relationship.decision_ref.user_selected', rule: 'must be a boolean' },
        { field: 'authorization_details[0].toa', rule: 'must be epoch seconds, not milliseconds' },
      ]),
    );
    expect(errors).toHaveLength(11);
    // The FNR never appears in an error, not even the digits that are wrong.
    expect(JSON.stringify(errors)).not.toContain('15063150027');
  });

  it('requires an attestation and its time', () => {
    expect(errorsOf(principalFromClaims(healthWorker((claims) => delete claims.authorization_details)))).toEqual([
      { field: 'authorization_details', rule: 'required (an entry of type nhn:tillitsrammeverk:parameters)' },
    ]);
    expect(errorsOf(principalFromClaims(healthWorker((claims) => (claims.authorization_details = [{ type: 'other' }]))))).toEqual([
      { field: 'authorization_details', rule: 'must contain an entry of type nhn:tillitsrammeverk:parameters' },
    ]);
    expect(errorsOf(principalFromClaims(healthWorker((claims) => claims.authorization_details.push(entry(claims)))))).toEqual([
      { field: 'authorization_details', rule: 'must contain exactly one entry of type nhn:tillitsrammeverk:parameters' },
    ]);
    expect(errorsOf(principalFromClaims(healthWorker((claims) => delete entry(claims).toa)))).toEqual([
      { field: 'toa', rule: 'required (in the authorization_details entry or as a top-level claim)' },
    ]);
    expect(errorsOf(principalFromClaims(healthWorker((claims) => delete entry(claims).care_relationship)))).toEqual([
      { field: 'authorization_details[0].care_relationship', rule: 'required' },
    ]);
  });

  it('a HelseID pid alone makes a health worker, who then needs the rest', () => {
    const errors = errorsOf(principalFromClaims({ ...base, client_id: 'ehr-ous', [HELSEID_CLAIMS.pid]: DEV_HEALTH_WORKER_PID }));
    expect(errors.map((error) => error.field)).toEqual([
      HELSEID_CLAIMS.hprNumber,
      HELSEID_CLAIMS.securityLevel,
      'name',
      'authorization_details',
    ]);
  });

  it('accepts Tenor synthetic pids only when told to', () => {
    const synthetic = '15885010056'; // month 88 = August + 80
    const claims = healthWorker((c) => (c[HELSEID_CLAIMS.pid] = synthetic));
    expect(principalFromClaims(claims).ok).toBe(false);
    expect(principalFromClaims(claims, { allowSyntheticPid: true }).ok).toBe(true);
  });
});

describe('principalFromClaims: citizens', () => {
  it('reads pid and the ID-porten acr when the token has scope backbone:citizen', () => {
    const result = principalFromClaims({ ...base, sub: 'x', client_id: 'helsenorge', scope: `openid ${CITIZEN_SCOPE}`, ...exampleCitizenClaims() });
    expect(result).toEqual({
      ok: true,
      principal: { kind: 'citizen', clientId: 'helsenorge', scopes: ['openid', CITIZEN_SCOPE], securityLevel: 4 },
    });
    expect((result as { principal: CitizenPrincipal }).principal.pid).toBe(DEV_CITIZEN_PID);
    expect(JSON.stringify(result)).not.toContain(DEV_CITIZEN_PID);
  });

  it('also reads the HelseID pid and security level claims', () => {
    const result = principalFromClaims({
      scope: [CITIZEN_SCOPE],
      [HELSEID_CLAIMS.pid]: DEV_CITIZEN_PID,
      [HELSEID_CLAIMS.securityLevel]: '3',
    });
    expect(result).toMatchObject({ ok: true, principal: { kind: 'citizen', securityLevel: 3 } });
  });

  it('names the missing pid and level', () => {
    expect(errorsOf(principalFromClaims({ scope: CITIZEN_SCOPE, acr: 'idporten-loa-low' }))).toEqual([
      { field: 'pid', rule: 'required' },
      { field: `${HELSEID_CLAIMS.securityLevel} or acr`, rule: 'must be a level 1-4' },
    ]);
  });

  it('refuses a token that claims to be both a citizen and a health worker', () => {
    const claims = healthWorker((c) => (c.scope = [CITIZEN_SCOPE]));
    expect(errorsOf(principalFromClaims(claims))).toContainEqual({
      field: 'scope',
      rule: 'backbone:citizen cannot be combined with HPR or authorization_details claims',
    });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
});
