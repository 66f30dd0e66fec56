import type { Compatibility } from '@backbone/serde';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * The administrative half of the Confluent schema-registry REST API (subjects, versions,
 * compatibility), which the serde client does not cover. Works against Apicurio's ccompat API
 * and Confluent's own registry alike.
 */
export class SchemaRegistryAdmin {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'Content-Type': CONTENT_TYPE, Accept: CONTENT_TYPE },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  private fail(what: string, status: number, body: unknown): never {
    const message = (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
    throw new RegistryError(`${what}: HTTP ${status}: ${message}`, status);
  }

  async subjects(): Promise<string[]> {
    const { status, body } = await this.call<string[]>('GET', '/subjects');
    return status === 200 ? body : this.fail('listing subjects', status, body);
  }

  /** Registered version numbers of a subject; empty for a subject never registered. */
  async versions(subject: string): Promise<number[]> {
    const { status, body } = await this.call<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    if (status === 404) return [];
    return status === 200 ? body : this.fail(`versions of ${subject}`, status, body);
  }

  async schemaOf(subject: string, version: number): Promise<{ id: number; schema: string }> {
    const { status, body } = await this.call<{ id: number; schema: string }>(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
    );
    return status === 200 ? body : this.fail(`${subject} version ${version}`, status, body);
  }

  async compatibility(subject: string): Promise<string | undefined> {
    const { status, body } = await this.call<{ compatibilityLevel?: string }>('GET', `/config/${encodeURIComponent(subject)}`);
    return status === 200 ? body.compatibilityLevel : undefined;
  }

  async setCompatibility(subject: string, level: Compatibility): Promise<void> {
    const { status, body } = await this.call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
    if (status !== 200) this.fail(`setting ${level} on ${subject}`, status, body);
  }

  /** Registers a schema (idempotent: the same schema returns its existing id). */
  async register(subject: string, schema: object): Promise<number> {
    const { status, body } = await this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schemaType: 'AVRO',
      schema: JSON.stringify(schema),
    });
    return status === 200 ? body.id : this.fail(`registering ${subject}`, status, body);
  }

  /** Asks the registry whether a schema is compatible with every registered version, under the subject's level. */
  async isCompatible(subject: string, schema: object): Promise<boolean> {
    const { status, body } = await this.call<{ is_compatible: boolean }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions?verbose=true`,
      { schemaType: 'AVRO', schema: JSON.stringify(schema) },
    );
    if (status === 404) return true;
    return status === 200 ? body.is_compatible : this.fail(`checking ${subject}`, status, body);
  }
}
