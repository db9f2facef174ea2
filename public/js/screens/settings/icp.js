// Settings → ICP model: the weights of the six score factors (a live total that must reach 100
// and a bar of the split), the target industries, sub-industries and departments, the seniority
// fit, the ideal head count and the signal half-life. Everyone may read it; admins save it as a
// new version, or load the defaults back into the form first.
import { html, useEffect, useState } from '../../preact.js';
import { settings } from '../../api.js';
import { canManageSettings, canWriteContacts } from '../../access.js';
import { DEPARTMENTS, SENIORITIES } from '../../contact-meta.js';
import { useLoad } from '../../use-load.js';
import { useForm } from '../../use-form.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { Field, FormError } from '../../components/field.js';
import { TagInput } from '../../components/tag-input.js';
import { ProgressBar } from '../../components/progress.js';
import { ErrorState, Loading } from '../../components/states.js';
import { toast, toastFailure } from '../../components/toast.js';
import { formatDateTime } from '../../format.js';
import { useTeam } from '../../owners.js';

export const FACTORS = [
  { key: 'industry', label: 'Industry', hint: 'Industry in the targets' },
  { key: 'seniority', label: 'Seniority', hint: 'By the seniority fit below' },
  { key: 'department', label: 'Department', hint: 'Department in the targets' },
  { key: 'company_size', label: 'Company size', hint: 'Head count in the range' },
  { key: 'signals', label: 'Signals', hint: 'By strength and age' },
  { key: 'engagement', label: 'Engagement', hint: 'By stage' },
];

/** The server's defaults (what version 0 answers), for when a saved version hides them. */
export const DEFAULT_ICP = {
  weights: { industry: 20, seniority: 20, department: 15, company_size: 15, signals: 20, engagement: 10 },
  target_industries: [],
  target_sub_industries: [],
  target_departments: ['sales', 'operations', 'executive'],
  seniority_fit: { c_level: 100, vp: 90, director: 75, manager: 50, senior: 25, entry: 10, unknown: 0 },
  company_size: { min: 50, max: 1000 },
  signal_half_life_days: 30,
};

const str = (n) => (n === null || n === undefined ? '' : String(n));
const mapValues = (obj, fn) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));

/** A model as the form holds it: numbers as the text of their inputs. */
function toForm(model) {
  const m = { ...DEFAULT_ICP, ...model };
  return {
    weights: Object.fromEntries(FACTORS.map((f) => [f.key, str(m.weights && m.weights[f.key])])),
    target_industries: [...(m.target_industries || [])],
    target_sub_industries: [...(m.target_sub_industries || [])],
    target_departments: [...(m.target_departments || [])],
    seniority_fit: Object.fromEntries(SENIORITIES.map((s) => [s.value, str(m.seniority_fit && m.seniority_fit[s.value])])),
    company_size: { min: str(m.company_size && m.company_size.min), max: str(m.company_size && m.company_size.max) },
    signal_half_life_days: str(m.signal_half_life_days),
  };
}

/** The form's values as the model the API takes (the checks in `validate` come first). */
function toModel(v) {
  return {
    weights: mapValues(v.weights, Number),
    target_industries: v.target_industries,
    target_sub_industries: v.target_sub_industries,
    // In the order the app lists them, so the saved model does not depend on the clicks.
    target_departments: DEPARTMENTS.map((d) => d.value).filter((d) => v.target_departments.includes(d)),
    seniority_fit: mapValues(v.seniority_fit, Number),
    company_size: { min: Number(v.company_size.min), max: Number(v.company_size.max) },
    signal_half_life_days: Number(v.signal_half_life_days),
  };
}

const isWhole = (text, max = Infinity) => /^\d+$/.test(String(text).trim()) && Number(text) <= max;

export function weightTotal(weights) {
  return FACTORS.reduce((sum, f) => {
    const n = Number(weights[f.key]);
    return sum + (Number.isFinite(n) ? n : 0);
  }, 0);
}

function validate(v) {
  const errors = {};
  const total = weightTotal(v.weights);
  if (!FACTORS.every((f) => isWhole(v.weights[f.key], 100))) errors.weights = ['Use whole points from 0 to 100.'];
  else if (total !== 100) errors.weights = [`The weights must add up to 100, not ${total}.`];
  if (!SENIORITIES.every((s) => isWhole(v.seniority_fit[s.value], 100))) {
    errors.seniority_fit = ['Each must be a whole percent from 0 to 100.'];
  }
  const { min, max } = v.company_size;
  if (!isWhole(min) || !isWhole(max)) errors.company_size = ['Enter whole head counts from 0 up.'];
  else if (Number(min) > Number(max)) errors.company_size = ['The smallest head count must not be above the largest.'];
  const days = Number(v.signal_half_life_days);
  if (String(v.signal_half_life_days).trim() === '' || !Number.isFinite(days) || days < 1 || days > 3650) {
    errors.signal_half_life_days = ['Enter a number of days from 1 to 3650.'];
  }
  return errors;
}

/** "20 points left", "5 points over" or "All 100 points assigned". */
export function remainingText(total) {
  const plural = (n) => (n === 1 ? 'point' : 'points');
  if (total === 100) return 'All 100 points assigned';
  if (total < 100) return `${100 - total} ${plural(100 - total)} left`;
  return `${total - 100} ${plural(total - 100)} over`;
}

/** The split of the 100 points as one stacked bar (SVG: the CSP allows no style attributes). */
function WeightSplit({ weights }) {
  const total = weightTotal(weights);
  const scale = Math.max(total, 100);
  let x = 0;
  const parts = FACTORS.map((f) => {
    const n = Math.max(0, Number(weights[f.key]) || 0);
    const width = (n / scale) * 100;
    const part = { ...f, n, x, width };
    x += width;
    return part;
  });
  const label = `Split of the points: ${parts.map((p) => `${p.label} ${p.n}`).join(', ')}; ${remainingText(total)}`;
  return html`
    <div class="split" data-testid="weights-split">
      <svg class="split-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=${label} focusable="false">
        <rect class="split-track" x="0" y="0" width="100" height="10" />
        ${parts.map(
          (p) => p.width > 0 && html`<rect key=${p.key} class=${`split-part factor-${p.key}`} x=${p.x.toFixed(2)} y="0" width=${p.width.toFixed(2)} height="10" />`,
        )}
        ${total > 100 && html`<rect class="split-over" x=${((100 / scale) * 100).toFixed(2)} y="0" width="0.6" height="10" />`}
      </svg>
      <ul class="split-legend" aria-hidden="true">
        ${parts.map(
          (p) => html`<li key=${p.key}><span class=${`swatch factor-${p.key}`}></span>${p.label} <strong>${p.n}</strong></li>`,
        )}
      </ul>
    </div>
  `;
}

/** The messages of one field under a group of controls. */
function GroupError({ id, name, error }) {
  if (!error || !error.length) return null;
  return html`<div class="field-error" id=${id} data-testid=${`field-error-${name}`}>
    ${error.map((m, i) => html`<div key=${i}>${m}</div>`)}
  </div>`;
}

/**
 * Who saved a version, in words. The API names an audit actor (`user:<id>` or `token:<id>`):
 * "you", a teammate's name (admins know the team), or the actor shortened.
 */
export function actorLabel(actor, me, team) {
  if (!actor) return null;
  const [kind, id] = actor.includes(':') ? actor.split(/:(.*)/s, 2) : ['', actor];
  if (kind === 'user') {
    if (me && id === me.id) return `you (${me.name || me.email})`;
    const found = team.find((u) => u.id === id);
    if (found) return found.name || found.email;
    return `a user (${id.slice(0, 8)}…)`;
  }
  if (kind === 'token') return `an API token (${id.slice(0, 8)}…)`;
  return actor;
}

/** Who saved a version: "you (name)" for oneself, else the name the server resolved. */
function savedBy(current, me, team) {
  const mine = me && current.created_by === `user:${me.id}`;
  return mine ? actorLabel(current.created_by, me, team) : current.created_by_name || actorLabel(current.created_by, me, team);
}

function VersionLine({ current, user }) {
  const team = useTeam(user);
  if (!current.version) {
    return html`<p class="icp-version" data-testid="icp-version" data-version="0">
      <span class="badge badge-muted">Version 0</span>
      <span class="muted" data-testid="icp-never-saved">Never saved: these are the built-in defaults.</span>
    </p>`;
  }
  return html`<p class="icp-version" data-testid="icp-version" data-version=${current.version}>
    <span class="badge badge-ok">Version ${current.version}</span>
    <span class="muted">
      Saved${current.created_by ? html` by <strong class="icp-who" title=${current.created_by} data-testid="icp-saved-by">${savedBy(current, user, team)}</strong>` : null}${current.created_at
        ? html` on <time datetime=${current.created_at} title=${current.created_at}>${formatDateTime(current.created_at)}</time>`
        : null}.
    </span>
  </p>`;
}

/**
 * Rescoring everyone with the model in use: the server works through the contacts still
 * scored with an older version a couple of seconds per request, and this drives it while the
 * page is open (anyone who may write; a reader only sees the progress).
 */
function Rescore({ version, user }) {
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const [attempt, setAttempt] = useState(0);
  const drive = canWriteContacts(user);
  useEffect(() => {
    let stopped = false;
    setError(null);
    (async () => {
      try {
        let now = await settings.rescoreProgress();
        if (!stopped) setProgress(now);
        while (drive && !stopped && !now.done) {
          now = await settings.rescore();
          if (!stopped) setProgress(now);
        }
      } catch (e) {
        if (!stopped) setError(e);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [version, attempt]);

  if (error) {
    return html`<p class="form-error" role="alert" data-testid="rescore-error">
      Rescoring stopped: ${error.message}
      <button type="button" class="btn btn-sm" onClick=${() => setAttempt((n) => n + 1)}>Try again</button>
    </p>`;
  }
  if (!progress || !progress.total) return null;
  if (progress.done) {
    return html`<p class="muted card-text" data-testid="rescore-done">
      All ${progress.total.toLocaleString()} contacts are scored with ${progress.version ? `version ${progress.version}` : 'the defaults'}.
    </p>`;
  }
  return html`<${ProgressBar}
    value=${progress.scored}
    max=${progress.total}
    label=${`Rescoring with version ${progress.version}`}
    unit="contacts"
    testid="rescore"
  />`;
}

function IcpForm({ initial, user, canEdit }) {
  const [current, setCurrent] = useState(initial);
  const [resetting, setResetting] = useState(false);
  const form = useForm(toForm(initial.value));
  const { values, errors, saving } = form;
  const total = weightTotal(values.weights);
  const dirty = JSON.stringify(values) !== JSON.stringify(toForm(current.value));
  const locked = !canEdit || saving || resetting;

  const setIn = (name, key) => (e) => form.setValue(name, { ...values[name], [key]: e.currentTarget.value });

  const onSubmit = form.submit({
    validate,
    save: async (v) => {
      const saved = await settings.saveIcp(toModel(v));
      setCurrent(saved);
      form.setValues(toForm(saved.value));
      toast(`Saved the ICP model as version ${saved.version}`);
    },
  });

  const onReset = async () => {
    setResetting(true);
    try {
      // The server answers the defaults while nothing is saved; after that the page's copy.
      const latest = await settings.icp();
      form.setValues(toForm(latest.version === 0 ? latest.value : DEFAULT_ICP));
      form.setErrors({});
      form.setFormError(null);
      toast('Loaded the defaults into the form. Save to use them.', { kind: 'info' });
    } catch (e) {
      toastFailure('load the defaults', e);
    } finally {
      setResetting(false);
    }
  };

  const toggleDepartment = (value) => (e) => {
    const on = e.currentTarget.checked;
    const list = values.target_departments.filter((d) => d !== value);
    form.setValue('target_departments', on ? [...list, value] : list);
  };

  const seniorityPoints = Number(values.weights.seniority) || 0;
  const weightsError = errors.weights;
  const fitError = errors.seniority_fit;
  const sizeError = errors.company_size;

  return html`
    <div class="card card-padded icp-intro">
      <${VersionLine} current=${current} user=${user} />
      <${Rescore} version=${current.version} user=${user} />
      <p class="card-text">
        Each contact gets a score from 0 to 100. Each factor earns up to its weight in points, scaled by how well the
        contact fits: industry in the targets, seniority by the percentages below, department in the targets, head count
        in the range (falling off outside it), signals by strength (halving every half-life) and engagement by stage.
        The factors add up to the score.
      </p>
      ${!canEdit &&
      html`<p class="icp-readonly" data-testid="icp-readonly">Only admins can change the ICP model. You can read it here.</p>`}
    </div>

    <form ref=${form.formRef} class="icp-form" noValidate onSubmit=${onSubmit} data-testid="icp-form" aria-busy=${saving ? 'true' : 'false'}>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <fieldset class="icp-fieldset" disabled=${locked}>
        <legend class="visually-hidden">ICP model</legend>

        <section class="card form-section" aria-labelledby="icp-weights-title" data-testid="field-weights">
          <h2 class="card-title" id="icp-weights-title">Weights</h2>
          <p class="card-text muted">Points each factor can give, in whole points adding up to 100.</p>
          <div class="weights-grid">
            ${FACTORS.map(
              (f) => html`<${Field}
                key=${f.key}
                id=${`weight-${f.key}`}
                name=${`weight-${f.key}`}
                label=${f.label}
                hint=${f.hint}
                type="number"
                inputmode="numeric"
                min="0"
                max="100"
                step="1"
                value=${values.weights[f.key]}
                onInput=${setIn('weights', f.key)}
                aria-invalid=${weightsError ? 'true' : undefined}
                aria-describedby=${weightsError ? 'icp-weights-error' : undefined}
                data-testid=${`weight-${f.key}`}
              />`,
            )}
          </div>
          <div class=${`weights-total ${total === 100 ? 'is-complete' : 'is-off'}`} aria-live="polite" data-testid="weights-status">
            <span>Total <strong data-testid="weights-total">${total}</strong> of 100</span>
            <span class="weights-remaining" data-testid="weights-remaining">${remainingText(total)}</span>
          </div>
          <${WeightSplit} weights=${values.weights} />
          <${GroupError} id="icp-weights-error" name="weights" error=${weightsError} />
        </section>

        <section class="card form-section" aria-labelledby="icp-targets-title">
          <h2 class="card-title" id="icp-targets-title">Targets</h2>
          <p class="card-text muted">Names match in any case. Type a name and press Enter; × removes it.</p>
          <div class="form-grid">
            <${TagInput}
              id="icp-industries"
              name="target_industries"
              label="Target industries"
              placeholder="Logistics"
              values=${values.target_industries}
              onChange=${(list) => form.setValue('target_industries', list)}
              error=${errors.target_industries}
              disabled=${!canEdit}
            />
            <${TagInput}
              id="icp-sub-industries"
              name="target_sub_industries"
              label="Target sub-industries"
              placeholder="Freight forwarding"
              hint="Fit best, within the target industries."
              values=${values.target_sub_industries}
              onChange=${(list) => form.setValue('target_sub_industries', list)}
              error=${errors.target_sub_industries}
              disabled=${!canEdit}
            />
            <fieldset class="field field-wide checks" data-testid="field-target_departments">
              <legend class="field-label">Target departments</legend>
              <div class="check-row dept-row">
                ${DEPARTMENTS.map(
                  (d) => html`<label class="check" key=${d.value}>
                    <input
                      type="checkbox"
                      name="target_departments"
                      value=${d.value}
                      checked=${values.target_departments.includes(d.value)}
                      onChange=${toggleDepartment(d.value)}
                      data-testid=${`department-${d.value}`}
                    />
                    <span>${d.label}</span>
                  </label>`,
                )}
              </div>
              <${GroupError} id="icp-departments-error" name="target_departments" error=${errors.target_departments} />
            </fieldset>
          </div>
        </section>

        <div class="icp-columns">
          <section class="card form-section" aria-labelledby="icp-seniority-title" data-testid="field-seniority_fit">
            <h2 class="card-title" id="icp-seniority-title">Seniority fit</h2>
            <p class="card-text muted">The share of the ${seniorityPoints} seniority points each level earns.</p>
            <table class="table table-fit">
              <caption class="visually-hidden">Seniority fit in percent</caption>
              <thead>
                <tr>
                  <th scope="col">Seniority</th>
                  <th scope="col" class="num">Fit</th>
                  <th scope="col" class="num">Points</th>
                </tr>
              </thead>
              <tbody>
                ${SENIORITIES.map((s) => {
                  const pct = Number(values.seniority_fit[s.value]);
                  const points = Number.isFinite(pct) ? Math.round(seniorityPoints * pct) / 100 : null;
                  return html`<tr key=${s.value}>
                    <th scope="row"><label for=${`fit-${s.value}`}>${s.label}</label></th>
                    <td class="num">
                      <span class="input-unit">
                        <input
                          id=${`fit-${s.value}`}
                          class=${`control control-num ${fitError ? 'control-invalid' : ''}`}
                          type="number"
                          inputmode="numeric"
                          min="0"
                          max="100"
                          step="1"
                          value=${values.seniority_fit[s.value]}
                          onInput=${setIn('seniority_fit', s.value)}
                          aria-invalid=${fitError ? 'true' : undefined}
                          aria-describedby=${fitError ? 'icp-fit-error' : undefined}
                          data-testid=${`fit-${s.value}`}
                        />
                        <span class="unit" aria-hidden="true">%</span>
                      </span>
                    </td>
                    <td class="num muted">${points === null ? '—' : points}</td>
                  </tr>`;
                })}
              </tbody>
            </table>
            <${GroupError} id="icp-fit-error" name="seniority_fit" error=${fitError} />
          </section>

          <section class="card form-section" aria-labelledby="icp-size-title">
            <h2 class="card-title" id="icp-size-title">Company size and signals</h2>
            <fieldset class="checks size-range" data-testid="field-company_size">
              <legend class="field-label">Ideal head count</legend>
              <div class="range-row">
                <${Field}
                  id="icp-size-min"
                  name="company_size-min"
                  label="From"
                  type="number"
                  inputmode="numeric"
                  min="0"
                  step="1"
                  value=${values.company_size.min}
                  onInput=${setIn('company_size', 'min')}
                  aria-invalid=${sizeError ? 'true' : undefined}
                  aria-describedby=${sizeError ? 'icp-size-error' : undefined}
                  data-testid="size-min"
                />
                <span class="range-dash" aria-hidden="true">–</span>
                <${Field}
                  id="icp-size-max"
                  name="company_size-max"
                  label="To"
                  type="number"
                  inputmode="numeric"
                  min="0"
                  step="1"
                  value=${values.company_size.max}
                  onInput=${setIn('company_size', 'max')}
                  aria-invalid=${sizeError ? 'true' : undefined}
                  aria-describedby=${sizeError ? 'icp-size-error' : undefined}
                  data-testid="size-max"
                />
              </div>
              <div class="field-hint">Employees. Outside the range the fit falls off in proportion.</div>
              <${GroupError} id="icp-size-error" name="company_size" error=${sizeError} />
            </fieldset>
            <${Field}
              id="icp-half-life"
              name="signal_half_life_days"
              label="Signal half-life (days)"
              type="number"
              inputmode="decimal"
              min="1"
              max="3650"
              step="any"
              hint="After this many days a signal counts half as much. From 1 to 3650."
              className="half-life"
              value=${values.signal_half_life_days}
              error=${errors.signal_half_life_days}
              onInput=${(e) => form.setValue('signal_half_life_days', e.currentTarget.value)}
              data-testid="half-life"
            />
          </section>
        </div>
      </fieldset>

      ${canEdit &&
      html`<div class="form-actions icp-actions">
        <button type="button" class="btn btn-ghost" onClick=${onReset} disabled=${saving || resetting} data-testid="icp-reset">
          ${resetting ? 'Loading…' : 'Reset to defaults'}
        </button>
        <span class="form-note muted" data-testid="icp-save-note">
          ${total !== 100 ? `${remainingText(total)}: the weights must add up to 100.` : dirty ? 'Unsaved changes.' : 'No changes.'}
        </span>
        <button type="submit" class="btn btn-primary" disabled=${saving || resetting || total !== 100} data-testid="icp-save">
          ${saving ? 'Saving…' : `Save as version ${current.version + 1}`}
        </button>
      </div>`}
    </form>
  `;
}

export function IcpScreen({ user }) {
  const model = useLoad((signal) => settings.icp({ signal }), []);
  let body;
  if (model.error) {
    body = html`<${ErrorState} error=${model.error} title="Could not load the ICP model" onRetry=${model.retry} />`;
  } else if (!model.data) {
    body = html`<${Loading} label="Loading the ICP model…" />`;
  } else {
    body = html`<${IcpForm} initial=${model.data} user=${user} canEdit=${canManageSettings(user)} />`;
  }
  return html`<${SettingsPage} user=${user} section="icp" testid="settings-icp">${body}<//>`;
}
