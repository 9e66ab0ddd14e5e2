import type { Knex } from 'knex';

// The projection of a request's state version as one call: the request row, its tasks and the
// records of the version, in one round trip instead of a dozen statements in a transaction. The
// caller (the API with an Update's answer, or the request's activity) builds the rows; this
// upserts them by version and number with the same rules as before: a late write of an earlier
// version adds its records but neither overwrites the request and its tasks nor removes anything.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function project_request(p jsonb) returns boolean language plpgsql as $$
    declare
      rid uuid := (p->'row'->>'id')::uuid;
      newest boolean;
      n integer;
    begin
      insert into requests (id, key, client_id, title, description, priority, stage, path, manager_id, version,
                            estimate_total_hours, state, created_at, updated_at, closed_at, deadline_at, triage_due_at, linked_from)
      select id, key, client_id, title, description, priority, stage, path, manager_id, version,
             estimate_total_hours, state, created_at, updated_at, closed_at, deadline_at, triage_due_at, linked_from
      from jsonb_populate_record(null::requests, p->'row')
      on conflict (id) do update set
        key = excluded.key, client_id = excluded.client_id, title = excluded.title, description = excluded.description,
        priority = excluded.priority, stage = excluded.stage, path = excluded.path, manager_id = excluded.manager_id,
        version = excluded.version, estimate_total_hours = excluded.estimate_total_hours, state = excluded.state,
        created_at = excluded.created_at, updated_at = excluded.updated_at, closed_at = excluded.closed_at,
        deadline_at = excluded.deadline_at, triage_due_at = excluded.triage_due_at, linked_from = excluded.linked_from
      where requests.version <= excluded.version;
      get diagnostics n = row_count;
      newest := n > 0;

      if newest and jsonb_array_length(p->'tasks') > 0 then
        insert into tasks (request_id, task_id, title, skill, assignee_id, status, priority, estimate_hours, buffer_hours,
                           approved_hours, rework_count, mentor_id, helper_ids, progress, deadline_at, updated_at)
        select request_id, task_id, title, skill, assignee_id, status, priority, estimate_hours, buffer_hours,
               approved_hours, rework_count, mentor_id, helper_ids, progress, deadline_at, updated_at
        from jsonb_populate_recordset(null::tasks, p->'tasks')
        on conflict (request_id, task_id) do update set
          title = excluded.title, skill = excluded.skill, assignee_id = excluded.assignee_id, status = excluded.status,
          priority = excluded.priority, estimate_hours = excluded.estimate_hours, buffer_hours = excluded.buffer_hours,
          approved_hours = excluded.approved_hours, rework_count = excluded.rework_count, mentor_id = excluded.mentor_id,
          helper_ids = excluded.helper_ids, progress = excluded.progress, deadline_at = excluded.deadline_at,
          updated_at = excluded.updated_at;
      end if;

      if jsonb_array_length(p->'events') > 0 then
        insert into audit_events (request_id, seq, at, actor_id, actor_role, type, detail)
        select request_id, seq, at, actor_id, actor_role, type, detail from jsonb_populate_recordset(null::audit_events, p->'events')
        on conflict (request_id, seq) do update set
          at = excluded.at, actor_id = excluded.actor_id, actor_role = excluded.actor_role, type = excluded.type, detail = excluded.detail;
      end if;

      if jsonb_array_length(p->'timeEntries') > 0 then
        insert into time_entries (id, request_id, task_id, person_id, role, minutes, category, billable, billable_reason, note, logged_at, revision)
        select id, request_id, task_id, person_id, role, minutes, category, billable, billable_reason, note, logged_at, revision
        from jsonb_populate_recordset(null::time_entries, p->'timeEntries')
        on conflict (id) do update set
          request_id = excluded.request_id, task_id = excluded.task_id, person_id = excluded.person_id, role = excluded.role,
          minutes = excluded.minutes, category = excluded.category, billable = excluded.billable,
          billable_reason = excluded.billable_reason, note = excluded.note, logged_at = excluded.logged_at, revision = excluded.revision
        where time_entries.revision <= excluded.revision;
      end if;

      if jsonb_array_length(p->'escalations') > 0 then
        insert into escalations (id, request_id, kind, owner_role, owner_id, task_id, cause, raised_at)
        select id, request_id, kind, owner_role, owner_id, task_id, cause, raised_at from jsonb_populate_recordset(null::escalations, p->'escalations')
        on conflict (id) do update set
          kind = excluded.kind, owner_role = excluded.owner_role, owner_id = excluded.owner_id, task_id = excluded.task_id,
          cause = excluded.cause, raised_at = excluded.raised_at;
      end if;

      -- Rows past the workflow's counters were written by a workflow task that was then discarded:
      -- the workflow never made them. Same-numbered rows were overwritten above (the latest wins).
      if newest and p->'counters' is not null and jsonb_typeof(p->'counters') = 'object' then
        delete from audit_events where request_id = rid and seq > (p->'counters'->>'events')::integer;
        delete from time_entries where request_id = rid and id ~ ':te:[0-9]+$'
          and (substring(id from ':te:([0-9]+)$'))::bigint > (p->'counters'->>'timeEntries')::bigint;
        delete from notifications where request_id = rid and id ~ ':N[0-9]+$'
          and (substring(id from ':N([0-9]+)$'))::bigint > (p->'counters'->>'notifications')::bigint;
        delete from escalations where request_id = rid and id ~ ':E[0-9]+$'
          and (substring(id from ':E([0-9]+)$'))::bigint > (p->'counters'->>'escalations')::bigint;
      end if;

      -- Escalations end with their request: a blocker on a closed request is nobody's to act on.
      if p->>'resolvedAt' is not null then
        update escalations set resolved_at = (p->>'resolvedAt')::timestamptz where request_id = rid and resolved_at is null;
      end if;

      if jsonb_array_length(p->'notifications') > 0 then
        insert into notifications (id, request_id, client_id, recipient_role, recipient_id, kind, text, created_at)
        select id, request_id, client_id, recipient_role, recipient_id, kind, text, created_at
        from jsonb_populate_recordset(null::notifications, p->'notifications')
        on conflict (id) do update set
          recipient_role = excluded.recipient_role, recipient_id = excluded.recipient_id, kind = excluded.kind,
          text = excluded.text, created_at = excluded.created_at;
      end if;
      return newest;
    end;
    $$
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists project_request(jsonb)');
}
