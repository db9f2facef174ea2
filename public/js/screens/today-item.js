// One item of Today: its kind, contact, company, why it is here and when it is due, and what
// can be done with it: the natural next step for its kind (review it, book the meeting, open
// the prep card or the LinkedIn profile), Done (a call says how it went) and Snooze.
import { html, useState } from '../preact.js';
import { formatDateTime, formatRelative, localInputToIso, nextMorning, safeHref, toLocalInput } from '../format.js';

export const KINDS = {
  reply_positive: { label: 'Positive reply', done: 'Mark handled' },
  reply: { label: 'Reply', done: 'Mark handled' },
  meeting: { label: 'Meeting', done: 'Mark prepared' },
  followup: { label: 'Follow-up', done: 'Done' },
  call: { label: 'Call', done: 'Log call' },
  review: { label: 'Review', done: null },
  linkedin: { label: 'LinkedIn', done: 'Mark done' },
  email: { label: 'Email', done: 'Mark sent' },
  research: { label: 'Research', done: 'Mark researched' },
};

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

const contactHref = (item) => `/contacts/${encodeURIComponent(item.contact_id)}`;

function CallForm({ item, onSubmit, onCancel }) {
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

function BookForm({ item, onSubmit, onCancel }) {
  const [when, setWhen] = useState(() => toLocalInput(nextMorning(10)));
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

function SnoozeMenu({ item, onPick, onCancel }) {
  return html`<div class="today-snooze" role="group" aria-label=${`Snooze ${item.contact_name}'s item`} data-testid="snooze-menu"
    onKeyDown=${(e) => e.key === 'Escape' && onCancel()}>
    <span class="muted">Snooze for</span>
    ${SNOOZES.map(
      (s) => html`<button key=${s.key} type="button" class="btn btn-sm" onClick=${() => onPick(s.body())} data-testid=${`snooze-${s.key}`}>${s.label}</button>`,
    )}
    <button type="button" class="btn btn-sm btn-ghost" onClick=${onCancel}>Cancel</button>
  </div>`;
}

/** The link or button for the kind's natural next step (before Done). */
function PrimaryAction({ item, linkedinUrl, canAct, onOpen }) {
  switch (item.kind) {
    case 'review':
      return canAct ? html`<a class="btn btn-sm btn-primary" href="/review" data-testid="item-review">Review</a>` : null;
    case 'reply_positive':
      return canAct
        ? html`<button type="button" class="btn btn-sm btn-primary" onClick=${() => onOpen('book')} data-testid="item-book">Book meeting</button>`
        : null;
    case 'meeting':
      return html`<a class="btn btn-sm btn-primary" href=${`${contactHref(item)}#prep`} data-testid="item-prep">Prep card</a>`;
    case 'linkedin': {
      const href = safeHref(linkedinUrl);
      return href
        ? html`<a class="btn btn-sm btn-primary" href=${href} target="_blank" rel="noopener noreferrer" data-testid="item-linkedin">
            Open LinkedIn<span class="visually-hidden"> (new tab)</span>
          </a>`
        : null;
    }
    case 'reply':
    case 'research':
      return html`<a class="btn btn-sm" href=${contactHref(item)} data-testid="item-open">Open contact</a>`;
    default:
      return null;
  }
}

/**
 * `panel`: the open form ('call', 'book', 'snooze' or null); `onOpen(panel)` opens one.
 * `onDone(item, body)`, `onSnooze(item, body)`, `onBook(item, meetingAt)` act on it.
 */
export function TodayItem({ item, focused, canAct, linkedinUrl, panel, onOpen, onFocus, onDone, onSnooze, onBook }) {
  const kind = KINDS[item.kind] || { label: item.kind, done: 'Done' };
  const showExcerpt = item.excerpt && ['email', 'linkedin', 'call'].includes(item.kind);
  const close = () => onOpen(null);
  const doneClick = () => (item.kind === 'call' ? onOpen(panel === 'call' ? null : 'call') : onDone(item, {}));
  return html`<li
    class=${`today-item ${focused ? 'is-focused' : ''}`}
    data-testid="today-item"
    data-item-id=${item.id}
    data-kind=${item.kind}
    data-focused=${focused ? 'true' : undefined}
    onClick=${onFocus}
  >
    <div class="today-item-top">
      <span class=${`badge badge-kind today-kind today-kind-${item.kind}`} data-testid="item-kind">${kind.label}</span>
      <a class="today-item-name" href=${contactHref(item)} data-testid="item-contact">${item.contact_name}</a>
      ${item.account_name && html`<span class="muted" data-testid="item-company">${item.account_name}</span>`}
      ${item.channel && item.kind !== item.channel && html`<span class="chip">${item.channel}</span>`}
      <span class="today-due" title=${formatDateTime(item.due_at) || ''} data-testid="item-due">${formatRelative(item.due_at)}</span>
    </div>
    <p class="today-reason" data-testid="item-reason">${item.reason}</p>
    ${showExcerpt && html`<blockquote class="today-excerpt" data-testid="item-excerpt">${item.excerpt}</blockquote>`}
    <div class="today-actions">
      <${PrimaryAction} item=${item} linkedinUrl=${linkedinUrl} canAct=${canAct} onOpen=${onOpen} />
      ${canAct &&
      kind.done &&
      html`<button type="button" class="btn btn-sm" onClick=${doneClick} data-testid="item-done" aria-expanded=${item.kind === 'call' ? String(panel === 'call') : undefined}>
        ${kind.done}
      </button>`}
      ${canAct &&
      html`<button type="button" class="btn btn-sm btn-ghost" onClick=${() => onOpen(panel === 'snooze' ? null : 'snooze')} aria-expanded=${String(panel === 'snooze')} data-testid="item-snooze">
        Snooze
      </button>`}
    </div>
    ${canAct && panel === 'snooze' && html`<${SnoozeMenu} item=${item} onCancel=${close} onPick=${(body) => onSnooze(item, body)} />`}
    ${canAct && panel === 'call' && html`<${CallForm} item=${item} onCancel=${close} onSubmit=${(body) => onDone(item, body)} />`}
    ${canAct && panel === 'book' && html`<${BookForm} item=${item} onCancel=${close} onSubmit=${(at) => onBook(item, at)} />`}
  </li>`;
}
