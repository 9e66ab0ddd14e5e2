// The administrative audit trail: every change to people, clients, subscriptions, contacts,
// tokens and absences, with who made it, what changed and why.
import type { Request } from 'express';
import type { Db } from '../db/knex';
import { actorOf } from './auth';

export function recordAdminChange(db: Db, req: Request, action: string, targetId: string, detail: object, reason?: string) {
  const actor = actorOf(req);
  return db('admin_audit').insert({ actor_id: actor.id, actor_role: actor.role, action, target_id: targetId, detail: JSON.stringify(detail), reason: reason ?? null });
}
