// What a person logs by hand on a contact's page: a reply that came by LinkedIn or phone (or an
// email the webhook missed), classified by the server, which says what it changed; and a
// booked meeting (an opportunity). Both in a modal dialog.
import { html, useEffect, useState } from '../../preact.js';
import { opportunities as opportunitiesApi, replies as repliesApi } from '../../api.js';
import { Dialog } from '../../components/dialog.js';
import { FormError } from '../../components/field.js';
import { toast } from '../../components/toast.js';
import { STAGES, labelOf } from '../../contact-meta.js';
import { formatDateTime, localInputToIso, nextWorkingMorning, toLocalInput } from '../../format.js';

const CHANNELS = [
  { value: 'linkedin', label: 'LinkedIn' },
  { value: 'call', label: 'Call' },
  { value: 'email', label: 'Email' },
];

export const INTENTS = [
  { value: '', label: 'Let OCC classify it' },
  { value: 'positive', label: 'Positive' },
  { value: 'question', label: 'Question' },
  { value: 'neutral', label: 'Neutral' },
  { value: 'referral', label: 'Referral' },
  { value: 'not_now', label: 'Not now' },
  { value: 'out_of_office', label: 'Out of office' },
  { value: 'negative', label: 'Negative' },
  { value: 'unsubscribe', label: 'Unsubscribe' },
];

export const intentLabel = (v) => (INTENTS.find((i) => i.value === v) || { label: v || 'unclassified' }).label;

/** The server's `effects` of a reply, in words. */
function effectLines(effects) {
  const lines = [];
  if (effects.stage) lines.push(`Stage moved to ${labelOf(STAGES, effects.stage)}`);
  if (effects.enrollments_exited) lines.push(`${effects.enrollments_exited} sequence enrollment(s) ended`);
  if (effects.paused_until) lines.push(`Sequence paused until ${formatDateTime(effects.paused_until)}`);
  if (effects.drafts_archived) lines.push(`${effects.drafts_archived} draft(s) archived`);
  if (effects.suppressed) lines.push('Marked do not contact; the address is suppressed');
  if (effects.followup_id) lines.push('A follow-up was scheduled');
  return lines.length ? lines : ['Nothing else changed'];
}

function ReplyResult({ result, onClose }) {
  const { reply, effects } = result;
  const confidence = typeof reply.confidence === 'number' ? ` (${Math.round(reply.confidence * 100)}% sure)` : '';
  return html`<div class="dialog-fields" data-testid="reply-result">
    <p class="dialog-lead">
      Classified as <strong data-testid="reply-intent" data-intent=${reply.intent || ''}>${intentLabel(reply.intent)}</strong>${confidence}.
    </p>
    <ul class="reply-effects" data-testid="reply-effects">
      ${effectLines(effects).map((l) => html`<li key=${l}>${l}</li>`)}
    </ul>
    <div class="dialog-actions">
      <button type="button" class="btn btn-primary" onClick=${onClose} data-testid="reply-close">Done</button>
    </div>
  </div>`;
}

/** "Log reply": channel, text and (optionally) the intent; `onLogged(result)` after the server took it. */
export function LogReplyDialog({ contactId, open, onClose, onLogged }) {
  const [form, setForm] = useState({ channel: 'linkedin', body: '', intent: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  useEffect(() => {
    if (open) {
      setForm({ channel: 'linkedin', body: '', intent: '' });
      setError(null);
      setResult(null);
    }
  }, [open]);
  const set = (patch) => setForm((f) => ({ ...f, ...patch }));
  const textError = error && error.fieldErrors ? (error.fieldErrors().body || []).join(' ') : null;
  const submit = async (e) => {
    e.preventDefault();
    if (!form.body.trim()) {
      setError({ message: 'Write what they said.', fieldErrors: () => ({ body: ['is required'] }) });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { contact_id: contactId, channel: form.channel, body: form.body.trim() };
      if (form.intent) body.intent = form.intent;
      const answer = await repliesApi.create(body);
      setResult(answer);
      toast(`Reply logged: ${intentLabel(answer.reply.intent)}`);
      onLogged(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} id="log-reply" open=${open} title="Log a reply" busy=${busy} onClose=${onClose} testid="log-reply-dialog">
    ${result
      ? html`<${ReplyResult} result=${result} onClose=${onClose} />`
      : html`<form class="dialog-fields" onSubmit=${submit} noValidate data-testid="log-reply-form">
          ${error && html`<${FormError} error=${error} />`}
          <div class="field">
            <label class="field-label" for="reply-channel">Channel</label>
            <select id="reply-channel" class="control" value=${form.channel} onChange=${(e) => set({ channel: e.currentTarget.value })} data-testid="reply-channel">
              ${CHANNELS.map((c) => html`<option key=${c.value} value=${c.value}>${c.label}</option>`)}
            </select>
          </div>
          <div class="field">
            <label class="field-label" for="reply-body">What they said</label>
            <textarea id="reply-body" class=${`control ${textError ? 'control-invalid' : ''}`} rows="5" value=${form.body}
              onInput=${(e) => set({ body: e.currentTarget.value })} data-testid="reply-body"
              aria-invalid=${textError ? 'true' : undefined}></textarea>
            ${textError && html`<div class="field-error">${textError}</div>`}
          </div>
          <div class="field">
            <label class="field-label" for="reply-intent">Intent</label>
            <select id="reply-intent" class="control" value=${form.intent} onChange=${(e) => set({ intent: e.currentTarget.value })} data-testid="reply-intent-select">
              ${INTENTS.map((i) => html`<option key=${i.value} value=${i.value}>${i.label}</option>`)}
            </select>
            <div class="field-hint">Leave it to OCC unless you know better; the stage and sequence follow the intent.</div>
          </div>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
            <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="reply-submit">${busy ? 'Logging…' : 'Log reply'}</button>
          </div>
        </form>`}
  <//>`;
}

/** "Book meeting": the time and notes; `replyId` (a waiting reply) is marked handled by the server. */
export function BookMeetingDialog({ contactId, replyId, open, onClose, onBooked }) {
  const [when, setWhen] = useState('');
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (open) {
      setWhen(toLocalInput(nextWorkingMorning(10)));
      setNotes('');
      setError(null);
    }
  }, [open]);
  const submit = async (e) => {
    e.preventDefault();
    const meetingAt = localInputToIso(when);
    if (!meetingAt) {
      setError({ message: 'Pick the meeting day and time.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { contact_id: contactId, meeting_at: meetingAt };
      if (replyId) body.reply_id = replyId;
      if (notes.trim()) body.notes = notes.trim();
      const opp = await opportunitiesApi.create(body);
      toast(`Meeting booked for ${formatDateTime(opp.meeting_at || meetingAt)}`);
      onBooked(opp);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} id="book-meeting" open=${open} title="Book a meeting" busy=${busy} onClose=${onClose} testid="book-meeting-dialog">
    <form class="dialog-fields" onSubmit=${submit} noValidate data-testid="book-meeting-form">
      ${error && html`<${FormError} error=${error} />`}
      <div class="field">
        <label class="field-label" for="meeting-at">Meeting time <span class="muted">(your time zone)</span></label>
        <input id="meeting-at" class="control" type="datetime-local" value=${when} onInput=${(e) => setWhen(e.currentTarget.value)} data-testid="meeting-at" />
      </div>
      <div class="field">
        <label class="field-label" for="meeting-notes">Notes</label>
        <textarea id="meeting-notes" class="control" rows="3" value=${notes} onInput=${(e) => setNotes(e.currentTarget.value)} data-testid="meeting-notes"></textarea>
      </div>
      <div class="dialog-actions">
        <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="meeting-submit">${busy ? 'Booking…' : 'Book meeting'}</button>
      </div>
    </form>
  <//>`;
}
