import type {
  BlockKind,
  CareRelationshipBasis,
  ConfidentialityLevel,
  ConfidentialityRestriction,
  DataCategory,
  PurposeOfUse,
  SperringScope,
} from '@backbone/contracts';

/*
 * The code lists the engine needs at run time. They are the schemas' symbols, repeated here so that
 * this library imports only *types* from @backbone/contracts (no Avro, no Kafka admin in a pure
 * engine). `covering` makes the compiler fail when a schema gains a symbol that is missing here,
 * and a unit test compares them with the generated *_SYMBOLS arrays.
 */
const covering =
  <Union extends string>() =>
  <const List extends readonly Union[]>(list: List & ([Exclude<Union, List[number]>] extends [never] ? unknown : { missing: Exclude<Union, List[number]> })): List =>
    list;

export const DATA_CATEGORIES = covering<DataCategory>()([
  'DOCUMENTS',
  'MEDICATION',
  'LAB',
  'IMAGING',
  'DHO',
  'CRITICAL_INFO',
  'AMBULANCE',
  'VIDEO',
  'OTHER',
]);

export const CARE_RELATIONSHIP_BASES = covering<CareRelationshipBasis>()([
  'GP_LIST',
  'ADMISSION',
  'OUTPATIENT',
  'REFERRAL',
  'HOME_CARE_DECISION',
  'AMBULANCE_MISSION',
  'EMERGENCY_CLINIC',
  'OTHER',
]);

export const SPERRING_SCOPES = covering<SperringScope>()(['ALL', 'CATEGORY', 'DOCUMENT', 'ORGANISATION', 'TIME_WINDOW']);

export const BLOCK_KINDS = covering<BlockKind>()(['RESERVASJON', 'SPERRING', 'BLOKKERING']);

/** Purposes a care relationship (and a policy row) can carry. BTG is never a relationship: it is EmergencyAccessInvoked. */
export const RELATIONSHIP_PURPOSES = ['TREAT', 'ETREAT', 'COC'] as const satisfies readonly PurposeOfUse[];
export type RelationshipPurpose = (typeof RELATIONSHIP_PURPOSES)[number];

/** Purposes an emergency access can carry. */
export const EMERGENCY_PURPOSES = ['BTG', 'ETREAT'] as const satisfies readonly PurposeOfUse[];
export type EmergencyPurpose = (typeof EMERGENCY_PURPOSES)[number];

export type { BlockKind, CareRelationshipBasis, ConfidentialityLevel, ConfidentialityRestriction, DataCategory, PurposeOfUse, SperringScope };
