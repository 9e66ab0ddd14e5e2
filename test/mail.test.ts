// The mail channel (#17) against a real mail server (GreenMail: SMTP and IMAP), real Temporal and
// real PostgreSQL (a database of this file's own: the channel mails every notification it finds).
// Mails reach support@ over SMTP and are read over IMAP by the worker's Schedule workflows; what
// the desk sends is read back over IMAP from each recipient's mailbox.
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processInbound, readMailbox, sendPendingMail, STORED_KEYWORD, type MailConfig } from '../src/activities/mail';
import { startLocalMailServer, type LocalMailServer } from '../src/dev/mail-server';
import { mailDigestWorkflow, mailInWorkflow, mailOutWorkflow } from '../src/workflows';
import { eventually, openCompany, type Flow } from './support/flow';
import { freshDatabase } from './support/fresh-db';
import type { Company, Harness, Person } from './support/harness';

const SUPPORT = 'support@desk.test';
let server: LocalMailServer;
let mail: MailConfig;
let h: Harness;
let co: Company;
let f: Flow;
let clientAddress: string;

beforeAll(async () => {
  server = await startLocalMailServer({ logFile: path.join(os.tmpdir(), `retainer-desk-mail-${randomUUID()}.log`) });
  mail = {
    from: SUPPORT,
    publicUrl: 'https://desk.example.test',
    maxMessageBytes: 25 * 1024 * 1024,
    maxFileBytes: 10 * 1024 * 1024,
    imap: { host: server.host, port: server.imapPort, secure: false, user: SUPPORT, password: 'any', mailbox: 'INBOX' },
    smtp: { host: server.host, port: server.smtpPort, secure: false },
  };
  ({ h, co, f } = await openCompany({ databaseUrl: await freshDatabase('mail'), mail }));
  // This database's keys start again at 1, but Temporal is the run's: prefixes of their own keep
  // its workflow ids (request-<key>) apart from the other files' requests.
  const tag = () => `M${randomUUID().replace(/[^a-f]/g, '').toUpperCase().slice(0, 6)}`;
  for (const clientId of [co.clientId, co.otherClientId]) await h.db('clients').where({ id: clientId }).update({ key_prefix: tag() });
  clientAddress = await addressOf(co.client);
}, 180_000);

afterAll(async () => {
  await h?.close();
  await server?.stop();
});

async function addressOf(p: Person): Promise<string> {
  const row = (await h.db('client_contacts').where({ id: p.id }).first('email')) ?? (await h.db('staff').where({ id: p.id }).first('email'));
  return row.email as string;
}

const smtp = () => nodemailer.createTransport({ host: server.host, port: server.smtpPort, secure: false });

/** A mail to support@, as a person's mail program sends it. */
async function send(m: Parameters<ReturnType<typeof smtp>['sendMail']>[0]): Promise<string> {
  const t = smtp();
  const messageId = `<${randomUUID()}@client.test>`;
  await t.sendMail({ to: SUPPORT, messageId, ...m });
  t.close();
  return messageId;
}

/** Bytes as they are, to support@ (for what a mail program would never write). */
async function sendRaw(from: string, raw: string | Buffer): Promise<void> {
  const t = smtp();
  await t.sendMail({ envelope: { from, to: [SUPPORT] }, raw });
  t.close();
}

const run = <R>(wf: (...args: never[]) => Promise<R>, args: unknown[] = []) =>
  h.temporal.workflow.execute(wf as never, { taskQueue: h.taskQueue, workflowId: `${wf.name}-${randomUUID()}`, args: args as never }) as Promise<R>;
const mailIn = () => run(mailInWorkflow) as Promise<{ stored: number; filed: number; replied: number; quarantined: number }>;
const mailOut = () => run(mailOutWorkflow) as Promise<{ planned: number; sent: number; failed: number }>;

/** Every mail in an address's mailbox, parsed, with its flags. */
async function mailboxOf(address: string): Promise<(ParsedMail & { flags: Set<string> })[]> {
  const c = new ImapFlow({ host: server.host, port: server.imapPort, secure: false, auth: { user: address, pass: 'any' }, logger: false });
  await c.connect();
  const out: (ParsedMail & { flags: Set<string> })[] = [];
  const lock = await c.getMailboxLock('INBOX');
  try {
    const exists = typeof c.mailbox === 'object' ? c.mailbox.exists : 0;
    if (exists > 0) {
      for await (const m of c.fetch('1:*', { source: true, flags: true })) out.push(Object.assign(await simpleParser(m.source!), { flags: m.flags ?? new Set<string>() }));
    }
  } finally {
    lock.release();
    await c.logout();
  }
  return out;
}

const requestsTitled = async (title: string) => (await h.db('requests').where({ title, client_id: co.clientId }).select('id')).length;
interface InboundMail {
  status: string;
  reason: string | null;
  request_id: string | null;
  from_address: string | null;
  raw: Buffer | null;
}
const inbound = async (messageId: string): Promise<InboundMail> => (await h.db('mail_inbound').where({ message_id: messageId }).first()) as InboundMail;

/** Filed, decomposed and estimated: waiting for the client's approval ("the estimate is ready"). */
async function estimated(title: string): Promise<{ id: string; key: string }> {
  const created = await f.act('/requests', co.client, { title, description: `${title}: details.` }, 201);
  const id = created.requestId;
  await f.act(`/requests/${id}/triage`, co.manager, { decision: 'delegate' });
  await f.act(`/requests/${id}/decompose`, co.manager, { brief: 'Do it.', tasks: [{ title: 'Fix it', skill: co.skills.backend, assigneeId: co.backendSenior.id }] });
  const state = await f.act(`/requests/${id}/tasks/T1/estimate`, co.backendSenior, { hours: 4, complexity: 'low' });
  expect(state.stage).toBe('ClientApproval');
  return { id, key: state.key! };
}

describe('mail in', () => {
  it('a mail from a client contact to support@ files a request: subject → title, text → description, file → attachment', async () => {
    const messageId = await send({ from: `"Client Person" <${clientAddress}>`, subject: 'Invoices page is blank', text: 'Since this morning the invoices page shows nothing.\nChrome 120.', attachments: [{ filename: 'screenshot.png', content: Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'), contentType: 'image/png' }] });
    const result = await mailIn();
    expect(result.filed).toBeGreaterThanOrEqual(1);
    const row = await inbound(messageId);
    expect(row).toMatchObject({ status: 'filed', from_address: clientAddress, raw: null });
    const request = (await h.get(`/requests/${row.request_id}`, co.client.token).expect(200)).body;
    expect(request.title).toBe('Invoices page is blank');
    expect(request.description).toBe('Since this morning the invoices page shows nothing.\nChrome 120.');
    expect(request.key).toMatch(/^[A-Z0-9]+-\d+$/);
    const files = (await h.get(`/requests/${row.request_id}/attachments`, co.client.token).expect(200)).body.items as { filename: string; size: number }[];
    expect(files.map((x) => [x.filename, x.size])).toEqual([['screenshot.png', 20]]);
    // The manager sees it among the requests to triage, as one filed in the web app.
    const listed = (await h.get('/requests?limit=50', co.manager.token).expect(200)).body.items as { requestId: string }[];
    expect(listed.map((r) => r.requestId)).toContain(row.request_id);
    // The mail is flagged on the server only now; read again, it files nothing more.
    expect((await mailboxOf(SUPPORT)).find((m) => m.messageId === messageId)?.flags.has(STORED_KEYWORD)).toBe(true);
    await mailIn();
    expect(await requestsTitled('Invoices page is blank')).toBe(1);
  });

  it('a worker killed between storing a mail and flagging it leaves exactly one request', async () => {
    const messageId = await send({ from: clientAddress, subject: 'Crash between store and flag', text: 'Filed once, whatever happens.' });
    // The first read stores the mail and dies before the flag reaches the server.
    const deps = { db: h.db, temporal: h.temporal, mail, taskQueue: h.taskQueue };
    await expect(readMailbox(deps, { afterStore: () => Promise.reject(new Error('worker killed')) })).rejects.toThrow('worker killed');
    expect((await mailboxOf(SUPPORT)).find((m) => m.messageId === messageId)?.flags.has(STORED_KEYWORD)).toBe(false);
    expect(await inbound(messageId)).toMatchObject({ status: 'stored' });
    // Two Schedule runs at once, then one more: one request, the mail flagged.
    await Promise.all([mailIn(), mailIn()]);
    await mailIn();
    expect(await requestsTitled('Crash between store and flag')).toBe(1);
    expect((await h.db('mail_inbound').where({ message_id: messageId })).length).toBe(1);
    expect(await inbound(messageId)).toMatchObject({ status: 'filed' });
    expect((await mailboxOf(SUPPORT)).find((m) => m.messageId === messageId)?.flags.has(STORED_KEYWORD)).toBe(true);
  });

  it('an auto-reply, an unknown sender, a bounce, a loop and a forged sender are quarantined for managers, and file nothing', async () => {
    const before = (await h.db('requests').count('* as n').first())!.n;
    const vacation = await send({ from: clientAddress, subject: 'Out of office', text: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    const bulk = await send({ from: clientAddress, subject: 'Newsletter', text: 'News.', headers: { Precedence: 'bulk' } });
    const stranger = await send({ from: 'stranger@elsewhere.test', subject: 'Please help', text: 'Who are you?' });
    const loop = await send({ from: clientAddress, subject: 'Re: [X-1] something', text: 'Came back.', headers: { 'X-Retainer-Desk': 'desk.test' } });
    const forged = await send({ from: clientAddress, subject: 'Pay this invoice', text: 'Wire the money.', headers: { 'Authentication-Results': 'mx.desk.test; spf=fail smtp.mailfrom=client.test; dmarc=fail header.from=client.test' } });
    await sendRaw('mailer-daemon@client.test', ['From: Mail Delivery System <mailer-daemon@client.test>', `To: ${SUPPORT}`, 'Subject: Undelivered Mail Returned to Sender', 'Message-ID: <bounce-1@client.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'The mail could not be delivered.', '--b--', ''].join('\r\n'));
    await mailIn();
    const reasons = Object.fromEntries(await Promise.all([vacation, bulk, stranger, loop, '<bounce-1@client.test>'].map(async (id): Promise<[string, InboundMail]> => [id, await inbound(id)])));
    expect(reasons[vacation]).toMatchObject({ status: 'quarantined', reason: 'auto-reply (Auto-Submitted: auto-replied)' });
    expect(reasons[bulk]).toMatchObject({ status: 'quarantined', reason: 'bulk mail (Precedence: bulk)' });
    expect(reasons[stranger]).toMatchObject({ status: 'quarantined', reason: 'unknown sender stranger@elsewhere.test' });
    expect(reasons[loop]).toMatchObject({ status: 'quarantined', reason: 'loop (a mail of ours came back)' });
    expect(reasons['<bounce-1@client.test>']).toMatchObject({ status: 'quarantined', reason: 'bounce (delivery report)' });
    expect(await inbound(forged)).toMatchObject({ status: 'quarantined', reason: 'the sender failed authentication (dmarc=fail)' });
    expect((await h.db('requests').count('* as n').first())!.n).toBe(before);

    // Managers review the quarantine; clients and specialists do not see it.
    const list = (await h.get('/mail/quarantine', co.manager.token).expect(200)).body.items as { id: string; messageId: string; reason: string }[];
    expect(list.map((m) => m.messageId)).toEqual(expect.arrayContaining([vacation, bulk, stranger, loop, '<bounce-1@client.test>']));
    await h.get('/mail/quarantine', co.client.token).expect(403);
    await h.get('/mail/quarantine', co.backendSenior.token).expect(403);
    const strangerItem = list.find((m) => m.messageId === stranger)!;
    const raw = await h
      .get(`/mail/quarantine/${strangerItem.id}/raw`, co.manager.token)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      })
      .expect(200);
    expect(raw.headers['content-type']).toMatch(/^message\/rfc822/);
    expect(raw.headers['content-disposition']).toMatch(/^attachment/);
    expect(raw.body as string).toContain('Who are you?');
    await h.post(`/mail/quarantine/${strangerItem.id}/dismiss`, co.manager.token).expect(204);
    await h.post(`/mail/quarantine/${strangerItem.id}/dismiss`, co.manager.token).expect(404);
    await h.post('/mail/quarantine/not-an-id/dismiss', co.manager.token).expect(400);
    const after = (await h.get('/mail/quarantine', co.head.token).expect(200)).body.items as { messageId: string }[];
    expect(after.map((m) => m.messageId)).not.toContain(stranger);
    const all = (await h.get('/mail/quarantine?all=true', co.head.token).expect(200)).body.items as { messageId: string; status: string }[];
    expect(all.find((m) => m.messageId === stranger)?.status).toBe('dismissed');
  });

  it('a mail that cannot be filed waits for the next run, and after five tries goes to the quarantine with the error; staff mail is not filed', async () => {
    const stuck = await send({ from: clientAddress, subject: 'Filed when Temporal answers', text: 'Patience.' });
    const staff = await send({ from: await addressOf(co.manager), subject: 'Re: something', text: 'From the manager.' });
    // Stored by one run; filed by a worker that cannot reach Temporal: each run fails and counts a try.
    const deps = { db: h.db, temporal: h.temporal, mail, taskQueue: h.taskQueue };
    expect((await readMailbox(deps)).stored).toBe(2);
    const cut = { ...deps, temporal: undefined };
    for (let i = 1; i < 5; i++) {
      await expect(processInbound(cut)).rejects.toThrow('filing a request by mail needs a Temporal client');
      expect(await inbound(stuck)).toMatchObject({ status: 'stored' });
    }
    expect(await inbound(staff)).toMatchObject({ status: 'quarantined', reason: `from the staff address ${await addressOf(co.manager)} (staff answer in the desk)` });
    await processInbound(cut);
    expect(await inbound(stuck)).toMatchObject({ status: 'quarantined', reason: 'could not be filed after 5 tries: filing a request by mail needs a Temporal client' });
    expect(await requestsTitled('Filed when Temporal answers')).toBe(0);
  });

  it('a mail server that does not answer loses no mail: it goes out on a later run, once', async () => {
    const { key } = await estimated('Sent when the server is back');
    const down = { db: h.db, temporal: h.temporal, taskQueue: h.taskQueue, mail: { ...mail, smtp: { host: '127.0.0.1', port: 1, secure: false } } };
    const first = await sendPendingMail(down);
    expect(first).toMatchObject({ sent: 0, failed: 1 });
    expect((await mailboxOf(clientAddress)).filter((m) => m.subject?.startsWith(`[${key}]`))).toEqual([]);
    await mailOut();
    await mailOut();
    expect((await mailboxOf(clientAddress)).filter((m) => m.subject?.startsWith(`[${key}]`))).toHaveLength(1);
  });

  it('malformed mail: broken MIME, a 30 MB attachment and a header injection in the subject are quarantined or trimmed with a reason; the poller goes on', async () => {
    // Broken MIME: a multipart without its boundary, a part with invalid base64, a NUL byte.
    await sendRaw(clientAddress, [`From: ${clientAddress}`, `To: ${SUPPORT}`, 'Subject: Broken mime', 'Message-ID: <broken-1@client.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed', '', '--nothing', 'Content-Transfer-Encoding: base64', '', '%%%not base64\u0000%%%', ''].join('\r\n'));
    // 30 MB of attachment.
    const big = randomBytes(30 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
    await sendRaw(clientAddress, [`From: ${clientAddress}`, `To: ${SUPPORT}`, 'Subject: Huge logs', 'Message-ID: <huge-1@client.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="z"', '', '--z', 'Content-Type: text/plain', '', 'Logs attached.', '--z', 'Content-Type: application/octet-stream; name="logs.bin"', 'Content-Transfer-Encoding: base64', '', big, '--z--', ''].join('\r\n'));
    // A subject whose encoded words hide a line break and a Bcc header.
    const injected = `=?UTF-8?B?${Buffer.from('Printer broken\r\nBcc: evil@attacker.test').toString('base64')}?=`;
    await sendRaw(clientAddress, [`From: ${clientAddress}`, `To: ${SUPPORT}`, `Subject: ${injected}`, 'Message-ID: <inject-1@client.test>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'The printer on floor 2 is broken.', ''].join('\r\n'));
    // And an ordinary mail behind them all: the same run still files it.
    const ordinary = await send({ from: clientAddress, subject: 'After the bad ones', text: 'Still here.' });
    await mailIn();

    const broken = await inbound('<broken-1@client.test>');
    expect(['quarantined', 'filed']).toContain(broken.status);
    if (broken.status === 'filed') expect(await requestsTitled('Broken mime')).toBe(1);
    expect(await inbound('<huge-1@client.test>')).toMatchObject({ status: 'quarantined', reason: expect.stringMatching(/^too large: \d+\.\d MB \(the limit is 25 MB\)$/) });
    expect(await requestsTitled('Huge logs')).toBe(0);
    const inject = await inbound('<inject-1@client.test>');
    expect(inject).toMatchObject({ status: 'filed', reason: 'line breaks removed from the subject' });
    expect((await h.db('requests').where({ id: inject.request_id }).first('title')).title).toBe('Printer broken Bcc: evil@attacker.test');
    expect(await inbound(ordinary)).toMatchObject({ status: 'filed' });

    // What the desk mails about that request has one subject line and no Bcc.
    await mailOut();
    const managerMails = await mailboxOf(await addressOf(co.manager));
    const aboutIt = managerMails.filter((m) => m.subject?.includes('Printer broken'));
    expect(aboutIt.length).toBeGreaterThan(0);
    for (const m of aboutIt) {
      expect(m.subject).not.toMatch(/[\r\n]/);
      expect(m.headers.has('bcc')).toBe(false);
    }
    expect(await mailboxOf('evil@attacker.test')).toEqual([]);
  });
});

describe('mail out', () => {
  it('a reply to the "estimate ready" mail answers on the right request, as the client\'s public reply', async () => {
    const a = await estimated('Export to Excel');
    const b = await estimated('Import from Excel');
    await mailOut();
    const mails = await mailboxOf(clientAddress);
    const ready = mails.find((m) => m.subject?.startsWith(`[${a.key}]`) && m.subject.includes('the estimate is ready'));
    expect(ready, `the estimate-ready mail of ${a.key}`).toBeDefined();
    // A mail of ours: threaded by request, marked automatic, with a link into the web app.
    expect(ready!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(ready!.references).toContain(`<request-${a.id}@desk.test>`);
    expect(ready!.text).toContain(`https://desk.example.test/app/r/${a.key}`);
    expect(ready!.html).toContain(`href="https://desk.example.test/app/r/${a.key}"`);
    expect(ready!.replyTo?.value[0]?.address).toBe(SUPPORT);

    // The client answers from their mail program: the quote below their words is not kept.
    const t = smtp();
    await t.sendMail({ from: clientAddress, to: SUPPORT, subject: `Re: ${ready!.subject}`, inReplyTo: ready!.messageId, references: [ready!.messageId!], text: `Looks good, but can it be done by Friday?\n\nOn Mon, 30 Nov 2026 at 10:00, Support <${SUPPORT}> wrote:\n> the estimate is ready` });
    t.close();
    expect((await mailIn()).replied).toBe(1);
    const onA = (await h.get(`/requests/${a.id}/messages`, co.manager.token).expect(200)).body.items as { author: { id: string }; body: string; internal: boolean }[];
    expect(onA).toEqual([expect.objectContaining({ author: { id: co.client.id, role: 'client' }, body: 'Looks good, but can it be done by Friday?', internal: false })]);
    expect((await h.get(`/requests/${b.id}/messages`, co.manager.token).expect(200)).body.items).toEqual([]);
    // The same effects as a reply through the API: the manager is told.
    await eventually(
      async () => (await h.get('/inbox?limit=100', co.manager.token).expect(200)).body.items as { kind: string; requestId: string }[],
      (items) => items.some((n) => n.kind === 'message.client' && n.requestId === a.id),
      "the manager's notice of the client's reply",
    );
  });

  it('R13 a reply by mail answers the question put to the client and the SLA clock runs again', async () => {
    const id = await f.file('Access to the staging server');
    await f.act(`/requests/${id}/ask-client`, co.manager, { text: 'Which user should get access?' });
    let state = await f.state(id);
    expect(state.slaPauses.at(-1)?.to).toBeUndefined();
    // A reply found by the key in its subject alone (the client wrote a new mail).
    await send({ from: clientAddress, subject: `[${state.key}] user name`, text: 'The user is deploy-bot.' });
    expect((await mailIn()).replied).toBe(1);
    state = await eventually(() => f.state(id), (s) => s.questions.some((q) => q.status === 'answered'), 'the answered question');
    expect(state.questions.find((q) => q.text === 'Which user should get access?')).toMatchObject({ status: 'answered', answer: 'The user is deploy-bot.' });
    expect(state.slaPauses.at(-1)?.to).toBeDefined();
  });

  it('a reply naming a request of another client is quarantined and lands nowhere', async () => {
    const other = await addressOf(co.otherClient);
    const { key, id } = await estimated('Not theirs');
    const messageId = await send({ from: other, subject: `Re: [${key}] Not theirs`, text: 'Let me in.' });
    await mailIn();
    expect(await inbound(messageId)).toMatchObject({ status: 'quarantined', reason: `a reply to a request this sender does not see (${key})` });
    expect((await h.get(`/requests/${id}/messages`, co.manager.token).expect(200)).body.items).toEqual([]);
  });

  it('a notification arrives once, in Russian for a Russian-speaking contact, however many senders run at once', async () => {
    await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.client.token}`).send({ language: 'ru' }).expect(200);
    try {
      const { key } = await estimated('Отчёт по продажам');
      await Promise.all([mailOut(), mailOut(), mailOut()]);
      await mailOut();
      const mine = (await mailboxOf(clientAddress)).filter((m) => m.subject?.startsWith(`[${key}]`));
      expect(mine.map((m) => m.subject)).toEqual([`[${key}] Отчёт по продажам: оценка готова: 4.5 ч`]);
      expect(mine[0]!.text).toContain('Открыть заявку');
      expect(mine[0]!.html).toContain('Открыть заявку');
      const rows = await h.db('mail_outbound').where({ address: clientAddress, status: 'sent' }).whereIn('message_id', [mine[0]!.messageId!]);
      expect(rows).toHaveLength(1);
    } finally {
      await h.http.patch('/me/preferences').set('Authorization', `Bearer ${co.client.token}`).send({ language: null }).expect(200);
    }
  });

  it('a digest: three notifications in a day arrive as one mail at the person\'s digest hour, once', async () => {
    const managerAddress = await addressOf(co.manager);
    const set = await h.http.put('/me/mail').set('Authorization', `Bearer ${co.manager.token}`).send({ digestHour: 9, modes: { '*': 'digest', 'policy.changed': 'none' } }).expect(200);
    expect(set.body).toMatchObject({ address: managerAddress, digestHour: 9, modes: { '*': 'digest', 'policy.changed': 'none' } });
    expect(set.body.kinds).toContain('estimate.ready');
    await mailOut();
    const before = (await mailboxOf(managerAddress)).length;
    const titles = ['Digest one', 'Digest two', 'Digest three'];
    const keys: string[] = [];
    for (const title of titles) keys.push((await f.act('/requests', co.client, { title, description: 'For the digest.' }, 201)).key!);
    await mailOut();
    // Nothing instant: they wait for nine o'clock (the manager's zone is UTC).
    expect((await mailboxOf(managerAddress)).length).toBe(before);
    await run(mailDigestWorkflow, [{ at: '2026-12-01T08:00:00Z' }]);
    expect((await mailboxOf(managerAddress)).length).toBe(before);
    await Promise.all([run(mailDigestWorkflow, [{ at: '2026-12-01T09:00:00Z' }]), run(mailDigestWorkflow, [{ at: '2026-12-01T09:20:00Z' }])]);
    const after = await mailboxOf(managerAddress);
    expect(after.length).toBe(before + 1);
    const digest = after.at(-1)!;
    expect(digest.subject).toBe('3 notifications from the desk');
    for (const key of keys) expect(digest.text).toContain(`[${key}]`);
    expect(digest.headers.get('auto-submitted')).toBe('auto-generated');
    // The next day's hour finds nothing more to send.
    await run(mailDigestWorkflow, [{ at: '2026-12-02T09:00:00Z' }]);
    expect((await mailboxOf(managerAddress)).length).toBe(before + 1);
    await h.http.put('/me/mail').set('Authorization', `Bearer ${co.manager.token}`).send({ modes: {} }).expect(200);
  });

  it('mail settings refuse bad input with problem+json and change nothing', async () => {
    const put = (body: unknown, who = co.backendSenior) => h.http.put('/me/mail').set('Authorization', `Bearer ${who.token}`).send(body as object);
    await put({ digestHour: 7, modes: { 'estimate.ready': 'none' } }).expect(200);
    for (const bad of [{ digestHour: 24 }, { digestHour: -1 }, { digestHour: 8.5 }, { digestHour: '8' }, { modes: { 'bogus.kind': 'instant' } }, { modes: { '*': 'sometimes' } }, { modes: [] }, { extra: true }]) {
      const res = await put(bad).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    await put({}, co.admin).expect(403);
    const now = (await h.get('/me/mail', co.backendSenior.token).expect(200)).body;
    expect(now).toMatchObject({ digestHour: 7, modes: { '*': 'instant', 'estimate.ready': 'none' } });
  });
});
