import { DynamicModule, Global, Module } from '@nestjs/common';
import { AvroSerde } from './avro-serde';

@Global()
@Module({})
export class SerdeModule {
  static forRoot(registryUrl: string): DynamicModule {
    return { module: SerdeModule, providers: [{ provide: AvroSerde, useValue: new AvroSerde(registryUrl) }], exports: [AvroSerde] };
  }
}
