import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The integration and end-to-end tiers run against the real Kafka, schema registry and
 * PostgreSQL. If the native stack is not up, bring it up (idempotent, see scripts/stack.sh).
 * With STACK_EXTERNAL=1 the stack is someone else's (for example docker compose) and left alone.
 */
export default function globalSetup(): void {
  if (process.env.STACK_EXTERNAL === '1') return;
  const stack = join(__dirname, '..', '..', 'scripts', 'stack.sh');
  try {
    execFileSync('bash', [stack, 'status'], { stdio: 'ignore' });
  } catch {
    execFileSync('bash', [stack, 'up'], { stdio: 'inherit' });
  }
}
