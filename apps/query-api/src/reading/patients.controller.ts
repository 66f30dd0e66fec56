import { Body, Controller, Header, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@backbone/auth';
import { APP_CONFIG } from '@backbone/config';
import { invalidRequest } from '@backbone/platform';
import type { QueryApiConfig } from '../query-api.config';
import { InboxReads } from './inbox.service';
import { PatientReads } from './patient-reads.service';
import { categoryFromPath, CATEGORY_PATHS, parseInboxQuery, parsePatientQuery } from './query-request';
import { itemJson, viewJson } from './read-answer';

const PATIENT_BODY = {
  type: 'object',
  required: ['patient'],
  additionalProperties: false,
  properties: {
    patient: {
      type: 'object',
      required: ['system', 'value'],
      properties: { system: { type: 'string', enum: ['FNR', 'DNR', 'HNR', 'FHN'] }, value: { type: 'string', pattern: '^\\d{11}$' } },
    },
    categories: { type: 'array', items: { type: 'string', enum: Object.values(CATEGORY_PATHS) } },
  },
};

const DENIALS = {
  401: 'Missing, expired or invalid token (problem+json)',
  403: 'Not a health worker, or a denial about the caller alone: attestation older than 60 minutes, security level below 4 (problem+json with reason)',
  404: 'Nothing about this patient is available to the caller (the same answer whether the patient exists or not)',
  422: 'The body breaks its contract; errors[] names each field and rule',
};

/**
 * Health personnel read patients' data. The patient is named in the body; every item is decided
 * by the need-to-know engine at this moment and the access is audited before the answer leaves.
 */
@ApiTags('patients')
@ApiBearerAuth()
@Controller()
export class PatientsController {
  constructor(
    private readonly reads: PatientReads,
    private readonly inbox: InboxReads,
    @Inject(APP_CONFIG) private readonly config: QueryApiConfig,
  ) {}

  @Post('patients/summary')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  @ApiOperation({
    summary: "A patient's summary: every item the caller may see now, optionally narrowed to categories",
    description: 'An index: what each item is, when it happened, whose it is and the basis it is shown on. The events themselves come from the category views (or dataRef).',
  })
  @ApiBody({ schema: PATIENT_BODY })
  @ApiResponse({ status: 200, description: 'The items the caller may see, each with its basis and the event that last changed it; accessId names the audit record' })
  @ApiResponse({ status: 401, description: DENIALS[401] })
  @ApiResponse({ status: 403, description: DENIALS[403] })
  @ApiResponse({ status: 404, description: DENIALS[404] })
  @ApiResponse({ status: 422, description: DENIALS[422] })
  async summary(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    const query = parsePatientQuery(body, { allowSyntheticIdentifiers: this.config.ALLOW_SYNTHETIC_IDENTIFIERS });
    const { accessId, items } = await this.reads.read(principal, query.patient, query.categories, 'POST /patients/summary', false);
    res.header('X-Access-Id', accessId);
    return viewJson(accessId, query.categories, items);
  }

  @Post('patients/categories/:category')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  @ApiOperation({ summary: 'One data category of a patient with the events themselves (documents, medication, lab, imaging, dho, critical-info, ambulance, video, other)' })
  @ApiParam({ name: 'category', enum: Object.keys(CATEGORY_PATHS) })
  @ApiBody({ schema: { ...PATIENT_BODY, properties: { patient: PATIENT_BODY.properties.patient } } })
  @ApiResponse({ status: 200, description: 'The items of that category the caller may see' })
  @ApiResponse({ status: 404, description: DENIALS[404] })
  async category(@Param('category') segment: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    const category = categoryFromPath(segment);
    const query = parsePatientQuery(body, { allowSyntheticIdentifiers: this.config.ALLOW_SYNTHETIC_IDENTIFIERS });
    if (query.categories) throw invalidRequest([{ field: 'categories', rule: 'not allowed here: the category is in the path' }]);
    const { accessId, items } = await this.reads.read(principal, query.patient, [category], 'POST /patients/categories/{category}', true);
    res.header('X-Access-Id', accessId);
    return viewJson(accessId, [category], items);
  }

  @Post('inbox')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  @ApiOperation({ summary: "The caller's inbox: items that reached the recipients they act for since a time (default: the last 7 days), newest first" })
  @ApiBody({ schema: { type: 'object', properties: { since: { type: 'string', format: 'date-time' }, limit: { type: 'integer', minimum: 1, maximum: 200 } } } })
  @ApiResponse({ status: 200, description: 'Entries with the patient they are about; one audit record per patient named' })
  async inboxOf(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<string> {
    const { accessIds, entries } = await this.inbox.read(principal, parseInboxQuery(body), 'POST /inbox');
    const lines = entries.map(({ item, patient }) => `{"patient":${JSON.stringify(patient)},"seq":${JSON.stringify(item.seq)},"recipientKey":${JSON.stringify(item.recipientKey)},${itemJson(item).slice(1)}`);
    return `{"accessIds":${JSON.stringify(accessIds)},"count":${entries.length},"entries":[${lines.join(',')}]}`;
  }
}
