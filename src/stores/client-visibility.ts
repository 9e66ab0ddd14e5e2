// Who sees which client's data (their requests, months, statements), in one place, one rule per
// role: a client contact their own organisation; a manager the clients they are account manager
// of or manage a request of; the head and the administrator every client; a specialist none.
// Anything else is 404, never 403: the client's existence is not revealed.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { Actor } from '../domain';

/** Narrows a query over `clients` to those the actor may see. */
export function clientsVisibleTo<Q extends Knex.QueryBuilder>(db: Db, actor: Actor, q: Q): Q {
  if (actor.role === 'head' || actor.role === 'admin') return q;
  if (actor.role === 'client') return q.where('clients.id', actor.clientId ?? '00000000-0000-0000-0000-000000000000') as Q;
  if (actor.role === 'manager') {
    return q.where((w) =>
      w.where('clients.account_manager_id', actor.id).orWhereExists(db('requests').whereRaw('requests.client_id = clients.id').where('requests.manager_id', actor.id)),
    ) as Q;
  }
  return q.whereRaw('false') as Q;
}

export async function canSeeClient(db: Db, actor: Actor, clientId: string): Promise<boolean> {
  return (await clientsVisibleTo(db, actor, db('clients').where('clients.id', clientId)).first('clients.id')) !== undefined;
}
