// Every command, for every kind of person, in every stage (and the task statuses each stage
// brings): allowed exactly where DESIGN.md allows it. The table is typed by the command union, so
// a new command does not compile without its row. Plain unit tests of the domain's `check`.
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  COMMAND_ROLES,
  DEFAULT_TIMING,
  STAGES,
  apply,
  check,
  intake,
  type Actor,
  type Command,
  type CommandType,
  type RequestContext,
  type RequestState,
  type Stage,
} from '../src/domain';

const ctx: RequestContext = { calendar: ALWAYS_OPEN, policy: DEFAULT_TIMING };

const PEOPLE = {
  manager: { id: 'm1', role: 'manager' },
  otherManager: { id: 'm2', role: 'manager' },
  head: { id: 'h1', role: 'head' },
  client: { id: 'c1', role: 'client', clientId: 'org1' },
  otherClient: { id: 'c2', role: 'client', clientId: 'org2' },
  assignee: { id: 's1', role: 'specialist' },
  mentor: { id: 's2', role: 'specialist' },
  stranger: { id: 's9', role: 'specialist' },
  admin: { id: 'a1', role: 'admin' },
} satisfies Record<string, Actor>;
type Person = keyof typeof PEOPLE;
const { manager, client, assignee } = PEOPLE;

let clock = 0;
const at = () => new Date(Date.UTC(2026, 10, 2, 9, 0, clock++)).toISOString();

function run(state: RequestState, ...steps: [Actor, Command][]): RequestState {
  return steps.reduce((s, [actor, cmd]) => {
    const rejection = check(s, actor, cmd);
    if (rejection) throw new Error(`${cmd.type} refused while building the states: ${rejection.message}`);
    return apply(s, actor, cmd, at(), ctx);
  }, state);
}

/** One request in each stage, its task T1 with the assignee (no mentor): estimating, estimated, in progress, done. */
function stages(): Record<Stage, RequestState> {
  const triage = intake({ requestId: 'r1', clientId: 'org1', title: 'Export', description: 'd', priority: 'high', managerId: 'm1', createdBy: client, timeZone: 'Europe/Berlin', at: at() }, ctx);
  const decomposition = run(triage, [manager, { type: 'triage', decision: 'delegate' }]);
  const estimation = run(decomposition, [manager, { type: 'decompose', brief: 'b', tasks: [{ title: 'x', skill: 'backend', assigneeId: 's1' }] }]);
  const approval = run(estimation, [assignee, { type: 'estimate', taskId: 'T1', hours: 4, complexity: 'low' }]);
  const execution = run(approval, [client, { type: 'approveEstimate', acceptOverage: true }]);
  const internal = run(execution, [assignee, { type: 'completeTask', taskId: 'T1', result: 'r' }]);
  const review = run(internal, [manager, { type: 'acceptResult' }]);
  return {
    Triage: triage,
    Decomposition: decomposition,
    Estimation: estimation,
    ClientApproval: approval,
    Execution: execution,
    InternalReview: internal,
    ClientReview: review,
    Closed: run(review, [client, { type: 'confirmClosure' }]),
    Cancelled: run(execution, [client, { type: 'cancel', reason: 'no longer needed' }]),
  };
}

const OPEN: Stage[] = ['Triage', 'Decomposition', 'Estimation', 'ClientApproval', 'Execution', 'InternalReview', 'ClientReview'];
const AFTER_BRIEF: Stage[] = ['Estimation', 'ClientApproval', 'Execution', 'InternalReview', 'ClientReview'];

interface Row {
  /** Who may, and in which stages; nobody else, nowhere else. */
  who: Person[];
  stages: Stage[];
  /** Further people allowed in other stages than `stages`. */
  also?: Partial<Record<Person, Stage[]>>;
  command: Command;
  /** What must already be there for the command to make sense (a question to answer …), set up in `stages`. */
  needs?: (s: RequestState) => RequestState;
}

const allows = (row: Row, person: Person, stage: Stage) => (row.who.includes(person) && row.stages.includes(stage)) || (row.also?.[person]?.includes(stage) ?? false);

const withMentor = (status: 'estimate_review' | 'result_review') => (s: RequestState): RequestState => ({
  ...s,
  tasks: s.tasks.map((t) => (t.id === 'T1' ? { ...t, mentorId: 's2', status } : t)),
});
const force = (actor: Actor, cmd: Command) => (s: RequestState) => apply(s, actor, cmd, at(), ctx);
const future = new Date(Date.UTC(2027, 0, 15, 12)).toISOString();

/** DESIGN.md's rules R2–R25 as who may issue each command in which stage. */
const EXPECTED: Record<CommandType, Row[]> = {
  triage: [{ who: ['manager', 'head'], stages: ['Triage'], command: { type: 'triage', decision: 'delegate' } }],
  decompose: [{ who: ['manager', 'head'], stages: ['Decomposition'], command: { type: 'decompose', brief: 'b', tasks: [{ title: 'y', skill: 'backend', assigneeId: 's1' }] } }],
  askQuestion: [{ who: ['assignee'], stages: AFTER_BRIEF, command: { type: 'askQuestion', taskId: 'T1', text: 'which export?' } }],
  answerQuestion: [
    { who: ['manager', 'head'], stages: AFTER_BRIEF, command: { type: 'answerQuestion', questionId: 'Q1', answer: 'the CSV one' }, needs: force(assignee, { type: 'askQuestion', taskId: 'T1', text: 'which?' }) },
  ],
  askClient: [{ who: ['manager', 'head'], stages: OPEN, command: { type: 'askClient', text: 'which warehouse?' } }],
  answerClient: [{ who: ['client'], stages: OPEN, command: { type: 'answerClient', questionId: 'Q1', answer: 'Hamburg' }, needs: force(manager, { type: 'askClient', text: 'which?' }) }],
  estimate: [{ who: ['assignee'], stages: ['Estimation'], command: { type: 'estimate', taskId: 'T1', hours: 3, complexity: 'medium' } }],
  reviewEstimate: [{ who: ['mentor'], stages: ['Estimation'], command: { type: 'reviewEstimate', taskId: 'T1', verdict: 'approve', comment: '' }, needs: withMentor('estimate_review') }],
  approveEstimate: [{ who: ['client'], stages: ['ClientApproval'], command: { type: 'approveEstimate', acceptOverage: true } }],
  rejectEstimate: [{ who: ['client'], stages: ['ClientApproval'], command: { type: 'rejectEstimate', comment: 'too much', next: 'reestimate' } }],
  reportProgress: [{ who: ['assignee'], stages: ['Execution'], command: { type: 'reportProgress', taskId: 'T1', percent: 50 } }],
  logTime: [
    // R22: everyone on the request logs what they spent, from the brief on.
    { who: ['manager', 'head', 'assignee'], stages: AFTER_BRIEF, command: { type: 'logTime', taskId: 'T1', minutes: 30, category: 'analysis', note: '' } },
    // R14: the work itself only once the client has approved it.
    { who: ['manager', 'head', 'assignee'], stages: ['Execution', 'InternalReview', 'ClientReview'], command: { type: 'logTime', taskId: 'T1', minutes: 30, category: 'execution', note: '' } },
    // R10: the mentor logs the checking on the junior's task; nobody else on the staff logs on it but its people.
    {
      who: ['mentor'],
      stages: ['Estimation'],
      also: { manager: AFTER_BRIEF, head: AFTER_BRIEF, assignee: AFTER_BRIEF },
      command: { type: 'logTime', taskId: 'T1', minutes: 15, category: 'mentoring', note: '' },
      needs: withMentor('estimate_review'),
    },
  ],
  correctTime: [
    { who: ['assignee'], stages: AFTER_BRIEF, command: { type: 'correctTime', entryId: 'r1:te:1', minutes: 20 }, needs: force(assignee, { type: 'logTime', taskId: 'T1', minutes: 30, category: 'analysis', note: '' }) },
  ],
  reportBlocker: [{ who: ['assignee'], stages: ['Execution'], command: { type: 'reportBlocker', taskId: 'T1', description: 'no access' } }],
  proposeDeadline: [{ who: ['manager', 'head'], stages: ['Execution'], command: { type: 'proposeDeadline', taskId: 'T1', newDeadline: future, extraHours: 1, cause: 'client_side', note: 'n' } }],
  agreeDeadline: [
    {
      who: ['client'],
      stages: ['Execution'],
      command: { type: 'agreeDeadline', proposalId: 'D1', agree: true },
      needs: force(manager, { type: 'proposeDeadline', taskId: 'T1', newDeadline: future, extraHours: 1, cause: 'client_side', note: 'n' }),
    },
  ],
  addSpecialist: [{ who: ['manager', 'head'], stages: ['Estimation', 'ClientApproval', 'Execution'], command: { type: 'addSpecialist', taskId: 'T1', specialistId: 's3' } }],
  declineTask: [{ who: ['assignee'], stages: ['Estimation', 'ClientApproval'], command: { type: 'declineTask', taskId: 'T1', reason: 'busy' } }],
  changePriority: [{ who: ['manager', 'head'], stages: OPEN, command: { type: 'changePriority', priority: 'low', reason: 'can wait' } }],
  // #16: the request's manager (or the head) moves it to its client's current policy version, in any open stage.
  applyPolicy: [{ who: ['manager', 'head'], stages: OPEN, command: { type: 'applyPolicy', policyId: 'p1', version: 2, reason: 'new contract', context: { ...ctx, policyRef: { policyId: 'p1', name: 'Gold', version: 2 } } } }],
  reassignTask: [{ who: ['manager', 'head'], stages: ['Estimation', 'ClientApproval'], command: { type: 'reassignTask', taskId: 'T1', specialistId: 's3', reason: 'load' } }],
  completeTask: [{ who: ['assignee'], stages: ['Execution'], command: { type: 'completeTask', taskId: 'T1', result: 'done' } }],
  reviewResult: [{ who: ['mentor'], stages: ['Execution'], command: { type: 'reviewResult', taskId: 'T1', verdict: 'approve', comment: '' }, needs: withMentor('result_review') }],
  acceptResult: [{ who: ['manager', 'head'], stages: ['InternalReview'], command: { type: 'acceptResult' } }],
  rework: [
    // R19: the manager returns a result from internal review; R20: the client asks for changes in review.
    { who: ['manager', 'head'], stages: ['InternalReview'], also: { client: ['ClientReview'] }, command: { type: 'rework', reason: 'totals still wrong' } },
  ],
  changeScope: [{ who: ['manager', 'head'], stages: AFTER_BRIEF, command: { type: 'changeScope', reason: 'more', tasks: [{ title: 'z', skill: 'backend', assigneeId: 's1' }] } }],
  openLinkedRequest: [{ who: ['manager', 'head'], stages: ['Execution', 'InternalReview', 'ClientReview'], command: { type: 'openLinkedRequest', title: 't', description: 'd', linkedRequestId: 'r2' } }],
  // R21: the client confirms, or the manager records how the client confirmed.
  confirmClosure: [{ who: ['client', 'manager', 'head'], stages: ['ClientReview'], command: { type: 'confirmClosure', note: 'confirmed by phone' } }],
  // R25: the client (or the manager) may cancel before closure.
  cancel: [{ who: ['client', 'manager', 'head'], stages: OPEN, command: { type: 'cancel', reason: 'not needed' } }],
  // A public message in the conversation: the client, the request's manager, the head, the specialists on it.
  reply: [{ who: ['client', 'manager', 'head'], stages: OPEN, also: { assignee: AFTER_BRIEF }, command: { type: 'reply', messageId: 'm-1', excerpt: 'here is the log' } }],
};

describe('the rules and permissions as written', () => {
  const states = stages();

  it('every command allows exactly who DESIGN.md names, in exactly the stages it names, and nobody else anywhere', () => {
    const wrong: string[] = [];
    for (const [type, rows] of Object.entries(EXPECTED) as [CommandType, Row[]][]) {
      for (const row of rows) {
        for (const stage of STAGES) {
          const base = states[stage];
          const state = row.needs && row.stages.includes(stage) ? row.needs(base) : base;
          for (const [name, actor] of Object.entries(PEOPLE) as [Person, Actor][]) {
            const rejection = check(state, actor, row.command);
            const expected = allows(row, name, stage);
            if (expected !== (rejection === undefined)) {
              wrong.push(`${type} (${JSON.stringify(row.command).slice(0, 60)}) by ${name} in ${stage}: ${rejection ? `refused: ${rejection.message}` : 'allowed'}`);
            }
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the roles the API lets through for each command are the roles the table allows somewhere', () => {
    for (const [type, rows] of Object.entries(EXPECTED) as [CommandType, Row[]][]) {
      const roles = new Set(rows.flatMap((r) => [...r.who, ...(Object.keys(r.also ?? {}) as Person[])].map((p) => PEOPLE[p].role)));
      expect([...roles].sort(), type).toEqual([...COMMAND_ROLES[type]].filter((r) => roles.has(r)).sort());
      for (const role of roles) expect(COMMAND_ROLES[type], `${type} by ${role}`).toContain(role);
    }
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(COMMAND_ROLES).sort());
  });

  it('a refusal says why: another person or organisation is 403, a wrong stage 409, in every stage', () => {
    for (const stage of OPEN) {
      const s = states[stage];
      expect(check(s, PEOPLE.otherClient, { type: 'cancel', reason: 'x' })?.code, stage).toBe('forbidden');
      expect(check(s, PEOPLE.otherManager, { type: 'changePriority', priority: 'low', reason: 'x' })?.code, stage).toBe('forbidden');
      expect(check(s, PEOPLE.admin, { type: 'cancel', reason: 'x' })?.code, stage).toBe('forbidden');
    }
    expect(check(states.ClientApproval, assignee, { type: 'logTime', taskId: 'T1', minutes: 1, category: 'execution', note: '' })?.code).toBe('conflict');
    expect(check(states.Closed, client, { type: 'cancel', reason: 'x' })?.code).toBe('conflict');
  });
});
