// Notifications in Russian, for people who chose it. A notification is stored as the workflow
// wrote it (`KEY · title: phrase`, in English); this gives the same notice in Russian, phrase by
// phrase. What people wrote (questions, answers, comments, the request's title) stays as written;
// a notice whose phrase is not known here is shown as stored.

const MONTHS: Record<string, string> = { Jan: 'янв.', Feb: 'февр.', Mar: 'мар.', Apr: 'апр.', May: 'мая', Jun: 'июн.', Jul: 'июл.', Aug: 'авг.', Sep: 'сент.', Oct: 'окт.', Nov: 'нояб.', Dec: 'дек.' };
/** A moment as formatMoment writes it (`2 Dec 2026, 10:00 (Europe/Berlin)`), with the month in Russian. */
const moment = (en: string) => en.replace(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/, (m) => MONTHS[m] ?? m);
/** formatMoment's shape: day, month, year, time, then the time zone in brackets. */
const MOMENT = String.raw`\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} \([^)]*\)`;

const PRIORITY: Record<string, string> = { critical: 'критичная', high: 'высокий приоритет', normal: 'обычная', low: 'низкий приоритет' };

/** The phrases the domain writes (src/domain/effects.ts, timers.ts, request.ts), each with its Russian. */
const PHRASES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^resolved; please confirm$/, () => 'решено; подтвердите, пожалуйста'],
  [/^a task for you; read the brief and estimate it$/, () => 'задача для вас: прочитайте задание и оцените её'],
  [/^the client answered: ([\s\S]*)$/, (m) => `клиент ответил: ${m[1]}`],
  [/^check the estimate of (T\d+)$/, (m) => `проверьте оценку ${m[1]}`],
  [/^approved; the deadline is not set$/, () => 'оценка согласована; срок не задан'],
  [new RegExp(`^approved; the deadline is (${MOMENT})$`), (m) => `оценка согласована; срок — ${moment(m[1]!)}`],
  [new RegExp(`^new deadline proposed for (T\\d+): (${MOMENT}) \\(([\\s\\S]*?)(?:, ([\\d.]+) h more billable)?\\)$`), (m) => `предложен новый срок для ${m[1]}: ${moment(m[2]!)} (${m[3]}${m[4] ? `, ещё ${m[4]} ч к оплате` : ''})`],
  [/^the client declined the new deadline: ([\s\S]*)$/, (m) => `клиент отклонил новый срок: ${m[1]}`],
  [/^the client declined the new deadline$/, () => 'клиент отклонил новый срок'],
  [/^new deadline agreed for (T\d+)$/, (m) => `новый срок для ${m[1]} согласован`],
  [new RegExp(`^the deadline of (T\\d+) is now (${MOMENT})$`), (m) => `срок ${m[1]} теперь ${moment(m[2]!)}`],
  [/^you were added to (T\d+)$/, (m) => `вас добавили к ${m[1]}`],
  [/^(T\d+) was declined: ([\s\S]*)$/, (m) => `от ${m[1]} отказались: ${m[2]}`],
  [/^check the result of (T\d+)$/, (m) => `проверьте результат ${m[1]}`],
  [/^the result is ready for your review$/, () => 'результат готов, ждёт вашей проверки'],
  [/^a reply from the team: ([\s\S]*)$/, (m) => `ответ команды: ${m[1]}`],
  [/^the client wrote: ([\s\S]*)$/, (m) => `клиент написал: ${m[1]}`],
  [/^the estimate is ready: ([\d.]+) h$/, (m) => `оценка готова: ${m[1]} ч`],
  [/^ready for internal review$/, () => 'готово к внутренней проверке'],
  [/^waiting for your confirmation$/, () => 'ждёт вашего подтверждения'],
  [/^triage deadline (\S+) passed \((\w+)\)$/, (m) => `срок разбора ${m[1]} прошёл (${PRIORITY[m[2]!] ?? m[2]})`],
  [/^deadline (\S+) of (T\d+) passed without delivery$/, (m) => `срок ${m[1]} задачи ${m[2]} прошёл, результата нет`],
  [/^policy ([\s\S]*) has a version (\d+); see what it would move, and apply it$/, (m) => `у политики ${m[1]} новая версия ${m[2]}: посмотрите, что она сдвинет, и примените`],
  [/^deadline (\S+) of (T\d+) passed and is still unresolved$/, (m) => `срок ${m[1]} задачи ${m[2]} прошёл и всё ещё не решён`],
];

/** Kinds whose phrase is what a person wrote: it stays, and says what it is. */
const LABELS: Record<string, string> = {
  'question.asked': 'вопрос',
  'question.client': 'вопрос к вам',
  'question.answered': 'ответ',
  'estimate.returned': 'оценка возвращена',
  'estimate.rejected': 'оценка отклонена',
  'result.returned': 'результат возвращён',
  'task.rework': 'на доработку',
};

const KEY = /^([A-Z][A-Z0-9]*-\d+) · /;

function phraseRu(kind: string, phrase: string): string | undefined {
  for (const [en, ru] of PHRASES) {
    const m = en.exec(phrase);
    if (m) return ru(m);
  }
  const label = LABELS[kind];
  return label ? `${label}: ${phrase}` : undefined;
}

/** An escalation's cause in Russian (as the timers and the allocation word it), or as stored. */
export function causeRu(cause: string): string {
  return phraseRu('', cause) ?? cause;
}

/** The notice in Russian: `text` as stored, `title` of its request (undefined for one about no request). */
export function notificationRu(kind: string, text: string, title: string | undefined): string {
  const key = KEY.exec(text);
  const rest = key ? text.slice(key[0].length) : text;
  const prefix = key ? key[0] : '';
  const created = /^New (\w+) request: ([\s\S]*)$/.exec(rest);
  if (kind === 'request.new' && created) return `${prefix}Новая заявка (${PRIORITY[created[1]!] ?? created[1]}): ${created[2]}`;
  if (title !== undefined && rest.startsWith(`${title}: `)) {
    const ru = phraseRu(kind, rest.slice(title.length + 2));
    return ru === undefined ? text : `${prefix}${title}: ${ru}`;
  }
  const ru = phraseRu(kind, rest);
  return ru === undefined ? text : `${prefix}${ru}`;
}
