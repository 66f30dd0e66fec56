import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config';
import { httpEnv, stackEnv } from './env-schemas';

const appEnv = stackEnv.extend(httpEnv(3000).shape);

describe('loadConfig', () => {
  it('defaults every variable to the native stack', () => {
    const config = loadConfig(appEnv, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.SCHEMA_REGISTRY_URL).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(config.DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:5432/backbone');
    expect(config.PORT).toBe(3000);
  });

  it('parses a broker list and coerces numbers', () => {
    const config = loadConfig(appEnv, { KAFKA_BROKERS: 'a:1, b:2', PORT: '8080' });
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.PORT).toBe(8080);
  });

  it('names every invalid variable in one error', () => {
    const attempt = () =>
      loadConfig(appEnv, { KAFKA_BROKERS: 'no-port', PORT: '99999', DATABASE_URL: 'mysql://x/y', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const variables = (error as ConfigError).problems.map((p) => p.variable);
      expect(variables).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'PORT', 'DATABASE_URL', 'LOG_LEVEL']));
      expect((error as Error).message).toContain('PORT: must be a TCP port (1-65535)');
    }
  });

  it('reports a missing required variable by name', () => {
    expect(() => loadConfig(z.object({ SECRET: z.string() }), {})).toThrow(/SECRET/);
  });
});
