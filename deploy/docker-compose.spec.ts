import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// No Docker engine runs where this is developed, so these checks keep the compose file honest.
describe('deploy/docker-compose.yml', () => {
  const text = readFileSync(join(__dirname, 'docker-compose.yml'), 'utf8');
  const compose = parse(text);
  const envExample = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
  const documented = new Set([...envExample.matchAll(/^#?\s*([A-Z_]+)=/gm)].map((m) => m[1]));

  it('is valid YAML with the three services of the native stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', 'postgres', 'registry']);
  });

  it('uses only the variable names of the native stack, each documented in .env.example', () => {
    const used = [...text.matchAll(/\$\{([A-Z_]+)(:-[^}]*)?\}/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('pins every image to a version', () => {
    for (const service of Object.values<{ image: string }>(compose.services)) {
      expect(service.image).toMatch(/:[0-9][\w.-]*$/);
    }
  });

  it('runs PostgreSQL with the settings the native stack applies (deploy/postgres-tuning.conf)', () => {
    const tuning = readFileSync(join(__dirname, 'postgres-tuning.conf'), 'utf8');
    const settings = [...tuning.matchAll(/^\s*([a-z_]+)\s*=\s*(\S+)\s*$/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(settings.length).toBeGreaterThan(0);
    const args: string[] = compose.services.postgres.command;
    expect(args.filter((_, i) => args[i - 1] === '-c').sort()).toEqual(settings.sort());
  });

  it('runs the same Kafka version as the native stack', () => {
    const pom = readFileSync(join(__dirname, '..', 'scripts', 'stack', 'kafka-pom.xml'), 'utf8');
    const nativeVersion = /<kafka.version>(.+)<\/kafka.version>/.exec(pom)?.[1];
    expect(compose.services.kafka.image).toBe(`apache/kafka:${nativeVersion}`);
  });
});
