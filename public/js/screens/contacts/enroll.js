// Enrolling contacts in a sequence, in a dialog: one contact from its page, or the contacts
// selected in the list. The dialog offers the active sequences, previews the chosen one's first
// step for a contact with the merge fields filled the way the server fills them, and then says
// what happened to each contact (enrolled, already in a sequence, do not contact…).
import { html, useEffect, useLayoutEffect, useRef, useState } from '../../preact.js';
import { enrollments as enrollmentsApi, sequences as sequencesApi, signals as signalsApi } from '../../api.js';
import { canWriteSequences, useUser } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { Dialog } from '../../components/dialog.js';
import { FormError } from '../../components/field.js';
import { MergedText, unresolvedFields } from '../../components/merged-text.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { contactName } from '../../contact-meta.js';
import { mergeValues } from '../../merge-fields.js';
import { useTeam } from '../../owners.js';
import {
  MAX_ENROLL,
  contactsCount,
  dayWords,
  enrollOutcome,
  enrollSummary,
  enrollWords,
  firstStep,
  singleResult,
  stepKindLabel,
} from './outcomes.js';

const accountIdOf = (c) => c.account_id || (c.account && c.account.id) || null;

/** The signal the server would merge for `contact`: the strongest unexpired one, then the newest. */
function useMergeSignal(contact) {
  const accountId = accountIdOf(contact);
  const state = useLoad(
    (signal) => signalsApi.list({ contact_id: contact.id, account_id: accountId, limit: 50 }, { signal }),
    [contact.id, accountId],
  );
  const items = ((state.data && state.data.items) || []).filter((s) => !s.expired);
  items.sort((a, b) => (b.strength || 0) - (a.strength || 0) || String(b.occurred_at).localeCompare(String(a.occurred_at)));
  return { loading: state.loading, signal: items[0] || null };
}

/** An owner the app cannot name (only admins read the team) stands in the preview as this. */
const UNNAMED_OWNER = '(their owner)';

/** The merge values for `contact`, signed as the server signs the step: by the contact's owner,
 *  or by whoever enrolls when nobody owns it. */
function previewValues(contact, user, team, signal) {
  if (!contact.owner_id || contact.owner_id === user.id) return mergeValues(contact, user, signal);
  const owner = team.find((u) => u.id === contact.owner_id);
  if (owner) return mergeValues(contact, owner, signal);
  return { ...mergeValues(contact, null, signal), sender_name: UNNAMED_OWNER, sender_first_name: UNNAMED_OWNER };
}

/** The sequence's first step for `contact`: its kind, when it is due, subject and message. */
function StepPreview({ sequence, contact, user }) {
  const team = useTeam(user);
  const { loading, signal } = useMergeSignal(contact);
  const step = firstStep(sequence);
  if (!step) return html`<p class="muted" data-testid="enroll-preview">This sequence has no steps.</p>`;
  const values = previewValues(contact, user, team, signal);
  const email = step.kind === 'email';
  const who = contactName(contact);
  const missing = loading ? [] : unresolvedFields(email ? [step.subject, step.template] : [step.template], values);
  const count = (sequence.steps || []).length;
  return html`<section class="seq-preview enroll-preview" aria-label=${`The first step, for ${who}`} data-testid="enroll-preview" aria-busy=${loading ? 'true' : 'false'}>
    <div class="seq-preview-label muted">
      Step 1 of ${count}: <strong data-testid="enroll-preview-kind">${stepKindLabel(step.kind)}</strong>, <span data-testid="enroll-preview-when">${dayWords(step.day_offset)}</span>, for ${who}
    </div>
    ${email && html`<div class="seq-preview-subject"><${MergedText} text=${step.subject || ''} values=${values} who=${who} testid="enroll-preview-subject" /></div>`}
    <div class="seq-preview-body"><${MergedText} text=${step.template} values=${values} who=${who} testid="enroll-preview-body" /></div>
    ${missing.length > 0 &&
    html`<p class="enroll-preview-note" data-testid="enroll-preview-unresolved">
      ${who} has no value for ${missing.map((f, i) => html`${i ? ', ' : ''}<code key=${f}>{{${f}}}</code>`)}: the draft will need it written in before it is approved.
    </p>`}
  </section>`;
}

/** No sequence to enroll in: say so, and offer to make one to those who may. */
function NoSequence({ user }) {
  const may = canWriteSequences(user);
  return html`<${Empty}
    title="No active sequence"
    testid="enroll-no-sequence"
    action=${may ? html`<a class="btn btn-primary" href="/sequences/new" data-testid="enroll-new-sequence">New sequence</a>` : null}
  >
    Contacts are enrolled in an active sequence with at least one step.${may ? '' : ' Ask a manager or an admin to make one.'}
  <//>`;
}

/** What happened to each contact, summed up first. */
function Outcome({ results, contacts, sequence, onClose }) {
  const ref = useRef(null);
  useLayoutEffect(() => ref.current && ref.current.focus(), []);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const enrolled = results.filter((r) => r.ok).length;
  const tone = enrolled === results.length ? 'ok' : enrolled ? 'mixed' : 'bad';
  return html`<div class="dialog-fields">
    <div class=${`bulk-report bulk-report-${tone}`} role="status" data-testid="enroll-outcome">
      <strong ref=${ref} tabindex="-1" data-testid="enroll-summary">
        ${results.length === 1 ? `${enrollWords(results[0])}${results[0].ok ? ` in ${sequence.name}` : ''}.` : `${enrollSummary(results)}${enrolled ? ` — in ${sequence.name}` : ''}.`}
      </strong>
      ${results.length > 1 &&
      html`<ul class="outcome-list enroll-results">
        ${results.map((r) => {
          const c = byId.get(r.contact_id);
          return html`<li key=${r.contact_id} data-testid="enroll-result" data-contact-id=${r.contact_id} data-outcome=${enrollOutcome(r)}>
            <a href=${`/contacts/${encodeURIComponent(r.contact_id)}`}>${c ? contactName(c) : r.contact_id}</a>: ${enrollWords(r)}
          </li>`;
        })}
      </ul>`}
      ${results.length === 1 && html`<span class="visually-hidden" data-testid="enroll-result" data-contact-id=${results[0].contact_id} data-outcome=${enrollOutcome(results[0])}></span>`}
    </div>
    <div class="dialog-actions">
      <button type="button" class="btn btn-primary" onClick=${onClose} data-testid="enroll-close">Done</button>
    </div>
  </div>`;
}

/** Sends the enrollment: one contact as `contact_id`, several as `contact_ids`; answers every result. */
async function enroll(sequenceId, contacts) {
  if (contacts.length === 1) {
    const contactId = contacts[0].id;
    try {
      const answer = await enrollmentsApi.create({ sequence_id: sequenceId, contact_id: contactId });
      return [singleResult(contactId, { answer })];
    } catch (error) {
      return [singleResult(contactId, { error })];
    }
  }
  const answer = await enrollmentsApi.create({ sequence_id: sequenceId, contact_ids: contacts.map((c) => c.id) });
  return (answer && answer.results) || [];
}

function EnrollForm({ contacts, user, busy, setBusy, onClose, onDone }) {
  const seqs = useLoad((signal) => sequencesApi.list({ limit: 100 }, { signal }), []);
  const [sequenceId, setSequenceId] = useState('');
  const [previewId, setPreviewId] = useState(contacts[0] && contacts[0].id);
  const [error, setError] = useState(null);
  const [results, setResults] = useState(null);
  const active = ((seqs.data && seqs.data.items) || []).filter((s) => s.status === 'active' && (s.steps || []).length);
  const selectRef = useRef(null);
  // One sequence to choose from: it is the choice. The dialog opened on "Loading…": once the
  // sequences are in, the select takes the focus.
  useEffect(() => {
    if (active.length === 1 && !sequenceId) setSequenceId(active[0].id);
    if (selectRef.current) selectRef.current.focus();
  }, [seqs.data]);
  const sequence = active.find((s) => s.id === sequenceId) || null;
  const previewContact = contacts.find((c) => c.id === previewId) || contacts[0];
  const tooMany = contacts.length > MAX_ENROLL;

  if (results) return html`<${Outcome} results=${results} contacts=${contacts} sequence=${sequence} onClose=${onClose} />`;
  if (seqs.error) return html`<${ErrorState} error=${seqs.error} title="Could not load the sequences" onRetry=${seqs.retry} />`;
  if (!seqs.data) return html`<${Loading} label="Loading sequences…" />`;
  if (!active.length) {
    return html`<div class="dialog-fields">
      <${NoSequence} user=${user} />
      <div class="dialog-actions"><button type="button" class="btn" onClick=${onClose}>Close</button></div>
    </div>`;
  }

  const submit = async (e) => {
    e.preventDefault();
    if (!sequence || busy || tooMany) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await enroll(sequence.id, contacts);
      setResults(answer);
      onDone(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="dialog-fields" onSubmit=${submit} noValidate aria-busy=${busy ? 'true' : 'false'} data-testid="enroll-form">
    ${error && html`<${FormError} error=${error} testid="enroll-error" />`}
    ${tooMany && html`<p class="form-error" role="alert" data-testid="enroll-too-many">Enroll at most ${MAX_ENROLL} contacts at once; select fewer.</p>`}
    <div class="field">
      <label class="field-label" for="enroll-dialog-sequence">Sequence</label>
      <select ref=${selectRef} id="enroll-dialog-sequence" class="control" value=${sequenceId} onChange=${(e) => setSequenceId(e.currentTarget.value)} disabled=${busy} data-testid="enroll-sequence">
        <option value="" disabled>Choose a sequence…</option>
        ${active.map((s) => html`<option key=${s.id} value=${s.id}>${s.name} (${s.steps.length} ${s.steps.length === 1 ? 'step' : 'steps'})</option>`)}
      </select>
    </div>
    ${contacts.length > 1 &&
    html`<div class="field">
      <label class="field-label" for="enroll-preview-for">Preview for</label>
      <select id="enroll-preview-for" class="control" value=${previewContact.id} onChange=${(e) => setPreviewId(e.currentTarget.value)} data-testid="enroll-preview-for">
        ${contacts.map((c) => html`<option key=${c.id} value=${c.id}>${contactName(c)}</option>`)}
      </select>
    </div>`}
    ${sequence
      ? html`<${StepPreview} key=${`${sequence.id}:${previewContact.id}`} sequence=${sequence} contact=${previewContact} user=${user} />`
      : html`<p class="muted enroll-hint">Choose a sequence to see its first step.</p>`}
    <div class="dialog-actions">
      <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${busy || !sequence || tooMany} data-testid="enroll-submit">
        ${busy ? 'Enrolling…' : contacts.length === 1 ? 'Enroll' : `Enroll ${contacts.length}`}
      </button>
    </div>
  </form>`;
}

/**
 * Enroll `contacts` (`[{ id, first_name, last_name, title, account: { id?, name } | null,
 * owner_id? }]`, one or more) in a sequence. `onDone(results)` gets every contact's
 * `{ contact_id, ok, enrollment_id?, error?: { code, message } }` once the server answered; the
 * dialog then shows the outcome until `onClose`.
 */
export function EnrollDialog({ contacts = [], open, onClose, onDone = () => {} }) {
  const user = useUser();
  // Held here so that Escape does not close the dialog while the server is enrolling.
  const [busy, setBusy] = useState(false);
  const title = contacts.length === 1 ? `Enroll ${contactName(contacts[0])}` : `Enroll ${contactsCount(contacts.length)}`;
  return html`<${Dialog} id="enroll-dialog" open=${open} title=${title} busy=${busy} onClose=${onClose} testid="enroll-dialog">
    ${contacts.length && user
      ? html`<${EnrollForm} contacts=${contacts} user=${user} busy=${busy} setBusy=${setBusy} onClose=${onClose} onDone=${onDone} />`
      : html`<p class="muted">No contact to enroll.</p>`}
  <//>`;
}
