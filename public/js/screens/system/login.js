// Sign in (/login?next=/path): email and password, errors shown in the form, a 429 counts
// down to when signing in may be tried again. After signing in, the app goes to `next`.
import { html, useEffect, useState } from '../../preact.js';
import { auth } from '../../api.js';
import { useUser } from '../../access.js';
import { navigate } from '../../router.js';
import { fieldErrorsFor, useForm } from '../../use-form.js';
import { Field, FormError } from '../../components/field.js';

// The start page, which leads on by role (the Dashboard or Today).
const HOME = '/';

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

const FIELDS = ['email', 'password'];

export function LoginScreen({ location }) {
  const user = useUser();
  const next = safeNext(location.query.get('next'));
  const form = useForm({ email: '', password: '' });
  const { values, formError, saving: busy } = form;
  const [retryAt, setRetryAt] = useState(null);
  const waitSeconds = useCountdown(retryAt);
  const waiting = waitSeconds > 0;

  // Already signed in (a second tab, Back after signing in): go on.
  useEffect(() => {
    if (user) navigate(next, { replace: true });
  }, [user]);

  useEffect(() => {
    document.getElementById(values.email ? 'login-password' : 'login-email')?.focus();
  }, []);

  const submit = form.submit({
    validate: (v) => {
      const errors = {};
      if (!v.email.trim()) errors.email = ['Enter your email address.'];
      if (!v.password) errors.password = ['Enter your password.'];
      return errors;
    },
    save: async (v) => {
      await auth.login(v.email.trim(), v.password);
      navigate(next, { replace: true });
    },
    fields: FIELDS,
    fail: (error) => {
      if (error.status === 429) {
        const seconds = error.retryAfter ?? 60;
        setRetryAt(Date.now() + seconds * 1000);
        form.setFormError({ error: { message: error.message }, wait: true });
        form.focus('.form-error');
        return true;
      }
      // A 401 here can only mean wrong credentials; say so in the form's own words.
      if (error.status === 401 && !Object.keys(fieldErrorsFor(error, FIELDS)).length) {
        form.setValue('password', '');
        form.setFormError({ error: { message: 'The email or password is wrong.' } });
        form.focus('#login-password');
        return true;
      }
      return false;
    },
  });
  const onSubmit = (e) => (waiting ? e.preventDefault() : submit(e));

  return html`
    <div class="auth-page">
      <main id="main" class="auth-main" tabindex="-1">
        <div class="auth-brand">
          <span class="brand-mark" aria-hidden="true">O</span>
          <span>Outreach Command Center</span>
        </div>
        <section class="auth-card" data-testid="login-screen">
          <h1 class="auth-title" data-testid="page-title">Sign in</h1>
          <form ref=${form.formRef} class="form auth-form" noValidate onSubmit=${onSubmit} data-testid="login-form" aria-busy=${busy ? 'true' : 'false'}>
            ${formError &&
            html`<${FormError} ...${formError} testid="login-error">
              ${formError.wait &&
              html`<div data-testid="login-retry">
                ${waiting ? `You can try again in ${formatWait(waitSeconds)}.` : 'You can try again now.'}
              </div>`}
            <//>`}
            <${Field} id="login-email" label="Email" type="email" autocomplete="username" inputMode="email" spellcheck=${false} ...${form.field('email')} />
            <${Field} id="login-password" label="Password" type="password" autocomplete="current-password" ...${form.field('password')} />
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
