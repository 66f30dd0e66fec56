import { join } from 'node:path';
import { authorizeSubscription, loadSubscriberRegistry, parseSubscriberRegistry } from './subscriber-registry';

describe('subscriber registry (deploy/subscribers.yaml)', () => {
  const registry = loadSubscriberRegistry(join(__dirname, '..', '..', '..', 'deploy', 'subscribers.yaml'));

  it('lets the home care system receive its own unit\'s feed, full content when asked', () => {
    expect(authorizeSubscription(registry, 'oslo-gerica', 'org:958935420/poc:934567897')).toEqual({ ok: true, content: 'id-only' });
    expect(authorizeSubscription(registry, 'oslo-gerica', 'org:958935420/poc:934567897', 'full')).toEqual({ ok: true, content: 'full' });
  });

  it('denies by default: an unknown client, a recipient the client does not own, content above its maximum', () => {
    expect(authorizeSubscription(registry, 'someone', 'org:958935420/poc:934567897')).toEqual({ ok: false, rule: 'client someone is not registered as a subscriber' });
    expect(authorizeSubscription(registry, 'oslo-gerica', 'org:993467049')).toEqual({ ok: false, rule: 'client oslo-gerica may not receive for recipient org:993467049' });
    expect(authorizeSubscription(registry, 'oslo-care-dashboard', 'org:958935420/poc:934567897', 'full')).toEqual({ ok: false, rule: 'client oslo-care-dashboard may receive id-only content, not full' });
  });

  it('does not treat a recipient as covering its sub-units (each is listed)', () => {
    expect(authorizeSubscription(registry, 'ous-dips-arena', 'org:993467049/poc:974589095')).toMatchObject({ ok: false });
  });

  it('refuses a file with a malformed recipient key or a client listed twice', () => {
    const client = (id: string, recipient: string) => `  - { clientId: ${id}, name: x, recipients: ["${recipient}"], maxContent: full }\n`;
    expect(() => parseSubscriberRegistry(`clients:\n${client('a', '15868512218')}`)).toThrow(/recipients.0: must be a recipient key/);
    expect(() => parseSubscriberRegistry(`clients:\n${client('a', 'org:993467049')}${client('a', 'org:993467049')}`)).toThrow(/client a is listed twice/);
  });
});
