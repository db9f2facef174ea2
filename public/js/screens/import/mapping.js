// Import, step 2: which contact field each column of the file fills (the server's guess first),
// with a few sample values of each column from the file, and the mode; saved with PATCH.
import { html, useEffect, useRef, useState } from '../../preact.js';
import { imports as importsApi } from '../../api.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { FormError } from '../../components/field.js';
import { ModeChoice } from './upload.js';

const LABELS = {
  first_name: 'First name',
  last_name: 'Last name',
  full_name: 'Full name',
  title: 'Title',
  email: 'Email',
  linkedin_url: 'LinkedIn URL',
  phone: 'Phone',
  timezone: 'Time zone',
  notes: 'Notes',
  seniority: 'Seniority',
  department: 'Department',
  company: 'Company name',
  domain: 'Company domain',
  website: 'Company website',
  industry: 'Company industry',
  sub_industry: 'Company sub-industry',
  employee_count: 'Company head count',
  country: 'Company country',
};
const COMPANY_FIELDS = ['company', 'domain', 'website', 'industry', 'sub_industry', 'employee_count', 'country'];

/** `linkedin_url` → "LinkedIn URL"; a field the app does not know yet reads as its words. */
export function fieldLabel(field) {
  if (LABELS[field]) return LABELS[field];
  const words = String(field).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function initialMapping(job) {
  const guessed = job.mapping || {};
  return Object.fromEntries(job.headers.map((h) => [h, guessed[h] || '']));
}

/** The columns that share a field with another column, each with the message to show. */
function duplicateErrors(mapping) {
  const byField = {};
  for (const [header, field] of Object.entries(mapping)) if (field) (byField[field] ||= []).push(header);
  const errors = {};
  for (const [field, headers] of Object.entries(byField)) {
    if (headers.length < 2) continue;
    for (const h of headers) {
      const others = headers.filter((x) => x !== h).map((x) => `“${x}”`).join(', ');
      errors[h] = [`${fieldLabel(field)} is also chosen for ${others}: a field takes one column.`];
    }
  }
  return errors;
}

/** The server's field errors: those about one column (`mapping.Email`) go next to it. */
function explain(error, headers) {
  const inline = {};
  const details = [];
  for (const f of error.fields || []) {
    const name = String(f.field || '');
    const m = /^\/?mapping(?:\.|\[|\/)"?(.+?)"?\]?$/.exec(name);
    const header = m && headers.find((h) => h === m[1]);
    const message = f.message || f.rule || 'is invalid';
    if (header !== undefined && header !== null) (inline[header] ||= []).push(message);
    else details.push(name ? `${name}: ${message}` : message);
  }
  return { inline, details };
}

function FieldSelect({ id, header, value, onChange, error, disabled, fields }) {
  const person = fields.filter((f) => !COMPANY_FIELDS.includes(f));
  const company = fields.filter((f) => COMPANY_FIELDS.includes(f));
  const errorId = error ? `${id}-error` : undefined;
  return html`
    <select
      id=${id}
      class=${`control control-sm mapping-select ${error ? 'control-invalid' : ''}`}
      value=${value}
      onChange=${(e) => onChange(header, e.currentTarget.value)}
      disabled=${disabled}
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${errorId}
      data-testid="mapping-select"
      data-header=${header}
    >
      <option value="">Ignore</option>
      <optgroup label="Person">${person.map((f) => html`<option key=${f} value=${f}>${fieldLabel(f)}</option>`)}</optgroup>
      ${company.length
        ? html`<optgroup label="Company">${company.map((f) => html`<option key=${f} value=${f}>${fieldLabel(f)}</option>`)}</optgroup>`
        : null}
    </select>
    ${error &&
    html`<div class="field-error" id=${errorId} data-testid="mapping-error">${error.map((m, i) => html`<div key=${i}>${m}</div>`)}</div>`}
  `;
}

function Samples({ values }) {
  if (!values.length) return html`<span class="muted">Empty in the first rows</span>`;
  return html`<ul class="samples" data-testid="mapping-samples">
    ${values.map((v, i) => html`<li key=${i} class="sample" title=${v}>${v}</li>`)}
  </ul>`;
}

/**
 * `job`: the import (its headers, guessed mapping and fields); `samples`: the sample values by
 * column, or null when this page did not read the file (a reload). `onSaved(job)` gets the
 * saved import; `onBack`, when given, leaves without saving.
 */
export function MappingStep({ job, samples, onSaved, onBack }) {
  const [mapping, setMapping] = useState(() => initialMapping(job));
  const [mode, setMode] = useState(job.mode || 'create');
  const [inline, setInline] = useState({});
  const [error, setError] = useState(null);
  const [saving, setSaving] = useState(false);
  const phone = useMedia(PHONE_QUERY);
  const formRef = useRef(null);
  const fields = Array.isArray(job.fields) ? job.fields : Object.keys(LABELS);

  useEffect(() => {
    if (!error || !formRef.current) return;
    (formRef.current.querySelector('[aria-invalid="true"]') || formRef.current.querySelector('.form-error'))?.focus();
  }, [error]);

  const choose = (header, field) => {
    setMapping((m) => ({ ...m, [header]: field }));
    setInline((er) => {
      if (!Object.keys(er).length) return er;
      // A change may resolve a clash elsewhere: check the clashes again.
      return duplicateErrors({ ...mapping, [header]: field });
    });
  };

  const save = async (e) => {
    e.preventDefault();
    if (saving) return;
    const clashes = duplicateErrors(mapping);
    if (Object.keys(clashes).length) {
      setInline(clashes);
      setError({ message: 'Some fields are chosen for more than one column.' });
      return;
    }
    if (!Object.values(mapping).some(Boolean)) {
      setInline({});
      setError({ message: 'Choose a field for at least one column: every column is ignored.' });
      return;
    }
    setSaving(true);
    setError(null);
    setInline({});
    try {
      const body = { mapping: Object.fromEntries(Object.entries(mapping).map(([h, f]) => [h, f || null])), mode };
      const saved = await importsApi.update(job.id, body);
      setSaving(false);
      onSaved(saved);
    } catch (err) {
      const { inline: byHeader, details } = explain(err, job.headers);
      setInline(byHeader);
      setError({ ...err, message: err.message, requestId: err.requestId, details });
      setSaving(false);
    }
  };

  const rows = job.headers.map((h, i) => ({ header: h, index: i, samples: samples ? samples[i] || [] : null }));
  const select = (r) =>
    html`<${FieldSelect}
      id=${`map-${r.index}`}
      header=${r.header}
      value=${mapping[r.header] || ''}
      onChange=${choose}
      error=${inline[r.header]}
      disabled=${saving}
      fields=${fields}
    />`;
  const headerName = (h) => (h === '' ? html`<span class="muted">(no name)</span>` : h);

  const table = phone
    ? html`<ul class="mapping-cards" data-testid="mapping-table">
        ${rows.map(
          (r) => html`<li key=${r.index} class="mapping-card" data-testid="mapping-row" data-header=${r.header}>
            <label class="mapping-card-name" for=${`map-${r.index}`}>${headerName(r.header)}</label>
            ${samples && html`<${Samples} values=${r.samples} />`}
            ${select(r)}
          </li>`,
        )}
      </ul>`
    : html`<div class="table-wrap">
        <table class="table table-mapping" data-testid="mapping-table">
          <caption class="visually-hidden">The columns of the file and the contact field each fills</caption>
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              ${samples && html`<th scope="col">Sample values</th>`}
              <th scope="col">Import as</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) => html`<tr key=${r.index} data-testid="mapping-row" data-header=${r.header}>
                <th scope="row" class="mapping-name"><label for=${`map-${r.index}`}>${headerName(r.header)}</label></th>
                ${samples && html`<td class="cell-wrap"><${Samples} values=${r.samples} /></td>`}
                <td class="mapping-field">${select(r)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`;

  return html`
    <form ref=${formRef} class="import-mapping" onSubmit=${save} noValidate data-testid="import-mapping" aria-labelledby="mapping-title">
      <div class="card card-padded">
        <h2 class="card-title" id="mapping-title">2. Match the columns</h2>
        <p class="card-text muted">
          Each column of <strong>${job.filename}</strong> fills the contact field chosen for it; ignored columns are left out.
          ${samples ? null : ' (Sample values show only in the page the file was chosen in.)'}
        </p>
        ${error && html`<${FormError} error=${error} details=${error.details || []} testid="mapping-form-error" />`}
        ${table}
        <${ModeChoice} value=${mode} onChange=${setMode} disabled=${saving} />
        <div class="form-actions">
          ${onBack && html`<button type="button" class="btn" onClick=${onBack} disabled=${saving} data-testid="mapping-back">Back to the dry run</button>`}
          <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="mapping-save">
            ${saving ? 'Saving…' : 'Save and start the dry run'}
          </button>
        </div>
      </div>
    </form>
  `;
}
