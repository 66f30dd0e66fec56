import { join } from 'node:path';
import { repoRoot } from '@backbone/config';

/** The repository's schemas/ folder (SCHEMAS_DIR overrides it). */
export function schemasDir(): string {
  return process.env.SCHEMAS_DIR ?? join(repoRoot(), 'schemas');
}
