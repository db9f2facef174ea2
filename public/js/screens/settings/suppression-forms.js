// Settings → Suppression, the two ways in: Add (one address, domain or LinkedIn profile, with a
// reason and a note) and Import (a pasted list or a .csv/.txt file read in the browser), which
// reports how many were added, how many were already there and which lines it could not read.
import { html, useState } from '../../preact.js';
import { suppression } from '../../api.js';
import { useForm } from '../../use-form.js';
import { Field, FormError } from '../../components/field.js';
import { toast } from '../../components/toast.js';
import { formatDate, formatInt } from '../../format.js';

export const KINDS = [
  { value: 'email', field: 'email', label: 'Email address', placeholder: 'someone@example.com' },
  { value: 'domain', field: 'domain', label: 'Domain', placeholder: 'example.com' },
  { value: 'linkedin', field: 'linkedin_url', label: 'LinkedIn profile', placeholder: 'https://www.linkedin.com/in/someone' },
];

export const REASONS = [
  { value: 'manual', label: 'Manual' },
  { value: 'unsubscribe', label: 'Unsubscribed' },
  { value: 'complaint', label: 'Complaint' },
  { value: 'hard_bounce', label: 'Hard bounce' },
  { value: 'soft_bounce_limit', label: 'Soft bounce limit' },
];
/** Made only by erasing a person; listed, never chosen. */
export const ERASED = { value: 'erased', label: 'Erased person' };

export const reasonLabel = (r) => ([...REASONS, ERASED].find((x) => x.value === r) || { label: r }).label;
export const kindLabel = (k) => (KINDS.find((x) => x.value === k) || { label: k }).label;

const reasonOptions = REASONS.map((r) => html`<option key=${r.value} value=${r.value}>${r.label}</option>`);

const NEW_ENTRY = { kind: 'email', value: '', reason: 'manual', note: '' };

export function AddEntryForm({ onAdded }) {
  const form = useForm(NEW_ENTRY);
  const { values, saving } = form;
  const [already, setAlready] = useState(null);
  const kind = KINDS.find((k) => k.value === values.kind);

  const onSubmit = form.submit({
    validate: (v) => (v.value.trim() ? {} : { value: [`Enter the ${kind.label.toLowerCase()} to suppress.`] }),
    save: async (v) => {
      setAlready(null);
      const body = { [kind.field]: v.value.trim(), reason: v.reason };
      if (v.note.trim()) body.note = v.note.trim();
      const { status, body: entry } = await suppression.create(body);
      if (status === 201) {
        toast(`Suppressed ${entry.value}`);
        form.setValues({ ...NEW_ENTRY, kind: v.kind, reason: v.reason });
        onAdded(entry);
      } else {
        setAlready(entry);
      }
    },
    // The server names the field it got (email, domain, linkedin_url): all are this one input.
    explain: (error) => {
      const messages = (error.fields || [])
        .filter((f) => ['email', 'domain', 'linkedin_url', 'value'].includes(f.field))
        .map((f) => f.message);
      const inline = messages.length ? { value: messages } : {};
      const note = (error.fields || []).filter((f) => f.field === 'note').map((f) => f.message);
      if (note.length) inline.note = note;
      return { inline };
    },
  });

  return html`
    <form ref=${form.formRef} class="card form-section" noValidate onSubmit=${onSubmit} data-testid="suppression-add" aria-busy=${saving ? 'true' : 'false'}>
      <h2 class="card-title">Add</h2>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <div class="form-grid">
        <${Field} id="suppress-kind" label="Kind" as="select" ...${form.field('kind')} onInput=${undefined} onChange=${(e) => {
          form.setValue('kind', e.currentTarget.value);
          setAlready(null);
        }}>
          ${KINDS.map((k) => html`<option key=${k.value} value=${k.value}>${k.label}</option>`)}
        <//>
        <${Field}
          id="suppress-value"
          label=${kind.label}
          required
          autocomplete="off"
          spellcheck=${false}
          placeholder=${kind.placeholder}
          ...${form.field('value')}
          onInput=${(e) => {
            form.setValue('value', e.currentTarget.value);
            setAlready(null);
          }}
        />
        <${Field} id="suppress-reason" label="Reason" as="select" ...${form.field('reason')} onInput=${undefined} onChange=${form.onInput('reason')}>
          ${reasonOptions}
        <//>
        <${Field} id="suppress-note" label="Note" autocomplete="off" placeholder="Asked us by phone" ...${form.field('note')} />
      </div>
      ${already &&
      html`<div class="notice" role="status" data-testid="suppression-already">
        <strong>${already.value}</strong> is already suppressed (${reasonLabel(already.reason).toLowerCase()}, since ${formatDate(already.created_at)}). Nothing changed.
      </div>`}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="suppression-add-submit">${saving ? 'Adding…' : 'Suppress'}</button>
      </div>
    </form>
  `;
}

function ImportResult({ result }) {
  return html`
    <div class="import-outcome" role="status" data-testid="suppression-import-result">
      <div>
        <strong data-testid="import-added">${formatInt(result.added)}</strong> added${' · '}<strong data-testid="import-already"
          >${formatInt(result.already_suppressed)}</strong
        > already suppressed${' · '}<strong data-testid="import-invalid-count">${formatInt(result.invalid.length)}</strong> ${result.invalid.length === 1 ? 'line' : 'lines'} not read
      </div>
      ${result.invalid.length > 0 &&
      html`<ul class="invalid-lines" data-testid="import-invalid">
        ${result.invalid.map(
          (l) => html`<li key=${l.line} data-testid="import-invalid-line" data-line=${l.line}>
            Line ${l.line}: <code>${l.value}</code> <span class="muted">— ${l.reason}</span>
          </li>`,
        )}
      </ul>`}
    </div>
  `;
}

const NEW_IMPORT = { text: '', reason: 'manual', note: '' };

export function ImportForm({ onImported }) {
  const form = useForm(NEW_IMPORT);
  const { saving } = form;
  const [result, setResult] = useState(null);
  const [fileName, setFileName] = useState('');

  const onFile = async (e) => {
    const file = e.currentTarget.files && e.currentTarget.files[0];
    if (!file) return;
    try {
      form.setValue('text', await file.text());
      setFileName(file.name);
    } catch {
      form.setErrors({ text: [`Could not read ${file.name}.`] });
    }
  };

  const onSubmit = form.submit({
    validate: (v) => (v.text.trim() ? {} : { text: ['Paste the values, one a line, or choose a file.'] }),
    save: async (v) => {
      setResult(null);
      const body = { text: v.text, reason: v.reason };
      if (v.note.trim()) body.note = v.note.trim();
      const outcome = await suppression.import(body);
      setResult(outcome);
      if (outcome.added) onImported(outcome);
    },
  });

  return html`
    <form ref=${form.formRef} class="card form-section" noValidate onSubmit=${onSubmit} data-testid="suppression-import" aria-busy=${saving ? 'true' : 'false'}>
      <h2 class="card-title">Import</h2>
      <p class="card-text muted">One value a line, or a CSV whose first column is the value: addresses, domains (<code>acme.com</code> or <code>@acme.com</code>) and LinkedIn profiles, up to 10,000.</p>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <div class="form-grid">
        <${Field} id="suppress-import-text" className="field-wide" label="Values" as="textarea" rows="6" spellcheck=${false} ...${form.field('text')} />
        <div class="field field-wide">
          <label class="field-label" for="suppress-import-file">Or read a file</label>
          <input id="suppress-import-file" type="file" accept=".csv,.txt,text/csv,text/plain" onChange=${onFile} disabled=${saving} data-testid="suppression-import-file" />
          ${fileName && html`<div class="field-hint">Read ${fileName} into the box above; check it, then import.</div>`}
        </div>
        <${Field} id="suppress-import-reason" label="Reason" as="select" ...${form.field('reason')} onInput=${undefined} onChange=${form.onInput('reason')}>
          ${reasonOptions}
        <//>
        <${Field} id="suppress-import-note" label="Note" autocomplete="off" hint="Kept on every entry." ...${form.field('note')} />
      </div>
      ${result && html`<${ImportResult} result=${result} />`}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="suppression-import-submit">${saving ? 'Importing…' : 'Import'}</button>
      </div>
    </form>
  `;
}
