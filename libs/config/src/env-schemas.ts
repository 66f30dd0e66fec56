import { z } from 'zod';

/*
 * The environment variables shared by every app. Names are the same in the native stack
 * (scripts/stack.sh), deploy/docker-compose.yml and .env.example; defaults point at the native stack.
 */

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export const kafkaEnv = z.object({
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(hostPort, 'must be a comma-separated list of host:port'))
        .min(1, 'must name at least one broker'),
    ),
  KAFKA_CLIENT_ID: z.string().min(1).default('oslo-backbone'),
});

export const registryEnv = z.object({
  SCHEMA_REGISTRY_URL: z.url({ message: 'must be an http(s) URL of the Confluent-compatible API' }).default('http://127.0.0.1:8081/apis/ccompat/v7'),
});

export const databaseEnv = z.object({
  DATABASE_URL: z
    .url({ message: 'must be a postgres:// URL' })
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL')
    .default('postgres://postgres:postgres@127.0.0.1:5432/backbone'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
});

export const httpEnv = (defaultPort: number) =>
  z.object({
    PORT: z.coerce.number().int('must be an integer').min(1).max(65535, 'must be a TCP port (1-65535)').default(defaultPort),
    HOST: z.string().min(1).default('127.0.0.1'),
  });

/**
 * Worker processes serving an app's port (node:cluster), each able to use a core of its own; 1:
 * the process serves it itself. Only for apps whose instances share nothing but PostgreSQL (the
 * ingest API): a relay or a projector holds a leader lock or a consumer's state in memory.
 */
export const workersEnv = (defaultWorkers: number) =>
  z.object({
    HTTP_WORKERS: z.coerce.number().int('must be an integer').min(1).max(64).default(defaultWorkers),
  });

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The stack every app talks to: Kafka, the schema registry and PostgreSQL. */
export const stackEnv = kafkaEnv.extend(registryEnv.shape).extend(databaseEnv.shape).extend(logEnv.shape);
export type StackConfig = z.infer<typeof stackEnv>;

/** Boolean flags: only the words true and false, so a typo does not silently mean "off". */
export const booleanFlag = (defaultValue: boolean) =>
  z.enum(['true', 'false'], { message: 'must be true or false' }).default(defaultValue ? 'true' : 'false').transform((v) => v === 'true');

export const patientKeyEnv = z.object({
  // No default: a secret is never in the repository. scripts/stack.sh generates one for development.
  PATIENT_KEY_SECRET: z
    .string({ message: 'required: the secret of the pseudonymous patient key (at least 32 characters)' })
    .min(32, 'must be at least 32 characters'),
  // Tenor test-population identity numbers: accepted in development and test, never in production.
  ALLOW_SYNTHETIC_IDENTIFIERS: booleanFlag(false),
});
