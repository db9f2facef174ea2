// Account detail: every field of one account, the people who work there, its opportunities,
// its and its people's signals and what happened lately with them, with Edit and Delete (after
// a confirmation) for the roles that may use them.
import { html, useEffect, useState } from '../../preact.js';
import { accounts, isAbort } from '../../api.js';
import { navigate } from '../../router.js';
import { PageHeader } from '../../components/layout.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDateTime, formatInt, safeHref } from '../../format.js';
import { canDeleteAccounts, canWriteAccounts } from '../../access.js';
import { AccountPeople } from './people.js';
import { AccountSignals } from './signals.js';
import { AccountOpportunities } from './opportunities.js';
import { AccountActivity } from './activity.js';

function localTime(timeZone) {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date());
  } catch {
    return null;
  }
}

function Link({ url }) {
  const href = safeHref(url);
  return href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${url}</a>` : url;
}

function Value({ children }) {
  return children === null || children === undefined || children === '' ? html`<span class="muted">—</span>` : children;
}

/** Loads one account; `notFound` is set on a 404. Shared with the edit form. */
export function useAccount(id) {
  const [state, setState] = useState({ loading: true, account: null, error: null, notFound: false });
  const [reload, setReload] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ loading: true, account: null, error: null, notFound: false });
    accounts
      .get(id, { signal: ctrl.signal })
      .then((account) => setState({ loading: false, account, error: null, notFound: false }))
      .catch((error) => {
        if (isAbort(error)) return;
        setState({ loading: false, account: null, error, notFound: error.status === 404 });
      });
    return () => ctrl.abort();
  }, [id, reload]);
  return { ...state, retry: () => setReload((n) => n + 1) };
}

export function AccountNotFound() {
  return html`<${NotFound} title="Account not found" backLabel="Back to accounts">
    This account does not exist, or it has been deleted.
  <//>`;
}

export function AccountDetailScreen({ params, user }) {
  const { loading, account, error, notFound, retry } = useAccount(params.id);
  const remove = useConfirm(async () => {
    await accounts.remove(account.id);
    toast(`Deleted ${account.name}`);
    navigate('/accounts', { replace: true });
  }, 'delete');

  if (loading) return html`<section class="page page-narrow"><${Loading} label="Loading account…" /></section>`;
  if (notFound) return html`<section class="page page-narrow"><${AccountNotFound} /></section>`;
  if (error) {
    return html`<section class="page page-narrow"><${ErrorState} error=${error} title="Could not load this account" onRetry=${retry} /></section>`;
  }

  const a = account;
  const tz = a.timezone ? localTime(a.timezone) : null;
  const domainHref = a.domain ? safeHref(`https://${a.domain}`) : null;
  const canEdit = canWriteAccounts(user);
  const canDelete = canDeleteAccounts(user);
  const actions =
    canEdit || canDelete
      ? html`
          ${canEdit && html`<a class="btn" href=${`/accounts/${encodeURIComponent(a.id)}/edit`} data-testid="edit-account">Edit</a>`}
          ${canDelete &&
          html`<button type="button" class="btn btn-danger-ghost" onClick=${() => remove.ask()} data-testid="delete-account">Delete</button>`}
        `
      : null;

  const rows = [
    ['Domain', 'domain', domainHref ? html`<a href=${domainHref} target="_blank" rel="noopener noreferrer">${a.domain}</a>` : a.domain],
    ['Industry', 'industry', a.industry],
    ['Sub-industry', 'sub_industry', a.sub_industry],
    ['Employees', 'employee_count', formatInt(a.employee_count)],
    ['Country', 'country', a.country],
    ['Time zone', 'timezone', a.timezone && html`${a.timezone}${tz ? html` <span class="muted">· ${tz} local</span>` : null}`],
    ['Website', 'website', a.website && html`<${Link} url=${a.website} />`],
    ['LinkedIn', 'linkedin_url', a.linkedin_url && html`<${Link} url=${a.linkedin_url} />`],
    [
      'Tech stack',
      'tech_stack',
      a.tech_stack && a.tech_stack.length
        ? html`<ul class="chips">${a.tech_stack.map((t, i) => html`<li key=${i} class="chip">${t}</li>`)}</ul>`
        : null,
    ],
  ];

  return html`
    <section class="page page-narrow" data-testid="account-detail">
      <${PageHeader}
        title=${a.name}
        testid="account-name"
        crumbs=${[{ href: '/accounts', label: 'Accounts' }, { label: a.name }]}
        actions=${actions}
      />
      <div class="card">
        <dl class="kv">
          ${rows.map(
            ([label, key, value]) => html`<div class="kv-row" key=${key}>
              <dt>${label}</dt>
              <dd data-testid=${`account-${key}`}><${Value}>${value}<//></dd>
            </div>`,
          )}
        </dl>
      </div>
      <div class="card">
        <h2 class="card-title">Notes</h2>
        ${a.notes
          ? html`<p class="notes" data-testid="account-notes">${a.notes}</p>`
          : html`<p class="muted" data-testid="account-notes">No notes.</p>`}
      </div>
      <${AccountPeople} account=${a} user=${user} />
      <${AccountOpportunities} account=${a} />
      <${AccountSignals} account=${a} />
      <${AccountActivity} account=${a} />
      <dl class="meta-line">
        <div><dt>Created</dt><dd data-testid="account-created_at" title=${a.created_at}>${formatDateTime(a.created_at)}</dd></div>
        <div><dt>Updated</dt><dd data-testid="account-updated_at" title=${a.updated_at}>${formatDateTime(a.updated_at)}</dd></div>
        <div><dt>ID</dt><dd><code data-testid="account-id">${a.id}</code></dd></div>
      </dl>
      <${ConfirmDialog} title="Delete this account?" confirmLabel="Delete account" danger ...${remove.dialog}>
        <strong>${a.name}</strong> will be deleted. This cannot be undone.
      <//>
    </section>
  `;
}
