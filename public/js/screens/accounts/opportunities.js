// The Opportunities section of an account: its meetings and opportunities, latest change first,
// each with its status, amount, meeting time and person, and a link to the Opportunities list.
import { html } from '../../preact.js';
import { opportunities as opportunitiesApi } from '../../api.js';
import { ErrorState, Loading } from '../../components/states.js';
import { formatDateTime } from '../../format.js';
import { OppStatus, formatAmount } from '../pipeline/opportunities.js';
import { ShowMore, usePaged } from './paged.js';

const PAGE_SIZE = 20;

function OpportunityRow({ o }) {
  const amount = formatAmount(o.amount_minor, o.currency);
  const who = o.contact_id
    ? html`<a href=${`/contacts/${encodeURIComponent(o.contact_id)}#prep`} data-testid="account-opp-contact">${o.contact_name || 'Contact'}</a>`
    : html`<span class="muted">A person since erased</span>`;
  return html`<li class="account-opp" data-testid="account-opp" data-opportunity-id=${o.id} data-status=${o.status}>
    <div class="account-opp-main">
      <${OppStatus} status=${o.status} />
      ${who}
      ${amount && html`<strong class="amount" data-testid="account-opp-amount">${amount}</strong>`}
    </div>
    <div class="account-opp-meta muted">
      ${o.meeting_at && html`<span>Meeting ${formatDateTime(o.meeting_at)}</span>`}
      <span>Updated ${formatDateTime(o.updated_at)}</span>
    </div>
    ${o.notes && html`<p class="account-opp-notes">${o.notes}</p>`}
  </li>`;
}

export function AccountOpportunities({ account }) {
  const list = usePaged(
    (cursor, signal) => opportunitiesApi.list({ account_id: account.id, limit: PAGE_SIZE, cursor }, { signal }),
    [account.id],
  );
  let body;
  if (list.error && !list.items.length) {
    body = html`<${ErrorState} error=${list.error} title="Could not load the opportunities" onRetry=${list.retry} />`;
  } else if (list.loading && !list.items.length) {
    body = html`<${Loading} label="Loading opportunities…" />`;
  } else if (!list.items.length) {
    body = html`<p class="muted card-text" data-testid="account-opps-empty">No meetings or opportunities at ${account.name} yet.</p>`;
  } else {
    body = html`<ul class="account-opps" data-testid="account-opp-list">
        ${list.items.map((o) => html`<${OpportunityRow} key=${o.id} o=${o} />`)}
      </ul>
      <${ShowMore} list=${list} />`;
  }
  return html`<section class="card card-padded" aria-labelledby="account-opps-title" data-testid="account-opportunities">
    <div class="card-head">
      <h2 class="card-title" id="account-opps-title">Opportunities</h2>
      <a class="btn btn-sm" href="/opportunities">All opportunities</a>
    </div>
    ${body}
  </section>`;
}
