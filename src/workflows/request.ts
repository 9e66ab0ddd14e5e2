// One client request, from intake to closure. The rules live in ../domain; this is the shell:
// message handlers, the projection loop and search attributes.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type * as activities from '../activities';
import type { Actor, Command, NewTask, RequestState } from '../domain';
import { apply, billableHours, check, intake, isTerminal } from '../domain';
import type { Action, RequestWorkflowInput } from '../shared/contract';
import {
  REJECTION_TYPES,
  SIGNAL_COMMANDS,
  UPDATE_COMMANDS,
  actionSignals,
  actionUpdates,
  intakeUpdate,
  searchAttributes,
  stateQuery,
} from '../shared/contract';

const acts = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

function reject(cmd: Command, actor: Actor, state: RequestState): void {
  const rejection = check(state, actor, cmd);
  if (rejection) throw ApplicationFailure.create({ type: REJECTION_TYPES[rejection.code], message: rejection.message, nonRetryable: true });
}

export async function requestWorkflow(input: RequestWorkflowInput): Promise<RequestState> {
  const now = () => new Date().toISOString();
  let state: RequestState | undefined;
  let projectedVersion = 0;
  let projectedEvents = 0;
  let projectedEntries = 0;

  const current = (): RequestState => {
    if (!state) throw ApplicationFailure.create({ type: REJECTION_TYPES.conflict, message: 'the request is still being taken in', nonRetryable: true });
    return state;
  };
  const projected = async (version: number) => {
    await condition(() => projectedVersion >= version);
    return current();
  };

  /** Tasks without an assignee get one from the assignment activity (R6), in order. */
  const assign = async (tasks: NewTask[], s: RequestState): Promise<NewTask[]> => {
    const out: NewTask[] = [];
    for (const t of tasks) {
      const assigneeId =
        t.assigneeId ?? (await acts.pickAssignee({ requestId: s.requestId, skill: t.skill, priority: s.priority }));
      if (!assigneeId) {
        throw ApplicationFailure.create({
          type: REJECTION_TYPES.conflict,
          message: `no specialist on staff has the skill "${t.skill}"`,
          nonRetryable: true,
        });
      }
      out.push({ ...t, assigneeId });
    }
    return out;
  };

  /** Runs a command: resolve what needs I/O, check again after awaiting, then apply. */
  const run = async (action: Action): Promise<number> => {
    let cmd = action.command;
    if (cmd.type === 'decompose' || cmd.type === 'changeScope') {
      cmd = { ...cmd, tasks: await assign(cmd.tasks, current()) };
    }
    reject(cmd, action.actor, current());
    state = apply(current(), action.actor, cmd, now());
    return state.version;
  };

  setHandler(stateQuery, current);
  setHandler(intakeUpdate, async () => projected(1));
  for (const type of UPDATE_COMMANDS) {
    setHandler(
      actionUpdates[type],
      async (action: Action) => projected(await run(action)),
      { validator: (action: Action) => reject(action.command, action.actor, current()) },
    );
  }
  for (const type of SIGNAL_COMMANDS) {
    setHandler(actionSignals[type], async (action: Action) => {
      // A signal has no caller to answer: a signal that is not allowed now is recorded and dropped.
      const rejection = state ? check(state, action.actor, action.command) : { message: 'not yet taken in' };
      if (rejection) {
        log.warn('signal rejected', { type, reason: rejection.message });
        return;
      }
      await run(action);
    });
  }

  const managerId = await acts.pickManager({ clientId: input.clientId });
  state = intake({ ...input, managerId, at: now() });

  while (true) {
    await condition(() => current().version > projectedVersion);
    const snapshot = current();
    upsertSearchAttributes([
      { key: searchAttributes.stage, value: snapshot.stage },
      { key: searchAttributes.managerId, value: snapshot.managerId },
      { key: searchAttributes.assignees, value: [...new Set(snapshot.tasks.map((t) => t.assigneeId))] },
    ] satisfies SearchAttributeUpdatePair[]);
    await acts.projectRequest({
      state: { ...snapshot, events: [], timeEntries: [] },
      events: snapshot.events.slice(projectedEvents),
      timeEntries: snapshot.timeEntries.slice(projectedEntries),
    });
    projectedVersion = snapshot.version;
    projectedEvents = snapshot.events.length;
    projectedEntries = snapshot.timeEntries.length;
    if (isTerminal(snapshot.stage) && projectedVersion === current().version) break;
  }

  const final = current();
  if (final.stage === 'Closed' || final.stage === 'Cancelled') {
    await acts.writeOff({
      requestId: final.requestId,
      clientId: final.clientId,
      hours: billableHours(final),
      at: final.closedAt ?? now(),
    });
  }
  await condition(allHandlersFinished);
  log.info('request finished', { workflowId: workflowInfo().workflowId, stage: final.stage });
  return final;
}
