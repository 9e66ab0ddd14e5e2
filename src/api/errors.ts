import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { Rejection } from '../domain';
import { KEY_REUSED, REJECTION_TYPES } from '../shared/contract';

/** An error with an HTTP status, rendered as application/problem+json (RFC 9457). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new HttpError(400, 'Bad Request', detail, extra);
export const unauthorized = (detail: string) =>
  new HttpError(401, 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="retainer-desk"' });
export const forbidden = (detail: string) => new HttpError(403, 'Forbidden', detail);
export const notFound = (detail: string) => new HttpError(404, 'Not Found', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) => new HttpError(409, 'Conflict', detail, extra);
export const unprocessable = (detail: string) => new HttpError(422, 'Unprocessable Content', detail);
/** Something we depend on is down for now: the caller may retry (with the same Idempotency-Key). */
export const unavailable = (detail: string) =>
  new HttpError(503, 'Service Unavailable', `${detail}; retry shortly (with the same Idempotency-Key to avoid doing it twice)`, {}, { 'Retry-After': '5' });

/** PostgreSQL cannot be reached, is shutting down or starting, or the pool gave up waiting for a connection. */
const PG_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);

function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && PG_UNAVAILABLE_CODES.has(e.code)) return true;
  // node's AggregateError when every address of the host refused the connection
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable)) return true;
  // pg's own messages; knex puts the statement in front of them.
  return /Connection terminated|Connection ended unexpectedly|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message ?? '');
}

/** gRPC codes meaning Temporal cannot be reached or did not answer in time. */
const GRPC_UNAVAILABLE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/**
 * Temporal cannot be reached, did not answer in time, or refuses Updates for a moment because the
 * request's last workflow task failed or timed out (a worker crashed mid-task) until a worker
 * completes it again.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const cause = err instanceof ServiceError ? err.cause : err;
  if (!isGrpcServiceError(cause)) return false;
  return (
    GRPC_UNAVAILABLE.has(cause.code) ||
    // A crashed worker's task being retried, or a run at Temporal's cap of Updates that is about to continue as new.
    (Number(cause.code) === 9 /* FAILED_PRECONDITION */ && /Workflow Task in failed state|limit on the total number of distinct updates/i.test(cause.message))
  );
}

/** A rule's refusal (from the domain's `check`, in the API or in a workflow validator) as HTTP. */
export function rejectionToHttp(r: Rejection): HttpError {
  if (r.code === 'forbidden') return forbidden(r.message);
  if (r.code === 'invalid') return badRequest(r.message);
  return conflict(r.message);
}

const CODE_BY_TYPE: Record<string, Rejection['code']> = Object.fromEntries(
  Object.entries(REJECTION_TYPES).map(([code, type]) => [type, code as Rejection['code']]),
);

export function sendProblem(res: Parameters<RequestHandler>[1], err: HttpError): void {
  res
    .status(err.status)
    .set(err.headers)
    .type('application/problem+json')
    .json({ type: 'about:blank', title: err.title, status: err.status, detail: err.message, ...err.extra, ...(res.req.id ? { requestId: res.req.id } : {}) });
}

/** Maps every error to problem+json in one place: zod → 400, body-parser's → 400/413/415, pg's → 409/422, outages → 503. */
export const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof HttpError) return sendProblem(res, err);
  // An Update refused by the workflow's validator, on whichever route sent it.
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    if (err.cause.type === KEY_REUSED) return sendProblem(res, unprocessable(err.cause.message));
    const code = CODE_BY_TYPE[err.cause.type ?? ''];
    if (code) return sendProblem(res, rejectionToHttp({ code, message: err.cause.message }));
  }
  if (isDatabaseUnavailable(err)) return sendProblem(res, unavailable('the database is unavailable'));
  if (isTemporalUnavailable(err)) return sendProblem(res, unavailable('the workflow service is unavailable'));
  if (err instanceof WorkflowNotFoundError) return sendProblem(res, notFound('no such request'));
  if (err instanceof z.ZodError) {
    return sendProblem(
      res,
      badRequest('the request does not match the schema', {
        errors: err.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
      }),
    );
  }
  const e = err as { type?: string; status?: number; code?: string; detail?: string; constraint?: string };
  if (e.type === 'entity.parse.failed') return sendProblem(res, badRequest('the body is not valid JSON'));
  if (e.type === 'entity.too.large') return sendProblem(res, new HttpError(413, 'Content Too Large', 'the body is too large'));
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') {
    return sendProblem(res, new HttpError(415, 'Unsupported Media Type', 'unsupported body encoding'));
  }
  if (e.code === '23505') return sendProblem(res, conflict(`already exists (${e.constraint ?? 'unique'})`));
  if (e.code === '23503') return sendProblem(res, unprocessable(`refers to something that does not exist (${e.constraint ?? 'foreign key'})`));
  if (e.code === '23514') return sendProblem(res, unprocessable(`violates a rule (${e.constraint ?? 'check'})`));
  (_req.log ?? console).error({ err }, 'unhandled error');
  return sendProblem(res, new HttpError(500, 'Internal Server Error', 'an unexpected error occurred'));
};

export const notFoundHandler: RequestHandler = (req) => {
  throw notFound(`no route ${req.method} ${req.path}`);
};

/**
 * Waits for a call on a request's workflow at most `ms`: past it the caller gets 503 with
 * Retry-After, while the call itself goes on (a retry with the same Idempotency-Key joins it).
 */
export async function within<T>(ms: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(`the request did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
    call.catch(() => undefined);
  }
}
