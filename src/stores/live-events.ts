// The read model's change notices (migrations/20261201000000_live_events.ts): a listening
// connection on the `desk_events` channel, and which of the requests named a person may see.
import pg from 'pg';
import { rowsOf, type Db } from '../db/knex';
import type { Actor } from '../domain';
import { visibleTo } from './requests';

export const DESK_EVENTS = 'desk_events';

/** A connection of its own (outside the pool) that hears every notice; `onNotice` gets each payload. */
export async function listenToDeskEvents(db: Db, onNotice: (payload: string) => void, onLost: (err?: Error) => void): Promise<{ end: () => Promise<void> }> {
  return listenTo(db, DESK_EVENTS, (payload) => payload && onNotice(payload), onLost);
}

/** A connection of its own (outside the pool) listening on one channel; `onLost` when it drops. */
export async function listenTo(db: Db, channel: string, onNotice: (payload: string) => void, onLost: (err?: Error) => void): Promise<{ end: () => Promise<void> }> {
  const connection = (db.client as { config: { connection: string | pg.ClientConfig } }).config.connection;
  const client = new pg.Client(connection);
  let ended = false;
  client.on('notification', (msg) => {
    if (msg.channel === channel) onNotice(msg.payload ?? '');
  });
  client.on('error', (err) => {
    if (!ended) onLost(err);
  });
  client.on('end', () => {
    if (!ended) onLost();
  });
  await client.connect();
  await client.query(`listen ${channel}`);
  return {
    end: async () => {
      ended = true;
      await client.end().catch(() => undefined);
    },
  };
}

/** Of these requests, the ones this person may see (the list's rule), in one query. */
export async function visibleRequestIds(db: Db, actor: Actor, ids: string[]): Promise<string[]> {
  const rows = await rowsOf<{ id: string }[]>(visibleTo(db, actor, db('requests').whereIn('requests.id', ids)).select('requests.id'));
  return rows.map((r) => r.id);
}
