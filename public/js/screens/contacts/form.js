// Create (/contacts/new, `?account_id=` picks the company; `?first_name=`, `last_name`, `email`,
// `title` and `notes` start the form, as a referral's "Add as contact" does) and edit (/contacts/:id/edit) a
// contact. Create sends the filled fields; edit PATCHes only what changed, null for a cleared
// field. Server field errors show next to their fields; a taken email or LinkedIn URL (409)
// links to the contact that has it.
import { html, useEffect, useMemo, useState } from '../../preact.js';
import { accounts, contacts as contactsApi, isAbort } from '../../api.js';
import { canEditContact } from '../../access.js';
import { navigate } from '../../router.js';
import { useForm } from '../../use-form.js';
import { PageHeader } from '../../components/layout.js';
import { Field, FormError } from '../../components/field.js';
import { AccountPicker } from '../../components/account-picker.js';
import { ErrorState, Forbidden, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { DEPARTMENTS, SENIORITIES, contactName } from '../../contact-meta.js';
import { ownerChoices, useTeam } from '../../owners.js';
import { ContactNotFound, useContact } from './detail.js';

const TEXT_FIELDS = ['first_name', 'last_name', 'title', 'email', 'linkedin_url', 'phone', 'timezone', 'notes'];
const FIELD_NAMES = [...TEXT_FIELDS, 'seniority', 'department', 'account_id', 'owner_id'];

let timezones = null;
function timezoneList() {
  if (timezones === null) {
    try {
      timezones = Intl.supportedValuesOf('timeZone');
    } catch {
      timezones = [];
    }
  }
  return timezones;
}

/** The fields a new contact's form may start with, from its address. */
const PREFILLED = ['first_name', 'last_name', 'email', 'title', 'notes'];

/** A contact as the form's values: strings, and the account as `{ id, name, domain }`; a new one
 *  starts with `prefill`'s fields. */
function toForm(contact, me, account, prefill = {}) {
  const out = {};
  for (const name of TEXT_FIELDS) out[name] = contact && contact[name] != null ? String(contact[name]) : prefill[name] || '';
  out.seniority = contact ? contact.seniority || '' : '';
  out.department = contact ? contact.department || '' : '';
  out.account = contact ? contact.account || (contact.account_id ? { id: contact.account_id, name: contact.account_id } : null) : account;
  out.owner_id = contact ? contact.owner_id || '' : me.id;
  return out;
}

/** The form's values as API values (empty text is null) and the client-side errors. */
function parseForm(values) {
  const data = {};
  for (const name of TEXT_FIELDS) {
    const raw = values[name] ?? '';
    data[name] = name === 'notes' ? (raw.trim() ? raw : null) : raw.trim() || null;
  }
  data.seniority = values.seniority || null;
  data.department = values.department || null;
  data.account_id = values.account ? values.account.id : null;
  data.owner_id = values.owner_id || null;
  const errors = {};
  if (!data.first_name) errors.first_name = ['is required'];
  if (data.email && !/^[^\s@]+@[^\s@]+$/.test(data.email)) errors.email = ['must be an email address'];
  if (data.linkedin_url && !/linkedin\.com\/in\//i.test(data.linkedin_url)) {
    errors.linkedin_url = ['must be a LinkedIn profile URL (linkedin.com/in/…)'];
  }
  return { data, errors };
}

/** The create body: filled fields; no seniority or department derives them from the title;
 *  the owner is left out when it is the creator (the server's default). */
function createBody(data, me) {
  const body = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'owner_id') continue;
    if (v !== null) body[k] = v;
  }
  if (data.owner_id !== me.id) body.owner_id = data.owner_id;
  return body;
}

/** The PATCH body: only what changed against the loaded contact; a cleared field is null. */
function patchBody(data, contact) {
  const body = {};
  for (const name of FIELD_NAMES) {
    const before = contact[name] === undefined || contact[name] === '' ? null : contact[name];
    if (data[name] !== before) body[name] = data[name];
  }
  return body;
}

/** Field errors inline (the account's under the picker), the rest as lines; a 409 links the other contact. */
function explainError(error) {
  const byField = error.fieldErrors ? error.fieldErrors() : {};
  const inline = {};
  const details = [];
  for (const [field, messages] of Object.entries(byField)) {
    if (FIELD_NAMES.includes(field)) inline[field] = messages;
    else details.push(...messages.map((m) => `${field}: ${m}`));
  }
  if (error.status === 409) {
    const field = inline.linkedin_url ? 'linkedin_url' : inline.email ? 'email' : /linkedin/i.test(error.message) ? 'linkedin_url' : 'email';
    if (!inline[field]) inline[field] = [error.message];
    const other = error.conflictsWith;
    if (other && other.entity === 'contact' && other.id) {
      inline[field] = [
        ...inline[field],
        html`<a href=${`/contacts/${encodeURIComponent(other.id)}`} data-testid="conflict-link">Open the existing contact</a>`,
      ];
    }
  }
  return { inline, details };
}

function ContactForm({ contact, account, prefill, user }) {
  const editing = Boolean(contact);
  const team = useTeam(user);
  const form = useForm(useMemo(() => toForm(contact, user, account, prefill), [contact, account]));
  const { values, errors, saving } = form;
  const owners = ownerChoices(user, team, values.owner_id || null);

  const onSubmit = form.submit({
    fields: FIELD_NAMES,
    validate: (v) => parseForm(v).errors,
    save: async (v) => {
      const { data } = parseForm(v);
      let saved;
      if (editing) {
        const body = patchBody(data, contact);
        if (!Object.keys(body).length) {
          toast('No changes to save', { kind: 'info' });
          navigate(`/contacts/${encodeURIComponent(contact.id)}`, { replace: true });
          return;
        }
        saved = await contactsApi.update(contact.id, body);
      } else {
        saved = await contactsApi.create(createBody(data, user));
      }
      toast(editing ? 'Contact saved' : `Created ${contactName(saved)}`);
      navigate(`/contacts/${encodeURIComponent(saved.id)}`, { replace: true });
    },
    explain: explainError,
  });

  const select = (name) => ({ ...form.field(name), onChange: form.onInput(name) });
  const cancelHref = editing
    ? `/contacts/${encodeURIComponent(contact.id)}`
    : account
      ? `/accounts/${encodeURIComponent(account.id)}`
      : '/contacts';
  const title = editing ? `Edit ${contactName(contact)}` : 'New contact';
  const crumbs = editing
    ? [{ href: '/contacts', label: 'Contacts' }, { href: cancelHref, label: contactName(contact) }, { label: 'Edit' }]
    : [{ href: '/contacts', label: 'Contacts' }, { label: 'New' }];
  const fromTitle = editing ? 'Unknown' : 'From the title';

  return html`
    <section class="page page-narrow" data-testid="contact-form-screen">
      <${PageHeader} title=${title} crumbs=${crumbs} />
      <form ref=${form.formRef} class="form" noValidate onSubmit=${onSubmit} data-testid="contact-form" aria-busy=${saving ? 'true' : 'false'}>
        ${form.formError && html`<${FormError} ...${form.formError} />`}
        <fieldset class="card form-section">
          <legend class="card-title">Person</legend>
          <div class="form-grid">
            <${Field} id="contact-first_name" label="First name" required autocomplete="off" ...${form.field('first_name')} />
            <${Field} id="contact-last_name" label="Last name" autocomplete="off" ...${form.field('last_name')} />
            <${Field} id="contact-title" label="Title" className="field-wide" placeholder="VP Engineering" ...${form.field('title')} />
            <${Field} id="contact-seniority" label="Seniority" as="select" hint=${editing ? null : 'Empty: worked out from the title.'} ...${select('seniority')}>
              ${editing ? null : html`<option value="">${fromTitle}</option>`}
              ${SENIORITIES.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
            <//>
            <${Field} id="contact-department" label="Department" as="select" hint=${editing ? null : 'Empty: worked out from the title.'} ...${select('department')}>
              <option value="">${editing ? 'None' : fromTitle}</option>
              ${DEPARTMENTS.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
            <//>
          </div>
        </fieldset>
        <fieldset class="card form-section">
          <legend class="card-title">Reach</legend>
          <div class="form-grid">
            <${Field} id="contact-email" label="Email" type="email" inputMode="email" spellcheck=${false} autocomplete="off" ...${form.field('email')} />
            <${Field}
              id="contact-linkedin_url"
              label="LinkedIn URL"
              inputMode="url"
              spellcheck=${false}
              placeholder="https://www.linkedin.com/in/…"
              ...${form.field('linkedin_url')}
            />
            <${Field} id="contact-phone" label="Phone" type="tel" autocomplete="off" ...${form.field('phone')} />
            <${Field}
              id="contact-timezone"
              label="Time zone"
              list="contact-timezones"
              spellcheck=${false}
              placeholder="Europe/Berlin"
              hint="Empty: the company's, then the team's."
              ...${form.field('timezone')}
            />
          </div>
        </fieldset>
        <fieldset class="card form-section">
          <legend class="card-title">Company and owner</legend>
          <div class="form-grid">
            <${AccountPicker}
              id="contact-account"
              value=${values.account}
              error=${errors.account_id}
              disabled=${saving}
              onChange=${(a) => {
                form.setValue('account', a);
                if (errors.account_id) form.setErrors((er) => ({ ...er, account_id: undefined }));
              }}
            />
            <${Field} id="contact-owner_id" label="Owner" as="select" ...${select('owner_id')}>
              ${owners.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
            <//>
            <${Field} id="contact-notes" label="Notes" as="textarea" rows="4" className="field-wide" ...${form.field('notes')} />
          </div>
        </fieldset>
        <datalist id="contact-timezones">${timezoneList().map((tz) => html`<option key=${tz} value=${tz}></option>`)}</datalist>
        <div class="form-actions">
          <a class="btn" href=${cancelHref} data-testid="cancel">Cancel</a>
          <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="submit">
            ${saving ? 'Saving…' : editing ? 'Save changes' : 'Create contact'}
          </button>
        </div>
      </form>
    </section>
  `;
}

/** The account named by `?account_id=`, to start the form with ("Add person" on an account). */
function useStartAccount(accountId) {
  const [state, setState] = useState({ loading: Boolean(accountId), account: null });
  useEffect(() => {
    if (!accountId) return undefined;
    const ctrl = new AbortController();
    accounts
      .get(accountId, { signal: ctrl.signal })
      .then((a) => setState({ loading: false, account: { id: a.id, name: a.name, domain: a.domain || null } }))
      .catch((e) => !isAbort(e) && setState({ loading: false, account: null }));
    return () => ctrl.abort();
  }, [accountId]);
  return state;
}

export function ContactCreateScreen({ location, user }) {
  const start = useStartAccount(location.query.get('account_id') || '');
  if (start.loading) return html`<section class="page page-narrow"><${Loading} label="Loading…" /></section>`;
  const prefill = Object.fromEntries(PREFILLED.map((name) => [name, (location.query.get(name) || '').slice(0, 2000)]));
  return html`<${ContactForm} contact=${null} account=${start.account} prefill=${prefill} user=${user} />`;
}

export function ContactEditScreen({ params, user }) {
  const { loading, contact, error, notFound, retry } = useContact(params.id);
  if (loading) return html`<section class="page page-narrow"><${Loading} label="Loading contact…" /></section>`;
  if (notFound) return html`<section class="page page-narrow"><${ContactNotFound} /></section>`;
  if (error) {
    return html`<section class="page page-narrow"><${ErrorState} error=${error} title="Could not load this contact" onRetry=${retry} /></section>`;
  }
  if (!canEditContact(user, contact)) {
    return html`<section class="page page-narrow">
      <${Forbidden} role=${user.role} backHref=${`/contacts/${encodeURIComponent(contact.id)}`} backLabel="Back to the contact">
        Only its owner, a manager or an admin can edit this contact.
      <//>
    </section>`;
  }
  return html`<${ContactForm} contact=${contact} account=${null} user=${user} />`;
}
