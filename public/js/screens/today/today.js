// Today (/today, the start page): one ranked list of what to do now, mine or the team's, with
// the day's numbers, LinkedIn's limits and each identity's sending on top. Acting on an item
// (done, skip, snooze, book the meeting, say whether an interrupted send went out) takes it off
// the list at once and refreshes the numbers and the sending gauges; a refusal brings it back
// with the server's message in a toast. "Send now" keeps the email in the list while it goes,
// and a refusal is said next to it. Viewers see the list without the actions.
// Keyboard: j/k move, d done (a call opens its form), x skip (opens its reason), s snoozes for 4 hours.
import { html, useEffect, useRef, useState } from '../../preact.js';
import {
  drafts as draftsApi,
  opportunities as opportunitiesApi,
  pacing as pacingApi,
  queue as queueApi,
  touchpoints as touchpointsApi,
} from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { ScopeToggle } from '../../components/scope-toggle.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast, toastFailure } from '../../components/toast.js';
import { SendingToday, TodayCounts, TodayStrip } from './counts.js';
import { KINDS, TodayItem, sendOutcome } from './item.js';

const LIMIT = 200;

function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** An item as listed: a send that was checked comes back under the same id as an email to send again. */
const listedAs = (item) => `${item.kind}|${item.id}`;

function typing(target) {
  return target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function TodayScreen({ location, user }) {
  const scope = location.query.get('scope') === 'team' ? 'team' : 'mine';
  const tz = browserTimeZone();
  const state = useLoad((signal) => queueApi.list({ scope, tz, limit: LIMIT }, { signal }), [scope]);
  // The identities' sending today, again after each action (the strip stays away when it fails).
  const sending = useLoad((signal) => pacingApi.today({ signal }), []);
  // Items acted on and not yet gone from the server's answer (by `listedAs`).
  const [hidden, setHidden] = useState(() => new Set());
  // "Send now" of one email: `{ id, busy, error }`; the email stays in the list meanwhile.
  const [sendNow, setSendNow] = useState({ id: null, busy: false, error: null });
  const [focusId, setFocusId] = useState(null);
  const [panel, setPanel] = useState({ id: null, panel: null });
  const canAct = canWriteContacts(user);

  const items = ((state.data && state.data.items) || []).filter((i) => !hidden.has(listedAs(i)));
  const focusIndex = Math.max(0, items.findIndex((i) => i.id === focusId));
  const focused = items.length ? items[Math.min(focusIndex, items.length - 1)] : null;

  const hide = (item, on) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (on) next.add(listedAs(item));
      else next.delete(listedAs(item));
      return next;
    });

  const refresh = () => {
    state.retry();
    sending.retry();
  };

  /** Takes `item` off the list, runs `call`; on success refreshes the queue and the gauges, on failure puts it back. */
  const act = async (item, call, done, what) => {
    const index = items.findIndex((i) => i.id === item.id);
    const after = items[index + 1] || items[index - 1] || null;
    if (focused && focused.id === item.id) setFocusId(after ? after.id : null);
    setPanel({ id: null, panel: null });
    hide(item, true);
    try {
      await call();
      toast(done);
      refresh();
    } catch (e) {
      hide(item, false);
      toastFailure(what, e);
    }
  };

  const onDone = (item, body) => {
    const label = (KINDS[item.kind] && KINDS[item.kind].done) || 'Done';
    return act(item, () => queueApi.done(item.id, body), `${label}: ${item.contact_name}`, `mark ${item.contact_name}'s item done`);
  };
  const onSnooze = (item, body) =>
    act(item, () => queueApi.snooze(item.id, body), `Snoozed: ${item.contact_name}`, `snooze ${item.contact_name}'s item`);
  const onSkip = (item, reason) =>
    act(
      item,
      () => queueApi.skip(item.id, reason ? { reason } : {}),
      `Skipped: ${item.contact_name}`,
      `skip ${item.contact_name}'s item`,
    );
  const onResolve = (item, status) =>
    act(
      item,
      () => touchpointsApi.resolve(item.touchpoint_id, { status }),
      status === 'sent' ? `Marked as sent: ${item.contact_name}` : `Marked as not sent: ${item.contact_name}`,
      `settle the send to ${item.contact_name}`,
    );
  /** Sends the email now; it stays listed, and a refusal (409, 503) is said next to it. */
  const onSendNow = async (item) => {
    if (sendNow.busy) return;
    setSendNow({ id: item.id, busy: true, error: null });
    try {
      const result = await draftsApi.send(item.draft_id);
      setSendNow({ id: null, busy: false, error: null });
      const { message, kind } = sendOutcome(result && result.status, item.contact_name);
      toast(message, { kind, timeoutMs: kind === 'success' ? 4000 : 8000 });
      refresh();
    } catch (e) {
      setSendNow({ id: item.id, busy: false, error: e });
    }
  };
  const onBook = (item, meetingAt) =>
    act(
      item,
      () => opportunitiesApi.create({ contact_id: item.contact_id, reply_id: item.reply_id || undefined, meeting_at: meetingAt }),
      `Meeting booked with ${item.contact_name}`,
      `book the meeting with ${item.contact_name}`,
    );

  // Forget hidden items once the server no longer lists them (a snooze that ends comes back).
  useEffect(() => {
    if (!state.data || state.loading) return;
    const listed = new Set(state.data.items.map(listedAs));
    setHidden((prev) => {
      const keep = [...prev].filter((id) => listed.has(id));
      return keep.length === prev.size ? prev : new Set(keep);
    });
  }, [state.data, state.loading]);

  // The handler of the latest render, so a key pressed right after a change (before effects
  // run again) acts on what the page shows, never on a stale focus.
  const onKey = useRef(null);
  onKey.current = (e) => {
    if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || typing(e.target)) return;
    if (document.querySelector('dialog[open]')) return;
    if (!items.length) return;
    const i = Math.min(focusIndex, items.length - 1);
    if (e.key === 'j') setFocusId(items[Math.min(i + 1, items.length - 1)].id);
    else if (e.key === 'k') setFocusId(items[Math.max(i - 1, 0)].id);
    else if (e.key === 'd' && canAct && focused) {
      const kind = KINDS[focused.kind];
      if (!kind || !kind.done) return;
      if (focused.kind === 'call') setPanel({ id: focused.id, panel: 'call' });
      else onDone(focused, {});
    } else if (e.key === 'x' && canAct && focused) {
      const kind = KINDS[focused.kind];
      if (!kind || !kind.skip) return;
      setPanel({ id: focused.id, panel: 'skip' });
    } else if (e.key === 's' && canAct && focused) onSnooze(focused, { hours: 4 });
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const listener = (e) => onKey.current && onKey.current(e);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  useEffect(() => {
    if (!focusId) return;
    const el = document.querySelector(`[data-testid="today-item"][data-focused="true"]`);
    if (el && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
  }, [focusId]);

  // Viewers always see the team's work (the server answers scope=team for them).
  const scopeToggle = html`<${ScopeToggle}
    scope=${scope}
    onChange=${(value) => navigate(withQuery('/today', { scope: value === 'team' ? 'team' : '' }), { replace: true })}
  />`;

  let body;
  if (state.error && !state.data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load Today" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading today's work…" />`;
  } else if (!items.length) {
    body = html`<${Empty} title="Nothing to do right now" testid="today-empty">
      Replies, meetings, follow-ups, drafts to review and tasks show up here when they are due.
      ${scope === 'mine' ? ' Switch to Team to see everyone’s work.' : ''}
    <//>`;
  } else {
    body = html`<ol class=${`today-list ${state.loading ? 'is-reloading' : ''}`} aria-label="What to do now" data-testid="today-list">
      ${items.map(
        (item) => html`<${TodayItem}
          key=${item.id}
          item=${item}
          focused=${focused && focused.id === item.id}
          canAct=${canAct}
          linkedinUrl=${item.linkedin_url}
          panel=${panel.id === item.id ? panel.panel : null}
          sendNow=${sendNow.id === item.id ? sendNow : null}
          onOpen=${(p) => setPanel({ id: p ? item.id : null, panel: p })}
          onFocus=${() => setFocusId(item.id)}
          onDone=${onDone}
          onSnooze=${onSnooze}
          onBook=${onBook}
          onSkip=${onSkip}
          onResolve=${onResolve}
          onSendNow=${onSendNow}
        />`,
      )}
    </ol>`;
  }

  return html`
    <section class="page" data-testid="today">
      <${PageHeader} title="Today" actions=${canAct ? scopeToggle : null} />
      ${state.data && html`<${TodayStrip} counts=${state.data.counts} />`}
      <div class="today-layout">
        <div class="today-main">
          ${canAct && items.length > 0 && html`<p class="shortcut-hint muted">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>d</kbd> done, <kbd>x</kbd> skip, <kbd>s</kbd> snooze 4 h.</p>`}
          ${body}
        </div>
        <aside class="today-aside" aria-label="Today's numbers and limits">
          ${state.data && html`<${TodayCounts} counts=${state.data.counts} />`}
          ${state.data && html`<${SendingToday} pacing=${sending.data} />`}
        </aside>
      </div>
    </section>
  `;
}
