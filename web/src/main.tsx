import { StrictMode, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Link, Navigate, Route, Routes, useNavigate } from 'react-router-dom';
import { api, setCsrfToken, type Session } from './api';
import { LANGS, LocaleContext, initialLang, makeLocale, useLocale, type Lang } from './i18n';
import { stopLive } from './live';
import { InvitePage, LoginPage } from './pages/SignIn';
import { NewRequestPage, RequestsPage } from './pages/Requests';
import { RequestPage } from './pages/Request';
import { DeskPage } from './pages/Desk';
import { MonthPage, StatementPage } from './pages/Month';
import { TeamPage } from './pages/Team';
import { AdminPage } from './pages/Admin';
import { QuarantinePage, SettingsPage } from './pages/Settings';
import './styles.css';

export interface SessionState {
  session: Session | null;
  refresh: () => Promise<void>;
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { t, lang, setLang } = useLocale();
  return (
    <header className="bar">
      <Link to="/" className="brand">
        {t.appName}
      </Link>
      <nav aria-label={t.requests}>
        {session.actor.role !== 'admin' ? <Link to="/">{t.requests}</Link> : null}
        {session.actor.role !== 'admin' ? <Link to="/desk">{t.desk}</Link> : null}
        {session.actor.role === 'client' || session.actor.role === 'manager' || session.actor.role === 'head' ? <Link to="/new">{t.newRequest}</Link> : null}
        {session.actor.role === 'client' || session.actor.role === 'manager' || session.actor.role === 'head' ? <Link to="/month">{t.month}</Link> : null}
        {session.actor.role === 'manager' || session.actor.role === 'head' ? <Link to="/team">{t.team}</Link> : null}
        {session.actor.role === 'admin' || session.actor.role === 'head' ? <Link to="/admin">{session.actor.role === 'admin' ? t.administration : t.people}</Link> : null}
        {session.actor.role === 'manager' || session.actor.role === 'head' ? <Link to="/quarantine">{t.mail.quarantine}</Link> : null}
        {session.actor.role !== 'admin' ? <Link to="/settings">{t.settings}</Link> : null}
      </nav>
      <div className="me">
        <label>
          <span className="sr-only">{t.language}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t.language}>
            {LANGS.map((l) => (
              <option key={l} value={l}>
                {l === 'ru' ? 'Русский' : 'English'}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={onSignOut}>
          {t.signOut}
        </button>
      </div>
    </header>
  );
}

function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  // A signed-in person's choice is kept with them (every device, and the timeline the API writes).
  const setLang = useCallback(
    (l: Lang) => {
      localStorage.setItem('lang', l);
      document.documentElement.lang = l;
      setLangState(l);
      if (session) void api.PATCH('/me/preferences', { body: { language: l } });
    },
    [session],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const locale = useMemo(() => makeLocale(lang, setLang, session?.timeZone), [lang, setLang, session?.timeZone]);
  const refresh = useCallback(async () => {
    const { data } = await api.GET('/auth/session');
    setCsrfToken(data?.csrfToken ?? null);
    setSession(data ?? null);
    if (data?.language) {
      localStorage.setItem('lang', data.language);
      setLangState(data.language);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const navigate = useNavigate();
  const signOut = async () => {
    await api.POST('/auth/logout');
    stopLive();
    setCsrfToken(null);
    setSession(null);
    void navigate('/login');
  };
  if (session === undefined) return <p className="page">{locale.t.loading}</p>;
  return (
    <LocaleContext.Provider value={locale}>
      {session ? <Shell session={session} onSignOut={() => void signOut()} /> : null}
      <main className="page">
        <Routes>
          <Route path="/login" element={<LoginPage onSignedIn={refresh} />} />
          <Route path="/invite/:token" element={<InvitePage onSignedIn={refresh} />} />
          {session ? (
            <>
              <Route path="/" element={session.actor.role === 'admin' ? <Navigate to="/admin" replace /> : <RequestsPage actor={session.actor} />} />
              <Route path="/admin" element={<AdminPage actor={session.actor} />} />
              <Route path="/new" element={<NewRequestPage actor={session.actor} />} />
              <Route path="/desk" element={<DeskPage actor={session.actor} />} />
              <Route path="/r/:ref" element={<RequestPage actor={session.actor} />} />
              <Route path="/month" element={<MonthPage actor={session.actor} />} />
              <Route path="/team" element={<TeamPage />} />
              <Route path="/settings" element={<SettingsPage />} />
              <Route path="/quarantine" element={<QuarantinePage />} />
              <Route path="/statement/:clientId/:month" element={<StatementPage />} />
            </>
          ) : null}
          <Route path="*" element={<Navigate to={session ? '/' : '/login'} replace />} />
        </Routes>
      </main>
    </LocaleContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter basename="/app">
      <App />
    </BrowserRouter>
  </StrictMode>,
);
