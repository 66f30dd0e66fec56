import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@backbone/config';
import type { AvroRecordSchema } from './avro-serde';

/** The repository's schemas/ folder (SCHEMAS_DIR overrides it). */
export function schemasDir(): string {
  return process.env.SCHEMAS_DIR ?? join(repoRoot(), 'schemas');
}

/** Reads one .avsc file, given relative to schemas/. */
export function readSchemaFile(relativePath: string): AvroRecordSchema {
  return JSON.parse(readFileSync(join(schemasDir(), relativePath), 'utf8')) as AvroRecordSchema;
}
