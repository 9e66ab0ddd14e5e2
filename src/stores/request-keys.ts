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
 * (with the hash of the body it was sent with); otherwise new ones. One statement (its own
 * transaction) once the client has its prefix: the key, the next of the client's sequence, is
 * given only with a new request.
 */
export async function fileRequest(
  db: Db,
  f: { personId: string; idempotencyKey?: string | undefined; bodyHash: string; clientId: string; requestId: string },
): Promise<{ requestId: string; key: string | undefined; bodyHash: string; replayed: boolean }> {
  const keyed = f.idempotencyKey !== undefined;
  for (let attempt = 0; ; attempt++) {
    const { rows } = await db.raw<{ rows: { key: string | null; prefixed: boolean }[] }>(
      `with ${
        keyed
          ? `ins as (
        insert into request_idempotency_keys (person_id, key, request_id, body_hash)
        select :person, :idem, :request, :hash where exists (select 1 from clients where id = :client and key_prefix is not null)
        on conflict (person_id, key) do nothing returning request_id
      ), `
          : ''
      }seq as (
        update clients set request_seq = request_seq + 1
         where id = :client and key_prefix is not null ${keyed ? 'and exists (select 1 from ins)' : ''}
        returning key_prefix || '-' || request_seq as key
      ), given as (
        insert into request_keys (key, client_id, request_id) select key, :client, :request from seq returning key
      )
      select (select key from given) as key, exists (select 1 from clients where id = :client and key_prefix is not null) as prefixed`,
      { person: f.personId, idem: f.idempotencyKey ?? null, request: f.requestId, hash: f.bodyHash, client: f.clientId },
    );
    const row = rows[0]!;
    if (row.key !== null) return { requestId: f.requestId, key: row.key, bodyHash: f.bodyHash, replayed: false };
    if (keyed) {
      // The key was used before (its first call may still be committing: then look again).
      const stored = await db('request_idempotency_keys').where({ person_id: f.personId, key: f.idempotencyKey }).first<{ request_id: string; body_hash: string } | undefined>('request_id', 'body_hash');
      if (stored) {
        const key = await db('request_keys').where({ request_id: stored.request_id }).first<{ key: string } | undefined>('key');
        return { requestId: stored.request_id, key: key?.key, bodyHash: stored.body_hash, replayed: true };
      }
    }
    if (!row.prefixed) await ensurePrefix(db, f.clientId);
    if (attempt > 5) throw new Error(`no key could be given to a request of client ${f.clientId}`);
  }
}
