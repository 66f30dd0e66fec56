import { loadConfig } from '@backbone/config';
import { auditOperatorEnv, auditOperatorOf } from './audit-operator-env';

describe('auditOperatorEnv', () => {
  it('defaults to Oslo kommune and builds the custodian of the audit records', () => {
    expect(auditOperatorOf(loadConfig(auditOperatorEnv, {}), 'query-api')).toEqual({
      organisation: { orgNumber: '958935420', reshId: null, herId: null, name: 'Oslo kommune' },
      systemId: 'query-api',
    });
  });

  it('names a bad organisation number', () => {
    expect(() => loadConfig(auditOperatorEnv, { AUDIT_OPERATOR_ORG_NUMBER: '958935421' })).toThrow(/AUDIT_OPERATOR_ORG_NUMBER: must be a 9-digit organisation number with a valid check digit/);
  });
});
