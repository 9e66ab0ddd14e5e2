// The timeline in Russian: the same sentences as ./timeline (which also decides who may read
// each), for people who chose Russian. What people wrote (comments, reasons) stays as written.
import { formatMoment } from './calendar';
import type { CommandType } from './request';
import type { AuditEvent } from './types';

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const COMPLEXITY: Record<string, string> = { low: 'низкая сложность', medium: 'средняя сложность', high: 'высокая сложность' };
const CATEGORY: Record<string, string> = { execution: 'работы', rework: 'доработки', analysis: 'анализа', communication: 'общения' };
const PRIORITY: Record<string, string> = { critical: 'критичный', high: 'высокий', normal: 'обычный', low: 'низкий' };

export const TEXTS_RU: { [K in CommandType]: (e: AuditEvent, timeZone: string) => string } = {
  triage: (e) => (e.detail.decision === 'resolve' ? `Менеджер решил вопрос: ${str(e.detail.resolution)}` : 'Передано специалистам.'),
  decompose: (e) => `Написано задание, работа разбита на задачи: ${Array.isArray(e.detail.tasks) ? e.detail.tasks.length : 0}.`,
  askQuestion: (e) => `Специалист задал вопрос по заданию: ${str(e.detail.text)}`,
  answerQuestion: (e) => `Менеджер ответил: ${str(e.detail.answer)}`,
  askClient: (e) => `Вопрос к вам: ${str(e.detail.text)} (срок остановлен до вашего ответа).`,
  answerClient: (e) => `Вы ответили: ${str(e.detail.answer)}`,
  estimate: (e) => `Задача ${str(e.detail.taskId)} оценена в ${str(e.detail.hours)} ч (${COMPLEXITY[str(e.detail.complexity)] ?? str(e.detail.complexity)}).`,
  reviewEstimate: (e) => `Наставник ${e.detail.verdict === 'approve' ? 'принял' : 'вернул'} оценку ${str(e.detail.taskId)}.`,
  approveEstimate: (e) =>
    typeof e.detail.overageHours === 'number' && e.detail.overageHours > 0
      ? `Оценка согласована, принято ${e.detail.overageHours} ч сверх часов месяца; работа началась.`
      : 'Оценка согласована; работа началась.',
  rejectEstimate: (e) => `Оценка отклонена: ${str(e.detail.comment)}`,
  reportProgress: (e) => `Задача ${str(e.detail.taskId)} выполнена на ${str(e.detail.percent)} %.`,
  logTime: (e) => `Записано ${str(e.detail.minutes)} мин ${CATEGORY[str(e.detail.category)] ?? str(e.detail.category)}.`,
  correctTime: (e) => `Запись времени ${str(e.detail.entryId).replace(/^.*:te:/, '')} исправлена.`,
  reportBlocker: (e) => `Сообщено о препятствии в ${str(e.detail.taskId)}: ${str(e.detail.description)}`,
  proposeDeadline: (e, timeZone) => `Предложен новый срок для ${str(e.detail.taskId)}: ${formatMoment(str(e.detail.newDeadline), timeZone)}. ${str(e.detail.note)}`,
  agreeDeadline: (e) => (e.detail.agree ? 'Вы согласились с новым сроком.' : 'Вы отклонили новый срок.'),
  addSpecialist: (e) => `К задаче ${str(e.detail.taskId)} подключился ещё один специалист.`,
  declineTask: (e) => `Специалист отказался от задачи ${str(e.detail.taskId)}: ${str(e.detail.reason)}`,
  reassignTask: (e) => `Задача ${str(e.detail.taskId)} передана другому специалисту: ${str(e.detail.reason)}`,
  changePriority: (e) => `Приоритет изменён на «${PRIORITY[str(e.detail.priority)] ?? str(e.detail.priority)}»: ${str(e.detail.reason)}`,
  completeTask: (e) => `Задача ${str(e.detail.taskId)} сдана.`,
  reviewResult: (e) => `Наставник ${e.detail.verdict === 'approve' ? 'принял' : 'вернул'} результат ${str(e.detail.taskId)}.`,
  acceptResult: () => 'Результат прошёл внутреннюю проверку и готов для вас.',
  rework: (e) => (e.actorRole === 'client' ? `Вы попросили доработать: ${str(e.detail.reason)}` : `Возвращено на доработку после внутренней проверки: ${str(e.detail.reason)}`),
  changeScope: (e) => `Объём работ расширен: ${str(e.detail.reason)}`,
  openLinkedRequest: (e) => `Открыта связанная заявка: ${str(e.detail.title)}`,
  confirmClosure: (e) => (e.actorRole === 'client' ? 'Вы подтвердили; заявка закрыта.' : `Закрыта по вашему подтверждению: ${str(e.detail.note)}`),
  cancel: (e) => `Отменена: ${str(e.detail.reason)}`,
  applyPolicy: (e, timeZone) => {
    const due = e.detail.triageDueAt as { to?: string } | undefined;
    return `Заявка переведена на политику ${str(e.detail.name)} v${str(e.detail.version)}: ${str(e.detail.reason)}${due?.to ? `; разбор до ${formatMoment(due.to, timeZone)}` : ''}`;
  },
  reply: (e) => (e.actorRole === 'client' ? 'Вы написали в переписке.' : 'Команда ответила в переписке.'),
};

const SYSTEM_RU: Record<string, (e: AuditEvent) => string> = {
  intake: (e) => `Заявка получена (${PRIORITY[str(e.detail.priority)] ?? str(e.detail.priority)}); за неё отвечает менеджер.`,
  remindClient: () => 'Отправлено напоминание: результат ждёт вашей проверки.',
  autoClose: () => 'Закрыта по истечении срока тишины, предусмотренного абонементом.',
};

/** The Russian sentence for an event, or undefined for one described only in English (staff-internal system events). */
export function describeEventRu(e: AuditEvent, timeZone = 'UTC'): string | undefined {
  if (Object.hasOwn(TEXTS_RU, e.type)) return TEXTS_RU[e.type as CommandType](e, timeZone);
  return SYSTEM_RU[e.type]?.(e);
}
