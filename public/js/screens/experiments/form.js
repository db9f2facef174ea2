// New experiment (/experiments/new, managers and admins): its name and hypothesis, the sequence
// step and the field it varies (the subject, email steps only, or the body), the metric it is
// judged on, the baseline rate and the smallest effect worth detecting with the sends each
// variant needs worked out as they are typed, and 2 to 10 variants (name, text, relative
// weight), their text prefilled from the step's template; the first is the control.
import { html, useEffect, useState } from '../../preact.js';
import { experiments as experimentsApi, sequences as sequencesApi } from '../../api.js';
import { navigate } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { Field, FormError } from '../../components/field.js';
import { toast } from '../../components/toast.js';
import { formatInt } from '../../format.js';
import { METRICS } from './common.js';

const MIN_VARIANTS = 2;
const MAX_VARIANTS = 10;
const NAMES = 'ABCDEFGHIJ';

/** A percentage typed as text ("8", "3.5") as a rate (0.08), or NaN. */
function percentToRate(text) {
  const t = String(text).trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return NaN;
  return Number(t) / 100;
}

/** The step's text that a variant of `field` starts from. */
const templateOf = (step, field) => (step ? (field === 'subject' ? step.subject || '' : step.template || '') : '');

const stepLabel = (s) => `Step ${s.position}: ${s.kind === 'email' ? 'Email' : s.kind.replace('_', ' ')}${s.day_offset ? ` (day ${s.day_offset})` : ''}${s.subject ? ` · ${s.subject}` : ''}`;

/** "About N sends per variant", worked out by the server as the rates are typed. */
function SampleSize({ baseline, effect }) {
  const valid = baseline > 0 && baseline < 1 && effect > 0 && baseline + effect < 1;
  const state = useLoad(
    (signal) => (valid ? experimentsApi.sampleSize({ baseline_rate: baseline, min_effect: effect }, { signal }) : Promise.resolve(null)),
    [valid, baseline, effect],
  );
  let text;
  if (!valid) text = 'Give a baseline rate and an effect whose sum stays under 100%.';
  else if (state.error) text = `Could not work out the sample size: ${state.error.message}`;
  else if (!state.data) text = 'Working out the sends each variant needs…';
  else text = html`About <strong data-testid="sample-size-value">${formatInt(state.data.per_variant)}</strong> sends per variant to detect a change of ${(effect * 100).toFixed(1)} points from ${(baseline * 100).toFixed(1)}%.`;
  return html`<p class="exp-sample-size" aria-live="polite" data-testid="sample-size" data-per-variant=${state.data ? state.data.per_variant : ''}>${text}</p>`;
}

function VariantRow({ index, variant, field, count, onChange, onRemove, errors, disabled }) {
  const id = `variant-${index}`;
  const control = index === 0;
  return html`<li class="exp-variant card card-padded" data-testid="variant-row">
    <div class="exp-variant-head">
      <h3 class="exp-variant-title">${control ? 'Control' : `Variant ${index + 1}`}</h3>
      ${!control &&
      html`<button type="button" class="btn btn-sm btn-ghost" onClick=${onRemove} disabled=${disabled || count <= MIN_VARIANTS} data-testid="variant-remove">Remove</button>`}
    </div>
    <div class="form-grid exp-variant-fields">
      <${Field} id=${`${id}-name`} name=${`variant-name-${index}`} label="Name" value=${variant.name} required disabled=${disabled}
        error=${errors[`name${index}`]} onInput=${(e) => onChange({ name: e.currentTarget.value })} data-testid="variant-name" />
      <${Field} id=${`${id}-weight`} name=${`variant-weight-${index}`} label="Weight" type="number" min="0" max="10000" inputmode="numeric" value=${variant.weight}
        hint="Relative share" disabled=${disabled} className="exp-weight"
        error=${errors[`weight${index}`]} onInput=${(e) => onChange({ weight: e.currentTarget.value })} data-testid="variant-weight" />
    </div>
    <${Field}
      className="exp-variant-content"
      id=${`${id}-content`}
      name=${`variant-content-${index}`}
      label=${field === 'subject' ? 'Subject' : 'Body'}
      as=${field === 'subject' ? 'input' : 'textarea'}
      rows=${field === 'subject' ? undefined : 6}
      value=${variant.content}
      required
      disabled=${disabled}
      error=${errors[`content${index}`]}
      onInput=${(e) => onChange({ content: e.currentTarget.value })}
      data-testid="variant-content"
    />
  </li>`;
}

export function ExperimentCreateScreen() {
  const [f, setF] = useState({ name: '', hypothesis: '', sequence_id: '', step_id: '', field: 'subject', metric: 'reply_rate', baseline: '8', effect: '3' });
  const [variants, setVariants] = useState([
    { name: 'Control', content: '', weight: '1' },
    { name: 'Variant B', content: '', weight: '1' },
  ]);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [saving, setSaving] = useState(false);
  const set = (patch) => setF((x) => ({ ...x, ...patch }));

  const sequences = useLoad((signal) => sequencesApi.list({ limit: 100 }, { signal }), []);
  const sequence = useLoad((signal) => (f.sequence_id ? sequencesApi.get(f.sequence_id, { signal }) : Promise.resolve(null)), [f.sequence_id]);
  const steps = (sequence.data && sequence.data.steps) || [];
  const step = steps.find((s) => s.id === f.step_id) || null;
  const isEmail = step ? step.channel === 'email' || step.kind === 'email' : true;

  // A new step (or field) starts every variant from its template, unless its text was changed.
  const [template, setTemplate] = useState('');
  useEffect(() => {
    const next = templateOf(step, f.field);
    setVariants((vs) => vs.map((v) => (v.content === '' || v.content === template ? { ...v, content: next } : v)));
    setTemplate(next);
  }, [f.step_id, f.field, sequence.data]);
  // A step that is not an email has no subject.
  useEffect(() => {
    if (step && !isEmail && f.field === 'subject') set({ field: 'body' });
  }, [f.step_id, isEmail]);

  const baseline = percentToRate(f.baseline);
  const effect = percentToRate(f.effect);

  const changeVariant = (i, patch) => setVariants((vs) => vs.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  const addVariant = () =>
    setVariants((vs) => (vs.length >= MAX_VARIANTS ? vs : [...vs, { name: `Variant ${NAMES[vs.length] || vs.length + 1}`, content: templateOf(step, f.field), weight: '1' }]));
  const removeVariant = (i) => setVariants((vs) => (vs.length <= MIN_VARIANTS ? vs : vs.filter((_, j) => j !== i)));

  const validate = () => {
    const e = {};
    if (!f.name.trim()) e.name = 'Give it a name.';
    if (!f.step_id) e.step_id = 'Pick the step it varies.';
    if (!(baseline > 0 && baseline < 1)) e.baseline_rate = 'A rate between 0 and 100%.';
    if (!(effect > 0 && effect < 1)) e.min_effect = 'Some points above 0.';
    const names = new Set();
    variants.forEach((v, i) => {
      if (!v.name.trim()) e[`name${i}`] = 'Give it a name.';
      else if (names.has(v.name.trim().toLowerCase())) e[`name${i}`] = 'Another variant has this name.';
      names.add(v.name.trim().toLowerCase());
      if (!v.content.trim()) e[`content${i}`] = 'Give it its text.';
      if (!/^\d{1,5}$/.test(String(v.weight).trim()) || Number(v.weight) > 10000) e[`weight${i}`] = 'A whole number from 0 to 10000.';
    });
    return e;
  };

  const onSubmit = async (event) => {
    event.preventDefault();
    if (saving) return;
    const found = validate();
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length) {
      setTimeout(() => document.querySelector('.exp-form [aria-invalid="true"]')?.focus(), 0);
      return;
    }
    setSaving(true);
    try {
      const created = await experimentsApi.create({
        name: f.name.trim(),
        hypothesis: f.hypothesis.trim() || null,
        step_id: f.step_id,
        field: f.field,
        metric: f.metric,
        baseline_rate: baseline,
        min_effect: effect,
        variants: variants.map((v, i) => ({ name: v.name.trim(), content: v.content, weight: Number(v.weight), is_control: i === 0 })),
      });
      toast(`Experiment created: ${created.name}`);
      navigate(`/experiments/${encodeURIComponent(created.id)}`);
    } catch (error) {
      const byField = error.fieldErrors ? error.fieldErrors() : {};
      const inline = {};
      for (const k of ['name', 'hypothesis', 'step_id', 'field', 'metric', 'baseline_rate', 'min_effect']) if (byField[k]) inline[k] = byField[k];
      setErrors(inline);
      setFormError(error);
      setSaving(false);
    }
  };

  const seqItems = (sequences.data && (sequences.data.items || sequences.data)) || [];
  return html`<section class="page page-narrow" data-testid="experiment-form-screen">
    <${PageHeader} title="New experiment" crumbs=${[{ label: 'Experiments', href: '/experiments' }, { label: 'New' }]} />
    <form class="exp-form" onSubmit=${onSubmit} noValidate data-testid="experiment-form">
      ${formError && html`<${FormError} error=${formError} />`}
      <section class="card card-padded form-section">
        <h2 class="card-title">What it tests</h2>
        <div class="form-grid">
        <${Field} id="exp-name" className="field-wide" name="name" label="Name" required value=${f.name} error=${errors.name} disabled=${saving} onInput=${(e) => set({ name: e.currentTarget.value })} />
        <${Field} id="exp-hypothesis" className="field-wide" name="hypothesis" label="Hypothesis" as="textarea" rows="2" value=${f.hypothesis} error=${errors.hypothesis} disabled=${saving}
          hint="What you expect and why: “A shorter subject gets more replies from VPs.”" onInput=${(e) => set({ hypothesis: e.currentTarget.value })} />
          <${Field} id="exp-sequence" name="sequence_id" label="Sequence" as="select" required value=${f.sequence_id} disabled=${saving}
            onChange=${(e) => set({ sequence_id: e.currentTarget.value, step_id: '' })}>
            <option value="">${sequences.data ? 'Pick a sequence' : 'Loading…'}</option>
            ${seqItems.map((s) => html`<option key=${s.id} value=${s.id}>${s.name}</option>`)}
          <//>
          <${Field} id="exp-step" name="step_id" label="Step" as="select" required value=${f.step_id} error=${errors.step_id} disabled=${saving || !f.sequence_id || !sequence.data}
            onChange=${(e) => set({ step_id: e.currentTarget.value })}>
            <option value="">${!f.sequence_id ? 'Pick the sequence first' : sequence.data ? 'Pick a step' : 'Loading…'}</option>
            ${steps.map((s) => html`<option key=${s.id} value=${s.id}>${stepLabel(s)}</option>`)}
          <//>
        <fieldset class="exp-field field-wide" data-testid="field-field">
          <legend class="field-label">What varies</legend>
          <label class="radio"><input type="radio" name="field" value="subject" checked=${f.field === 'subject'} disabled=${saving || !isEmail} onChange=${() => set({ field: 'subject' })} data-testid="field-subject" /> Subject${!isEmail ? html` <span class="muted">(email steps only)</span>` : ''}</label>
          <label class="radio"><input type="radio" name="field" value="body" checked=${f.field === 'body'} disabled=${saving} onChange=${() => set({ field: 'body' })} data-testid="field-body" /> Body</label>
        </fieldset>
        </div>
      </section>
      <section class="card card-padded form-section">
        <h2 class="card-title">How it is judged</h2>
        <div class="form-grid">
        <${Field} id="exp-metric" className="field-wide" name="metric" label="Metric" as="select" value=${f.metric} error=${errors.metric} disabled=${saving} onChange=${(e) => set({ metric: e.currentTarget.value })}>
          ${METRICS.map((m) => html`<option key=${m.value} value=${m.value}>${m.label}</option>`)}
        <//>
          <${Field} id="exp-baseline" name="baseline_rate" label="Baseline rate (%)" type="text" inputmode="decimal" value=${f.baseline} error=${errors.baseline_rate} disabled=${saving}
            hint="The control's rate today." onInput=${(e) => set({ baseline: e.currentTarget.value })} data-testid="exp-baseline" />
          <${Field} id="exp-effect" name="min_effect" label="Smallest effect worth detecting (points)" type="text" inputmode="decimal" value=${f.effect} error=${errors.min_effect} disabled=${saving}
            hint="8% → 11% is 3 points." onInput=${(e) => set({ effect: e.currentTarget.value })} data-testid="exp-effect" />
        </div>
        <${SampleSize} baseline=${baseline} effect=${effect} />
      </section>
      <section class="exp-variants-section" aria-labelledby="exp-variants-title">
        <h2 class="section-title" id="exp-variants-title">Variants <span class="muted">(${variants.length} of ${MAX_VARIANTS}; the first is the control)</span></h2>
        <ol class="exp-variants">
          ${variants.map(
            (v, i) => html`<${VariantRow} key=${i} index=${i} variant=${v} field=${f.field} count=${variants.length} errors=${errors} disabled=${saving}
              onChange=${(patch) => changeVariant(i, patch)} onRemove=${() => removeVariant(i)} />`,
          )}
        </ol>
        <button type="button" class="btn" onClick=${addVariant} disabled=${saving || variants.length >= MAX_VARIANTS} data-testid="variant-add">Add a variant</button>
      </section>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="experiment-save">${saving ? 'Creating…' : 'Create experiment'}</button>
        <a class="btn btn-ghost" href="/experiments">Cancel</a>
      </div>
    </form>
  </section>`;
}
