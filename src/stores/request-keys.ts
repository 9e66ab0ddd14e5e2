// Request keys (`ACME-42`): each client's prefix and its sequence. A key is given once, at intake,
// and never again: the client's counter only grows, and `request_keys` holds every key given.
import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/knex';
import { freePrefix, prefixFromName, requestKey } from '../domain/keys';

const UNIQUE_VIOLATION = '23505';
const isUnique = (err: unknown) => (err as { code?: string }).code === UNIQUE_VIOLATION;

/** The client's prefix, chosen from its name the first time one is needed (unique among clients). */
export async function ensurePrefix(db: Db, clientId: string, wanted?: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const row = await db('clients').where({ id: clientId }).first<{ key_prefix: string | null; name: string } | undefined>('key_prefix', 'name');
    if (!row) throw new Error(`no client ${clientId}`);
    if (row.key_prefix) return row.key_prefix;
    const base = wanted ?? prefixFromName(row.name);
    const taken = await rowsOf<string[]>(db('clients').where('key_prefix', 'like', `${base.slice(0, 6)}%`).pluck('key_prefix'));
    const prefix = wanted ?? freePrefix(base, taken);
    try {
      await db('clients').where({ id: clientId }).whereNull('key_prefix').update({ key_prefix: prefix });
    } catch (err) {
      // Another client took the same prefix a moment ago: choose again.
      if (!isUnique(err) || wanted !== undefined || attempt > 20) throw err;
    }
  }
}

/** Whether a prefix is free for a new client. */
export async function prefixTaken(db: Db, prefix: string): Promise<boolean> {
  return (await db('clients').where({ key_prefix: prefix }).first('id')) !== undefined;
}

/** The next key of the client, recorded for this request, inside the caller's transaction. */
async function nextKey(trx: Knex.Transaction, clientId: string, prefix: string, requestId: string): Promise<string> {
  const [row] = await rowsOf<{ request_seq: number }[]>(trx('clients').where({ id: clientId }).increment('request_seq', 1).returning('request_seq'));
  const key = requestKey(prefix, row!.request_seq);
  await trx('request_keys').insert({ key, client_id: clientId, request_id: requestId });
  return key;
}

/** The key of this request, given now if it has none yet (idempotent: a retry gets the same key). */
export async function allocateRequestKey(db: Db, clientId: string, requestId: string): Promise<string> {
  const prefix = await ensurePrefix(db, clientId);
  return db.transaction(async (trx) => {
    const have = await trx('request_keys').where({ request_id: requestId }).first<{ key: string } | undefined>('key');
    if (have) return have.key;
    // The client's row is locked until commit: keys of one client are given one after another.
    await trx('clients').where({ id: clientId }).forUpdate().first('id');
    const again = await trx('request_keys').where({ request_id: requestId }).first<{ key: string } | undefined>('key');
    return again ? again.key : nextKey(trx, clientId, prefix, requestId);
  });
}

/**
 * A request being filed: its id and key. Under an Idempotency-Key, the first call's id and key
 * (with the hash of the body it was sent with); otherwise new ones.
 */
export async function fileRequest(
  db: Db,
  f: { personId: string; idempotencyKey?: string | undefined; bodyHash: string; clientId: string; requestId: string },
): Promise<{ requestId: string; key: string | undefined; bodyHash: string; replayed: boolean }> {
  const prefix = await ensurePrefix(db, f.clientId);
  return db.transaction(async (trx) => {
    if (f.idempotencyKey !== undefined) {
      const inserted = await trx('request_idempotency_keys')
        .insert({ person_id: f.personId, key: f.idempotencyKey, request_id: f.requestId, body_hash: f.bodyHash })
        .onConflict(['person_id', 'key'])
        .ignore()
        .returning('request_id');
      if (inserted.length === 0) {
        const stored = await trx('request_idempotency_keys').where({ person_id: f.personId, key: f.idempotencyKey }).first<{ request_id: string; body_hash: string }>('request_id', 'body_hash');
        const key = await trx('request_keys').where({ request_id: stored.request_id }).first<{ key: string } | undefined>('key');
        return { requestId: stored.request_id, key: key?.key, bodyHash: stored.body_hash, replayed: true };
      }
    }
    return { requestId: f.requestId, key: await nextKey(trx, f.clientId, prefix, f.requestId), bodyHash: f.bodyHash, replayed: false };
  });
}
