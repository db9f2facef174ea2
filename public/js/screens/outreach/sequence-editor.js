// A sequence's editor (and the form of a new one): name, description, status, autopilot, and
// the ordered steps with their day offset, kind, subject, template and break-up flag. Each step
// shows a live preview for a sample contact picked from the contacts list, its merge fields
// filled in here in the browser; a field with no value is highlighted as unresolved. What the
// server refuses (a 422 for a step's template, a 409 while contacts are enrolled) is shown next
// to the step or above the Save button. Bdrs and viewers see the same screen, read-only.
import { html, useEffect, useState } from '../../preact.js';
import { contacts as contactsApi, sequences as sequencesApi } from '../../api.js';
import { canWriteSequences } from '../../access.js';
import { navigate } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { Field, FormError } from '../../components/field.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { contactName } from '../../contact-meta.js';
import { MERGE_FIELDS, mergeValues } from '../../merge-fields.js';
import { MergedText } from '../../components/merged-text.js';
import { SEQUENCE_STATUSES, SequenceStatus } from './sequences-list.js';

const KINDS = [
  { value: 'email', label: 'Email' },
  { value: 'linkedin_connect', label: 'LinkedIn connect' },
  { value: 'linkedin_message', label: 'LinkedIn message' },
  { value: 'call', label: 'Call' },
];

let nextKey = 1;
/** A step as the editor holds it: `key` tells the rows apart, `id` is the server's (kept in a PATCH). */
function editable(step) {
  nextKey += 1;
  return {
    key: `s${nextKey}`,
    id: step.id || null,
    day_offset: String(step.day_offset ?? 0),
    kind: step.kind || 'email',
    subject: step.subject || '',
    template: step.template || '',
    is_break_up: Boolean(step.is_break_up),
  };
}

function blankStep(previous) {
  return editable({ day_offset: previous ? Number(previous.day_offset || 0) + 3 : 0, kind: 'email' });
}

function fromSequence(s) {
  return {
    name: s.name || '',
    description: s.description || '',
    status: s.status || 'active',
    autopilot: Boolean(s.autopilot),
    steps: (s.steps || []).map(editable),
  };
}

/** The request body of the form's values. */
function toBody(values, isNew) {
  const steps = values.steps.map((s, i) => ({
    ...(s.id && !isNew ? { id: s.id } : {}),
    day_offset: Number(s.day_offset),
    kind: s.kind,
    ...(s.kind === 'email' ? { subject: s.subject } : {}),
    template: s.template,
    is_break_up: i === values.steps.length - 1 ? s.is_break_up : false,
  }));
  const body = { name: values.name.trim(), description: values.description.trim() || null, status: values.status, steps };
  if (!isNew) body.autopilot = values.autopilot;
  return body;
}

/** Client-side checks: what the server would refuse anyway, said before sending. Merge fields
 *  are left to the server, whose 422 names the step (the preview highlights them meanwhile). */
function validate(values) {
  const top = {};
  const steps = {};
  if (!values.name.trim()) top.name = ['Give the sequence a name.'];
  if (!values.steps.length) top.steps = ['Add at least one step.'];
  values.steps.forEach((s, i) => {
    const e = {};
    const day = Number(s.day_offset);
    if (s.day_offset === '' || !Number.isInteger(day) || day < 0 || day > 365) e.day_offset = ['A whole number of days from 0 to 365.'];
    else if (i > 0 && day < Number(values.steps[i - 1].day_offset)) e.day_offset = ['Not before the previous step.'];
    if (s.kind === 'email' && !s.subject.trim()) e.subject = ['An email needs a subject.'];
    if (!s.template.trim()) e.template = ['Write the message.'];
    if (Object.keys(e).length) steps[i] = e;
  });
  return { top, steps };
}

/** The server's field errors split into the sequence's own and each step's (by index). */
function splitErrors(error) {
  const top = {};
  const steps = {};
  const rest = [];
  for (const f of error.fields || []) {
    const name = String(f.field || '').replace(/^[$/.]+/, '');
    const msg = f.message || f.rule || 'is invalid';
    const m = name.match(/^steps[[./](\d+)\]?[./]?([a-z_]+)?/);
    if (m) {
      const i = Number(m[1]);
      const key = m[2] || 'template';
      steps[i] = steps[i] || {};
      (steps[i][key] ||= []).push(msg);
    } else if (['name', 'description', 'status', 'autopilot', 'steps'].includes(name)) {
      (top[name] ||= []).push(msg);
    } else {
      rest.push(msg);
    }
  }
  return { top, steps, rest };
}

function StepEditor({ step, index, count, readOnly, errors = {}, disabled, sample, onChange, onMove, onRemove }) {
  const id = `step-${step.key}`;
  const set = (name) => (e) => onChange({ [name]: e.currentTarget.value });
  const last = index === count - 1;
  const hasErrors = Object.keys(errors).length > 0;
  return html`
    <li class=${`card seq-step ${hasErrors ? 'has-error' : ''}`} data-testid="step" data-step-id=${step.id || ''}>
      <div class="seq-step-head">
        <h3 class="card-title">Step ${index + 1}</h3>
        ${!readOnly &&
        html`<div class="seq-step-tools">
          <button type="button" class="btn btn-sm btn-ghost" onClick=${() => onMove(-1)} disabled=${disabled || index === 0} aria-label=${`Move step ${index + 1} up`} data-testid="step-up">↑</button>
          <button type="button" class="btn btn-sm btn-ghost" onClick=${() => onMove(1)} disabled=${disabled || last} aria-label=${`Move step ${index + 1} down`} data-testid="step-down">↓</button>
          <button type="button" class="btn btn-sm btn-danger-ghost" onClick=${onRemove} disabled=${disabled || count === 1} data-testid="step-remove">Remove</button>
        </div>`}
      </div>
      <div class="seq-step-grid">
        <div class="seq-step-fields">
          <div class="form-grid">
            <${Field} id=${`${id}-day`} name="step-day" label="Day" type="number" min="0" max="365" inputmode="numeric" value=${step.day_offset} onInput=${set('day_offset')} error=${errors.day_offset} disabled=${disabled || readOnly} hint="Days after enrolling" data-testid="step-day" />
            <${Field} id=${`${id}-kind`} name="step-kind" label="Kind" as="select" value=${step.kind} onChange=${set('kind')} error=${errors.kind || errors.channel} disabled=${disabled || readOnly} data-testid="step-kind">
              ${KINDS.map((k) => html`<option key=${k.value} value=${k.value}>${k.label}</option>`)}
            <//>
            ${step.kind === 'email' &&
            html`<${Field} id=${`${id}-subject`} name="step-subject" label="Subject" className="field-wide" value=${step.subject} onInput=${set('subject')} error=${errors.subject} disabled=${disabled || readOnly} required data-testid="step-subject" />`}
            <${Field} id=${`${id}-template`} name="step-template" label=${step.kind === 'call' ? 'Call script' : 'Message'} as="textarea" rows="6" className="field-wide" value=${step.template} onInput=${set('template')} error=${errors.template} disabled=${disabled || readOnly} required data-testid="step-template" />
          </div>
          ${last
            ? html`<label class="check seq-breakup">
                <input type="checkbox" checked=${step.is_break_up} onChange=${(e) => onChange({ is_break_up: e.currentTarget.checked })} disabled=${disabled || readOnly} data-testid="step-breakup" />
                <span>Break-up step (the last, polite “closing the file” message)</span>
              </label>`
            : null}
        </div>
        <section class="seq-preview" aria-label=${`Preview of step ${index + 1}`} data-testid="step-preview">
          <div class="seq-preview-label muted">Preview${sample ? ` for ${contactName(sample.contact)}` : ''}</div>
          ${step.kind === 'email' && html`<div class="seq-preview-subject"><${MergedText} text=${step.subject} values=${sample ? sample.values : {}} testid="preview-subject" /></div>`}
          <div class="seq-preview-body"><${MergedText} text=${step.template} values=${sample ? sample.values : {}} testid="preview-body" /></div>
        </section>
      </div>
    </li>
  `;
}

/** The contacts list's first page, to pick a sample contact from. */
function useSampleContacts() {
  return useLoad((signal) => contactsApi.list({ limit: 50 }, { signal }), []);
}

function SequenceForm({ sequence, user, onSaved }) {
  const isNew = !sequence;
  const readOnly = !canWriteSequences(user);
  const [values, setValues] = useState(() => (sequence ? fromSequence(sequence) : { name: '', description: '', status: 'active', autopilot: false, steps: [blankStep(null)] }));
  const [errors, setErrors] = useState({ top: {}, steps: {} });
  const [formError, setFormError] = useState(null);
  const [saving, setSaving] = useState(false);
  const [sampleId, setSampleId] = useState('');
  const people = useSampleContacts();
  const contactsList = (people.data && people.data.items) || [];

  useEffect(() => {
    if (!sampleId && contactsList.length) setSampleId((contactsList.find((c) => c.first_name && c.account) || contactsList[0]).id);
  }, [people.data]);
  const sampleContact = contactsList.find((c) => c.id === sampleId);
  const sample = sampleContact ? { contact: sampleContact, values: mergeValues(sampleContact, user) } : null;

  const set = (patch) => setValues((v) => ({ ...v, ...patch }));
  const setStep = (i, patch) => {
    setValues((v) => ({ ...v, steps: v.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
    if (errors.steps[i]) setErrors((e) => ({ ...e, steps: { ...e.steps, [i]: undefined } }));
  };
  const moveStep = (i, by) =>
    setValues((v) => {
      const steps = [...v.steps];
      const [s] = steps.splice(i, 1);
      steps.splice(i + by, 0, s);
      return { ...v, steps };
    });
  const removeStep = (i) => setValues((v) => ({ ...v, steps: v.steps.filter((_, j) => j !== i) }));
  const addStep = () => setValues((v) => ({ ...v, steps: [...v.steps, blankStep(v.steps[v.steps.length - 1])] }));

  const focusError = () =>
    setTimeout(() => {
      const el = document.querySelector('.seq-form [aria-invalid="true"]') || document.querySelector('.seq-form .form-error');
      if (el) el.focus();
    }, 0);

  const submit = async (e) => {
    e.preventDefault();
    if (saving || readOnly) return;
    setFormError(null);
    const client = validate(values);
    setErrors(client);
    if (Object.keys(client.top).length || Object.keys(client.steps).length) {
      focusError();
      return;
    }
    setSaving(true);
    try {
      const body = toBody(values, isNew);
      const saved = isNew ? await sequencesApi.create(body) : await sequencesApi.update(sequence.id, body);
      toast(isNew ? 'Sequence created' : 'Sequence saved');
      setValues(fromSequence(saved));
      setErrors({ top: {}, steps: {} });
      onSaved(saved);
    } catch (error) {
      const split = splitErrors(error);
      setErrors({ top: split.top, steps: split.steps });
      const inline = Object.keys(split.top).length + Object.keys(split.steps).length;
      if (!inline || split.rest.length) setFormError({ error, details: split.rest });
      focusError();
    } finally {
      setSaving(false);
    }
  };

  const disabled = saving;
  return html`
    <form class="form seq-form" onSubmit=${submit} novalidate data-testid="sequence-form" aria-busy=${saving ? 'true' : 'false'}>
      ${readOnly && html`<p class="form-note muted" data-testid="read-only">Only managers and admins change sequences; you can read this one.</p>`}
      <div class="card card-padded">
        <div class="form-grid">
          <${Field} id="seq-name" name="name" label="Name" value=${values.name} onInput=${(e) => set({ name: e.currentTarget.value })} error=${errors.top.name} disabled=${disabled || readOnly} required data-testid="seq-name" />
          <${Field} id="seq-status" name="status" label="Status" as="select" value=${values.status} onChange=${(e) => set({ status: e.currentTarget.value })} error=${errors.top.status} disabled=${disabled || readOnly} data-testid="seq-status">
            ${SEQUENCE_STATUSES.filter((s) => !isNew || s.value !== 'archived').map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
          <//>
          <${Field} id="seq-description" name="description" label="Description" as="textarea" rows="2" className="field-wide" value=${values.description} onInput=${(e) => set({ description: e.currentTarget.value })} error=${errors.top.description} disabled=${disabled || readOnly} data-testid="seq-description" />
        </div>
        ${!isNew &&
        html`<label class="check seq-autopilot">
          <input type="checkbox" checked=${values.autopilot} onChange=${(e) => set({ autopilot: e.currentTarget.checked })} disabled=${disabled || readOnly} data-testid="seq-autopilot" />
          <span>Autopilot: drafts that pass the quality checks with no flags are approved without a person</span>
        </label>`}
      </div>

      <div class="seq-steps-head">
        <h2 class="section-title">Steps</h2>
        <div class="seq-sample">
          <label class="field-label" for="sample-contact">Preview for</label>
          <select id="sample-contact" class="control control-sm" value=${sampleId} onChange=${(e) => setSampleId(e.currentTarget.value)} disabled=${!contactsList.length} data-testid="sample-contact">
            ${!contactsList.length && html`<option value="">${people.loading ? 'Loading contacts…' : 'No contacts'}</option>`}
            ${contactsList.map((c) => html`<option key=${c.id} value=${c.id}>${contactName(c)}${c.account ? ` (${c.account.name})` : ''}</option>`)}
          </select>
        </div>
      </div>
      <p class="muted seq-fields-hint">Merge fields: ${MERGE_FIELDS.map((f) => html`<code key=${f}>{{${f}}}</code> `)}
        — a fallback after a bar fills in for a contact without a value: <code>{{signal|your recent news}}</code></p>
      ${errors.top.steps &&
      html`<div class="form-error" role="alert" tabindex="-1" data-testid="field-error-steps">${errors.top.steps.map((m, i) => html`<strong key=${i}>${m}</strong>`)}</div>`}
      <ol class="seq-steps" data-testid="steps">
        ${values.steps.map(
          (s, i) => html`<${StepEditor}
            key=${s.key}
            step=${s}
            index=${i}
            count=${values.steps.length}
            readOnly=${readOnly}
            errors=${errors.steps[i]}
            disabled=${disabled}
            sample=${sample}
            onChange=${(patch) => setStep(i, patch)}
            onMove=${(by) => moveStep(i, by)}
            onRemove=${() => removeStep(i)}
          />`,
        )}
      </ol>
      ${!readOnly &&
      html`<div class="seq-add"><button type="button" class="btn" onClick=${addStep} disabled=${disabled || values.steps.length >= 20} data-testid="add-step">+ Add step</button></div>`}
      ${formError && html`<${FormError} error=${formError.error} details=${formError.details} />`}
      ${!readOnly &&
      html`<div class="form-actions">
        <a class="btn" href="/sequences">Cancel</a>
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="seq-save">${saving ? 'Saving…' : isNew ? 'Create sequence' : 'Save'}</button>
      </div>`}
    </form>
  `;
}

export function SequenceCreateScreen({ user }) {
  return html`
    <section class="page" data-testid="sequence-editor">
      <${PageHeader} title="New sequence" crumbs=${[{ href: '/sequences', label: 'Sequences' }, { label: 'New' }]} />
      <${SequenceForm} user=${user} onSaved=${(s) => navigate(`/sequences/${encodeURIComponent(s.id)}`, { replace: true })} />
    </section>
  `;
}

export function SequenceEditScreen({ params, user }) {
  const state = useLoad((signal) => sequencesApi.get(params.id, { signal }), [params.id]);
  const [saved, setSaved] = useState(null);
  const sequence = saved || state.data;
  let body;
  if (state.error && state.error.status === 404) {
    body = html`<${NotFound} title="Sequence not found" backHref="/sequences" backLabel="Go to sequences">This sequence does not exist.<//>`;
  } else if (state.error) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the sequence" onRetry=${state.retry} />`;
  } else if (!sequence) {
    body = html`<${Loading} label="Loading the sequence…" />`;
  } else {
    const e = sequence.enrolled || {};
    body = html`
      <p class="muted seq-summary" data-testid="sequence-summary">
        <${SequenceStatus} status=${sequence.status} /> ${e.active || 0} active · ${e.paused || 0} paused · ${e.completed || 0} completed · ${e.exited || 0} exited
      </p>
      <${SequenceForm} key=${sequence.id} sequence=${sequence} user=${user} onSaved=${setSaved} />
    `;
  }
  return html`
    <section class="page" data-testid="sequence-editor">
      <${PageHeader} title=${sequence ? sequence.name : 'Sequence'} crumbs=${[{ href: '/sequences', label: 'Sequences' }, { label: sequence ? sequence.name : '…' }]} />
      ${body}
    </section>
  `;
}
