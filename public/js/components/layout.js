// The app frame: a sidebar of the screens the signed-in user may open, with who they are and
// Sign out at its foot; it collapses behind a menu button on narrow screens. Then the main area.
import { html, useEffect, useState } from '../preact.js';
import { auth, isAbort } from '../api.js';
import { canReadAudit, canReviewDrafts, canWriteContacts, roleLabel } from '../access.js';
import { navigate } from '../router.js';
import { Toasts, toast } from './toast.js';

const NAV = [
  { href: '/dashboard', label: 'Dashboard', testid: 'nav-dashboard', match: (p) => p.startsWith('/dashboard'), icon: 'dashboard' },
  { href: '/today', label: 'Today', testid: 'nav-today', match: (p) => p === '/' || p.startsWith('/today'), icon: 'today' },
  { href: '/replies', label: 'Replies', testid: 'nav-replies', match: (p) => p.startsWith('/replies'), icon: 'reply' },
  { href: '/contacts', label: 'Contacts', testid: 'nav-contacts', match: (p) => p.startsWith('/contacts'), icon: 'people' },
  { href: '/pipeline', label: 'Pipeline', testid: 'nav-pipeline', match: (p) => p.startsWith('/pipeline'), icon: 'board' },
  { href: '/import', label: 'Import', testid: 'nav-import', match: (p) => p === '/import' || p.startsWith('/import/'), icon: 'upload', show: canWriteContacts },
  { href: '/accounts', label: 'Accounts', testid: 'nav-accounts', match: (p) => p.startsWith('/accounts'), icon: 'building' },
  { href: '/opportunities', label: 'Opportunities', testid: 'nav-opportunities', match: (p) => p.startsWith('/opportunities'), icon: 'target' },
  { href: '/linkedin', label: 'LinkedIn', testid: 'nav-linkedin', match: (p) => p.startsWith('/linkedin'), icon: 'linkedin' },
  { href: '/review', label: 'Review', testid: 'nav-review', match: (p) => p.startsWith('/review'), icon: 'inbox', show: canReviewDrafts },
  { href: '/sequences', label: 'Sequences', testid: 'nav-sequences', match: (p) => p.startsWith('/sequences'), icon: 'steps' },
  { href: '/batches', label: 'Batches', testid: 'nav-batches', match: (p) => p.startsWith('/batches'), icon: 'layers' },
  { href: '/experiments', label: 'Experiments', testid: 'nav-experiments', match: (p) => p.startsWith('/experiments'), icon: 'flask' },
  { href: '/analytics', label: 'Analytics', testid: 'nav-analytics', match: (p) => p.startsWith('/analytics'), icon: 'chart' },
  { href: '/agents', label: 'Agents', testid: 'nav-agents', match: (p) => p.startsWith('/agents'), icon: 'agents' },
  { href: '/audit', label: 'Audit log', testid: 'nav-audit', match: (p) => p.startsWith('/audit'), icon: 'history', show: canReadAudit },
  { href: '/settings/profile', label: 'Settings', testid: 'nav-settings', match: (p) => p.startsWith('/settings'), icon: 'settings' },
  { href: '/status', label: 'Status', testid: 'nav-status', match: (p) => p.startsWith('/status'), icon: 'pulse' },
];

const ICONS = {
  dashboard: html`<rect x="4" y="4" width="7" height="9" rx="1"/><rect x="13" y="4" width="7" height="5" rx="1"/><rect x="13" y="11" width="7" height="9" rx="1"/><rect x="4" y="15" width="7" height="5" rx="1"/>`,
  chart: html`<path d="M4 20h16M7 16v-5M12 16V7M17 16v-8"/>`,
  flask: html`<path d="M9.5 3.5h5M10.5 3.5v5.2L5.3 17.6A1.6 1.6 0 0 0 6.7 20h10.6a1.6 1.6 0 0 0 1.4-2.4l-5.2-8.9V3.5M7.8 14h8.4"/>`,
  building: html`<path d="M4 20V5a1 1 0 0 1 1-1h8a1 1 0 0 1 1 1v15M14 9h5a1 1 0 0 1 1 1v10M3 20h18M8 8h2M8 12h2M8 16h2"/>`,
  people: html`<circle cx="9" cy="8" r="3.2"/><path d="M3 20c0-3.3 2.7-6 6-6s6 2.7 6 6M16 4.6a3.2 3.2 0 0 1 0 6.3M18 14.3c1.8.8 3 2.6 3 4.7"/>`,
  reply: html`<path d="M10 8 5 12l5 4M5 12h9a5 5 0 0 1 5 5v1"/>`,
  inbox: html`<path d="M4 13l2.5-8h11L20 13M4 13v6h16v-6M4 13h5l1 2h4l1-2h5"/>`,
  steps: html`<path d="M5 6h3M5 12h3M5 18h3M11 6h8M11 12h8M11 18h8"/>`,
  pulse: html`<path d="M3 12h4l2-5 4 10 2-5h6"/>`,
  board: html`<rect x="3" y="4" width="5" height="16" rx="1"/><rect x="10" y="4" width="5" height="11" rx="1"/><rect x="17" y="4" width="4" height="7" rx="1"/>`,
  target: html`<circle cx="12" cy="12" r="8"/><circle cx="12" cy="12" r="4"/><circle cx="12" cy="12" r="0.5"/>`,
  layers: html`<path d="M12 4 3 8.5l9 4.5 9-4.5L12 4zM3 12.5l9 4.5 9-4.5M3 16.5l9 4.5 9-4.5"/>`,
  linkedin: html`<rect x="3.5" y="3.5" width="17" height="17" rx="2.5"/><path d="M8 10.5V16M8 7.8v.1M11.5 16v-5.5M11.5 13c0-1.7 1-2.7 2.4-2.7s2.1 1 2.1 2.7V16"/>`,
  today: html`<rect x="4" y="5" width="16" height="15" rx="1.5"/><path d="M4 10h16M8 3v4M16 3v4M8.5 14.5l2 2 4-4"/>`,
  agents: html`<rect x="5" y="7" width="14" height="12" rx="2"/><path d="M12 3v4M9 12v1M15 12v1M9.5 16h5M3 12v3M21 12v3"/>`,
  menu: html`<path d="M4 7h16M4 12h16M4 17h16"/>`,
  close: html`<path d="M6 6l12 12M18 6L6 18"/>`,
  upload: html`<path d="M12 15V4M7.5 8.5 12 4l4.5 4.5M4 15v4a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4"/>`,
  history: html`<path d="M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l3 3"/>`,
  settings: html`<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>`,
  logout: html`<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l-5-5 5-5M5 12h11"/>`,
};

export function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${ICONS[name]}</svg>`;
}

function initials(user) {
  const source = (user.name || user.email || '?').trim();
  const parts = source.split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0] || '?')[0] + (parts.length > 1 ? parts[1][0] : '')).toUpperCase();
}

/** The signed-in user's name and role, and Sign out. */
function UserCard({ user }) {
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await auth.logout();
    } catch (e) {
      // The local session is gone either way; say so only if the server could not be told.
      if (!isAbort(e) && e.status !== 401) toast(`Signed out here, but the server said: ${e.message}`, { kind: 'info' });
    }
    navigate('/login', { replace: true });
  };
  return html`
    <div class="user-card" data-testid="user-card">
      <a class="user-link" href="/settings/profile" title=${user.email}>
        <span class="avatar" aria-hidden="true">${initials(user)}</span>
        <span class="user-text">
          <span class="user-name" data-testid="user-name">${user.name || user.email}</span>
          <span class="user-role" data-testid="user-role">${roleLabel(user.role)}</span>
        </span>
      </a>
      <button type="button" class="btn btn-sm btn-ghost sign-out" onClick=${signOut} disabled=${busy} data-testid="sign-out">
        <${Icon} name="logout" />
        <span>${busy ? 'Signing out…' : 'Sign out'}</span>
      </button>
    </div>
  `;
}

export function Layout({ path, user, children }) {
  const [open, setOpen] = useState(false);

  // Close the phone menu after navigating and on Escape.
  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return undefined;
    const first = document.querySelector('#primary-nav .nav-link');
    if (first) first.focus();
    const onKey = (e) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      document.querySelector('.menu-button')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);

  return html`
    <a class="skip-link" href="#main">Skip to content</a>
    <div class=${`shell ${open ? 'nav-open' : ''}`}>
      <header class="topbar">
        <a class="brand" href="/" aria-label="OCC home">
          <span class="brand-mark" aria-hidden="true">O</span>
          <span class="brand-name">OCC</span>
        </a>
        <button
          type="button"
          class="menu-button"
          data-testid="menu-button"
          aria-label=${open ? 'Close menu' : 'Open menu'}
          aria-expanded=${open ? 'true' : 'false'}
          aria-controls="primary-nav"
          onClick=${() => setOpen(!open)}
        >
          <${Icon} name=${open ? 'close' : 'menu'} />
        </button>
      </header>
      <nav id="primary-nav" class="sidebar" aria-label="Main" data-testid="nav">
        <a class="brand sidebar-brand" href="/">
          <span class="brand-mark" aria-hidden="true">O</span>
          <span class="brand-name">Outreach Command Center</span>
        </a>
        <ul class="nav-list">
          ${NAV.filter((item) => !item.show || item.show(user)).map(
            (item) => html`
              <li key=${item.href}>
                <a
                  class="nav-link"
                  href=${item.href}
                  data-testid=${item.testid}
                  aria-current=${item.match(path) ? 'page' : undefined}
                >
                  <${Icon} name=${item.icon} />
                  <span>${item.label}</span>
                </a>
              </li>
            `,
          )}
        </ul>
        ${user && html`<${UserCard} user=${user} />`}
      </nav>
      <div class="scrim" aria-hidden="true" onClick=${() => setOpen(false)}></div>
      <main id="main" class="main" tabindex="-1">${children}</main>
    </div>
    <${Toasts} />
  `;
}

/** A screen's title row: heading, optional breadcrumb and actions on the right. */
export function PageHeader({ title, crumbs, actions, testid }) {
  return html`
    <div class="page-header">
      <div class="page-header-text">
        ${crumbs &&
        html`<nav class="crumbs" aria-label="Breadcrumb">
          ${crumbs.map(
            (c, i) => html`<span key=${i}>${c.href ? html`<a href=${c.href}>${c.label}</a>` : c.label}</span>`,
          )}
        </nav>`}
        <h1 class="page-title" tabindex="-1" data-testid=${testid || 'page-title'}>${title}</h1>
      </div>
      ${actions && html`<div class="page-actions">${actions}</div>`}
    </div>
  `;
}
