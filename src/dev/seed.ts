import { hash } from '@node-rs/argon2';
// A demo company, created once and found again on every later start.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../db/knex';
import { hashToken, newToken } from '../api/auth';

interface DemoStaff {
  key: string;
  name: string;
  email: string;
  role: 'manager' | 'specialist' | 'head' | 'admin';
  seniority?: 'junior' | 'middle' | 'senior';
  skills?: string[];
  mentor?: string;
}

const STAFF: DemoStaff[] = [
  { key: 'admin', name: 'Ada Admin', email: 'admin@demo.retainer.desk', role: 'admin' },
  { key: 'head', name: 'Hugo Head', email: 'head@demo.retainer.desk', role: 'head' },
  { key: 'manager', name: 'Mia Manager', email: 'manager@demo.retainer.desk', role: 'manager' },
  { key: 'backendSenior', name: 'Sam Backend', email: 'sam@demo.retainer.desk', role: 'specialist', seniority: 'senior', skills: ['backend'] },
  { key: 'backendJunior', name: 'Jo Backend', email: 'jo@demo.retainer.desk', role: 'specialist', seniority: 'junior', skills: ['backend'], mentor: 'backendSenior' },
  { key: 'frontendSenior', name: 'Fran Frontend', email: 'fran@demo.retainer.desk', role: 'specialist', seniority: 'senior', skills: ['frontend'] },
  { key: 'frontendJunior', name: 'Finn Frontend', email: 'finn@demo.retainer.desk', role: 'specialist', seniority: 'junior', skills: ['frontend'], mentor: 'frontendSenior' },
];

export const DEMO_CLIENT = { name: 'Northwind Trading', contactEmail: 'cleo@northwind.example', monthlyHours: 40, timezone: 'Europe/Berlin' };

export interface DemoCompany {
  clientId: string;
  people: Record<string, { id: string; name: string; role: string; token: string; email?: string }>;
}

async function ensureStaff(db: Db): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const s of STAFF) {
    await db('staff')
      .insert({
        id: randomUUID(),
        name: s.name,
        email: s.email,
        role: s.role,
        seniority: s.seniority ?? null,
        skills: s.skills ?? [],
        weekly_capacity_hours: s.role === 'specialist' ? 40 : 0,
        mentor_id: s.mentor ? ids[s.mentor] : null,
        timezone: DEMO_CLIENT.timezone,
      })
      .onConflict('email')
      .ignore();
    ids[s.key] = (await db('staff').where({ email: s.email }).first<{ id: string }>('id')).id;
  }
  return ids;
}

async function ensureClient(db: Db, managerId: string): Promise<{ clientId: string; contactId: string }> {
  await db('clients').insert({ id: randomUUID(), name: DEMO_CLIENT.name, account_manager_id: managerId }).onConflict('name').ignore();
  const { id: clientId } = await db('clients').where({ name: DEMO_CLIENT.name }).first<{ id: string }>('id');
  const monthStart = new Date().toISOString().slice(0, 8) + '01';
  if (!(await db('subscriptions').where({ client_id: clientId }).first('id'))) {
    await db('subscriptions').insert({
      id: randomUUID(),
      client_id: clientId,
      monthly_hours: DEMO_CLIENT.monthlyHours,
      timezone: DEMO_CLIENT.timezone,
      starts_on: monthStart,
    });
  }
  await db('client_contacts')
    .insert({ id: randomUUID(), client_id: clientId, name: 'Cleo Client', email: DEMO_CLIENT.contactEmail })
    .onConflict('email')
    .ignore();
  const { id: contactId } = await db('client_contacts').where({ email: DEMO_CLIENT.contactEmail }).first<{ id: string }>('id');
  return { clientId, contactId };
}

async function tokenStillValid(db: Db, token: string): Promise<boolean> {
  return Boolean(await db('api_credentials').where({ token_hash: hashToken(token) }).whereNull('revoked_at').first('id'));
}

/** Creates what is missing and returns every demo person with a working token (kept in `credentialsFile`). */
/** The demo people's password for the web app. */
export const DEMO_PASSWORD = 'retainer-desk-demo';

export async function seedDemo(db: Db, credentialsFile: string): Promise<DemoCompany> {
  const staffIds = await ensureStaff(db);
  const { clientId, contactId } = await ensureClient(db, staffIds.manager as string);
  const saved: DemoCompany | undefined = fs.existsSync(credentialsFile)
    ? (JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as DemoCompany)
    : undefined;

  const people: DemoCompany['people'] = {};
  const everyone = [
    ...STAFF.map((s) => ({ key: s.key, id: staffIds[s.key] as string, name: s.name, role: s.role, column: 'staff_id' })),
    { key: 'client', id: contactId, name: 'Cleo Client', role: 'client', column: 'contact_id' },
  ];
  for (const p of everyone) {
    const previous = saved?.people[p.key];
    let token = previous?.id === p.id ? previous.token : undefined;
    if (!token || !(await tokenStillValid(db, token))) {
      token = newToken();
      await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), [p.column]: p.id, label: 'demo' });
    }
    people[p.key] = { id: p.id, name: p.name, role: p.role, token };
  }
  // Everyone can sign in to the web app with the demo password (never used outside the demo).
  const passwordHash = await hash(DEMO_PASSWORD);
  for (const p of everyone) {
    const email = p.key === 'client' ? DEMO_CLIENT.contactEmail : (STAFF.find((s) => s.key === p.key)?.email as string);
    await db('logins').insert({ email, [p.column]: p.id, password_hash: passwordHash }).onConflict('email').ignore();
    people[p.key] = { ...people[p.key]!, email };
  }
  const company = { clientId, people };
  fs.writeFileSync(credentialsFile, JSON.stringify(company, null, 2), { mode: 0o600 });
  return company;
}
