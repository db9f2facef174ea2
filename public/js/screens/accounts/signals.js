// The Signals section of an account: the company's own buying signals and those of its people
// (each naming the person), fresh first and newest first; expired ones follow, dimmed. Signals are added
// and deleted on the contact's page.
import { html } from '../../preact.js';
import { signals as signalsApi } from '../../api.js';
import { ErrorState, Loading } from '../../components/states.js';
import { SignalItem } from '../contacts/signals.js';
import { ShowMore, usePaged } from './paged.js';

const PAGE_SIZE = 20;

export function AccountSignals({ account }) {
  const list = usePaged(
    (cursor, signal) => signalsApi.list({ account_id: account.id, people: 'true', limit: PAGE_SIZE, cursor }, { signal }),
    [account.id],
  );
  let body;
  if (list.error && !list.items.length) {
    body = html`<${ErrorState} error=${list.error} title="Could not load the signals" onRetry=${list.retry} />`;
  } else if (list.loading && !list.items.length) {
    body = html`<${Loading} label="Loading signals…" />`;
  } else if (!list.items.length) {
    body = html`<p class="muted card-text" data-testid="account-signals-empty">
      No signals for ${account.name} or its people yet. Add them on a person's page.
    </p>`;
  } else {
    body = html`<ul class="signal-list" data-testid="account-signal-list">
        ${list.items.map((s) => html`<${SignalItem} key=${s.id} signal=${s} canEdit=${false} />`)}
      </ul>
      <${ShowMore} list=${list} />`;
  }
  return html`<section class="card card-padded" aria-labelledby="account-signals-title" data-testid="account-signals">
    <h2 class="card-title" id="account-signals-title">Signals</h2>
    ${body}
  </section>`;
}
