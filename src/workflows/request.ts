// One client request, from intake to closure. The rules live in ../domain; this is the shell:
// message handlers, durable timers, the projection loop, search attributes and continue-as-new.
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { Actor, Command, RequestState, TimeEntry } from '../domain';
import { apply, applyTimer, billingOf, check, defaultTaskHours, roundQuarter, intake, isPaused, isTerminal, nextTimer, upgradeState } from '../domain';
import type { Action, AllocationSync, LedgerWork, Projection, ProjectedCounts, Records, RequestAnswer, RequestOutcome, RequestWorkflowInput, RequestWrite } from '../shared/contract';
import { escapeMarkdown, requestSummary } from '../shared/summary';
import {
  APPLIED_KEYS_KEPT,
  DATA_REJECTED,
  RECORDS_HANDED_OUT,
  KEY_REUSED,
  REJECTION_TYPES,
  appliedKeyQuery,
  SIGNAL_COMMANDS,
  UPDATE_COMMANDS,
  actionSignals,
  actionUpdates,
  intakeUpdate,
  projectUpdate,
  requestWorkflowId,
  taskAssignedSignal,
  searchAttributes,
  stateQuery,
} from '../shared/contract';

type Acts = ReturnType<typeof activities.createActivities>;
/** Each is a few queries on PostgreSQL: one lost with a crashed worker is retried after 10 s. */
const DB_WORK = { startToCloseTimeout: '10 seconds', retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' } } as const;
const remote = proxyActivities<Acts>(DB_WORK);
const local = proxyLocalActivities<Acts>(DB_WORK);

/** The workflow's changes, by generation (generation 1 first); each is asked with `patched()` by requests from before it. */
const GENERATIONS: readonly (readonly string[])[] = [
  ['local-db-activities', 'bounded-state', 'steady-timers', 'answered-projection', 'one-trip', 'request-keys', 'update-budget'],
  ['lazy-attributes'],
  ['sync-answers'],
  ['answered-ledgers'],
  ['answered-intake'],
  ['answered-closing'],
  ['one-alarm'],
];

/** The newest generation this code knows: a request started by it says so in its input, and asks no patch at all. */
export const GENERATION = GENERATIONS.length;

/**
 * The workflow's changes since its first version. A request started before a change asks for it
 * with `patched()` and takes it from then on; its history replays either way. A request started
 * on code that knows them all asks once (its generation) instead of once per change: one marker,
 * and one TemporalChangeVersion search attribute, in each run's history instead of one per change.
 * Generations are asked first thing in each run, newest first, so that a history without them
 * (an older request) takes the per-change way from the start. From generation 5 on, whoever starts
 * a run passes the generation it knows in its input (`generation`): a run whose first task this
 * code runs asks nothing and records no marker at all.
 */
function changes(started: number | undefined) {
  let known = 0;
  if (started !== undefined && !workflowInfo().unsafe.isReplaying) {
    // Started (or continued as new) by code that knew this generation, and this code runs its
    // first task: nothing to ask, no marker.
    known = Math.min(started, GENERATIONS.length);
  } else {
    // Asked newest first. A replay asks without writing anything: it finds the marker an older
    // worker wrote if one ran the first task (a rolling deploy), else nothing.
    for (let g = GENERATIONS.length; g >= 1 && known === 0; g--) if (patched(`generation-${g}`)) known = g;
    // No marker at all in a run whose input has a generation: the code that knew it ran the first
    // task. (The per-change markers of the oldest requests say otherwise.)
    if (known === 0 && started !== undefined && !patched(GENERATIONS[0]![0]!)) known = Math.min(started, GENERATIONS.length);
  }
  const has = (patch: string) => GENERATIONS.findIndex((changes) => changes.includes(patch)) < known || patched(patch);
  /**
   * The request's PostgreSQL work ran as local activities for a while, inside the workflow task
   * that needed it; from bounded state on, as ordinary activities again (local ones raced with
   * Updates). Histories of each kind replay with their own.
   */
  const modern = () => has('local-db-activities');
  /**
   * Records leave the state once written to PostgreSQL (their home), so the state, the Update
   * results and continue-as-new do not grow with the request's age.
   */
  const bounded = () => has('bounded-state');
  /**
   * An action's Update answers at once, with the records its caller writes to PostgreSQL before it
   * answers (read-your-writes holds): no activity, no second workflow task per action. The
   * workflow writes the read model itself where nobody else will — changes no Update answered
   * (signals, timers, the dispatcher), the end, continue-as-new, data PostgreSQL refused — and
   * writes again what it handed out: when records pile up, when a webhook waits for them, and
   * FLUSH_AFTER after it handed some out, in case the caller never wrote them.
   * (In this order: histories recorded with it ask for the patch first.)
   */
  const answered = () => has('answered-projection') && bounded();
  return {
    modern,
    bounded,
    io: (): typeof remote | typeof local => (modern() && !bounded() ? local : remote),
    /** Timers set once per moment that matters instead of around every action. */
    steadyTimers: () => has('steady-timers'),
    answered,
    /**
     * One activity per turn of the loop: the projection the workflow writes, the ledgers' steps
     * and, at the end, the write-off go together (one round trip through the server, not three).
     */
    oneTrip: () => answered() && has('one-trip'),
    /** A linked request gets its key like a filed one. */
    requestKeys: () => has('request-keys'),
    /** A busy request continues as new before Temporal's cap on Updates per run. */
    updateBudget: () => has('update-budget'),
    /**
     * The Temporal UI's search attributes follow the workflow's own writes (at most FLUSH_AFTER
     * after an answered action) instead of every answer: one visibility write per burst of
     * actions, not per action. The current details follow every action.
     */
    lazyAttributes: () => has('lazy-attributes'),
    /**
     * An action that needs nothing from the outside world (most: the API sends what it read) is
     * applied and answered at once, without a promise on the way: fewer promises per action for
     * the SDK's promise hook, and the Update's answer goes before the loop's writes.
     */
    syncAnswers: () => has('sync-answers'),
    /**
     * An action's ledger steps (the hold at approval, the release at completion) travel with its
     * answer, and its caller does them as it writes the records: no activity for them. The
     * workflow does them again, idempotently and from its state as it is then, when it writes
     * itself (30 s after, at the latest), in case the caller never did.
     */
    answeredLedgers: () => has('answered-ledgers'),
    /**
     * The intake is answered with its records, like an action (its caller writes them): no
     * activity to take a request in. Webhook deliveries are the worker's, from the notifications
     * PostgreSQL holds (an outbox), so no write waits for them and the workflow schedules none.
     */
    answeredIntake: () => has('answered-intake'),
    /**
     * The answer that ends the request hands out its last write (the projection with every
     * record the workflow has not written itself, the ledgers' steps, the write-off), and the
     * workflow ends a moment later without an activity: its caller makes the write, and the
     * worker's sweep makes it from the workflow's result if that caller died first.
     */
    answeredClosing: () => has('answered-closing'),
    /**
     * One durable timer at a time for every moment that matters, the flush included: set for the
     * earliest of them, and again only when an earlier one comes up or it has rung. A request
     * whose moments lie beyond its flush sets one timer for all of them, not one per moment.
     */
    oneAlarm: () => has('one-alarm'),
  };
}

/** What goes with a projection in the same activity: ledger steps, their redo, the write-off. */
type AlongWithProjection = Omit<RequestWrite, 'requestId' | 'clientId' | 'projection'>;

/** How long records handed out wait, at most, for the workflow's own write: the bound on a caller's lost write. */
const FLUSH_AFTER = 30_000; // ms

/** Webhook delivery gives up after about an hour; the notification stays in the inbox regardless. */
const delivery = proxyActivities<Acts>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/**
 * Why PostgreSQL refused an activity's data, if that is why it failed (not because something was
 * down). A local activity's failure arrives as the ApplicationFailure itself, an activity's wrapped.
 */
function dataRejected(err: unknown): string | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === DATA_REJECTED ? failure.message : undefined;
}

/** The number in a record's id: `N12`, `E3`, `<request>:te:17`. */
function numberOf(id: string): number {
  return Number(/(\d+)$/.exec(id)?.[1] ?? 0);
}

/** The state without the records of `written` (a snapshot that was projected): what was added meanwhile stays. */
function drained(s: RequestState, written: RequestState): RequestState {
  const events = new Set(written.events.map((e) => e.seq));
  const entries = new Set(written.timeEntries.map((e) => `${e.id}#${e.revision}`));
  const notifications = new Set(written.notifications.map((n) => n.id));
  const escalations = new Set(written.escalations.map((e) => e.id));
  return {
    ...s,
    events: s.events.filter((e) => !events.has(e.seq)),
    timeEntries: s.timeEntries.filter((e) => !entries.has(`${e.id}#${e.revision}`)),
    notifications: s.notifications.filter((n) => !notifications.has(n.id)),
    escalations: s.escalations.filter((e) => !escalations.has(e.id)),
  };
}

/** The records of `s` numbered past `past`, and the corrected time entries (revision 2 on) that `corrected` lets through. */
function recordsPast(s: RequestState, past: Omit<ProjectedCounts, 'version'>, corrected: (e: TimeEntry) => boolean): Records {
  return {
    events: s.events.filter((e) => e.seq > past.events),
    timeEntries: s.timeEntries.filter((e) => numberOf(e.id) > past.timeEntries || (e.revision > 1 && corrected(e))),
    notifications: s.notifications.filter((n) => numberOf(n.id) > past.notifications),
    escalations: s.escalations.filter((e) => numberOf(e.id) > past.escalations),
  };
}

/** Updates a run takes before it continues as new: half of what Temporal allows one run (2,000). */
const UPDATES_PER_RUN = 1_000;

function rejected(type: keyof typeof REJECTION_TYPES, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: REJECTION_TYPES[type], message, nonRetryable: true });
}

function reject(cmd: Command, actor: Actor, state: RequestState): void {
  const rejection = check(state, actor, cmd);
  if (rejection) throw rejected(rejection.code, rejection.message);
}

/** What a person sees on the workflow in the Temporal UI. */
function details(s: RequestState): string {
  const waiting = isPaused(s) ? ' · waiting for the client' : '';
  const deadline = s.deadlineAt ? ` · deadline ${s.deadlineAt}` : '';
  const tasks = s.tasks.map((t) => `- ${t.id} ${escapeMarkdown(t.title)} (${escapeMarkdown(t.skill)}): ${t.status}, ${t.progress}%`).join('\n');
  const key = s.key ? `${escapeMarkdown(s.key)} · ` : '';
  return `${key}**${s.stage}** · ${s.priority} · ${escapeMarkdown(s.title)}${waiting}${deadline}\n${tasks}`;
}

export async function requestWorkflow(input: RequestWorkflowInput): Promise<RequestOutcome> {
  const { modern, bounded, io, steadyTimers, answered, oneTrip, requestKeys, updateBudget, lazyAttributes, syncAnswers, answeredLedgers, answeredIntake, answeredClosing, oneAlarm } = changes(input.generation);
  /** Asked once per run, as its handlers are set. */
  const sync = syncAnswers();
  const outbox = answeredIntake();
  const closing = answeredClosing();
  const oneTimer = oneAlarm();
  /** The calendar and policy the request runs under: fixed at intake, moved only by the manager's applyPolicy. */
  let ctx = input.context;
  const now = () => new Date().toISOString();
  let state: RequestState | undefined = input.carried ? upgradeState(input.carried.state) : undefined;
  const projected: ProjectedCounts = input.carried?.projected ?? { version: 0, events: 0, timeEntries: 0, notifications: 0, escalations: 0 };
  const synced: AllocationSync = input.carried?.synced ?? { hours: {}, priority: input.priority, released: [], reserved: 0 };
  /** Calls applied under an Idempotency-Key, and those being applied now. */
  const applied = new Map((input.carried?.applied ?? []).map(([key, hash, version]) => [key, { hash, version }]));
  const applying = new Map<string, { hash: string; version: Promise<number> }>();

  const current = (): RequestState => {
    if (!state) throw rejected('conflict', 'the request is still being taken in');
    return state;
  };
  const deliveries: Promise<unknown>[] = [];
  /** Updates this run has taken. */
  let updatesThisRun = 0;
  /** Why PostgreSQL last refused this request's data, while it does (carried across continue-as-new). */
  let attention: string | undefined = input.carried?.attention;
  /** The search attributes last written, so an unchanged set is not written again. */
  let lastAttributes = '';
  /** An Update's answer: the request as it is now, without records on their way to PostgreSQL (bounded, whatever the age). */
  const whenProjected = async (version: number): Promise<RequestState> => {
    await condition(() => projected.version >= version);
    return { ...current(), events: [], timeEntries: [], notifications: [], escalations: [] };
  };
  /** The highest version an Update's answer handed to its caller to write. */
  let handedOut = 0;
  /** Whether the worker delivers notifications to a webhook: unknown until the first projection says. */
  let webhook: boolean | undefined;
  /** The FLUSH_AFTER timer is running; it rang; (one alarm) the moment it is due. */
  let flushArmed = false;
  let flushRang = false;
  let flushDue: number | undefined;
  /** One alarm: the moments a durable timer is set for and has not rung yet, and how many have rung. */
  const alarms = new Set<number>();
  let rings = 0;
  /** Sets the alarm for the earliest moment that matters, unless one rings by then already. */
  const armAlarm = (timer: { at: string } | undefined): void => {
    const moments = [...(timer ? [Date.parse(timer.at)] : []), ...(flushDue !== undefined ? [flushDue] : [])];
    if (moments.length === 0) return;
    const due = Math.min(...moments);
    if ([...alarms].some((at) => at <= due)) return;
    alarms.add(due);
    void sleep(Math.max(1, due - Date.now())).then(() => {
      alarms.delete(due);
      rings++;
      if (flushDue !== undefined && flushDue <= due) {
        flushDue = undefined;
        flushArmed = false;
        flushRang = true;
      }
    });
  };
  /** The numbers of the records answers handed out so far, and the revisions of corrected time entries handed out. */
  const handed = { events: 0, timeEntries: 0, notifications: 0, escalations: 0 };
  const handedRevisions = new Map<string, number>();
  /** The records no answer handed out yet (each goes out once: answers stay small), counted as handed out. */
  const handOut = (s: RequestState): Records => {
    const past = (kind: keyof typeof handed) => Math.max(projected[kind], handed[kind]);
    const records = recordsPast(
      s,
      { events: past('events'), timeEntries: past('timeEntries'), notifications: past('notifications'), escalations: past('escalations') },
      (e) => (handedRevisions.get(e.id) ?? 0) < e.revision,
    );
    Object.assign(handed, { events: s.counters.events, timeEntries: s.counters.timeEntries, notifications: s.counters.notifications, escalations: s.counters.escalations });
    for (const e of records.timeEntries) if (e.revision > 1) handedRevisions.set(e.id, e.revision);
    return records;
  };
  /** The last version the allocation and hour ledgers were brought in step with. */
  let ledgersAt = 0;
  /** The write-off is done (with the last projection). */
  let settled = false;
  /** Ledger steps answers handed out since the workflow last wrote itself. */
  let handedLedgers: LedgerWork[] = input.carried?.ledgers ?? [];
  /** The version the API asked the workflow to write itself (its own write failed). */
  let wanted = 0;
  /** The version whose answer ended the request, and the last write it handed out. */
  let closedBy: { version: number; last: RequestWrite } | undefined;
  /**
   * An action's answer, from the answered projection on: the state now and the records its caller
   * writes. At once (no promise) when nothing waits, which is most actions.
   */
  const answerNow = (version: number): RequestAnswer | Promise<RequestAnswer> => {
    const last = closingAnswer();
    if (last) return last;
    const out = handing();
    if (!out) return whenProjected(version);
    const { s, records } = out;
    if (answeredLedgers()) {
      // Its ledger steps go with it: its caller does them before it answers, so whoever looks at the month next sees them.
      const ledger = ledgerWork(s);
      if (!ledger) return given(s, records);
      ledgersDone(s, ledger);
      handedLedgers.push(ledger);
      return { ...given(s, records), ledger };
    }
    // An action that holds or frees hours is answered once the ledgers say so: whoever looks at the month next sees it.
    if (ledgersBehind(s)) return condition(() => ledgersAt >= s.version).then(() => given(s, records));
    return given(s, records);
  };
  /**
   * The answer that ends the request, from answered closing on: the state and the request's last
   * write, which its caller makes (the workflow ends without). A retry of that call gets it again.
   */
  const closingAnswer = (): RequestAnswer | undefined => {
    if (!closing || !answered() || attention) return undefined;
    const s = current();
    const answerOf = (last: RequestWrite): RequestAnswer => ({ ...s, events: [], timeEntries: [], notifications: [], escalations: [], last });
    if (closedBy) return closedBy.version === s.version ? answerOf(closedBy.last) : undefined;
    if (settled || !isTerminal(s.stage) || s.version <= projected.version) return undefined;
    handedOut = Math.max(handedOut, s.version);
    const ledger = ledgerWork(s);
    const last: RequestWrite = { requestId: s.requestId, clientId: s.clientId, projection: projectionOf(s), ...alongWith(s, ledger, true) };
    ledgersDone(s, ledger);
    handedLedgers = [];
    closedBy = { version: s.version, last };
    return answerOf(last);
  };
  /** The same, as requests from before answered (a promise each, the ledgers awaited). */
  const answer = async (version: number): Promise<RequestAnswer> => {
    const out = handing();
    if (!out) return whenProjected(version);
    const { s, records } = out;
    if (ledgersBehind(s)) await condition(() => ledgersAt >= s.version);
    return given(s, records);
  };
  /** The state an answer gives and the records it hands out; none when the workflow writes first (and the answer waits for it). */
  const handing = (): { s: RequestState; records: Records } | undefined => {
    // While PostgreSQL refuses this request's data, the workflow writes it (sanitized) and flags it.
    if (!answered() || attention) return undefined;
    const s = current();
    if (s.version <= projected.version) return undefined;
    handedOut = Math.max(handedOut, s.version);
    return { s, records: handOut(s) };
  };
  /** The answer of state `s` with `records`; the flush timer runs from the first records handed out. */
  const given = (s: RequestState, records: Records): RequestAnswer => {
    if (!flushArmed && oneTimer) {
      // The loop sets the alarm for it, with the request's other moments.
      flushArmed = true;
      flushDue = Date.now() + FLUSH_AFTER;
    } else if (!flushArmed) {
      flushArmed = true;
      void sleep(FLUSH_AFTER).then(() => {
        flushArmed = false;
        flushRang = true;
      });
    }
    return { ...s, events: [], timeEntries: [], notifications: [], escalations: [], records };
  };

  /**
   * A command ready to apply as it came, when it needs nothing from the outside world (most do:
   * the API sends what it read); undefined when it does (staff, bookings, the read model).
   */
  const resolveNow = (action: Action): { cmd: Command; hoursLeft?: number } | undefined => {
    const cmd = action.command;
    switch (cmd.type) {
      case 'decompose':
      case 'changeScope':
      case 'reassignTask':
      case 'declineTask':
      case 'addSpecialist':
      case 'openLinkedRequest':
        return undefined;
      case 'correctTime':
        // The entry may be written and gone from the state: the read model has it.
        return cmd.before || current().timeEntries.some((e) => e.id === cmd.entryId) || !bounded() ? { cmd } : undefined;
      case 'estimate':
      case 'reviewEstimate': {
        // R14: the API reads the month's hours left as it sends the action (actions from before, the workflow read them).
        const { hoursLeft, ...rest } = cmd;
        return hoursLeft === undefined ? undefined : { cmd: rest, hoursLeft };
      }
      default:
        return { cmd };
    }
  };

  /** Fills in what a command needs from the outside world (staff, hours), then checks it again. */
  const resolve = async (action: Action): Promise<{ cmd: Command; hoursLeft?: number }> => {
    const ready = resolveNow(action);
    if (ready) return ready;
    const cmd = action.command;
    const s = current();
    switch (cmd.type) {
      case 'decompose':
      case 'changeScope': {
        // R6: each task goes to the least-loaded specialist with the skill, or waits (R8, R9).
        const resolved = await io().allocateTasks({
          requestId: s.requestId,
          priority: s.priority,
          tasks: cmd.tasks.map((t, i) => ({ taskId: `T${s.tasks.length + i + 1}`, skill: t.skill, specialistId: t.assigneeId, hours: defaultTaskHours(t.complexity) })),
        });
        const refused = cmd.tasks.find((t, i) => t.assigneeId && resolved[i]?.assigneeId !== t.assigneeId);
        if (refused) throw rejected('conflict', `${refused.assigneeId} is not an active specialist with the skill "${refused.skill}"`);
        return { cmd: { ...cmd, tasks: cmd.tasks.map((t, i) => ({ ...t, ...resolved[i] })) } };
      }
      case 'reassignTask': {
        const task = s.tasks.find((t) => t.id === cmd.taskId);
        const [allocation] = await io().allocateTasks({
          requestId: s.requestId,
          priority: s.priority,
          tasks: [{ taskId: cmd.taskId, skill: task?.skill ?? '', specialistId: cmd.specialistId }],
        });
        if (allocation?.assigneeId !== cmd.specialistId) throw rejected('conflict', `${cmd.specialistId} is not an active specialist with the skill "${task?.skill}"`);
        return { cmd: { ...cmd, ...(allocation.mentorId ? { mentorId: allocation.mentorId } : {}) } };
      }
      case 'declineTask': {
        const task = s.tasks.find((t) => t.id === cmd.taskId);
        const allocation = await io().declineTask({ requestId: s.requestId, taskId: cmd.taskId, skill: task?.skill ?? '', priority: s.priority, specialistId: action.actor.id });
        return { cmd: { ...cmd, allocation } };
      }
      case 'addSpecialist': {
        const task = s.tasks.find((t) => t.id === cmd.taskId);
        const helper = await io().pickHelper({
          specialistId: cmd.specialistId,
          skill: cmd.skill ?? task?.skill ?? '',
          exclude: task ? [...(task.assigneeId ? [task.assigneeId] : []), ...task.helperIds] : [],
        });
        if (!helper) throw rejected('conflict', cmd.specialistId ? 'no such active specialist' : `no other specialist has the skill "${cmd.skill ?? task?.skill}"`);
        return { cmd: { ...cmd, specialistId: helper } };
      }
      case 'correctTime': {
        const before = await io().timeEntryOf({ requestId: s.requestId, entryId: cmd.entryId });
        if (!before) throw rejected('invalid', `no time entry ${cmd.entryId}`);
        return { cmd: { ...cmd, before } };
      }
      case 'estimate':
      case 'reviewEstimate': {
        // R14: the API reads the month's hours left as it sends the action (actions from before, the workflow read them).
        const { hoursLeft: _unknown, ...rest } = cmd;
        return { cmd: rest, hoursLeft: await io().hoursLeft({ clientId: s.clientId, requestId: s.requestId, at: now() }) };
      }
      case 'openLinkedRequest': {
        // R20: out-of-scope work becomes a request of its own, started as its own workflow and linked both ways.
        const linkedRequestId = uuid4();
        // The new request gets its key like a filed one (histories from before keys started it without).
        const key = requestKeys() ? await io().allocateRequestKey({ clientId: s.clientId, requestId: linkedRequestId }) : undefined;
        await startChild(requestWorkflow, {
          workflowId: requestWorkflowId(key ?? linkedRequestId),
          parentClosePolicy: ParentClosePolicy.ABANDON,
          args: [
            {
              requestId: linkedRequestId,
              ...(key ? { key } : {}),
              clientId: s.clientId,
              title: cmd.title,
              description: cmd.description,
              priority: s.priority,
              createdBy: action.actor,
              context: ctx,
              linkedFrom: s.requestId,
              generation: GENERATION,
            },
          ],
          typedSearchAttributes: [
            { key: searchAttributes.clientId, value: s.clientId },
            { key: searchAttributes.priority, value: s.priority },
            ...(key ? [{ key: searchAttributes.key, value: key }] : []),
          ],
          staticSummary: requestSummary(s.priority, cmd.title, s.key ?? s.requestId, key),
        });
        return { cmd: { ...cmd, linkedRequestId } };
      }
      default:
        return { cmd };
    }
  };

  /** Commands that book people's hours: one at a time, so a booking refused on the re-check is undone without touching another's. */
  let booking: Promise<unknown> = Promise.resolve();
  const BOOKS = new Set<Command['type']>(['decompose', 'changeScope', 'reassignTask']);

  const run = async (action: Action): Promise<number> => {
    if (!BOOKS.has(action.command.type) || !bounded()) return runUnlocked(action);
    const turn = booking.then(() => runBooking(action));
    booking = turn.catch(() => undefined);
    return turn;
  };

  /** Checked again before the booking (others may have moved the request meanwhile), booked, checked again, undone if refused. */
  const runBooking = async (action: Action): Promise<number> => {
    reject(action.command, action.actor, current());
    const { cmd, hoursLeft } = await resolve(action);
    try {
      reject(cmd, action.actor, current());
    } catch (err) {
      await undoBooking(cmd);
      throw err;
    }
    return commit(action, cmd, hoursLeft);
  };

  /** A refused command's bookings are given back: new tasks released, a reassigned task back with whoever held it. */
  const undoBooking = async (cmd: Command): Promise<void> => {
    const s = current();
    if (cmd.type === 'decompose' || cmd.type === 'changeScope') {
      const first = s.tasks.length + 1;
      const taskIds = cmd.tasks.map((_, i) => `T${first + i}`);
      await io().releaseTasks({ requestId: s.requestId, taskIds });
    } else if (cmd.type === 'reassignTask') {
      const task = s.tasks.find((t) => t.id === cmd.taskId);
      // Only while the task is still to be done: an ended request's tasks are released as they end.
      if (task?.assigneeId && !isTerminal(s.stage) && task.status !== 'cancelled' && task.status !== 'done') {
        await io().allocateTasks({ requestId: s.requestId, priority: s.priority, tasks: [{ taskId: task.id, skill: task.skill, specialistId: task.assigneeId }] });
      }
    }
  };

  const runUnlocked = async (action: Action): Promise<number> => {
    const { cmd, hoursLeft } = await resolve(action);
    // Another message may have moved the request while we waited on I/O.
    reject(cmd, action.actor, current());
    return commit(action, cmd, hoursLeft);
  };

  const commit = (action: Action, cmd: Command, hoursLeft: number | undefined): number => {
    let next = apply(current(), action.actor, cmd, now(), ctx);
    if (hoursLeft !== undefined && next.stage === 'ClientApproval') next = { ...next, hoursLeft };
    if (cmd.type === 'applyPolicy' && cmd.context) ctx = cmd.context;
    state = next;
    return next.version;
  };

  const keyReused = () =>
    ApplicationFailure.create({ type: KEY_REUSED, message: 'this Idempotency-Key was already used with a different request', nonRetryable: true });

  /**
   * The version an earlier call with this Idempotency-Key made, if it was applied; the same key
   * with another command, applied or still applying, is refused (422).
   */
  const earlier = (action: Action): number | undefined => {
    const id = action.idempotency;
    if (!id) return undefined;
    const inFlight = applying.get(id.key);
    if (inFlight && inFlight.hash !== id.hash) throw keyReused();
    const done = applied.get(id.key);
    if (!done) return undefined;
    if (done.hash !== id.hash) throw keyReused();
    return done.version;
  };

  /**
   * Applies an action once per Idempotency-Key, and answers with the version it made: at once (no
   * promise) when it needs nothing from the outside world, which is most actions.
   */
  const runNow = (action: Action): number | Promise<number> => {
    const seen = earlier(action);
    if (seen !== undefined) return seen;
    const key = action.idempotency?.key;
    const running = key === undefined ? undefined : applying.get(key);
    if (running) return running.version;
    const ready = BOOKS.has(action.command.type) && bounded() ? undefined : resolveNow(action);
    if (!ready) return runOnce(action);
    reject(ready.cmd, action.actor, current());
    const version = commit(action, ready.cmd, ready.hoursLeft);
    if (key !== undefined) remember(key, action.idempotency!.hash, version);
    return version;
  };

  const remember = (key: string, hash: string, version: number): void => {
    applied.set(key, { hash, version });
    if (applied.size > APPLIED_KEYS_KEPT) applied.delete(applied.keys().next().value as string);
  };

  /** Applies an action once per Idempotency-Key: a retry that arrives while the first is still applying waits for it. */
  const runOnce = async (action: Action): Promise<number> => {
    const seen = earlier(action);
    if (seen !== undefined) return seen;
    const key = action.idempotency?.key;
    const running = key === undefined ? undefined : applying.get(key);
    if (running) return running.version;
    const attempt = run(action);
    if (key === undefined) return attempt;
    applying.set(key, { hash: action.idempotency!.hash, version: attempt });
    try {
      const version = await attempt;
      remember(key, action.idempotency!.hash, version);
      return version;
    } finally {
      applying.delete(key);
    }
  };

  setHandler(stateQuery, current);
  setHandler(appliedKeyQuery, (key) => applied.get(key) ?? null);
  // Taken in at once when filed with its terms (no I/O), so that the intake's answer can hand out its records.
  if (!state && input.intake && outbox) state = intake({ ...input, ...input.intake, at: now() }, ctx);
  setHandler(intakeUpdate, outbox ? () => (state ? answerNow(1) : whenProjected(1)) : async () => whenProjected(1));
  setHandler(projectUpdate, async (version: number) => {
    const v = Math.min(version, current().version);
    wanted = Math.max(wanted, v);
    return whenProjected(v);
  });
  for (const type of UPDATE_COMMANDS) {
    const handler = sync
      ? (action: Action) => {
          updatesThisRun++;
          const version = runNow(action);
          return typeof version === 'number' ? answerNow(version) : version.then(answerNow);
        }
      : async (action: Action) => {
          updatesThisRun++;
          return answer(await runOnce(action));
        };
    setHandler(actionUpdates[type], handler, {
      validator: (action: Action) => {
        if (earlier(action) !== undefined || (action.idempotency && applying.has(action.idempotency.key))) return;
        reject(action.command, action.actor, current());
      },
    });
  }
  // R8, R9: the dispatcher found someone for a waiting task.
  setHandler(taskAssignedSignal, (a) => {
    if (state) state = applyTimer(state, { type: 'assignTask', ...a }, now());
  });
  for (const type of SIGNAL_COMMANDS) {
    setHandler(actionSignals[type], async (action: Action) => {
      // A signal has no caller to answer: a repeat, or one that is not allowed now, is logged and dropped.
      try {
        if (earlier(action) !== undefined || (action.idempotency && applying.has(action.idempotency.key))) return;
      } catch (err) {
        log.warn('signal rejected', { type, reason: String(err) });
        return;
      }
      const rejection = state ? check(state, action.actor, action.command) : { message: 'not yet taken in' };
      if (rejection) {
        log.warn('signal rejected', { type, reason: rejection.message });
        return;
      }
      try {
        await (sync ? runNow(action) : runOnce(action));
      } catch (err) {
        log.warn('signal failed', { type, error: String(err) });
      }
    });
  }

  if (!state) {
    const intakeCtx = input.intake ?? (await io().intakeContext({ clientId: input.clientId }));
    state = intake({ ...input, ...intakeCtx, at: now() }, ctx);
  }

  /** The last version the loop below looked at. */
  let seen = projected.version;
  /** The moment the one durable timer is set for, and the last moment a timer rang. */
  let armed: string | undefined;
  let rang: string | undefined;
  for (;;) {
    const timer = nextTimer(current(), ctx);
    const wait = timer ? Date.parse(timer.at) - Date.now() : undefined;
    if (wait !== undefined && wait <= 0) {
      state = applyTimer(current(), timer!.command, now());
    } else if (steadyTimers()) {
      // Timers set when a moment that matters changes and never cancelled (a stale one rings into
      // nothing): no timer started and cancelled around every action. From one alarm on, one
      // timer for the earliest moment; before, one per moment.
      if (oneTimer) {
        armAlarm(timer);
      } else if (timer && armed !== timer.at) {
        const at = timer.at;
        armed = at;
        void sleep(Date.parse(at) - Date.now()).then(() => {
          rang = at;
        });
      }
      const rung = rings;
      if (answered()) {
        await condition(() => current().version > seen || flushRang || wanted > projected.version || (timer !== undefined && rang === timer.at) || rings !== rung);
        // The flush timer rang with nothing handed out still waiting: nothing to write.
        if (flushRang && handedOut <= projected.version) flushRang = false;
        if (current().version === seen && !flushRang && wanted <= projected.version) continue;
      } else {
        await condition(() => current().version > projected.version || (timer !== undefined && rang === timer.at) || rings !== rung);
        if (current().version === projected.version) continue;
      }
    } else {
      const moved = await condition(() => current().version > projected.version, wait);
      if (!moved && timer) state = applyTimer(current(), timer.command, now());
    }

    const s = current();
    if (answered()) {
      seen = s.version;
      if (oneTrip()) {
        await writeTurn(s);
      } else {
        if (mustProject(s)) {
          flushRang = false;
          await projectOrFlag(s);
        } else if (s.version > projected.version) {
          show(s);
        }
        await syncAllocation(s);
      }
    } else if (s.version > projected.version) {
      await projectOrFlag(s);
      await syncAllocation(s);
    }
    if (isTerminal(s.stage) && projected.version === current().version) break;
    // Temporal also caps the Updates one run takes (2,000): a busy request continues as new well before.
    if (workflowInfo().continueAsNewSuggested || (updatesThisRun >= UPDATES_PER_RUN && updateBudget())) {
      await Promise.all(deliveries);
      // A running handler may be waiting for its projection: then project first and come back.
      await condition(() => allHandlersFinished() || current().version > projected.version);
      // What answers handed out since the last write goes along (the next run writes it first
      // thing), so that actions arriving back to back never hold the request in this run.
      if (allHandlersFinished() && (current().version === projected.version || answeredLedgers())) {
        await continueAsNew<typeof requestWorkflow>({
          ...input,
          // The next run starts on this code: it takes every change this code knows.
          generation: GENERATION,
          context: ctx,
          carried: {
            state: current(),
            projected,
            synced,
            applied: [...applied].map(([key, { hash, version }]) => [key, hash, version]),
            ...(attention ? { attention } : {}),
            ...(handedLedgers.length > 0 ? { ledgers: handedLedgers } : {}),
          },
        });
      }
    }
  }

  /** What the allocation and hour ledgers lack of this state: hours to hold, task budgets, the priority, finished tasks to release. */
  function allocationWork(s: RequestState) {
    // R24: approved hours (estimates with buffer, objective extensions) are held against the month.
    const approved = roundQuarter(s.tasks.reduce((sum, t) => sum + (t.approvedHours ?? 0), 0));
    const hours = Object.fromEntries(
      s.tasks.filter((t) => t.approvedHours !== undefined && synced.hours[t.id] !== t.approvedHours).map((t) => [t.id, t.approvedHours as number]),
    );
    const finished = s.tasks.filter((t) => (t.status === 'done' || t.status === 'cancelled') && !synced.released.includes(t.id)).map((t) => t.id);
    return { approved, hold: approved > synced.reserved, hours, priority: synced.priority !== s.priority, finished };
  }

  /** Whether the ledgers lack anything of this state. */
  function ledgersBehind(s: RequestState): boolean {
    const w = allocationWork(s);
    return w.hold || Object.keys(w.hours).length > 0 || w.priority || w.finished.length > 0;
  }

  /** The ledgers' steps this state needs, if any. */
  function ledgerWork(s: RequestState): LedgerWork | undefined {
    const { approved, hold, hours, priority, finished } = allocationWork(s);
    const work: LedgerWork = {
      ...(hold ? { reserve: { key: `reserve:${s.requestId}:v${s.version}`, hours: roundQuarter(approved - synced.reserved), at: now() } } : {}),
      ...(Object.keys(hours).length > 0 ? { hours } : {}),
      ...(priority ? { priority: s.priority } : {}),
      ...(finished.length > 0 ? { release: finished } : {}),
    };
    return Object.keys(work).length > 0 ? work : undefined;
  }

  /**
   * The ledger steps answers handed out, done again: each hold by its key, and the budgets,
   * priority and releases as the state has them now (a caller's late write of an older version
   * may have set an older budget).
   */
  function redoOf(s: RequestState): LedgerWork[] {
    const hours = Object.fromEntries(s.tasks.filter((t) => t.approvedHours !== undefined).map((t) => [t.id, t.approvedHours as number]));
    return [
      ...handedLedgers.flatMap((l) => (l.reserve ? [{ reserve: l.reserve }] : [])),
      { ...(Object.keys(hours).length > 0 ? { hours } : {}), priority: synced.priority, ...(synced.released.length > 0 ? { release: [...synced.released] } : {}) },
    ];
  }

  /**
   * What a write of version `s` carries besides its projection: the ledger steps answers handed
   * out, done again (their callers may have died first), this version's own, and, when it ends
   * the request, the write-off. The workflow's own last write and the closing answer's alike.
   */
  function alongWith(s: RequestState, ledger: LedgerWork | undefined, ending: boolean): AlongWithProjection {
    const redo = handedLedgers.length > 0 ? redoOf(s) : undefined;
    return { ...(redo ? { redo } : {}), ...(ledger ? { ledger } : {}), ...(ending ? { settle: { tasks: s.tasks, at: s.closedAt ?? now() } } : {}) };
  }

  /** The ledgers hold `work` of version `s`. */
  function ledgersDone(s: RequestState, work: LedgerWork | undefined): void {
    if (work?.reserve) synced.reserved = roundQuarter(synced.reserved + work.reserve.hours);
    if (work?.hours) Object.assign(synced.hours, work.hours);
    if (work?.priority) synced.priority = work.priority;
    if (work?.release) synced.released.push(...work.release);
    ledgersAt = Math.max(ledgersAt, s.version);
  }

  /**
   * One turn of the loop, in one activity at most: the projection if the workflow writes this
   * version itself, the ledgers' steps, and the write-off once the request has ended.
   */
  async function writeTurn(s: RequestState): Promise<void> {
    if (closedBy?.version === s.version) {
      // Its closing answer handed the last write out: its caller makes it.
      show(s);
      markProjected(s);
      settled = true;
      return;
    }
    const ledger = ledgerWork(s);
    if (!mustProject(s)) {
      if (s.version > projected.version) show(s, !lazyAttributes());
      if (ledger) await io().writeRequest.executeWithOptions({ summary: `ledgers v${s.version}` }, [{ requestId: s.requestId, clientId: s.clientId, ledger }]);
      ledgersDone(s, ledger);
      return;
    }
    flushRang = false;
    const ending = isTerminal(s.stage) && !settled;
    const handed = handedLedgers.length;
    await projectOrFlag(s, alongWith(s, ledger, ending));
    ledgersDone(s, ledger);
    // Those handed out while it wrote wait for the next write.
    handedLedgers = handedLedgers.slice(handed);
    if (ending) settled = true;
  }

  /** Keeps the allocation and hour ledgers in step: budgets, reservations, priority, hours given back by finished tasks. */
  async function syncAllocation(s: RequestState): Promise<void> {
    const work = ledgerWork(s);
    const { requestId, clientId } = s;
    if (work?.reserve) await io().reserveHours.executeWithOptions({ summary: `hold ${work.reserve.hours} h` }, [{ requestId, clientId, ...work.reserve }]);
    if (work?.hours) await io().updateTaskHours({ requestId, hours: work.hours });
    if (work?.priority) await io().reprioritize({ requestId, priority: work.priority });
    if (work?.release) await io().releaseTasks.executeWithOptions({ summary: `release ${work.release.join(', ')}` }, [{ requestId, taskIds: work.release }]);
    ledgersDone(s, work);
  }

  /**
   * Projects the state; when PostgreSQL refuses its data (a value that slipped past the API's
   * validation), projects a sanitized copy instead, flags the request (`NeedsAttention`, the read
   * model) and escalates to the manager and the head: never retried for ever, never frozen.
   */
  async function projectOrFlag(s: RequestState, also?: AlongWithProjection): Promise<void> {
    try {
      await project(s, false, also);
      if (attention) {
        await io().clearDataFailure({ requestId: s.requestId });
        attention = undefined;
        upsertSearchAttributes([{ key: searchAttributes.needsAttention, value: false }]);
      }
      return;
    } catch (err) {
      const reason = dataRejected(err);
      if (reason === undefined) throw err;
      log.warn('the request\'s data was refused by PostgreSQL', { version: s.version, reason });
      try {
        await project(s, true, also);
      } catch (again) {
        if (dataRejected(again) === undefined) throw again;
        // Even the sanitized copy was refused: the read model stays behind, the flag says so.
        markProjected(s);
        // The ledgers and the write-off go on without it.
        if (also && (also.ledger || also.redo || also.settle)) await io().writeRequest({ requestId: s.requestId, clientId: s.clientId, ...also });
      }
      if (!attention) {
        attention = reason;
        upsertSearchAttributes([{ key: searchAttributes.needsAttention, value: true }]);
        await io().flagDataFailure({ requestId: s.requestId, clientId: s.clientId, managerId: s.managerId, version: s.version, reason, at: now() });
      }
    }
  }

  function markProjected(s: RequestState): void {
    Object.assign(projected, {
      version: s.version,
      events: s.counters.events,
      timeEntries: s.counters.timeEntries,
      notifications: s.counters.notifications,
      escalations: s.counters.escalations,
    });
    // The records written leave the state; those added meanwhile stay until their projection.
    if (bounded()) state = drained(current(), s);
    handedRevisions.clear();
  }

  /**
   * Whether the workflow writes this version itself (answered projection): nobody was handed it,
   * or it is the last before the end or continue-as-new, or records pile up, or a webhook waits,
   * or the API asked, or FLUSH_AFTER passed since records were handed out.
   */
  function mustProject(s: RequestState): boolean {
    if (s.version <= projected.version) return false;
    if (s.version > handedOut || attention || wanted > projected.version || flushRang || isTerminal(s.stage)) return true;
    if (workflowInfo().continueAsNewSuggested || updatesThisRun >= UPDATES_PER_RUN) return true;
    if (s.events.length + s.timeEntries.length + s.notifications.length + s.escalations.length >= RECORDS_HANDED_OUT) return true;
    // Older requests deliver to the webhook themselves, once their notifications are written.
    return !outbox && webhook !== false && s.notifications.some((n) => numberOf(n.id) > projected.notifications);
  }

  /** What the Temporal UI shows of the request: its search attributes and current details. */
  function show(s: RequestState, attributes = true): void {
    setCurrentDetails(details(s));
    if (attributes) showAttributes(s);
  }

  function showAttributes(s: RequestState): void {
    const overdue = s.stage === 'Execution' && s.tasks.some((t) => t.status === 'in_progress' && t.deadlineAt !== undefined && t.deadlineAt <= now());
    const attributes = [
      { key: searchAttributes.stage, value: s.stage },
      { key: searchAttributes.managerId, value: s.managerId },
      { key: searchAttributes.priority, value: s.priority },
      { key: searchAttributes.assignees, value: [...new Set(s.tasks.flatMap((t) => [...(t.assigneeId ? [t.assigneeId] : []), ...t.helperIds]))] },
      { key: searchAttributes.overdue, value: overdue },
      ...(s.deadlineAt ? [{ key: searchAttributes.deadline, value: new Date(s.deadlineAt) }] : []),
    ];
    // An unchanged set is not written again (histories from before did).
    const written = JSON.stringify(attributes);
    if (!modern() || written !== lastAttributes) {
      upsertSearchAttributes(attributes);
      lastAttributes = written;
    }
  }

  /** The state version and its records not yet written by the workflow: new ones, and every corrected entry (the upsert keeps the highest revision). */
  function projectionOf(s: RequestState, sanitize = false): Projection {
    return { ...(sanitize ? { sanitize } : {}), state: { ...s, events: [], timeEntries: [], notifications: [], escalations: [] }, ...recordsPast(s, projected, () => true) };
  }

  async function project(s: RequestState, sanitize = false, also?: AlongWithProjection): Promise<void> {
    show(s);
    const input = projectionOf(s, sanitize);
    const { notifications } = input;
    const summary = `project v${s.version}: ${s.stage}${sanitize ? ' (sanitized)' : ''}${also?.ledger ? ' + ledgers' : ''}${also?.settle ? ' + write-off' : ''}`;
    const result =
      (oneTrip()
        ? await io().writeRequest.executeWithOptions({ summary }, [{ requestId: s.requestId, clientId: s.clientId, projection: input, ...also }])
        : await io().projectRequest.executeWithOptions({ summary }, [input])) ?? { deliver: true };
    const { deliver } = result;
    if (result.webhook !== undefined) webhook = result.webhook;
    markProjected(s);
    // Only where the worker has a webhook to deliver to (histories from before always asked).
    if (notifications.length > 0 && !outbox && (deliver || !modern())) {
      // Delivery runs beside the request: a webhook that is down never holds the request up.
      deliveries.push(
        delivery.deliverNotifications
          .executeWithOptions({ summary: `deliver ${notifications.map((n) => n.kind).join(', ')}` }, [
            { requestId: s.requestId, ids: notifications.map((n) => n.id) },
          ])
          .catch((err: unknown) => log.warn('webhook delivery gave up', { error: String(err) })),
      );
    }
  }

  const final = current();
  if (settled) {
    // Written off with the last projection.
  } else if (bounded()) {
    // The time entries live in PostgreSQL: the write-off is worked out there, from them and the tasks' budgets.
    await io().settle.executeWithOptions({ summary: `settle ${final.stage}` }, [
      { requestId: final.requestId, clientId: final.clientId, tasks: final.tasks, at: final.closedAt ?? now() },
    ]);
  } else {
    const bill = billingOf(final);
    await io().settle.executeWithOptions({ summary: `settle: write off ${bill.billableHours} h` }, [
      { requestId: final.requestId, clientId: final.clientId, hours: bill.billableHours, detail: bill, at: final.closedAt ?? now() },
    ]);
  }
  if (closedBy) {
    // Not in the task that answered the closing: a message that reaches the server while a task
    // ends the workflow fails that task, and the closing's Update with it. One moment later, in a
    // task of its own, only the end is undone by such a message (and done again after it).
    await sleep(1);
  }
  await condition(allHandlersFinished);
  await Promise.all(deliveries);
  log.info('request finished', { workflowId: workflowInfo().workflowId, stage: final.stage });
  // The last write its closing answer handed out, for the worker's sweep in case its caller died first.
  const last = closedBy?.version === current().version ? { last: closedBy.last } : {};
  return { ...current(), events: [], timeEntries: [], notifications: [], escalations: [], ...last };
}
