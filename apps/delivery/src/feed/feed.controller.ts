import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import { bearerToken, CurrentPrincipal, type Principal } from '@backbone/auth';
import { APP_CONFIG } from '@backbone/config';
import { encodeCursor, FeedDelivery, parseFeedQuery, type FeedCursor, type FeedEntry, type SubscriberRegistry } from '@backbone/delivery';
import { problem } from '@backbone/platform';
import type { DeliveryConfig } from '../delivery.config';
import { DELIVERY_LOGGER, SUBSCRIBER_REGISTRY } from '../delivery.tokens';
import { feedUnavailable, invalidParameters, subscriberFor } from '../subscriber-access';

export interface FeedPageResponse {
  recipient: string;
  projectionVersion: number;
  entries: FeedEntry[];
  /** Pass it back as `cursor` to continue after this page (also when it is empty). */
  nextCursor: string;
  /** The page was full: ask again at once. */
  hasMore: boolean;
}

const QUERY_DOCS = [
  { name: 'recipient', required: true, description: 'The recipient key, e.g. org:993467049/poc:974589095/dept:4001031 (never a patient identifier)' },
  { name: 'cursor', required: false, description: 'nextCursor of the previous page (or an SSE event id); omit to start at the beginning' },
  { name: 'limit', required: false, description: 'Entries per page, 1-1000 (default 100)' },
  { name: 'content', required: false, enum: ['id-only', 'full'], description: 'id-only (default) or full (adds the event; only where the subscriber registry allows it)' },
];

function QueryDocs(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const q of QUERY_DOCS) ApiQuery(q)(target, key, descriptor);
  };
}

/**
 * A recipient's feed for subscribed systems: pull by cursor, or a Server-Sent Events stream that
 * resumes from the last event id. Every entry is decided again by the need-to-know engine now, and
 * every delivered page is audited before it is sent.
 */
@ApiTags('feed')
@ApiBearerAuth()
@Controller('feed')
export class FeedController {
  constructor(
    private readonly feed: FeedDelivery,
    @Inject(SUBSCRIBER_REGISTRY) private readonly registry: SubscriberRegistry,
    @Inject(APP_CONFIG) private readonly config: DeliveryConfig,
    @Inject(DELIVERY_LOGGER) private readonly logger: Logger,
  ) {}

  /** Checks the parameters, the caller and the cursor, in that order; each failure is its own problem. */
  private async open(query: Record<string, unknown>, principal: Principal, lastEventId?: string) {
    const parsed = parseFeedQuery(query, lastEventId);
    if (!parsed.ok) throw invalidParameters(parsed.errors);
    const { recipient, cursor: cursorText, limit, content } = parsed.query;
    const subscriber = subscriberFor(principal, this.registry, recipient, content);
    const resolved = await this.feed.resolveCursor(cursorText);
    if (!resolved.ok) {
      if (resolved.kind === 'unavailable') throw feedUnavailable();
      throw invalidParameters([{ field: lastEventId ? 'Last-Event-ID' : 'cursor', rule: resolved.rule }]);
    }
    return { subscriber, recipient, limit, content, cursor: resolved.cursor };
  }

  @Get()
  @ApiOperation({ summary: 'One page of the recipient\'s feed after a cursor', description: 'Entries in feed order (seq); previousSeq names the entry delivered before each, so a gap shows. Tombstones (removed: true) tell the subscriber to delete its copy.' })
  @QueryDocs()
  @ApiResponse({ status: 200, description: 'A page (possibly empty) and the cursor to continue from' })
  @ApiResponse({ status: 400, description: 'A parameter breaks its rule (errors[] names each), or the cursor is malformed or from another read model version' })
  @ApiResponse({ status: 401, description: 'Missing or invalid bearer token' })
  @ApiResponse({ status: 403, description: 'Not a system token with scope backbone:subscribe, or the client is not registered for this recipient or content level' })
  async page(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<FeedPageResponse> {
    const { subscriber, recipient, limit, content, cursor } = await this.open(query, principal);
    const page = await this.feed.deliver({ principal: subscriber, recipientKey: recipient, after: cursor, limit, content, api: 'GET /feed' });
    return { recipient, projectionVersion: cursor.version, entries: page.entries, nextCursor: encodeCursor(page.next), hasMore: page.hasMore };
  }

  @Get('stream')
  @ApiOperation({
    summary: 'The recipient\'s feed as Server-Sent Events',
    description:
      'Each entry is an event `entry` whose id is the cursor after it; a client that reconnects sends it back as Last-Event-ID and resumes there. ' +
      'While there is nothing new a comment line (`: heartbeat`) is written every DELIVERY_SSE_HEARTBEAT_MS (default 15 s).',
  })
  @ApiProduces('text/event-stream')
  @QueryDocs()
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received: resume after it (takes the place of cursor)' })
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ApiResponse({ status: 400, description: 'As for GET /feed' })
  @ApiResponse({ status: 403, description: 'As for GET /feed' })
  async stream(
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { subscriber, recipient, limit, content, cursor: start } = await this.open(query, principal, lastEventId);
    // From here the stream writes to the socket itself; Fastify sends nothing more for this request.
    reply.hijack();
    const response = reply.raw;
    response.statusCode = 200;
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();

    let closed = false;
    let wake: (() => void) | undefined;
    request.raw.on('close', () => {
      closed = true;
      wake?.();
    });
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });

    // The stream lives no longer than the token that opened it: the client reconnects with a fresh one.
    const expiresAt = tokenExpiry(request);
    let cursor: FeedCursor = start;
    let lastWrite = Date.now();
    try {
      while (!closed) {
        if (expiresAt !== undefined && Date.now() >= expiresAt) {
          response.write('event: token-expired\ndata: {}\n\n');
          break;
        }
        const live = await this.feed.liveVersion();
        if (live !== cursor.version) {
          // Feed numbers of a new version are not comparable: the subscriber starts again without a cursor.
          response.write(`event: version-changed\ndata: ${JSON.stringify({ from: cursor.version, to: live ?? null })}\n\n`);
          break;
        }
        const page = await this.feed.deliver({ principal: subscriber, recipientKey: recipient, after: cursor, limit, content, api: 'GET /feed/stream' });
        if (closed) break;
        for (const entry of page.entries) {
          const at = BigInt(entry.seq);
          response.write(`id: ${encodeCursor({ version: cursor.version, readSeq: at, deliveredSeq: at })}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`);
        }
        cursor = page.next;
        if (page.entries.length > 0) lastWrite = Date.now();
        if (page.hasMore) continue;
        const idle = Date.now() - lastWrite;
        if (idle >= this.config.DELIVERY_SSE_HEARTBEAT_MS) {
          response.write(': heartbeat\n\n');
          lastWrite = Date.now();
        }
        await pause(Math.min(this.config.DELIVERY_SSE_POLL_MS, Math.max(this.config.DELIVERY_SSE_HEARTBEAT_MS - (Date.now() - lastWrite), 1)));
      }
    } catch (error) {
      // Headers are sent: the stream ends and the client reconnects from its last event id.
      this.logger.error({ err: (error as Error).message, recipient }, 'feed stream failed');
      if (!closed) response.write(`event: error\ndata: ${JSON.stringify(problem(503, 'stream-interrupted', 'The stream was interrupted; reconnect with Last-Event-ID'))}\n\n`);
    }
    response.end();
  }
}

/** The verified bearer token's expiry (ms), read again here because the principal does not carry it. */
function tokenExpiry(request: FastifyRequest): number | undefined {
  const header = request.headers.authorization;
  const token = bearerToken(typeof header === 'string' ? header : undefined);
  if (!token) return undefined;
  const exp = decodeJwt(token).exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}
