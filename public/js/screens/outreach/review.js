// Review: the queue of pending drafts, one focused at a time with its quality report, and the
// actions a reviewer takes on it (approve, reject with a reason, edit), by button or keyboard
// (j/k next/previous, a approve, r reject, e edit). Several drafts may be approved or rejected
// at once. A draft that was acted on stays in the list with its new status until the queue is
// reloaded, so j/k keep their place; an error stays next to the draft it belongs to.
import { html, useEffect, useLayoutEffect, useRef, useState } from '../../preact.js';
import { drafts as draftsApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { FormError } from '../../components/field.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDateTime } from '../../format.js';
import { useTeam } from '../../owners.js';

/**
 * Who wrote a draft: "Agent (drafter)", linked to its run when the draft names it, and "from a
 * sequence step" for a step's draft; or the person, by name when the team is known ("You" for
 * the reviewer's own).
 */
function Author({ draft, user, team }) {
  if (draft.author_kind === 'agent') {
    const agent = draft.author_agent || 'drafter';
    const label = `Agent (${agent.replace(/_/g, ' ')})`;
    return html`<span data-testid="draft-author" data-kind="agent">
      ${draft.agent_run_id
        ? html`<a href=${`/agents/runs/${encodeURIComponent(draft.agent_run_id)}`} data-testid="draft-author-run">${label}</a>`
        : label}${draft.step_id ? ' · from a sequence step' : ''}
    </span>`;
  }
  let who = 'a person';
  if (draft.author_user_id && user && draft.author_user_id === user.id) who = 'you';
  else if (draft.author_user_id) {
    const found = team.find((u) => u.id === draft.author_user_id);
    if (found) who = found.name || found.email;
  }
  return html`<span data-testid="draft-author" data-kind="human">Written by ${who}</span>`;
}

const QUEUE_SIZE = 100;

const CHANNELS = { email: 'Email', linkedin_connect: 'LinkedIn connect', linkedin_message: 'LinkedIn message', call: 'Call' };
const STATUS_LABELS = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', archived: 'Archived', draft: 'Draft' };

/** True when a key press is typing into a control, where shortcuts must not fire. */
function isTyping(target) {
  if (!target || !target.closest) return false;
  if (target.matches && target.matches('input[type="checkbox"], input[type="radio"]')) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable="true"], dialog[open]'));
}

/** The message of an `ApiError` with its field messages, for showing next to a draft. */

function ChannelLabel({ channel }) {
  return html`<span class="badge badge-kind" data-testid="draft-channel">${CHANNELS[channel] || channel}</span>`;
}

function StatusLabel({ status }) {
  const tone = status === 'approved' ? 'badge-ok' : status === 'rejected' ? 'badge-bad' : 'badge-muted';
  return html`<span class=${`badge ${tone}`} data-testid="draft-status" data-status=${status}>${STATUS_LABELS[status] || status}</span>`;
}

/** The draft's quality report: passed or not, its flags, and the counts. */
function QualityReport({ report }) {
  if (!report) return html`<p class="muted">No quality report yet.</p>`;
  const flags = report.flags || [];
  return html`
    <section class="quality" aria-label="Quality report" data-testid="quality-report">
      <div class="quality-head">
        <span
          class=${`badge ${report.passed ? 'badge-ok' : 'badge-bad'}`}
          data-testid="quality-passed"
          data-passed=${report.passed ? 'true' : 'false'}
        >${report.passed ? '✓ Passed quality checks' : '✗ Did not pass quality checks'}</span>
        <span class="muted quality-counts">${report.words ?? 0} words · ${report.chars ?? 0} characters</span>
      </div>
      ${flags.length
        ? html`<ul class="quality-flags">${flags.map((f, i) => html`<li key=${i} data-testid="quality-flag">${f}</li>`)}</ul>`
        : html`<p class="muted quality-none">No flags.</p>`}
      <dl class="quality-facts">
        ${report.unresolved && report.unresolved.length > 0 &&
        html`<div><dt>Unresolved merge fields</dt><dd>${report.unresolved.map((u) => html`<code class="unresolved" key=${u}>${u}</code> `)}</dd></div>`}
        ${report.spam_phrases && report.spam_phrases.length > 0 &&
        html`<div><dt>Spam phrases</dt><dd>${report.spam_phrases.join(', ')}</dd></div>`}
        ${report.opt_out !== null && report.opt_out !== undefined &&
        html`<div><dt>Opt-out</dt><dd data-testid="report-opt-out">${report.opt_out ? 'In the message, and the unsubscribe line is added when sent' : 'The unsubscribe line is added when sent'}</dd></div>`}
        <div><dt>Personalised</dt><dd>${report.personalised ? 'Yes' : 'No'}</dd></div>
      </dl>
    </section>
  `;
}

/** The error of the last action on a draft, shown next to it. */
function DraftError({ error }) {
  return html`<${FormError} error=${error} testid="draft-error" />`;
}

/** The focused draft: what it says, its report and its actions (or the edit/reject forms). */
function DraftCard({ draft, user, team, mode, setMode, busy, error, onApprove, onReject, onSave }) {
  const [subject, setSubject] = useState(draft.subject || '');
  const [body, setBody] = useState(draft.body || '');
  const [reason, setReason] = useState('');
  const firstRef = useRef(null);
  // Before the form is painted: reset after it shows, the fields would lose what was typed
  // into them first (and the focus would land late).
  useLayoutEffect(() => {
    setSubject(draft.subject || '');
    setBody(draft.body || '');
    setReason('');
  }, [draft.id, draft.updated_at, mode]);
  useLayoutEffect(() => {
    if (mode !== 'view' && firstRef.current) firstRef.current.focus();
  }, [mode, draft.id]);

  const pending = draft.approval_status === 'pending';
  const next = Array.isArray(draft.next_statuses) ? draft.next_statuses : null;
  const may = (status) => pending && (!next || next.includes(status));
  const isEmail = draft.channel === 'email';
  const onKeyDown = (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      setMode('view');
    }
  };

  let content;
  if (mode === 'edit') {
    content = html`<form
      class="draft-edit"
      onSubmit=${(e) => {
        e.preventDefault();
        onSave({ ...(isEmail ? { subject } : {}), body });
      }}
      onKeyDown=${onKeyDown}
      data-testid="draft-edit"
    >
      ${isEmail &&
      html`<div class="field">
        <label class="field-label" for="draft-subject-input">Subject</label>
        <input id="draft-subject-input" class="control" ref=${firstRef} value=${subject} onInput=${(e) => setSubject(e.currentTarget.value)} data-testid="edit-subject" disabled=${busy} />
      </div>`}
      <div class="field">
        <label class="field-label" for="draft-body-input">Message</label>
        <textarea id="draft-body-input" class="control draft-body-input" ref=${isEmail ? null : firstRef} rows="10" value=${body} onInput=${(e) => setBody(e.currentTarget.value)} data-testid="edit-body" disabled=${busy}></textarea>
      </div>
      <div class="form-actions">
        <span class="form-note muted">Saving sends the draft back to review.</span>
        <button type="button" class="btn" onClick=${() => setMode('view')} disabled=${busy} data-testid="edit-cancel">Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${busy || !body.trim()} data-testid="edit-save">${busy ? 'Saving…' : 'Save'}</button>
      </div>
    </form>`;
  } else {
    content = html`
      ${isEmail && html`<div class="draft-subject" data-testid="draft-subject">${draft.subject || html`<span class="muted">No subject</span>`}</div>`}
      <div class="draft-body" data-testid="draft-body">${draft.body}</div>
      ${draft.notes && html`<p class="draft-notes"><strong>Notes:</strong> ${draft.notes}</p>`}
    `;
  }

  return html`
    <article class="card draft-card" aria-labelledby="draft-title" data-testid="draft-focused" data-draft-id=${draft.id}>
      <header class="draft-head">
        <div>
          <h2 class="draft-title" id="draft-title">
            <a href=${`/contacts/${encodeURIComponent(draft.contact_id)}`} data-testid="draft-contact">${draft.contact_name || 'Unnamed contact'}</a>
          </h2>
          <div class="draft-meta muted">
            <${ChannelLabel} channel=${draft.channel} />
            <${StatusLabel} status=${draft.approval_status} />
            <${Author} draft=${draft} user=${user} team=${team} />
            <span title=${formatDateTime(draft.created_at)}>${formatDateTime(draft.created_at)}</span>
          </div>
        </div>
        ${mode === 'view' &&
        html`<div class="draft-actions">
          <button type="button" class="btn btn-primary" onClick=${onApprove} disabled=${busy || !may('approved')} data-testid="approve" aria-keyshortcuts="a">Approve <kbd>a</kbd></button>
          <button type="button" class="btn btn-danger-ghost" onClick=${() => setMode('reject')} disabled=${busy || !may('rejected')} data-testid="reject" aria-keyshortcuts="r">Reject <kbd>r</kbd></button>
          <button type="button" class="btn" onClick=${() => setMode('edit')} disabled=${busy} data-testid="edit" aria-keyshortcuts="e">Edit <kbd>e</kbd></button>
        </div>`}
      </header>
      ${error && html`<${DraftError} error=${error} />`}
      ${content}
      ${mode === 'reject' &&
      html`<form
        class="draft-reject"
        onSubmit=${(e) => {
          e.preventDefault();
          onReject(reason.trim());
        }}
        onKeyDown=${onKeyDown}
        data-testid="reject-form"
      >
        <div class="field">
          <label class="field-label" for="reject-reason">Why reject this draft?</label>
          <textarea id="reject-reason" class="control" rows="2" ref=${firstRef} value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} data-testid="reject-reason" disabled=${busy} aria-required="true"></textarea>
        </div>
        <div class="form-actions">
          <button type="button" class="btn" onClick=${() => setMode('view')} disabled=${busy} data-testid="reject-cancel">Cancel</button>
          <button type="submit" class="btn btn-danger" disabled=${busy || !reason.trim()} data-testid="reject-confirm">${busy ? 'Rejecting…' : 'Reject draft'}</button>
        </div>
      </form>`}
      <${QualityReport} report=${draft.quality_report} />
    </article>
  `;
}

/** The queue: a row per draft to focus it, with a box to select it for bulk actions. */
function Queue({ items, focusedId, selected, onFocus, onToggle, onToggleAll }) {
  const pendingIds = items.filter((d) => d.approval_status === 'pending').map((d) => d.id);
  const all = pendingIds.length > 0 && pendingIds.every((id) => selected.has(id));
  return html`
    <div class="review-queue card" data-testid="review-queue">
      <label class="check review-select-all">
        <input type="checkbox" checked=${all} disabled=${!pendingIds.length} onChange=${(e) => onToggleAll(e.currentTarget.checked, pendingIds)} data-testid="select-all" />
        <span>Select all pending</span>
      </label>
      <ul class="review-list" aria-label="Drafts">
        ${items.map(
          (d) => html`<li
            key=${d.id}
            class=${`review-item ${d.id === focusedId ? 'is-focused' : ''} ${d.approval_status !== 'pending' ? 'is-done' : ''}`}
            data-testid="draft-item"
            data-draft-id=${d.id}
            data-status=${d.approval_status}
          >
            <input
              type="checkbox"
              class="select-box"
              checked=${selected.has(d.id)}
              disabled=${d.approval_status !== 'pending'}
              onChange=${(e) => onToggle(d.id, e.currentTarget.checked)}
              aria-label=${`Select the draft to ${d.contact_name || 'this contact'}`}
              data-testid="draft-select"
            />
            <button type="button" class="review-item-button" aria-current=${d.id === focusedId ? 'true' : undefined} onClick=${() => onFocus(d.id)}>
              <span class="review-item-name">${d.contact_name || 'Unnamed contact'}</span>
              <span class="review-item-line muted">${CHANNELS[d.channel] || d.channel}${d.subject ? ` · ${d.subject}` : ''}</span>
              ${d.approval_status !== 'pending' && html`<${StatusLabel} status=${d.approval_status} />`}
            </button>
          </li>`,
        )}
      </ul>
    </div>
  `;
}

/** Approve or reject the selected drafts at once. */
function BulkReviewBar({ count, busy, onApprove, onReject, onClear }) {
  const [reason, setReason] = useState('');
  return html`
    <form class="bulk-bar" aria-label="Bulk review" data-testid="review-bulk" onSubmit=${(e) => e.preventDefault()} aria-busy=${busy ? 'true' : 'false'}>
      <span class="bulk-count" role="status" data-testid="bulk-count">${count} selected</span>
      <button type="button" class="btn btn-sm btn-primary" disabled=${busy} onClick=${onApprove} data-testid="bulk-approve">Approve ${count}</button>
      <label class="visually-hidden" for="bulk-reason">Reason to reject</label>
      <input id="bulk-reason" class="control control-sm" placeholder="Reason to reject" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} data-testid="bulk-reason" />
      <button type="button" class="btn btn-sm btn-danger-ghost" disabled=${busy || !reason.trim()} onClick=${() => onReject(reason.trim())} data-testid="bulk-reject">Reject ${count}</button>
      <button type="button" class="btn btn-sm btn-ghost" disabled=${busy} onClick=${onClear} data-testid="bulk-clear">Clear selection</button>
    </form>
  `;
}

export function ReviewScreen({ user }) {
  const team = useTeam(user);
  const state = useLoad((signal) => draftsApi.list({ limit: QUEUE_SIZE }, { signal }), []);
  const [items, setItems] = useState([]);
  const [focusedId, setFocusedId] = useState(null);
  const [mode, setMode] = useState('view');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({});
  const [selected, setSelected] = useState(() => new Set());

  useEffect(() => {
    if (!state.data) return;
    const list = state.data.items || [];
    setItems(list);
    setSelected(new Set());
    setErrors({});
    setMode('view');
    setFocusedId(list.length ? list[0].id : null);
  }, [state.data]);

  const index = items.findIndex((d) => d.id === focusedId);
  const focused = index >= 0 ? items[index] : null;
  const pendingCount = items.filter((d) => d.approval_status === 'pending').length;

  const focusAt = (i) => {
    if (!items.length) return;
    const clamped = Math.max(0, Math.min(items.length - 1, i));
    setFocusedId(items[clamped].id);
    setMode('view');
  };
  const replace = (draft) => setItems((list) => list.map((d) => (d.id === draft.id ? { ...d, ...draft } : d)));
  const setError = (id, error) => setErrors((e) => ({ ...e, [id]: error }));

  /** After acting on the focused draft, moves to the next pending one after it, if any. */
  const advanceFrom = (id) => {
    const at = items.findIndex((d) => d.id === id);
    const next = items.slice(at + 1).find((d) => d.approval_status === 'pending' && d.id !== id);
    if (next) setFocusedId(next.id);
  };

  const run = async (id, fn, after) => {
    if (busy) return;
    setBusy(true);
    setError(id, null);
    try {
      const draft = await fn();
      if (draft && draft.id) replace(draft);
      setMode('view');
      if (after) after(draft);
    } catch (error) {
      setError(id, error);
    } finally {
      setBusy(false);
    }
  };

  const approve = () =>
    focused &&
    run(focused.id, () => draftsApi.act(focused.id, 'approve'), () => {
      toast(`Approved the draft to ${focused.contact_name || 'the contact'}`);
      advanceFrom(focused.id);
    });
  const reject = (reason) =>
    focused &&
    run(focused.id, () => draftsApi.act(focused.id, 'reject', { notes: reason }), () => {
      toast(`Rejected the draft to ${focused.contact_name || 'the contact'}`);
      advanceFrom(focused.id);
    });
  const save = (changes) =>
    focused && run(focused.id, () => draftsApi.update(focused.id, changes), () => toast('Draft saved; it is back in review'));

  const bulk = async (action, notes) => {
    const ids = [...selected];
    if (!ids.length || busy) return;
    setBusy(true);
    try {
      const { results = [] } = await draftsApi.bulk({ ids, action, ...(notes ? { notes } : {}) });
      const byId = new Map(results.map((r) => [r.id, r]));
      const status = action === 'approve' ? 'approved' : action === 'reject' ? 'rejected' : 'archived';
      const failed = ids.filter((id) => !byId.get(id)?.ok);
      setItems((list) => list.map((d) => (byId.get(d.id)?.ok ? { ...d, approval_status: status } : d)));
      setErrors((e) => {
        const next = { ...e };
        for (const id of ids) {
          const r = byId.get(id);
          next[id] = r && r.ok ? null : { message: (r && r.error && r.error.message) || 'No answer for this draft', fields: [] };
        }
        return next;
      });
      setSelected(new Set(failed));
      const done = ids.length - failed.length;
      toast(
        failed.length ? `${done} of ${ids.length} drafts ${status}; ${failed.length} failed (see each draft)` : `${done} ${done === 1 ? 'draft' : 'drafts'} ${status}`,
        { kind: failed.length ? 'error' : 'success' },
      );
      if (failed.length) setFocusedId(failed[0]);
    } catch (error) {
      toast(`Could not ${action} the drafts: ${error.message}`, { kind: 'error', timeoutMs: 8000 });
    } finally {
      setBusy(false);
    }
  };

  // The keyboard shortcuts, only while nothing is being typed. The handler is the latest
  // render's, so a key pressed right after a move acts on the draft the page shows.
  const onKey = useRef(null);
  onKey.current = (e) => {
    if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || isTyping(e.target)) return;
    if (!focused || mode !== 'view') return;
    const pending = focused.approval_status === 'pending';
    if (e.key === 'j') focusAt(index + 1);
    else if (e.key === 'k') focusAt(index - 1);
    else if (e.key === 'a' && pending) approve();
    else if (e.key === 'r' && pending) setMode('reject');
    else if (e.key === 'e') setMode('edit');
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const listener = (e) => onKey.current && onKey.current(e);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  const reload = html`<button type="button" class="btn" onClick=${state.retry} disabled=${state.loading || busy} data-testid="review-reload">Reload queue</button>`;

  let body;
  if (state.error) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the review queue" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading the review queue…" />`;
  } else if (!items.length) {
    body = html`<${Empty} title="Nothing to review" testid="review-empty">
      No drafts are waiting for approval. Drafts from sequence steps and the ones people submit show up here.
    <//>`;
  } else {
    body = html`
      ${selected.size > 0 &&
      html`<${BulkReviewBar}
        count=${selected.size}
        busy=${busy}
        onApprove=${() => bulk('approve')}
        onReject=${(reason) => bulk('reject', reason)}
        onClear=${() => setSelected(new Set())}
      />`}
      <div class="review-layout">
        <${Queue}
          items=${items}
          focusedId=${focusedId}
          selected=${selected}
          onFocus=${(id) => {
            setFocusedId(id);
            setMode('view');
          }}
          onToggle=${(id, on) =>
            setSelected((s) => {
              const next = new Set(s);
              if (on) next.add(id);
              else next.delete(id);
              return next;
            })}
          onToggleAll=${(on, ids) => setSelected(on ? new Set(ids) : new Set())}
        />
        <div class="review-focus">
          ${focused
            ? html`<${DraftCard}
                key=${focused.id}
                draft=${focused}
                user=${user}
                team=${team}
                mode=${mode}
                setMode=${setMode}
                busy=${busy}
                error=${errors[focused.id]}
                onApprove=${approve}
                onReject=${reject}
                onSave=${save}
              />`
            : html`<p class="muted">Pick a draft from the list.</p>`}
          <p class="shortcut-hint muted" data-testid="shortcut-hint">
            Shortcuts: <kbd>j</kbd> next · <kbd>k</kbd> previous · <kbd>a</kbd> approve · <kbd>r</kbd> reject · <kbd>e</kbd> edit · <kbd>Esc</kbd> cancel
          </p>
        </div>
      </div>
    `;
  }

  return html`
    <section class="page page-wide" data-testid="review-screen">
      <${PageHeader} title="Review" actions=${reload} />
      ${state.data &&
      html`<p class="muted review-count" data-testid="pending-count" data-count=${pendingCount} role="status">
        ${pendingCount} ${pendingCount === 1 ? 'draft' : 'drafts'} pending${items.length >= QUEUE_SIZE ? ` (the oldest ${QUEUE_SIZE} shown)` : ''}
      </p>`}
      ${body}
    </section>
  `;
}
