// Starting a request's workflow, for every channel that files one (the API, the mailbox): its
// search attributes and summary, and a retry that joins the workflow the first call started.
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { RequestState } from '../domain';
import { intakeUpdate, requestWorkflowId, searchAttributes, type RequestWorkflowInput } from '../shared/contract';
import { requestSummary } from '../shared/summary';
import { requestWorkflow } from '../workflows';
import { GENERATION } from '../workflows/request';
import { madeGood } from './answer';

/**
 * Starts the request's workflow and answers with its first state, once in the read model (the
 * intake's answer hands out its records, written here). A retry joins the running workflow; one
 * that ended already is never started again (undefined).
 */
export async function startRequestWorkflow(temporal: Client, db: Db, taskQueue: string, input: RequestWorkflowInput): Promise<RequestState | undefined> {
  const workflowId = requestWorkflowId(input.key ?? input.requestId);
  try {
    const answer = await temporal.workflow.executeUpdateWithStart(intakeUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(requestWorkflow, {
        workflowId,
        taskQueue,
        args: [{ ...input, generation: GENERATION }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: searchAttributes.clientId, value: input.clientId },
          { key: searchAttributes.priority, value: input.priority },
          ...(input.key ? [{ key: searchAttributes.key, value: input.key }] : []),
        ],
        staticSummary: requestSummary(input.priority, input.title, undefined, input.key),
      }),
    });
    return await madeGood(db, temporal, temporal.workflow.getHandle(workflowId), answer);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}
