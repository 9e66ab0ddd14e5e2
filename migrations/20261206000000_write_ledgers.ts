import type { Knex } from 'knex';

// A request's steps on the allocation and hour ledgers, and its write-off, as one call: the hours
// held (R24), the task budgets, the priority in the queues (R11), the tasks that give their hours
// back, then at the end the held hours released and the billable ones written off (R25). Each
// step is idempotent, as the statements it replaces were: a hold or a write-off once per key, a
// row changed only when its value does (so the load trigger does not run for nothing). One
// round trip and one transaction instead of one statement per step. It answers whether waiting
// tasks may now go (R8, R9, R11): hours came back or a priority moved, and some task waits or an
// assignment is still to be told to its request.
export async function up(knex: Knex): Promise<void> {
  // R25: the hours a request still holds, given back once per month they were held in (its key
  // names the month as 'YYYY-MM-DD', whatever the server's DateStyle).
  await knex.raw(`
    create function release_held(rid uuid, cid uuid) returns void language sql as $$
      insert into hour_ledger (key, client_id, request_id, period, kind, hours)
      select 'release:' || rid || ':' || to_char(held.period, 'YYYY-MM-DD'), cid, rid, held.period, 'release', held.hours
        from (select period, sum(case when kind = 'reservation' then hours else -hours end) as hours
                from hour_ledger where request_id = rid and kind in ('reservation', 'release') group by period) held
       where held.hours > 0
      on conflict (key) do nothing
    $$
  `);
  await knex.raw(`
    create function write_ledgers(p jsonb) returns boolean language plpgsql as $$
    declare
      rid uuid := (p->>'requestId')::uuid;
      cid uuid := (p->>'clientId')::uuid;
      step jsonb;
      tz text;
      moved boolean := false;
    begin
      for step in select value from jsonb_array_elements(coalesce(p->'steps', '[]'::jsonb)) loop
        if jsonb_typeof(step->'reserve') = 'object' and (step->'reserve'->>'hours')::numeric > 0 then
          tz := coalesce(tz, (select timezone from subscriptions where client_id = cid order by starts_on desc limit 1), 'UTC');
          insert into hour_ledger (key, client_id, request_id, period, kind, hours)
          values (step->'reserve'->>'key', cid, rid,
                  date_trunc('month', (step->'reserve'->>'at')::timestamptz at time zone tz)::date,
                  'reservation', (step->'reserve'->>'hours')::numeric)
          on conflict (key) do nothing;
        end if;
        if jsonb_typeof(step->'hours') = 'object' then
          update task_assignments a set hours = round(h.value::numeric, 2)
            from jsonb_each_text(step->'hours') h
           where a.request_id = rid and a.task_id = h.key and a.hours <> round(h.value::numeric, 2);
        end if;
        if step->>'priority' is not null then
          update task_assignments
             set priority = step->>'priority',
                 priority_rank = array_position(array['critical', 'high', 'normal', 'low'], step->>'priority') - 1
           where request_id = rid and priority is distinct from step->>'priority';
          moved := true;
        end if;
        if jsonb_typeof(step->'release') = 'array' and jsonb_array_length(step->'release') > 0 then
          update task_assignments set status = 'released'
           where request_id = rid and task_id in (select jsonb_array_elements_text(step->'release')) and status <> 'released';
          moved := true;
        end if;
      end loop;

      if jsonb_typeof(p->'settle') = 'object' then
        tz := coalesce(tz, (select timezone from subscriptions where client_id = cid order by starts_on desc limit 1), 'UTC');
        perform release_held(rid, cid);
        -- The billable hours, written off in the month of closure.
        insert into hour_ledger (key, client_id, request_id, period, kind, hours, detail)
        values ('writeoff:' || rid, cid, rid,
                date_trunc('month', (p->'settle'->>'at')::timestamptz at time zone tz)::date,
                'writeoff', (p->'settle'->>'hours')::numeric, p->'settle'->'detail')
        on conflict (key) do nothing;
      end if;

      return moved and exists (
        select 1 from task_assignments
         where status in ('queued', 'missing_skill') or (status = 'assigned' and notified_at is null));
    end;
    $$
  `);
  // The dispatcher's assignments still to be told to their requests: found without reading every assignment.
  await knex.raw(`create index task_assignments_untold_idx on task_assignments (priority_rank, queued_at) where status = 'assigned' and notified_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists task_assignments_untold_idx');
  await knex.raw('drop function if exists write_ledgers(jsonb)');
  await knex.raw('drop function if exists release_held(uuid, uuid)');
}
