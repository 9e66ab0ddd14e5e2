// Every command a person can give a request, declared in one place: who may ever give it, how it
// reaches the workflow (an Update the caller waits for, or a Signal), its check, its effect and
// its line in the timeline. The table is typed by the command union: a command without any of
// these does not compile.
import { CHECKS, conflict, type Check } from './checks';
import { EFFECTS, type Effect } from './effects';
import type { Command, CommandType, Rejection, RequestContext } from './request';
import { isTerminal, record } from './request';
import { TEXTS, type TimelineEntry } from './timeline';
import type { Actor, AuditEvent, RequestState, Role } from './types';

export interface CommandSpec<K extends CommandType> {
  /** Who may ever give it: the API answers 403 to anyone else before asking the workflow. */
  roles: readonly Role[];
  /** An Update (the caller waits for the answer; a refusal never enters the history) or a Signal (accepted, then applied). */
  message: 'update' | 'signal';
  check: Check<K>;
  effect: Effect<K>;
  /** Its line in the request's timeline, and whether the client reads it. */
  timeline: (e: AuditEvent, timeZone: string) => TimelineEntry;
}

export const COMMANDS = {
  triage: { roles: ['manager', 'head'], message: 'update', check: CHECKS.triage, effect: EFFECTS.triage, timeline: TEXTS.triage },
  decompose: { roles: ['manager', 'head'], message: 'update', check: CHECKS.decompose, effect: EFFECTS.decompose, timeline: TEXTS.decompose },
  askQuestion: { roles: ['specialist'], message: 'update', check: CHECKS.askQuestion, effect: EFFECTS.askQuestion, timeline: TEXTS.askQuestion },
  answerQuestion: { roles: ['manager', 'head'], message: 'update', check: CHECKS.answerQuestion, effect: EFFECTS.answerQuestion, timeline: TEXTS.answerQuestion },
  askClient: { roles: ['manager', 'head'], message: 'update', check: CHECKS.askClient, effect: EFFECTS.askClient, timeline: TEXTS.askClient },
  answerClient: { roles: ['client'], message: 'update', check: CHECKS.answerClient, effect: EFFECTS.answerClient, timeline: TEXTS.answerClient },
  estimate: { roles: ['specialist'], message: 'update', check: CHECKS.estimate, effect: EFFECTS.estimate, timeline: TEXTS.estimate },
  reviewEstimate: { roles: ['specialist'], message: 'update', check: CHECKS.reviewEstimate, effect: EFFECTS.reviewEstimate, timeline: TEXTS.reviewEstimate },
  approveEstimate: { roles: ['client'], message: 'update', check: CHECKS.approveEstimate, effect: EFFECTS.approveEstimate, timeline: TEXTS.approveEstimate },
  rejectEstimate: { roles: ['client'], message: 'update', check: CHECKS.rejectEstimate, effect: EFFECTS.rejectEstimate, timeline: TEXTS.rejectEstimate },
  reportProgress: { roles: ['specialist'], message: 'update', check: CHECKS.reportProgress, effect: EFFECTS.reportProgress, timeline: TEXTS.reportProgress },
  logTime: { roles: ['manager', 'head', 'specialist'], message: 'update', check: CHECKS.logTime, effect: EFFECTS.logTime, timeline: TEXTS.logTime },
  correctTime: { roles: ['manager', 'head', 'specialist'], message: 'update', check: CHECKS.correctTime, effect: EFFECTS.correctTime, timeline: TEXTS.correctTime },
  reportBlocker: { roles: ['specialist'], message: 'update', check: CHECKS.reportBlocker, effect: EFFECTS.reportBlocker, timeline: TEXTS.reportBlocker },
  proposeDeadline: { roles: ['manager', 'head'], message: 'update', check: CHECKS.proposeDeadline, effect: EFFECTS.proposeDeadline, timeline: TEXTS.proposeDeadline },
  agreeDeadline: { roles: ['client'], message: 'update', check: CHECKS.agreeDeadline, effect: EFFECTS.agreeDeadline, timeline: TEXTS.agreeDeadline },
  addSpecialist: { roles: ['manager', 'head'], message: 'update', check: CHECKS.addSpecialist, effect: EFFECTS.addSpecialist, timeline: TEXTS.addSpecialist },
  declineTask: { roles: ['specialist'], message: 'update', check: CHECKS.declineTask, effect: EFFECTS.declineTask, timeline: TEXTS.declineTask },
  reassignTask: { roles: ['manager', 'head'], message: 'update', check: CHECKS.reassignTask, effect: EFFECTS.reassignTask, timeline: TEXTS.reassignTask },
  changePriority: { roles: ['manager', 'head'], message: 'update', check: CHECKS.changePriority, effect: EFFECTS.changePriority, timeline: TEXTS.changePriority },
  completeTask: { roles: ['specialist'], message: 'update', check: CHECKS.completeTask, effect: EFFECTS.completeTask, timeline: TEXTS.completeTask },
  reviewResult: { roles: ['specialist'], message: 'update', check: CHECKS.reviewResult, effect: EFFECTS.reviewResult, timeline: TEXTS.reviewResult },
  acceptResult: { roles: ['manager', 'head'], message: 'update', check: CHECKS.acceptResult, effect: EFFECTS.acceptResult, timeline: TEXTS.acceptResult },
  rework: { roles: ['manager', 'head', 'client'], message: 'signal', check: CHECKS.rework, effect: EFFECTS.rework, timeline: TEXTS.rework },
  changeScope: { roles: ['manager', 'head'], message: 'signal', check: CHECKS.changeScope, effect: EFFECTS.changeScope, timeline: TEXTS.changeScope },
  openLinkedRequest: { roles: ['manager', 'head'], message: 'update', check: CHECKS.openLinkedRequest, effect: EFFECTS.openLinkedRequest, timeline: TEXTS.openLinkedRequest },
  confirmClosure: { roles: ['client', 'manager', 'head'], message: 'update', check: CHECKS.confirmClosure, effect: EFFECTS.confirmClosure, timeline: TEXTS.confirmClosure },
  cancel: { roles: ['client', 'manager', 'head'], message: 'update', check: CHECKS.cancel, effect: EFFECTS.cancel, timeline: TEXTS.cancel },
  reply: { roles: ['client', 'manager', 'specialist', 'head'], message: 'signal', check: CHECKS.reply, effect: EFFECTS.reply, timeline: TEXTS.reply },
  applyPolicy: { roles: ['manager', 'head'], message: 'update', check: CHECKS.applyPolicy, effect: EFFECTS.applyPolicy, timeline: TEXTS.applyPolicy },
} satisfies { [K in CommandType]: CommandSpec<K> };

/** The commands sent as Updates, and as Signals. */
export type UpdateType = { [K in CommandType]: (typeof COMMANDS)[K]['message'] extends 'update' ? K : never }[CommandType];
export type SignalType = Exclude<CommandType, UpdateType>;

/** Which roles may ever issue a command; the API answers 403 before asking the workflow. */
export const COMMAND_ROLES = Object.fromEntries(Object.entries(COMMANDS).map(([type, spec]) => [type, spec.roles])) as unknown as Record<CommandType, readonly Role[]>;

/** Is this command allowed for this actor now? `undefined` means yes. */
export function check(state: RequestState, actor: Actor, cmd: Command): Rejection | undefined {
  if (isTerminal(state.stage)) return conflict(`the request is ${state.stage.toLowerCase()}`);
  return (COMMANDS[cmd.type].check as Check<CommandType>)(state, actor, cmd);
}

/** Apply an allowed command. Call `check` first: `apply` assumes the command is allowed. */
export function apply(state: RequestState, actor: Actor, cmd: Command, at: string, ctx: RequestContext): RequestState {
  const { type: _type, ...detail } = cmd;
  const next = record(state, actor, at, cmd.type, detail);
  return (COMMANDS[cmd.type].effect as Effect<CommandType>)(state, actor, cmd, at, ctx, next);
}
