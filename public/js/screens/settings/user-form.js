// Settings → Users, the New user form: name, email, role and a temporary password, which the
// admin types or generates and passes on. The password input serves the reset dialog too.
import { html } from '../../preact.js';
import { users } from '../../api.js';
import { ROLES } from '../../access.js';
import { fieldErrorsFor, useForm } from '../../use-form.js';
import { Field, FormError } from '../../components/field.js';
import { toast } from '../../components/toast.js';
import { MIN_PASSWORD } from './profile.js';

/** A random 16-character password without look-alike characters (0/O, 1/l/I). */
function generatePassword() {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = new Uint32Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** A password input with a "Generate" button; shown as text so the admin can pass it on. */
export function TemporaryPassword({ id, value, error, onValue, disabled }) {
  return html`
    <div class="field-with-button">
      <${Field}
        id=${id}
        name="password"
        label="Temporary password"
        type="text"
        autocomplete="off"
        spellcheck=${false}
        required
        hint=${`At least ${MIN_PASSWORD} characters. Give it to them over a safe channel; they should change it after signing in.`}
        value=${value}
        error=${error}
        onInput=${(e) => onValue(e.currentTarget.value)}
        disabled=${disabled}
      />
      <button type="button" class="btn" onClick=${() => onValue(generatePassword())} disabled=${disabled} data-testid=${`${id}-generate`}>
        Generate
      </button>
    </div>
  `;
}

const EMPTY_USER = { name: '', email: '', role: 'bdr', password: '' };

/** The create body from the form: name and email trimmed. */
function userBody(v) {
  return { name: v.name.trim(), email: v.email.trim(), role: v.role, password: v.password };
}

export function CreateUserForm({ onCreated, onCancel }) {
  const form = useForm(EMPTY_USER);
  const { values, errors, saving } = form;

  const onSubmit = form.submit({
    validate: (v) => {
      const body = userBody(v);
      const clientErrors = {};
      if (!body.name) clientErrors.name = ['Enter their name.'];
      if (!body.email) clientErrors.email = ['Enter their email address.'];
      else if (!/^[^\s@]+@[^\s@]+$/.test(body.email)) clientErrors.email = ['This is not an email address.'];
      if (body.password.length < MIN_PASSWORD) clientErrors.password = [`Use at least ${MIN_PASSWORD} characters.`];
      return clientErrors;
    },
    save: async (v) => {
      const created = await users.create(userBody(v));
      form.setValues(EMPTY_USER);
      toast(`Created ${created.name || created.email}. Give them the temporary password.`);
      onCreated(created);
    },
    explain: (error) => {
      const inline = fieldErrorsFor(error, Object.keys(EMPTY_USER));
      if (error.status === 409 && !Object.keys(inline).length) inline.email = [error.message];
      return { inline };
    },
  });

  return html`
    <form ref=${form.formRef} class="card form-section" noValidate onSubmit=${onSubmit} data-testid="user-form" aria-busy=${saving ? 'true' : 'false'}>
      <h2 class="card-title">New user</h2>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <div class="form-grid">
        <${Field} id="user-name" label="Name" required autocomplete="off" ...${form.field('name')} />
        <${Field} id="user-email" label="Email" type="email" required autocomplete="off" spellcheck=${false} ...${form.field('email')} />
        <${Field}
          id="user-role"
          name="role"
          label="Role"
          as="select"
          value=${values.role}
          error=${errors.role}
          hint=${ROLES.find((r) => r.value === values.role)?.hint}
          onChange=${form.onInput('role')}
          disabled=${saving}
        >
          ${ROLES.map((r) => html`<option key=${r.value} value=${r.value}>${r.label}</option>`)}
        <//>
        <${TemporaryPassword} id="user-password" value=${values.password} error=${errors.password} onValue=${(v) => form.setValue('password', v)} disabled=${saving} />
      </div>
      <div class="form-actions">
        <button type="button" class="btn" onClick=${onCancel} disabled=${saving} data-testid="user-cancel">Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="user-submit">${saving ? 'Creating…' : 'Create user'}</button>
      </div>
    </form>
  `;
}
