// Settings → Profile: who you are, a form to change your own password, and your sessions with
// "Sign out other sessions".
import { html } from '../../preact.js';
import { auth } from '../../api.js';
import { roleLabel } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { useForm } from '../../use-form.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { Field, FormError } from '../../components/field.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDateTime, formatShortDateTime } from '../../format.js';

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
  const form = useForm(EMPTY_PASSWORDS);
  const { saving } = form;

  const onSubmit = form.submit({
    validate: (v) => {
      const errors = {};
      if (!v.current_password) errors.current_password = ['Enter your current password.'];
      if (v.new_password.length < MIN_PASSWORD) errors.new_password = [`Use at least ${MIN_PASSWORD} characters.`];
      if (v.confirm !== v.new_password) errors.confirm = ['The two new passwords differ.'];
      return errors;
    },
    save: async (v) => {
      await auth.changePassword(v.current_password, v.new_password);
      form.setValues(EMPTY_PASSWORDS);
      toast('Password changed. Your other sessions were signed out.');
      // The server may have renewed this session with the password; take its CSRF token.
      await auth.me().catch(() => {});
      onChanged();
    },
    fields: ['current_password', 'new_password'],
  });

  return html`
    <form ref=${form.formRef} class="card form-section" noValidate onSubmit=${onSubmit} data-testid="password-form" aria-busy=${saving ? 'true' : 'false'}>
      <h2 class="card-title">Change password</h2>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <div class="form-grid">
        <${Field}
          id="pw-current"
          label="Current password"
          type="password"
          autocomplete="current-password"
          className="field-wide"
          required
          ...${form.field('current_password')}
        />
        <${Field}
          id="pw-new"
          label="New password"
          type="password"
          autocomplete="new-password"
          hint=${`At least ${MIN_PASSWORD} characters.`}
          required
          ...${form.field('new_password')}
        />
        <${Field} id="pw-confirm" label="Repeat new password" type="password" autocomplete="new-password" required ...${form.field('confirm')} />
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
  const items = (sessions.data && sessions.data.items) || [];
  const others = items.filter((s) => !s.current).length;
  const endOthers = useConfirm(async () => {
    const { ended } = await auth.endOtherSessions();
    toast(ended === 1 ? 'Signed out 1 other session' : `Signed out ${ended ?? 0} other sessions`);
    sessions.retry();
  }, 'sign out the other sessions');

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
          disabled=${!others || endOthers.busy}
          onClick=${() => endOthers.ask()}
          data-testid="end-other-sessions"
        >Sign out other sessions</button>
      </div>
      ${body}
      <${ConfirmDialog} title="Sign out your other sessions?" confirmLabel="Sign them out" danger ...${endOthers.dialog}>
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
