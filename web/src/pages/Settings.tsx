import { useCallback, useEffect, useState } from 'react';
import { ApiError, act, api } from '../api';
import type { paths } from '../api-types';
import { useLocale } from '../i18n';

type MailSettings = paths['/me/mail']['get']['responses'][200]['content']['application/json'];
type Mode = 'instant' | 'digest' | 'none';
type Quarantined = paths['/mail/quarantine']['get']['responses'][200]['content']['application/json']['items'][number];

/** The kinds of notification a person can choose for, in the order the process meets them. */
const KINDS = [
  'request.new',
  'task.assigned',
  'task.helper',
  'task.declined',
  'task.rework',
  'estimate.review',
  'estimate.ready',
  'estimate.returned',
  'estimate.rejected',
  'work.approved',
  'question.asked',
  'question.answered',
  'question.client',
  'message.client',
  'message.reply',
  'deadline.proposed',
  'deadline.agreed',
  'deadline.declined',
  'review.internal',
  'review.client',
  'review.reminder',
  'result.review',
  'result.returned',
  'blocker',
  'policy.changed',
] as const;
type Kind = (typeof KINDS)[number];

/** My settings: how the desk mails me, each kind of notice instant, in a daily digest, or not at all. */
export function SettingsPage() {
  const { t } = useLocale();
  const [s, setS] = useState<MailSettings | null>(null);
  const [draft, setDraft] = useState<{ digestHour: number; modes: Record<string, Mode> } | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const load = useCallback(async () => {
    const { data } = await api.GET('/me/mail');
    if (data) {
      setS(data);
      setDraft({ digestHour: data.digestHour, modes: { ...data.modes } });
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  if (!s || !draft) return <p>{t.loading}</p>;
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setMsg(null);
    try {
      setS((await act('/me/mail', { digestHour: draft.digestHour, modes: draft.modes as Partial<Record<Kind | '*', Mode>> }, 'PUT')) as MailSettings);
      setMsg({ ok: true, text: t.mail.saved });
    } catch (err) {
      const p = err instanceof ApiError ? err.problem : undefined;
      setMsg({ ok: false, text: p ? [p.detail ?? p.title, ...(p.errors ?? []).map((x) => `${x.path}: ${x.message}`)].join('; ') : String(err) });
    }
  };
  const modeLabel = (m: Mode) => t.mail.modes[m];
  return (
    <>
      <h1>{t.settings}</h1>
      <form className="action mail-settings" onSubmit={(e) => void save(e)} aria-labelledby="mail-h">
        <h2 id="mail-h">{t.mail.title}</h2>
        <p className="muted">
          {t.mail.address}: <strong>{s.address}</strong>
        </p>
        <label>
          {t.mail.defaultMode}
          <select value={draft.modes['*'] ?? 'instant'} onChange={(e) => setDraft({ ...draft, modes: { ...draft.modes, '*': e.target.value as Mode } })}>
            {(['instant', 'digest', 'none'] as const).map((m) => (
              <option key={m} value={m}>
                {modeLabel(m)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.mail.digestHour}
          <select value={draft.digestHour} onChange={(e) => setDraft({ ...draft, digestHour: Number(e.target.value) })}>
            {Array.from({ length: 24 }, (_, h) => (
              <option key={h} value={h}>{`${String(h).padStart(2, '0')}:00`}</option>
            ))}
          </select>
        </label>
        <details>
          <summary>{t.mail.perKind}</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.mail.kind}</th>
                <th scope="col">{t.mail.mode}</th>
              </tr>
            </thead>
            <tbody>
              {KINDS.map((k) => (
                <tr key={k}>
                  <th scope="row">{t.mail.kinds[k]}</th>
                  <td>
                    <select
                      aria-label={t.mail.kinds[k]}
                      value={draft.modes[k] ?? ''}
                      onChange={(e) => {
                        const modes = { ...draft.modes };
                        if (e.target.value) modes[k] = e.target.value as Mode;
                        else delete modes[k];
                        setDraft({ ...draft, modes });
                      }}
                    >
                      <option value="">{t.mail.asDefault}</option>
                      {(['instant', 'digest', 'none'] as const).map((m) => (
                        <option key={m} value={m}>
                          {modeLabel(m)}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
        <button type="submit">{t.mail.save}</button>
        {msg ? <p role={msg.ok ? 'status' : 'alert'}>{msg.text}</p> : null}
      </form>
    </>
  );
}

/** Mail the support mailbox did not file: managers look, download, and dismiss. */
export function QuarantinePage() {
  const { t, moment } = useLocale();
  const [items, setItems] = useState<Quarantined[] | null>(null);
  const load = useCallback(async () => {
    const { data } = await api.GET('/mail/quarantine', { params: { query: { limit: 100 } } });
    setItems(data?.items ?? []);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  if (!items) return <p>{t.loading}</p>;
  const dismiss = async (id: string) => {
    await api.POST('/mail/quarantine/{mailId}/dismiss', { params: { path: { mailId: id } } });
    await load();
  };
  return (
    <>
      <h1>{t.mail.quarantine}</h1>
      <p className="muted">{t.mail.quarantineHelp}</p>
      {items.length === 0 ? (
        <p>{t.mail.quarantineEmpty}</p>
      ) : (
        <div className="scroll" role="region" aria-label={t.mail.quarantine} tabIndex={0}>
          <table className="quarantine">
            <thead>
              <tr>
                <th scope="col">{t.mail.received}</th>
                <th scope="col">{t.mail.from}</th>
                <th scope="col">{t.mail.subject}</th>
                <th scope="col">{t.mail.reason}</th>
                <th scope="col">
                  <span className="sr-only">{t.mail.actions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <td>{moment(m.receivedAt)}</td>
                  <td>{m.from ?? '—'}</td>
                  <td>{m.subject}</td>
                  <td>{m.reason}</td>
                  <td>
                    <a href={`/mail/quarantine/${m.id}/raw`} download>
                      {t.mail.download}
                    </a>{' '}
                    <button type="button" onClick={() => void dismiss(m.id)}>
                      {t.mail.dismiss}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
