import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { outboxRelayEnv } from './outbox-relay.config';
import { OutboxRelayModule } from './outbox-relay.module';

void runHttpApp(outboxRelayEnv, (config) => OutboxRelayModule.forRoot(config), {
  name: 'outbox-relay',
  title: 'Oslo backbone: outbox relay',
  description: 'Publishes accepted events from the PostgreSQL outbox to Kafka. Operations endpoints only.',
});
