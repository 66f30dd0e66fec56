import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder above `start` holding nest-cli.json. Walking up instead
 * of a fixed `../../..` keeps it right both from libs/auth/src (tsx, jest) and from a webpack
 * bundle in dist/apps/<app>. Falls back to the working directory.
 */
export function repoRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nest-cli.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

/** Where the dev issuer keeps its keys (git-ignored with the rest of .stack/). */
export function defaultSecretsDir(): string {
  return join(repoRoot(), '.stack', 'secrets');
}
