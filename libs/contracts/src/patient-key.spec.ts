import fc from 'fast-check';
import { cachedPatientKeys, patientKey } from './patient-key';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

describe('patientKey', () => {
  it('is stable for the same identifier and secret', () => {
    expect(patientKey(secret, '13097248022')).toBe(patientKey(secret, '13097248022'));
  });

  it('never contains the identifier and is a 43-character base64url string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (fnr) => {
        const key = patientKey(secret, fnr);
        expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(key).not.toContain(fnr);
      }),
    );
  });

  it('differs between identifiers and between secrets', () => {
    expect(patientKey(secret, '13097248022')).not.toBe(patientKey(secret, '13097248103'));
    expect(patientKey(secret, '13097248022')).not.toBe(patientKey(`${secret}x`, '13097248022'));
  });

  it('refuses a short secret', () => {
    expect(() => patientKey('short', '13097248022')).toThrow(/at least 32/);
  });
});

describe('cachedPatientKeys', () => {
  it('gives the same keys as patientKey, also after its memory starts over', () => {
    const keyOf = cachedPatientKeys(secret, 3);
    fc.assert(
      fc.property(fc.array(fc.constantFrom('13097248022', '13097248103', '15868512218', '01010112345', '31129912345'), { maxLength: 30 }), (ids) => {
        for (const id of ids) expect(keyOf(id)).toBe(patientKey(secret, id));
      }),
    );
  });

  it('refuses a short secret when created, not at the first event', () => {
    expect(() => cachedPatientKeys('short')).toThrow(/at least 32/);
  });
});
