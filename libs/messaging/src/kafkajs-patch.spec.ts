import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// kafkajs is patched at install (patches/, npm's postinstall runs patch-package): its encoder
// allocates without zero-filling. Correctness is the broker's to judge, in every test that
// produces; this only catches an install that skipped the patch, which would cost the relay ~14%.
describe('the installed kafkajs', () => {
  it("is the patched one: its encoder's buffers are not zero-filled", () => {
    const encoder = readFileSync(join(require.resolve('kafkajs'), '..', 'src', 'protocol', 'encoder.js'), 'utf8');
    expect(encoder).toContain('Backbone patch');
    expect(encoder).not.toMatch(/Buffer\.alloc\(/);
  });
});
