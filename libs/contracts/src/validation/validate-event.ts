import { Type, types } from 'avsc';
import { LOGICAL_TYPE_RULES } from '@backbone/serde';
import {
  Check,
  checkAtc,
  checkHerId,
  checkHprNumber,
  checkIcd10,
  checkIcpc2,
  checkLoinc,
  checkOrgNumber,
  checkPatientIdentifier,
  checkReshId,
  checkUcumForLoinc,
} from '../identifiers';
import { CODE_SYSTEMS } from '../code-systems';
import { SchemaSet } from '../schema-set';

/** One thing wrong with an event: the dotted path of the field and the rule it breaks. */
export interface FieldError {
  field: string;
  rule: string;
}

export type EventValidation<T = Record<string, unknown>> =
  | { ok: true; eventType: string; event: T }
  | { ok: false; eventType?: string; errors: FieldError[] };

/**
 * Identifier kinds a string field can be declared to hold, with `"x-identifier": "<KIND>"` on the
 * field in its .avsc file, so the schema says which fields are checked and how.
 */
const IDENTIFIER_CHECKS: Record<string, { label: string; check: (value: string) => Check }> = {
  ORG_NUMBER: { label: 'organisation number', check: checkOrgNumber },
  RESH_ID: { label: 'RESH id', check: checkReshId },
  HER_ID: { label: 'HER-id', check: checkHerId },
  HPR_NUMBER: { label: 'HPR number', check: checkHprNumber },
  MUNICIPALITY_NUMBER: {
    label: 'municipality number',
    check: (value) => (/^\d{4}$/.test(value) ? { ok: true } : { ok: false, rule: 'must be 4 digits, e.g. 0301 for Oslo' }),
  },
};

const CODE_CHECKS: Record<string, { label: string; check: (code: string) => Check }> = {
  [CODE_SYSTEMS.ICD10]: { label: 'ICD-10 code', check: checkIcd10 },
  [CODE_SYSTEMS.ICPC2]: { label: 'ICPC-2 code', check: checkIcpc2 },
  [CODE_SYSTEMS.ATC]: { label: 'ATC code', check: checkAtc },
  [CODE_SYSTEMS.LOINC]: { label: 'LOINC code', check: checkLoinc },
};

const PATIENT_IDENTIFIER = 'no.oslo.backbone.common.PatientIdentifier';
const CODED_VALUE = 'no.oslo.backbone.common.CodedValue';
const QUANTITY = 'no.oslo.backbone.common.Quantity';

/** The non-null branch of a nullable union (our schemas have no other unions), or undefined. */
function nullableBranch(type: Type): Type | undefined {
  if (!(type instanceof types.UnwrappedUnionType || type instanceof types.WrappedUnionType)) return undefined;
  return type.types.find((t: Type) => t.typeName !== 'null');
}

function describe(type: Type): string {
  if (type instanceof types.LogicalType) {
    const logical = (type as unknown as { _logicalTypeName?: string })._logicalTypeName;
    return (logical && LOGICAL_TYPE_RULES[logical]) ?? 'expected a valid value';
  }
  if (type instanceof types.EnumType) return `expected one of ${type.symbols.join(', ')}`;
  const branch = nullableBranch(type);
  if (branch) return `expected null or ${describe(branch).replace(/^expected /, '')}`;
  if (type instanceof types.RecordType) return `expected an object (${type.name})`;
  if (type instanceof types.ArrayType) return 'expected an array';
  const names: Record<string, string> = { int: 'an integer', long: 'an integer', float: 'a number', double: 'a number', boolean: 'true or false', string: 'a string' };
  return `expected ${names[type.typeName] ?? type.typeName}`;
}

/**
 * Validates a JSON event against its schema, then against the identifier and code rules: check
 * digits of patient identifiers and organisation numbers, shapes of ICD-10, ICPC-2, ATC and LOINC
 * codes, and the UCUM unit expected for each vital sign. Every problem is reported, each naming
 * its field and rule; nothing is thrown for bad input.
 */
export interface ValidationOptions {
  /**
   * Accept synthetic identity numbers from Skatteetaten's test population (Tenor: month + 80).
   * On in development and test environments, which must never hold real people's numbers; off in
   * production, where a synthetic number means a test system is publishing into the real backbone.
   */
  allowSyntheticIdentifiers?: boolean;
  /**
   * Return the event normalised (defaults applied, timestamps as Date), the default. Off, the
   * input itself is returned: Avro encoding accepts it as it is, which saves a copy on ingest.
   */
  normalize?: boolean;
}

export function validateEvent<T = Record<string, unknown>>(
  schemas: SchemaSet,
  eventType: string,
  input: unknown,
  options: ValidationOptions = {},
): EventValidation<T> {
  const fullName = schemas.resolveEventType(eventType);
  if (!fullName) return { ok: false, errors: [{ field: 'envelope.eventType', rule: `unknown event type ${eventType}` }] };
  const type = schemas.type(fullName);
  const shape = shapeOf(schemas, type);
  const errors: FieldError[] = [];

  collectUndeclaredFields(shape, input, [], errors);
  // The hook-less check is several times faster; the hook only runs to explain a failure.
  if (!type.isValid(input)) {
    type.isValid(input, {
      errorHook: (path, value, failing) => {
        const rule = value === undefined ? 'is required' : describe(failing);
        errors.push({ field: path.join('.') || '(event)', rule });
      },
    });
  }
  if (errors.length > 0) return { ok: false, eventType: fullName, errors };

  const envelopeType = (input as { envelope?: { eventType?: string } }).envelope?.eventType;
  if (envelopeType !== fullName.split('.').pop()) {
    errors.push({ field: 'envelope.eventType', rule: `must be ${fullName.split('.').pop()} for this event` });
  }
  checkSemantics(shape, input, [], errors, options);
  if (errors.length > 0) return { ok: false, eventType: fullName, errors };
  if (options.normalize === false) return { ok: true, eventType: fullName, event: input as T };
  // clone applies defaults for omitted optional fields and turns ISO strings into Dates.
  return { ok: true, eventType: fullName, event: type.clone(input, { wrapUnions: false }) as T };
}

/**
 * What the two walks over an event need to know of one schema type, worked out once per type:
 * validation runs per event, and asking avsc's types (instanceof, union branches, field lists)
 * at every value was half of validating one. Nullable unions are looked through.
 */
interface Shape {
  /** Records: the declared fields by name (for undeclared-field errors) and in order (for the checks). */
  record?: RecordShape;
  /** Arrays: the items' shape. */
  items?: Shape;
  /** Whether a value of this type can hold anything to walk into (a record or an array). */
  walk: boolean;
  /** Whether anything below a value of this type can need a semantic check (a record somewhere below). */
  nested: boolean;
}

interface FieldShape {
  name: string;
  shape: Shape;
  identifier?: { label: string; check: (value: string) => Check };
}

interface RecordShape {
  /** The record's short name, for "is not a field of ..." errors. */
  shortName: string;
  declared: Map<string, Shape>;
  fields: FieldShape[];
  isPatientIdentifier: boolean;
  isCodedValue: boolean;
  isObservation: boolean;
}

const LEAF: Shape = { walk: false, nested: false };
const shapes = new WeakMap<Type, Shape>();

function unwrap(type: Type): Type {
  return nullableBranch(type) ?? type;
}

function shapeOf(schemas: SchemaSet, type: Type): Shape {
  const known = shapes.get(type);
  if (known) return known;
  const inner = unwrap(type);
  if (inner !== type) {
    const shape = shapeOf(schemas, inner);
    shapes.set(type, shape);
    return shape;
  }
  if (inner instanceof types.ArrayType) {
    const items = shapeOf(schemas, inner.itemsType);
    const shape: Shape = { items, walk: true, nested: items.nested };
    shapes.set(type, shape);
    return shape;
  }
  if (!(inner instanceof types.RecordType)) {
    shapes.set(type, LEAF);
    return LEAF;
  }
  const name = inner.name ?? '';
  const record: RecordShape = {
    shortName: name.split('.').pop() ?? name,
    declared: new Map(),
    fields: [],
    isPatientIdentifier: name === PATIENT_IDENTIFIER,
    isCodedValue: name === CODED_VALUE,
    isObservation: false,
  };
  // Registered before the fields are worked out, so a record that (indirectly) holds itself ends.
  const shape: Shape = { record, walk: true, nested: true };
  shapes.set(type, shape);
  const declaredFields = new Map((schemas.get(name).schema.fields ?? []).map((f) => [f.name, f as { 'x-identifier'?: string }]));
  for (const field of inner.fields) {
    const fieldShape = shapeOf(schemas, field.type);
    const identifier = declaredFields.get(field.name)?.['x-identifier'];
    record.declared.set(field.name, fieldShape);
    record.fields.push({ name: field.name, shape: fieldShape, identifier: identifier ? IDENTIFIER_CHECKS[identifier] : undefined });
  }
  const valueType = inner.fields.find((f) => f.name === 'value');
  record.isObservation = inner.fields.some((f) => f.name === 'code') && !!valueType && (unwrap(valueType.type) as types.RecordType).name === QUANTITY;
  return shape;
}

function collectUndeclaredFields(shape: Shape, value: unknown, path: string[], errors: FieldError[]): void {
  if (value === null || typeof value !== 'object') return;
  const { record, items } = shape;
  if (record) {
    if (Array.isArray(value)) return;
    const declared = record.declared;
    for (const key in value as Record<string, unknown>) {
      const fieldShape = declared.get(key);
      if (!fieldShape) {
        errors.push({ field: [...path, key].join('.'), rule: `is not a field of ${record.shortName}` });
      } else if (fieldShape.walk) {
        path.push(key);
        collectUndeclaredFields(fieldShape, (value as Record<string, unknown>)[key], path, errors);
        path.pop();
      }
    }
  } else if (items && items.walk && Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      path.push(String(index));
      collectUndeclaredFields(items, value[index], path, errors);
      path.pop();
    }
  }
}

const at = (path: string[], field: string) => [...path, field].join('.');

/** The identifier and code rules, over a value that has passed the schema check. */
function checkSemantics(shape: Shape, value: unknown, path: string[], errors: FieldError[], options: ValidationOptions): void {
  if (value === null || value === undefined) return;
  const { record: plan, items } = shape;
  if (items) {
    if (!items.nested) return;
    const values = value as unknown[];
    for (let index = 0; index < values.length; index += 1) {
      path.push(String(index));
      checkSemantics(items, values[index], path, errors, options);
      path.pop();
    }
    return;
  }
  if (!plan) return;
  const record = value as Record<string, unknown>;

  if (plan.isPatientIdentifier) {
    const result = checkPatientIdentifier(record.system as never, record.value as string, {
      allowSynthetic: options.allowSyntheticIdentifiers ?? false,
    });
    if (!result.ok) errors.push({ field: at(path, 'value'), rule: `${record.system}: ${result.rule}` });
  }
  if (plan.isCodedValue) {
    const codeCheck = CODE_CHECKS[record.system as string];
    const result = codeCheck?.check(record.code as string);
    if (result && !result.ok) errors.push({ field: at(path, 'code'), rule: `${codeCheck.label}: ${result.rule}` });
  }
  if (plan.isObservation) checkUnitAgainstLoinc(record, path, errors);

  for (const field of plan.fields) {
    const child = record[field.name];
    if (field.identifier && typeof child === 'string') {
      const result = field.identifier.check(child);
      if (!result.ok) errors.push({ field: at(path, field.name), rule: `${field.identifier.label}: ${result.rule}` });
    }
    if (field.shape.nested && child !== null && child !== undefined) {
      path.push(field.name);
      checkSemantics(field.shape, child, path, errors, options);
      path.pop();
    }
  }
}

/** An observation (a record with a LOINC `code` and a Quantity `value`) must use the vital sign's UCUM unit. */
function checkUnitAgainstLoinc(record: Record<string, unknown>, path: string[], errors: FieldError[]): void {
  const code = record.code as { system?: string; code?: string } | null | undefined;
  const quantity = record.value as { unit?: string } | null | undefined;
  if (code?.system !== CODE_SYSTEMS.LOINC || !quantity) return;
  const result = checkUcumForLoinc(code.code ?? '', quantity.unit ?? '');
  if (!result.ok) errors.push({ field: [...path, 'value', 'unit'].join('.'), rule: result.rule });
}
