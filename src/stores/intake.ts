// A request's intake terms (its manager, the subscription's terms) and the policy it is filed
// under, read once at filing (by the API or the mailbox), so the workflow starts without a round trip.
import type { Db } from '../db/knex';
import type { Policy, RequestContext } from '../domain';
import type { IntakeTerms } from '../shared/contract';
import { subscriptionTerms } from './ledger';
import { responsibleManager } from './people';
import { contextOf } from './policies';

export async function intakeTerms(db: Db, clientId: string): Promise<IntakeTerms> {
  return { managerId: await responsibleManager(db, clientId), ...(await subscriptionTerms(db, clientId)) };
}

/**
 * What a request of this client is filed with, in one query: its intake terms and the context of
 * the subscription's policy at its latest version (as `intakeTerms` and `requestContextFor` read
 * them). The client's account manager is its manager while active; else the least-loaded one.
 */
export async function filingTerms(db: Db, clientId: string): Promise<{ intake: IntakeTerms; context: RequestContext }> {
  const { rows } = await db.raw<{
    rows: { timezone: string | null; auto_close_after_days: number | null; account_manager_id: string | null; manager_active: boolean | null; policy_id: string; name: string; version: number; body: Policy }[];
  }>(
    `select s.timezone, s.auto_close_after_days, c.account_manager_id, m.active as manager_active, v.policy_id, p.name, v.version, v.body
       from clients c
       left join lateral (select timezone, auto_close_after_days, policy_id from subscriptions where client_id = c.id order by starts_on desc limit 1) s on true
       left join staff m on m.id = c.account_manager_id
       join lateral (
         select policy_id, version, body from policy_versions
          where policy_id = coalesce(s.policy_id, (select id from policies where is_default limit 1))
          order by version desc limit 1
       ) v on true
       join policies p on p.id = v.policy_id
      where c.id = ?`,
    [clientId],
  );
  const row = rows[0];
  if (!row) throw new Error(`no client ${clientId}, or no company default policy: run the migrations`);
  const timeZone = row.timezone ?? 'UTC';
  const managerId = row.account_manager_id && row.manager_active ? row.account_manager_id : await responsibleManager(db, clientId);
  return {
    intake: { managerId, timeZone, ...(row.auto_close_after_days ? { autoCloseAfterDays: row.auto_close_after_days } : {}) },
    context: contextOf({ ref: { policyId: row.policy_id, name: row.name, version: row.version }, policy: row.body, timeZone, autoCloseOverride: row.auto_close_after_days }),
  };
}
