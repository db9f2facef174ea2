// Settings → Suppression: the addresses, domains and LinkedIn profiles OCC never contacts. A
// list searched by prefix and filtered by kind and reason, paged; Add and Import for everyone
// who may write (bdr and up); Remove for admins, after a confirmation. An erased person's hash
// is never lifted, so its row says it stays instead of offering Remove.
import { html, useState } from '../../preact.js';
import { suppression } from '../../api.js';
import { canLiftSuppression, canWriteSuppression } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { useTeam, ownerLabel } from '../../owners.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { Pager, pagerLabel } from '../../components/table.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { TextFilter, ToolbarField, Updating } from '../../components/toolbar.js';
import { toast } from '../../components/toast.js';
import { formatDate, formatDateTime } from '../../format.js';
import { AddEntryForm, ERASED, ImportForm, KINDS, REASONS, kindLabel, reasonLabel } from './suppression-forms.js';

const PAGE_SIZE = 50;

/** Where an entry came from, in words. */
function sourceLabel(source, me, team) {
  if (source && source.startsWith('user:')) return `Added by ${ownerLabel(source.slice(5), me, team)}`;
  const known = { import: 'Import', webhook: 'Email event', mailbox: 'Mailbox', unsubscribe_page: 'Unsubscribe page', reply: 'Reply' };
  return known[source] || source;
}

function EntriesTable({ rows, me, team, canLift, busy, onRemove }) {
  return html`
    <div class=${`table-wrap ${busy ? 'is-busy' : ''}`}>
      <table class="table" data-testid="suppression-table">
        <caption class="visually-hidden">Suppressed addresses, domains and profiles</caption>
        <thead>
          <tr>
            <th scope="col">Value</th>
            <th scope="col">Reason</th>
            <th scope="col" class="hide-sm">Source and note</th>
            <th scope="col" class="hide-xs">Added</th>
            ${canLift && html`<th scope="col"><span class="visually-hidden">Actions</span></th>`}
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (e) => html`<tr key=${e.id} data-testid="suppression-row" data-entry-id=${e.id} data-value=${e.value || ''}>
              <td class="cell-stack cell-break">
                <span class="cell-strong" data-testid="suppression-value">
                  ${e.value === null ? html`<span class="muted">erased person (hash only)</span>` : e.value}
                </span>
                <span class="cell-line muted" data-testid="suppression-kind">${kindLabel(e.kind)}</span>
              </td>
              <td data-testid="suppression-reason">${reasonLabel(e.reason)}</td>
              <td class="hide-sm cell-stack cell-break">
                <span>${sourceLabel(e.source, me, team)}</span>
                ${e.note && html`<span class="cell-line muted" data-testid="suppression-note">${e.note}</span>`}
              </td>
              <td class="hide-xs nowrap" title=${formatDateTime(e.created_at) || ''}>${formatDate(e.created_at)}</td>
              ${canLift &&
              html`<td class="cell-actions">
                ${e.reason === 'erased'
                  ? html`<span class="muted" title="The person asked to be erased: OCC never contacts them again" data-testid="suppression-kept">Stays</span>`
                  : html`<button type="button" class="btn btn-sm btn-danger-ghost" onClick=${() => onRemove(e)} data-testid="suppression-remove">
                      Remove<span class="visually-hidden"> ${e.value}</span>
                    </button>`}
              </td>`}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}

export function SuppressionScreen({ user }) {
  const [filters, setFilters] = useState({ q: '', kind: '', reason: '' });
  const [cursors, setCursors] = useState([]); // the cursors of the pages before this one
  const [cursor, setCursor] = useState('');
  const list = useLoad(
    (signal) => suppression.list({ ...filters, q: filters.q.trim(), limit: PAGE_SIZE, cursor }, { signal }),
    [filters.q, filters.kind, filters.reason, cursor],
  );
  const team = useTeam(user);
  const canWrite = canWriteSuppression(user);
  const canLift = canLiftSuppression(user);

  const setFilter = (name, value) => {
    setFilters((f) => ({ ...f, [name]: value }));
    setCursors([]);
    setCursor('');
  };
  const reload = () => {
    setCursors([]);
    if (cursor) setCursor('');
    else list.retry();
  };

  const remove = useConfirm(async (entry) => {
    await suppression.remove(entry.id);
    toast(`Removed ${entry.value || 'the entry'} from the suppression list`);
    list.retry();
  }, 'remove the entry');

  const filtered = Boolean(filters.q || filters.kind || filters.reason);
  const rows = (list.data && list.data.items) || [];
  let body;
  if (list.error) {
    body = html`<${ListError} error=${list.error} title="Could not load the suppression list" cursor=${cursor} onRetry=${list.retry} onRestart=${reload} />`;
  } else if (!list.data) {
    body = html`<${Loading} label="Loading the suppression list…" />`;
  } else if (!rows.length && !cursor) {
    body = filtered
      ? html`<${Empty} title="Nothing matches" testid="suppression-empty">Nothing on the list starts with these filters. Clear them to see everything.<//>`
      : html`<${Empty} title="The suppression list is empty" testid="suppression-empty">Addresses that bounce, complain or unsubscribe land here, as do the ones you add.<//>`;
  } else {
    const label = pagerLabel({
      count: rows.length,
      first: cursors.length * PAGE_SIZE + 1,
      onlyPage: !cursor && !list.data.next_cursor,
      total: list.data.total,
      hasNext: Boolean(list.data.next_cursor),
      one: 'entry',
      many: 'entries',
    });
    body = html`
      <${EntriesTable} rows=${rows} me=${user} team=${team} canLift=${canLift} busy=${list.loading} onRemove=${remove.ask} />
      <${Pager}
        label=${label}
        hasPrev=${Boolean(cursor)}
        hasNext=${Boolean(list.data.next_cursor)}
        busy=${list.loading}
        onPrev=${() => {
          setCursor(cursors[cursors.length - 1] || '');
          setCursors(cursors.slice(0, -1));
        }}
        onNext=${() => {
          setCursors([...cursors, cursor]);
          setCursor(list.data.next_cursor);
        }}
      />
    `;
  }

  return html`
    <${SettingsPage} user=${user} section="suppression" testid="settings-suppression">
      <p class="muted">OCC never contacts what is on this list, on any channel. Adding an entry ends the sequences of the people it covers and archives what was waiting to be sent to them.</p>
      ${canWrite
        ? html`<div class="suppression-forms">
            <${AddEntryForm} onAdded=${reload} />
            <${ImportForm} onImported=${reload} />
          </div>`
        : html`<p class="muted" data-testid="suppression-read-only">Your role can read the list; BDRs, managers and admins add to it.</p>`}
      <h2 class="section-title">Suppressed</h2>
      <div class="toolbar" role="search" data-testid="suppression-filters">
        <${TextFilter}
          id="suppression-q"
          className="toolbar-search"
          label="Search by the start of the value"
          placeholder="Starts with…"
          value=${filters.q}
          onApply=${(v) => setFilter('q', v)}
          data-testid="suppression-search"
        />
        <${ToolbarField} id="suppression-kind" as="select" label="Kind" value=${filters.kind} onChange=${(e) => setFilter('kind', e.currentTarget.value)} data-testid="suppression-kind-filter">
          <option value="">Any kind</option>
          ${KINDS.map((k) => html`<option key=${k.value} value=${k.value}>${k.label}</option>`)}
        <//>
        <${ToolbarField} id="suppression-reason" as="select" label="Reason" value=${filters.reason} onChange=${(e) => setFilter('reason', e.currentTarget.value)} data-testid="suppression-reason-filter">
          <option value="">Any reason</option>
          ${[...REASONS, ERASED].map((r) => html`<option key=${r.value} value=${r.value}>${r.label}</option>`)}
        <//>
        <${Updating} when=${list.loading && Boolean(list.data)} />
      </div>
      ${body}
      <${ConfirmDialog} id="suppression-remove-dialog" title="Remove from the suppression list?" confirmLabel="Remove" danger ...${remove.dialog}>
        OCC may contact <strong>${remove.subject && (remove.subject.value || 'this erased person')}</strong> again. The removal is in the audit log.
      <//>
    <//>
  `;
}
