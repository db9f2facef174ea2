// "Mine | Team": whose work a screen shows (Today, Replies, LinkedIn). Viewers work nothing and
// always see the team's, so screens leave the toggle out for them.
import { html } from '../preact.js';

const SCOPES = [
  ['mine', 'Mine'],
  ['team', 'Team'],
];

/** The two buttons; `scope` is 'mine' or 'team', `onChange(scope)` picks one; `label` names the group. */
export function ScopeToggle({ scope, onChange, label = 'Whose work' }) {
  return html`<div class="today-scope" role="group" aria-label=${label} data-testid="scope-toggle">
    ${SCOPES.map(
      ([value, text]) => html`<button
        key=${value}
        type="button"
        class=${`btn btn-sm ${scope === value ? 'btn-primary' : ''}`}
        aria-pressed=${String(scope === value)}
        onClick=${() => onChange(value)}
        data-testid=${`scope-${value}`}
      >
        ${text}
      </button>`,
    )}
  </div>`;
}
