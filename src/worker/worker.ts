import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type Activities, type Webhook } from '../activities';
import type { MailConfig } from '../activities/mail';
import { startCourier } from '../activities/webhook';
import { startClosingsSweep } from '../temporal/closings';
import type { Db } from '../db/knex';
import { TASK_QUEUE } from '../shared/contract';

/** A folder: the bundler resolves its index from TypeScript sources or compiled JavaScript alike. */
export const workflowsPath = path.resolve(__dirname, '../workflows');

/** Bundles the workflow code once; a worker built from the bundle starts without webpack. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  workflowBundle?: WorkflowBundle;
  taskQueue?: string;
  webhook?: Webhook | undefined;
  /** The mail channel (#17); unset: no mail. */
  mail?: MailConfig | undefined;
  /** Fault injection for tests: wraps the activities the worker runs. */
  wrapActivities?: (acts: Activities) => Activities;
  /** Open requests kept in memory (the SDK's default grows with the heap: about 2 GiB at 10k open requests). */
  maxCachedWorkflows?: number;
  /** How often the closings sweep looks for a request's last write nobody made (default 30 s). */
  closingsSweepMs?: number;
}

/**
 * The worker, with its closings sweep (a request's last write, handed out by its closing answer,
 * made from the workflow's result when that answer's caller died first) and, with a webhook, its
 * courier, which delivers the notifications the read model gets: `run()` starts and stops them.
 */
export async function createWorker({ connection, namespace, db, workflowBundle, webhook, mail, wrapActivities = (a) => a, taskQueue = TASK_QUEUE, maxCachedWorkflows, closingsSweepMs }: WorkerDeps) {
  const temporal = new Client({ connection, namespace });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
    // A stop waits for activities in flight up to 5 s, cancels them, and is over within 15 s.
    shutdownGraceTime: '5 seconds',
    shutdownForceTime: '15 seconds',
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: wrapActivities(createActivities({ db, webhook, mail, taskQueue, temporal })),
  });
  // The worker's own run (the one below takes its place on the object).
  const run: () => Promise<void> = Worker.prototype.run.bind(worker);
  return Object.assign(worker, {
    run: async () => {
      const logger = Runtime.instance().logger;
      const warn = (message: string, meta?: Record<string, unknown>): void => {
        logger.warn(message, meta);
      };
      const sweep = startClosingsSweep({ db, temporal, taskQueue }, warn, closingsSweepMs);
      const courier = webhook ? startCourier(db, webhook, warn) : undefined;
      try {
        await run();
      } finally {
        await Promise.all([sweep.stop(), courier?.stop()]);
      }
    },
  });
}
