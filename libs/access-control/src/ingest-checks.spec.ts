import { exampleEvent, SchemaSet } from '@backbone/contracts';
import type { GovernanceEvent } from './facts';
import { governanceEventProblem } from './ingest-checks';

const schemas = SchemaSet.load();
const example = <T extends GovernanceEvent['type']>(type: T, change: (event: Record<string, unknown>) => void = () => undefined) => {
  const event = schemas.type(schemas.resolveEventType(type)!).clone(exampleEvent(schemas, type), { wrapUnions: false }) as Record<string, unknown>;
  change(event);
  return { type, event } as unknown as GovernanceEvent;
};

describe('governanceEventProblem', () => {
  it('accepts the valid examples of the self-contained governance events', () => {
    for (const type of ['CareRelationshipStarted', 'ConsentGiven', 'DataBlocked', 'EmergencyAccessInvoked'] as const) {
      expect(governanceEventProblem(example(type))).toBeUndefined();
    }
  });

  it('names the field and the rule of what only history could otherwise catch late', () => {
    expect(
      governanceEventProblem(
        example('CareRelationshipStarted', (e) => {
          e.validTo = new Date((e.validFrom as Date).getTime() - 1000);
        }),
      ),
    ).toEqual({ field: 'validTo', rule: expect.stringContaining('VALID_TO_BEFORE_VALID_FROM') });
    expect(governanceEventProblem(example('EmergencyAccessInvoked', (e) => (e.reason = '  ')))).toEqual({
      field: 'reason',
      rule: expect.stringContaining('EMERGENCY_WITHOUT_REASON'),
    });
    expect(
      governanceEventProblem(
        example('DataBlocked', (e) => {
          e.kind = 'SPERRING';
          e.sperringScope = 'CATEGORY';
          e.dataCategories = [];
        }),
      ),
    ).toEqual({ field: 'dataCategories', rule: expect.stringContaining('INCOMPLETE_BLOCK') });
  });

  it('leaves events that need history to the projector', () => {
    expect(governanceEventProblem(example('CareRelationshipEnded'))).toBeUndefined();
  });
});
