import type { Knex } from 'knex';

// Each specialist's load kept on their staff row by a trigger on the allocation ledger, so choosing
// an assignee reads one row per candidate instead of summing every open task. The weights are R11's (critical 1.5, high 1.25, normal 1,
// low 0.75); a test checks they agree with the domain's.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff', (t) => {
    t.decimal('load_hours', 10, 2).notNullable().defaultTo(0);
    t.decimal('weighted_load_hours', 10, 2).notNullable().defaultTo(0);
  });
  await knex.raw(`
    create function task_assignment_weight(priority text) returns numeric language sql immutable as $$
      select case priority when 'critical' then 1.5 when 'high' then 1.25 when 'normal' then 1 when 'low' then 0.75 else 1 end
    $$;

    create function task_assignments_keep_load() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.status = 'assigned' and old.assignee_id is not null then
        update staff set load_hours = load_hours - old.hours,
                         weighted_load_hours = weighted_load_hours - old.hours * task_assignment_weight(old.priority)
        where id = old.assignee_id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.status = 'assigned' and new.assignee_id is not null then
        update staff set load_hours = load_hours + new.hours,
                         weighted_load_hours = weighted_load_hours + new.hours * task_assignment_weight(new.priority)
        where id = new.assignee_id;
      end if;
      return null;
    end
    $$;

    create trigger task_assignments_keep_load
      after insert or update of status, assignee_id, hours, priority or delete on task_assignments
      for each row execute function task_assignments_keep_load();

    update staff set load_hours = l.hours, weighted_load_hours = l.weighted
    from (select assignee_id, sum(hours) hours, sum(hours * task_assignment_weight(priority)) weighted
          from task_assignments where status = 'assigned' and assignee_id is not null group by assignee_id) l
    where staff.id = l.assignee_id;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists task_assignments_keep_load on task_assignments;
    drop function if exists task_assignments_keep_load();
    drop function if exists task_assignment_weight(text);
  `);
  await knex.schema.alterTable('staff', (t) => {
    t.dropColumn('load_hours');
    t.dropColumn('weighted_load_hours');
  });
}
