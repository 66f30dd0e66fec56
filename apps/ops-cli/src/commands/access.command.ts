import type { Command } from 'commander';
import { Option } from 'commander';
import {
  DATA_CATEGORIES,
  formatExplanation,
  loadPolicyTable,
  type ConfidentialityLevel,
  type ConfidentialityRestriction,
  type DataCategory,
  type DataItem,
  type PurposeOfUse,
  type Requester,
} from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { patientKeyEnv, loadConfig } from '@backbone/config';
import { patientKey } from '@backbone/contracts';
import { pgPoolOf } from '@backbone/persistence';
import { isoTime, wholeNumber } from '../cli-support';
import { stackClients } from '../stack-clients';

interface ExplainOptions {
  patientKey?: string;
  patient?: string;
  citizen?: boolean;
  hpr?: string;
  org?: string;
  pointOfCare?: string;
  department?: string;
  purpose: PurposeOfUse;
  serviceSystem: string;
  serviceCode: string;
  decisionRef: string;
  attestedAt?: string;
  securityLevel: string;
  category: DataCategory;
  documentId?: string;
  confidentiality: ConfidentialityLevel;
  restriction?: ConfidentialityRestriction;
  occurredAt?: string;
  releaseAt?: string;
  missionId?: string;
  handedOverTo?: string;
  at?: string;
  json?: boolean;
}

const instant = (text: string | undefined, name: string, fallback: Date): Date => (text === undefined ? fallback : isoTime(text, `--${name}`));

/**
 * "Why was X permitted or denied for Y at time T": the engine's own evaluation, rule by rule,
 * over the facts the access projector has stored, for audit and support.
 */
export function accessCommands(program: Command): void {
  const access = program.command('access').description('the need-to-know access model');
  access
    .command('explain')
    .description('why an item of a patient is permitted or denied for a requester at a time, rule by rule')
    .option('--patient-key <key>', 'the pseudonymous patient key')
    .option('--patient <fnr>', 'the patient identifier; hashed here with PATIENT_KEY_SECRET, never printed')
    .option('--citizen', 'the requester is the patient, in their own view')
    .option('--hpr <number>', "the health worker's HPR number")
    .option('--org <orgnr>', 'the legal entity of the attestation')
    .option('--point-of-care <orgnr>', 'the point of care of the attestation')
    .option('--department <id>', 'the department of the attestation')
    .addOption(new Option('--purpose <purpose>', 'the attested purpose of use').choices(['TREAT', 'ETREAT', 'COC', 'BTG']).default('TREAT'))
    .option('--service-system <system>', 'the attested healthcare service code system', 'urn:oid:2.16.578.1.12.4.1.1.8655')
    .option('--service-code <code>', 'the attested healthcare service code', 'S03')
    .option('--decision-ref <ref>', 'the attested decision reference', 'ops-cli explain')
    .option('--attested-at <time>', 'when the attestation was issued (default: --at)')
    .option('--security-level <n>', 'the security level of the login', '4')
    .addOption(new Option('--category <category>', 'the data category of the item').choices([...DATA_CATEGORIES]).makeOptionMandatory())
    .option('--document-id <id>', 'the XDS uniqueId of a document item')
    .addOption(new Option('--confidentiality <level>', 'the confidentiality of the item').choices(['N', 'R', 'V']).default('N'))
    .addOption(new Option('--restriction <restriction>', 'a restriction on the item').choices(['NORS', 'NORU']))
    .option('--occurred-at <time>', 'clinical time of the item (default: --at)')
    .option('--release-at <time>', 'when the item is released to the citizen')
    .option('--mission-id <id>', 'the AMK mission of an ambulance journal entry')
    .option('--handed-over-to <orgnr>', 'where that mission was handed over')
    .option('--at <time>', 'the time of the decision (default: now)')
    .option('--json', 'print the explanation as JSON')
    .action(async (options: ExplainOptions) => {
      const at = instant(options.at, 'at', new Date());
      const key = options.patientKey ?? (options.patient ? patientKey(loadConfig(patientKeyEnv).PATIENT_KEY_SECRET, options.patient) : undefined);
      if (!key) throw new Error('name the patient with --patient-key or --patient');
      const requester = requesterFrom(options, at);
      const item: DataItem = {
        itemId: options.documentId ?? '(the item in question)',
        category: options.category,
        documentId: options.documentId,
        custodian: '',
        confidentiality: options.confidentiality,
        restriction: options.restriction,
        occurredAt: instant(options.occurredAt, 'occurred-at', at),
        releaseToCitizenAt: options.releaseAt ? instant(options.releaseAt, 'release-at', at) : undefined,
        missionId: options.missionId,
        handedOverTo: options.handedOverTo ? { orgNumber: options.handedOverTo } : undefined,
      };
      const { dataSource } = stackClients();
      await dataSource.initialize();
      try {
        const reader = new AccessModelReader(pgPoolOf(dataSource), loadPolicyTable());
        const explanation = await reader.explain(key, requester, item, at);
        console.log(options.json ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation).join('\n'));
      } finally {
        await dataSource.destroy();
      }
    });

  access
    .command('dead-letters')
    .description('messages the projections could not apply, newest first, with the reason')
    .option('--projection <name>', 'only this projection (e.g. access-model.v1)')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (options: { projection?: string; limit: string }) => {
      const limit = wholeNumber(options.limit, '--limit', 1);
      const { dataSource } = stackClients();
      await dataSource.initialize();
      try {
        const rows: Array<Record<string, unknown>> = await dataSource.query(
          `SELECT created_at, projection, topic, partition, "offset", event_type, event_id, reason, attempts, detail
             FROM dead_letter WHERE $1::text IS NULL OR projection = $1 ORDER BY id DESC LIMIT $2`,
          [options.projection ?? null, limit],
        );
        if (rows.length === 0) console.log('no dead letters');
        for (const r of rows) {
          console.log(`${(r.created_at as Date).toISOString()} ${r.projection} ${r.topic}[${r.partition}]@${r.offset} ${r.event_type ?? '?'} ${r.event_id ?? ''}: ${r.reason} after ${r.attempts} attempt(s): ${r.detail}`);
        }
      } finally {
        await dataSource.destroy();
      }
    });
}

function requesterFrom(options: ExplainOptions, at: Date): Requester {
  const securityLevel = Number(options.securityLevel);
  if (options.citizen) return { kind: 'citizen', isPatient: true, securityLevel };
  if (!options.hpr || !options.org) throw new Error('name the health worker with --hpr and --org (or use --citizen)');
  return {
    kind: 'health-worker',
    hprNumber: options.hpr,
    legalEntity: options.org,
    pointOfCare: options.pointOfCare,
    department: options.department,
    purposeOfUse: options.purpose,
    healthcareService: { system: options.serviceSystem, code: options.serviceCode },
    decisionRef: options.decisionRef,
    attestedAt: instant(options.attestedAt, 'attested-at', at),
    securityLevel,
  };
}
