import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import supertest from 'supertest';
import { inject } from 'vitest';
import { randomUUID as uuid } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { Activities, Webhook } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/observability';
import { ALWAYS_OPEN, DEFAULT_TIMING, type RequestContext } from '../../src/domain';
import { TASK_QUEUE, requestWorkflowId } from '../../src/shared/contract';
import { workflowRefOf } from '../../src/stores/requests';
import { connectWorker } from '../../src/temporal/connection';
import { createWorker } from '../../src/worker/worker';
import type { MailConfig } from '../../src/activities/mail';
import { hashToken, newToken } from '../../src/api/auth';
import { createDb, type Db } from '../../src/db/knex';
import { connectClient } from '../../src/temporal/connection';

export interface Harness {
  db: Db;
  temporal: Client;
  /** The API's express app, for a test that listens on a real port. */
  app: ReturnType<typeof createApp>;
  http: ReturnType<typeof supertest>;
  get(path: string, token: string): supertest.Test;
  post(path: string, token: string, body?: unknown): supertest.Test;
  /** The task queue this harness's requests run on. */
  taskQueue: string;
  close(): Promise<void>;
}

/** Working time is wall-clock time, and the timers are those of production unless a test shortens them. */
export const TEST_CONTEXT: RequestContext = { calendar: ALWAYS_OPEN, policy: DEFAULT_TIMING };

/** Where the test API says the Temporal UI is (links only; nothing is served there). */
export const TEST_TEMPORAL_UI = 'http://temporal-ui.test:8233';

export interface HarnessOptions {
  /** Timers of seconds for every request, instead of each subscription's policy (which counts in minutes at least). */
  context?: RequestContext;
  /** A worker of this file's own, on its own task queue, delivering to this webhook … */
  webhook?: Webhook;
  /** … or running these wrapped activities (fault injection). */
  wrapActivities?: (acts: Activities) => Activities;
  rateLimitPerMinute?: number;
  /** How long the API waits for a workflow before 503 (the production default otherwise). */
  updateWaitMs?: number;
  /** Bytes per file and per request for attachments (the production defaults otherwise). */
  attachmentLimits?: { maxFileBytes: number; maxRequestBytes: number };
  /** … or with this mail channel (mailbox and mail server). */
  mail?: MailConfig;
  /** Its own worker and task queue, whose closings sweep runs this often. */
  closingsSweepMs?: number;
  /** Another stack than the run's shared one (the fault tests start their own). */
  databaseUrl?: string;
  temporalAddress?: string;
}

export async function openHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = createDb(options.databaseUrl ?? inject('databaseUrl'), { min: 0, max: 5 });
  const env = { ...process.env, TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress') };
  const temporal = await connectClient(env);
  let taskQueue = TASK_QUEUE;
  let stopWorker = (): Promise<void> => Promise.resolve();
  if (options.webhook || options.wrapActivities || options.mail || options.closingsSweepMs) {
    taskQueue = `test-${uuid()}`;
    const { connection, namespace } = await connectWorker(env);
    const worker: Worker = await createWorker({
      connection,
      namespace,
      db,
      taskQueue,
      webhook: options.webhook,
      mail: options.mail,
      ...(options.wrapActivities ? { wrapActivities: options.wrapActivities } : {}),
      ...(options.closingsSweepMs ? { closingsSweepMs: options.closingsSweepMs } : {}),
      workflowBundle: { code: inject('workflowBundleCode') },
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await connection.close();
    };
  }
  const app = createApp({ db, temporal, policyOverride: options.context, rateLimitScope: `${uuid()}:`, taskQueue, logger: createLogger('warn'), rateLimitPerMinute: options.rateLimitPerMinute ?? 600, ...(options.updateWaitMs ? { updateWaitMs: options.updateWaitMs } : {}), ...(options.attachmentLimits ? { attachmentLimits: options.attachmentLimits } : {}), temporalUi: { url: TEST_TEMPORAL_UI, namespace: temporal.options.namespace } });
  const http = supertest(app);
  return {
    db,
    temporal,
    app,
    http,
    taskQueue,
    get: (path, token) => http.get(path).set('Authorization', `Bearer ${token}`),
    post: (path, token, body = {}) => http.post(path).set('Authorization', `Bearer ${token}`).send(body as object),
    close: async () => {
      await (app.locals.close as () => Promise<void>)();
      await stopWorker();
      await temporal.connection.close();
      await db.destroy();
    },
  };
}

export interface Person {
  id: string;
  token: string;
}

export interface Company {
  clientId: string;
  otherClientId: string;
  skills: { backend: string; frontend: string };
  admin: Person;
  head: Person;
  manager: Person;
  client: Person;
  otherClient: Person;
  backendSenior: Person;
  backendJunior: Person;
  frontendSenior: Person;
  /** Further seniors, as many per skill as asked for. */
  team: Person[];
}

/**
 * A company of its own for each test file, built through the admin API. Skill codes are unique
 * per company, so assignment in one file never picks a specialist of another.
 */
export async function makeCompany(
  h: Harness,
  subscription: { monthlyHours?: number; autoCloseAfterDays?: number; /** More seniors per skill, beyond the three named ones. */ team?: number } = {},
): Promise<Company> {
  const tag = randomUUID().slice(0, 8);
  const adminId = randomUUID();
  await h.db('staff').insert({ id: adminId, name: `Admin ${tag}`, email: `admin-${tag}@test.example`, role: 'admin' });
  const adminToken = newToken();
  await h.db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(adminToken), staff_id: adminId, label: 'test' });
  const admin = { id: adminId, token: adminToken };

  const ok = async (path: string, body: object, status = 201) => {
    const res = await h.post(path, adminToken, body);
    if (res.status !== status) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  const person = async (kind: 'staffId' | 'contactId', id: string): Promise<Person> => {
    const { token } = (await ok('/admin/credentials', { [kind]: id, label: 'test' })) as unknown as { token: string };
    return { id, token };
  };
  const staff = async (name: string, body: object) =>
    person('staffId', (await ok('/admin/staff', { name, email: `${name}-${tag}@test.example`, ...body })).id);

  const skills = { backend: `backend-${tag}`, frontend: `frontend-${tag}` };
  const head = await staff('head', { role: 'head' });
  const manager = await staff('manager', { role: 'manager' });
  const backendSenior = await staff('sam', { role: 'specialist', seniority: 'senior', skills: [skills.backend], weeklyCapacityHours: 40 });
  const backendJunior = await staff('jo', {
    role: 'specialist',
    seniority: 'junior',
    skills: [skills.backend],
    weeklyCapacityHours: 40,
    mentorId: backendSenior.id,
  });
  const frontendSenior = await staff('fran', { role: 'specialist', seniority: 'senior', skills: [skills.frontend], weeklyCapacityHours: 40 });
  const team: Person[] = [];
  for (let i = 0; i < (subscription.team ?? 0); i++) {
    for (const skill of [skills.backend, skills.frontend]) {
      team.push(await staff(`${skill}-${i}`, { role: 'specialist', seniority: 'senior', skills: [skill], weeklyCapacityHours: 40 }));
    }
  }

  const newClient = async (name: string) => {
    const { id } = await ok('/admin/clients', { name: `${name} ${tag}`, accountManagerId: manager.id });
    await ok(`/admin/clients/${id}/subscriptions`, {
      monthlyHours: subscription.monthlyHours ?? 40,
      timezone: 'Europe/Berlin',
      startsOn: '2026-01-01',
      ...(subscription.autoCloseAfterDays ? { autoCloseAfterDays: subscription.autoCloseAfterDays } : {}),
    });
    const contact = await ok(`/admin/clients/${id}/contacts`, { name: `Contact of ${name}`, email: `${name}-contact-${tag}@test.example` });
    return { clientId: id, contact: await person('contactId', contact.id) };
  };
  const own = await newClient('northwind');
  const other = await newClient('contoso');
  return {
    clientId: own.clientId,
    otherClientId: other.clientId,
    skills,
    admin,
    head,
    manager,
    client: own.contact,
    otherClient: other.contact,
    backendSenior,
    backendJunior,
    frontendSenior,
    team,
  };
}

/** The workflow id of a request: `request-<key>` (`request-<id>` for one without a key), as the read model names it. */
export async function workflowIdFor(h: Pick<Harness, 'db'>, requestId: string): Promise<string> {
  return requestWorkflowId(await workflowRefOf(h.db, requestId));
}

/** A handle on a request's workflow, found by its id. */
export async function requestHandle(h: Pick<Harness, 'db' | 'temporal'>, requestId: string, runId?: string) {
  return h.temporal.workflow.getHandle(await workflowIdFor(h, requestId), runId);
}
