import type { Knex } from 'knex';

// A request's notice on `desk_events` carries the version the read model now holds (`v`): an API
// process that keeps who may see a request (src/api/visibility-cache.ts) forgets what it kept of an
// older version, and keeps what it wrote itself of this one.
const BULK = 20;

const requestsFn = (v: string) => `
create or replace function desk_live_requests() returns trigger language plpgsql as $$
begin
  if (select count(*) from changed) > ${BULK} then
    perform pg_notify('desk_events', json_build_object('k', 'bulk')::text);
  else
    perform pg_notify('desk_events', json_build_object('k', 'request', 'id', c.id, 'c', c.client_id, 'm', c.manager_id${v})::text) from changed c;
  end if;
  return null;
end $$`;

const childFn = (name: string, staffOnly: string, v: string) => `
create or replace function ${name}() returns trigger language plpgsql as $$
begin
  if (select count(*) from changed) > ${BULK} then
    perform pg_notify('desk_events', json_build_object('k', 'bulk')::text);
  else
    perform pg_notify('desk_events', json_build_object('k', 'request', 'id', r.id, 'c', r.client_id, 'm', r.manager_id, 's', x.staff${v})::text)
    from (select request_id, bool_and(${staffOnly}) as staff from changed group by request_id) x join requests r on r.id = x.request_id;
  end if;
  return null;
end $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(requestsFn(", 'v', c.version"));
  await knex.raw(childFn('desk_live_tasks', 'false', ", 'v', r.version"));
  await knex.raw(childFn('desk_live_messages', 'internal', ", 'v', r.version"));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(requestsFn(''));
  await knex.raw(childFn('desk_live_tasks', 'false', ''));
  await knex.raw(childFn('desk_live_messages', 'internal', ''));
}
