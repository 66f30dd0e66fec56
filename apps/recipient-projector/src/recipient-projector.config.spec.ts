import { ConfigError, loadConfig } from '@backbone/config';
import { recipientProjectorEnv } from './recipient-projector.config';

describe('recipient projector configuration', () => {
  it('builds version 1 with its own consumer group by default, 8 partitions at once', () => {
    const config = loadConfig(recipientProjectorEnv, {});
    expect(config.RECIPIENT_MODEL_VERSION).toBe(1);
    expect(config.RECIPIENT_PROJECTOR_GROUP_ID).toBeUndefined();
    expect(config.RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS).toBe(4);
  });

  it('names each bad variable: a version below 1, a concurrency that is not a number or too high', () => {
    const attempt = () => loadConfig(recipientProjectorEnv, { RECIPIENT_MODEL_VERSION: '0', RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS: 'many' });
    expect(attempt).toThrow(ConfigError);
    const variables = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as ConfigError).problems.map((p) => p.variable);
      }
    })();
    expect(variables).toEqual(expect.arrayContaining(['RECIPIENT_MODEL_VERSION', 'RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS']));
    expect(() => loadConfig(recipientProjectorEnv, { RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS: '64' })).toThrow(/RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS/);
  });
});
