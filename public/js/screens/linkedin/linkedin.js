// LinkedIn (/linkedin): the work done by hand on LinkedIn, mine or the team's as on Today. Its
// numbers (today and this week against the limits, the period with the acceptance rate and the
// requests by day; GET /linkedin/stats) and the LinkedIn tasks due now (GET /queue), which can
// be done, skipped or snoozed here. The period (7, 30 or 90 days) and the scope are in the URL.
import { html } from '../../preact.js';
import { linkedin as linkedinApi, queue as queueApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { ScopeToggle } from '../../components/scope-toggle.js';
import { ErrorState, Loading } from '../../components/states.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { LinkedinStats } from './stats.js';
import { LinkedinTasks } from './tasks.js';

const PERIODS = [7, 30, 90];
const QUEUE_LIMIT = 200;

function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function LinkedinScreen({ location, user }) {
  // Viewers always see the team's numbers (the server answers scope=team for them).
  const canAct = canWriteContacts(user);
  const scope = !canAct || location.query.get('scope') === 'team' ? 'team' : 'mine';
  const asked = Number(location.query.get('days'));
  const days = PERIODS.includes(asked) ? asked : 30;
  const stats = useLoad((signal) => linkedinApi.stats({ scope, days }, { signal }), [scope, days]);
  const tz = browserTimeZone();
  const tasks = useLoad((signal) => queueApi.list({ scope, tz, limit: QUEUE_LIMIT }, { signal }), [scope]);
  const go = (changes) => navigate(withQuery('/linkedin', { scope: scope === 'team' && canAct ? 'team' : '', days: days === 30 ? '' : days, ...changes }), { replace: true });

  const scopeToggle = canAct && html`<${ScopeToggle} scope=${scope} onChange=${(value) => go({ scope: value === 'team' ? 'team' : '' })} />`;
  const period = html`<${ToolbarField}
    id="linkedin-days"
    label="Period"
    as="select"
    value=${String(days)}
    onChange=${(e) => go({ days: e.currentTarget.value === '30' ? '' : e.currentTarget.value })}
    data-testid="linkedin-days"
  >
    ${PERIODS.map((d) => html`<option key=${d} value=${String(d)}>Last ${d} days</option>`)}
  <//>`;

  let numbers;
  if (stats.error && !stats.data) {
    numbers = html`<${ErrorState} error=${stats.error} title="Could not load LinkedIn's numbers" onRetry=${stats.retry} />`;
  } else if (!stats.data) {
    numbers = html`<${Loading} label="Loading LinkedIn's numbers…" />`;
  } else {
    numbers = html`<${LinkedinStats} stats=${stats.data} />`;
  }

  return html`
    <section class="page" data-testid="linkedin">
      <${PageHeader}
        title="LinkedIn"
        actions=${html`<div class="linkedin-controls">${scopeToggle}${period}<${Updating} when=${(stats.loading && stats.data) || (tasks.loading && tasks.data)} /></div>`}
      />
      <p class="muted linkedin-note">
        ${scope === 'team' ? 'Everyone’s LinkedIn work.' : 'Your LinkedIn work.'} OCC never acts on LinkedIn itself: open the
        profile, do the task, then mark it done. Today and this week are counted in the team’s time zone.
      </p>
      ${numbers}
      <${LinkedinTasks}
        state=${tasks}
        scope=${scope}
        canAct=${canAct}
        onChanged=${() => {
          tasks.retry();
          stats.retry();
        }}
      />
    </section>
  `;
}
