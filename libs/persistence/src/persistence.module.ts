import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseConfig, dataSourceOptions, migrate, type SessionSettings } from './data-source';

@Injectable()
class MigrateOnStart implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await migrate(this.dataSource);
  }
}

/** TypeORM on the backbone database; pending migrations run (under a lock) when the app starts. */
@Module({})
export class PersistenceModule {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  static forRoot(config: DatabaseConfig, entities: Function[] = [], session: SessionSettings = {}): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config, entities, session)), TypeOrmModule.forFeature(entities)],
      providers: [MigrateOnStart],
      exports: [TypeOrmModule],
    };
  }
}
