// Settings → Identities, the mailbox OCC reads for an identity (IMAP): where it is, how to sign
// in (the password write-only, like the SMTP one), whether the worker reads it, and how its
// last reading went, in words. Its values, checks and body join the identity form's.
import { html } from '../../preact.js';
import { Field } from '../../components/field.js';
import { formatRelative } from '../../format.js';
import { PasswordField } from './identity-password.js';

/** IMAP's securities, with the port each usually uses. */
export const IMAP_SECURITIES = [
  { value: 'tls', label: 'TLS', port: 993 },
  { value: 'starttls', label: 'STARTTLS', port: 143 },
  { value: 'none', label: 'None', port: 143 },
];

const str = (n) => (n === null || n === undefined ? '' : String(n));

/** An identity's mailbox settings as the form's values; the password is never prefilled. */
export function mailboxValues(identity) {
  const i = identity || {};
  return {
    imap_enabled: Boolean(i.imap_enabled),
    imap_host: i.imap_host || '',
    imap_port: str(i.imap_port ?? 993),
    imap_security: i.imap_security || 'tls',
    imap_username: i.imap_username || '',
    imap_password_mode: i.has_imap_password ? 'keep' : 'replace',
    has_imap_password: Boolean(i.has_imap_password),
    imap_password: '',
  };
}

/** What the browser can tell: reading the mailbox needs its host, user name and password. */
export function validateMailbox(v, errors) {
  if (v.imap_port.trim() && !/^\d+$/.test(v.imap_port.trim())) errors.imap_port = ['Enter a whole number.'];
  if (v.has_imap_password && v.imap_password_mode === 'replace' && !v.imap_password) {
    errors.imap_password = ['Enter the new password, or keep the stored one.'];
  }
  if (!v.imap_enabled) return;
  if (!v.imap_host.trim()) errors.imap_host = ['Enter the IMAP server, such as imap.example.com.'];
  if (!v.imap_username.trim()) errors.imap_username = ['Enter the user name of the mailbox.'];
  const stays = v.has_imap_password && v.imap_password_mode === 'keep';
  if (!stays && !v.imap_password && !errors.imap_password) errors.imap_password = ['Enter the mailbox password.'];
}

/** The mailbox's part of the body (a new identity leaves out what it does not set). */
export function mailboxBody(v, editing) {
  const host = v.imap_host.trim();
  const body = {
    imap_enabled: v.imap_enabled,
    imap_host: host || null,
    imap_port: v.imap_port.trim() ? Number(v.imap_port) : null,
    imap_security: v.imap_security,
    imap_username: v.imap_username.trim() || null,
  };
  if (v.imap_password_mode === 'replace' && v.imap_password) body.imap_password = v.imap_password;
  else if (editing && v.imap_password_mode === 'remove') body.imap_password = null;
  if (!editing && !host) return { imap_enabled: v.imap_enabled };
  if (!editing) for (const k of ['imap_port', 'imap_username']) if (body[k] === null) delete body[k];
  return body;
}

/** How the mailbox's reading stands, in words. */
export function mailboxSummary(identity) {
  if (!identity.imap_enabled) return 'Not read: replies and bounces reach OCC only by a webhook or by hand.';
  if (identity.mailbox_error) return `The last reading failed: ${identity.mailbox_error}`;
  if (identity.mailbox_synced_at) return `Read ${formatRelative(identity.mailbox_synced_at)}; the worker reads it about every minute.`;
  return 'Not read yet: the worker reads it within a minute or two.';
}

/** The mailbox's state in a few words, for the list (null when it is not read). */
export function mailboxShort(identity) {
  if (!identity.imap_enabled) return null;
  if (identity.mailbox_error) return 'Mailbox: the last reading failed';
  if (identity.mailbox_synced_at) return `Mailbox read ${formatRelative(identity.mailbox_synced_at)}`;
  return 'Mailbox: not read yet';
}

/** The form's Mailbox section. `select(name)` gives a select's props, as the form's others. */
export function MailboxFields({ form, identity, select }) {
  const { values, saving } = form;
  // A port still at the old security's usual number follows the new one (993 ↔ 143).
  const onSecurity = (e) => {
    const next = IMAP_SECURITIES.find((x) => x.value === e.currentTarget.value);
    const before = IMAP_SECURITIES.find((x) => x.value === values.imap_security);
    form.setValue('imap_security', next.value);
    if (before && values.imap_port === String(before.port)) form.setValue('imap_port', String(next.port));
  };
  return html`
    <fieldset class="card form-section" data-testid="identity-mailbox">
      <legend class="card-title">Mailbox (replies and bounces)</legend>
      <label class="check">
        <input type="checkbox" checked=${values.imap_enabled} onChange=${(e) => form.setValue('imap_enabled', e.currentTarget.checked)} disabled=${saving} data-testid="imap-enabled" />
        <span>Read this mailbox's inbox for replies, bounces and out-of-office answers (nothing in it is marked or moved)</span>
      </label>
      ${identity && html`<p class="field-hint" data-testid="mailbox-status">${mailboxSummary(identity)}</p>`}
      <div class="form-grid">
        <${Field} id="identity-imap_host" label="IMAP host" autocomplete="off" spellcheck=${false} placeholder="imap.example.com" ...${form.field('imap_host')} />
        <${Field} id="identity-imap_port" label="IMAP port" inputmode="numeric" ...${form.field('imap_port')} />
        <${Field} id="identity-imap_security" label="IMAP security" hint="TLS on 993 or STARTTLS on 143; None is for local testing only." ...${select('imap_security')} onChange=${onSecurity}>
          ${IMAP_SECURITIES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}${s.value === 'none' ? ' (local testing only)' : ''}</option>`)}
        <//>
        <${Field} id="identity-imap_username" label="IMAP username" autocomplete="off" spellcheck=${false} ...${form.field('imap_username')} />
        <${PasswordField} form=${form} stored=${Boolean(identity && identity.has_imap_password)} name="imap_password" label="IMAP password" />
      </div>
    </fieldset>
  `;
}
