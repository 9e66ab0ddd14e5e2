import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type Activities, type Webhook } from '../activities';
import type { MailConfig } from '../activities/mail';
import { startCourier } from '../activities/webhook';
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
}

/**
 * The worker; with a webhook, its courier too, which delivers the notifications the read model
 * gets while the worker runs (`run()` starts and stops both).
 */
export async function createWorker({ connection, namespace, db, workflowBundle, webhook, mail, wrapActivities = (a) => a, taskQueue = TASK_QUEUE, maxCachedWorkflows }: WorkerDeps) {
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
    // A stop waits for activities in flight up to 5 s, cancels them, and is over within 15 s.
    shutdownGraceTime: '5 seconds',
    shutdownForceTime: '15 seconds',
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: wrapActivities(createActivities({ db, webhook, mail, taskQueue, temporal: new Client({ connection, namespace }) })),
  });
  if (!webhook) return worker;
  // The worker's own run (the one below takes its place on the object).
  const run: () => Promise<void> = Worker.prototype.run.bind(worker);
  return Object.assign(worker, {
    run: async () => {
      const logger = Runtime.instance().logger;
      const courier = startCourier(db, webhook, (message, meta) => {
        logger.warn(message, meta);
      });
      try {
        await run();
      } finally {
        await courier.stop();
      }
    },
  });
}
