// Adding contacts to a batch, in a dialog: one contact from its page, or the contacts selected
// in the list. The person picks a draft or active batch they may change (newest first, with a
// search box when there are many) or names a new one, and reads how many were added, how many
// were already in it and how many could not be, with a link to the batch.
import { html, useEffect, useLayoutEffect, useRef, useState } from '../../preact.js';
import { batches as batchesApi } from '../../api.js';
import { canChangeBatch, useUser } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { Dialog } from '../../components/dialog.js';
import { Field, FormError } from '../../components/field.js';
import { ErrorState, Loading } from '../../components/states.js';
import { contactName } from '../../contact-meta.js';
import { formatInt } from '../../format.js';
import { batchHref, batchStatusLabel } from '../outreach/batches-list.js';
import { MAX_BATCH_CHANGE, contactsCount, memberCounts, memberLines } from './outcomes.js';

/** The statuses whose members are still being gathered. */
const OPEN_STATUSES = ['draft', 'active'];
/** From this many batches on, a search box narrows the list. */
const SEARCH_FROM = 8;
/** The select's value for "a new batch". */
const NEW = 'new';

/** The open batches `user` may change, newest first. */
function useOpenBatches(user) {
  return useLoad(async (signal) => {
    const pages = await Promise.all(OPEN_STATUSES.map((status) => batchesApi.list({ status, limit: 100 }, { signal })));
    return pages
      .flatMap((p) => p.items || [])
      .filter((b) => canChangeBatch(user, b))
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  }, [user.id]);
}

const batchOption = (b) => `${b.name} (${batchStatusLabel(b.status).toLowerCase()}, ${formatInt(b.member_count)} ${b.member_count === 1 ? 'member' : 'members'})`;

/** What the change did, with a link to the batch. */
function Outcome({ batch, counts, onClose }) {
  const ref = useRef(null);
  useLayoutEffect(() => ref.current && ref.current.focus(), []);
  const tone = counts.added && !counts.missing ? 'ok' : counts.added || counts.already ? 'mixed' : 'bad';
  return html`<div class="dialog-fields">
    <div class=${`bulk-report bulk-report-${tone}`} role="status" data-testid="batch-add-outcome" data-added=${counts.added} data-already=${counts.already} data-missing=${counts.missing}>
      <strong ref=${ref} tabindex="-1">
        <a href=${batchHref(batch)} data-testid="batch-add-link">${batch.name}</a>: ${formatInt(batch.member_count)} ${batch.member_count === 1 ? 'member' : 'members'} now.
      </strong>
      <ul class="outcome-list">
        ${memberLines(counts).map((line) => html`<li key=${line}>${line}</li>`)}
      </ul>
    </div>
    <div class="dialog-actions">
      <a class="btn" href=${batchHref(batch)}>Open the batch</a>
      <button type="button" class="btn btn-primary" onClick=${onClose} data-testid="batch-add-close">Done</button>
    </div>
  </div>`;
}

/** Adds `ids` to a new batch named `name` or to `batch`; answers `{ batch, counts }`. */
async function addTo({ batch, name, ids }) {
  if (!batch) {
    // One write makes the batch with its members; an id that names no contact is skipped.
    const created = await batchesApi.create({ name, contact_ids: ids });
    return { batch: created, counts: { added: created.member_count, already: 0, missing: ids.length - created.member_count } };
  }
  const answer = await batchesApi.addMembers(batch.id, ids);
  const counts = memberCounts(answer.results);
  return { batch: { ...batch, member_count: answer.member_count ?? batch.member_count + counts.added }, counts };
}

function BatchForm({ contacts, user, busy, setBusy, onClose, onDone }) {
  const state = useOpenBatches(user);
  const [choice, setChoice] = useState('');
  const [search, setSearch] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const [nameError, setNameError] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const selectRef = useRef(null);
  const all = state.data || [];
  // No batch to add to: a new one is the only choice. Once the batches are in, the select takes the focus.
  useEffect(() => {
    if (state.data && !state.data.length) setChoice(NEW);
    if (selectRef.current) selectRef.current.focus();
  }, [state.data]);

  if (outcome) return html`<${Outcome} ...${outcome} onClose=${onClose} />`;
  if (state.error) return html`<${ErrorState} error=${state.error} title="Could not load the batches" onRetry=${state.retry} />`;
  if (!state.data) return html`<${Loading} label="Loading batches…" />`;

  const needle = search.trim().toLowerCase();
  const shown = all.filter((b) => !needle || b.name.toLowerCase().includes(needle) || b.id === choice);
  const chosen = all.find((b) => b.id === choice) || null;
  const tooMany = contacts.length > MAX_BATCH_CHANGE;
  const ready = (choice === NEW || chosen) && !tooMany;

  const submit = async (e) => {
    e.preventDefault();
    if (!ready || busy) return;
    if (choice === NEW && !name.trim()) {
      setNameError('Give the new batch a name.');
      return;
    }
    setBusy(true);
    setError(null);
    setNameError(null);
    try {
      const done = await addTo({ batch: chosen, name: name.trim(), ids: contacts.map((c) => c.id) });
      setOutcome(done);
      onDone({ batch: done.batch, ...done.counts });
    } catch (err) {
      const named = err.fieldErrors ? err.fieldErrors().name : null;
      if (named && choice === NEW) setNameError(named);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="dialog-fields" onSubmit=${submit} noValidate aria-busy=${busy ? 'true' : 'false'} data-testid="batch-add-form">
    ${error && html`<${FormError} error=${error} testid="batch-add-error" />`}
    ${tooMany && html`<p class="form-error" role="alert">Add at most ${formatInt(MAX_BATCH_CHANGE)} contacts at once; select fewer.</p>`}
    ${all.length >= SEARCH_FROM &&
    html`<${Field} id="batch-add-search" name="batch-search" label="Find a batch" type="search" value=${search}
      onInput=${(e) => setSearch(e.currentTarget.value)} disabled=${busy} autocomplete="off" data-testid="batch-add-search" />`}
    <div class="field">
      <label class="field-label" for="batch-add-batch">Batch</label>
      <select ref=${selectRef} id="batch-add-batch" class="control" value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)} disabled=${busy} data-testid="batch-add-select">
        <option value="" disabled>${all.length ? 'Choose a batch…' : 'No draft or active batch'}</option>
        ${shown.map((b) => html`<option key=${b.id} value=${b.id}>${batchOption(b)}</option>`)}
        <option value=${NEW}>A new batch…</option>
      </select>
      ${needle && !shown.length && html`<div class="field-hint">No batch is named like “${search.trim()}”.</div>`}
    </div>
    ${choice === NEW &&
    html`<${Field} id="batch-add-name" name="batch-name" label="Name of the new batch" value=${name} maxlength="200"
      onInput=${(e) => setName(e.currentTarget.value)} error=${nameError} disabled=${busy} required
      hint="It starts as a draft; you can enroll it in a sequence from its page." data-testid="batch-add-new-name" />`}
    <div class="dialog-actions">
      <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${busy || !ready} data-testid="batch-add-submit">
        ${busy ? 'Adding…' : choice === NEW ? 'Create and add' : 'Add'}
      </button>
    </div>
  </form>`;
}

/**
 * Add `contacts` (`[{ id, first_name, last_name, … }]`, one or more) to a batch, an existing one
 * or a new one. `onDone({ batch, added, already, missing })` once the server answered; the
 * dialog then shows the outcome until `onClose`.
 */
export function AddToBatchDialog({ contacts = [], open, onClose, onDone = () => {} }) {
  const user = useUser();
  // Held here so that Escape does not close the dialog while the server is adding.
  const [busy, setBusy] = useState(false);
  const title = contacts.length === 1 ? `Add ${contactName(contacts[0])} to a batch` : `Add ${contactsCount(contacts.length)} to a batch`;
  return html`<${Dialog} id="batch-add-dialog" open=${open} title=${title} busy=${busy} onClose=${onClose} testid="batch-add-dialog">
    ${contacts.length && user
      ? html`<${BatchForm} contacts=${contacts} user=${user} busy=${busy} setBusy=${setBusy} onClose=${onClose} onDone=${onDone} />`
      : html`<p class="muted">No contact to add.</p>`}
  <//>`;
}
