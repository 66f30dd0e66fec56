import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { deliveryEnv } from './delivery.config';
import { DeliveryModule } from './delivery.module';

void runHttpApp(deliveryEnv, (config) => DeliveryModule.forRoot(config), {
  name: 'delivery',
  title: 'Oslo backbone: delivery to downstream systems',
  description:
    'Per-recipient feeds for subscribed systems: cursor-based pull, Server-Sent Events, and signed webhooks. Every entry is decided again by the ' +
    'need-to-know engine at delivery time and every delivery is audited before it leaves. Errors are RFC 9457 problem+json naming each field and rule.',
});
