import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AvroRecordSchema } from './avro-serde';

/**
 * The repository's schemas/ folder, found by walking up from this file, so the same code works
 * from the sources (tests) and from a bundle in dist/ (apps). SCHEMAS_DIR overrides it.
 */
export function schemasDir(): string {
  if (process.env.SCHEMAS_DIR) return process.env.SCHEMAS_DIR;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'schemas')) && existsSync(join(dir, 'package.json'))) return join(dir, 'schemas');
  }
  throw new Error(`schemas/ not found above ${__dirname}; set SCHEMAS_DIR`);
}

/** Reads one .avsc file, given relative to schemas/. */
export function readSchemaFile(relativePath: string): AvroRecordSchema {
  return JSON.parse(readFileSync(join(schemasDir(), relativePath), 'utf8')) as AvroRecordSchema;
}
