// Contacts list: a dense table (cards on a phone) with every filter, column sort and the
// cursor kept in the URL query (see filters.js and ../../url-list.js), and bulk actions on
// the selected rows (stage, status, owner; enroll in a sequence, add to a batch) for the roles
// that may edit contacts.
import { html, useEffect, useState } from '../../preact.js';
import { contacts as contactsApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { navigate } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { Pager, SearchCapped, WalkStopped } from '../../components/table.js';
import { Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { ScoreBar } from '../../components/meter.js';
import { StageBadge, StatusBadge, contactName } from '../../contact-meta.js';
import { formatDateTime } from '../../format.js';
import { ownerLabel, useTeam } from '../../owners.js';
import { ContactFilters, NO_FILTERS, apiQuery, contactsUrl, isFiltered, readFilters } from './filters.js';
import { BulkBar, BulkReport } from './bulk.js';
import { ExportButton } from '../../export-link.js';

export const PAGE_SIZE = 50;

/** The most calls one page makes while its filters pass few of the contacts the server reads. */
const MOST_CALLS = 20;

/**
 * Loads a page of contacts. A page whose filters pass few of the contacts in its order comes
 * back short, the server having stopped after reading `stopped_after` of them; the rest of the
 * page is asked for from where it stopped, up to MOST_CALLS calls. A page still short after
 * them says how many contacts it looked through (`looked`), and the next page goes on from
 * there.
 */
async function loadPage(params, signal) {
  let page = await contactsApi.list(params, { signal });
  let items = page.items;
  let looked = page.stopped_after || 0;
  for (let calls = 1; page.stopped_after && page.next_cursor && items.length < params.limit && calls < MOST_CALLS; calls += 1) {
    page = await contactsApi.list({ ...params, limit: params.limit - items.length, cursor: page.next_cursor }, { signal });
    items = items.concat(page.items);
    looked += page.stopped_after || 0;
  }
  const short = page.stopped_after && page.next_cursor && items.length < params.limit;
  return { ...page, items, looked: short ? looked : null };
}

const contactHref = (c) => `/contacts/${encodeURIComponent(c.id)}`;

/** A column header that sorts: `desc` first on the first click, then `asc`, and back. */
function SortHeader({ label, desc, asc, sort, onSort, className = '' }) {
  const state = sort === desc ? 'descending' : sort === asc ? 'ascending' : 'none';
  const next = sort === desc ? asc : desc;
  const arrow = state === 'descending' ? '↓' : state === 'ascending' ? '↑' : '↕';
  return html`<th scope="col" class=${className} aria-sort=${state}>
    <button type="button" class="sort-button" onClick=${() => onSort(next)} data-testid=${`sort-${desc.replace(/^-/, '')}`}>
      ${label}<span class=${`sort-arrow ${state === 'none' ? 'muted' : ''}`} aria-hidden="true">${arrow}</span>
    </button>
  </th>`;
}

function Company({ contact }) {
  const a = contact.account;
  if (!a) return html`<span class="muted">—</span>`;
  return html`<a href=${`/accounts/${encodeURIComponent(a.id)}`} title=${a.domain || a.name}>${a.name}</a>`;
}

const thisYear = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const otherYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** A day for a dense list: "Oct 13", with the year only when it is not this year. */
function shortDate(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return iso || null;
  return (d.getFullYear() === new Date().getFullYear() ? thisYear : otherYear).format(d);
}

function LastTouch({ at, prefix = '' }) {
  return at
    ? html`<span title=${formatDateTime(at)}>${prefix}${shortDate(at)}</span>`
    : html`<span class="muted">${prefix ? 'never touched' : 'Never'}</span>`;
}

function SelectBox({ contact, checked, onToggle }) {
  return html`<input
    type="checkbox"
    class="select-box"
    checked=${checked}
    onChange=${(e) => onToggle(contact, e.currentTarget.checked)}
    aria-label=${`Select ${contactName(contact)}`}
    data-testid="select-row"
  />`;
}

function ContactsTable({ items, selectable, selected, onToggle, onToggleAll, sort, onSort, me, team, busy }) {
  const onRowClick = (event, c) => {
    if (event.target.closest('a, button, input, select, label')) return;
    if (window.getSelection && String(window.getSelection())) return; // selecting text
    navigate(contactHref(c));
  };
  const all = items.length > 0 && items.every((c) => selected.has(c.id));
  const some = !all && items.some((c) => selected.has(c.id));
  return html`
    <div class=${`table-wrap ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'}>
      <table class="table table-contacts" data-testid="contacts-table">
        <caption class="visually-hidden">Contacts</caption>
        <thead>
          <tr>
            ${selectable &&
            html`<th scope="col" class="col-select">
              <input
                type="checkbox"
                class="select-box"
                checked=${all}
                indeterminate=${some}
                onChange=${(e) => onToggleAll(e.currentTarget.checked)}
                aria-label="Select every contact on this page"
                data-testid="select-all"
              />
            </th>`}
            <th scope="col" class="col-person">Name</th>
            <th scope="col" class="col-company">Company</th>
            <th scope="col">Stage</th>
            <th scope="col" class="hide-sm">Status</th>
            <${SortHeader} label="Priority" desc="priority" asc="-priority" sort=${sort} onSort=${onSort} className="col-priority" />
            <th scope="col" class="hide-sm">Owner</th>
            <th scope="col" class="nowrap">Last touch</th>
            <${SortHeader} label="Updated" desc="-updated_at" asc="updated_at" sort=${sort} onSort=${onSort} className="hide-lg" />
            <${SortHeader} label="Added" desc="-created_at" asc="created_at" sort=${sort} onSort=${onSort} className="hide-lg" />
          </tr>
        </thead>
        <tbody>
          ${items.map((c) => {
            const checked = selected.has(c.id);
            return html`<tr
              key=${c.id}
              class=${`row-link ${checked ? 'is-selected' : ''}`}
              onClick=${(e) => onRowClick(e, c)}
              data-testid="row"
              data-contact-id=${c.id}
            >
              ${selectable && html`<td class="col-select"><${SelectBox} contact=${c} checked=${checked} onToggle=${onToggle} /></td>`}
              <td class="cell-stack cell-person">
                <a class="row-anchor" href=${contactHref(c)} data-testid="contact-name">${contactName(c)}</a>
                <span class="cell-line muted" title=${c.title || ''}>${c.title || html`<span class="muted">No title</span>`}</span>
              </td>
              <td class="col-company"><${Company} contact=${c} /></td>
              <td><${StageBadge} stage=${c.stage} /></td>
              <td class="hide-sm"><${StatusBadge} status=${c.status} /></td>
              <td class="col-priority"><${ScoreBar} score=${c.priority_score} /></td>
              <td class="hide-sm" title=${c.owner_id || ''}>${ownerLabel(c.owner_id, me, team)}</td>
              <td class="nowrap"><${LastTouch} at=${c.last_touch_at} /></td>
              <td class="hide-lg nowrap" title=${formatDateTime(c.updated_at)}>${shortDate(c.updated_at)}</td>
              <td class="hide-lg nowrap" title=${formatDateTime(c.created_at)}>${shortDate(c.created_at)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}

/** The phone layout: a card per contact. */
function ContactCards({ items, selectable, selected, onToggle, me, team, busy }) {
  const onCardClick = (event, c) => {
    if (event.target.closest('a, button, input, label')) return;
    navigate(contactHref(c));
  };
  return html`
    <ul class=${`contact-cards ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'} data-testid="contact-cards">
      ${items.map((c) => {
        const checked = selected.has(c.id);
        return html`<li
          key=${c.id}
          class=${`contact-card ${checked ? 'is-selected' : ''}`}
          onClick=${(e) => onCardClick(e, c)}
          data-testid="row"
          data-contact-id=${c.id}
        >
          ${selectable && html`<div class="contact-card-select"><${SelectBox} contact=${c} checked=${checked} onToggle=${onToggle} /></div>`}
          <div class="contact-card-body">
            <div class="contact-card-top">
              <a class="contact-card-name" href=${contactHref(c)} data-testid="contact-name">${contactName(c)}</a>
              <${ScoreBar} score=${c.priority_score} />
            </div>
            <div class="contact-card-line muted">
              ${[c.title, c.account && c.account.name].filter(Boolean).join(' · ') || 'No title or company'}
            </div>
            <div class="contact-card-tags">
              <${StageBadge} stage=${c.stage} />
              ${c.status !== 'active' && html`<${StatusBadge} status=${c.status} />`}
              <span class="contact-card-meta muted">${ownerLabel(c.owner_id, me, team)} · <${LastTouch} at=${c.last_touch_at} prefix="touched " /></span>
            </div>
          </div>
        </li>`;
      })}
    </ul>
  `;
}

export function ContactsListScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, contactsUrl);
  const team = useTeam(user);
  const phone = useMedia(PHONE_QUERY);
  const query = apiQuery(filters);
  const queryKey = JSON.stringify(query);
  const state = useLoad((signal) => loadPage({ limit: PAGE_SIZE, ...query }, signal), [queryKey]);
  const [selected, setSelected] = useState(() => new Map());
  const [report, setReport] = useState(null);
  const canWrite = canWriteContacts(user);

  // Another page or other filters: what was selected is out of sight, so nothing is, and the
  // last bulk change's report speaks of other rows.
  useEffect(() => {
    setSelected(new Map());
    setReport(null);
  }, [queryKey]);

  const items = (state.data && state.data.items) || [];
  const toggle = (c, on) =>
    setSelected((s) => {
      const next = new Map(s);
      if (on) next.set(c.id, c);
      else next.delete(c.id);
      return next;
    });
  const toggleAll = (on) => setSelected(on ? new Map(items.map((c) => [c.id, c])) : new Map());
  const onBulkDone = (result) => {
    setReport(result);
    if (result.error) return;
    // The failed ones stay selected, to try again with another action.
    setSelected((s) => new Map([...s].filter(([id]) => result.failed.some((f) => f.id === id))));
    state.retry();
  };

  const newButton = canWrite ? html`<a class="btn btn-primary" href="/contacts/new" data-testid="new-contact">New contact</a>` : null;
  const filtered = isFiltered(filters);

  let body;
  if (state.error) {
    body = html`<${ListError}
      error=${state.error}
      title="Could not load contacts"
      cursor=${filters.cursor}
      onRetry=${state.retry}
      onRestart=${() => setFilter({})}
    />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading contacts…" />`;
  } else if (!items.length && !filters.cursor && !state.data.looked) {
    body = filtered
      ? html`<${Empty}
          title="No contacts match these filters"
          testid="contacts-empty"
          action=${html`<button type="button" class="btn" onClick=${() => setFilter(NO_FILTERS)}>Clear filters</button>`}
        >
          Try fewer filters or a shorter search.
        <//>`
      : html`<${Empty}
          title="No contacts yet"
          testid="contacts-empty"
          action=${canWrite ? html`<a class="btn btn-primary" href="/contacts/new">New contact</a>` : null}
        >
          Contacts are the people you prospect.${canWrite ? ' Add the first one, or add people from an account.' : ''}
        <//>`;
  } else {
    const paging = pager({ count: items.length, next: state.data.next_cursor, total: state.data.total, pageSize: PAGE_SIZE, busy: state.loading, one: 'contact', many: 'contacts' });
    const props = { items, selectable: canWrite, selected, onToggle: toggle, me: user, team, busy: state.loading };
    body = html`
      <${SearchCapped} cappedAt=${state.data.capped_at} many="contacts" />
      <${WalkStopped} looked=${state.data.looked} found=${items.length} many="contacts" onFurther=${paging.onNext} busy=${state.loading} />
      ${phone
        ? html`<${ContactCards} ...${props} />`
        : html`<${ContactsTable} ...${props} onToggleAll=${toggleAll} sort=${filters.sort} onSort=${(sort) => setFilter({ sort })} />`}
      <${Pager} ...${paging} />
    `;
  }

  return html`
    <section class="page page-wide" data-testid="contacts-list">
      <${PageHeader}
        title="Contacts"
        actions=${html`<${ExportButton} kind="contacts" query=${query} filtered=${filtered} />${newButton}`}
      />
      <${ContactFilters} filters=${filters} set=${setFilter} me=${user} team=${team}>
        <${Updating} when=${state.loading && state.data} />
      <//>
      ${report && html`<${BulkReport} report=${report} onDismiss=${() => setReport(null)} />`}
      ${canWrite &&
      selected.size > 0 &&
      html`<${BulkBar} selected=${selected} me=${user} team=${team} onDone=${onBulkDone} onChanged=${state.retry} onClear=${() => setSelected(new Map())} />`}
      ${body}
    </section>
  `;
}
