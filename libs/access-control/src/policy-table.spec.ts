import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { compilePolicyTable, defaultPolicyTable, defaultPolicyTablePath, parsePolicyTable, policyRowFor, PolicyTableError } from './policy-table';
import { DATA_CATEGORIES } from './vocabulary';

const V8655 = 'urn:oid:2.16.578.1.12.4.1.1.8655';
const V8663 = 'urn:oid:2.16.578.1.12.4.1.1.8663';
const V8451 = 'urn:oid:2.16.578.1.12.4.1.1.8451';

describe('policy table (deploy/access-policy.yaml)', () => {
  const table = defaultPolicyTable();
  const rowFor = (basis: Parameters<typeof policyRowFor>[1]['basis'], system: string, code: string) =>
    policyRowFor(table, { basis, healthcareService: { system, code } })?.id;

  it('is versioned, dated and documents every row', () => {
    expect(table.version).toBe(1);
    expect(table.effectiveFrom).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(table.rows.length).toBeGreaterThan(3);
    for (const row of table.rows) expect(row.description.length).toBeGreaterThan(40);
  });

  it('holds the trust framework limits: level 4, attestations of at most 60 minutes', () => {
    expect(table.requiredSecurityLevel).toBe(4);
    expect(table.attestationMaxAgeMs).toBe(60 * 60_000);
    expect(table.attestationClockSkewMs).toBe(60_000);
    expect(table.emergencyAccessMaxMs).toBe(8 * 60 * 60_000);
  });

  it('never lets BTG through a relationship row', () => {
    for (const row of table.rows) expect(row.purposes.has('BTG')).toBe(false);
  });

  it('chooses rows by basis and service, first match wins', () => {
    expect(rowFor('GP_LIST', V8663, 'KA01')).toBe('fastlege');
    expect(rowFor('GP_LIST', 'anything', 'at-all')).toBe('fastlege');
    expect(rowFor('AMBULANCE_MISSION', 'urn:oid:2.16.578.1.12.4.1.1.8666', 'X')).toBe('ambulance-crew');
    expect(rowFor('EMERGENCY_CLINIC', V8655, 'S01')).toBe('emergency-reception');
    expect(rowFor('EMERGENCY_CLINIC', V8663, 'KA02')).toBe('emergency-reception');
    expect(rowFor('ADMISSION', V8655, 'S03')).toBe('specialist-somatic');
    expect(rowFor('OUTPATIENT', V8655, 'S030601')).toBe('specialist-somatic');
    expect(rowFor('REFERRAL', V8451, 'whatever')).toBe('specialist-somatic');
    expect(rowFor('HOME_CARE_DECISION', V8663, 'KP01')).toBe('municipal-home-care');
    expect(rowFor('OTHER', V8663, 'KP02')).toBe('municipal-home-care');
  });

  it('has no row for mental health, substance abuse, unknown codes or unknown systems', () => {
    expect(rowFor('ADMISSION', V8655, 'PV01')).toBeUndefined();
    expect(rowFor('ADMISSION', V8655, 'R05')).toBeUndefined();
    expect(rowFor('HOME_CARE_DECISION', V8663, 'KP03')).toBeUndefined();
    expect(rowFor('ADMISSION', 'urn:oid:1.2.3', 'S03')).toBeUndefined();
    expect(rowFor('EMERGENCY_CLINIC', V8663, 'KP02')).toBe('municipal-home-care');
  });

  it('compares systems with or without urn:oid:', () => {
    expect(rowFor('ADMISSION', '2.16.578.1.12.4.1.1.8655', 'S03')).toBe('specialist-somatic');
  });

  it('matches a basis this build does not know only against rows that ignore the basis', () => {
    expect(rowFor('NEW_BASIS' as never, V8655, 'S03')).toBe('specialist-somatic');
    expect(rowFor('NEW_BASIS' as never, 'anything', 'x')).toBeUndefined();
  });

  it('lets the fastlege see every category', () => {
    const fastlege = table.rows.find((r) => r.id === 'fastlege')!;
    expect([...fastlege.categories].sort()).toEqual([...DATA_CATEGORIES].sort());
  });

  it('is found from anywhere in the repository', () => {
    expect(defaultPolicyTablePath()).toMatch(/deploy\/access-policy\.yaml$/);
  });
});

describe('policy table validation', () => {
  const valid = parse(readFileSync(defaultPolicyTablePath(), 'utf8'));
  const broken = (change: (doc: any) => void) => {
    const doc = structuredClone(valid);
    change(doc);
    try {
      compilePolicyTable(doc, 'test.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyTableError);
      return (error as PolicyTableError).problems;
    }
    throw new Error('expected the table to be refused');
  };

  it('names each bad field', () => {
    expect(broken((d) => (d.rows[0].categories = ['LABS']))).toEqual([expect.stringMatching(/^rows\.0\.categories\.0: /)]);
    expect(broken((d) => (d.rows[0].purposes = ['BTG']))).toEqual([expect.stringMatching(/^rows\.0\.purposes\.0: /)]);
    expect(broken((d) => delete d.rows[1].description)).toEqual([expect.stringMatching(/^rows\.1\.description: /)]);
    expect(broken((d) => (d.limits.attestationMaxAgeMinutes = 90))).toEqual([expect.stringMatching(/^limits\.attestationMaxAgeMinutes: /)]);
    expect(broken((d) => (d.effectiveFrom = 'soon'))).toEqual([expect.stringMatching(/^effectiveFrom: /)]);
  });

  it('refuses a row that matches everything, allows nothing, or lists a category twice', () => {
    expect(broken((d) => (d.rows[0].match = {}))).toEqual([expect.stringContaining('must match on bases, services or both')]);
    expect(broken((d) => (d.rows[0].categories = []))).toEqual([expect.stringContaining('at least one category')]);
    expect(broken((d) => (d.rows[2].missionCategories = ['LAB']))).toEqual([expect.stringContaining('LAB is in both')]);
  });

  it('refuses duplicate row ids and unknown keys (typos)', () => {
    expect(broken((d) => (d.rows[1].id = d.rows[0].id))).toEqual([expect.stringContaining('used twice')]);
    expect(broken((d) => (d.rows[0].categorys = ['LAB']))).toEqual([expect.stringMatching(/categorys/)]);
  });

  it('parses YAML text and reports the source in the message', () => {
    expect(parsePolicyTable(stringify(valid)).version).toBe(1);
    expect(() => parsePolicyTable('version: 2', 'my.yaml')).toThrow(/^my\.yaml: invalid access policy table/);
  });
});
