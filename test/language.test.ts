// Each person's language: chosen once (PATCH /me/preferences), else their browser's
// (Accept-Language); the client timeline speaks it. What people wrote stays as written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEvent, formatMoment } from '../src/domain';
import { notificationRu } from '../src/domain/notifications-ru';
import { TEXTS_RU, describeEventRu } from '../src/domain/timeline-ru';
import { eventually, openCompany, type Flow } from './support/flow';
import type { Company, Harness } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany());
});
afterAll(async () => {
  await h.close();
});

const timeline = async (id: string, token: string, acceptLanguage?: string) => {
  let req = h.http.get(`/requests/${id}/timeline`).set('Authorization', `Bearer ${token}`);
  if (acceptLanguage) req = req.set('Accept-Language', acceptLanguage);
  const res = await req;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
};

describe('language', () => {
  it('the timeline follows the browser until the person chooses, then their choice', async () => {
    const id = await f.file('Отчёт не выгружается');
    await f.act(`/requests/${id}/ask-client`, co.manager, { text: 'Which report?' });
    const browserRu = await timeline(id, co.client.token, 'ru-RU,ru;q=0.9,en;q=0.5');
    expect(browserRu.headers['content-language']).toBe('ru');
    expect(browserRu.body.items.map((i: { text: string }) => i.text)).toEqual(['Заявка получена (обычный); за неё отвечает менеджер.', 'Вопрос к вам: Which report? (срок остановлен до вашего ответа).']);
    expect((await timeline(id, co.client.token, 'en-GB')).body.items[0].text).toBe('Request received (normal); a manager is responsible for it.');
    expect((await timeline(id, co.client.token)).body.language).toBe('en');

    // Chosen: Russian, whatever the browser says.
    const set = await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.client.token}`).send({ language: 'ru' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((await h.get('/auth/session', co.client.token)).body.language).toBe('ru');
    const chosen = await timeline(id, co.client.token, 'en-GB');
    expect(chosen.body.language).toBe('ru');
    expect(chosen.body.items[1].text).toContain('Вопрос к вам');
    // Another person's choice is their own.
    expect((await timeline(id, co.manager.token, 'en-GB')).body.language).toBe('en');
    // Back to the browser's.
    await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.client.token}`).send({ language: null });
    expect((await timeline(id, co.client.token, 'en')).body.language).toBe('en');
  });

  it('notifications: every notice of a request through its life reads in Russian for whoever chose it', async () => {
    const people = [co.client, co.manager, co.backendSenior];
    const english = new Map<string, { kind: string; text: string }[]>();
    const id = await f.file('Сломался экспорт');
    await f.act(`/requests/${id}/ask-client`, co.manager, { text: 'Which export?' });
    const asked = await f.state(id);
    await f.act(`/requests/${id}/questions/${asked.questions.at(-1)!.id}/client-answer`, co.client, { answer: 'The stock one.' });
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    await f.act(`/requests/${id}/decompose`, co.manager, { brief: 'Fix the export.', tasks: [{ title: 'Fix it', skill: co.skills.backend, assigneeId: co.backendSenior.id }] });
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 2, complexity: 'low' });
    await f.act(`/requests/${id}/approve`, co.client, { acceptOverage: true });
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await f.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, { newDeadline: soon, extraHours: 1, cause: 'client_side', note: 'Waiting for your data.' });
    await f.act(`/requests/${id}/deadline-proposals/D1/answer`, co.client, { agree: true });
    await f.act(`/requests/${id}/tasks/T1/complete`, co.backendSenior, { result: 'Done.' });
    await f.act(`/requests/${id}/accept-result`, co.manager);
    type Notice = { requestId: string | null; kind: string; text: string };
    const mine = (items: Notice[]) => items.filter((n) => n.requestId === id);
    for (const p of people) english.set(p.id, mine((await h.get('/inbox?limit=100', p.token)).body.items as Notice[]));
    for (const p of people) {
      await h.http.patch('/me/preferences').set('Authorization', `Bearer ${p.token}`).send({ language: 'ru' });
      const res = await h.get('/inbox?limit=100', p.token);
      expect(res.body.language).toBe('ru');
      const ru = mine(res.body.items as Notice[]);
      const en = english.get(p.id)!;
      expect(ru.length).toBeGreaterThan(0);
      expect(ru.map((n) => n.kind)).toEqual(en.map((n) => n.kind));
      for (const [i, n] of ru.entries()) {
        // Translated: not the English, with Russian words outside what people wrote.
        expect(n.text, `${n.kind}: ${en[i]!.text}`).not.toBe(en[i]!.text);
        const own = ['Сломался экспорт', 'Which export?', 'The stock one.', 'Waiting for your data.', 'Fix it', 'Done.'].reduce((t, w) => t.replaceAll(w, ''), n.text);
        expect(own, `${n.kind}: ${n.text}`).toMatch(/[а-яё]{3}/i);
        expect(own, `${n.kind}: ${n.text}`).not.toMatch(/\b(the|for|your|you|is|ready|deadline|request|check)\b/i);
      }
      await h.http.patch('/me/preferences').set('Authorization', `Bearer ${p.token}`).send({ language: null });
    }
  });

  it('R17 an escalation raised by a timer reads in Russian for a manager who chose it', { timeout: 60_000 }, async () => {
    const id = await f.executing();
    const soon = new Date(Date.now() + 4_000).toISOString();
    await f.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, { newDeadline: soon, extraHours: 0, cause: 'client_side', note: 'Tight.' });
    await f.act(`/requests/${id}/deadline-proposals/D1/answer`, co.client, { agree: true });
    const raised = await eventually(
      () => h.get('/escalations?state=open', co.manager.token),
      (r) => (r.body.items as { requestId: string; kind: string }[]).some((e) => e.requestId === id && e.kind === 'deadline_missed'),
      'the deadline escalation',
      30_000,
    );
    const en = (raised.body.items as { requestId: string; cause: string }[]).find((e) => e.requestId === id)!.cause;
    expect(en).toMatch(/passed without delivery$/);
    const ru = await h.http.get('/escalations?state=open').set('Authorization', `Bearer ${co.manager.token}`).set('Accept-Language', 'ru');
    expect(ru.headers['content-language']).toBe('ru');
    expect((ru.body.items as { requestId: string; cause: string }[]).find((e) => e.requestId === id)!.cause).toMatch(/^срок .* задачи T1 прошёл, результата нет$/);
  });

  it('refuses a language it does not speak, and changes nothing', async () => {
    for (const language of ['de', '', 'RU', 1, ['ru']]) {
      const res = await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.manager.token}`).send({ language });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await h.get('/auth/session', co.manager.token)).body.language).toBeNull();
  });

  it('notices the timers and the system write read in Russian too; what people wrote stays as written', () => {
    const d = formatMoment('2026-12-02T09:00:00Z', 'Europe/Berlin');
    const cases: [string, string, string][] = [
      ['escalation.triage_overdue', 'ACME-1 · Export: triage deadline 2026-12-02T09:00:00.000Z passed (high)', 'ACME-1 · Export: срок разбора 2026-12-02T09:00:00.000Z прошёл (высокий приоритет)'],
      ['escalation.deadline_missed', 'ACME-1 · Export: deadline 2026-12-02T09:00:00.000Z of T2 passed without delivery', 'ACME-1 · Export: срок 2026-12-02T09:00:00.000Z задачи T2 прошёл, результата нет'],
      ['deadline.proposed', `ACME-1 · Export: new deadline proposed for T1: ${d} (Waiting (for) data., 1 h more billable)`, 'ACME-1 · Export: предложен новый срок для T1: 2 дек. 2026, 10:00 (Europe/Berlin) (Waiting (for) data., ещё 1 ч к оплате)'],
      ['request.new', 'ACME-1 · New high request: Export: broken', 'ACME-1 · Новая заявка (высокий приоритет): Export: broken'],
      ['question.asked', 'ACME-1 · Export: why: the report?', 'ACME-1 · Export: вопрос: why: the report?'],
      ['message.reply', 'Export: a reply from the team: see the log', 'Export: ответ команды: see the log'],
    ];
    for (const [kind, en, ru] of cases) expect(notificationRu(kind, en, 'Export')).toBe(ru);
    // Unknown: shown as stored.
    expect(notificationRu('something.new', 'ACME-1 · Export: a new kind of notice', 'Export')).toBe('ACME-1 · Export: a new kind of notice');
  });

  it('every command has its Russian sentence, for the same audience as the English one', () => {
    const e = { seq: 1, at: '2026-11-02T10:00:00Z', actorId: 'x', actorRole: 'client' as const, detail: { taskId: 'T1', newDeadline: '2026-11-05T10:00:00Z' } };
    for (const type of Object.keys(TEXTS_RU)) {
      const ru = describeEventRu({ ...e, type });
      expect(ru, type).toMatch(/[а-яё]/i);
      expect(describeEvent({ ...e, type }).text, type).not.toBe(ru);
    }
  });
});
