// Settings → API tokens: create a token (name, scopes, optional expiry) whose secret is shown
// once in a copyable box, and the list of your tokens with Revoke (after a confirmation).
import { html, useLayoutEffect, useRef, useState } from '../../preact.js';
import { tokens } from '../../api.js';
import { canManageUsers, canWriteAccounts } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { useForm } from '../../use-form.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { Field, FormError } from '../../components/field.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDate, formatDateTime } from '../../format.js';

const SCOPES = [
  { value: 'read', label: 'Read', hint: 'Read all data', allowed: () => true },
  { value: 'write', label: 'Write', hint: 'Create and change data', allowed: canWriteAccounts },
  { value: 'admin', label: 'Admin', hint: 'Users and settings', allowed: canManageUsers },
];

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A date from the picker as the end of that day, local time, in RFC 3339. */
function endOfDay(date) {
  const d = new Date(`${date}T23:59:59`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function tokenStatus(t, now = Date.now()) {
  if (t.revoked_at) return 'revoked';
  if (t.expires_at && Date.parse(t.expires_at) <= now) return 'expired';
  return 'active';
}

/** Copies `text`; falls back to selecting `input` and the old copy command. */
async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!input) return false;
    input.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

function SecretBox({ created, onDone }) {
  const inputRef = useRef(null);
  const [copied, setCopied] = useState(false);
  // Focus (and so select) the secret, ready to copy; screen readers read the warning with it.
  useLayoutEffect(() => inputRef.current?.focus(), [created]);
  const onCopy = async () => {
    const ok = await copy(created.secret, inputRef.current);
    setCopied(ok);
    if (!ok) toast('Could not copy: select the token and copy it yourself', { kind: 'info' });
  };
  return html`
    <div class="secret-box" role="status" data-testid="token-secret-box">
      <div class="secret-title">Copy the token “${created.token.name}” now</div>
      <p class="secret-warning" id="token-secret-warning" data-testid="token-secret-warning">
        This is the only time OCC shows it. Keep it in a password manager or a secret store; if you lose it,
        revoke it and create a new one.
      </p>
      <div class="secret-row">
        <label class="visually-hidden" for="token-secret">New API token</label>
        <input
          id="token-secret"
          ref=${inputRef}
          class="control secret-value"
          readonly
          value=${created.secret}
          spellcheck=${false}
          autocomplete="off"
          aria-describedby="token-secret-warning"
          data-testid="token-secret"
          onFocus=${(e) => e.currentTarget.select()}
        />
        <button type="button" class="btn btn-primary" onClick=${onCopy} data-testid="token-copy">${copied ? 'Copied' : 'Copy'}</button>
      </div>
      <div class="secret-actions">
        <button type="button" class="btn btn-sm" onClick=${onDone} data-testid="token-secret-done">I have stored it</button>
      </div>
    </div>
  `;
}

const NEW_TOKEN = { name: '', scopes: ['read'], expires_at: '' };

function CreateTokenForm({ user, onCreated }) {
  const scopes = SCOPES.filter((s) => s.allowed(user));
  const form = useForm(NEW_TOKEN);
  const { values, errors, saving } = form;

  const toggleScope = (value) => (e) => {
    const on = e.currentTarget.checked;
    form.setValue('scopes', on ? [...values.scopes, value] : values.scopes.filter((s) => s !== value));
  };

  const onSubmit = form.submit({
    validate: (v) => {
      const clientErrors = {};
      if (!v.name.trim()) clientErrors.name = ['Give the token a name, such as the program that will use it.'];
      if (!v.scopes.length) clientErrors.scopes = ['Choose at least one scope.'];
      if (v.expires_at) {
        const expiresAt = endOfDay(v.expires_at);
        if (!expiresAt || Date.parse(expiresAt) <= Date.now()) clientErrors.expires_at = ['Choose a date from today on.'];
      }
      return clientErrors;
    },
    save: async (v) => {
      const ordered = SCOPES.map((s) => s.value).filter((s) => v.scopes.includes(s));
      const expiresAt = v.expires_at ? endOfDay(v.expires_at) : null;
      const created = await tokens.create({ name: v.name.trim(), scopes: ordered, expires_at: expiresAt });
      form.setValues(NEW_TOKEN);
      onCreated(created);
    },
  });

  const scopeError = errors.scopes;
  return html`
    <form ref=${form.formRef} class="card form-section" noValidate onSubmit=${onSubmit} data-testid="token-form" aria-busy=${saving ? 'true' : 'false'}>
      <h2 class="card-title">Create a token</h2>
      <p class="card-text muted">For scripts and integrations: send it as <code>Authorization: Bearer occ_…</code>. A token can do at most what your role can.</p>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <div class="form-grid">
        <${Field} id="token-name" label="Name" required placeholder="CRM sync" autocomplete="off" ...${form.field('name')} />
        <${Field}
          id="token-expires"
          label="Expires on"
          type="date"
          min=${todayIso()}
          hint="Leave empty for a token that does not expire."
          ...${form.field('expires_at')}
        />
        <fieldset
          class="field field-wide checks"
          data-testid="field-scopes"
          aria-invalid=${scopeError ? 'true' : undefined}
          aria-describedby=${scopeError ? 'token-scopes-error' : undefined}
        >
          <legend class="field-label">Scopes <span class="required" aria-hidden="true">*</span></legend>
          <div class="check-row">
            ${scopes.map(
              (s) => html`<label class="check" key=${s.value}>
                <input
                  type="checkbox"
                  name="scopes"
                  value=${s.value}
                  checked=${values.scopes.includes(s.value)}
                  onChange=${toggleScope(s.value)}
                  disabled=${saving}
                  data-testid=${`scope-${s.value}`}
                />
                <span><strong>${s.label}</strong> <span class="muted">${s.hint}</span></span>
              </label>`,
            )}
          </div>
          ${scopeError &&
          html`<div class="field-error" id="token-scopes-error" data-testid="field-error-scopes">
            ${scopeError.map((m, i) => html`<div key=${i}>${m}</div>`)}
          </div>`}
        </fieldset>
      </div>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="token-submit">
          ${saving ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  `;
}

const STATUS_LABEL = { active: 'Active', revoked: 'Revoked', expired: 'Expired' };

function TokenList({ list, onRevoke }) {
  if (list.error) return html`<${ErrorState} error=${list.error} title="Could not load your tokens" onRetry=${list.retry} />`;
  if (!list.data) return html`<${Loading} label="Loading tokens…" />`;
  const items = list.data.items || [];
  if (!items.length) {
    return html`<${Empty} title="No API tokens yet" testid="tokens-empty">
      Create one above for a script or an integration that calls the OCC API.
    <//>`;
  }
  return html`
    <div class=${`table-wrap ${list.loading ? 'is-busy' : ''}`}>
      <table class="table" data-testid="tokens-table">
        <caption class="visually-hidden">Your API tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scopes</th>
            <th scope="col" class="hide-sm">Created</th>
            <th scope="col" class="hide-sm">Last used</th>
            <th scope="col" class="hide-xs">Expires</th>
            <th scope="col">Status</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${items.map((t) => {
            const status = tokenStatus(t);
            return html`<tr key=${t.id} data-testid="token-row" data-token-id=${t.id}>
              <td class="cell-strong" title=${t.name}>${t.name}</td>
              <td>${(t.scopes || []).map((s) => html`<span key=${s} class="chip chip-inline">${s}</span>`)}</td>
              <td class="hide-sm nowrap" title=${t.created_at}>${formatDate(t.created_at)}</td>
              <td class="hide-sm nowrap" title=${t.last_used_at || ''}>${formatDateTime(t.last_used_at) || html`<span class="muted">Never</span>`}</td>
              <td class="hide-xs nowrap" title=${t.expires_at || ''}>${formatDate(t.expires_at) || html`<span class="muted">Never</span>`}</td>
              <td><span class=${`badge ${status === 'active' ? 'badge-ok' : 'badge-muted'}`} data-testid="token-status">${STATUS_LABEL[status]}</span></td>
              <td class="cell-actions">
                ${status === 'active'
                  ? html`<button type="button" class="btn btn-sm btn-danger-ghost" onClick=${() => onRevoke(t)} data-testid="token-revoke">
                      Revoke<span class="visually-hidden"> ${t.name}</span>
                    </button>`
                  : null}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}

export function TokensScreen({ user }) {
  const list = useLoad((signal) => tokens.list({ signal }), []);
  const [created, setCreated] = useState(null);
  const revoke = useConfirm(async (token) => {
    await tokens.revoke(token.id);
    toast(`Revoked ${token.name}`);
    list.retry();
  }, 'revoke');

  return html`
    <${SettingsPage} user=${user} section="tokens" testid="settings-tokens">
      ${created && html`<${SecretBox} created=${created} onDone=${() => setCreated(null)} />`}
      <${CreateTokenForm}
        user=${user}
        onCreated=${(c) => {
          setCreated(c);
          list.retry();
          window.scrollTo(0, 0);
        }}
      />
      <h2 class="section-title">Your tokens</h2>
      <${TokenList} list=${list} onRevoke=${revoke.ask} />
      <${ConfirmDialog} title="Revoke this token?" confirmLabel="Revoke token" danger ...${revoke.dialog}>
        <strong>${revoke.subject && revoke.subject.name}</strong> stops working at once: programs that use it get 401. This cannot be undone.
      <//>
    <//>
  `;
}
