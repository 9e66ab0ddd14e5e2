// Subscription policies: the administrator edits them (every save is a new version), the head and
// managers read them; a request's page shows its version and what moving it to the client's
// current one would change.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, act, api, type Problem } from '../api';
import type { paths } from '../api-types';
import { Action } from '../Action';
import { useLocale } from '../i18n';
import { ProblemText } from './SignIn';

type PolicyList = paths['/admin/policies']['get']['responses'][200]['content']['application/json']['items'];
type PolicyDetail = paths['/admin/policies/{id}']['get']['responses'][200]['content']['application/json'];
type Policy = PolicyDetail['policy'];
type RequestPolicy = paths['/requests/{id}/policy']['get']['responses'][200]['content']['application/json'];

/** The policy's fields as the form holds them: text, as typed. */
function toForm(p: Policy): Record<string, string> {
  const rollover = p.rollover as { mode: string; maxHours?: number; months?: number };
  return {
    critical: String(p.triageSlaMinutes.critical),
    high: String(p.triageSlaMinutes.high),
    normal: String(p.triageSlaMinutes.normal),
    low: String(p.triageSlaMinutes.low),
    grace: String(p.deadlineGraceMinutes),
    every: String(p.reminders.everyHours),
    count: String(p.reminders.count),
    autoClose: p.autoCloseAfterDays === null ? '' : String(p.autoCloseAfterDays),
    bufferLow: String(p.riskBuffer.low),
    bufferMedium: String(p.riskBuffer.medium),
    bufferHigh: String(p.riskBuffer.high),
    largeHours: String(p.riskBuffer.largeWorkHours),
    largeExtra: String(p.riskBuffer.largeWorkExtra),
    quick: String(p.quickAnswerMinutes),
    mode: rollover.mode,
    maxHours: rollover.maxHours === undefined ? '' : String(rollover.maxHours),
    months: rollover.months === undefined ? '' : String(rollover.months),
    underuse: String(p.underuseCheckDay),
    zone: p.calendar.timeZone ?? '',
    workdays: p.calendar.workdays.join(','),
    shifts: p.calendar.hours.map((h) => `${h.from}-${h.to}`).join(', '),
    holidays: p.calendar.holidays.join(', '),
  };
}

/** The form as the API wants it; the API checks every range and names a field it refuses. */
function fromForm(f: Record<string, string>): Policy {
  const n = (k: string) => Number(f[k]);
  const mode = f.mode ?? 'none';
  return {
    triageSlaMinutes: { critical: n('critical'), high: n('high'), normal: n('normal'), low: n('low') },
    deadlineGraceMinutes: n('grace'),
    reminders: { everyHours: n('every'), count: n('count') },
    autoCloseAfterDays: f.autoClose ? n('autoClose') : null,
    riskBuffer: { low: n('bufferLow'), medium: n('bufferMedium'), high: n('bufferHigh'), largeWorkHours: n('largeHours'), largeWorkExtra: n('largeExtra') },
    quickAnswerMinutes: n('quick'),
    rollover: (mode === 'none' ? { mode } : mode === 'all' ? { mode, months: n('months') } : { mode, maxHours: n('maxHours'), months: n('months') }) as Policy['rollover'],
    underuseCheckDay: n('underuse'),
    calendar: {
      timeZone: f.zone?.trim() ? f.zone.trim() : null,
      workdays: (f.workdays ?? '').split(',').filter(Boolean).map(Number),
      hours: (f.shifts ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
        .map((x) => {
          const [from = '', to = ''] = x.split('-').map((y) => y.trim());
          return { from, to };
        }),
      holidays: (f.holidays ?? '')
        .split(/[\s,]+/)
        .map((x) => x.trim())
        .filter(Boolean),
    },
  };
}

function PolicyForm({ initial, title, named, onSave }: { initial: Policy; title: string; named: boolean; onSave: (body: object) => Promise<void> }) {
  const { t } = useLocale();
  const id = useId();
  const [f, setF] = useState<Record<string, string>>(() => toForm(initial));
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setF(toForm(initial)), [initial]);
  const field = (key: string, label: string, type = 'number', step?: number) => (
    <label>
      {label}
      <input type={type} step={step} value={f[key] ?? ''} onChange={(e) => setF({ ...f, [key]: e.target.value })} />
    </label>
  );
  const days = (f.workdays ?? '').split(',').filter(Boolean).map(Number);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onSave({ ...fromForm(f), ...(named ? { name } : {}), ...(note.trim() ? { note } : {}) });
      setProblem(null);
      setNote('');
      setName('');
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { status: 0, title: String(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="action policy-form" aria-labelledby={`${id}-t`} onSubmit={(e) => void submit(e)}>
      <h3 id={`${id}-t`}>{title}</h3>
      {named ? (
        <label>
          {t.policyName}
          <input type="text" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      ) : null}
      <fieldset>
        <legend>{t.triageSla}</legend>
        {field('critical', t.priorities.critical ?? 'critical')}
        {field('high', t.priorities.high ?? 'high')}
        {field('normal', t.priorities.normal ?? 'normal')}
        {field('low', t.priorities.low ?? 'low')}
      </fieldset>
      {field('grace', t.graceMinutes)}
      {field('every', t.reminderEvery)}
      {field('count', t.reminderCount)}
      {field('autoClose', t.autoCloseDays)}
      <fieldset>
        <legend>{t.bufferShares}</legend>
        {field('bufferLow', t.low, 'number', 0.01)}
        {field('bufferMedium', t.medium, 'number', 0.01)}
        {field('bufferHigh', t.high, 'number', 0.01)}
        {field('largeHours', t.largeWorkHours, 'number', 0.25)}
        {field('largeExtra', t.largeWorkExtra, 'number', 0.01)}
      </fieldset>
      {field('quick', t.quickAnswer)}
      <fieldset>
        <legend>{t.rolloverRule}</legend>
        <label>
          {t.rolloverRule}
          <select value={f.mode} onChange={(e) => setF({ ...f, mode: e.target.value })}>
            {['none', 'all', 'upTo'].map((m) => (
              <option key={m} value={m}>
                {t.rolloverModes[m] ?? m}
              </option>
            ))}
          </select>
        </label>
        {f.mode === 'upTo' ? field('maxHours', t.rolloverMax, 'number', 0.25) : null}
        {f.mode !== 'none' ? field('months', t.rolloverMonths) : null}
      </fieldset>
      {field('underuse', t.underuseDay)}
      <fieldset>
        <legend>{t.calendar}</legend>
        {field('zone', t.calendarZone, 'text')}
        <fieldset className="weekdays">
          <legend>{t.workdaysLabel}</legend>
          {t.weekdays.map((label, i) => (
            <label key={label} className="check">
              <input
                type="checkbox"
                checked={days.includes(i + 1)}
                onChange={(e) => {
                  const next = e.target.checked ? [...days, i + 1] : days.filter((d) => d !== i + 1);
                  setF({ ...f, workdays: next.sort((a, b) => a - b).join(',') });
                }}
              />
              {label}
            </label>
          ))}
        </fieldset>
        {field('shifts', t.shifts, 'text')}
        <label>
          {t.holidaysLabel}
          <textarea rows={2} value={f.holidays ?? ''} onChange={(e) => setF({ ...f, holidays: e.target.value })} />
        </label>
      </fieldset>
      <label>
        {t.changeNote}
        <input type="text" value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <ProblemText problem={problem} />
      <button type="submit" disabled={busy}>
        {title}
      </button>
    </form>
  );
}

/** The policies: the administrator edits them; the head and managers read them. */
export function PoliciesSection({ canEdit }: { canEdit: boolean }) {
  const { t, moment } = useLocale();
  const [items, setItems] = useState<PolicyList>([]);
  const [chosen, setChosen] = useState('');
  const [detail, setDetail] = useState<PolicyDetail | null>(null);
  const load = useCallback(async () => {
    const { data } = await api.GET('/admin/policies');
    setItems(data?.items ?? []);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const id = chosen || items[0]?.id || '';
  const loadDetail = useCallback(async () => {
    if (!id) return;
    const { data } = await api.GET('/admin/policies/{id}', { params: { path: { id } } });
    setDetail(data ?? null);
  }, [id]);
  useEffect(() => {
    void loadDetail();
  }, [loadDetail]);
  return (
    <section aria-labelledby="policies">
      <h2 id="policies">{t.policies}</h2>
      <label>
        {t.policy}
        <select value={id} onChange={(e) => setChosen(e.target.value)}>
          {items.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} · {t.version} {p.version}
              {p.isDefault ? ` (${t.companyDefault})` : ''}
            </option>
          ))}
        </select>
      </label>
      {detail ? (
        <>
          <h3 className="policy-name">
            {detail.name} · {t.version} {detail.version}
          </h3>
          <details>
            <summary>{t.versions}</summary>
            <ul>
              {detail.versions.map((v) => (
                <li key={v.version}>
                  {t.version} {v.version} · {moment(v.createdAt)} · {v.createdBy}
                  {v.note ? ` · ${v.note}` : ''}
                </li>
              ))}
            </ul>
          </details>
          {canEdit ? (
            <PolicyForm
              initial={detail.policy}
              title={t.saveNewVersion}
              named={false}
              onSave={async (body) => {
                await act(`/admin/policies/${detail.id}/versions`, body, 'POST', { 'If-Match': `"${detail.version}"` });
                await Promise.all([load(), loadDetail()]);
              }}
            />
          ) : (
            <pre className="policy-json">{JSON.stringify(detail.policy, null, 2)}</pre>
          )}
          {canEdit ? (
            <PolicyForm
              initial={detail.policy}
              title={t.newPolicy}
              named
              onSave={async (body) => {
                const made = (await act('/admin/policies', body)) as { id: string };
                await load();
                setChosen(made.id);
              }}
            />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

/** On a subscription: which policy it points at, and a way to point it elsewhere. */
export function SubscriptionPolicy({ clientId, subscriptionId, policyId, policies, onDone }: { clientId: string; subscriptionId: string; policyId: string | null; policies: PolicyList; onDone: () => void }) {
  const { t } = useLocale();
  const current = policies.find((p) => p.id === policyId) ?? policies.find((p) => p.isDefault);
  return (
    <Action
      title={`${t.subscriptionPolicy}: ${current?.name ?? '—'}`}
      method="PUT"
      path={`/admin/clients/${clientId}/subscriptions/${subscriptionId}/policy`}
      fields={[{ name: 'policyId', label: t.policy, kind: 'select', options: policies.map((p) => ({ value: p.id, label: p.name })) }]}
      fixed={{ policyId: policyId ?? policies.find((p) => p.isDefault)?.id ?? null }}
      shape={(b) => ({ policyId: policies.find((p) => p.id === b.policyId)?.isDefault ? null : b.policyId })}
      onDone={onDone}
    />
  );
}

export function usePolicies(): PolicyList {
  const [items, setItems] = useState<PolicyList>([]);
  useEffect(() => {
    void api.GET('/admin/policies').then(({ data }) => setItems(data?.items ?? []));
  }, []);
  return items;
}

/** The manager's view of a request's policy: its version, and what moving to the client's current one would change. */
export function RequestPolicyPanel({ requestId, version, onDone }: { requestId: string; version: number; onDone: () => void }) {
  const { t, moment } = useLocale();
  const [p, setP] = useState<RequestPolicy | null>(null);
  useEffect(() => {
    void api.GET('/requests/{id}/policy', { params: { path: { id: requestId } } }).then(({ data }) => setP(data ?? null));
  }, [requestId, version]);
  if (!p) return null;
  const show = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? moment(v) : v === null ? '—' : JSON.stringify(v));
  return (
    <section aria-labelledby="req-policy" className="card">
      <h2 id="req-policy">{t.policyOfRequest}</h2>
      <p>
        {p.current ? `${p.current.name} · ${t.version} ${p.current.version}` : t.policyBefore}
        {p.upToDate ? ` · ${t.upToDate}` : ''}
      </p>
      {!p.upToDate ? (
        <>
          <p>
            {t.policyNewer}: {p.latest.name} · {t.version} {p.latest.version}
          </p>
          {p.moves.length > 0 ? (
            <>
              <h3>{t.policyMoves}</h3>
              <ul>
                {p.moves.map((m) => (
                  <li key={m.what}>
                    {t.moveNames[m.what] ?? m.what}: {show(m.from)} → {show(m.to)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <details>
            <summary>{t.policyChanges}</summary>
            <ul>
              {p.changes.map((c) => (
                <li key={c.field}>
                  <code>{c.field}</code>: {show(c.from)} → {show(c.to)}
                </li>
              ))}
            </ul>
            <p className="muted">
              {t.policyKept}: {p.kept.join('; ')}
            </p>
          </details>
          {p.applicable ? (
            <Action title={t.applyPolicy} path={`/requests/${requestId}/policy`} fixed={{ policyId: p.latest.policyId, version: p.latest.version }} fields={[{ name: 'reason', label: t.reason, kind: 'textarea', required: true }]} onDone={onDone} />
          ) : null}
        </>
      ) : null}
    </section>
  );
}
