// The request's timeline: one sentence per event, and who may read it. A command's sentence is
// declared with the command (./commands takes it from TEXTS, keyed by the command union); the
// system's own events (intake, timers) are described here.
import { formatMoment } from './calendar';
import type { CommandType } from './request';
import type { AuditEvent } from './types';

export interface TimelineEntry {
  text: string;
  /** 'staff': internal (mentor checks, internal reviews, time, escalations); 'all': the client reads it too. */
  audience: 'all' | 'staff';
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const all = (text: string): TimelineEntry => ({ text, audience: 'all' });
const staff = (text: string): TimelineEntry => ({ text, audience: 'staff' });

/** Each command's line: `timeZone` is the client's, in which moments are written. */
export const TEXTS: { [K in CommandType]: (e: AuditEvent, timeZone: string) => TimelineEntry } = {
  triage: (e, _timeZone) => {
    const d = e.detail;
    return d.decision === 'resolve' ? all(`The manager resolved it: ${str(d.resolution)}`) : all('Handed to specialists.');
  },
  decompose: (e, _timeZone) => {
    const d = e.detail;
    return all(`Brief written and split into ${Array.isArray(d.tasks) ? d.tasks.length : 0} task(s).`);
  },
  askQuestion: (e, _timeZone) => {
    const d = e.detail;
    return staff(`A specialist asked about the brief: ${str(d.text)}`);
  },
  answerQuestion: (e, _timeZone) => {
    const d = e.detail;
    return staff(`The manager answered: ${str(d.answer)}`);
  },
  askClient: (e, _timeZone) => {
    const d = e.detail;
    return all(`Question for you: ${str(d.text)} (the clock is paused until you answer).`);
  },
  answerClient: (e, _timeZone) => {
    const d = e.detail;
    return all(`You answered: ${str(d.answer)}`);
  },
  estimate: (e, _timeZone) => {
    const d = e.detail;
    return staff(`Task ${str(d.taskId)} estimated at ${str(d.hours)} h (${str(d.complexity)}).`);
  },
  reviewEstimate: (e, _timeZone) => {
    const d = e.detail;
    return staff(`The mentor ${d.verdict === 'approve' ? 'approved' : 'returned'} the estimate of ${str(d.taskId)}.`);
  },
  approveEstimate: (e, _timeZone) => {
    const d = e.detail;
    return all(
      typeof d.overageHours === 'number' && d.overageHours > 0
        ? `Estimate approved, ${d.overageHours} h over this month's hours accepted; work started.`
        : 'Estimate approved; work started.',
    );
  },
  rejectEstimate: (e, _timeZone) => {
    const d = e.detail;
    return all(`Estimate rejected: ${str(d.comment)}`);
  },
  reportProgress: (e, _timeZone) => {
    const d = e.detail;
    return all(`Task ${str(d.taskId)} is ${str(d.percent)} % done.`);
  },
  logTime: (e, _timeZone) => {
    const d = e.detail;
    return staff(`${str(d.minutes)} min of ${str(d.category)} logged.`);
  },
  correctTime: (e, _timeZone) => {
    const d = e.detail;
    return staff(`Time entry ${str(d.entryId).replace(/^.*:te:/, '')} corrected.`);
  },
  reportBlocker: (e, _timeZone) => {
    const d = e.detail;
    return staff(`A difficulty was reported on ${str(d.taskId)}: ${str(d.description)}`);
  },
  proposeDeadline: (e, timeZone) => {
    const d = e.detail;
    return all(`New deadline proposed for ${str(d.taskId)}: ${formatMoment(str(d.newDeadline), timeZone)}. ${str(d.note)}`);
  },
  agreeDeadline: (e, _timeZone) => {
    const d = e.detail;
    return all(d.agree ? 'You agreed to the new deadline.' : 'You declined the new deadline.');
  },
  addSpecialist: (e, _timeZone) => {
    const d = e.detail;
    return all(`Another specialist joined task ${str(d.taskId)}.`);
  },
  declineTask: (e, _timeZone) => {
    const d = e.detail;
    return staff(`Task ${str(d.taskId)} was given back by its specialist: ${str(d.reason)}`);
  },
  reassignTask: (e, _timeZone) => {
    const d = e.detail;
    return staff(`Task ${str(d.taskId)} went to another specialist: ${str(d.reason)}`);
  },
  changePriority: (e, _timeZone) => {
    const d = e.detail;
    return all(`Priority changed to ${str(d.priority)}: ${str(d.reason)}`);
  },
  completeTask: (e, _timeZone) => {
    const d = e.detail;
    // Internal until the manager passes the result on ("ready for you"): the client never reads of a delivery that went back.
    return staff(`Task ${str(d.taskId)} delivered.`);
  },
  reviewResult: (e, _timeZone) => {
    const d = e.detail;
    return staff(`The mentor ${d.verdict === 'approve' ? 'approved' : 'returned'} the result of ${str(d.taskId)}.`);
  },
  acceptResult: (_e, _timeZone) => {
    return all('The result passed internal review and is ready for you.');
  },
  rework: (e, _timeZone) => {
    const d = e.detail;
    return e.actorRole === 'client' ? all(`You asked for changes: ${str(d.reason)}`) : staff(`Returned for rework after internal review: ${str(d.reason)}`);
  },
  changeScope: (e, _timeZone) => {
    const d = e.detail;
    return all(`Scope extended: ${str(d.reason)}`);
  },
  openLinkedRequest: (e, _timeZone) => {
    const d = e.detail;
    return all(`A new linked request was opened: ${str(d.title)}`);
  },
  confirmClosure: (e, _timeZone) => {
    const d = e.detail;
    return all(e.actorRole === 'client' ? 'You confirmed; the request is closed.' : `Closed on your confirmation: ${str(d.note)}`);
  },
  cancel: (e, _timeZone) => {
    const d = e.detail;
    return all(`Cancelled: ${str(d.reason)}`);
  },
  applyPolicy: (e, timeZone) => {
    const d = e.detail;
    const due = d.triageDueAt as { to?: string } | undefined;
    return staff(`Moved to policy ${str(d.name)} v${str(d.version)}: ${str(d.reason)}${due?.to ? `; triage due ${formatMoment(due.to, timeZone)}` : ''}`);
  },
  reply: (e, _timeZone) => all(e.actorRole === 'client' ? 'You wrote in the conversation.' : 'The team replied in the conversation.'),
};

const isCommand = (type: string): type is CommandType => Object.hasOwn(TEXTS, type);

/** `timeZone`: the client's, in which moments are written. */
export function describeEvent(e: AuditEvent, timeZone = 'UTC'): TimelineEntry {
  if (isCommand(e.type)) return TEXTS[e.type](e, timeZone);
  const d = e.detail;
  switch (e.type) {
    case 'intake':
      return all(`Request received (${str(d.priority)}); a manager is responsible for it.`);
    case 'remindClient':
      return all('Reminder sent: the result waits for your review.');
    case 'autoClose':
      return all('Closed after the silent period your subscription provides.');
    default:
      return staff(e.type);
  }
}
