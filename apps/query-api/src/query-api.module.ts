import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadPolicyTable } from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { AccessLogReader, AuditTrail, auditOperatorOf } from '@backbone/audit';
import { AuthModule, authModuleOptions } from '@backbone/auth';
import { AppConfigModule } from '@backbone/config';
import { cachedPatientKeys, EventCodec, SchemaSet } from '@backbone/contracts';
import { KAFKA, KafkaModule } from '@backbone/messaging';
import { createLogger, LoggingModule, METRICS_REGISTRY, ObservabilityModule } from '@backbone/observability';
import { PersistenceModule, pgPoolOf } from '@backbone/persistence';
import { retryUntilDone } from '@backbone/platform';
import { RecipientModelReader, StoredEvents } from '@backbone/recipient-model';
import { AvroSerde, SerdeModule } from '@backbone/serde';
import { CitizenController } from './citizen/citizen.controller';
import { CitizenReads } from './citizen/citizen-reads.service';
import type { QueryApiConfig } from './query-api.config';
import { InboxReads } from './reading/inbox.service';
import { PatientReads } from './reading/patient-reads.service';
import { PatientsController } from './reading/patients.controller';

const QUERY_CONFIG = Symbol('QUERY_CONFIG');
const POOL = Symbol('POOL');
const PATIENT_KEYS = Symbol('PATIENT_KEYS');

/** The read side for people: health personnel's patient views and inbox, the citizen's own views. */
@Module({})
export class QueryApiModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;

  constructor(
    private readonly audit: AuditTrail,
    private readonly access: AccessModelReader,
    @Inject(QUERY_CONFIG) private readonly config: QueryApiConfig,
  ) {}

  static forRoot(config: QueryApiConfig): DynamicModule {
    return {
      module: QueryApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forApp('query-api', config.LOG_LEVEL),
        // Kafka only for the readiness check: audit records reach Kafka through the outbox relay.
        KafkaModule.forRoot(config, createLogger('query-api', config.LOG_LEVEL)),
        SerdeModule.forRoot(config.SCHEMA_REGISTRY_URL),
        // The candidate read of every request is a named statement whose plan never depends on its
        // parameters, but PostgreSQL re-planned it on every execution (0.44 ms planning, 0.63 ms to
        // run): its generic plan is costed for 10 requests in the batch, its custom ones for the 1 to
        // 3 there are, so the generic one always looked dearer. The other named statements here (the
        // audit insert, the access model's changes) have one plan too.
        PersistenceModule.forRoot(config, [], { plan_cache_mode: 'force_generic_plan' }),
        // Tenor synthetic person numbers in citizen tokens only where synthetic identifiers are allowed (development, test).
        AuthModule.forRoot({ ...authModuleOptions(config), principal: { allowSyntheticPid: config.ALLOW_SYNTHETIC_IDENTIFIERS } }),
        ObservabilityModule.forApp({ app: 'query-api', kafkaToken: KAFKA, registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
      controllers: [PatientsController, CitizenController],
      providers: [
        { provide: QUERY_CONFIG, useValue: config },
        { provide: POOL, useFactory: (dataSource: DataSource) => pgPoolOf(dataSource), inject: [DataSource] },
        { provide: PATIENT_KEYS, useFactory: () => cachedPatientKeys(config.PATIENT_KEY_SECRET) },
        { provide: AccessModelReader, useFactory: (pool: Pool) => new AccessModelReader(pool, loadPolicyTable(config.ACCESS_POLICY_FILE)), inject: [POOL] },
        { provide: EventCodec, useFactory: (serde: AvroSerde) => new EventCodec(SchemaSet.load(), serde), inject: [AvroSerde] },
        {
          provide: RecipientModelReader,
          useFactory: (pool: Pool, access: AccessModelReader, codec: EventCodec) => new RecipientModelReader(pool, access, new StoredEvents(codec)),
          inject: [POOL, AccessModelReader, EventCodec],
        },
        { provide: AccessLogReader, useFactory: (pool: Pool) => new AccessLogReader(pool), inject: [POOL] },
        {
          provide: AuditTrail,
          useFactory: (pool: Pool, codec: EventCodec, registry: Registry) =>
            new AuditTrail(pool, codec, auditOperatorOf(config, 'oslo-backbone-query-api'), { metrics: registry }),
          inject: [POOL, EventCodec, METRICS_REGISTRY],
        },
        {
          provide: PatientReads,
          useFactory: (reader: RecipientModelReader, access: AccessModelReader, audit: AuditTrail, keys: (v: string) => string) => new PatientReads(reader, access, audit, keys),
          inject: [RecipientModelReader, AccessModelReader, AuditTrail, PATIENT_KEYS],
        },
        { provide: InboxReads, useFactory: (reader: RecipientModelReader, audit: AuditTrail) => new InboxReads(reader, audit), inject: [RecipientModelReader, AuditTrail] },
        {
          provide: CitizenReads,
          useFactory: (reader: RecipientModelReader, log: AccessLogReader, audit: AuditTrail, keys: (v: string) => string) =>
            new CitizenReads(reader, log, audit, keys, { allowSyntheticIdentifiers: config.ALLOW_SYNTHETIC_IDENTIFIERS }),
          inject: [RecipientModelReader, AccessLogReader, AuditTrail, PATIENT_KEYS],
        },
      ],
    };
  }

  onApplicationBootstrap(): void {
    const logger = createLogger('query-api', this.config.LOG_LEVEL);
    // The access model is read whole once at start (later requests read only what changed), and
    // the audit schema registered, so the first requests do not pay for either.
    void retryUntilDone('warming up the access model and the audit schema', async () => {
      await this.access.refresh();
      await this.audit.warmUp();
    }, logger, () => this.stopping);
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }
}
