// Status: what GET /api/v1/health reports: service, version, database and schema version.
import { html, useCallback, useEffect, useState } from '../../preact.js';
import { health, isAbort } from '../../api.js';
import { PageHeader } from '../../components/layout.js';
import { ErrorState, Loading } from '../../components/states.js';
import { formatDateTime } from '../../format.js';

function Badge({ ok, children, testid }) {
  return html`<span class=${`badge ${ok ? 'badge-ok' : 'badge-bad'}`} data-testid=${testid}>
    <span class="badge-dot" aria-hidden="true"></span>${children}
  </span>`;
}

export function StatusScreen() {
  const [state, setState] = useState({ loading: true, data: null, error: null, checkedAt: null });
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    health
      .get({ signal: ctrl.signal })
      .then((data) => setState({ loading: false, data, error: null, checkedAt: new Date().toISOString() }))
      .catch((error) => {
        if (!isAbort(error)) setState({ loading: false, data: null, error, checkedAt: new Date().toISOString() });
      });
    return () => ctrl.abort();
  }, [tick]);

  const { loading, data, error, checkedAt } = state;
  const actions = html`<button type="button" class="btn" onClick=${refresh} disabled=${loading} data-testid="status-refresh">
    ${loading ? 'Checking…' : 'Check again'}
  </button>`;

  let body;
  if (loading && !data && !error) {
    body = html`<${Loading} label="Checking the service…" />`;
  } else if (error) {
    const behind = error.status === 503;
    body = html`
      <div class="status-banner status-banner-bad" data-testid="status-summary">
        <strong>${behind ? 'Service unavailable' : 'Health check failed'}</strong>
        <span>${behind ? 'The API answered 503: the database is not ready for this version.' : 'The health endpoint did not answer normally.'}</span>
      </div>
      <${ErrorState} error=${error} title=${behind ? 'Database not ready' : 'Could not check health'} onRetry=${refresh} />
    `;
  } else if (data) {
    const allOk = data.status === 'ok' && data.database === 'ok';
    const sv = data.schema_version || {};
    const schemaOk = sv.applied !== undefined && sv.applied === sv.expected;
    body = html`
      <div class=${`status-banner ${allOk ? 'status-banner-ok' : 'status-banner-bad'}`} data-testid="status-summary">
        <strong>${allOk ? 'All systems operational' : 'Degraded'}</strong>
        <span>Last checked ${formatDateTime(checkedAt)}</span>
      </div>
      <div class="card">
        <dl class="kv" data-testid="health">
          <div class="kv-row">
            <dt>Service</dt>
            <dd><${Badge} ok=${data.status === 'ok'} testid="health-status">${data.status}<//></dd>
          </div>
          <div class="kv-row">
            <dt>Database</dt>
            <dd><${Badge} ok=${data.database === 'ok'} testid="health-database">${data.database}<//></dd>
          </div>
          <div class="kv-row">
            <dt>Schema version</dt>
            <dd data-testid="health-schema">
              <${Badge} ok=${schemaOk}>${schemaOk ? 'up to date' : 'mismatch'}<//>
              <span class="muted kv-aside">applied ${sv.applied ?? '?'} · expected ${sv.expected ?? '?'}</span>
            </dd>
          </div>
          <div class="kv-row">
            <dt>Version</dt>
            <dd><code data-testid="health-version">${data.version}</code></dd>
          </div>
          ${Object.entries(data)
            .filter(([k]) => !['status', 'version', 'database', 'schema_version'].includes(k))
            .map(
              ([k, v]) => html`<div class="kv-row" key=${k}>
                <dt>${k.replace(/_/g, ' ')}</dt>
                <dd>${typeof v === 'object' && v !== null ? html`<code>${JSON.stringify(v)}</code>` : String(v)}</dd>
              </div>`,
            )}
        </dl>
      </div>
    `;
  }

  return html`
    <section class="page page-narrow" data-testid="status-screen">
      <${PageHeader} title="Status" actions=${actions} />
      ${body}
    </section>
  `;
}
