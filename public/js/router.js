// History-based routing: the server answers index.html for every path outside /api, so
// links are real paths (/accounts/123) and reloads land on the same screen.
import { useEffect, useState } from './preact.js';

const listeners = new Set();

function current() {
  return {
    path: window.location.pathname.replace(/\/+$/, '') || '/',
    query: new URLSearchParams(window.location.search),
    state: window.history.state || {},
  };
}

function notify(kind) {
  for (const fn of listeners) fn(kind);
}

/** Goes to `to` (path with optional query). `replace` rewrites the current history entry. */
export function navigate(to, { replace = false, state = null } = {}) {
  const target = new URL(to, window.location.origin);
  const here = window.location.pathname + window.location.search;
  // The hash is kept (/contacts/1#prep), so a screen can scroll to the part it names.
  const next = target.pathname + target.search + target.hash;
  if (replace || next === here) {
    window.history.replaceState(state, '', next);
  } else {
    window.history.pushState(state, '', next);
  }
  notify('push');
}

window.addEventListener('popstate', () => notify('pop'));

// Plain <a href="/..."> links become client-side navigations; modified clicks (new tab),
// downloads, external links and /api links keep the browser's behaviour.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.target.closest && event.target.closest('a[href]');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
  // A link to a part of this page (#main): the browser scrolls to it.
  if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

/** The current location; re-renders the caller on every navigation. */
export function useLocation() {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const fn = () => setLoc(current());
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, []);
  return loc;
}

/**
 * Matches `path` against route patterns such as `/accounts/:id/edit`.
 * Returns `{ route, params }` for the first match, or null.
 */
export function matchRoute(routes, path) {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < pattern.length; i += 1) {
      if (pattern[i].startsWith(':')) {
        try {
          params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
          break;
        }
      } else if (pattern[i] !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return null;
}

/** Builds `path?query` from an object, leaving out empty values. */
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
