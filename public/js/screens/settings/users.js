// Settings → Users (admins): the team's users, paged; create a user; change a role; disable
// or enable; set a temporary password. The server refuses (409) to remove the last admin.
import { html, useState } from '../../preact.js';
import { users } from '../../api.js';
import { ROLES, roleLabel } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { ConfirmDialog } from '../../components/confirm.js';
import { Pager, pagerLabel } from '../../components/table.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast, toastFailure } from '../../components/toast.js';
import { formatShortDateTime, formatDateTime } from '../../format.js';
import { MIN_PASSWORD } from './profile.js';
import { CreateUserForm, TemporaryPassword } from './user-form.js';

const PAGE_SIZE = 50;

function UsersTable({ rows, me, pending, busy, onRole, onToggle, onPassword }) {
  return html`
    <div class=${`table-wrap ${busy ? 'is-busy' : ''}`}>
      <table class="table table-users" data-testid="users-table">
        <caption class="visually-hidden">Users</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col" class="hide-xs">Status</th>
            <th scope="col" class="hide-sm">Last sign-in</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${rows.map((u) => {
            const self = me && me.id === u.id;
            const working = Boolean(pending[u.id]);
            return html`<tr key=${u.id} data-testid="user-row" data-user-email=${u.email} class=${u.disabled ? 'row-disabled' : ''}>
              <td class="cell-stack cell-person" title=${u.email}>
                <span class="cell-strong">${u.name || u.email}${self ? html` <span class="muted">(you)</span>` : null}</span>
                <span class="cell-line muted" data-testid="user-email">${u.email}</span>
                ${u.disabled && html`<span class="cell-sub show-xs"><span class="badge badge-muted">Disabled</span></span>`}
              </td>
              <td>
                <label class="visually-hidden" for=${`role-${u.id}`}>Role of ${u.name || u.email}</label>
                <select
                  id=${`role-${u.id}`}
                  class="control control-sm"
                  value=${u.role}
                  disabled=${working}
                  onChange=${(e) => onRole(u, e.currentTarget.value, e.currentTarget)}
                  data-testid="user-role"
                >
                  ${ROLES.map((r) => html`<option key=${r.value} value=${r.value}>${r.label}</option>`)}
                </select>
              </td>
              <td class="hide-xs">
                <span class=${`badge ${u.disabled ? 'badge-muted' : 'badge-ok'}`} data-testid="user-status">${u.disabled ? 'Disabled' : 'Active'}</span>
              </td>
              <td class="hide-sm nowrap" title=${formatDateTime(u.last_login_at) || ''}>
                ${formatShortDateTime(u.last_login_at) || html`<span class="muted">Never</span>`}
              </td>
              <td class="cell-actions">
                <button type="button" class="btn btn-sm" onClick=${() => onPassword(u)} disabled=${working} data-testid="user-set-password">
                  Set password<span class="visually-hidden"> for ${u.name || u.email}</span>
                </button>
                <button
                  type="button"
                  class=${`btn btn-sm ${u.disabled ? '' : 'btn-danger-ghost'}`}
                  onClick=${() => onToggle(u)}
                  disabled=${working || (self && !u.disabled)}
                  title=${self && !u.disabled ? "You can't disable yourself" : undefined}
                  data-testid="user-toggle"
                >
                  ${u.disabled ? 'Enable' : 'Disable'}<span class="visually-hidden"> ${u.name || u.email}</span>
                </button>
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}

export function UsersScreen({ user: me }) {
  const [cursors, setCursors] = useState([]); // the cursors of the pages before this one
  const [cursor, setCursor] = useState('');
  const list = useLoad((signal) => users.list({ limit: PAGE_SIZE, cursor }, { signal }), [cursor]);
  const [changed, setChanged] = useState({}); // id → the user as the server answered a PATCH
  const [pending, setPending] = useState({});
  const [creating, setCreating] = useState(false);
  const [dialog, setDialog] = useState(null); // { kind: 'disable' | 'password', user }
  const [password, setPassword] = useState({ value: '', error: null });
  const [dialogBusy, setDialogBusy] = useState(false);

  const rows = ((list.data && list.data.items) || []).map((u) => changed[u.id] || u);

  /** PATCHes `u`; on failure says so in a toast (unless `what` is null) and rethrows. */
  const patch = async (u, body, what) => {
    setPending((p) => ({ ...p, [u.id]: true }));
    try {
      const saved = await users.update(u.id, body);
      setChanged((c) => ({ ...c, [saved.id]: saved }));
      return saved;
    } catch (e) {
      if (what) toastFailure(what, e);
      throw e;
    } finally {
      setPending((p) => ({ ...p, [u.id]: false }));
    }
  };

  const onRole = async (u, role, select) => {
    try {
      const saved = await patch(u, { role }, `change the role of ${u.name || u.email}`);
      toast(`${saved.name || saved.email} is now ${roleLabel(saved.role)}`);
    } catch {
      select.value = u.role; // the select shows what the server still has
    }
  };

  const enable = async (u) => {
    try {
      await patch(u, { disabled: false }, `enable ${u.name || u.email}`);
      toast(`Enabled ${u.name || u.email}`);
    } catch {
      // told in a toast
    }
  };

  const onConfirm = async () => {
    const u = dialog.user;
    if (dialog.kind === 'disable') {
      setDialogBusy(true);
      try {
        await patch(u, { disabled: true }, `disable ${u.name || u.email}`);
        toast(`Disabled ${u.name || u.email} and ended their sessions`);
      } catch {
        // told in a toast
      }
      setDialogBusy(false);
      setDialog(null);
      return;
    }
    if (password.value.length < MIN_PASSWORD) {
      setPassword((p) => ({ ...p, error: [`Use at least ${MIN_PASSWORD} characters.`] }));
      return;
    }
    setDialogBusy(true);
    try {
      await patch(u, { password: password.value }, null);
      toast(`Temporary password set for ${u.name || u.email}`);
      setDialog(null);
    } catch (e) {
      const byField = e.fieldErrors ? e.fieldErrors() : {};
      // Shown in the dialog: a toast would sit under the modal's backdrop.
      setPassword((p) => ({ ...p, error: byField.password || [e.message] }));
    } finally {
      setDialogBusy(false);
    }
  };

  const actions = creating
    ? null
    : html`<button type="button" class="btn btn-primary" onClick=${() => setCreating(true)} data-testid="new-user">New user</button>`;

  let body;
  if (list.error) {
    body = html`<${ErrorState} error=${list.error} title="Could not load users" onRetry=${list.retry} />`;
  } else if (!list.data) {
    body = html`<${Loading} label="Loading users…" />`;
  } else if (!rows.length && !cursor) {
    body = html`<${Empty} title="No users yet" testid="users-empty">Create the first one with New user.<//>`;
  } else {
    const label = pagerLabel({
      count: rows.length,
      first: cursors.length * PAGE_SIZE + 1,
      onlyPage: !cursor && !list.data.next_cursor,
      total: list.data.total,
      hasNext: Boolean(list.data.next_cursor),
      one: 'user',
      many: 'users',
    });
    body = html`
      <${UsersTable}
        rows=${rows}
        me=${me}
        pending=${pending}
        busy=${list.loading}
        onRole=${onRole}
        onToggle=${(u) => (u.disabled ? enable(u) : setDialog({ kind: 'disable', user: u }))}
        onPassword=${(u) => {
          setPassword({ value: '', error: null });
          setDialog({ kind: 'password', user: u });
        }}
      />
      ${(cursor || list.data.next_cursor) &&
      html`<${Pager}
        label=${label}
        hasPrev=${Boolean(cursor)}
        hasNext=${Boolean(list.data.next_cursor)}
        busy=${list.loading}
        onPrev=${() => {
          setCursor(cursors[cursors.length - 1] || '');
          setCursors(cursors.slice(0, -1));
        }}
        onNext=${() => {
          setCursors([...cursors, cursor]);
          setCursor(list.data.next_cursor);
        }}
      />`}
    `;
  }

  const who = dialog && (dialog.user.name || dialog.user.email);
  return html`
    <${SettingsPage} user=${me} section="users" actions=${actions} testid="settings-users">
      ${creating &&
      html`<${CreateUserForm}
        onCreated=${() => {
          setCreating(false);
          setChanged({});
          list.retry();
        }}
        onCancel=${() => setCreating(false)}
      />`}
      ${body}
      <${ConfirmDialog}
        id="user-dialog"
        open=${Boolean(dialog)}
        title=${dialog && dialog.kind === 'disable' ? `Disable ${who}?` : `Set a temporary password for ${who}`}
        confirmLabel=${dialog && dialog.kind === 'disable' ? 'Disable user' : 'Set password'}
        danger=${Boolean(dialog && dialog.kind === 'disable')}
        busy=${dialogBusy}
        onConfirm=${onConfirm}
        onCancel=${() => setDialog(null)}
      >
        ${dialog && dialog.kind === 'disable'
          ? html`They are signed out everywhere and cannot sign in until you enable them again.`
          : dialog &&
            html`<p class="dialog-lead">Their current password stops working. Give them this one over a safe channel.</p>
              <${TemporaryPassword}
                id="reset-password"
                value=${password.value}
                error=${password.error}
                onValue=${(value) => setPassword({ value, error: null })}
                disabled=${dialogBusy}
              />`}
      <//>
    <//>
  `;
}
