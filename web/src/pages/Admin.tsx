import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Action } from '../Action';
import { api, type Actor } from '../api';
import type { paths } from '../api-types';
import { useLocale } from '../i18n';
import { PoliciesSection, SubscriptionPolicy, usePolicies } from './Policies';

type Staff = paths['/admin/staff']['get']['responses'][200]['content']['application/json']['items'];
type Clients = paths['/clients']['get']['responses'][200]['content']['application/json']['items'];
type ClientDetails = paths['/admin/clients/{id}']['get']['responses'][200]['content']['application/json'];
type Credentials = paths['/admin/credentials']['get']['responses'][200]['content']['application/json']['items'];

/** What is shown once: an invitation link or a token. */
function ShownOnce({ what, value, onClose }: { what: string; value: string; onClose: () => void }) {
  const { t } = useLocale();
  return (
    <div className="card shown-once" role="status">
      <p>
        <strong>{what}</strong> {t.shownOnce}
      </p>
      <p>
        <code>{value}</code>
      </p>
      <button type="button" onClick={onClose}>
        {t.done}
      </button>
    </div>
  );
}

function People({ actor, staff, reload, onShown }: { actor: Actor; staff: Staff; reload: () => void; onShown: (what: string, value: string) => void }) {
  const { t } = useLocale();
  const admin = actor.role === 'admin';
  const roles = (admin ? ['specialist', 'manager', 'head', 'admin'] : ['specialist']).map((r) => ({ value: r, label: t.roles[r] ?? r }));
  const seniorities = ['senior', 'junior'].map((r) => ({ value: r, label: t.seniorities[r] ?? r }));
  return (
    <section aria-labelledby="people">
      <h2 id="people">{t.people}</h2>
      <div className="scroll" role="region" aria-labelledby="people" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.role}</th>
              <th scope="col">{t.skills}</th>
              <th scope="col">{t.capacity}</th>
              <th scope="col">{t.actionsLabel}</th>
            </tr>
          </thead>
          <tbody>
            {staff.map((p) => (
              <tr key={p.id} className={p.active ? undefined : 'inactive'}>
                <th scope="row">
                  {p.name}
                  <br />
                  <span className="muted">{p.email}</span>
                </th>
                <td>
                  {t.roles[p.role] ?? p.role}
                  {p.seniority ? ` · ${t.seniorities[p.seniority] ?? p.seniority}` : ''}
                  {p.active ? '' : ` · ${t.inactive}`}
                </td>
                <td>{p.skills.join(', ')}</td>
                <td>{p.role === 'specialist' ? p.weeklyCapacityHours : ''}</td>
                <td>
                  <details>
                    <summary>{t.change}</summary>
                    {admin ? (
                      <Action
                        title={`${t.invite}: ${p.name}`}
                        path="/admin/invitations"
                        fixed={{ staffId: p.id }}
                        onDone={(a) => onShown(`${t.invitationLink} (${p.name})`, `${location.origin}${(a as { path: string }).path}`)}
                      />
                    ) : null}
                    {p.role === 'specialist' ? (
                      <Action
                        title={`${t.saveChanges}: ${p.name}`}
                        method="PATCH"
                        path={`/admin/staff/${p.id}`}
                        fields={[
                          { name: 'skills', label: t.skillsComma, kind: 'list' },
                          { name: 'weeklyCapacityHours', label: t.capacity, kind: 'number', step: 0.25 },
                          ...(p.seniority === 'junior'
                            ? [{ name: 'mentorId', label: t.mentor, kind: 'select' as const, options: [{ value: '', label: '—' }, ...staff.filter((x) => x.role === 'specialist' && x.seniority === 'senior' && x.active && x.id !== p.id).map((x) => ({ value: x.id, label: x.name }))] }]
                            : []),
                          { name: 'reason', label: t.reason, kind: 'text' },
                        ]}
                        onDone={reload}
                      />
                    ) : null}
                    {p.role === 'specialist' ? (
                      <Action
                        title={`${t.absence}: ${p.name}`}
                        path={`/admin/staff/${p.id}/absences`}
                        fields={[
                          { name: 'startsOn', label: t.from, kind: 'date', required: true },
                          { name: 'endsOn', label: t.until, kind: 'date', required: true },
                          { name: 'kind', label: t.kind, kind: 'select', options: ['vacation', 'sick', 'other'].map((k) => ({ value: k, label: t.absenceKinds[k] ?? k })) },
                        ]}
                        fixed={{ kind: 'vacation' }}
                        onDone={reload}
                      />
                    ) : null}
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Action
        title={t.addPerson}
        path="/admin/staff"
        fields={[
          { name: 'name', label: t.name, kind: 'text', required: true },
          { name: 'email', label: t.email, kind: 'email', required: true },
          { name: 'role', label: t.role, kind: 'select', options: roles },
          { name: 'seniority', label: t.seniority, kind: 'select', options: seniorities },
          { name: 'skills', label: t.skillsComma, kind: 'list' },
          { name: 'weeklyCapacityHours', label: t.capacity, kind: 'number', step: 0.25 },
        ]}
        fixed={{ role: 'specialist', seniority: 'senior' }}
        onDone={reload}
      />
    </section>
  );
}

function ClientsAdmin({ clients, managers, reload, onShown }: { clients: Clients; managers: Staff; reload: () => void; onShown: (what: string, value: string) => void }) {
  const { t } = useLocale();
  const [chosen, setChosen] = useState<string>('');
  const [details, setDetails] = useState<ClientDetails | null>(null);
  const policies = usePolicies();
  const id = chosen || clients[0]?.id || '';
  const load = useCallback(async () => {
    if (!id) return;
    const { data } = await api.GET('/admin/clients/{id}', { params: { path: { id } } });
    setDetails(data ?? null);
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby="clients">
      <h2 id="clients">{t.clients}</h2>
      <Action
        title={t.addClient}
        path="/admin/clients"
        fields={[
          { name: 'name', label: t.name, kind: 'text', required: true },
          { name: 'accountManagerId', label: t.accountManager, kind: 'select', options: managers.map((m) => ({ value: m.id, label: m.name })) },
          { name: 'keyPrefix', label: t.keyPrefix, kind: 'text' },
        ]}
        fixed={managers[0] ? { accountManagerId: managers[0].id } : {}}
        onDone={(a) => {
          setChosen((a as { id: string }).id);
          reload();
        }}
      />
      <label>
        {t.client}
        <select value={id} onChange={(e) => setChosen(e.target.value)}>
          {clients.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
              {c.keyPrefix ? ` (${c.keyPrefix})` : ''}
            </option>
          ))}
        </select>
      </label>
      {details ? (
        <div className="client-details">
          <h3 className="client-name">
            {details.name}
            {details.keyPrefix ? ` · ${details.keyPrefix}` : ''}
          </h3>
          <h3>{t.subscriptions}</h3>
          <ul>
            {details.subscriptions.map((s) => (
              <li key={s.id}>
                {s.monthlyHours} {t.hours} · {s.startsOn} – {s.endsOn ?? '…'} · {s.timezone}
                <SubscriptionPolicy clientId={details.id} subscriptionId={s.id} policyId={s.policyId} policies={policies} onDone={() => void load()} />
              </li>
            ))}
          </ul>
          <h3>{t.contacts}</h3>
          <ul>
            {details.contacts.map((c) => (
              <li key={c.id}>
                {c.name} · {c.email} {c.hasPassword ? <span className="muted">· {t.hasPassword}</span> : null}
                <Action title={`${t.invite}: ${c.name}`} path="/admin/invitations" fixed={{ contactId: c.id }} onDone={(a) => onShown(`${t.invitationLink} (${c.name})`, `${location.origin}${(a as { path: string }).path}`)} />
              </li>
            ))}
          </ul>
          <div className="actions">
            <Action
              title={t.addSubscription}
              path={`/admin/clients/${details.id}/subscriptions`}
              fields={[
                { name: 'monthlyHours', label: t.monthlyHours, kind: 'number', step: 0.25, required: true },
                { name: 'timezone', label: t.timeZone, kind: 'text', required: true },
                { name: 'startsOn', label: t.from, kind: 'date', required: true },
                { name: 'policyId', label: t.subscriptionPolicy, kind: 'select', options: policies.map((p) => ({ value: p.id, label: p.name })) },
              ]}
              shape={(b) => ({ ...b, policyId: policies.find((p) => p.id === b.policyId && !p.isDefault)?.id })}
              onDone={() => void load()}
            />
            <Action
              title={t.addContact}
              path={`/admin/clients/${details.id}/contacts`}
              fields={[
                { name: 'name', label: t.name, kind: 'text', required: true },
                { name: 'email', label: t.email, kind: 'email', required: true },
              ]}
              onDone={() => void load()}
            />
          </div>
        </div>
      ) : null}
    </section>
  );
}

function Tokens({ staff, onShown }: { staff: Staff; onShown: (what: string, value: string) => void }) {
  const { t, moment } = useLocale();
  const [items, setItems] = useState<Credentials>([]);
  const load = useCallback(async () => {
    const { data } = await api.GET('/admin/credentials');
    setItems(data?.items ?? []);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby="tokens">
      <h2 id="tokens">{t.tokens}</h2>
      <Action
        title={t.issueToken}
        path="/admin/credentials"
        fields={[
          { name: 'staffId', label: t.person, kind: 'select', options: staff.map((p) => ({ value: p.id, label: p.name })) },
          { name: 'label', label: t.label, kind: 'text', required: true },
        ]}
        fixed={staff[0] ? { staffId: staff[0].id } : {}}
        onDone={(a) => {
          onShown(t.token, (a as { token: string }).token);
          void load();
        }}
      />
      <ul className="list">
        {items.map((k) => (
          <li key={k.id} className="row">
            <span>
              {k.label} · {k.holder ?? '—'}
            </span>
            {k.revokedAt ? (
              <span className="muted">{t.revoked}</span>
            ) : (
              <Action danger method="DELETE" title={`${t.revoke}: ${k.label}`} path={`/admin/credentials/${k.id}`} onDone={() => void load()} />
            )}
            <span className="muted">
              {moment(k.createdAt)}
              {k.expiresAt ? ` · ${t.expires} ${moment(k.expiresAt)}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

type Review = paths['/workload/review']['get']['responses'][200]['content']['application/json'];

/** The latest workload review (R8, R9, R12): each proposal applied with one call. */
function ReviewSection({ staff }: { staff: Staff }) {
  const { t, moment } = useLocale();
  const [review, setReview] = useState<Review | null>(null);
  const load = useCallback(async () => {
    const { data } = await api.GET('/workload/review');
    setReview(data ?? null);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const name = (id: string) => staff.find((p) => p.id === id)?.name ?? id;
  if (!review) return null;
  const r = review as unknown as { at: string; idle: { name: string }[]; missingSkills: { skill: string; waiting: number }[]; allHands: { skill: string; waiting: number }[]; proposals: { id: string; requestId: string; taskId: string; fromId: string; toId: string; reason: string }[] };
  return (
    <section aria-labelledby="review">
      <h2 id="review">
        {t.workloadReview} <span className="muted">{moment(r.at)}</span>
      </h2>
      <ul>
        {r.allHands.map((a) => (
          <li key={`a-${a.skill}`}>
            {t.escalationKinds.all_hands}: {a.skill} ({a.waiting})
          </li>
        ))}
        {r.missingSkills.map((a) => (
          <li key={`m-${a.skill}`}>
            {t.escalationKinds.missing_skill}: {a.skill} ({a.waiting})
          </li>
        ))}
        {r.idle.length > 0 ? (
          <li>
            {t.idle}: {r.idle.map((p) => p.name).join(', ')}
          </li>
        ) : null}
      </ul>
      <div className="actions">
        {r.proposals.map((p) => (
          <Action
            key={p.id}
            title={`${t.apply}: ${p.taskId} ${name(p.fromId)} → ${name(p.toId)}`}
            path={`/workload/proposals/${p.id}/apply`}
            onDone={() => void load()}
          />
        ))}
      </div>
      {r.proposals.length > 0 ? (
        <p className="muted">
          {r.proposals.map((p) => (
            <Link key={p.id} to={`/r/${p.requestId}`}>
              {p.taskId}{' '}
            </Link>
          ))}
        </p>
      ) : null}
    </section>
  );
}

/** Administration (admin) and the head's people page: people, skills, capacity, absences; clients, subscriptions, contacts, invitations; tokens. */
export function AdminPage({ actor }: { actor: Actor }) {
  const { t } = useLocale();
  const [staff, setStaff] = useState<Staff>([]);
  const [clients, setClients] = useState<Clients>([]);
  const [shown, setShown] = useState<{ what: string; value: string } | null>(null);
  const load = useCallback(async () => {
    const [s, c] = await Promise.all([api.GET('/admin/staff'), api.GET('/clients')]);
    setStaff(s.data?.items ?? []);
    setClients([...(c.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name)));
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const onShown = (what: string, value: string) => setShown({ what, value });
  return (
    <>
      <h1>{actor.role === 'admin' ? t.administration : t.people}</h1>
      {shown ? <ShownOnce what={shown.what} value={shown.value} onClose={() => setShown(null)} /> : null}
      {actor.role === 'head' ? <ReviewSection staff={staff} /> : null}
      <People actor={actor} staff={staff} reload={() => void load()} onShown={onShown} />
      {actor.role === 'admin' ? <ClientsAdmin clients={clients} managers={staff.filter((p) => p.role === 'manager' && p.active)} reload={() => void load()} onShown={onShown} /> : null}
      {actor.role === 'admin' || actor.role === 'head' ? <PoliciesSection canEdit={actor.role === 'admin'} /> : null}
      {actor.role === 'admin' ? <Tokens staff={staff.filter((p) => p.active)} onShown={onShown} /> : null}
    </>
  );
}
