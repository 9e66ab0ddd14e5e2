// The client-readable timeline: one sentence per event of the request, and who may read it.
import { formatMoment } from './calendar';
import type { AuditEvent } from './types';

export interface TimelineEntry {
  text: string;
  /** 'staff': internal (mentor checks, internal reviews, time, escalations); 'all': the client reads it too. */
  audience: 'all' | 'staff';
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** `timeZone`: the client's, in which moments are written. */
export function describeEvent(e: AuditEvent, timeZone = 'UTC'): TimelineEntry {
  const d = e.detail;
  const all = (text: string): TimelineEntry => ({ text, audience: 'all' });
  const staff = (text: string): TimelineEntry => ({ text, audience: 'staff' });
  switch (e.type) {
    case 'intake':
      return all(`Request received (${str(d.priority)}); a manager is responsible for it.`);
    case 'triage':
      return d.decision === 'resolve' ? all(`The manager resolved it: ${str(d.resolution)}`) : all('Handed to specialists.');
    case 'decompose':
      return all(`Brief written and split into ${Array.isArray(d.tasks) ? d.tasks.length : 0} task(s).`);
    case 'askQuestion':
      return staff(`A specialist asked about the brief: ${str(d.text)}`);
    case 'answerQuestion':
      return staff(`The manager answered: ${str(d.answer)}`);
    case 'askClient':
      return all(`Question for you: ${str(d.text)} (the clock is paused until you answer).`);
    case 'answerClient':
      return all(`You answered: ${str(d.answer)}`);
    case 'estimate':
      return staff(`Task ${str(d.taskId)} estimated at ${str(d.hours)} h (${str(d.complexity)}).`);
    case 'reviewEstimate':
      return staff(`The mentor ${d.verdict === 'approve' ? 'approved' : 'returned'} the estimate of ${str(d.taskId)}.`);
    case 'approveEstimate':
      return all(
        typeof d.overageHours === 'number' && d.overageHours > 0
          ? `Estimate approved, ${d.overageHours} h over this month's hours accepted; work started.`
          : 'Estimate approved; work started.',
      );
    case 'rejectEstimate':
      return all(`Estimate rejected: ${str(d.comment)}`);
    case 'reportProgress':
      return all(`Task ${str(d.taskId)} is ${str(d.percent)} % done.`);
    case 'logTime':
      return staff(`${str(d.minutes)} min of ${str(d.category)} logged.`);
    case 'reportBlocker':
      return staff(`A difficulty was reported on ${str(d.taskId)}: ${str(d.description)}`);
    case 'proposeDeadline':
      return all(`New deadline proposed for ${str(d.taskId)}: ${formatMoment(str(d.newDeadline), timeZone)}. ${str(d.note)}`);
    case 'agreeDeadline':
      return all(d.agree ? 'You agreed to the new deadline.' : 'You declined the new deadline.');
    case 'addSpecialist':
      return all(`Another specialist joined task ${str(d.taskId)}.`);
    case 'completeTask':
      // Internal until the manager passes the result on ("ready for you"): the client never reads of a delivery that went back.
      return staff(`Task ${str(d.taskId)} delivered.`);
    case 'reviewResult':
      return staff(`The mentor ${d.verdict === 'approve' ? 'approved' : 'returned'} the result of ${str(d.taskId)}.`);
    case 'acceptResult':
      return all('The result passed internal review and is ready for you.');
    case 'rework':
      return e.actorRole === 'client' ? all(`You asked for changes: ${str(d.reason)}`) : staff(`Returned for rework after internal review: ${str(d.reason)}`);
    case 'changeScope':
      return all(`Scope extended: ${str(d.reason)}`);
    case 'openLinkedRequest':
      return all(`A new linked request was opened: ${str(d.title)}`);
    case 'confirmClosure':
      return all(e.actorRole === 'client' ? 'You confirmed; the request is closed.' : `Closed on your confirmation: ${str(d.note)}`);
    case 'cancel':
      return all(`Cancelled: ${str(d.reason)}`);
    case 'remindClient':
      return all('Reminder sent: the result waits for your review.');
    case 'autoClose':
      return all('Closed after the silent period your subscription provides.');
    default:
      return staff(e.type);
  }
}
