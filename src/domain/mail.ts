// The mail channel's rules, without I/O: which mail a machine wrote (auto-replies, bounces, loops),
// which request a reply belongs to, what a subject may carry, and what a notification or a digest
// says by mail, in English or Russian.
import { storable } from '../shared/text';
import { notificationRu } from './notifications-ru';

export const MAIL_MODES = ['instant', 'digest', 'none'] as const;
export type MailMode = (typeof MAIL_MODES)[number];

/** What a person gets by mail when they chose nothing: every notice at once. */
export const DEFAULT_MAIL_MODE: MailMode = 'instant';

/** Every kind of notification a person can choose for (`*` stands for the kinds not named). */
export const MAIL_KINDS = [
  'request.new',
  'task.assigned',
  'task.helper',
  'task.declined',
  'task.rework',
  'estimate.review',
  'estimate.ready',
  'estimate.returned',
  'estimate.rejected',
  'work.approved',
  'question.asked',
  'question.answered',
  'question.client',
  'message.client',
  'message.reply',
  'deadline.proposed',
  'deadline.agreed',
  'deadline.declined',
  'review.internal',
  'review.client',
  'review.reminder',
  'result.review',
  'result.returned',
  'blocker',
  'policy.changed',
] as const;

/** The header every mail we send carries: a mail that comes back with it is our own (a loop). */
export const LOOP_HEADER = 'x-retainer-desk';

/** The headers of an incoming mail the rules look at (names in lower case). */
export interface InboundHeaders {
  from?: string | undefined;
  subject: string;
  /** `Auto-Submitted`, `Precedence`, `X-Autoreply`, `Return-Path`, `Content-Type`, `X-Retainer-Desk`, … */
  headers: Record<string, string>;
}

/**
 * Why a machine, not a person, wrote this mail; undefined when a person did. RFC 3834
 * (Auto-Submitted), the Precedence header of list and vacation software, delivery reports
 * (RFC 3464) and mailer daemons, and our own mails coming back.
 */
export function machineWritten(mail: InboundHeaders, ownAddresses: string[]): string | undefined {
  const h = mail.headers;
  const auto = h['auto-submitted']?.trim().toLowerCase();
  if (auto && auto !== 'no') return `auto-reply (Auto-Submitted: ${auto.slice(0, 40)})`;
  const precedence = h['precedence']?.trim().toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `bulk mail (Precedence: ${precedence})`;
  if (h['x-autoreply'] || h['x-autorespond'] || h['x-auto-response-suppress']?.toLowerCase().includes('all')) return 'auto-reply (X-Autoreply)';
  if (h[LOOP_HEADER] !== undefined) return 'loop (a mail of ours came back)';
  const type = (h['content-type'] ?? '').toLowerCase();
  if (type.includes('multipart/report') || type.includes('delivery-status')) return 'bounce (delivery report)';
  if (h['return-path']?.trim() === '<>') return 'bounce (empty Return-Path)';
  const from = mail.from?.toLowerCase() ?? '';
  if (/^(mailer-daemon|postmaster)@/.test(from)) return `bounce (from ${from.slice(0, 80)})`;
  if (ownAddresses.some((a) => a.toLowerCase() === from)) return 'loop (from our own address)';
  return undefined;
}

/**
 * What the receiving mail server found of the sender (RFC 8601 `Authentication-Results`), from
 * the headers of the servers we trust (`authservId`; any when unset): `fail` when DMARC failed, or
 * SPF failed with no DKIM signature passing; `pass` when DMARC, DKIM or SPF passed; else `none`.
 */
export function senderAuthentication(results: string[], authservId?: string): { verdict: 'pass' | 'fail' | 'none'; detail?: string } {
  const trusted = results.filter((r) => !authservId || r.trim().split(/[\s;]/)[0]?.toLowerCase() === authservId.toLowerCase()).map((r) => r.toLowerCase());
  const has = (method: string, result: string) => trusted.some((r) => new RegExp(`(^|[\\s;])${method}=${result}\\b`).test(r));
  if (has('dmarc', 'fail')) return { verdict: 'fail', detail: 'dmarc=fail' };
  if ((has('spf', 'fail') || has('spf', 'softfail')) && !has('dkim', 'pass')) return { verdict: 'fail', detail: has('spf', 'fail') ? 'spf=fail' : 'spf=softfail' };
  if (has('dmarc', 'pass') || has('dkim', 'pass') || has('spf', 'pass')) return { verdict: 'pass' };
  return { verdict: 'none' };
}

/** The thread a request's mails share: every mail about it names this in References. */
export function requestThreadId(requestId: string, domain: string): string {
  return `<request-${requestId}@${domain}>`;
}

/** The Message-ID of the mail for one notification and one address (the same on a retry). */
export function notificationMessageId(notificationId: string, address: string, domain: string, digestOf: (s: string) => string): string {
  return `<n-${digestOf(`${notificationId}\n${address.toLowerCase()}`).slice(0, 24)}@${domain}>`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The request a reply's In-Reply-To/References name by our thread id, if any. */
export function requestOfReferences(ids: string[], domain: string): string | undefined {
  const pattern = new RegExp(`^<?request-(${UUID})@${domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>?$`, 'i');
  for (const id of ids) {
    const m = pattern.exec(id.trim());
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

/** Every Message-ID in an In-Reply-To or References header. */
export function messageIdsIn(header: string | string[] | undefined): string[] {
  const all = Array.isArray(header) ? header.join(' ') : (header ?? '');
  return all.match(/<[^<>\s]{1,250}>/g) ?? [];
}

/** The request key a subject carries in brackets (`Re: [ACME-42] …`). */
export function keyInSubject(subject: string): string | undefined {
  return /\[([A-Z][A-Z0-9]{1,9}-\d{1,9})\]/.exec(subject)?.[1];
}

/**
 * A subject fit to be a title or to be sent: no line breaks or control characters (a header
 * injection attempt becomes one line of text), no `Re:`/`Fwd:` or key prefix, at most 200
 * characters. Answers why it was changed, when it was.
 */
export function cleanSubject(raw: string): { title: string; trimmed?: string } {
  const reasons: string[] = [];
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  let s = storable(raw).replace(/[\u0000-\u001f\u007f]+/g, (m) => {
    if (/[\r\n]/.test(m)) reasons.push('line breaks removed from the subject');
    return ' ';
  });
  s = s.replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = s.replace(/^(re|fwd?|aw|wg|отв|пересл)\s*(\[\d+\])?\s*:\s*/i, '').replace(/^\[[A-Z][A-Z0-9]{1,9}-\d{1,9}\]\s*/, '');
    if (next === s) break;
    s = next;
  }
  if (s.length > 200) {
    reasons.push('subject cut to 200 characters');
    s = `${s.slice(0, 199)}…`;
  }
  if (!s) s = '(no subject)';
  return reasons.length ? { title: s, trimmed: reasons.join('; ') } : { title: s };
}

/** A mail's text fit to be a description or a reply: storable, at most `max` characters, never empty. */
export function cleanBody(text: string | undefined, max: number): { body: string; trimmed?: string } {
  const s = storable(text ?? '').replace(/\r\n?/g, '\n').trim();
  if (!s) return { body: '(no text)' };
  if (s.length <= max) return { body: s };
  return { body: `${s.slice(0, max - 1)}…`, trimmed: `text cut to ${max} characters` };
}

/**
 * The new text of a reply: what the person wrote above the quoted mail. Lines quoted with `>`
 * and everything from an "On … wrote:" line (or its Russian) down are dropped.
 */
export function replyText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (/^\s*>/.test(line)) break;
    if (/^(On .{3,200} wrote:|.{0,200}(написал|пишет)\s*\(?а?\)?:)\s*$/i.test(line.trim())) break;
    if (/^-{2,}\s*Original Message\s*-{2,}$/i.test(line.trim())) break;
    out.push(line);
  }
  const kept = out.join('\n').trim();
  return kept || text.trim();
}

export type MailLanguage = 'en' | 'ru';

/** One notification as a mail: the subject with the request's key, the text and its HTML. */
export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const WORDS = {
  en: { open: 'Open the request', settings: 'You get this mail because of your mail settings in the desk; change them under Settings.', reply: 'Reply to this mail to answer on the request.', digest: (n: number) => `${n} notification${n === 1 ? '' : 's'} from the desk`, digestOf: 'Your daily summary' },
  ru: { open: 'Открыть заявку', settings: 'Вы получили это письмо по своим настройкам почты; изменить их можно в разделе «Настройки».', reply: 'Ответьте на это письмо, чтобы ответить по заявке.', digest: (n: number) => `Уведомлений из службы поддержки: ${n}`, digestOf: 'Ваша сводка за день' },
} as const;

/** A notification's text in the person's language (as the inbox shows it), without the `KEY · ` it begins with. */
export function noticeText(n: { kind: string; text: string; key: string | null }, language: MailLanguage, title?: string): string {
  const text = language === 'ru' ? notificationRu(n.kind, n.text, title) : n.text;
  return n.key && text.startsWith(`${n.key} · `) ? text.slice(n.key.length + 3) : text;
}

/** A notice's subject line: `[ACME-42] <the notice>`, one line, at most 200 characters. */
function subjectOf(key: string | null, notice: string): string {
  const line = cleanSubject(notice).title;
  const s = key ? `[${key}] ${line}` : line;
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** A notification as a mail shows it. */
export interface OutboundItem {
  kind: string;
  text: string;
  key: string | null;
  title?: string | undefined;
  link: string | null;
}

export function composeNotice(n: OutboundItem, language: MailLanguage, canReply: boolean): ComposedMail {
  const w = WORDS[language];
  const notice = noticeText(n, language, n.title);
  const text = [notice, '', ...(n.link ? [`${w.open}: ${n.link}`] : []), ...(canReply ? [w.reply] : []), '', '-- ', w.settings].join('\n');
  const html = [
    `<p>${escapeHtml(notice)}</p>`,
    n.link ? `<p><a href="${escapeHtml(n.link)}">${escapeHtml(w.open)}</a></p>` : '',
    canReply ? `<p>${escapeHtml(w.reply)}</p>` : '',
    `<p style="color:#666;font-size:12px">${escapeHtml(w.settings)}</p>`,
  ].join('');
  return { subject: subjectOf(n.key, notice), text, html };
}

/** Several notifications as one mail: one line each, with its link. */
export function composeDigest(items: OutboundItem[], language: MailLanguage): ComposedMail {
  const w = WORDS[language];
  const lines = items.map((n) => ({ notice: `${n.key ? `[${n.key}] ` : ''}${noticeText(n, language, n.title)}`, link: n.link }));
  const text = [w.digestOf, '', ...lines.map((l) => `- ${l.notice}${l.link ? `\n  ${l.link}` : ''}`), '', '-- ', w.settings].join('\n');
  const html = [
    `<p>${escapeHtml(w.digestOf)}</p><ul>`,
    ...lines.map((l) => `<li>${l.link ? `<a href="${escapeHtml(l.link)}">${escapeHtml(l.notice)}</a>` : escapeHtml(l.notice)}</li>`),
    `</ul><p style="color:#666;font-size:12px">${escapeHtml(w.settings)}</p>`,
  ].join('');
  return { subject: w.digest(items.length), text, html };
}

/** The local hour and day of a moment in a time zone (for the digest hour). */
export function localHourAndDay(at: Date, timeZone: string): { hour: number; day: string } {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(at).map((p) => [p.type, p.value]));
  return { hour: Number(parts.hour), day: `${parts.year}-${parts.month}-${parts.day}` };
}

/** The mode a person chose for a kind: that kind's, else their `*`, else the default. */
export function modeFor(prefs: Map<string, MailMode>, kind: string): MailMode {
  return prefs.get(kind) ?? prefs.get('*') ?? DEFAULT_MAIL_MODE;
}
