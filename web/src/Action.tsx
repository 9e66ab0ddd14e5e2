// One action as a form: labelled fields, sent with the session's CSRF token and an Idempotency-Key;
// a refusal is shown as the API words it.
import { useId, useState, type FormEvent } from 'react';
import { ApiError, act, type Problem } from './api';
import { ProblemText } from './pages/SignIn';

export type Field =
  | { name: string; label: string; kind: 'text' | 'textarea' | 'number' | 'datetime' | 'date' | 'email' | 'list'; required?: boolean; step?: number }
  | { name: string; label: string; kind: 'checkbox' }
  | { name: string; label: string; kind: 'select'; options: { value: string; label: string }[] };

/** A fixed value a select starts on (what is sent when the person changes nothing). */
function fixedText(fixed: object, name: string): string | undefined {
  const v = (fixed as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** One action on the request: a form of labelled fields, posted with the session's CSRF token. */
export function Action({
  title,
  path,
  fields = [],
  fixed = {},
  onDone,
  danger,
  method = 'POST',
  shape = (b) => b,
}: {
  title: string;
  path: string;
  fields?: Field[];
  fixed?: object;
  onDone: (answer: unknown) => void;
  danger?: boolean;
  method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The body as the API wants it, from the fields' flat values. */
  shape?: (body: Record<string, unknown>) => object;
}) {
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const body: Record<string, unknown> = { ...fixed };
    for (const f of fields) {
      const v = values[f.name];
      if (f.kind === 'checkbox') body[f.name] = v === true;
      else if (v === undefined || v === '') continue;
      else if (f.kind === 'number') body[f.name] = Number(v);
      else if (f.kind === 'datetime') body[f.name] = new Date(String(v)).toISOString();
      else if (f.kind === 'list') body[f.name] = String(v).split(',').map((x) => x.trim()).filter(Boolean);
      else body[f.name] = v;
    }
    try {
      const answer = await act(path, shape(body), method);
      setValues({});
      setProblem(null);
      onDone(answer);
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { status: 0, title: String(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className={`action${danger ? ' danger' : ''}`} aria-labelledby={`${id}-t`} onSubmit={(e) => void submit(e)}>
      <h3 id={`${id}-t`}>{title}</h3>
      {fields.map((f) => (
        <label key={f.name} className={f.kind === 'checkbox' ? 'check' : undefined}>
          {f.kind === 'checkbox' ? (
            <input type="checkbox" checked={values[f.name] === true} onChange={(e) => setValues({ ...values, [f.name]: e.target.checked })} />
          ) : null}
          {f.label}
          {f.kind === 'textarea' ? (
            <textarea required={f.required} rows={3} value={String(values[f.name] ?? '')} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
          ) : f.kind === 'select' ? (
            <select value={String(values[f.name] ?? fixedText(fixed, f.name) ?? f.options[0]?.value ?? '')} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : f.kind === 'checkbox' ? null : (
            <input
              type={f.kind === 'datetime' ? 'datetime-local' : f.kind === 'list' ? 'text' : f.kind}
              step={f.step}
              required={f.required}
              value={String(values[f.name] ?? '')}
              onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
            />
          )}
        </label>
      ))}
      <ProblemText problem={problem} />
      <button type="submit" disabled={busy}>
        {title}
      </button>
    </form>
  );
}

