/** Code system identifiers as they appear in CodedValue.system. One place, so checks and examples agree. */
export const CODE_SYSTEMS = {
  ICD10: 'urn:oid:2.16.578.1.12.4.1.1.7110',
  ICPC2: 'urn:oid:2.16.578.1.12.4.1.1.7170',
  ATC: 'http://www.whocc.no/atc',
  LOINC: 'http://loinc.org',
  SNOMED_CT: 'http://snomed.info/sct',
  NPU: 'urn:oid:1.2.208.176.2.1',
  VOLVEN_9602_DOCUMENT_TYPE: 'urn:oid:2.16.578.1.12.4.1.1.9602',
  VOLVEN_9060_HP_CATEGORY: 'urn:oid:2.16.578.1.12.4.1.1.9060',
  VOLVEN_8655_SPECIALIST_SERVICE: 'urn:oid:2.16.578.1.12.4.1.1.8655',
  VOLVEN_8663_MUNICIPAL_SERVICE: 'urn:oid:2.16.578.1.12.4.1.1.8663',
  VOLVEN_8451_SPECIALTY: 'urn:oid:2.16.578.1.12.4.1.1.8451',
  UCUM: 'http://unitsofmeasure.org',
} as const;
