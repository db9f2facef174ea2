// Create (/accounts/new) and edit (/accounts/:id/edit) an account. Create sends the filled
// fields; edit PATCHes only the fields that changed, with null for a cleared one. Server
// field errors (422, and the duplicate-domain 409) are shown next to their fields.
import { html, useMemo } from '../../preact.js';
import { accounts } from '../../api.js';
import { navigate } from '../../router.js';
import { useForm } from '../../use-form.js';
import { PageHeader } from '../../components/layout.js';
import { Field, FormError } from '../../components/field.js';
import { ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { AccountNotFound, useAccount } from './detail.js';

const SECTIONS = [
  {
    title: 'Company',
    fields: [
      { name: 'name', label: 'Name', required: true, autocomplete: 'organization', placeholder: 'Acme' },
      { name: 'domain', label: 'Domain', placeholder: 'acme.com', hint: 'Without https:// or www.', spellcheck: false },
      { name: 'website', label: 'Website', placeholder: 'https://acme.com', inputMode: 'url', spellcheck: false },
      { name: 'linkedin_url', label: 'LinkedIn URL', placeholder: 'https://www.linkedin.com/company/acme', inputMode: 'url', spellcheck: false },
    ],
  },
  {
    title: 'Firmographics',
    fields: [
      { name: 'industry', label: 'Industry', placeholder: 'Software' },
      { name: 'sub_industry', label: 'Sub-industry', placeholder: 'Data infrastructure' },
      { name: 'employee_count', label: 'Employees', inputMode: 'numeric', placeholder: '250' },
      { name: 'country', label: 'Country', placeholder: 'DE', autocomplete: 'country' },
      { name: 'timezone', label: 'Time zone', placeholder: 'Europe/Berlin', list: 'timezones', hint: 'An IANA time zone.', spellcheck: false },
    ],
  },
  {
    title: 'Research',
    fields: [
      { name: 'tech_stack', label: 'Tech stack', placeholder: 'snowflake, dbt', hint: 'Comma-separated.', wide: true, spellcheck: false },
      { name: 'notes', label: 'Notes', as: 'textarea', rows: 5, wide: true },
    ],
  },
];
const FIELD_NAMES = SECTIONS.flatMap((s) => s.fields.map((f) => f.name));

let timezones = null;
export function timezoneList() {
  if (timezones === null) {
    try {
      timezones = Intl.supportedValuesOf('timeZone');
    } catch {
      timezones = [];
    }
  }
  return timezones;
}

/** An account as the form's strings. */
function toForm(account) {
  const out = {};
  for (const name of FIELD_NAMES) {
    const v = account ? account[name] : null;
    if (name === 'tech_stack') out[name] = Array.isArray(v) ? v.join(', ') : '';
    else out[name] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

/** The form's strings as API values, plus client-side errors (required name, whole number). */
function parseForm(values) {
  const data = {};
  const errors = {};
  for (const name of FIELD_NAMES) {
    const raw = values[name] ?? '';
    if (name === 'tech_stack') {
      const seen = new Set();
      data[name] = raw
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t && !seen.has(t) && seen.add(t));
    } else if (name === 'employee_count') {
      const t = raw.trim().replace(/[\s,_]/g, '');
      if (!t) data[name] = null;
      else if (/^\d+$/.test(t)) data[name] = Number(t);
      else errors[name] = ['must be a whole number'];
    } else if (name === 'notes') {
      data[name] = raw.trim() ? raw : null;
    } else {
      data[name] = raw.trim() || null;
    }
  }
  if (!data.name) errors.name = ['is required'];
  return { data, errors };
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The create body: filled fields only. */
function createBody(data) {
  const body = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null || (Array.isArray(v) && !v.length)) continue;
    body[k] = v;
  }
  return body;
}

/** The PATCH body: only what changed against the loaded account; a cleared field is null. */
function patchBody(data, original) {
  const before = parseForm(toForm(original)).data;
  const body = {};
  for (const name of FIELD_NAMES) {
    if (!same(data[name], before[name])) body[name] = data[name];
  }
  return body;
}

/** Splits an API error into field errors we can show inline and the rest, as lines. */
function explainError(error) {
  const byField = error.fieldErrors ? error.fieldErrors() : {};
  const inline = {};
  const details = [];
  for (const [field, messages] of Object.entries(byField)) {
    if (FIELD_NAMES.includes(field)) inline[field] = messages;
    else details.push(...messages.map((m) => `${field}: ${m}`));
  }
  if (error.status === 409 && !Object.keys(inline).length) inline.domain = [error.message];
  const other409 = error.conflictsWith;
  if (error.status === 409 && inline.domain && other409 && other409.entity === 'account' && other409.id) {
    inline.domain = [
      ...inline.domain,
      html`<a href=${`/accounts/${encodeURIComponent(other409.id)}`} data-testid="conflict-link">Open the existing account</a>`,
    ];
  }
  return { inline, details };
}

function AccountForm({ account }) {
  const editing = Boolean(account);
  const form = useForm(useMemo(() => toForm(account), [account]));
  const { saving } = form;

  const onSubmit = form.submit({
    validate: (values) => parseForm(values).errors,
    save: async (values) => {
      const { data } = parseForm(values);
      let body;
      if (editing) {
        body = patchBody(data, account);
        if (!Object.keys(body).length) {
          toast('No changes to save', { kind: 'info' });
          navigate(`/accounts/${encodeURIComponent(account.id)}`, { replace: true });
          return;
        }
      } else {
        body = createBody(data);
      }
      const saved = editing ? await accounts.update(account.id, body) : await accounts.create(body);
      toast(editing ? 'Account saved' : `Created ${saved.name}`);
      navigate(`/accounts/${encodeURIComponent(saved.id)}`, { replace: true });
    },
    explain: explainError,
  });

  const cancelHref = editing ? `/accounts/${encodeURIComponent(account.id)}` : '/accounts';
  const title = editing ? `Edit ${account.name}` : 'New account';
  const crumbs = editing
    ? [{ href: '/accounts', label: 'Accounts' }, { href: cancelHref, label: account.name }, { label: 'Edit' }]
    : [{ href: '/accounts', label: 'Accounts' }, { label: 'New' }];

  return html`
    <section class="page page-narrow" data-testid="account-form-screen">
      <${PageHeader} title=${title} crumbs=${crumbs} />
      <form ref=${form.formRef} class="form" noValidate onSubmit=${onSubmit} data-testid="account-form" aria-busy=${saving ? 'true' : 'false'}>
        ${form.formError && html`<${FormError} ...${form.formError} />`}
        ${SECTIONS.map(
          (section) => html`
            <fieldset class="card form-section" key=${section.title}>
              <legend class="card-title">${section.title}</legend>
              <div class="form-grid">
                ${section.fields.map(({ name, wide, ...rest }) => html`
                  <${Field}
                    key=${name}
                    id=${`account-${name}`}
                    className=${wide ? 'field-wide' : ''}
                    ...${form.field(name)}
                    ...${rest}
                  />
                `)}
              </div>
            </fieldset>
          `,
        )}
        <datalist id="timezones">${timezoneList().map((tz) => html`<option key=${tz} value=${tz}></option>`)}</datalist>
        <div class="form-actions">
          <a class="btn" href=${cancelHref} data-testid="cancel">Cancel</a>
          <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="submit">
            ${saving ? 'Saving…' : editing ? 'Save changes' : 'Create account'}
          </button>
        </div>
      </form>
    </section>
  `;
}

export function AccountCreateScreen() {
  return html`<${AccountForm} account=${null} />`;
}

export function AccountEditScreen({ params }) {
  const { loading, account, error, notFound, retry } = useAccount(params.id);
  if (loading) return html`<section class="page page-narrow"><${Loading} label="Loading account…" /></section>`;
  if (notFound) return html`<section class="page page-narrow"><${AccountNotFound} /></section>`;
  if (error) {
    return html`<section class="page page-narrow"><${ErrorState} error=${error} title="Could not load this account" onRetry=${retry} /></section>`;
  }
  return html`<${AccountForm} account=${account} />`;
}
