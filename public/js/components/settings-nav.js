// The frame of every Settings page: the heading and the sub-navigation (Profile, API tokens,
// ICP model, Identities, Pacing, Suppression, and Users for admins).
import { html } from '../preact.js';
import { canManageUsers } from '../access.js';
import { PageHeader } from './layout.js';

const SECTIONS = [
  { key: 'profile', href: '/settings/profile', label: 'Profile' },
  { key: 'tokens', href: '/settings/tokens', label: 'API tokens' },
  { key: 'icp', href: '/settings/icp', label: 'ICP model' },
  { key: 'identities', href: '/settings/identities', label: 'Identities' },
  { key: 'pacing', href: '/settings/pacing', label: 'Pacing' },
  { key: 'suppression', href: '/settings/suppression', label: 'Suppression' },
  { key: 'users', href: '/settings/users', label: 'Users', show: canManageUsers },
];

export function SettingsPage({ user, section, actions, testid, children }) {
  return html`
    <section class="page page-narrow" data-testid=${testid}>
      <${PageHeader} title="Settings" actions=${actions} />
      <nav class="tabs" aria-label="Settings" data-testid="settings-nav">
        ${SECTIONS.filter((s) => !s.show || s.show(user)).map(
          (s) => html`<a
            key=${s.key}
            class="tab"
            href=${s.href}
            aria-current=${s.key === section ? 'page' : undefined}
            data-testid=${`settings-${s.key}`}
          >${s.label}</a>`,
        )}
      </nav>
      ${children}
    </section>
  `;
}
