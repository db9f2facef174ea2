// Settings → Profile: who you are, a form to change your own password, and your sessions with
// "Sign out other sessions".
import { html, useRef, useState } from '../preact.js';
import { auth } from '../api.js';
import { roleLabel } from '../access.js';
import { useLoad } from '../use-load.js';
import { SettingsPage } from '../components/settings-nav.js';
import { Field } from '../components/field.js';
import { ConfirmDialog } from '../components/confirm.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { toast } from '../components/toast.js';
import { formatDateTime, formatShortDateTime } from '../format.js';

export const MIN_PASSWORD = 12;

/** "Chrome on macOS" from a user agent string; the full string goes in a tooltip. */
export function deviceName(ua) {
  if (!ua) return 'Unknown device';
  const browser =
    [
      [/Edg\//, 'Edge'],
      [/OPR\/|Opera/, 'Opera'],
      [/Firefox\//, 'Firefox'],
      [/Chrom(e|ium)\//, 'Chrome'],
      [/Safari\//, 'Safari'],
      [/curl\//, 'curl'],
    ].find(([re]) => re.test(ua))?.[1] || null;
  const os =
    [
      [/iPhone|iPad|iOS/, 'iOS'],
      [/Android/, 'Android'],
      [/Mac OS X|Macintosh/, 'macOS'],
      [/Windows/, 'Windows'],
      [/CrOS/, 'ChromeOS'],
      [/Linux/, 'Linux'],
    ].find(([re]) => re.test(ua))?.[1] || null;
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || (ua.length > 40 ? `${ua.slice(0, 40)}…` : ua);
}

function AccountCard({ user }) {
  return html`
    <div class="card">
      <h2 class="card-title">Your account</h2>
      <dl class="kv" data-testid="profile">
        <div class="kv-row"><dt>Name</dt><dd data-testid="profile-name">${user.name}</dd></div>
        <div class="kv-row"><dt>Email</dt><dd data-testid="profile-email">${user.email}</dd></div>
        <div class="kv-row"><dt>Role</dt><dd data-testid="profile-role">${roleLabel(user.role)}</dd></div>
        <div class="kv-row">
          <dt>Last sign-in</dt>
          <dd title=${user.last_login_at || ''}>${formatDateTime(user.last_login_at) || html`<span class="muted">—</span>`}</dd>
        </div>
      </dl>
    </div>
  `;
}

const EMPTY_PASSWORDS = { current_password: '', new_password: '', confirm: '' };

function PasswordForm({ onChanged }) {
  const [values, setValues] = useState(EMPTY_PASSWORDS);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef(null);

  const focusFirstError = () =>
    setTimeout(() => formRef.current?.querySelector('[aria-invalid="true"], .form-error')?.focus(), 0);

  const set = (name) => (e) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [name]: value }));
    if (errors[name]) setErrors((er) => ({ ...er, [name]: undefined }));
  };

  const onSubmit = async (e) => {
    e.preventDefault();
    if (saving) return;
    const clientErrors = {};
    if (!values.current_password) clientErrors.current_password = ['Enter your current password.'];
    if (values.new_password.length < MIN_PASSWORD) clientErrors.new_password = [`Use at least ${MIN_PASSWORD} characters.`];
    if (values.confirm !== values.new_password) clientErrors.confirm = ['The two new passwords differ.'];
    setFormError(null);
    setErrors(clientErrors);
    if (Object.keys(clientErrors).length) {
      focusFirstError();
      return;
    }
    setSaving(true);
    try {
      await auth.changePassword(values.current_password, values.new_password);
      setValues(EMPTY_PASSWORDS);
      toast('Password changed. Your other sessions were signed out.');
      // The server may have renewed this session with the password; take its CSRF token.
      await auth.me().catch(() => {});
      onChanged();
    } catch (error) {
      const byField = error.fieldErrors ? error.fieldErrors() : {};
      const inline = {};
      for (const name of ['current_password', 'new_password']) if (byField[name]) inline[name] = byField[name];
      setErrors(inline);
      if (!Object.keys(inline).length) setFormError(error);
      focusFirstError();
    } finally {
      setSaving(false);
    }
  };

  return html`
    <form ref=${formRef} class="card form-section" noValidate onSubmit=${onSubmit} data-testid="password-form" aria-busy=${saving ? 'true' : 'false'}>
      <h2 class="card-title">Change password</h2>
      ${formError &&
      html`<div class="form-error" role="alert" tabindex="-1" data-testid="form-error">
        <strong>${formError.message}</strong>
        ${formError.requestId && html`<div class="muted">Request id <code>${formError.requestId}</code></div>`}
      </div>`}
      <div class="form-grid">
        <${Field}
          id="pw-current"
          name="current_password"
          label="Current password"
          type="password"
          autocomplete="current-password"
          className="field-wide"
          required
          value=${values.current_password}
          error=${errors.current_password}
          onInput=${set('current_password')}
          disabled=${saving}
        />
        <${Field}
          id="pw-new"
          name="new_password"
          label="New password"
          type="password"
          autocomplete="new-password"
          hint=${`At least ${MIN_PASSWORD} characters.`}
          required
          value=${values.new_password}
          error=${errors.new_password}
          onInput=${set('new_password')}
          disabled=${saving}
        />
        <${Field}
          id="pw-confirm"
          name="confirm"
          label="Repeat new password"
          type="password"
          autocomplete="new-password"
          required
          value=${values.confirm}
          error=${errors.confirm}
          onInput=${set('confirm')}
          disabled=${saving}
        />
      </div>
      <div class="form-actions">
        <span class="form-note muted">Changing it signs out your other sessions.</span>
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="password-submit">
          ${saving ? 'Saving…' : 'Change password'}
        </button>
      </div>
    </form>
  `;
}

function SessionsCard({ sessions }) {
  const [confirming, setConfirming] = useState(false);
  const [ending, setEnding] = useState(false);
  const items = (sessions.data && sessions.data.items) || [];
  const others = items.filter((s) => !s.current).length;

  const endOthers = async () => {
    setEnding(true);
    try {
      const { ended } = await auth.endOtherSessions();
      toast(ended === 1 ? 'Signed out 1 other session' : `Signed out ${ended ?? 0} other sessions`);
      sessions.retry();
    } catch (e) {
      const ref = e.requestId ? ` (request ${e.requestId})` : '';
      toast(`Could not sign out the other sessions: ${e.message}${ref}`, { kind: 'error', timeoutMs: 8000 });
    } finally {
      setEnding(false);
      setConfirming(false);
    }
  };

  let body;
  if (sessions.error) {
    body = html`<${ErrorState} error=${sessions.error} title="Could not load your sessions" onRetry=${sessions.retry} />`;
  } else if (!sessions.data) {
    body = html`<${Loading} label="Loading sessions…" />`;
  } else if (!items.length) {
    body = html`<${Empty} title="No sessions" testid="sessions-empty">You are signed in with an API token, not a browser session.<//>`;
  } else {
    body = html`
      <div class=${`table-wrap ${sessions.loading ? 'is-busy' : ''}`}>
        <table class="table" data-testid="sessions-table">
          <caption class="visually-hidden">Your sessions</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col" class="hide-xs">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col" class="hide-sm">Expires</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (s) => html`<tr key=${s.id} data-testid="session-row">
                <td class="cell-wrap" title=${s.user_agent || ''}>
                  <span class="cell-strong">${deviceName(s.user_agent)}</span>
                  ${s.current && html` <span class="badge badge-ok" data-testid="session-current">This session</span>`}
                </td>
                <td class="hide-xs nowrap" title=${formatDateTime(s.created_at)}>${formatShortDateTime(s.created_at)}</td>
                <td class="nowrap" title=${formatDateTime(s.last_seen_at) || ''}>${formatShortDateTime(s.last_seen_at) || '—'}</td>
                <td class="hide-sm nowrap" title=${formatDateTime(s.expires_at) || ''}>${formatShortDateTime(s.expires_at) || '—'}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    `;
  }

  return html`
    <div class="card card-padded" data-testid="sessions">
      <div class="card-head">
        <div>
          <h2 class="card-title">Sessions</h2>
          <p class="card-text muted">Browsers signed in as you.</p>
        </div>
        <button
          type="button"
          class="btn btn-danger-ghost"
          disabled=${!others || ending}
          onClick=${() => setConfirming(true)}
          data-testid="end-other-sessions"
        >Sign out other sessions</button>
      </div>
      ${body}
      <${ConfirmDialog}
        open=${confirming}
        title="Sign out your other sessions?"
        confirmLabel="Sign them out"
        danger
        busy=${ending}
        onConfirm=${endOthers}
        onCancel=${() => setConfirming(false)}
      >
        Every other browser signed in as you (${others}) will need to sign in again. This one stays signed in.
      <//>
    </div>
  `;
}

export function ProfileScreen({ user }) {
  const sessions = useLoad((signal) => auth.sessions({ signal }), []);
  return html`
    <${SettingsPage} user=${user} section="profile" testid="settings-profile">
      <${AccountCard} user=${user} />
      <${PasswordForm} onChanged=${sessions.retry} />
      <${SessionsCard} sessions=${sessions} />
    <//>
  `;
}
