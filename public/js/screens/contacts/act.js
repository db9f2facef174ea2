// What a person starts from a contact's page besides logging a reply and booking a meeting:
// write a message (the composer, also to answer a reply), log a call done outside a task, add a
// follow-up, correct what OCC took a reply to mean, and add the person a referral points to.
import { html, useEffect, useState } from '../../preact.js';
import { followups as followupsApi, replies as repliesApi, touchpoints as touchpointsApi } from '../../api.js';
import { Dialog } from '../../components/dialog.js';
import { FormError } from '../../components/field.js';
import { toast } from '../../components/toast.js';
import { contactName } from '../../contact-meta.js';
import { formatDateTime, localInputToIso, nextWorkingMorning, toLocalInput } from '../../format.js';
import { withQuery } from '../../router.js';
import { CallForm } from '../today/panels.js';
import { INTENTS, intentLabel } from './actions.js';
import { Composer } from './composer.js';

/** "Write email" / "LinkedIn message" / "Answer": the composer in a dialog. */
export function ComposeDialog({ contact, user, channel, reply, replySubject, signal, open, onClose, onDone }) {
  const name = contactName(contact);
  const title = reply ? `Answer ${name}` : channel === 'linkedin' ? `LinkedIn message to ${name}` : `Email to ${name}`;
  return html`<${Dialog} id="compose" open=${open} title=${title} onClose=${onClose} testid="compose-dialog">
    <${Composer}
      key=${`${channel}:${reply ? reply.id : ''}`}
      contact=${contact}
      user=${user}
      channel=${channel}
      reply=${reply}
      replySubject=${replySubject}
      signal=${signal}
      onCancel=${onClose}
      onDone=${(draft, outcome) => {
        onDone(draft, outcome);
        onClose();
      }}
    />
  <//>`;
}

/** "Log call": a call made outside a Today task, with its outcome, minutes and notes. */
export function LogCallDialog({ contact, open, onClose, onLogged }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => open && setError(null), [open]);
  const item = { id: `contact-${contact.id}`, contact_name: contactName(contact), body: null };
  const submit = async (body) => {
    setBusy(true);
    setError(null);
    try {
      const key = `call:${contact.id}:${crypto.randomUUID ? crypto.randomUUID() : Date.now()}`;
      await touchpointsApi.create({ contact_id: contact.id, kind: 'call', idempotency_key: key, ...body });
      toast(`Call with ${contactName(contact)} logged`);
      onLogged();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} id="log-call" open=${open} title=${`Log a call with ${contactName(contact)}`} busy=${busy} onClose=${onClose} testid="log-call-dialog">
    ${error && html`<${FormError} error=${error} />`}
    ${contact.phone && html`<p class="dialog-lead">Number: <a href=${`tel:${contact.phone.replace(/[^\d+]/g, '')}`}>${contact.phone}</a></p>`}
    <${CallForm} item=${item} onCancel=${onClose} onSubmit=${submit} />
  <//>`;
}

const FOLLOWUP_CHANNELS = [
  { value: 'email', label: 'Email' },
  { value: 'call', label: 'Call' },
  { value: 'linkedin', label: 'LinkedIn' },
];

/** "Add follow-up": when, on which channel, and why; it shows on the owner's Today when due. */
export function FollowupDialog({ contact, open, onClose, onAdded }) {
  const [form, setForm] = useState({ when: '', channel: 'email', reason: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (open) {
      setForm({ when: toLocalInput(nextWorkingMorning(9)), channel: contact.email ? 'email' : contact.phone ? 'call' : 'linkedin', reason: '' });
      setError(null);
    }
  }, [open]);
  const set = (patch) => setForm((f) => ({ ...f, ...patch }));
  const submit = async (e) => {
    e.preventDefault();
    const dueAt = localInputToIso(form.when);
    if (!dueAt) {
      setError({ message: 'Pick the day and time of the follow-up.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { contact_id: contact.id, channel: form.channel, due_at: dueAt };
      if (form.reason.trim()) body.reason = form.reason.trim();
      await followupsApi.create(body);
      toast(`Follow-up added for ${formatDateTime(dueAt)}`);
      onAdded();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} id="add-followup" open=${open} title="Add a follow-up" busy=${busy} onClose=${onClose} testid="followup-dialog">
    <form class="dialog-fields" onSubmit=${submit} noValidate data-testid="followup-form">
      ${error && html`<${FormError} error=${error} />`}
      <div class="field">
        <label class="field-label" for="followup-at">When <span class="muted">(your time zone)</span></label>
        <input id="followup-at" class="control" type="datetime-local" value=${form.when} onInput=${(e) => set({ when: e.currentTarget.value })} data-testid="followup-at" />
      </div>
      <div class="field">
        <label class="field-label" for="followup-channel">Channel</label>
        <select id="followup-channel" class="control" value=${form.channel} onChange=${(e) => set({ channel: e.currentTarget.value })} data-testid="followup-channel">
          ${FOLLOWUP_CHANNELS.map((c) => html`<option key=${c.value} value=${c.value}>${c.label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label class="field-label" for="followup-reason">Why</label>
        <textarea id="followup-reason" class="control" rows="3" maxlength="2000" value=${form.reason} onInput=${(e) => set({ reason: e.currentTarget.value })} data-testid="followup-reason"></textarea>
      </div>
      <div class="dialog-actions">
        <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="followup-submit">${busy ? 'Adding…' : 'Add follow-up'}</button>
      </div>
    </form>
  <//>`;
}

/** "Correct intent": what the reply really means; the stage and sequence follow the new intent. */
export function CorrectIntentDialog({ reply, open, onClose, onCorrected }) {
  const [intent, setIntent] = useState('');
  const [back, setBack] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (open && reply) {
      setIntent(reply.intent || 'neutral');
      setBack(reply.return_date || '');
      setError(null);
    }
  }, [open, reply && reply.id]);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { intent };
      if (intent === 'out_of_office' && back) body.return_date = back;
      const answer = await repliesApi.correct(reply.id, body);
      toast(`Reply now reads as ${intentLabel(answer.reply.intent)}`);
      onCorrected(answer);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} id="correct-intent" open=${open} title="Correct the reply's intent" busy=${busy} onClose=${onClose} testid="correct-intent-dialog">
    ${reply &&
    html`<form class="dialog-fields" onSubmit=${submit} noValidate data-testid="correct-intent-form">
      ${error && html`<${FormError} error=${error} />`}
      <blockquote class="reply-quote">${reply.body}</blockquote>
      <p class="dialog-lead">OCC read it as <strong>${intentLabel(reply.intent)}</strong>.</p>
      <div class="field">
        <label class="field-label" for="correct-intent">It means</label>
        <select id="correct-intent" class="control" value=${intent} onChange=${(e) => setIntent(e.currentTarget.value)} data-testid="correct-intent-select">
          ${INTENTS.filter((i) => i.value).map((i) => html`<option key=${i.value} value=${i.value}>${i.label}</option>`)}
        </select>
        <div class="field-hint">The contact's stage, sequence and suppression follow the new intent.</div>
      </div>
      ${intent === 'out_of_office' &&
      html`<div class="field">
        <label class="field-label" for="correct-back">Back on</label>
        <input id="correct-back" class="control" type="date" value=${back} onInput=${(e) => setBack(e.currentTarget.value)} data-testid="correct-return-date" />
      </div>`}
      <div class="dialog-actions">
        <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy || intent === reply.intent} data-testid="correct-intent-submit">${busy ? 'Saving…' : 'Correct'}</button>
      </div>
    </form>`}
  <//>`;
}

/** The new-contact form's address for the person a referral reply points to, at the same company. */
export function referralHref(reply, referrer) {
  const [first, ...rest] = (reply.referral_name || '').trim().split(/\s+/);
  return withQuery('/contacts/new', {
    first_name: first || '',
    last_name: rest.join(' '),
    email: reply.referral_email || '',
    account_id: referrer.account_id || '',
    notes: `Referred by ${contactName(referrer)} on ${formatDateTime(reply.replied_at)}.`,
  });
}
