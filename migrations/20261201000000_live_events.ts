import type { Knex } from 'knex';

// Live pages: the read model says what changed on the `desk_events` channel (LISTEN/NOTIFY), once
// per statement, at commit. A notice names a request and whose it is, never its content; the API
// passes it on only to people who may see that request (src/api/live.ts). A statement touching
// many rows (an import, a migration) sends one `bulk` notice instead of one per row.
const BULK = 20;

const requestsFn = `
create or replace function desk_live_requests() returns trigger language plpgsql as $$
begin
  if (select count(*) from changed) > ${BULK} then
    perform pg_notify('desk_events', json_build_object('k', 'bulk')::text);
  else
    perform pg_notify('desk_events', json_build_object('k', 'request', 'id', c.id, 'c', c.client_id, 'm', c.manager_id)::text) from changed c;
  end if;
  return null;
end $$`;

/** Tasks and messages name their request; an internal note's notice is for staff only. */
const childFn = (name: string, staffOnly: string) => `
create or replace function ${name}() returns trigger language plpgsql as $$
begin
  if (select count(*) from changed) > ${BULK} then
    perform pg_notify('desk_events', json_build_object('k', 'bulk')::text);
  else
    perform pg_notify('desk_events', json_build_object('k', 'request', 'id', r.id, 'c', r.client_id, 'm', r.manager_id, 's', x.staff)::text)
    from (select request_id, bool_and(${staffOnly}) as staff from changed group by request_id) x join requests r on r.id = x.request_id;
  end if;
  return null;
end $$`;

const escalationsFn = `
create or replace function desk_live_escalations() returns trigger language plpgsql as $$
begin
  perform pg_notify('desk_events', json_build_object('k', 'escalation')::text) where exists (select 1 from changed);
  return null;
end $$`;

const notificationsFn = `
create or replace function desk_live_notifications() returns trigger language plpgsql as $$
begin
  if (select count(*) from changed) > ${BULK} then
    perform pg_notify('desk_events', json_build_object('k', 'bulk')::text);
  else
    perform pg_notify('desk_events', json_build_object('k', 'inbox', 'r', n.recipient_id, 'role', n.recipient_role, 'c', n.client_id)::text)
    from (select distinct recipient_id, recipient_role, client_id from changed) n;
  end if;
  return null;
end $$`;

const TRIGGERS: [table: string, fn: string][] = [
  ['requests', 'desk_live_requests'],
  ['tasks', 'desk_live_tasks'],
  ['messages', 'desk_live_messages'],
  ['escalations', 'desk_live_escalations'],
  ['notifications', 'desk_live_notifications'],
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(requestsFn);
  await knex.raw(childFn('desk_live_tasks', 'false'));
  await knex.raw(childFn('desk_live_messages', 'internal'));
  await knex.raw(escalationsFn);
  await knex.raw(notificationsFn);
  for (const [table, fn] of TRIGGERS) {
    // A trigger with a transition table fires on one event only: one for inserts, one for updates.
    await knex.raw(`create trigger ${table}_live_insert after insert on ${table} referencing new table as changed for each statement execute function ${fn}()`);
    await knex.raw(`create trigger ${table}_live_update after update on ${table} referencing new table as changed for each statement execute function ${fn}()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, fn] of TRIGGERS) {
    await knex.raw(`drop trigger if exists ${table}_live_insert on ${table}`);
    await knex.raw(`drop trigger if exists ${table}_live_update on ${table}`);
    await knex.raw(`drop function if exists ${fn}()`);
  }
}
