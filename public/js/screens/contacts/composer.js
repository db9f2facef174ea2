// Writing a message to one contact: an email (subject, body) or a LinkedIn message, with merge
// fields to insert and the message previewed as the person will read it: the fields filled, and
// for an email the sending identity's signature and the opt-out line the sender adds. Answering a
// reply starts with "Re:" and the quoted message, and goes out in that reply's thread.
//
// "Save for review" puts the draft in Review. Someone who may approve the contact's messages can
// also send at once: the draft is approved under the same rules Review keeps, then an email goes
// out under every sending rule (or waits for the next run that may send it, which is said), and
// a LinkedIn message becomes a task on Today.
import { html, useEffect, useMemo, useRef, useState } from '../../preact.js';
import { drafts as draftsApi, identities as identitiesApi, isAbort } from '../../api.js';
import { canEditContact } from '../../access.js';
import { FormError } from '../../components/field.js';
import { MergedText, mergedString, unresolvedFields } from '../../components/merged-text.js';
import { toast } from '../../components/toast.js';
import { contactName } from '../../contact-meta.js';
import { formatDateTime } from '../../format.js';
import { MERGE_FIELDS, mergeValues } from '../../merge-fields.js';

const CHANNELS = [
  { value: 'email', label: 'Email' },
  { value: 'linkedin', label: 'LinkedIn' },
];

/** A subject answering `subject`: "Re: " once. */
export function reSubject(subject) {
  const s = (subject || '').trim();
  if (!s) return '';
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

/** The reply quoted under an answer: who wrote it and when, each line after "> ". */
export function quoted(reply, name) {
  const lines = (reply.body || '').trimEnd().split(/\r?\n/).map((l) => (l ? `> ${l}` : '>'));
  return `On ${formatDateTime(reply.replied_at)}, ${name} wrote:\n${lines.join('\n')}`;
}

/** The identity whose signature the preview shows: the first active one (null while loading). */
function useSigningIdentity(enabled) {
  const [identity, setIdentity] = useState(undefined);
  useEffect(() => {
    if (!enabled) return undefined;
    const ctrl = new AbortController();
    identitiesApi
      .list({ signal: ctrl.signal })
      .then((page) => {
        const items = page.items || page;
        setIdentity(items.find((i) => i.status === 'active') || items[0] || null);
      })
      .catch((e) => !isAbort(e) && setIdentity(null));
    return () => ctrl.abort();
  }, [enabled]);
  return identity;
}

/** Why the contact cannot get a message on `channel` (null when they can). */
function unreachable(contact, channel) {
  if (contact.status && contact.status !== 'active') return `${contactName(contact)} is ${contact.status.replace(/_/g, ' ')}: nothing is sent to them.`;
  if (channel === 'email' && !contact.email) return 'This contact has no email address.';
  if (channel === 'linkedin' && !contact.linkedin_url) return 'This contact has no LinkedIn profile.';
  return null;
}

/** The message as it will read: To, subject, body, and for an email the signature and opt-out line. */
function Preview({ contact, channel, subject, body, values, identity }) {
  const signature = identity && identity.signature;
  return html`<div class="composer-preview" aria-label="Preview" data-testid="composer-preview">
    <div class="composer-preview-head">
      <span class="muted">To</span> ${contactName(contact)}${channel === 'email' && contact.email ? html` <span class="muted">${`<${contact.email}>`}</span>` : null}
    </div>
    ${channel === 'email' &&
    html`<div class="composer-preview-subject"><${MergedText} text=${subject} values=${values} who=${contactName(contact)} testid="composer-preview-subject" /></div>`}
    <div class="composer-preview-body"><${MergedText} text=${body} values=${values} who=${contactName(contact)} testid="composer-preview-body" /></div>
    ${channel === 'email' &&
    html`<div class="composer-preview-added" data-testid="composer-preview-added">
      ${signature
        ? html`<div class="composer-signature" data-testid="composer-signature">${`-- \n${signature}`}</div>`
        : identity === null
          ? html`<div class="muted">No sending identity yet: add one in Settings → Identities.</div>`
          : null}
      <div class="composer-optout" data-testid="composer-optout">Not interested? Unsubscribe here: <span class="muted">(a personal link, added when it is sent)</span></div>
    </div>`}
  </div>`;
}

/**
 * The composer. `contact` (with `account`), `user`, `channel` to start on, `reply` to answer
 * (a reply object; its channel is kept), `signal` (the strongest fresh signal's title, for
 * `{{signal}}`), `onDone(draft, outcome)` after it was saved or sent, `onCancel`.
 */
export function Composer({ contact, user, channel: startChannel = 'email', reply = null, replySubject = '', signal = null, onDone, onCancel }) {
  const answering = Boolean(reply);
  const name = contactName(contact);
  const [channel, setChannel] = useState(answering && reply.channel === 'linkedin' ? 'linkedin' : startChannel);
  const [subject, setSubject] = useState(() => (answering ? reSubject(reply.subject || replySubject) : ''));
  const [body, setBody] = useState(() => (answering ? `\n\n${quoted(reply, name)}` : ''));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const bodyRef = useRef(null);
  const identity = useSigningIdentity(channel === 'email');
  const values = useMemo(() => mergeValues(contact, { name: user.name || '' }, signal ? { title: signal } : null), [contact, user, signal]);
  const canSend = canEditContact(user, contact);
  const blocked = unreachable(contact, channel);
  const missing = unresolvedFields(channel === 'email' ? [subject, body] : [body], values);

  useEffect(() => {
    const el = bodyRef.current;
    if (el && answering) {
      el.focus();
      el.setSelectionRange(0, 0);
    }
  }, []);

  const insert = (field) => {
    const el = bodyRef.current;
    const token = `{{${field}}}`;
    const at = el ? el.selectionStart : body.length;
    const end = el ? el.selectionEnd : body.length;
    setBody(body.slice(0, at) + token + body.slice(end));
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(at + token.length, at + token.length);
    });
  };

  const check = () => {
    const fields = {};
    if (channel === 'email' && !subject.trim()) fields.subject = ['is required for an email'];
    if (!body.trim()) fields.body = ['write the message'];
    if (!Object.keys(fields).length) return null;
    return { message: 'The message is not complete.', fieldErrors: () => fields };
  };

  /** Saves the draft (pending review); with `send`, approves it and sends (email) or leaves it as a task. */
  const save = async (send) => {
    const incomplete = check();
    if (incomplete) {
      setError(incomplete);
      return;
    }
    setBusy(true);
    setError(null);
    const request = { contact_id: contact.id, channel, body: mergedString(body.trim(), values), submit: true };
    if (channel === 'email') request.subject = mergedString(subject.trim(), values);
    if (answering) request.reply_id = reply.id;
    let draft;
    try {
      draft = await draftsApi.create(request);
    } catch (err) {
      setBusy(false);
      setError(err);
      return;
    }
    if (!send) {
      toast(`Saved for review: ${channel === 'email' ? 'email' : 'LinkedIn message'} to ${name}`);
      setBusy(false);
      onDone(draft, 'review');
      return;
    }
    try {
      draft = await draftsApi.act(draft.id, 'approve');
    } catch (err) {
      setBusy(false);
      toast(`Saved for review, not approved: ${err.message}`);
      onDone(draft, 'review');
      return;
    }
    if (channel !== 'email') {
      toast(`Approved: the LinkedIn message to ${name} is a task on Today`);
      setBusy(false);
      onDone(draft, 'task');
      return;
    }
    try {
      const sent = await draftsApi.send(draft.id);
      if (sent.status === 'sent') toast(`Sent to ${name}`);
      else if (sent.status === 'unknown') toast(`The send to ${name} was interrupted: check it on Today`);
      else toast(`Not sent yet: it is tried again with the next run`);
      setBusy(false);
      onDone(draft, sent.status);
    } catch (err) {
      setBusy(false);
      toast(`Approved; it goes out when it may: ${err.message}`);
      onDone(draft, 'approved');
    }
  };

  const fieldErrors = error && error.fieldErrors ? error.fieldErrors() : {};
  const inline = (f) => (fieldErrors[f] ? fieldErrors[f].join(' ') : null);
  const sendLabel = channel === 'email' ? 'Send now' : 'Approve as a task';
  return html`<form class="composer" onSubmit=${(e) => { e.preventDefault(); save(false); }} noValidate data-testid="composer">
    ${error && html`<${FormError} error=${error} />`}
    <div class="composer-grid">
      <div class="composer-write">
        ${!answering &&
        html`<div class="composer-channels" role="group" aria-label="Channel">
          ${CHANNELS.map(
            (c) => html`<button key=${c.value} type="button" aria-pressed=${String(channel === c.value)}
              class=${`btn btn-sm ${channel === c.value ? 'btn-primary' : ''}`} onClick=${() => setChannel(c.value)}
              data-testid=${`composer-channel-${c.value}`}>${c.label}</button>`,
          )}
        </div>`}
        ${channel === 'email' &&
        html`<div class="field">
          <label class="field-label" for="composer-subject">Subject</label>
          <input id="composer-subject" class=${`control ${inline('subject') ? 'control-invalid' : ''}`} value=${subject}
            onInput=${(e) => setSubject(e.currentTarget.value)} maxlength="500" data-testid="composer-subject"
            aria-invalid=${inline('subject') ? 'true' : undefined} />
          ${inline('subject') && html`<div class="field-error">${inline('subject')}</div>`}
        </div>`}
        <div class="field">
          <label class="field-label" for="composer-body">Message</label>
          <textarea id="composer-body" ref=${bodyRef} class=${`control composer-body ${inline('body') ? 'control-invalid' : ''}`} rows="9"
            value=${body} onInput=${(e) => setBody(e.currentTarget.value)} maxlength="20000" data-testid="composer-body"
            aria-invalid=${inline('body') ? 'true' : undefined}></textarea>
          ${inline('body') && html`<div class="field-error">${inline('body')}</div>`}
        </div>
        <div class="composer-fields" aria-label="Insert a merge field">
          <span class="muted">Insert</span>
          ${MERGE_FIELDS.map(
            (f) => html`<button key=${f} type="button" class="chip chip-button" onClick=${() => insert(f)} data-testid=${`composer-insert-${f}`}>${f}</button>`,
          )}
        </div>
      </div>
      <${Preview} contact=${contact} channel=${channel} subject=${subject} body=${body} values=${values} identity=${identity} />
    </div>
    ${missing.length > 0 &&
    html`<p class="composer-warning" role="status" data-testid="composer-unresolved">
      No value for ${missing.map((f) => `{{${f}}}`).join(', ')}: write it in, or give the field a fallback (${`{{${missing[0]}|…}}`}). It cannot be approved until then.
    </p>`}
    ${blocked && html`<p class="composer-warning" role="status" data-testid="composer-blocked">${blocked}</p>`}
    <div class="dialog-actions">
      ${onCancel && html`<button type="button" class="btn" onClick=${onCancel} disabled=${busy}>Cancel</button>`}
      <button type="submit" class="btn" disabled=${busy} data-testid="composer-save">Save for review</button>
      ${canSend &&
      html`<button type="button" class="btn btn-primary" disabled=${busy || Boolean(blocked) || missing.length > 0}
        onClick=${() => save(true)} data-testid="composer-send">${busy ? 'Working…' : sendLabel}</button>`}
    </div>
  </form>`;
}
