import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Db } from '../db/knex';
import { TASK_QUEUE } from '../shared/contract';

export const workflowsPath = require.resolve('../workflows');

/** Bundles the workflow code once; a worker built from the bundle starts without webpack. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath });
}

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  workflowBundle?: WorkflowBundle;
  taskQueue?: string;
}

export async function createWorker({ connection, namespace, db, workflowBundle, taskQueue = TASK_QUEUE }: WorkerDeps) {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: createActivities({ db }),
  });
}
