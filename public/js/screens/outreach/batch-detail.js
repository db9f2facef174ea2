// One batch: what it is and the filter it was built from, its status moves (`next_statuses`),
// enrolling every member in a sequence (with each contact's outcome summed up), and its members:
// a table (cards on a phone) where several are selected and removed, and a search to add more.
import { html, useEffect, useState } from '../../preact.js';
import { batches as batchesApi, enrollments as enrollmentsApi, sequences as sequencesApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { PageHeader } from '../../components/layout.js';
import { Pager } from '../../components/table.js';
import { Empty, ErrorState, Loading, NotFound } from '../../components/states.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { ContactSearch } from '../../components/contact-search.js';
import { FormError } from '../../components/field.js';
import { ScoreBar } from '../../components/meter.js';
import { toast, toastFailure } from '../../components/toast.js';
import { StageBadge, contactName } from '../../contact-meta.js';
import { formatDateTime, formatInt } from '../../format.js';
import { BatchStatus, batchStatusLabel } from './batches-list.js';

const MEMBERS_PAGE = 50;
const STATUS_VERBS = { active: 'Activate', paused: 'Pause', completed: 'Mark completed', archived: 'Archive', draft: 'Back to draft' };

const contactHref = (id) => `/contacts/${encodeURIComponent(id)}`;

/** "3 added, 1 already a member": the counts of each outcome in `results`. */
function summarize(results, words) {
  const counts = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] || 0) + 1;
  return Object.entries(counts)
    .map(([k, n]) => `${n} ${words[k] || k.replace(/_/g, ' ')}`)
    .join(', ');
}

function StatusButtons({ batch, onChanged }) {
  const [busy, setBusy] = useState(false);
  const next = batch.next_statuses || [];
  if (!next.length) return null;
  const move = async (status) => {
    setBusy(true);
    try {
      const updated = await batchesApi.update(batch.id, { status });
      toast(`Batch is now ${batchStatusLabel(updated.status).toLowerCase()}`);
      onChanged(updated);
    } catch (e) {
      toastFailure(`make the batch ${batchStatusLabel(status).toLowerCase()}`, e);
    } finally {
      setBusy(false);
    }
  };
  return html`${next.map(
    (s) => html`<button key=${s} type="button" class=${`btn ${s === 'active' ? 'btn-primary' : ''}`} disabled=${busy} onClick=${() => move(s)} data-testid=${`batch-to-${s}`}>
      ${STATUS_VERBS[s] || batchStatusLabel(s)}
    </button>`,
  )}`;
}

/**
 * Enroll every member in a sequence, and what happened to each contact, summed up; `onEnrolled`
 * reads the members again, whose stages the enrollment moved.
 */
function EnrollCard({ batch, onEnrolled }) {
  const seqs = useLoad((signal) => sequencesApi.list({ limit: 100 }, { signal }), []);
  const [sequenceId, setSequenceId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const active = ((seqs.data && seqs.data.items) || []).filter((s) => s.status === 'active');

  const enroll = async (e) => {
    e.preventDefault();
    if (!sequenceId) return;
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const answer = await enrollmentsApi.create({ sequence_id: sequenceId, batch_id: batch.id });
      const results = (answer && answer.results) || [];
      const failures = {};
      for (const r of results.filter((r) => !r.ok)) {
        const code = (r.error && r.error.code) || 'error';
        (failures[code] ||= { message: (r.error && r.error.message) || code, n: 0 }).n += 1;
      }
      const enrolled = results.filter((r) => r.ok).length;
      setOutcome({ total: results.length, enrolled, failures, sequence: active.find((s) => s.id === sequenceId) });
      if (enrolled) onEnrolled();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="card card-padded" aria-labelledby="enroll-title" data-testid="enroll-card">
    <h2 class="card-title" id="enroll-title">Enroll in a sequence</h2>
    ${seqs.error && html`<${FormError} error=${seqs.error} testid="sequences-error" />`}
    ${error && html`<${FormError} error=${error} testid="enroll-error" />`}
    <form class="enroll-form" onSubmit=${enroll}>
      <div class="field">
        <label class="field-label" for="enroll-sequence">Sequence</label>
        <select id="enroll-sequence" class="control" value=${sequenceId} onChange=${(e) => setSequenceId(e.currentTarget.value)} disabled=${busy || !seqs.data} data-testid="enroll-sequence">
          <option value="">${seqs.data ? (active.length ? 'Choose an active sequence…' : 'No active sequence') : 'Loading sequences…'}</option>
          ${active.map((s) => html`<option key=${s.id} value=${s.id}>${s.name}</option>`)}
        </select>
      </div>
      <button type="submit" class="btn btn-primary" disabled=${busy || !sequenceId || !batch.member_count} data-testid="enroll-submit">
        ${busy ? 'Enrolling…' : `Enroll ${formatInt(batch.member_count)} ${batch.member_count === 1 ? 'member' : 'members'}`}
      </button>
    </form>
    ${outcome &&
    html`<div class=${`bulk-report ${!outcome.total || outcome.enrolled === outcome.total ? 'bulk-report-ok' : outcome.enrolled ? 'bulk-report-mixed' : 'bulk-report-bad'}`} role="status" data-testid="enroll-outcome">
      <div class="bulk-report-head">
        <strong>${formatInt(outcome.enrolled)} of ${formatInt(outcome.total)} enrolled${outcome.sequence ? ` in ${outcome.sequence.name}` : ''}.</strong>
      </div>
      ${Object.keys(outcome.failures).length > 0 &&
      html`<ul class="outcome-list">
        ${Object.entries(outcome.failures).map(([code, f]) => html`<li key=${code} data-testid="enroll-failure">${f.n} not enrolled: ${f.message}${f.n > 1 ? ' (and similar)' : ''}</li>`)}
      </ul>`}
    </div>`}
  </section>`;
}

function AddMembers({ batch, onChanged }) {
  const [busy, setBusy] = useState(false);
  const add = async (c) => {
    setBusy(true);
    try {
      const { results } = await batchesApi.addMembers(batch.id, [c.id]);
      const r = results && results[0];
      if (r && r.outcome === 'added') toast(`${contactName(c)} added`);
      else toast(`${contactName(c)}: ${r ? r.outcome.replace(/_/g, ' ') : 'no answer'}`, { kind: 'info' });
      onChanged();
    } catch (e) {
      toastFailure(`add ${contactName(c)}`, e);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card card-padded" aria-labelledby="add-title" data-testid="add-members">
    <h2 class="card-title" id="add-title">Add contacts</h2>
    <${ContactSearch} id="batch-add" label="Find a contact to add" actionLabel="Add" onPick=${add} disabled=${busy} />
  </section>`;
}

function MembersTable({ items, selected, onToggle, onToggleAll, canWrite, busy }) {
  const all = items.length > 0 && items.every((m) => selected.has(m.contact_id));
  return html`<div class=${`table-wrap ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'}>
    <table class="table table-contacts" data-testid="members-table">
      <caption class="visually-hidden">Members</caption>
      <thead>
        <tr>
          ${canWrite &&
          html`<th scope="col" class="col-select">
            <input type="checkbox" class="select-box" checked=${all} onChange=${(e) => onToggleAll(e.currentTarget.checked)} aria-label="Select every member on this page" data-testid="select-all" />
          </th>`}
          <th scope="col">Name</th>
          <th scope="col" class="hide-sm">Title</th>
          <th scope="col">Company</th>
          <th scope="col">Stage</th>
          <th scope="col" class="col-priority">Score</th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (m) => html`<tr key=${m.contact_id} class=${selected.has(m.contact_id) ? 'is-selected' : ''} data-testid="member-row" data-contact-id=${m.contact_id}>
            ${canWrite &&
            html`<td class="col-select">
              <input type="checkbox" class="select-box" checked=${selected.has(m.contact_id)} onChange=${(e) => onToggle(m.contact_id, e.currentTarget.checked)} aria-label=${`Select ${contactName(m)}`} data-testid="select-member" />
            </td>`}
            <td><a href=${contactHref(m.contact_id)} data-testid="member-name">${contactName(m)}</a></td>
            <td class="hide-sm">${m.title || html`<span class="muted">—</span>`}</td>
            <td>${m.account_name || html`<span class="muted">—</span>`}</td>
            <td><${StageBadge} stage=${m.stage} /></td>
            <td class="col-priority"><${ScoreBar} score=${m.priority_score} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function MemberCards({ items, selected, onToggle, canWrite, busy }) {
  return html`<ul class=${`contact-cards ${busy ? 'is-busy' : ''}`} data-testid="member-cards">
    ${items.map(
      (m) => html`<li key=${m.contact_id} class=${`contact-card ${selected.has(m.contact_id) ? 'is-selected' : ''}`} data-testid="member-row" data-contact-id=${m.contact_id}>
        ${canWrite &&
        html`<div class="contact-card-select">
          <input type="checkbox" class="select-box" checked=${selected.has(m.contact_id)} onChange=${(e) => onToggle(m.contact_id, e.currentTarget.checked)} aria-label=${`Select ${contactName(m)}`} data-testid="select-member" />
        </div>`}
        <div class="contact-card-body">
          <div class="contact-card-top">
            <a class="contact-card-name" href=${contactHref(m.contact_id)} data-testid="member-name">${contactName(m)}</a>
            <${ScoreBar} score=${m.priority_score} />
          </div>
          <div class="contact-card-line muted">${[m.title, m.account_name].filter(Boolean).join(' · ') || 'No title or company'}</div>
          <div class="contact-card-tags"><${StageBadge} stage=${m.stage} /></div>
        </div>
      </li>`,
    )}
  </ul>`;
}

function Members({ batch, canWrite, reloadKey, onChanged }) {
  const phone = useMedia(PHONE_QUERY);
  const [cursors, setCursors] = useState(['']); // the cursor of every page up to this one
  const cursor = cursors[cursors.length - 1];
  const state = useLoad((signal) => batchesApi.members(batch.id, { limit: MEMBERS_PAGE, cursor }, { signal }), [batch.id, cursor, reloadKey]);
  const [selected, setSelected] = useState(() => new Set());
  useEffect(() => setSelected(new Set()), [cursor, reloadKey]);
  const items = (state.data && state.data.items) || [];

  const remove = useConfirm(async (ids) => {
    const { results } = await batchesApi.removeMembers(batch.id, ids);
    toast(`Members: ${summarize(results || [], { removed: 'removed', not_member: 'not a member' })}`);
    onChanged();
  }, 'remove the members');

  const toggle = (id, on) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const toggleAll = (on) => setSelected(on ? new Set(items.map((m) => m.contact_id)) : new Set());

  let body;
  if (state.error) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the members" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading members…" />`;
  } else if (!items.length && cursors.length === 1) {
    body = html`<${Empty} title="No members" testid="members-empty">No contact matched the batch's filter. ${canWrite ? 'Add some below.' : ''}<//>`;
  } else {
    const props = { items, selected, onToggle: toggle, onToggleAll: toggleAll, canWrite, busy: state.loading };
    const first = (cursors.length - 1) * MEMBERS_PAGE + 1;
    body = html`
      ${phone ? html`<${MemberCards} ...${props} />` : html`<${MembersTable} ...${props} />`}
      <${Pager}
        label=${items.length ? `${formatInt(first)}–${formatInt(first + items.length - 1)} of ${formatInt(batch.member_count)}` : 'No more members'}
        hasPrev=${cursors.length > 1}
        hasNext=${Boolean(state.data.next_cursor)}
        busy=${state.loading}
        onPrev=${() => setCursors((c) => c.slice(0, -1))}
        onNext=${() => setCursors((c) => [...c, state.data.next_cursor])}
      />
    `;
  }

  return html`<section class="card card-padded" aria-labelledby="members-title" data-testid="members">
    <div class="card-head">
      <h2 class="card-title" id="members-title">Members <span class="muted">(${formatInt(batch.member_count)})</span></h2>
    </div>
    ${canWrite &&
    selected.size > 0 &&
    html`<div class="members-bar bulk-bar" role="region" aria-label="Selected members" data-testid="members-bar">
      <span class="bulk-count" data-testid="selected-count">${selected.size} selected</span>
      <button type="button" class="btn btn-sm" onClick=${() => setSelected(new Set())}>Clear</button>
      <button type="button" class="btn btn-sm btn-danger" onClick=${() => remove.ask([...selected])} data-testid="remove-members">Remove from batch</button>
    </div>`}
    ${body}
    <${ConfirmDialog} id="remove-members" title="Remove from the batch?" confirmLabel="Remove" danger ...${remove.dialog}>
      ${remove.subject && `${remove.subject.length} ${remove.subject.length === 1 ? 'contact leaves' : 'contacts leave'} this batch. The contacts themselves are kept.`}
    <//>
  </section>`;
}

export function BatchDetailScreen({ params, user }) {
  const state = useLoad((signal) => batchesApi.get(params.id, { signal }), [params.id]);
  const [batch, setBatch] = useState(null);
  const [reloadKey, setReloadKey] = useState(0);
  useEffect(() => {
    if (state.data) setBatch(state.data);
  }, [state.data]);
  const canWrite = canWriteContacts(user);

  // Members changed: read the batch again (its member count) and the members.
  const onMembersChanged = () => {
    setReloadKey((n) => n + 1);
    batchesApi.get(params.id).then(setBatch, () => {});
  };

  if (state.error) {
    return html`<section class="page">
      ${state.error.status === 404
        ? html`<${NotFound} title="Batch not found" backHref="/batches" backLabel="Go to batches">This batch does not exist or was deleted.<//>`
        : html`<${ErrorState} error=${state.error} title="Could not load the batch" onRetry=${state.retry} />`}
    </section>`;
  }
  if (!batch) return html`<section class="page"><${Loading} label="Loading the batch…" /></section>`;

  return html`
    <section class="page page-wide" data-testid="batch-detail" data-batch-id=${batch.id}>
      <${PageHeader}
        title=${batch.name}
        testid="batch-title"
        crumbs=${[{ href: '/batches', label: 'Batches' }, { label: batch.name }]}
        actions=${canWrite ? html`<${StatusButtons} batch=${batch} onChanged=${setBatch} />` : null}
      />
      <div class="card-stack">
        <section class="card card-padded" aria-label="About this batch">
          <dl class="batch-facts">
            <div><dt>Status</dt><dd><${BatchStatus} status=${batch.status} /></dd></div>
            <div><dt>Members</dt><dd data-testid="batch-member-count">${formatInt(batch.member_count)}</dd></div>
            <div><dt>Created</dt><dd>${formatDateTime(batch.created_at)}</dd></div>
            <div><dt>Filter</dt><dd>${batch.query ? html`<a href=${`/contacts?${batch.query}`} data-testid="batch-query"><code>${batch.query}</code></a>` : html`<span class="muted">Picked by hand</span>`}</dd></div>
          </dl>
          ${batch.description && html`<p class="card-text">${batch.description}</p>`}
        </section>
        ${canWrite && html`<${EnrollCard} batch=${batch} onEnrolled=${onMembersChanged} />`}
        <${Members} batch=${batch} canWrite=${canWrite} reloadKey=${reloadKey} onChanged=${onMembersChanged} />
        ${canWrite && html`<${AddMembers} batch=${batch} onChanged=${onMembersChanged} />`}
      </div>
    </section>
  `;
}
