// A worker for the bare workflow, in a process of its own like the real worker.
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';

export const BARE_TASK_QUEUE = 'bench-bare';

async function main() {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: BARE_TASK_QUEUE,
    workflowsPath: path.resolve(__dirname, 'bare-workflows.ts'),
  });
  await worker.run();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
