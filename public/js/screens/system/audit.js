// Audit log (managers and admins): every change with who made it, newest first. Filters
// (entity, actor, since, until) and the cursor live in the URL like the accounts list; a row
// opens to show what changed, field by field.
import { html, useState } from '../../preact.js';
import { audit, users } from '../../api.js';
import { canManageUsers } from '../../access.js';
import { withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { Pager } from '../../components/table.js';
import { TextFilter, ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { formatDateTime, formatShortDateTime } from '../../format.js';

const PAGE_SIZE = 50;
const KNOWN_ENTITIES = ['account', 'user', 'api_token'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function readFilters(query) {
  const date = (v) => (v && DATE.test(v) ? v : '');
  return {
    entity: query.get('entity') || '',
    actor: query.get('actor') || '',
    since: date(query.get('since')),
    until: date(query.get('until')),
    cursor: query.get('cursor') || '',
  };
}

function auditUrl(filters) {
  return withQuery('/audit', filters);
}

/** The start of a local calendar day (`YYYY-MM-DD`), `days` later, in RFC 3339. */
function dayStart(date, days = 0) {
  if (!date) return '';
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + days);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** Every user for the actor filter (admins only: /users is theirs), a few pages at most. */
async function allUsers(signal) {
  const out = [];
  let cursor = '';
  for (let page = 0; page < 10; page += 1) {
    const data = await users.list({ limit: 100, cursor }, { signal });
    out.push(...(data.items || []));
    if (!data.next_cursor) break;
    cursor = data.next_cursor;
  }
  return out.sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
}

/** A value of a diff as text: timestamps (`*_at`) in local time, lists joined. */
function show(value, field) {
  if (typeof value === 'string' && field.endsWith('_at') && !Number.isNaN(Date.parse(value))) {
    return html`<span title=${value}>${formatDateTime(value)}</span>`;
  }
  if (value === null || value === undefined || value === '') return html`<span class="muted">empty</span>`;
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : html`<span class="muted">none</span>`;
  if (typeof value === 'object') return html`<code>${JSON.stringify(value)}</code>`;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** The fields that differ between `before` and `after`; all set fields for a create or delete. */
export function changedFields(before, after) {
  const b = before && typeof before === 'object' ? before : {};
  const a = after && typeof after === 'object' ? after : {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((k) => JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null))
    .map((k) => ({ field: k, before: b[k] ?? null, after: a[k] ?? null }));
}

function Diff({ entry }) {
  const fields = changedFields(entry.before, entry.after);
  const kind = !entry.before && entry.after ? 'created' : entry.before && !entry.after ? 'deleted' : 'changed';
  return html`
    <div class="audit-detail" data-testid="audit-detail">
      <dl class="meta-line">
        <div><dt>Entity</dt><dd>${entry.entity}</dd></div>
        <div><dt>ID</dt><dd><code>${entry.entity_id}</code></dd></div>
        ${entry.request_id && html`<div><dt>Request</dt><dd><code>${entry.request_id}</code></dd></div>`}
        <div><dt>At</dt><dd title=${entry.at}>${formatDateTime(entry.at)}</dd></div>
      </dl>
      ${fields.length
        ? html`<table class="diff" data-testid="audit-diff">
            <caption class="visually-hidden">Fields ${kind}</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                ${kind !== 'created' && html`<th scope="col">Before</th>`}
                ${kind !== 'deleted' && html`<th scope="col">After</th>`}
              </tr>
            </thead>
            <tbody>
              ${fields.map(
                (f) => html`<tr key=${f.field} data-testid="diff-row" data-field=${f.field}>
                  <th scope="row">${f.field.replace(/_/g, ' ')}</th>
                  ${kind !== 'created' && html`<td class="diff-before">${show(f.before, f.field)}</td>`}
                  ${kind !== 'deleted' && html`<td class="diff-after">${show(f.after, f.field)}</td>`}
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No field changes were recorded for this entry.</p>`}
    </div>
  `;
}

function EntityLink({ entry }) {
  if (!entry.entity_id) return html`<span class="muted">—</span>`;
  if (entry.entity === 'account') {
    return html`<a href=${`/accounts/${encodeURIComponent(entry.entity_id)}`} data-testid="audit-entity-link"><code>${entry.entity_id}</code></a>`;
  }
  return html`<code>${entry.entity_id}</code>`;
}

function AuditTable({ items, busy }) {
  const [open, setOpen] = useState({});
  const toggle = (id) => setOpen((o) => ({ ...o, [id]: !o[id] }));
  return html`
    <div class=${`table-wrap ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'}>
      <table class="table table-audit" data-testid="audit-table">
        <caption class="visually-hidden">Audit log, newest first</caption>
        <thead>
          <tr>
            <th scope="col" class="col-toggle"><span class="visually-hidden">Details</span></th>
            <th scope="col" class="hide-xs">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col" class="hide-sm">Entity</th>
            <th scope="col" class="hide-xs">Entity ID</th>
          </tr>
        </thead>
        ${items.map((e) => {
          const expanded = Boolean(open[e.id]);
          const detailId = `audit-${e.id}`;
          return html`<tbody key=${e.id} class=${expanded ? 'is-open' : ''}>
            <tr class="row-link" data-testid="audit-row" data-entity-id=${e.entity_id} onClick=${(ev) => !ev.target.closest('a, button') && toggle(e.id)}>
              <td class="col-toggle">
                <button
                  type="button"
                  class="toggle"
                  aria-expanded=${expanded ? 'true' : 'false'}
                  aria-controls=${detailId}
                  aria-label=${expanded ? 'Hide changes' : 'Show changes'}
                  onClick=${() => toggle(e.id)}
                  data-testid="audit-toggle"
                >
                  <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M9 6l6 6-6 6" /></svg>
                </button>
              </td>
              <td class="hide-xs nowrap" title=${formatDateTime(e.at)}>${formatShortDateTime(e.at)}</td>
              <td data-testid="audit-actor" title=${e.actor || ''}>${e.actor_name || e.actor || html`<span class="muted">system</span>`}</td>
              <td class="cell-stack">
                <code class="action" data-testid="audit-action">${e.action}</code>
                <span class="cell-sub muted show-xs" title=${formatDateTime(e.at)}>${formatShortDateTime(e.at)}</span>
              </td>
              <td class="hide-sm">${e.entity}</td>
              <td class="hide-xs"><${EntityLink} entry=${e} /></td>
            </tr>
            ${expanded &&
            html`<tr class="detail-row" id=${detailId}>
              <td colspan="6"><${Diff} entry=${e} /></td>
            </tr>`}
          </tbody>`;
        })}
      </table>
    </div>
  `;
}

function ActorFilter({ isAdmin, value, onChange }) {
  const people = useLoad((signal) => (isAdmin ? allUsers(signal) : Promise.resolve([])), [isAdmin]);
  if (!isAdmin) {
    return html`<${TextFilter}
      id="audit-actor"
      label="Actor (user id)"
      placeholder="Actor (user id)"
      spellcheck=${false}
      value=${value}
      onApply=${(v) => onChange(v.trim())}
      data-testid="audit-actor-filter"
    />`;
  }
  const list = people.data || [];
  const known = !value || list.some((u) => u.id === value);
  return html`<${ToolbarField}
    id="audit-actor"
    label="Actor"
    as="select"
    value=${value}
    disabled=${people.loading && !people.data}
    onChange=${(e) => onChange(e.currentTarget.value)}
    data-testid="audit-actor-filter"
  >
    <option value="">${people.error ? 'Anyone (could not load users)' : 'Anyone'}</option>
    ${!known && html`<option value=${value}>${value}</option>`}
    ${list.map((u) => html`<option key=${u.id} value=${u.id}>${u.name || u.email}</option>`)}
  <//>`;
}

/** A "From" or "To" day of the date range. */
function DateFilter({ id, label, value, onChange, ...limits }) {
  return html`<${ToolbarField}
    id=${id}
    label=${label}
    showLabel
    className="toolbar-date"
    type="date"
    value=${value}
    onChange=${(e) => onChange(e.currentTarget.value)}
    data-testid=${id}
    ...${limits}
  />`;
}

const NO_FILTERS = { entity: '', actor: '', since: '', until: '' };

export function AuditScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, auditUrl);
  const isAdmin = canManageUsers(user);

  const list = useLoad(
    (signal) =>
      audit.list(
        {
          limit: PAGE_SIZE,
          entity: filters.entity.trim(),
          actor: filters.actor,
          since: dayStart(filters.since),
          until: dayStart(filters.until, 1),
          cursor: filters.cursor,
        },
        { signal },
      ),
    [filters.entity, filters.actor, filters.since, filters.until, filters.cursor],
  );

  const items = (list.data && list.data.items) || [];
  const filtered = Boolean(filters.entity || filters.actor || filters.since || filters.until);
  const entities = [...new Set([...KNOWN_ENTITIES, ...items.map((e) => e.entity).filter(Boolean)])];
  const badRange = filters.since && filters.until && filters.since > filters.until;

  let body;
  if (list.error) {
    body = html`<${ListError}
      error=${list.error}
      title="Could not load the audit log"
      cursor=${filters.cursor}
      onRetry=${list.retry}
      onRestart=${() => setFilter({})}
    />`;
  } else if (!list.data) {
    body = html`<${Loading} label="Loading the audit log…" />`;
  } else if (!items.length && !filters.cursor) {
    body = filtered
      ? html`<${Empty}
          title="No entries match these filters"
          testid="audit-empty"
          action=${html`<button type="button" class="btn" onClick=${() => setFilter(NO_FILTERS)}>Clear filters</button>`}
        >
          ${badRange ? 'The “from” date is after the “to” date.' : 'Try a wider date range, or another entity or actor.'}
        <//>`
      : html`<${Empty} title="Nothing recorded yet" testid="audit-empty">Every change to the team's data shows up here with who made it.<//>`;
  } else {
    const next = list.data.next_cursor;
    body = html`
      <${AuditTable} items=${items} busy=${list.loading} />
      <${Pager} ...${pager({ count: items.length, next, pageSize: PAGE_SIZE, busy: list.loading, one: 'entry', many: 'entries' })} />
    `;
  }

  return html`
    <section class="page" data-testid="audit-screen">
      <${PageHeader} title="Audit log" />
      <div class="toolbar" role="search" aria-label="Filter the audit log">
        <${TextFilter}
          id="audit-entity"
          label="Entity"
          list="audit-entities"
          placeholder="Entity (account, user…)"
          spellcheck=${false}
          value=${filters.entity}
          onApply=${(v) => setFilter({ entity: v.trim() }, { replace: true })}
          data-testid="audit-entity-filter"
        >
          <datalist id="audit-entities">${entities.map((e) => html`<option key=${e} value=${e}></option>`)}</datalist>
        <//>
        <${ActorFilter} isAdmin=${isAdmin} value=${filters.actor} onChange=${(actor) => setFilter({ actor })} />
        <${DateFilter} id="audit-since" label="From" max=${filters.until || undefined} value=${filters.since} onChange=${(since) => setFilter({ since })} />
        <${DateFilter} id="audit-until" label="To" min=${filters.since || undefined} value=${filters.until} onChange=${(until) => setFilter({ until })} />
        ${filtered &&
        html`<button type="button" class="btn btn-ghost" onClick=${() => setFilter(NO_FILTERS)} data-testid="audit-clear">
          Clear
        </button>`}
        <${Updating} when=${list.loading && list.data} />
      </div>
      ${body}
    </section>
  `;
}
