import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { SchemaSet } from '../schema-set';
import { loadTopicCatalog } from '../topic-catalog';
import { generatedFiles } from './generated-files';

const root = join(__dirname, '..', '..', '..', '..');

describe('generated contracts (npm run codegen)', () => {
  const schemas = SchemaSet.load();
  const catalog = loadTopicCatalog();
  const files = generatedFiles(schemas, catalog);

  it.each(Object.keys(files))('%s is up to date with schemas/ (run npm run codegen)', (path) => {
    const target = join(root, path);
    expect(existsSync(target)).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(files[path]);
  });

  it('writes a valid AsyncAPI 3 document with one message per event type', async () => {
    const text = files['docs/events/asyncapi.yaml'];
    const { document, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const messages = Object.keys(parse(text).components.messages);
    expect(messages.sort()).toEqual(catalog.topics.flatMap((t) => t.eventTypes).map((e) => e.split('.').pop()).sort());
  });

  it('documents every event, with its fields, in the catalog page', () => {
    const page = files['docs/events/catalog.md'];
    for (const eventType of schemas.eventTypes()) {
      const { schema } = schemas.get(eventType);
      expect(page).toContain(`### ${schema.name}`);
      for (const field of schema.fields ?? []) expect(page).toContain(`| \`${field.name}\` |`);
    }
  });

  it('types timestamps as Date and decimals as exact strings', () => {
    const types = files['libs/contracts/src/generated/types.ts'];
    expect(types).toMatch(/occurredAt: Date;/);
    expect(types).toMatch(/export interface Quantity \{[^}]*value: string;/s);
  });
});
