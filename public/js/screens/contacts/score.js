// A contact's priority score card: the score, the factors it is made of, and a small chart of
// its history (every change the server recorded, oldest first), drawn as inline SVG with the
// same numbers in a table for screen readers. The history is fetched again whenever the contact
// is (a signal added or removed, an edit, a stage move: the server rescored it).
import { html } from '../../preact.js';
import { contacts as contactsApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { Meter, scoreTone } from '../../components/meter.js';
import { formatDate, formatDateTime } from '../../format.js';

/** `industry_fit` → "Industry fit". */
export function factorLabel(key) {
  const words = String(key).replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The chart's drawing box (viewBox units); it scales with the card's width.
const W = 300;
const H = 100;
const LEFT = 26;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 8;
const GRID = [0, 50, 100];

function describe(items) {
  const first = items[0];
  const last = items[items.length - 1];
  const scores = items.map((p) => p.score);
  if (items.length === 1) return `One score so far: ${last.score} on ${formatDateTime(last.computed_at)}.`;
  return (
    `${items.length} scores from ${formatDate(first.computed_at)} to ${formatDate(last.computed_at)}: ` +
    `first ${first.score}, now ${last.score}, lowest ${Math.min(...scores)}, highest ${Math.max(...scores)}.`
  );
}

/** The chart of `items` ({ score, computed_at, config_version }, oldest first), one point a score. */
function HistoryChart({ items }) {
  const n = items.length;
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const clamp = (s) => Math.max(0, Math.min(100, Number(s) || 0));
  const x = (i) => (n === 1 ? LEFT + plotW / 2 : LEFT + (i / (n - 1)) * plotW);
  const y = (s) => TOP + (1 - clamp(s) / 100) * plotH;
  const line = items.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.score).toFixed(1)}`).join(' ');
  const r = n > 60 ? 1.6 : 3;
  return html`
    <svg class="history-chart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby="score-history-title score-history-desc" focusable="false">
      <title id="score-history-title">Score history</title>
      <desc id="score-history-desc">${describe(items)}</desc>
      ${GRID.map(
        (g) => html`<g key=${g}>
          <line class="history-grid" x1=${LEFT} x2=${W - RIGHT} y1=${y(g)} y2=${y(g)} />
          <text class="history-tick" x=${LEFT - 5} y=${y(g) + 3}>${g}</text>
        </g>`,
      )}
      ${n > 1 && html`<path class="history-line" d=${line} />`}
      ${items.map(
        (p, i) => html`<circle
          key=${i}
          class=${`history-point ${i === n - 1 ? 'is-last' : ''}`}
          cx=${x(i).toFixed(1)}
          cy=${y(p.score).toFixed(1)}
          r=${i === n - 1 ? r + 1 : r}
          data-testid="score-point"
          data-score=${p.score}
        >
          <title>${`${p.score} on ${formatDateTime(p.computed_at)} (model version ${p.config_version})`}</title>
        </circle>`,
      )}
    </svg>
  `;
}

/** The history of `contact`'s score; loads again when `contact` is replaced (reloaded). */
function ScoreHistory({ contact }) {
  const state = useLoad((signal) => contactsApi.scoreHistory(contact.id, { signal }), [contact]);
  const items = (state.data && Array.isArray(state.data.items) ? state.data.items : []).filter((p) => Number.isFinite(Number(p.score)));

  let body;
  if (state.error) {
    body = html`<p class="card-text history-error" role="alert">
      Could not load the history: ${state.error.message}
      <button type="button" class="btn btn-sm btn-ghost" onClick=${state.retry}>Try again</button>
    </p>`;
  } else if (!state.data) {
    body = html`<p class="muted card-text" role="status">Loading the history…</p>`;
  } else if (!items.length) {
    body = html`<p class="muted card-text" data-testid="score-history-empty">No score history yet.</p>`;
  } else {
    const first = items[0];
    const last = items[items.length - 1];
    body = html`
      <${HistoryChart} items=${items} />
      <div class=${`history-axis muted ${items.length === 1 ? 'is-single' : ''}`} aria-hidden="true">
        <span>${formatDate(first.computed_at)}</span>
        ${items.length > 1 && html`<span>${formatDate(last.computed_at)}</span>`}
      </div>
      <table class="visually-hidden">
        <caption>Score history, oldest first</caption>
        <thead><tr><th scope="col">Computed</th><th scope="col">Score</th><th scope="col">Model version</th></tr></thead>
        <tbody>
          ${items.map((p, i) => html`<tr key=${i}><td>${formatDateTime(p.computed_at)}</td><td>${p.score}</td><td>${p.config_version}</td></tr>`)}
        </tbody>
      </table>
    `;
  }
  return html`
    <figure class=${`score-history ${state.loading && state.data ? 'is-busy' : ''}`} data-testid="score-history" data-count=${state.data ? items.length : undefined} aria-busy=${state.loading ? 'true' : 'false'}>
      <figcaption class="score-history-head">
        <span class="score-history-title">History</span>
        ${items.length ? html`<span class="muted">${items.length} ${items.length === 1 ? 'score' : 'scores'}</span>` : null}
      </figcaption>
      ${body}
    </figure>
  `;
}

export function ScoreCard({ contact }) {
  const score = Number(contact.priority_score) || 0;
  const raw = contact.priority_factors && typeof contact.priority_factors === 'object' ? contact.priority_factors : {};
  const factors = Object.entries(raw)
    .map(([key, points]) => ({ key, points: Number(points) }))
    .filter((f) => Number.isFinite(f.points))
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  const largest = Math.max(1, ...factors.map((f) => Math.abs(f.points)));
  return html`
    <section class="card card-padded" aria-labelledby="score-title" data-testid="score-card">
      <h2 class="card-title" id="score-title">Priority score</h2>
      <div class="score-big">
        <span class="score-big-number" data-testid="score-value">${score}</span><span class="muted"> / 100</span>
      </div>
      <${Meter} value=${score} tone=${scoreTone(score)} label=${`Priority ${score} of 100`} className="score-big-meter" />
      ${factors.length
        ? html`<ul class="factors" aria-label="What the score is made of" data-testid="score-factors">
            ${factors.map(
              (f) => html`<li key=${f.key} class="factor" data-testid="score-factor" data-factor=${f.key} data-points=${f.points}>
                <span class="factor-name">${factorLabel(f.key)}</span>
                <${Meter}
                  value=${f.points}
                  max=${largest}
                  tone=${f.points < 0 ? 'negative' : 'factor'}
                  label=${`${factorLabel(f.key)}: ${f.points} points`}
                  className="factor-meter"
                />
                <span class="factor-points">${f.points > 0 ? '+' : ''}${f.points}</span>
              </li>`,
            )}
          </ul>`
        : html`<p class="muted card-text" data-testid="score-unscored">
            ${score ? 'Not scored yet by the scoring model: there is no breakdown of this score.' : 'Not scored yet.'}
          </p>`}
      <${ScoreHistory} contact=${contact} />
    </section>
  `;
}
