import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Histogram, Registry } from 'prom-client';

export const HTTP_DURATION = Symbol('HTTP_DURATION');

export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  return new Histogram({
    name: 'backbone_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
}

/** Request latency per route template (never the raw URL, which could carry identifiers). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(HTTP_DURATION) private readonly duration: Histogram<'method' | 'route' | 'status'>) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.duration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  }
}
