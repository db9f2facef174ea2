// Entry point: the route table and the app frame.
import { html, render, useEffect, useRef } from './preact.js';
import { matchRoute, useLocation } from './router.js';
import { Layout } from './components/layout.js';
import { NotFound } from './components/states.js';
import { StatusScreen } from './screens/status.js';
import { AccountsListScreen } from './screens/accounts-list.js';
import { AccountDetailScreen } from './screens/account-detail.js';
import { AccountCreateScreen, AccountEditScreen } from './screens/account-form.js';

// The start page is the accounts list; one URL for it keeps reloads and the nav simple.
if (window.location.pathname === '/') {
  window.history.replaceState(window.history.state, '', `/accounts${window.location.search}`);
}

// Order matters: /accounts/new before /accounts/:id.
const ROUTES = [
  { path: '/', screen: AccountsListScreen, title: 'Accounts', key: 'accounts' },
  { path: '/accounts', screen: AccountsListScreen, title: 'Accounts', key: 'accounts' },
  { path: '/accounts/new', screen: AccountCreateScreen, title: 'New account' },
  { path: '/accounts/:id', screen: AccountDetailScreen, title: 'Account' },
  { path: '/accounts/:id/edit', screen: AccountEditScreen, title: 'Edit account' },
  { path: '/status', screen: StatusScreen, title: 'Status' },
];

function App() {
  const location = useLocation();
  const match = matchRoute(ROUTES, location.path);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${match ? match.route.title : 'Not found'} · OCC`;
    // After a navigation (not the first load), start at the top and move focus to the
    // content, so keyboard and screen-reader users land on the new screen.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }, [location.path]);

  let content;
  if (match) {
    const Screen = match.route.screen;
    content = html`<${Screen} key=${(match.route.key || match.route.path) + JSON.stringify(match.params)} params=${match.params} location=${location} />`;
  } else {
    content = html`<section class="page"><${NotFound} /></section>`;
  }
  return html`<${Layout} path=${location.path}>${content}<//>`;
}

render(html`<${App} />`, document.getElementById('app'));
