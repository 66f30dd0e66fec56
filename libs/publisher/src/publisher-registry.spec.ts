import { join } from 'node:path';
import { EVENT_TYPES } from '@backbone/contracts';
import { authorizePublication, loadPublisherRegistry } from './publisher-registry';

describe('publisher registry (deploy/publishers.yaml)', () => {
  const registry = loadPublisherRegistry(join(__dirname, '..', '..', '..', 'deploy', 'publishers.yaml'), Object.keys(EVENT_TYPES));

  it('lets a GP system publish documents as its own organisation', () => {
    expect(authorizePublication(registry, 'gp-grunerlokka', 'DocumentPublished', '923456783')).toEqual({ ok: true });
  });

  it('refuses a GP system publishing as another organisation', () => {
    expect(authorizePublication(registry, 'gp-grunerlokka', 'DocumentPublished', '993467049')).toEqual({
      ok: false,
      rule: expect.stringContaining('may not publish as custodian 993467049'),
    });
  });

  it('lets only the ambulance system publish ambulance journal entries', () => {
    const allowed = registry.clients.filter((c) => c.eventTypes.includes('AmbulanceJournalEntryRecorded')).map((c) => c.clientId);
    expect(allowed).toEqual(['ous-ambulance-journal']);
    expect(authorizePublication(registry, 'ous-dips-arena', 'AmbulanceJournalEntryRecorded', '993467049')).toMatchObject({ ok: false });
  });

  it('denies unknown clients and audit events, which only the backbone writes', () => {
    expect(authorizePublication(registry, 'someone', 'DocumentPublished', '923456783')).toMatchObject({ ok: false, rule: expect.stringMatching(/not registered/) });
    expect(registry.clients.some((c) => c.eventTypes.includes('DataAccessed'))).toBe(false);
  });
});
