// Each person's language: chosen once (PATCH /me/preferences), else their browser's
// (Accept-Language); the client timeline speaks it. What people wrote stays as written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEvent } from '../src/domain';
import { TEXTS_RU, describeEventRu } from '../src/domain/timeline-ru';
import { openCompany, type Flow } from './support/flow';
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

  it('refuses a language it does not speak, and changes nothing', async () => {
    for (const language of ['de', '', 'RU', 1, ['ru']]) {
      const res = await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.manager.token}`).send({ language });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await h.get('/auth/session', co.manager.token)).body.language).toBeNull();
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
