// One item of Today: its kind, contact, company, why it is here and when it is due, and what
// can be done with it: the natural next step for its kind (review it, book the meeting, open
// the prep card or the LinkedIn profile and copy the message, send an email now, say whether
// an interrupted send went out), Done (a call says how it went), Skip (a task or email that will
// not be done) and Snooze. A call's script and a LinkedIn message are shown in full.
import { html } from '../../preact.js';
import { formatDateTime, formatRelative, safeHref } from '../../format.js';
import { prefixed } from '../../api.js';
import { withQuery } from '../../router.js';
import { errorText } from '../../components/field.js';
import { SupportDetails } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { BookForm, CallForm, SkipForm, SnoozeMenu } from './panels.js';

/** `done`: the Done button's label (null: none); `skip`: what Skip calls the item (unset: no Skip). */
export const KINDS = {
  reply_positive: { label: 'Positive reply', done: 'Mark handled' },
  reply: { label: 'Reply', done: 'Mark handled' },
  meeting: { label: 'Meeting', done: 'Mark prepared' },
  followup: { label: 'Follow-up', done: 'Done' },
  call: { label: 'Call', done: 'Log call', skip: 'call' },
  review: { label: 'Review', done: null },
  linkedin: { label: 'LinkedIn', done: 'Mark done', skip: 'LinkedIn task' },
  email: { label: 'Email', done: 'Mark sent', skip: 'email' },
  send_check: { label: 'Check send', done: null },
  send_failed: { label: 'Send failed', done: null, skip: 'email' },
  research: { label: 'Research', done: 'Mark researched' },
};

/** What "send now" answered, for the toast. */
const SEND_OUTCOMES = {
  sent: { text: (name) => `Sent: the email to ${name}`, kind: 'success' },
  failed: { text: (name) => `Not sent: the email to ${name} failed; it is tried again later`, kind: 'error' },
  unknown: { text: (name) => `The send to ${name} broke off: check the Sent folder, then say whether it went out`, kind: 'info' },
};

/** The toast for "send now"'s `status` (sent, failed or unknown). */
export function sendOutcome(status, name) {
  const outcome = SEND_OUTCOMES[status] || SEND_OUTCOMES.failed;
  return { message: outcome.text(name), kind: outcome.kind };
}

const contactHref = (item) => `/contacts/${encodeURIComponent(item.contact_id)}`;

/** Copies `text`; a browser that refuses (no permission, no clipboard) is told in a toast. */
async function copyText(text) {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    toast('Copied');
  } catch {
    toast('Could not copy: the browser refused. Select the message and copy it by hand.', { kind: 'error' });
  }
}

/** The link or button for the kind's natural next step (before Done). */
/** A reply's "Answer": the Replies screen with the reply open, its conversation and the composer. */
function AnswerLink({ item, primary }) {
  if (!item.reply_id) return null;
  const href = withQuery('/replies', { scope: 'team', id: item.reply_id });
  return html`<a class=${`btn btn-sm ${primary ? 'btn-primary' : ''}`} href=${href} data-testid="item-answer">Answer</a>`;
}

function PrimaryAction({ item, linkedinUrl, canAct, sendNow, onOpen, onSendNow, onResolve }) {
  switch (item.kind) {
    case 'review':
      return canAct ? html`<a class="btn btn-sm btn-primary" href="/review" data-testid="item-review">Review</a>` : null;
    case 'reply_positive':
      return canAct
        ? html`<button type="button" class="btn btn-sm btn-primary" onClick=${() => onOpen('book')} data-testid="item-book">Book meeting</button>
            <${AnswerLink} item=${item} />`
        : null;
    case 'reply':
      return canAct ? html`<${AnswerLink} item=${item} primary />` : null;
    case 'meeting':
      return html`<a class="btn btn-sm btn-primary" href=${`${contactHref(item)}#prep`} data-testid="item-prep">Prep card</a>`;
    case 'linkedin': {
      const href = safeHref(linkedinUrl);
      return html`
        ${href &&
        html`<a class="btn btn-sm btn-primary" href=${href} target="_blank" rel="noopener noreferrer" data-testid="item-linkedin">
          Open LinkedIn<span class="visually-hidden"> (new tab)</span>
        </a>`}
        ${item.body && html`<button type="button" class="btn btn-sm" onClick=${() => copyText(item.body)} data-testid="item-copy">Copy message</button>`}
      `;
    }
    case 'email': {
      if (!canAct || !item.draft_id) return null;
      const busy = Boolean(sendNow && sendNow.busy);
      return html`<button type="button" class="btn btn-sm btn-primary" disabled=${busy} aria-busy=${busy ? 'true' : 'false'}
        onClick=${() => onSendNow(item)} data-testid="item-send-now">${busy ? 'Sending…' : 'Send now'}</button>`;
    }
    case 'send_check':
      return canAct && item.touchpoint_id
        ? html`
            <button type="button" class="btn btn-sm btn-primary" onClick=${() => onResolve(item, 'sent')} data-testid="item-resolve-sent">It was sent</button>
            <button type="button" class="btn btn-sm" onClick=${() => onResolve(item, 'failed')} data-testid="item-resolve-failed">It was not sent</button>
          `
        : null;
    case 'reply':
    case 'research':
    case 'send_failed':
      return html`<a class="btn btn-sm" href=${contactHref(item)} data-testid="item-open">Open contact</a>`;
    default:
      return null;
  }
}

/** A `tel:` link that dials `phone` as written (its digits and a leading +). */
function telHref(phone) {
  const digits = String(phone).replace(/[^\d+]/g, '');
  return `tel:${digits.startsWith('+') ? `+${digits.slice(1).replace(/\+/g, '')}` : digits.replace(/\+/g, '')}`;
}

/** The item's text: a call's script (folded), a LinkedIn message in full, what went wrong with a send, or the excerpt. */
function ItemText({ item }) {
  if (item.kind === 'call' && item.body) {
    return html`<details class="today-script" data-testid="item-script">
      <summary>Script</summary>
      <div class="today-excerpt" data-testid="item-script-text">${item.body}</div>
    </details>`;
  }
  if (item.kind === 'linkedin' && item.body) {
    return html`<blockquote class="today-excerpt" aria-label="Message to send" data-testid="item-message">${item.body}</blockquote>`;
  }
  if (!item.excerpt) return null;
  if (item.kind === 'send_check' || item.kind === 'send_failed') {
    return html`<blockquote class="today-excerpt today-excerpt-problem" aria-label="What went wrong" data-testid="item-excerpt">${item.excerpt}</blockquote>`;
  }
  if (['email', 'linkedin', 'call'].includes(item.kind)) {
    return html`<blockquote class="today-excerpt" data-testid="item-excerpt">${item.excerpt}</blockquote>`;
  }
  return null;
}

/**
 * `panel`: the open form ('call', 'book', 'snooze', 'skip' or null); `onOpen(panel)` opens one.
 * `onDone(item, body)`, `onSnooze(item, body)`, `onBook(item, meetingAt)`, `onSkip(item, reason)`,
 * `onResolve(item, status)` and `onSendNow(item)` act on it; `sendNow` is its "send now" state
 * (`{ busy, error }`) or null.
 */
export function TodayItem(props) {
  const { item, focused, canAct, linkedinUrl, panel, sendNow, onOpen, onFocus, onDone, onSnooze, onBook, onSkip } = props;
  const kind = KINDS[item.kind] || { label: item.kind, done: 'Done' };
  const close = () => onOpen(null);
  const toggle = (name) => onOpen(panel === name ? null : name);
  const doneClick = () => (item.kind === 'call' ? toggle('call') : onDone(item, {}));
  const sendError = sendNow && sendNow.error;
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
      ${item.kind === 'call' && item.phone && html`<a class="today-phone" href=${telHref(item.phone)} data-testid="item-phone">${item.phone}</a>`}
      <span class="today-due" title=${formatDateTime(item.due_at) || ''} data-testid="item-due">${formatRelative(item.due_at)}</span>
    </div>
    <p class="today-reason" data-testid="item-reason">${item.reason}</p>
    ${item.kind === 'call' &&
    !item.phone &&
    html`<p class="today-warning" role="note" data-testid="item-no-phone">
      No phone number on file: <a href=${`/contacts/${encodeURIComponent(item.contact_id)}/edit`}>add one</a>, or skip this call.
    </p>`}
    <${ItemText} item=${item} />
    <div class="today-actions">
      <${PrimaryAction} ...${props} />
      ${canAct &&
      kind.done &&
      html`<button type="button" class="btn btn-sm" onClick=${doneClick} data-testid="item-done" aria-expanded=${item.kind === 'call' ? String(panel === 'call') : undefined}>
        ${kind.done}
      </button>`}
      ${canAct &&
      kind.skip &&
      html`<button type="button" class="btn btn-sm btn-ghost" onClick=${() => toggle('skip')} aria-expanded=${String(panel === 'skip')} data-testid="item-skip">
        Skip
      </button>`}
      ${canAct &&
      html`<button type="button" class="btn btn-sm btn-ghost" onClick=${() => toggle('snooze')} aria-expanded=${String(panel === 'snooze')} data-testid="item-snooze">
        Snooze
      </button>`}
    </div>
    ${sendError &&
    html`<div class="form-error today-item-error" role="alert" data-testid="item-send-error">
      ${prefixed('Not sent', errorText(sendError).message)}
      <${SupportDetails} error=${sendError} />
    </div>`}
    ${canAct && panel === 'snooze' && html`<${SnoozeMenu} item=${item} onCancel=${close} onPick=${(body) => onSnooze(item, body)} />`}
    ${canAct && panel === 'call' && html`<${CallForm} item=${item} onCancel=${close} onSubmit=${(body) => onDone(item, body)} />`}
    ${canAct && panel === 'book' && html`<${BookForm} item=${item} onCancel=${close} onSubmit=${(at) => onBook(item, at)} />`}
    ${canAct && panel === 'skip' && kind.skip && html`<${SkipForm} item=${item} what=${kind.skip} onCancel=${close} onSubmit=${(reason) => onSkip(item, reason)} />`}
  </li>`;
}
