// Structured JSON logs (pino) and Prometheus metrics, shared by the API and the worker.
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL || 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'retainer-desk' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

const TEMPORAL_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal SDK's own log lines (worker, workflows, activities) as the same JSON. */
export function temporalLogger(logger: Logger, level: LogLevel = 'WARN'): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    logger[TEMPORAL_LEVELS[entry.level]]({ ...entry.meta, component: 'temporal' }, entry.message);
  });
}

export interface HttpMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'retainer_desk_api_' });
  const httpDuration = new Histogram({
    name: 'retainer_desk_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}
