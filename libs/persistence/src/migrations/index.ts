import { Foundation1764340000000 } from './1764340000000-foundation';
import { IngestOutbox1764350000000 } from './1764350000000-ingest-outbox';
import { IngestAcceptFunction1764360000000 } from './1764360000000-ingest-accept-function';
import { OutboxAutovacuum1764370000000 } from './1764370000000-outbox-autovacuum';
import { OutboxPerRequest1764380000000 } from './1764380000000-outbox-per-request';
import { AccessModel1764390000000 } from './1764390000000-access-model';
import { AccessTimeBoundaries1764400000000 } from './1764400000000-access-time-boundaries';
import { RecipientModelV11764410000000 } from './1764410000000-recipient-model-v1';
import { RecipientModelV1Lookups1764420000000 } from './1764420000000-recipient-model-v1-lookups';
import { ProjectionVersions1764430000000 } from './1764430000000-projection-versions';
import { RecipientItemTombstones1764440000000 } from './1764440000000-recipient-item-tombstones';
import { AccessLog1764450000000 } from './1764450000000-access-log';
import { WebhookSubscriptions1764460000000 } from './1764460000000-webhook-subscriptions';
import { AccessLogPageOrder1764470000000 } from './1764470000000-access-log-page-order';
import { PatientStoreLz41764480000000 } from './1764480000000-patient-store-lz4';
import { PatientStoreAvro1764490000000 } from './1764490000000-patient-store-avro';
import { OutboxRoundFunction1764500000000 } from './1764500000000-outbox-round-function';
import { AccessLogInlineEntries1764510000000 } from './1764510000000-access-log-inline-entries';
import { IngestAcceptGenericPlans1764520000000 } from './1764520000000-ingest-accept-generic-plans';
import { OutboxLz41764530000000 } from './1764530000000-outbox-lz4';

export { patientStoreCompression } from './1764480000000-patient-store-lz4';

/** Every migration, oldest first. A new migration is appended here and nowhere else. */
export const BACKBONE_MIGRATIONS = [Foundation1764340000000, IngestOutbox1764350000000, IngestAcceptFunction1764360000000, OutboxAutovacuum1764370000000, OutboxPerRequest1764380000000, AccessModel1764390000000, AccessTimeBoundaries1764400000000, RecipientModelV11764410000000, RecipientModelV1Lookups1764420000000, ProjectionVersions1764430000000, RecipientItemTombstones1764440000000, AccessLog1764450000000, WebhookSubscriptions1764460000000, AccessLogPageOrder1764470000000, PatientStoreLz41764480000000, PatientStoreAvro1764490000000, OutboxRoundFunction1764500000000, AccessLogInlineEntries1764510000000, IngestAcceptGenericPlans1764520000000, OutboxLz41764530000000];
