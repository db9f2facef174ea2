// The app frame: a sidebar of the screens that exist, which collapses behind a menu button on
// narrow screens, and the main area.
import { html, useEffect, useState } from '../preact.js';
import { Toasts } from './toast.js';

const NAV = [
  { href: '/accounts', label: 'Accounts', match: (p) => p === '/' || p.startsWith('/accounts'), icon: 'building' },
  { href: '/status', label: 'Status', match: (p) => p.startsWith('/status'), icon: 'pulse' },
];

const ICONS = {
  building: html`<path d="M4 20V5a1 1 0 0 1 1-1h8a1 1 0 0 1 1 1v15M14 9h5a1 1 0 0 1 1 1v10M3 20h18M8 8h2M8 12h2M8 16h2"/>`,
  pulse: html`<path d="M3 12h4l2-5 4 10 2-5h6"/>`,
  menu: html`<path d="M4 7h16M4 12h16M4 17h16"/>`,
  close: html`<path d="M6 6l12 12M18 6L6 18"/>`,
};

export function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${ICONS[name]}</svg>`;
}

export function Layout({ path, children }) {
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
        <a class="brand" href="/accounts" aria-label="OCC home">
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
        <a class="brand sidebar-brand" href="/accounts">
          <span class="brand-mark" aria-hidden="true">O</span>
          <span class="brand-name">Outreach Command Center</span>
        </a>
        <ul class="nav-list">
          ${NAV.map(
            (item) => html`
              <li key=${item.href}>
                <a
                  class="nav-link"
                  href=${item.href}
                  data-testid=${`nav-${item.label.toLowerCase()}`}
                  aria-current=${item.match(path) ? 'page' : undefined}
                >
                  <${Icon} name=${item.icon} />
                  <span>${item.label}</span>
                </a>
              </li>
            `,
          )}
        </ul>
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
