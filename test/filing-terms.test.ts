// What a request is filed with, read in one query (the API's and the mailbox's filing), and the
// month's hours an estimate and a hold are counted against, worked out in PostgreSQL: the same as
// the rules read them one by one (`intakeTerms`, `requestContextFor`, `monthSummary`, `monthOf`).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, monthOf } from '../src/domain';
import { insertClient, insertSubscription } from '../src/stores/clients';
import { filingTerms, intakeTerms } from '../src/stores/intake';
import { hoursLeftAt, monthSummary, reserve } from '../src/stores/ledger';
import { addPolicyVersion, createPolicy, requestContextFor } from '../src/stores/policies';
import { Flow } from './support/flow';
import { makeCompany, openHarness, type Company, type Harness } from './support/harness';

let h: Harness;
let co: Company;

beforeAll(async () => {
  h = await openHarness();
  co = await makeCompany(h);
});
afterAll(async () => h?.close());

async function client(o: { manager?: string; timezone?: string; policyId?: string; autoClose?: number; subscription?: boolean } = {}): Promise<string> {
  const c = await insertClient(h.db, { name: `Filing ${randomUUID().slice(0, 8)}`, ...(o.manager ? { accountManagerId: o.manager } : {}) });
  if (o.subscription !== false) {
    await insertSubscription(h.db, c.id, { monthlyHours: 20, timezone: o.timezone ?? 'Asia/Tokyo', startsOn: '2026-01-01', rolloverUnused: false, ...(o.policyId ? { policyId: o.policyId } : {}), ...(o.autoClose ? { autoCloseAfterDays: o.autoClose } : {}) });
  }
  return c.id;
}

describe('filing terms in one query', () => {
  it('are the intake terms and the policy context read one by one, whatever the client', async () => {
    const policy = await createPolicy(h.db, { name: `Filing ${randomUUID().slice(0, 8)}`, policy: { ...DEFAULT_POLICY, quickAnswerMinutes: 17 }, by: co.admin.id });
    await addPolicyVersion(h.db, policy!.id, { policy: { ...DEFAULT_POLICY, quickAnswerMinutes: 23 }, by: co.admin.id });
    const leaving = await h.post('/admin/staff', co.admin.token, { name: 'Leaving manager', email: `leaving-${randomUUID().slice(0, 8)}@test.example`, role: 'manager' });
    await h.db('staff').where({ id: leaving.body.id as string }).update({ active: false });
    const clients = [
      co.clientId,
      await client({ manager: co.manager.id, policyId: policy!.id, autoClose: 9 }),
      await client({ manager: leaving.body.id as string, timezone: 'America/Sao_Paulo' }),
      await client({ subscription: false }),
    ];
    for (const id of clients) {
      const terms = await filingTerms(h.db, id);
      expect(terms.intake, id).toEqual(await intakeTerms(h.db, id));
      expect(terms.context, id).toEqual(await requestContextFor(h.db, id));
    }
    // The client's own policy at its latest version, and the inactive account manager replaced.
    expect((await filingTerms(h.db, clients[1]!)).context.quickAnswerMinutes).toBe(23);
    expect((await filingTerms(h.db, clients[2]!)).intake.managerId).not.toBe(leaving.body.id);
  });
});

describe("the month's hours, in the client's time zone", () => {
  it('R14 hours left at the turn of the month are those of the month it is where the client is', async () => {
    const id = await client({ timezone: 'Asia/Tokyo' });
    // 30 November 20:00 UTC is already 1 December in Tokyo.
    const at = '2026-11-30T20:00:00.000Z';
    expect(monthOf(at, 'Asia/Tokyo')).toBe('2026-12-01');
    await h.db('hour_ledger').insert([
      { key: `${id}:nov`, client_id: id, request_id: null, period: '2026-11-01', kind: 'reservation', hours: 7 },
      { key: `${id}:dec`, client_id: id, request_id: null, period: '2026-12-01', kind: 'reservation', hours: 3.5 },
      { key: `${id}:dec-w`, client_id: id, request_id: null, period: '2026-12-01', kind: 'writeoff', hours: 2 },
      { key: `${id}:dec-r`, client_id: id, request_id: null, period: '2026-12-01', kind: 'release', hours: 1 },
    ]);
    const december = await monthSummary(h.db, id, '2026-12-01');
    expect(await hoursLeftAt(h.db, id, at)).toBe(december.freeHours);
    expect(december.freeHours).toBe(20 - 2.5 - 2);
    expect(await hoursLeftAt(h.db, id, '2026-11-30T14:00:00.000Z')).toBe((await monthSummary(h.db, id, '2026-11-01')).freeHours);
  });

  it('R24 a hold lands in the month it is where the client is, once per key', async () => {
    // The company's client keeps Berlin time: 30 November 23:30 UTC is already 1 December there.
    const requestId = await new Flow(h, co).file('Held at the turn of the month');
    const at = '2026-11-30T23:30:00.000Z';
    const key = `${requestId}:turn`;
    for (let i = 0; i < 3; i++) await reserve(h.db, { requestId, clientId: co.clientId, key, hours: 4, at });
    const rows: { period: string; hours: string }[] = await h.db('hour_ledger').where({ key }).select(h.db.raw('period::text as period'), 'hours');
    expect(rows.map((r) => [r.period, Number(r.hours)])).toEqual([['2026-12-01', 4]]);
    expect(monthOf(at, 'Europe/Berlin')).toBe('2026-12-01');
  });
});
