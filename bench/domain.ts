// How many commands per second the pure domain core checks and applies (no I/O at all).
import { ALWAYS_OPEN, DEFAULT_TIMING, apply, check, intake, type Actor, type Command, type RequestState } from '../src/domain';

const ctx = { calendar: ALWAYS_OPEN, policy: DEFAULT_TIMING };

const client: Actor = { id: 'c', role: 'client', clientId: 'org' };
const manager: Actor = { id: 'm', role: 'manager' };
const sam: Actor = { id: 's', role: 'specialist' };

function lifecycle(i: number): RequestState {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  let s = intake({ requestId: `r${i}`, clientId: 'org', title: 't', description: 'd', priority: 'normal', managerId: 'm', createdBy: client, timeZone: 'UTC', at }, ctx);
  const steps: [Actor, Command][] = [
    [manager, { type: 'triage', decision: 'delegate' }],
    [manager, { type: 'decompose', brief: 'b', tasks: [{ title: 't', skill: 'backend', assigneeId: 's' }] }],
    [sam, { type: 'estimate', taskId: 'T1', hours: 4, complexity: 'medium' }],
    [client, { type: 'approveEstimate' }],
    [sam, { type: 'logTime', taskId: 'T1', minutes: 120, category: 'execution', note: '' }],
    [sam, { type: 'completeTask', taskId: 'T1', result: 'r' }],
    [manager, { type: 'acceptResult' }],
    [client, { type: 'confirmClosure' }],
  ];
  for (const [actor, cmd] of steps) {
    if (check(s, actor, cmd)) throw new Error(`${cmd.type} refused`);
    s = apply(s, actor, cmd, at, ctx);
  }
  return s;
}

export function domainCore(n = 20_000): { lifecycles: number; commandsPerSecond: number } {
  lifecycle(0);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) lifecycle(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { lifecycles: n, commandsPerSecond: (n * 8) / seconds };
}
