// The web app in real Chromium (Debian's, driven by playwright-core): people invited, signing in,
// and a request taken from filing to closure by a client (in Russian), a manager and a
// specialist in three browser contexts — a clarification, a renegotiated deadline, a rework —
// while a client of another organisation finds nothing. Every page passes axe-core with no
// serious or critical violation.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCompany, type Flow } from './support/flow';
import type { Company, Harness } from './support/harness';
import { screenshot } from './support/screenshots';
import { storeInbound } from '../src/stores/mail';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'a long enough password';

let h: Harness;
let co: Company;
let f: Flow;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  ({ h, co, f } = await openCompany({ rateLimitPerMinute: 0 }));
  server = h.app.listen(0);
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  server?.close();
  await h.close();
});

/** Serious and critical accessibility violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>("axe.run(document, { resultTypes: ['violations'] })");
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const checked = new Map<string, string[]>();
async function a11y(page: Page, name: string): Promise<void> {
  checked.set(name, await axeViolations(page));
}

/** A person invited by the admin who opens the link in their own browser and chooses a password. */
async function invited(person: { staffId?: string; contactId?: string }, locale: string): Promise<{ context: BrowserContext; page: Page }> {
  const inv = await h.post('/admin/invitations', co.admin.token, person);
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  // bypassCSP: axe-core is injected as an inline script, which the app's policy (rightly) refuses.
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${base}${inv.body.path as string}`);
  await page.locator('input[type=password]').fill(PASSWORD);
  await a11y(page, `invitation (${locale})`);
  await page.locator('button[type=submit]').click();
  // Everyone lands on the requests (with the search); an administrator on the administration.
  await page.getByRole('search').or(page.getByRole('heading', { name: 'Administration' })).waitFor();
  return { context, page };
}

async function open(page: Page, key: string): Promise<void> {
  await page.goto(`${base}/app/r/${key}`);
  await page.locator('article.request h1').waitFor();
}

/** Submits the action form with this title (after filling the given labelled fields). */
async function action(page: Page, title: string | RegExp, fields: Record<string, string> = {}): Promise<void> {
  const form = page.locator('form.action').filter({ has: page.getByRole('heading', { name: title }) }).first();
  await form.waitFor();
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
  const before = await page.locator('article.request').innerText();
  await form.locator('button[type=submit]').click();
  // The page reloads the request after the action.
  await expect.poll(async () => page.locator('article.request').innerText(), { timeout: 15_000 }).not.toBe(before);
}

async function stageOf(key: string): Promise<string> {
  return (await h.get(`/requests/${key}`, co.manager.token)).body.stage as string;
}

describe('the web app', () => {
  it('takes a request from filing to closure: client (in Russian), manager and specialist in three browsers', { timeout: 180_000 }, async () => {
    const contact = await h.post(`/admin/clients/${co.clientId}/contacts`, co.admin.token, { name: 'Ирина Клиентова', email: `irina-${randomUUID()}@test.example` });
    const client = await invited({ contactId: contact.body.id as string }, 'ru-RU');
    const manager = await invited({ staffId: co.manager.id }, 'en-GB');
    const specialist = await invited({ staffId: co.frontendSenior.id }, 'en-GB');

    // The client files the request, in Russian.
    const c = client.page;
    await expect.poll(() => c.locator('html').getAttribute('lang')).toBe('ru');
    await a11y(c, 'requests (client, ru)');
    await c.getByRole('link', { name: 'Новая заявка' }).click();
    await c.getByLabel('Тема').fill('Не выгружаются отчёты');
    await c.getByLabel('Описание').fill('С понедельника CSV пустой.');
    await a11y(c, 'new request (client, ru)');
    await c.getByRole('button', { name: 'Отправить заявку' }).click();
    await c.locator('article.request .key').waitFor();
    const key = (await c.locator('article.request .key').innerText()).trim();
    expect(key).toMatch(/^[A-Z][A-Z0-9]+-\d+$/);
    await expect.poll(() => c.locator('article.request').innerText()).toContain('Разбор');
    // The timeline speaks the client's language too.
    await expect.poll(() => c.locator('article.request').innerText()).toContain('Заявка получена');
    await a11y(c, 'request (client, ru)');
    await screenshot(c, 'client-request-filed');

    // The manager hands it over, writes the brief and the task (frontend: one specialist has it).
    const m = manager.page;
    await open(m, key);
    await a11y(m, 'request (manager)');
    await action(m, 'Hand to specialists');
    const decompose = m.locator('form.action', { has: m.getByRole('heading', { name: 'Write the brief and the tasks' }) });
    await decompose.getByLabel('Brief').fill('Fix the CSV export of reports.');
    await decompose.getByLabel('Task', { exact: true }).fill('Fix the export');
    await decompose.getByLabel('Skill').fill(co.skills.frontend);
    await decompose.getByRole('button', { name: 'Write the brief and the tasks' }).click();
    await expect.poll(() => stageOf(key)).toBe('Estimation');

    // A clarification: the manager asks the client, the client answers in the portal.
    await open(m, key);
    await action(m, 'Ask the client', { Question: 'Which report: stock or sales?' });
    await open(c, key);
    await action(c, /Вопрос: Which report/, { Ответ: 'Складской.' });

    // The specialist estimates; the client sees the total and approves.
    const s = specialist.page;
    await open(s, key);
    await a11y(s, 'request (specialist)');
    await action(s, /Estimate: Fix the export/, { Hours: '2' });
    await expect.poll(() => stageOf(key)).toBe('ClientApproval');
    await open(c, key);
    await expect.poll(() => c.locator('article.request').innerText()).toContain('Ждёт вашего согласования');
    await screenshot(c, 'client-estimate-approval');
    await c.goto(`${base}/app/`);
    await c.getByRole('heading', { name: 'Ждут вас' }).waitFor();
    await a11y(c, 'requests waiting for the client (ru)');
    await screenshot(c, 'client-requests');
    // The specialist's desk is open while the client approves: the task moves there by itself.
    await s.getByRole('link', { name: 'My desk' }).click();
    const task = s.locator('section[aria-labelledby=tasks] li', { hasText: 'Fix the export' });
    await expect.poll(() => task.innerText()).toContain('Estimated, waiting for approval');
    await a11y(s, 'desk (specialist)');
    await open(c, key);
    await action(c, 'Согласовать оценку');
    await expect.poll(() => stageOf(key)).toBe('Execution');
    await expect.poll(() => task.innerText(), { timeout: 5_000 }).toContain('In progress');
    await screenshot(s, 'specialist-desk');

    // A renegotiated deadline: the manager proposes, the client agrees.
    await open(m, key);
    const future = new Date(Date.now() + 3 * 86_400_000);
    const local = new Date(future.getTime() - future.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await action(m, /Propose a new deadline: T1/, { 'New deadline': local, 'Extra hours': '1', Note: 'We need your stock export.' });
    await open(c, key);
    await action(c, /Предложен новый срок/);

    // Work, internal review with a rework, then the client's review and closure.
    await open(s, key);
    // The stopwatch logs the time it ran; the specialist corrects the entry (the correction is audited) and reports progress.
    await s.getByRole('button', { name: 'Start' }).click();
    await s.getByRole('button', { name: 'Stop and log' }).click();
    const entry = s.locator('section[aria-labelledby=mytime] li').first();
    await expect.poll(() => entry.innerText()).toContain('1 min');
    await entry.locator('summary').click();
    await entry.getByLabel('Minutes', { exact: true }).fill('30');
    await entry.locator('button[type=submit]').click();
    await expect.poll(() => entry.innerText()).toContain('30 min');
    expect(await entry.innerText()).toContain('corrected');
    await action(s, /Report progress: Fix the export/, { 'Done, %': '50' });
    await expect.poll(() => s.locator('article.request table').first().innerText()).toContain('50%');
    await a11y(s, 'request at work (specialist)');
    await screenshot(s, 'specialist-request');
    await action(s, /Log time: Fix the export/, { Minutes: '90' });
    await action(s, /Complete the task: Fix the export/, { Result: 'The export streams rows now.' });
    await expect.poll(() => stageOf(key)).toBe('InternalReview');
    await open(m, key);
    await screenshot(m, 'manager-internal-review');
    const rework = m.locator('form.action', { has: m.getByRole('heading', { name: 'Return for rework' }) });
    await rework.getByLabel('Reason').fill('The header row is missing.');
    await rework.getByRole('button', { name: 'Return for rework' }).click();
    await expect.poll(() => stageOf(key)).toBe('Execution');
    await open(s, key);
    await action(s, /Complete the task: Fix the export/, { Result: 'Header added.' });
    await open(m, key);
    await action(m, 'Passed internal review');
    await open(c, key);
    await expect.poll(() => c.locator('article.request').innerText()).toContain('Ждёт вашей проверки');
    await action(c, 'Принять и закрыть');
    await expect.poll(() => stageOf(key)).toBe('Closed');
    await expect.poll(() => c.locator('article.request').innerText()).toContain('Закрыта');

    // The client's month: the hours, the burn-down, the statement as CSV and as a printable page.
    await c.getByRole('link', { name: 'Месяц' }).click();
    await c.getByRole('img', { name: /Остаток часов в этом месяце/ }).waitFor();
    const figures = await c.locator('dl.figures').innerText();
    expect(figures).toContain('Включено');
    expect(figures).toContain('Израсходовано');
    await a11y(c, 'month (client, ru)');
    await screenshot(c, 'client-month');
    const csvHref = (await c.getByRole('link', { name: 'Скачать выписку (CSV)' }).getAttribute('href'))!;
    const csv = await c.evaluate(async (href) => {
      const res = await fetch(href);
      return { type: res.headers.get('content-type'), text: await res.text() };
    }, csvHref);
    expect(csv.type).toContain('text/csv');
    expect(csv.text).toContain('Не выгружаются отчёты');
    await c.getByRole('link', { name: 'Выписка для печати' }).click();
    await c.getByRole('heading', { name: /Выписка/ }).waitFor();
    await expect.poll(() => c.locator('article.statement').innerText()).toContain('Не выгружаются отчёты');
    await a11y(c, 'statement (client, ru)');

    // A client of another organisation finds nothing of it: not in the list, not by search, not by its key.
    const other = await h.post(`/admin/clients/${co.otherClientId}/contacts`, co.admin.token, { name: 'Other', email: `other-${randomUUID()}@test.example` });
    const stranger = await invited({ contactId: other.body.id as string }, 'en-GB');
    const o = stranger.page;
    expect(await o.locator('main').innerText()).not.toContain(key);
    await o.getByRole('searchbox').fill('отчёты');
    await o.getByRole('button', { name: 'Search' }).click();
    await o.getByRole('heading', { name: 'Requests' }).waitFor();
    expect(await o.locator('main').innerText()).not.toContain(key);
    await o.goto(`${base}/app/r/${key}`);
    await o.getByRole('alert').waitFor();
    expect(await o.locator('main').innerText()).toContain('Not found.');

    for (const ctx of [client, manager, specialist, stranger]) await ctx.context.close();
    const violations = [...checked].filter(([, v]) => v.length > 0);
    expect(violations).toEqual([]);
    expect(checked.size).toBeGreaterThanOrEqual(7);
  });

  it('the API reference at /docs renders every operation with its responses, from this origin only', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) outside.push(r.url());
    });
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto(`${base}/docs`);
    const approve = page.locator('.opblock', { hasText: '/requests/{id}/approve' }).first();
    await approve.waitFor();
    await approve.locator('.opblock-summary').click();
    // The response shape and an error example are shown.
    await expect.poll(() => approve.innerText()).toContain('409');
    expect(await approve.innerText()).toContain('Conflict');
    await screenshot(page, 'api-docs');
    expect(outside).toEqual([]);
    expect(refused).toEqual([]);
    await context.close();
  });

  it('administration: people, an invitation shown once, a client with its subscription and contact, a token issued and revoked', { timeout: 90_000 }, async () => {
    const admin = await invited({ staffId: co.admin.id }, 'en-GB');
    const a = admin.page;
    await a.getByRole('heading', { name: 'Administration' }).waitFor();
    const tag = randomUUID().slice(0, 8);
    const add = a.locator('form.action', { has: a.getByRole('heading', { name: 'Add a person' }) });
    await add.getByLabel('Name').fill(`Nina ${tag}`);
    await add.getByLabel('E-mail').fill(`nina-${tag}@test.example`);
    await add.getByLabel('Skills (comma-separated)').fill(`${co.skills.backend}, qa-${tag}`);
    await add.getByLabel('Hours a week').fill('32');
    await add.getByRole('button', { name: 'Add a person' }).click();
    const row = a.locator('tbody tr', { has: a.getByRole('rowheader', { name: new RegExp(`^Nina ${tag}`) }) });
    await row.waitFor();
    expect(await row.innerText()).toContain(`qa-${tag}`);
    // The invitation link is shown once.
    await row.locator('summary').click();
    await row.getByRole('button', { name: `Invite: Nina ${tag}` }).click();
    await expect.poll(() => a.locator('.shown-once').innerText()).toContain('/app/invite/inv_');
    await a.getByRole('button', { name: 'Done' }).click();
    // A client, its subscription and contact.
    const client = a.locator('form.action', { has: a.getByRole('heading', { name: 'Add a client' }) });
    await client.getByLabel('Name').fill(`Globex ${tag}`);
    await client.getByRole('button', { name: 'Add a client' }).click();
    await expect.poll(async () => ((await client.locator('[role=alert]').count()) > 0 ? await client.innerText() : a.locator('.client-name').innerText())).toContain(`Globex ${tag}`);
    const sub = a.locator('form.action', { has: a.getByRole('heading', { name: 'Add a subscription' }) });
    await sub.getByLabel('Hours a month').fill('20');
    await sub.getByLabel('Time zone').fill('Europe/Riga');
    await sub.getByLabel('From').fill('2026-01-01');
    await sub.getByRole('button', { name: 'Add a subscription' }).click();
    await expect.poll(() => a.locator('.client-details').innerText()).toContain('20 h');
    const contact = a.locator('form.action', { has: a.getByRole('heading', { name: 'Add a contact' }) });
    await contact.getByLabel('Name').fill(`Gina ${tag}`);
    await contact.getByLabel('E-mail').fill(`gina-${tag}@test.example`);
    await contact.getByRole('button', { name: 'Add a contact' }).click();
    await expect.poll(() => a.locator('.client-details').innerText()).toContain(`Gina ${tag}`);
    await a11y(a, 'administration');
    await screenshot(a, 'admin');
    // A token: shown once, listed without its secret, revoked.
    const issue = a.locator('form.action', { has: a.getByRole('heading', { name: 'Issue a token' }) });
    await issue.getByLabel('What it is for').fill(`ci-${tag}`);
    await issue.getByRole('button', { name: 'Issue a token' }).click();
    const token = (await a.locator('.shown-once code').innerText()).trim();
    expect(token).toMatch(/^rd_/);
    expect((await h.get('/me', token)).status).toBe(200);
    await a.getByRole('button', { name: 'Done' }).click();
    expect(await a.locator('main').innerText()).not.toContain(token);
    await a.getByRole('button', { name: `Revoke: ci-${tag}` }).click();
    await a.locator('li', { hasText: `ci-${tag}` }).getByText('revoked').waitFor();
    expect((await h.get('/me', token)).status).toBe(401);
    await admin.context.close();
    expect(checked.get('administration')).toEqual([]);
  });

  it('#16 an administrator versions a policy; the manager sees what it moves on a request and applies it', { timeout: 120_000 }, async () => {
    const admin = await invited({ staffId: co.admin.id }, 'en-GB');
    const a = admin.page;
    await a.getByRole('heading', { name: 'Policies' }).waitFor();
    const tag = randomUUID().slice(0, 8);
    // A new policy from the company default: round the clock, eight hours for normal triage.
    const create = a.locator('form.action', { has: a.getByRole('heading', { name: 'New policy' }) });
    await create.getByLabel('Name of the policy').fill(`Gold ${tag}`);
    await create.getByLabel('normal', { exact: true }).fill('480');
    await create.getByLabel('Sat', { exact: true }).check();
    await create.getByLabel('Sun', { exact: true }).check();
    await create.getByLabel(/^Working hours/).fill('00:00-24:00');
    await create.getByRole('button', { name: 'New policy' }).click();
    await expect.poll(() => a.locator('.policy-name').innerText()).toBe(`Gold ${tag} · version 1`);
    const listed = (await h.get('/admin/policies', co.admin.token)).body.items as { id: string; name: string }[];
    const gold = listed.find((p) => p.name === `Gold ${tag}`)!;
    const sub = (await h.get(`/admin/clients/${co.clientId}`, co.admin.token)).body.subscriptions[0].id as string;
    expect((await h.http.put(`/admin/clients/${co.clientId}/subscriptions/${sub}/policy`).set('Authorization', `Bearer ${co.admin.token}`).send({ policyId: gold.id })).status).toBe(200);
    const id = await f.file('Policy: the nightly import fails');
    const filed = await f.state(id);
    expect(filed.policy).toMatchObject({ policyId: gold.id, version: 1 });

    // A value out of range is refused with the field named; nothing is saved.
    const edit = a.locator('form.action', { has: a.getByRole('heading', { name: 'Save as a new version' }) });
    await edit.getByLabel('normal', { exact: true }).fill('0');
    await edit.getByRole('button', { name: 'Save as a new version' }).click();
    await expect.poll(() => edit.locator('[role=alert]').innerText()).toContain('triageSlaMinutes.normal');
    // Two hours instead, with why: version 2.
    await edit.getByLabel('normal', { exact: true }).fill('120');
    await edit.getByLabel('Why (kept with the version)').fill('the new contract');
    await edit.getByRole('button', { name: 'Save as a new version' }).click();
    await expect.poll(() => a.locator('.policy-name').innerText()).toBe(`Gold ${tag} · version 2`);
    await a.locator('section[aria-labelledby=policies] details summary').first().click();
    expect(await a.locator('section[aria-labelledby=policies] details').first().innerText()).toContain('the new contract');
    await a11y(a, 'policies (admin)');
    await screenshot(a, 'admin-policies');
    await admin.context.close();

    // The running request has not moved; its manager sees what applying version 2 would move.
    expect((await f.state(id)).triageDueAt).toBe(filed.triageDueAt);
    const manager = await invited({ staffId: co.manager.id }, 'en-GB');
    const m = manager.page;
    await open(m, id);
    const panel = m.locator('section[aria-labelledby=req-policy]');
    await expect.poll(() => panel.innerText()).toContain(`The client now has: Gold ${tag} · version 2`);
    expect(await panel.innerText()).toContain('the triage deadline');
    await a11y(m, 'request policy (manager)');
    await screenshot(m, 'manager-request-policy');
    await action(m, 'Run this request under it', { Reason: 'The client signed the new contract.' });
    await expect.poll(() => panel.innerText()).toContain('up to date');
    const moved = await f.state(id);
    expect(Date.parse(moved.triageDueAt) - Date.parse(moved.createdAt)).toBe(120 * 60_000);
    await manager.context.close();
    await h.http.put(`/admin/clients/${co.clientId}/subscriptions/${sub}/policy`).set('Authorization', `Bearer ${co.admin.token}`).send({ policyId: null });
    expect(checked.get('policies (admin)')).toEqual([]);
    expect(checked.get('request policy (manager)')).toEqual([]);
  });

  it('#17 a person chooses how the desk mails them; a manager reviews the mail quarantine', { timeout: 90_000 }, async () => {
    // A specialist (in Russian) wants a daily digest at 08:00, but the estimates to check at once.
    const specialist = await invited({ staffId: co.frontendSenior.id }, 'ru-RU');
    const s = specialist.page;
    await s.getByRole('link', { name: 'Настройки' }).click();
    const form = s.locator('form.mail-settings');
    await form.getByLabel('Уведомления по почте').selectOption('digest');
    await form.getByLabel('Ежедневная сводка в (моё время)').selectOption('8');
    await form.locator('summary').click();
    await form.getByLabel('оценку нужно проверить').selectOption('instant');
    await form.getByRole('button', { name: 'Сохранить настройки почты' }).click();
    await expect.poll(() => form.getByRole('status').innerText()).toBe('Сохранено.');
    const saved = (await h.get('/me/mail', co.frontendSenior.token)).body as { digestHour: number; modes: Record<string, string> };
    expect(saved).toMatchObject({ digestHour: 8, modes: { '*': 'digest', 'estimate.review': 'instant' } });
    await a11y(s, 'mail settings (ru)');
    await screenshot(s, 'specialist-mail-settings');
    await specialist.context.close();

    // A mail from a stranger waits in quarantine with its reason; the manager downloads it, then dismisses it.
    const mailId = randomUUID();
    await storeInbound(h.db, { id: mailId, messageId: `<${mailId}@stranger.test>`, from: 'stranger@elsewhere.test', subject: `Please call me ${mailId.slice(0, 6)}`, size: 40, raw: Buffer.from('Subject: Please call me\r\n\r\nWho are you?'), status: 'quarantined', reason: 'unknown sender stranger@elsewhere.test' });
    const manager = await invited({ staffId: co.manager.id }, 'en-GB');
    const m = manager.page;
    await m.getByRole('link', { name: 'Mail quarantine' }).click();
    const row = m.locator('table.quarantine tr', { hasText: `Please call me ${mailId.slice(0, 6)}` });
    await expect.poll(() => row.innerText()).toContain('unknown sender stranger@elsewhere.test');
    const download = m.waitForEvent('download');
    await row.getByRole('link', { name: 'Download' }).click();
    expect((await download).suggestedFilename()).toBe('mail.eml');
    await a11y(m, 'mail quarantine (manager)');
    await screenshot(m, 'manager-mail-quarantine');
    await row.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await manager.context.close();
    expect(checked.get('mail settings (ru)')).toEqual([]);
    expect(checked.get('mail quarantine (manager)')).toEqual([]);
  });

  it("R10 a junior's estimate waits on the mentor's desk; the mentor approves it from the request", { timeout: 90_000 }, async () => {
    const id = await f.file('Mentor: slow search');
    await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
    await f.act(`/requests/${id}/decompose`, co.manager, { brief: 'Speed up search.', tasks: [{ title: 'Add an index', skill: co.skills.backend, assigneeId: co.backendJunior.id }] });
    await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendJunior, { hours: 3, complexity: 'medium' });
    const mentor = await invited({ staffId: co.backendSenior.id }, 'en-GB');
    const s = mentor.page;
    await s.getByRole('link', { name: 'My desk' }).click();
    const waiting = s.locator('section[aria-labelledby=reviews] li', { hasText: 'Add an index' });
    await waiting.waitFor();
    expect(await waiting.innerText()).toContain("Review the junior's estimate");
    await a11y(s, 'desk (mentor)');
    await waiting.getByRole('link').click();
    await s.locator('article.request h1').waitFor();
    await action(s, /Review the junior's estimate: Add an index .* — approve/);
    await expect.poll(async () => (await h.get(`/requests/${id}`, co.manager.token)).body.stage as string).toBe('ClientApproval');
    // The head's page of people, checked like every page.
    const head = await invited({ staffId: co.head.id }, 'en-GB');
    await head.page.getByRole('link', { name: 'People' }).click();
    await head.page.getByRole('heading', { name: 'People' }).first().waitFor();
    await head.page.locator('table tbody tr').first().waitFor();
    await a11y(head.page, 'people (head)');
    await head.context.close();
    await mentor.context.close();
    expect(checked.get('desk (mentor)')).toEqual([]);
    expect(checked.get('people (head)')).toEqual([]);
  });

  it('a sign-in page in the browser: a wrong password is refused, the right one signs in, sign-out ends the session', async () => {
    const email = `signin-${randomUUID()}@test.example`;
    const contact = await h.post(`/admin/clients/${co.clientId}/contacts`, co.admin.token, { name: 'Sign-in', email });
    const first = await invited({ contactId: contact.body.id as string }, 'en-GB');
    await first.context.close();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/app/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await a11y(page, 'sign-in (phone)');
    await screenshot(page, 'sign-in');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('wrong');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('search').waitFor();
    // The language chosen is kept with the person: a fresh browser in English opens in Russian.
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('button', { name: 'Выйти' }).waitFor();
    await expect.poll(async () => (await h.db('client_contacts').where({ email }).first<{ language: string | null }>('language'))?.language).toBe('ru');
    const other = await browser.newContext({ locale: 'en-GB' });
    const again = await other.newPage();
    await again.goto(`${base}/app/`);
    await again.getByLabel('E-mail').fill(email);
    await again.getByLabel('Password').fill(PASSWORD);
    await again.getByRole('button', { name: 'Sign in' }).click();
    await again.getByRole('button', { name: 'Выйти' }).waitFor();
    await other.close();
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: /^(Sign in|Войти)$/ }).waitFor();
    const cookies = await context.cookies();
    expect(cookies.find((x) => x.name === 'rd_session')).toBeUndefined();
    await context.close();
    expect(checked.get('sign-in (phone)')).toEqual([]);
    void f;
  });

  it('R17 a timer escalation appears on the manager\'s desk by itself', { timeout: 90_000 }, async () => {
    const manager = await invited({ staffId: co.manager.id }, 'en-GB');
    const m = manager.page;
    await m.getByRole('link', { name: 'My desk' }).click();
    await m.getByRole('heading', { name: 'Escalations' }).waitFor();
    await a11y(m, 'desk (manager)');
    // A task whose renegotiated deadline passes in a few seconds.
    const id = await f.executing();
    const soon = new Date(Date.now() + 6_000).toISOString();
    await f.act(`/requests/${id}/tasks/T1/deadline-proposal`, co.manager, { newDeadline: soon, extraHours: 0, cause: 'client_side', note: 'Tight.' });
    await f.act(`/requests/${id}/deadline-proposals/D1/answer`, co.client, { agree: true });
    const before = await m.locator('li.escalation').count();
    // No reload: the desk shows it as the timer raises it.
    await m.locator('li.escalation', { hasText: 'Deadline missed' }).first().waitFor({ timeout: 40_000 });
    expect(await m.locator('li.escalation').count()).toBeGreaterThan(before);
    // Moments in causes and notices read as moments, not ISO strings.
    expect(await m.locator('main').innerText()).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    // A request filed meanwhile joins the triage queue by itself, with its SLA clock (R3).
    await f.file('Live: the VPN is down', 'high');
    const queued = m.locator('section[aria-labelledby=triage] li', { hasText: 'Live: the VPN is down' });
    await queued.waitFor({ timeout: 10_000 });
    expect(await queued.locator('.sla').innerText()).toMatch(/^(due in|overdue by) \d+ (h|min)$/);
    await screenshot(m, 'manager-desk');
    // The team's load by person and skill, and each client's hours.
    await m.getByRole('link', { name: 'Team' }).click();
    await m.getByRole('heading', { name: 'Load by person and skill' }).waitFor();
    const heat = await m.locator('table.heatmap').innerText();
    expect(heat).toContain(co.skills.backend);
    expect(heat).toContain(co.skills.frontend);
    await m.getByRole('heading', { name: "Clients' hours this month" }).waitFor();
    await a11y(m, 'team (manager)');
    await screenshot(m, 'manager-team');
    await manager.context.close();
    expect(checked.get('team (manager)')).toEqual([]);
    expect(checked.get('desk (manager)')).toEqual([]);
  });
});
