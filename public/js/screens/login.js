// Sign in (/login?next=/path): email and password, errors shown in the form, a 429 counts
// down to when signing in may be tried again. After signing in, the app goes to `next`.
import { html, useEffect, useRef, useState } from '../preact.js';
import { auth } from '../api.js';
import { useUser } from '../access.js';
import { navigate } from '../router.js';
import { Field } from '../components/field.js';

const HOME = '/accounts';

/** Where to go after signing in: only a path on this site, never back to /login. */
export function safeNext(raw) {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return HOME;
  try {
    const url = new URL(raw, window.location.origin);
    if (url.origin !== window.location.origin) return HOME;
    if (url.pathname === '/login' || url.pathname.startsWith('/api/')) return HOME;
    return url.pathname + url.search + url.hash;
  } catch {
    return HOME;
  }
}

function formatWait(seconds) {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s ? `${m} min ${s} s` : `${m} minute${m === 1 ? '' : 's'}`;
}

/** Seconds left until `until` (ms since epoch), ticking every second; 0 once it has passed. */
function useCountdown(until) {
  const left = () => (until ? Math.max(0, Math.ceil((until - Date.now()) / 1000)) : 0);
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (!until) return undefined;
    const timer = setInterval(() => {
      const s = left();
      setSeconds(s);
      if (s === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [until]);
  return seconds;
}

export function LoginScreen({ location }) {
  const user = useUser();
  const next = safeNext(location.query.get('next'));
  const [values, setValues] = useState({ email: '', password: '' });
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [retryAt, setRetryAt] = useState(null);
  const waitSeconds = useCountdown(retryAt);
  const formRef = useRef(null);
  const focusAfter = useRef(null);

  // Already signed in (a second tab, Back after signing in): go on.
  useEffect(() => {
    if (user) navigate(next, { replace: true });
  }, [user]);

  useEffect(() => {
    document.getElementById(values.email ? 'login-password' : 'login-email')?.focus();
  }, []);

  useEffect(() => {
    if (!focusAfter.current || !formRef.current) return;
    const target = formRef.current.querySelector(focusAfter.current);
    focusAfter.current = null;
    if (target) target.focus();
  }, [errors, formError]);

  const set = (name) => (e) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [name]: value }));
    if (errors[name]) setErrors((er) => ({ ...er, [name]: undefined }));
  };

  const onSubmit = async (e) => {
    e.preventDefault();
    if (busy || waitSeconds > 0) return;
    const email = values.email.trim();
    const clientErrors = {};
    if (!email) clientErrors.email = ['Enter your email address.'];
    if (!values.password) clientErrors.password = ['Enter your password.'];
    setFormError(null);
    setErrors(clientErrors);
    if (Object.keys(clientErrors).length) {
      focusAfter.current = '[aria-invalid="true"]';
      return;
    }
    setBusy(true);
    try {
      await auth.login(email, values.password);
      navigate(next, { replace: true });
    } catch (error) {
      setBusy(false);
      const byField = error.fieldErrors ? error.fieldErrors() : {};
      const inline = {};
      for (const name of ['email', 'password']) if (byField[name]) inline[name] = byField[name];
      if (error.status === 429) {
        const seconds = error.retryAfter ?? 60;
        setRetryAt(Date.now() + seconds * 1000);
        setFormError({ kind: 'wait', message: error.message, requestId: null });
        focusAfter.current = '.form-error';
      } else if (Object.keys(inline).length) {
        setErrors(inline);
        focusAfter.current = '[aria-invalid="true"]';
      } else {
        // A 401 here can only mean wrong credentials; say so in the form's own words.
        const wrong = error.status === 401;
        if (wrong) setValues((v) => ({ ...v, password: '' }));
        setFormError({
          kind: 'error',
          message: wrong ? 'The email or password is wrong.' : error.message,
          requestId: wrong ? null : error.requestId,
        });
        focusAfter.current = error.status === 401 ? '#login-password' : '.form-error';
      }
    }
  };

  const waiting = waitSeconds > 0;
  return html`
    <div class="auth-page">
      <main id="main" class="auth-main" tabindex="-1">
        <div class="auth-brand">
          <span class="brand-mark" aria-hidden="true">O</span>
          <span>Outreach Command Center</span>
        </div>
        <section class="auth-card" data-testid="login-screen">
          <h1 class="auth-title" data-testid="page-title">Sign in</h1>
          <form ref=${formRef} class="form auth-form" noValidate onSubmit=${onSubmit} data-testid="login-form" aria-busy=${busy ? 'true' : 'false'}>
            ${formError &&
            html`<div class="form-error" role="alert" tabindex="-1" data-testid="login-error">
              <strong>${formError.message}</strong>
              ${formError.kind === 'wait' &&
              html`<div data-testid="login-retry">
                ${waiting ? `You can try again in ${formatWait(waitSeconds)}.` : 'You can try again now.'}
              </div>`}
              ${formError.requestId && html`<div class="muted">Request id <code>${formError.requestId}</code></div>`}
            </div>`}
            <${Field}
              id="login-email"
              name="email"
              label="Email"
              type="email"
              autocomplete="username"
              inputMode="email"
              spellcheck=${false}
              value=${values.email}
              error=${errors.email}
              onInput=${set('email')}
              disabled=${busy}
            />
            <${Field}
              id="login-password"
              name="password"
              label="Password"
              type="password"
              autocomplete="current-password"
              value=${values.password}
              error=${errors.password}
              onInput=${set('password')}
              disabled=${busy}
            />
            <button type="submit" class="btn btn-primary btn-block" disabled=${busy || waiting} data-testid="login-submit">
              ${busy ? 'Signing in…' : waiting ? `Try again in ${formatWait(waitSeconds)}` : 'Sign in'}
            </button>
          </form>
        </section>
        <p class="auth-foot muted">Forgot your password? Ask an admin of your team to set a temporary one.</p>
      </main>
    </div>
  `;
}
