import { SchemaSet, NamedSchema } from './schema-set';

/*
 * The conventions of schemas/README.md, enforced. A schema that breaks one fails here, before it
 * reaches a vendor or the registry.
 */
describe('schema conventions (schemas/README.md)', () => {
  const schemas = SchemaSet.load();
  const files = schemas.all();

  const fieldsOf = (schema: NamedSchema) => schema.fields ?? [];
  const unionsIn = (type: unknown): unknown[][] => {
    if (Array.isArray(type)) return [type, ...type.flatMap(unionsIn)];
    if (type && typeof type === 'object') {
      const node = type as Record<string, unknown>;
      return [node.items, node.values, typeof node.type === 'object' ? node.type : undefined].flatMap(unionsIn);
    }
    return [];
  };

  it('has one named type per file, in a file named after it, under the project namespace', () => {
    for (const file of files) {
      expect(file.path.split('/').pop()).toBe(`${file.schema.name}.avsc`);
      expect(file.schema.namespace).toMatch(/^no\.oslo\.backbone\.[a-z]+(\.[a-z]+)?$/);
    }
  });

  it('has no nested named type definitions (each lives in its own file)', () => {
    const nested = (type: unknown): string[] => {
      if (Array.isArray(type)) return type.flatMap(nested);
      if (type && typeof type === 'object') {
        const node = type as Record<string, unknown>;
        if (['record', 'enum', 'fixed'].includes(node.type as string)) return [String(node.name)];
        return [node.items, node.values].flatMap(nested);
      }
      return [];
    };
    const offenders = files.flatMap((f) => fieldsOf(f.schema).flatMap((field) => nested(field.type).map((n) => `${f.path}: ${n}`)));
    expect(offenders).toEqual([]);
  });

  it('keeps short names unique across the whole set', () => {
    const names = files.map((f) => f.schema.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('documents every named type and every field', () => {
    const undocumented = files.flatMap((f) => [
      ...(f.schema.doc ? [] : [f.fullName]),
      ...fieldsOf(f.schema).filter((field) => !field.doc?.trim()).map((field) => `${f.fullName}.${field.name}`),
    ]);
    expect(undocumented).toEqual([]);
  });

  it('uses unions only for optional fields: ["null", T] with default null', () => {
    const offenders = files.flatMap((f) =>
      fieldsOf(f.schema).flatMap((field) => {
        const bad = unionsIn(field.type).filter((u) => u.length !== 2 || u[0] !== 'null');
        const topLevelUnion = Array.isArray(field.type);
        const badDefault = topLevelUnion && field.default !== null;
        return bad.length > 0 || badDefault ? [`${f.fullName}.${field.name}`] : [];
      }),
    );
    expect(offenders).toEqual([]);
  });

  it('starts every event with the common envelope', () => {
    const events = schemas.eventTypes();
    expect(events.length).toBeGreaterThanOrEqual(21);
    for (const event of events) expect(fieldsOf(schemas.get(event).schema)[0].name).toBe('envelope');
  });

  it('resolves every event to a valid self-contained Avro schema', () => {
    for (const event of schemas.eventTypes()) expect(() => schemas.type(event)).not.toThrow();
  });

  it('declares only known identifier kinds', () => {
    const kinds = files.flatMap((f) =>
      fieldsOf(f.schema)
        .map((field) => (field as { 'x-identifier'?: string })['x-identifier'])
        .filter((k): k is string => k !== undefined),
    );
    for (const kind of kinds) expect(['ORG_NUMBER', 'RESH_ID', 'HER_ID', 'HPR_NUMBER', 'MUNICIPALITY_NUMBER']).toContain(kind);
  });

  it('never carries a join secret or PIN for video appointments', () => {
    const fieldNames = files.flatMap((f) => fieldsOf(f.schema).map((field) => field.name.toLowerCase()));
    expect(fieldNames.filter((n) => /pin|secret|password|passcode/.test(n))).toEqual([]);
  });
});
