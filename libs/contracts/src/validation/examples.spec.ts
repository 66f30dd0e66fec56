import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaSet } from '../schema-set';
import { validateEvent } from './validate-event';

/*
 * The examples under schemas/examples are part of the contract: every valid one must pass the
 * schema and the identifier rules and survive Avro encoding; every invalid one must be rejected
 * with an error naming the expected field and rule.
 */
describe('event examples (schemas/examples)', () => {
  const schemas = SchemaSet.load();
  // The examples use synthetic identity numbers (Tenor, month + 80), never a real person's.
  const synthetic = { allowSyntheticIdentifiers: true };
  const dir = (kind: string) => join(schemas.root, 'examples', kind);
  const read = (kind: string, file: string) => JSON.parse(readFileSync(join(dir(kind), file), 'utf8'));
  const shortNames = schemas.eventTypes().map((e) => e.split('.').pop() as string);
  const validFiles = readdirSync(dir('valid')).filter((f) => f.endsWith('.json'));
  const invalidFiles = readdirSync(dir('invalid')).filter((f) => f.endsWith('.json'));

  it('has a valid example and at least one invalid example for every event type', () => {
    expect(validFiles.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...shortNames].sort());
    const withInvalid = new Set(invalidFiles.map((f) => f.split('.')[0]));
    expect(shortNames.filter((name) => !withInvalid.has(name))).toEqual([]);
  });

  it.each(validFiles)('accepts valid/%s and round-trips it through Avro', (file) => {
    const eventType = file.replace(/\.json$/, '');
    const result = validateEvent(schemas, eventType, read('valid', file), synthetic);
    if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors)}`);
    const type = schemas.type(result.eventType);
    const decoded = type.fromBuffer(type.toBuffer(result.event));
    expect(type.compare(decoded, result.event)).toBe(0);
    expect(JSON.parse(JSON.stringify(decoded))).toEqual(JSON.parse(JSON.stringify(result.event)));
  });

  it.each(invalidFiles)('rejects invalid/%s naming the field and the rule', (file) => {
    const { $expect, ...event } = read('invalid', file);
    const result = validateEvent(schemas, file.split('.')[0], event, synthetic);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([{ field: $expect.field, rule: expect.stringContaining($expect.rule) }]),
    );
  });

  it('reports every problem at once, not only the first', () => {
    const event = read('valid', 'CareRelationshipStarted.json');
    const result = validateEvent(schemas, 'CareRelationshipStarted', { ...event, legalEntity: 12, purposeOfUse: 'X' }, synthetic);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field).sort()).toEqual(['legalEntity', 'purposeOfUse']);
  });

  it('rejects a synthetic identity number unless synthetic numbers are allowed (production)', () => {
    const result = validateEvent(schemas, 'DataUnblocked', read('valid', 'DataUnblocked.json'));
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'envelope.patient.value', rule: expect.stringMatching(/^FNR: /) }] });
  });

  it('rejects an unknown event type by name', () => {
    expect(validateEvent(schemas, 'PatientTeleported', {})).toEqual({
      ok: false,
      errors: [{ field: 'envelope.eventType', rule: 'unknown event type PatientTeleported' }],
    });
  });
});
