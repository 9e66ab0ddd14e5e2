import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { api, type Problem } from '../api';
import { useLocale } from '../i18n';

export function ProblemText({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <p role="alert" className="error">
      {problem.detail ?? problem.title}
      {problem.errors?.length ? `: ${problem.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : ''}
    </p>
  );
}

export function LoginPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const { t } = useLocale();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { error } = await api.POST('/auth/login', { body: { email, password } });
    if (error) return setProblem(error);
    await onSignedIn();
    void navigate('/');
  };
  return (
    <form className="card narrow" onSubmit={(e) => void submit(e)}>
      <h1>{t.signIn}</h1>
      <label>
        {t.email}
        <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        {t.password}
        <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <ProblemText problem={problem} />
      <button type="submit">{t.signIn}</button>
    </form>
  );
}

export function InvitePage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const { t } = useLocale();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const [who, setWho] = useState<{ name: string; email: string } | null | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    void api.GET('/auth/invitations/{token}', { params: { path: { token } } }).then(({ data }) => setWho(data ?? null));
  }, [token]);
  if (who === undefined) return <p>{t.loading}</p>;
  if (who === null) return <p role="alert">{t.invitationGone}</p>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { error } = await api.POST('/auth/invitations/{token}/accept', { params: { path: { token } }, body: { password } });
    if (error) return setProblem(error);
    await onSignedIn();
    void navigate('/');
  };
  return (
    <form className="card narrow" onSubmit={(e) => void submit(e)}>
      <h1>
        {t.invitationFor} {who.name}
      </h1>
      <p>{who.email}</p>
      <input type="email" autoComplete="username" value={who.email} readOnly hidden />
      <label>
        {t.newPassword}
        <input type="password" autoComplete="new-password" minLength={12} required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <ProblemText problem={problem} />
      <button type="submit">{t.setPassword}</button>
    </form>
  );
}
