// The contacts list's filters: read from the URL query and written back to it (so a filtered
// view can be bookmarked and Back undoes a filter), turned into the API's query, and the bar of
// controls that edits them.
import { html, useState } from '../../preact.js';
import { withQuery } from '../../router.js';
import { MultiSelect } from '../../components/multi-select.js';
import { TextFilter, ToolbarField } from '../../components/toolbar.js';
import { DEPARTMENTS, SENIORITIES, STAGES, STATUSES } from '../../contact-meta.js';
import { ownerChoices } from '../../owners.js';

export const SORTS = [
  { value: 'priority', label: 'Priority (highest first)' },
  { value: '-priority', label: 'Priority (lowest first)' },
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-updated_at', label: 'Recently updated' },
  { value: 'updated_at', label: 'Least recently updated' },
];
export const DEFAULT_SORT = 'priority';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LISTS = { stage: STAGES, status: STATUSES, seniority: SENIORITIES, department: DEPARTMENTS };

/** Every filter empty: what "Clear filters" sets (the sort stays). */
export const NO_FILTERS = {
  q: '',
  stage: [],
  status: [],
  seniority: [],
  department: [],
  industry: '',
  owner: '',
  min_priority: '',
  has_email: '',
  has_linkedin: '',
  touched_since: '',
  touched_before: '',
};

/** The filters in a URL query; values the API would refuse are dropped. */
export function readFilters(query) {
  const list = (name) => {
    const known = LISTS[name].map((o) => o.value);
    const seen = (query.get(name) || '').split(',').map((v) => v.trim());
    return known.filter((v) => seen.includes(v));
  };
  const flag = (name) => (['true', 'false'].includes(query.get(name)) ? query.get(name) : '');
  const date = (name) => (DATE.test(query.get(name) || '') ? query.get(name) : '');
  const min = query.get('min_priority') || '';
  const sort = query.get('sort');
  return {
    q: query.get('q') || '',
    stage: list('stage'),
    status: list('status'),
    seniority: list('seniority'),
    department: list('department'),
    industry: query.get('industry') || '',
    owner: query.get('owner') || '',
    min_priority: /^\d{1,3}$/.test(min) && Number(min) <= 100 ? String(Number(min)) : '',
    has_email: flag('has_email'),
    has_linkedin: flag('has_linkedin'),
    touched_since: date('touched_since'),
    touched_before: date('touched_before'),
    sort: SORTS.some((s) => s.value === sort) ? sort : DEFAULT_SORT,
    cursor: query.get('cursor') || '',
  };
}

/** The path that shows `filters` (lists comma-separated, the default sort left out). Commas
 *  stay readable in the URL (`stage=touched,replied`): they need no escaping in a query. */
export function contactsUrl(filters) {
  return plainCommas('/contacts', {
    ...filters,
    stage: filters.stage.join(','),
    status: filters.status.join(','),
    seniority: filters.seniority.join(','),
    department: filters.department.join(','),
    sort: filters.sort === DEFAULT_SORT ? '' : filters.sort,
  });
}

function plainCommas(path, query) {
  return withQuery(path, query).replace(/%2C/gi, ',');
}

/** Whether any filter (not the sort or the page) is set. */
export function isFiltered(filters) {
  return Object.keys(NO_FILTERS).some((k) => (Array.isArray(filters[k]) ? filters[k].length : filters[k]));
}

/** The start of a local calendar day (`YYYY-MM-DD`) in RFC 3339. */
function dayStart(date) {
  if (!date) return '';
  const d = new Date(`${date}T00:00:00`);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** The API's query for `filters` (without limit). */
export function apiQuery(filters) {
  return {
    q: filters.q.trim(),
    stage: filters.stage.join(','),
    status: filters.status.join(','),
    seniority: filters.seniority.join(','),
    department: filters.department.join(','),
    industry: filters.industry
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .join(','),
    owner: filters.owner,
    min_priority: filters.min_priority,
    has_email: filters.has_email,
    has_linkedin: filters.has_linkedin,
    touched_since: dayStart(filters.touched_since),
    touched_before: dayStart(filters.touched_before),
    sort: filters.sort,
    cursor: filters.cursor,
  };
}

function FlagFilter({ id, label, yes, no, value, onChange }) {
  return html`<${ToolbarField}
    id=${id}
    label=${label}
    as="select"
    className="toolbar-flag"
    value=${value}
    onChange=${(e) => onChange(e.currentTarget.value)}
    data-testid=${id}
  >
    <option value="">${label}: any</option>
    <option value="true">${yes}</option>
    <option value="false">${no}</option>
  <//>`;
}

const PRIORITY_STEPS = ['20', '40', '50', '60', '70', '80', '90'];

/** The lowest priority score to show; a value from the URL that is not a step is offered too. */
function MinPriorityFilter({ value, onChange }) {
  const steps = value && !PRIORITY_STEPS.includes(value) ? [...PRIORITY_STEPS, value].sort((a, b) => a - b) : PRIORITY_STEPS;
  return html`<${ToolbarField}
    id="contacts-min-priority"
    label="Minimum priority"
    as="select"
    className="toolbar-flag"
    value=${value}
    onChange=${(e) => onChange(e.currentTarget.value)}
    data-testid="contacts-min-priority"
  >
    <option value="">Priority: any</option>
    ${steps.map((n) => html`<option key=${n} value=${n}>Priority ≥ ${n}</option>`)}
  <//>`;
}

function OwnerFilter({ value, me, team, onChange }) {
  const choices = ownerChoices(me, team, value && value !== 'me' && value !== 'none' ? value : null)
    // The filter speaks the API's words for me and nobody.
    .map((o) => {
      if (o.value === me.id) return { value: 'me', label: 'Owner: me' };
      if (o.value === '') return { value: 'none', label: 'Owner: nobody' };
      return { value: o.value, label: `Owner: ${o.label}` };
    });
  return html`<${ToolbarField}
    id="contacts-owner"
    label="Owner"
    as="select"
    value=${value}
    onChange=${(e) => onChange(e.currentTarget.value)}
    data-testid="contacts-owner"
  >
    <option value="">Owner: anyone</option>
    ${choices.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
  <//>`;
}

/** Every filter control; `set(patch)` writes to the URL (text as you type, with `replace`). */
export function ContactFilters({ filters, set, me, team, children }) {
  const [open, setOpen] = useState(false); // phones: the filters fold away under a button
  const count = Object.keys(NO_FILTERS).filter((k) => k !== 'q' && (Array.isArray(filters[k]) ? filters[k].length : filters[k])).length;
  const text = (name) => (v) => set({ [name]: v.trim() ? v : '' }, { replace: true });
  const badRange = filters.touched_since && filters.touched_before && filters.touched_since >= filters.touched_before;
  return html`
    <div class="toolbar contact-search" role="search">
      <${TextFilter}
        id="contacts-q"
        label="Search contacts"
        className="toolbar-search"
        type="search"
        placeholder="Search name, title, email or company…"
        spellcheck=${false}
        data-testid="contacts-search"
        value=${filters.q}
        onApply=${text('q')}
      />
      ${isFiltered(filters) &&
      html`<button type="button" class="btn btn-ghost" onClick=${() => set(NO_FILTERS)} data-testid="contacts-clear">Clear filters</button>`}
      <${ToolbarField}
        id="contacts-sort"
        label="Sort by"
        as="select"
        className="toolbar-sort"
        value=${filters.sort}
        onChange=${(e) => set({ sort: e.currentTarget.value })}
        data-testid="contacts-sort"
      >
        ${SORTS.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
      <//>
      <button
        type="button"
        class="btn filters-toggle"
        aria-expanded=${open ? 'true' : 'false'}
        aria-controls="contact-filters"
        onClick=${() => setOpen(!open)}
        data-testid="filters-toggle"
      >
        Filters${count ? ` (${count})` : ''}
      </button>
      ${children}
    </div>
    <div id="contact-filters" class=${`toolbar contact-filters ${open ? 'is-open' : ''}`} aria-label="Filters" role="group">
      <${MultiSelect} id="contacts-stage" label="Stage" options=${STAGES} value=${filters.stage} onChange=${(stage) => set({ stage })} testid="filter-stage" />
      <${MultiSelect} id="contacts-status" label="Status" options=${STATUSES} value=${filters.status} onChange=${(status) => set({ status })} testid="filter-status" />
      <${MultiSelect}
        id="contacts-seniority"
        label="Seniority"
        options=${SENIORITIES}
        value=${filters.seniority}
        onChange=${(seniority) => set({ seniority })}
        testid="filter-seniority"
      />
      <${MultiSelect}
        id="contacts-department"
        label="Department"
        options=${DEPARTMENTS}
        value=${filters.department}
        onChange=${(department) => set({ department })}
        testid="filter-department"
      />
      <${OwnerFilter} value=${filters.owner} me=${me} team=${team} onChange=${(owner) => set({ owner })} />
      <${TextFilter}
        id="contacts-industry"
        label="Industry"
        className="toolbar-industry"
        placeholder="Industries, comma-separated"
        data-testid="contacts-industry"
        value=${filters.industry}
        onApply=${text('industry')}
      />
      <${MinPriorityFilter} value=${filters.min_priority} onChange=${(min_priority) => set({ min_priority })} />
      <${FlagFilter} id="contacts-has-email" label="Email" yes="With email" no="Without email" value=${filters.has_email} onChange=${(has_email) => set({ has_email })} />
      <${FlagFilter}
        id="contacts-has-linkedin"
        label="LinkedIn"
        yes="With LinkedIn"
        no="Without LinkedIn"
        value=${filters.has_linkedin}
        onChange=${(has_linkedin) => set({ has_linkedin })}
      />
      <div class=${`toolbar-range ${badRange ? 'is-invalid' : ''}`} role="group" aria-labelledby="contacts-touched-label">
        <span class="toolbar-label" id="contacts-touched-label">Last touch</span>
        <label class="visually-hidden" for="contacts-touched-since">Touched since</label>
        <input
          id="contacts-touched-since"
          class="control"
          type="date"
          title="Touched since (from the start of this day)"
          max=${filters.touched_before || undefined}
          value=${filters.touched_since}
          onChange=${(e) => set({ touched_since: e.currentTarget.value })}
          data-testid="contacts-touched-since"
        />
        <span class="toolbar-range-dash" aria-hidden="true">–</span>
        <label class="visually-hidden" for="contacts-touched-before">Touched before</label>
        <input
          id="contacts-touched-before"
          class="control"
          type="date"
          title="Touched before (the start of this day)"
          min=${filters.touched_since || undefined}
          value=${filters.touched_before}
          onChange=${(e) => set({ touched_before: e.currentTarget.value })}
          data-testid="contacts-touched-before"
        />
      </div>
      ${badRange && html`<p class="toolbar-note" role="status">The first “last touch” day should be before the second.</p>`}
    </div>
  `;
}
