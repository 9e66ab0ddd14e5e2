// The floor of this architecture: the bare workflow behind the smallest HTTP API that keeps a
// read model in PostgreSQL. Each call is one Update and one write of its answer — what any
// design of an HTTP API, Temporal and a PostgreSQL read model pays per action, before rules,
// permissions, records, ledgers or allocation. A process of its own, like the real API.
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import express from 'express';
import { BARE_TASK_QUEUE } from './bare-worker';
import { bareWorkflow, stepUpdate } from './bare-workflows';
import { createDb } from '../src/db/knex';

/** Where the floor API keeps its read model: one row a workflow. */
export const FLOOR_TABLE = 'bench_floor_requests';

async function main() {
  const db = createDb(process.env.DATABASE_URL!, { min: 0, max: 10 });
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection });
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  const write = (id: string, steps: number) =>
    db.raw(`insert into ${FLOOR_TABLE} (id, steps, updated_at) values (?, ?, now()) on conflict (id) do update set steps = excluded.steps, updated_at = excluded.updated_at`, [id, steps]);

  app.post('/floor/:id', async (req, res) => {
    const id = String(req.params.id);
    const steps = await temporal.workflow.executeUpdateWithStart(stepUpdate, {
      args: [{}],
      startWorkflowOperation: new WithStartWorkflowOperation(bareWorkflow, { workflowId: id, taskQueue: BARE_TASK_QUEUE, workflowIdConflictPolicy: 'FAIL' }),
    });
    await write(id, steps);
    res.status(201).json({ id, steps });
  });
  app.post('/floor/:id/step', async (req, res) => {
    const id = String(req.params.id);
    const steps = await temporal.workflow.getHandle(id).executeUpdate(stepUpdate, { args: [{ last: (req.body as { last?: boolean }).last === true }] });
    await write(id, steps);
    res.json({ id, steps });
  });
  app.listen(Number(process.env.FLOOR_PORT));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
