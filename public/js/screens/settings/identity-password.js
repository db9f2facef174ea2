// Settings → Identities, a write-only password of the identity form (SMTP or IMAP): a new one
// for an identity without one; keep, replace or remove when one is stored. Its field errors
// show under it.
import { html } from '../../preact.js';
import { Field } from '../../components/field.js';

/** A field's messages, under it. */
export function FieldErrors({ id, name, messages }) {
  if (!messages || !messages.length) return null;
  return html`<div class="field-error" id=${id} data-testid=${`field-error-${name}`}>
    ${messages.map((m, i) => html`<div key=${i}>${m}</div>`)}
  </div>`;
}

/**
 * The password `name` (`password` for SMTP, `imap_password`), with its mode in `${name}_mode`;
 * `stored`: whether one is stored; `label`: "SMTP password".
 */
export function PasswordField({ form, stored, name = 'password', label = 'SMTP password' }) {
  const { values, errors, saving } = form;
  const mode = `${name}_mode`;
  const input = html`<${Field}
    id=${`identity-${name}`}
    name=${name}
    label=${stored ? `New ${label}` : label}
    type="password"
    autocomplete="new-password"
    hint="Write-only: OCC stores it encrypted and never shows it again."
    ...${form.field(name)}
  />`;
  if (!stored) return input;
  const setMode = (m) => () => form.setValue(mode, m);
  return html`
    <fieldset class="field checks" data-testid=${`field-${mode}`}>
      <legend class="field-label">${label}</legend>
      <p class="field-hint" data-testid=${`${name}-stored`}>A password is stored.</p>
      <div class="check-row">
        ${[
          ['keep', 'Keep it'],
          ['replace', 'Replace it'],
          ['remove', 'Remove it'],
        ].map(
          ([m, text]) => html`<label class="check" key=${m}>
            <input type="radio" name=${mode} value=${m} checked=${values[mode] === m} onChange=${setMode(m)} disabled=${saving} data-testid=${`${name}-${m}`} />
            <span>${text}</span>
          </label>`,
        )}
      </div>
      ${values[mode] !== 'replace' && html`<${FieldErrors} id=${`identity-${name}-error`} name=${name} messages=${errors[name]} />`}
    </fieldset>
    ${values[mode] === 'replace' ? input : null}
  `;
}
