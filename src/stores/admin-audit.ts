// The administrative audit trail: every change to people, clients, subscriptions, contacts,
// tokens and absences, with who made it, what changed and why.
import type { Db } from '../db/knex';
import type { Actor } from '../domain';

export function recordAdminChange(db: Db, actor: Actor, action: string, targetId: string, detail: object, reason?: string) {
  return db('admin_audit').insert({ actor_id: actor.id, actor_role: actor.role, action, target_id: targetId, detail: JSON.stringify(detail), reason: reason ?? null });
}

export interface AdminChange {
  id: number;
  at: string;
  actorId: string;
  actorRole: string;
  action: string;
  targetId: string;
  detail: object;
  reason: string | null;
}

/** The trail, newest first: of one target, before an id (keyset). */
export async function adminChanges(db: Db, q: { targetId?: string | undefined; before?: number | undefined; limit: number }): Promise<AdminChange[]> {
  let query = db('admin_audit').orderBy('id', 'desc').limit(q.limit);
  if (q.targetId) query = query.where('target_id', q.targetId);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = (await query) as { id: string; at: Date; actor_id: string; actor_role: string; action: string; target_id: string; detail: object; reason: string | null }[];
  return rows.map((r) => ({ id: Number(r.id), at: r.at.toISOString(), actorId: r.actor_id, actorRole: r.actor_role, action: r.action, targetId: r.target_id, detail: r.detail, reason: r.reason }));
}
