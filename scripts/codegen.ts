// Regenerates the TypeScript types, the AsyncAPI document and the event catalog page from
// schemas/. With --check it writes nothing and exits 1 if any generated file is stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles, loadTopicCatalog, SchemaSet } from '@backbone/contracts';

const root = join(__dirname, '..');
const check = process.argv.includes('--check');
const files = generatedFiles(SchemaSet.load(join(root, 'schemas')), loadTopicCatalog(join(root, 'schemas', 'topics.yaml')));
const stale: string[] = [];
for (const [path, content] of Object.entries(files)) {
  const target = join(root, path);
  if (existsSync(target) && readFileSync(target, 'utf8') === content) continue;
  stale.push(path);
  if (!check) {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}
if (check && stale.length > 0) {
  console.error(`stale generated files (run npm run codegen): ${stale.join(', ')}`);
  process.exit(1);
}
console.log(stale.length ? `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}` : 'generated files are up to date');
