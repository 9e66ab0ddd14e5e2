// Sign-in for people: invitations (single-use, expiring), argon2id passwords, server-side
// sessions in an httpOnly cookie, CSRF on every change, lock-out, sign-out here and everywhere;
// roles and visibility exactly the API's.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { createApp } from '../src/api/app';
import { createLogger } from '../src/observability';
import { LOCK_AFTER_FAILURES } from '../src/stores/sign-in';
import { Flow, openCompany } from './support/flow';
import { type Company, type Harness } from './support/harness';

let h: Harness;
let co: Company;
let f: Flow;

beforeAll(async () => {
  ({ h, co, f } = await openCompany({ rateLimitPerMinute: 0 }));
});
afterAll(async () => {
  await h.close();
});

const PASSWORD = 'correct horse battery staple';

/** The `name=value` of the session cookie a response set. */
function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const c = set.find((x) => x.startsWith('rd_session='));
  expect(c, JSON.stringify(set)).toBeDefined();
  return c!.split(';')[0]!;
}

async function invite(person: { staffId?: string; contactId?: string }, extra: object = {}) {
  const res = await h.post('/admin/invitations', co.admin.token, { ...person, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { token: string; path: string; expiresAt: string; for: { email: string; role: string } };
}

/** A client contact of our client with a password, signed in: its cookie and CSRF token. */
async function signedInContact() {
  const email = `portal-${randomUUID()}@test.example`;
  const contact = await h.post(`/admin/clients/${co.clientId}/contacts`, co.admin.token, { name: 'Portal user', email });
  const inv = await invite({ contactId: contact.body.id as string });
  const accepted = await h.http.post(`/auth/invitations/${inv.token}/accept`).send({ password: PASSWORD });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
  return { email, id: contact.body.id as string, cookie: cookieOf(accepted), csrf: accepted.body.csrfToken as string };
}

describe('invitations', () => {
  it('an invitation link works once, shows who it is for, sets an argon2id password and signs in', async () => {
    const email = `inv-${randomUUID()}@test.example`;
    const contact = await h.post(`/admin/clients/${co.clientId}/contacts`, co.admin.token, { name: 'Ирина', email });
    const inv = await invite({ contactId: contact.body.id as string });
    expect(inv.path).toBe(`/app/invite/${inv.token}`);
    const shown = await h.http.get(`/auth/invitations/${inv.token}`);
    expect(shown.body).toEqual({ name: 'Ирина', email, role: 'client' });
    // Too short a password is refused and uses nothing up.
    expect((await h.http.post(`/auth/invitations/${inv.token}/accept`).send({ password: 'short' })).status).toBe(400);
    expect((await h.http.post(`/auth/invitations/${inv.token}/accept`).send({ password: '            x' })).status).toBe(400);
    const accepted = await h.http.post(`/auth/invitations/${inv.token}/accept`).send({ password: PASSWORD });
    expect(accepted.status).toBe(201);
    const stored = (await h.db('logins').where({ email }).first()) as { password_hash: string };
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    // Used: it shows nothing and accepts nothing more, also in parallel.
    expect((await h.http.get(`/auth/invitations/${inv.token}`)).status).toBe(404);
    const again = await Promise.all(Array.from({ length: 5 }, () => h.http.post(`/auth/invitations/${inv.token}/accept`).send({ password: 'another password 123' })));
    expect(again.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect((await h.http.post('/auth/login').send({ email, password: PASSWORD })).status).toBe(200);
  });

  it('an expired invitation, an unknown one and one replaced by a newer one do not work; only the admin invites', async () => {
    const contact = await h.post(`/admin/clients/${co.clientId}/contacts`, co.admin.token, { name: 'Late', email: `late-${randomUUID()}@test.example` });
    const old = await invite({ contactId: contact.body.id as string });
    await h.db('invitations').where({ contact_id: contact.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await h.http.post(`/auth/invitations/${old.token}/accept`).send({ password: PASSWORD })).status).toBe(404);
    const first = await invite({ contactId: contact.body.id as string });
    const second = await invite({ contactId: contact.body.id as string });
    expect((await h.http.post(`/auth/invitations/${first.token}/accept`).send({ password: PASSWORD })).status).toBe(404);
    expect((await h.http.post(`/auth/invitations/${second.token}/accept`).send({ password: PASSWORD })).status).toBe(201);
    expect((await h.http.get(`/auth/invitations/inv_${'A'.repeat(43)}`)).status).toBe(404);
    expect((await h.http.get('/auth/invitations/not-a-token')).status).toBe(404);
    expect((await h.post('/admin/invitations', co.manager.token, { contactId: contact.body.id })).status).toBe(403);
    expect((await h.post('/admin/invitations', co.admin.token, { contactId: randomUUID() })).status).toBe(422);
    expect((await h.post('/admin/invitations', co.admin.token, { contactId: contact.body.id, expiresInHours: 0 })).status).toBe(400);
  });
});

describe('sessions', () => {
  it('a session cookie is httpOnly and SameSite; it reads what the person may read, and nothing of another organisation', async () => {
    const p = await signedInContact();
    const login = await h.http.post('/auth/login').send({ email: p.email.toUpperCase(), password: PASSWORD });
    expect(login.status).toBe(200);
    const raw = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('rd_session='))!;
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    expect(raw).toMatch(/Path=\//);
    const mine = await f.file('Portal request');
    const theirs = await f.file('Other org', 'normal', co.otherClient);
    const get = (path: string) => h.http.get(path).set('Cookie', p.cookie);
    expect((await get('/auth/session')).body).toMatchObject({ actor: { id: p.id, role: 'client', clientId: co.clientId }, via: 'session' });
    expect((await get(`/requests/${mine}`)).status).toBe(200);
    expect((await get(`/requests/${theirs}`)).status).toBe(404);
    expect((await get('/admin/staff')).status).toBe(403);
  });

  it('a change without the CSRF token, with a wrong one or from another origin is refused and changes nothing', async () => {
    const p = await signedInContact();
    const before = Number(((await h.db('requests').where({ client_id: co.clientId }).count('* as n').first()) as { n: string }).n);
    const body = { title: 'Via the portal', description: 'd' };
    expect((await h.http.post('/requests').set('Cookie', p.cookie).send(body)).status).toBe(403);
    expect((await h.http.post('/requests').set('Cookie', p.cookie).set('X-CSRF-Token', 'x'.repeat(43)).send(body)).status).toBe(403);
    expect((await h.http.post('/requests').set('Cookie', p.cookie).set('X-CSRF-Token', p.csrf).set('Origin', 'https://evil.example').send(body)).status).toBe(403);
    expect(Number(((await h.db('requests').where({ client_id: co.clientId }).count('* as n').first()) as { n: string }).n)).toBe(before);
    const ok = await h.http.post('/requests').set('Cookie', p.cookie).set('X-CSRF-Token', p.csrf).send(body);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('a session id planted before sign-in is never the one in use (no fixation)', async () => {
    const p = await signedInContact();
    const planted = `rd_session=${'P'.repeat(43)}`;
    expect((await h.http.get('/auth/session').set('Cookie', planted)).status).toBe(401);
    const login = await h.http.post('/auth/login').set('Cookie', planted).send({ email: p.email, password: PASSWORD });
    expect(login.status).toBe(200);
    const issued = cookieOf(login);
    expect(issued).not.toBe(planted);
    expect((await h.http.get('/auth/session').set('Cookie', planted)).status).toBe(401);
    expect((await h.http.get('/auth/session').set('Cookie', issued)).status).toBe(200);
    // Two sign-ins, two different sessions.
    const again = cookieOf(await h.http.post('/auth/login').send({ email: p.email, password: PASSWORD }));
    expect(again).not.toBe(issued);
  });

  it(`${LOCK_AFTER_FAILURES} failed sign-ins in a row lock the account, also for the right password; an unknown e-mail answers as a wrong password`, async () => {
    const p = await signedInContact();
    for (let i = 0; i < LOCK_AFTER_FAILURES - 1; i++) expect((await h.http.post('/auth/login').send({ email: p.email, password: `wrong ${i}` })).status).toBe(401);
    const locked = await h.http.post('/auth/login').send({ email: p.email, password: 'wrong again' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60);
    expect((await h.http.post('/auth/login').send({ email: p.email, password: PASSWORD })).status).toBe(429);
    const unknown = await h.http.post('/auth/login').send({ email: `nobody-${randomUUID()}@test.example`, password: PASSWORD });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe('the e-mail or the password is wrong');
    // The session started before the lock still works: the lock guards the password, not the person's work.
    expect((await h.http.get('/auth/session').set('Cookie', p.cookie)).status).toBe(200);
  });

  it('signs out here (this session only) and everywhere (every session)', async () => {
    const p = await signedInContact();
    const second = cookieOf(await h.http.post('/auth/login').send({ email: p.email, password: PASSWORD }));
    const third = await h.http.post('/auth/login').send({ email: p.email, password: PASSWORD });
    expect((await h.http.post('/auth/logout').set('Cookie', p.cookie)).status).toBe(403);
    const out = await h.http.post('/auth/logout').set('Cookie', p.cookie).set('X-CSRF-Token', p.csrf);
    expect(out.status).toBe(204);
    expect((await h.http.get('/auth/session').set('Cookie', p.cookie)).status).toBe(401);
    expect((await h.http.get('/auth/session').set('Cookie', second)).status).toBe(200);
    const everywhere = await h.http.post('/auth/logout-everywhere').set('Cookie', cookieOf(third)).set('X-CSRF-Token', third.body.csrfToken as string);
    expect(everywhere.body.ended).toBe(2);
    expect((await h.http.get('/auth/session').set('Cookie', second)).status).toBe(401);
    expect((await h.http.get('/auth/session').set('Cookie', cookieOf(third))).status).toBe(401);
  });

  it('staff sign in the same way and keep their role; a person who leaves is out at once', async () => {
    const email = `staff-${randomUUID()}@test.example`;
    const staff = await h.post('/admin/staff', co.admin.token, { name: 'Mia', email, role: 'manager' });
    const inv = await invite({ staffId: staff.body.id as string });
    expect(inv.for.role).toBe('manager');
    const accepted = await h.http.post(`/auth/invitations/${inv.token}/accept`).send({ password: PASSWORD });
    const cookie = cookieOf(accepted);
    expect((await h.http.get('/auth/session').set('Cookie', cookie)).body.actor).toEqual({ id: staff.body.id, role: 'manager' });
    await h.http.patch(`/admin/staff/${staff.body.id as string}`).set('Authorization', `Bearer ${co.admin.token}`).send({ active: false, reason: 'left' }).expect(200);
    expect((await h.http.get('/auth/session').set('Cookie', cookie)).status).toBe(401);
    expect((await h.http.post('/auth/login').send({ email, password: PASSWORD })).status).toBe(401);
  });

  it('sign-in calls are throttled per address before any password is checked', async () => {
    const app = createApp({ db: h.db, temporal: h.temporal, logger: createLogger('warn'), signInPerMinute: 3, rateLimitScope: `${randomUUID()}:` });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await supertest(app).post('/auth/login').send({ email: `x${i}@test.example`, password: 'x' })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    await (app.locals.close as () => Promise<void>)();
  });
});
