// Prints an access token from the local dev issuer, so local use never needs the real HelseID.
// The key pair lives in .stack/secrets (created on first use); apps trust it through
// AUTH_JWKS_PATH=.stack/secrets/jwks.json (the default) and AUTH_ISSUER=http://127.0.0.1/dev-issuer.
//
//   npx tsx scripts/token.ts --client ehr-ous [--audience backbone-ingest] [--scope "a b"] [--minutes 60] [--claims '{"k":"v"}']
//   npx tsx scripts/token.ts --client ehr-ous --audience backbone-query --health-worker
import { Command, InvalidArgumentError } from 'commander';
import { defaultSecretsDir } from '@backbone/config';
import {
  CITIZEN_SCOPE,
  DevIssuer,
  exampleCitizenClaims,
  exampleHealthWorkerClaims,
  type DevAlgorithm,
} from '@backbone/auth';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

function algorithm(value: string): DevAlgorithm {
  if (value !== 'RS256' && value !== 'ES256') throw new InvalidArgumentError('must be RS256 or ES256');
  return value;
}

interface Options {
  client: string;
  subject?: string;
  audience: string;
  scope?: string[];
  minutes: number;
  claims?: Record<string, unknown>;
  healthWorker?: boolean;
  citizen?: boolean;
  dir: string;
  alg: DevAlgorithm;
}

const program = new Command()
  .name('token')
  .description('Print an access token signed by the local dev issuer.')
  .requiredOption('--client <id>', 'client_id of the calling system')
  .option('--subject <sub>', 'sub (default: the client id)')
  .option('--audience <aud>', 'aud: the API the token is for', 'backbone-ingest')
  .option('--scope <scopes...>', 'scopes, space-separated or repeated')
  .option('--minutes <n>', 'lifetime in minutes', positiveInt, 60)
  .option('--claims <json>', 'extra claims as a JSON object (applied last)', jsonObject)
  .option('--health-worker', 'add HelseID health-worker claims with a TREAT attestation made now')
  .option('--citizen', `add citizen claims and scope ${CITIZEN_SCOPE}`)
  .option('--dir <path>', 'where the dev issuer keeps its keys', defaultSecretsDir())
  .option('--alg <alg>', 'algorithm of a newly created key (RS256 or ES256)', algorithm, 'RS256' as DevAlgorithm)
  .action(async (options: Options) => {
    if (options.healthWorker && options.citizen) throw new InvalidArgumentError('--health-worker and --citizen exclude each other');
    const scopes = (options.scope ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean);
    if (options.citizen && !scopes.includes(CITIZEN_SCOPE)) scopes.push(CITIZEN_SCOPE);
    const issuer = await DevIssuer.loadOrCreate(options.dir, options.alg);
    const token = await issuer.sign({
      subject: options.subject ?? options.client,
      clientId: options.client,
      audience: options.audience,
      scope: scopes.length > 0 ? scopes.join(' ') : undefined,
      expiresInSeconds: options.minutes * 60,
      extraClaims: {
        ...(options.healthWorker ? exampleHealthWorkerClaims() : {}),
        ...(options.citizen ? exampleCitizenClaims() : {}),
        ...options.claims,
      },
    });
    process.stdout.write(`${token}\n`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`token: ${(error as Error).message}\n`);
  process.exit(1);
});
