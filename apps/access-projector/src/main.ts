import 'reflect-metadata';
import { runHttpApp } from '@backbone/platform';
import { accessProjectorEnv } from './access-projector.config';
import { AccessProjectorModule } from './access-projector.module';

void runHttpApp(accessProjectorEnv, (config) => AccessProjectorModule.forRoot(config), {
  name: 'access-projector',
  title: 'Oslo backbone: access-control projector',
  description: 'Builds the need-to-know access model from the governance topic. Operations endpoints only.',
});
