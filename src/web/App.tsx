import { lazy, Suspense, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ApiFailure, login, logout, whoAmI, type Me } from './api.ts';
import { UiContext, can, makeUi, useUi } from './context.tsx';
import { LANGS, isLang, type Lang, type MessageKey } from './i18n.ts';
import { navigate, useLocation, type Location } from './router.ts';

// One chunk per page: a role downloads the pages it opens (ECharts is a chunk of its own, shared).
const Dashboard = lazy(() => import('./pages/Dashboard.tsx').then((m) => ({ default: m.Dashboard })));
const Customer = lazy(() => import('./pages/Customer.tsx').then((m) => ({ default: m.Customer })));
// console-b: risk & retention, care & loyalty.
const Risk = lazy(() => import('./pages/Risk.tsx').then((m) => ({ default: m.Risk })));
const Care = lazy(() => import('./pages/Care.tsx').then((m) => ({ default: m.Care })));
// Analytics pages (lifecycle, value).
const Lifecycle = lazy(() => import('./pages/Lifecycle.tsx').then((m) => ({ default: m.Lifecycle })));
const Value = lazy(() => import('./pages/Value.tsx').then((m) => ({ default: m.Value })));

/** The pages, the right each needs (the API refuses the same requests without it). */
const PAGES: readonly { path: string; label: MessageKey; permission: string; render: (loc: Location) => ReactNode }[] = [
  { path: '/dashboard', label: 'nav.dashboard', permission: 'reports:read', render: (loc) => <Dashboard loc={loc} /> },
  // Analytics pages (lifecycle, value): aggregates, so reports:read.
  { path: '/lifecycle', label: 'lifecycle.nav', permission: 'reports:read', render: (loc) => <Lifecycle loc={loc} /> },
  { path: '/value', label: 'value.nav', permission: 'reports:read', render: (loc) => <Value loc={loc} /> },
  { path: '/customers', label: 'nav.customer', permission: 'customer:read', render: (loc) => <Customer loc={loc} /> },
  // console-b: risk & retention, care & loyalty.
  { path: '/risk', label: 'nav.risk', permission: 'customer:list', render: (loc) => <Risk loc={loc} /> },
  { path: '/care', label: 'nav.care', permission: 'customer:list', render: (loc) => <Care loc={loc} /> },
];

const LANG_KEY = 'tenure.lang';

function initialLang(): Lang {
  const stored = localStorage.getItem(LANG_KEY);
  return isLang(stored) ? stored : 'zh-CN';
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [problem, setProblem] = useState<ApiFailure | null>(null);
  const loc = useLocation();
  const ui = useMemo(() => makeUi(lang, me ?? null), [lang, me]);

  useEffect(() => {
    whoAmI().then(setMe, (err: unknown) => setProblem(err instanceof ApiFailure ? err : new ApiFailure(0, 'CLIENT', String(err), null)));
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = ui.t('app.title');
  }, [lang, ui]);
  const chooseLang = (l: Lang) => {
    localStorage.setItem(LANG_KEY, l);
    setLang(l);
  };

  const pages = PAGES.filter((p) => can(ui, p.permission));
  const page = pages.find((p) => loc.path === p.path || loc.path.startsWith(`${p.path}/`));
  useEffect(() => {
    if (me && !page && (loc.path === '/' || loc.path === '/login') && pages[0]) navigate(pages[0].path, {}, true);
  }, [me, page, loc.path, pages]);

  return (
    <UiContext.Provider value={ui}>
      <header className="top">
        <span className="brand">{ui.t('app.title')}</span>
        {me ? (
          <nav aria-label="pages">
            {pages.map((p) => (
              <a key={p.path} href={p.path} aria-current={page === p ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(p.path); }}>
                {ui.t(p.label)}
              </a>
            ))}
          </nav>
        ) : null}
        <span className="spacer" />
        <label className="lang">
          {ui.t('app.lang')}{' '}
          <select value={lang} onChange={(e) => isLang(e.target.value) && chooseLang(e.target.value)}>
            {LANGS.map((l) => (
              <option key={l} value={l}>
                {l === 'en' ? 'English' : '简体中文'}
              </option>
            ))}
          </select>
        </label>
        {me ? (
          <>
            <span className="who">
              {ui.t('app.user')}: {me.username} ({me.role})
            </span>
            <button type="button" onClick={() => void logout().finally(() => { setMe(null); navigate('/login'); })}>
              {ui.t('app.logout')}
            </button>
          </>
        ) : null}
      </header>
      <main>
        {problem ? (
          <p className="error" role="alert">{ui.t('state.error', { status: problem.status || problem.code, message: problem.message })}</p>
        ) : me === undefined ? (
          <p className="loading" role="status">{ui.t('state.loading')}</p>
        ) : me === null ? (
          <Login onDone={setMe} />
        ) : page ? (
          <Suspense fallback={<p className="loading" role="status">{ui.t('state.loading')}</p>}>{page.render(loc)}</Suspense>
        ) : pages.length === 0 ? (
          <p>{ui.t('nav.empty')}</p>
        ) : loc.path === '/' || loc.path === '/login' ? null : (
          <p>{ui.t('page.notFound')}</p>
        )}
      </main>
    </UiContext.Provider>
  );
}

function Login({ onDone }: { onDone: (me: Me | null) => void }) {
  const { t } = useUi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [failed, setFailed] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    try {
      await login(username, password);
      onDone(await whoAmI());
    } catch (err) {
      setFailed(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="login card" onSubmit={(e) => void submit(e)}>
      <h1>{t('login.title')}</h1>
      <label>
        {t('login.username')}
        <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      </label>
      <label>
        {t('login.password')}
        <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </label>
      <button type="submit" disabled={busy}>
        {t('login.submit')}
      </button>
      {failed ? (
        <p className="error" role="alert">
          {t('login.failed', { message: failed })}
        </p>
      ) : null}
    </form>
  );
}
