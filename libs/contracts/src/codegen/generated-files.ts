import { join } from 'node:path';
import type { SchemaSet } from '../schema-set';
import type { TopicCatalog } from '../topic-catalog';
import { generateAsyncApi, generateCatalogPage } from './generate-docs';
import { generateTypeFiles } from './generate-types';

/** Every generated file, by path relative to the repository root. */
export function generatedFiles(schemas: SchemaSet, catalog: TopicCatalog): Record<string, string> {
  const types = generateTypeFiles(schemas, catalog);
  return {
    ...Object.fromEntries(Object.entries(types).map(([name, content]) => [join('libs/contracts/src/generated', name), content])),
    'docs/events/asyncapi.yaml': generateAsyncApi(schemas, catalog),
    'docs/events/catalog.md': generateCatalogPage(schemas, catalog),
  };
}
