// A person's own settings: the language the desk speaks to them (null: their browser's).
import type { Db } from '../db/knex';
import type { Actor } from '../domain';

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The table a person's row is in: a client's contacts, or the staff. */
export const tableOf = (actor: Actor) => (actor.role === 'client' ? 'client_contacts' : 'staff');

export async function languageOf(db: Db, actor: Actor): Promise<Language | null> {
  const row = await db(tableOf(actor)).where({ id: actor.id }).first<{ language: Language | null } | undefined>('language');
  return row?.language ?? null;
}

export async function setLanguage(db: Db, actor: Actor, language: Language | null): Promise<void> {
  await db(tableOf(actor)).where({ id: actor.id }).update({ language });
}

/** The time zone a person reads times in: staff their own, a client contact their organisation's (its subscription's). */
export async function timeZoneOfPerson(db: Db, actor: Actor): Promise<string> {
  if (actor.role !== 'client') {
    const row = await db('staff').where({ id: actor.id }).first<{ timezone: string | null } | undefined>('timezone');
    return row?.timezone ?? 'UTC';
  }
  const row = await db('subscriptions').where({ client_id: actor.clientId ?? '' }).orderBy('starts_on', 'desc').first<{ timezone: string } | undefined>('timezone');
  return row?.timezone ?? 'UTC';
}
