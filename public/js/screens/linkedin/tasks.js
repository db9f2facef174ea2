// The LinkedIn tasks due now (Today's queue, its LinkedIn items: within today's limits), each
// with its profile link, its message in full and Copy, and Mark done, Skip and Snooze as on
// Today. Acting takes the task off the list at once; a refusal puts it back with the server's
// message in a toast.
import { html, useState } from '../../preact.js';
import { queue as queueApi } from '../../api.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast, toastFailure } from '../../components/toast.js';
import { formatInt } from '../../format.js';
import { TodayItem } from '../today/item.js';

/**
 * `state`: the queue as `useLoad` holds it; `onChanged()` runs after a task was acted on (the
 * numbers move).
 */
export function LinkedinTasks({ state, scope, canAct, onChanged }) {
  const [hidden, setHidden] = useState(() => new Set());
  const [panel, setPanel] = useState({ id: null, panel: null });
  const hide = (id, on) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const act = async (item, call, done, what) => {
    setPanel({ id: null, panel: null });
    hide(item.id, true);
    try {
      await call();
      toast(done);
      onChanged();
    } catch (e) {
      hide(item.id, false);
      toastFailure(what, e);
    }
  };
  const name = (item) => item.contact_name;
  const handlers = {
    onDone: (item, body) => act(item, () => queueApi.done(item.id, body), `Done: ${name(item)}`, `mark ${name(item)}'s task done`),
    onSnooze: (item, body) => act(item, () => queueApi.snooze(item.id, body), `Snoozed: ${name(item)}`, `snooze ${name(item)}'s task`),
    onSkip: (item, reason) =>
      act(item, () => queueApi.skip(item.id, reason ? { reason } : {}), `Skipped: ${name(item)}`, `skip ${name(item)}'s task`),
  };

  const all = ((state.data && state.data.items) || []).filter((i) => i.kind === 'linkedin');
  const items = all.filter((i) => !hidden.has(i.id));
  const ready = state.data ? state.data.counts.linkedin_ready : 0;

  let body;
  if (state.error && !state.data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the LinkedIn tasks" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading LinkedIn tasks…" />`;
  } else if (!items.length) {
    body = html`<${Empty} title=${ready ? 'Nothing more within today’s limits' : 'No LinkedIn tasks due'} testid="linkedin-tasks-empty">
      ${ready
        ? `${formatInt(ready)} LinkedIn ${ready === 1 ? 'task waits' : 'tasks wait'} for tomorrow's room under the limits.`
        : 'Connection requests and messages from sequences show up here when they are due.'}
      ${scope === 'mine' ? ' Switch to Team to see everyone’s.' : ''}
    <//>`;
  } else {
    body = html`<ol class=${`today-list ${state.loading ? 'is-reloading' : ''}`} aria-label="LinkedIn tasks" data-testid="linkedin-tasks-list">
      ${items.map(
        (item) => html`<${TodayItem}
          key=${item.id}
          item=${item}
          canAct=${canAct}
          linkedinUrl=${item.linkedin_url}
          panel=${panel.id === item.id ? panel.panel : null}
          onOpen=${(p) => setPanel({ id: p ? item.id : null, panel: p })}
          onFocus=${() => {}}
          ...${handlers}
        />`,
      )}
    </ol>`;
  }
  return html`<section class="linkedin-tasks" aria-labelledby="li-tasks" data-testid="linkedin-tasks">
    <div class="linkedin-tasks-head">
      <h2 class="section-title" id="li-tasks">Tasks due now</h2>
      ${state.data && html`<span class="muted" data-testid="linkedin-tasks-count">${formatInt(items.length)} shown · ${formatInt(ready)} ready</span>`}
    </div>
    ${body}
  </section>`;
}
