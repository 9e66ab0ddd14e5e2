import { useCallback, useEffect, useState } from 'react';
import { ApiError, act, api } from '../api';
import type { paths } from '../api-types';
import { useLocale } from '../i18n';

type MailSettings = paths['/me/mail']['get']['responses'][200]['content']['application/json'];
type Mode = 'instant' | 'digest' | 'none';
type Quarantined = paths['/mail/quarantine']['get']['responses'][200]['content']['application/json']['items'][number];

const MODES = ['instant', 'digest', 'none'] as const;

/** A mode to choose, with an empty first choice when one is given (following the default). */
function ModeSelect({ value, onChange, label, empty }: { value: string; onChange: (v: string) => void; label?: string; empty?: string }) {
  const { t } = useLocale();
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} {...(label ? { 'aria-label': label } : {})}>
      {empty !== undefined ? <option value="">{empty}</option> : null}
      {MODES.map((m) => (
        <option key={m} value={m}>
          {t.mail.modes[m]}
        </option>
      ))}
    </select>
  );
}

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
      setS((await act('/me/mail', { digestHour: draft.digestHour, modes: draft.modes }, 'PUT')) as MailSettings);
      setMsg({ ok: true, text: t.mail.saved });
    } catch (err) {
      const p = err instanceof ApiError ? err.problem : undefined;
      setMsg({ ok: false, text: p ? [p.detail ?? p.title, ...(p.errors ?? []).map((x) => `${x.path}: ${x.message}`)].join('; ') : String(err) });
    }
  };
  const kindLabel = (k: string) => (t.mail.kinds as Record<string, string>)[k] ?? k;
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
          <ModeSelect value={draft.modes['*'] ?? 'instant'} onChange={(v) => setDraft({ ...draft, modes: { ...draft.modes, '*': v as Mode } })} />
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
              {s.kinds.map((k) => (
                <tr key={k}>
                  <th scope="row">{kindLabel(k)}</th>
                  <td>
                    <ModeSelect
                      label={kindLabel(k)}
                      empty={t.mail.asDefault}
                      value={draft.modes[k] ?? ''}
                      onChange={(v) => {
                        const modes = { ...draft.modes };
                        if (v) modes[k] = v as Mode;
                        else delete modes[k];
                        setDraft({ ...draft, modes });
                      }}
                    />
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
