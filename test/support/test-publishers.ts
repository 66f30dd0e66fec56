import { EVENT_TYPES } from '@backbone/contracts';
import type { PublisherRegistry } from '@backbone/publisher';

/** A client allowed everything the examples use, for tests of the publishing path itself. */
export const TEST_CLIENT = 'test-all-types';
export const testPublisherRegistry = (extra: PublisherRegistry['clients'] = []): PublisherRegistry => ({
  clients: [
    {
      clientId: TEST_CLIENT,
      name: 'tests',
      custodians: ['993467049', '958935420', '923456783', '934567897', '994598759', '982791952'],
      eventTypes: Object.keys(EVENT_TYPES).filter((t) => t !== 'DataAccessed'),
    },
    ...extra,
  ],
});
