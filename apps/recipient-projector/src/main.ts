import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { recipientProjectorEnv } from './recipient-projector.config';
import { RecipientProjectorModule } from './recipient-projector.module';

void runHttpApp(recipientProjectorEnv, (config) => RecipientProjectorModule.forRoot(config), {
  name: 'recipient-projector',
  title: 'Oslo backbone: recipient projector',
  description: 'Builds the patient store and the per-recipient read models from the clinical topics and access changes. Operations endpoints only.',
});
