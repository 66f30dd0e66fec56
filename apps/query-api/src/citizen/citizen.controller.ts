import { Body, Controller, Header, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { citizenLogLine } from '@backbone/audit';
import { CurrentPrincipal, type Principal } from '@backbone/auth';
import { APP_CONFIG } from '@backbone/config';
import type { QueryApiConfig } from '../query-api.config';
import { accessLogCursor, parseAccessLogQuery, parseCategoriesQuery } from '../reading/query-request';
import { viewJson } from '../reading/read-answer';
import { CitizenReads } from './citizen-reads.service';

/**
 * The citizen's own views (Helsenorge-style): their data and who has looked at it. The citizen is
 * the person in the token (scope backbone:citizen, security level 4); no identifier is taken from
 * the request for their own data.
 */
@ApiTags('citizen')
@ApiBearerAuth()
@Controller('citizen')
export class CitizenController {
  constructor(
    private readonly reads: CitizenReads,
    @Inject(APP_CONFIG) private readonly config: QueryApiConfig,
  ) {}

  @Post('data')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  @ApiOperation({ summary: 'My own data (items under delayed release are hidden until released)' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { categories: { type: 'array', items: { type: 'string' } } } } })
  @ApiResponse({ status: 200, description: 'The items, each with the event that last changed it' })
  @ApiResponse({ status: 403, description: 'Not a citizen token, or below security level 4' })
  async data(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    const categories = parseCategoriesQuery(body);
    const { accessId, items } = await this.reads.data(principal, categories, 'POST /citizen/data');
    res.header('X-Access-Id', accessId);
    return viewJson(accessId, categories, items);
  }

  @Post('access-log')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Who has accessed my data: person (name, HPR), organisation, department, time, purpose and decision, emergency access flagged; newest first',
    description: 'Reading the log is itself recorded in it. Naming another person in `patient` is refused (403) and recorded in their log.',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { before: { type: 'string', description: 'the `next` cursor of the previous page' }, limit: { type: 'integer', minimum: 1, maximum: 100 } } } })
  @ApiResponse({ status: 200, description: 'One page of the log' })
  @ApiResponse({ status: 400, description: 'A malformed cursor' })
  @ApiResponse({ status: 403, description: 'Not a citizen token, or someone else named' })
  async accessLog(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    const query = parseAccessLogQuery(body, { allowSyntheticIdentifiers: this.config.ALLOW_SYNTHETIC_IDENTIFIERS });
    const { accessId, page } = await this.reads.accessLog(principal, query.patient, { limit: query.limit, ...(query.before ? { before: query.before } : {}) }, 'POST /citizen/access-log');
    res.header('X-Access-Id', accessId);
    return { accessId, entries: page.lines.map(citizenLogLine), ...(page.next ? { next: accessLogCursor(page.next) } : {}) };
  }
}
