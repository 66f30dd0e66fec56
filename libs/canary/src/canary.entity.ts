import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'ops_canary' })
export class CanaryEntity {
  @PrimaryColumn({ name: 'canary_id', type: 'uuid' })
  canaryId!: string;

  @Column({ name: 'emitted_at', type: 'timestamptz' })
  emittedAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'emitted_by', type: 'text' })
  emittedBy!: string;

  @Column({ name: 'schema_id', type: 'integer' })
  schemaId!: number;

  @Column({ name: 'kafka_topic', type: 'text' })
  kafkaTopic!: string;

  @Column({ name: 'kafka_partition', type: 'integer' })
  kafkaPartition!: number;

  // bigint comes back from pg as a string; offsets are strings in kafkajs too.
  @Column({ name: 'kafka_offset', type: 'bigint' })
  kafkaOffset!: string;
}
