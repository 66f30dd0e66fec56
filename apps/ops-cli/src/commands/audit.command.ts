import type { Command } from 'commander';
import { AccessLogReader } from '@backbone/audit';
import { isoTime, wholeNumber, withPool } from '../cli-support';

/**
 * After-the-fact control of the audit trail. Emergency accesses must be reviewed by the
 * organisation that made them (domain.md §3); this lists them with the patient by pseudonym only.
 */
export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail: accesses that must be reviewed after the fact');
  audit
    .command('review')
    .description('permitted emergency accesses and sperring openings since a time, newest first (patients by pseudonymous key)')
    .option('--since <time>', 'ISO-8601; default 7 days ago')
    .option('--limit <n>', 'at most this many', '50')
    .action((options: { since?: string; limit: string }) => {
      const since = options.since === undefined ? new Date(Date.now() - 7 * 24 * 3600_000) : isoTime(options.since, '--since');
      const limit = wholeNumber(options.limit, '--limit', 1);
      return withPool(async (pool) => {
        const accesses = await new AccessLogReader(pool).toReview({ since, limit });
        if (accesses.length === 0) console.log(`no emergency access or sperring opening since ${since.toISOString()}`);
        for (const a of accesses) {
          const who = a.practitioner ? `${a.practitioner.name ?? '?'} (HPR ${a.practitioner.hprNumber})` : a.clientId;
          const where = [a.legalEntity?.orgNumber, a.department?.reshId ? `dept ${a.department.reshId}` : undefined].filter(Boolean).join('/');
          const flags = [a.emergency ? 'EMERGENCY' : '', a.sperringOverride ? 'SPERRING-OPENED' : ''].filter(Boolean).join(',');
          console.log(`${a.accessedAt} ${flags} ${who} at ${where} ${a.purposeOfUse ?? ''} ${a.reasonCode} patient ${a.patientKey} items ${a.itemIds.length} (${a.api}, access ${a.accessId})`);
        }
      });
    });
}
