import { z } from 'zod';

/** Thrown at start-up when the environment does not satisfy an app's config schema. */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ variable: string; rule: string }>) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.rule}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once into a typed config. Every bad or missing variable is named in a
 * single error, so an operator fixes them all in one go instead of one restart per mistake.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      // Environment variables are flat: the first path segment is the variable, whatever the rule.
      variable: issue.path.length > 0 ? String(issue.path[0]) : '(environment)',
      rule: issue.message,
    })),
  );
}
