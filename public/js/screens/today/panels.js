// The forms that open under one item of Today: log a call (with its script to read while
// calling), book a meeting, pick a snooze, and skip a task or email with an optional reason.
import { html, useLayoutEffect, useRef, useState } from '../../preact.js';
import { localInputToIso, nextMorning, nextWorkingMorning, toLocalInput } from '../../format.js';

export const CALL_OUTCOMES = [
  { value: 'connected', label: 'Connected' },
  { value: 'voicemail', label: 'Voicemail' },
  { value: 'no_answer', label: 'No answer' },
  { value: 'wrong_number', label: 'Wrong number' },
  { value: 'meeting_booked', label: 'Meeting booked' },
];

/** The snooze choices: a body for POST /queue/{item}/snooze each. */
export const SNOOZES = [
  { key: '1h', label: '1 hour', body: () => ({ hours: 1 }) },
  { key: '4h', label: '4 hours', body: () => ({ hours: 4 }) },
  { key: 'tomorrow', label: 'Tomorrow 9:00', body: () => ({ until: nextMorning(9).toISOString() }) },
];

/** Logs a call: its outcome, minutes and notes, with the script above to read while calling. */
export function CallForm({ item, onSubmit, onCancel }) {
  const [outcome, setOutcome] = useState('connected');
  const [minutes, setMinutes] = useState('');
  const [notes, setNotes] = useState('');
  const [error, setError] = useState(null);
  const prefix = `call-${item.id.replace(/[^a-z0-9]/gi, '')}`;
  const submit = (e) => {
    e.preventDefault();
    const body = { call_outcome: outcome };
    if (minutes.trim()) {
      const n = Number(minutes);
      if (!Number.isFinite(n) || n < 0 || n > 600) {
        setError('Minutes must be a number from 0 to 600.');
        return;
      }
      body.duration_seconds = Math.round(n * 60);
    }
    if (notes.trim()) body.notes = notes.trim();
    onSubmit(body);
  };
  return html`<form class="today-panel" onSubmit=${submit} aria-label=${`Log the call with ${item.contact_name}`} data-testid="call-form" noValidate>
    ${item.body &&
    html`<div class="today-panel-script">
      <div class="field-label" id=${`${prefix}-script`}>Script</div>
      <div class="today-body-text" aria-labelledby=${`${prefix}-script`} data-testid="call-form-script">${item.body}</div>
    </div>`}
    <div class="today-panel-fields">
      <div class="field">
        <label class="field-label" for=${`${prefix}-outcome`}>Outcome</label>
        <select id=${`${prefix}-outcome`} class="control" value=${outcome} onChange=${(e) => setOutcome(e.currentTarget.value)} data-testid="call-outcome">
          ${CALL_OUTCOMES.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label class="field-label" for=${`${prefix}-minutes`}>Minutes</label>
        <input id=${`${prefix}-minutes`} class=${`control ${error ? 'control-invalid' : ''}`} inputmode="decimal" value=${minutes}
          onInput=${(e) => setMinutes(e.currentTarget.value)} data-testid="call-minutes" aria-invalid=${error ? 'true' : undefined} />
      </div>
      <div class="field field-wide">
        <label class="field-label" for=${`${prefix}-notes`}>Notes</label>
        <textarea id=${`${prefix}-notes`} class="control" rows="2" value=${notes} onInput=${(e) => setNotes(e.currentTarget.value)} data-testid="call-notes"></textarea>
      </div>
    </div>
    ${error && html`<div class="field-error" role="alert">${error}</div>`}
    <div class="today-panel-actions">
      <button type="button" class="btn btn-sm" onClick=${onCancel}>Cancel</button>
      <button type="submit" class="btn btn-sm btn-primary" data-testid="call-submit">Save call</button>
    </div>
  </form>`;
}

export function BookForm({ item, onSubmit, onCancel }) {
  const [when, setWhen] = useState(() => toLocalInput(nextWorkingMorning(10)));
  const [error, setError] = useState(null);
  const id = `book-${item.id.replace(/[^a-z0-9]/gi, '')}`;
  const submit = (e) => {
    e.preventDefault();
    const iso = localInputToIso(when);
    if (!iso) {
      setError('Pick the meeting day and time.');
      return;
    }
    onSubmit(iso);
  };
  return html`<form class="today-panel" onSubmit=${submit} aria-label=${`Book a meeting with ${item.contact_name}`} data-testid="book-form" noValidate>
    <div class="today-panel-fields">
      <div class="field">
        <label class="field-label" for=${id}>Meeting time <span class="muted">(your time zone)</span></label>
        <input id=${id} class=${`control ${error ? 'control-invalid' : ''}`} type="datetime-local" value=${when}
          onInput=${(e) => setWhen(e.currentTarget.value)} data-testid="book-when" />
      </div>
    </div>
    ${error && html`<div class="field-error" role="alert">${error}</div>`}
    <div class="today-panel-actions">
      <button type="button" class="btn btn-sm" onClick=${onCancel}>Cancel</button>
      <button type="submit" class="btn btn-sm btn-primary" data-testid="book-submit">Book meeting</button>
    </div>
  </form>`;
}

export function SnoozeMenu({ item, onPick, onCancel }) {
  return html`<div class="today-snooze" role="group" aria-label=${`Snooze ${item.contact_name}'s item`} data-testid="snooze-menu"
    onKeyDown=${(e) => e.key === 'Escape' && onCancel()}>
    <span class="muted">Snooze for</span>
    ${SNOOZES.map(
      (s) => html`<button key=${s.key} type="button" class="btn btn-sm" onClick=${() => onPick(s.body())} data-testid=${`snooze-${s.key}`}>${s.label}</button>`,
    )}
    <button type="button" class="btn btn-sm btn-ghost" onClick=${onCancel}>Cancel</button>
  </div>`;
}

/** The server's limit on a skip's reason, in characters. */
const SKIP_REASON_MAX = 500;

/** Asks why a task or email will not be done (optional); `onSubmit(reason)` skips it. */
export function SkipForm({ item, what, onSubmit, onCancel }) {
  const [reason, setReason] = useState('');
  const input = useRef(null);
  // Opened from the keyboard (x) or the button, the reason is where typing goes next: focused
  // as the form is put on the page, so a key pressed the moment it shows lands in it.
  useLayoutEffect(() => {
    if (input.current) input.current.focus();
  }, []);
  const id = `skip-${item.id.replace(/[^a-z0-9]/gi, '')}`;
  const submit = (e) => {
    e.preventDefault();
    onSubmit(reason.trim());
  };
  return html`<form class="today-panel" onSubmit=${submit} aria-label=${`Skip ${item.contact_name}'s ${what}`} data-testid="skip-form" noValidate
    onKeyDown=${(e) => e.key === 'Escape' && onCancel()}>
    <div class="today-panel-fields">
      <div class="field field-wide">
        <label class="field-label" for=${id}>Why skip it? <span class="muted">(optional)</span></label>
        <input id=${id} ref=${input} class="control" maxlength=${SKIP_REASON_MAX} value=${reason}
          onInput=${(e) => setReason(e.currentTarget.value)} aria-describedby=${`${id}-hint`} data-testid="skip-reason" />
        <div class="field-hint" id=${`${id}-hint`}>The ${what} will not be done, and its draft is archived.</div>
      </div>
    </div>
    <div class="today-panel-actions">
      <button type="button" class="btn btn-sm" onClick=${onCancel}>Cancel</button>
      <button type="submit" class="btn btn-sm btn-primary" data-testid="skip-submit">Skip ${what}</button>
    </div>
  </form>`;
}
