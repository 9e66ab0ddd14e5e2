import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { HttpMetrics, Logger } from '../observability';
import { HttpError, sendProblem } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    id?: string;
    log?: Logger;
    credentialId?: string;
  }
}

/** Every response carries `X-Request-Id` (the caller's, when it is a sane one) and every log line of the request names it. */
export function requestContext(logger: Logger, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.set('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route ? String((req.route as { path: string }).path) : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      req.log?.info({ method: req.method, route, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000), actor: req.actor?.id }, 'http');
    });
    next();
  };
}

/** A token bucket per credential: `perMinute` calls a minute, bursts up to the same. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Seconds to wait before the next call is allowed, or 0 to go ahead. */
  take(key: string, now = Date.now()): number {
    if (this.perMinute <= 0) return 0;
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.delete(this.buckets.keys().next().value as string);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate / 1000);
  }
}

export function rateLimit(limiter: { take(key: string): number | Promise<number> }, scope = ''): RequestHandler {
  return async (req, res, next) => {
    const wait = await limiter.take(`${scope}${req.credentialId ?? req.ip ?? 'anonymous'}`);
    if (wait > 0) {
      sendProblem(res, new HttpError(429, 'Too Many Requests', `rate limit reached; retry in ${wait} s`, {}, { 'Retry-After': String(wait) }));
      return;
    }
    next();
  };
}
