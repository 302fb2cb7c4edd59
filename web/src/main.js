// The page's entry: the header (navigation, account, sign out) and the router. Routes live
// in the URL's fragment, so every view has a link a person can keep (never with the token):
//   #/run, #/a/{account}/m/{id}, #/a/{account}/history?..., #/a/{account}/compare/{a}/{b},
//   #/a/{account}/schedules, #/a/{account}/schedules/{id}
import { h } from './dom.js';
import { call, session } from './api.js';
import { beginNavigation, errorBox, hashFor, isStale, page } from './views/common.js';
import { showSignIn } from './views/signin.js';
import { showRun } from './views/run.js';
import { leaveMeasurement, showMeasurement } from './views/measurement.js';
import { showHistory } from './views/history.js';
import { showCompare } from './views/compare.js';
import { showSchedule, showSchedules } from './views/schedules.js';

let accounts = null;  // [{id, name}] of the token, once signed in

function header() {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  if (!accounts) return;
  const account = session.account();
  const select = h('select', { id: 'account', 'aria-label': 'Account' },
    ...accounts.map((a) => h('option', { value: a.id, selected: a.id === account }, a.name || a.id)));
  select.addEventListener('change', () => {
    session.setAccount(select.value);
    location.hash = '#/run';
  });
  const signOut = h('button', { id: 'signout', type: 'button' }, 'Sign out');
  signOut.addEventListener('click', () => {
    session.signOut();
    accounts = null;
    location.hash = '#/';
    route();
  });
  nav.append(
    h('a', { href: '#/run' }, 'Run'),
    h('a', { href: hashFor(account, '/history') }, 'History'),
    h('a', { href: hashFor(account, '/schedules') }, 'Schedules'),
    h('label', { class: 'account' }, 'Account ', select),
    signOut);
  for (const link of nav.querySelectorAll('a')) {
    if (location.hash.startsWith(link.getAttribute('href'))) link.setAttribute('aria-current', 'page');
  }
}

async function ensureSignedIn() {
  if (accounts) return true;
  if (!session.token()) return false;
  try {
    accounts = (await call('GET', '/accounts')).result;
    return true;
  } catch {
    session.signOut();
    return false;
  }
}

export async function route() {
  // "#main" (the skip link) and other fragments that are not routes move focus, not the page.
  if (location.hash !== '' && !location.hash.startsWith('#/')) return;
  const nav = beginNavigation();
  leaveMeasurement();
  const signedIn = await ensureSignedIn();
  if (isStale(nav)) return;
  if (!signedIn) {
    document.getElementById('nav').replaceChildren();
    showSignIn((list) => {
      accounts = list;
      if (location.hash === '' || location.hash === '#/') location.hash = '#/run';
      else route();
    });
    return;
  }
  const [path, queryText] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryText ?? '');
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    header();
    page('Not found', errorBox(new Error('this link is malformed')));
    return;
  }
  if (parts[0] === 'a' && parts.length >= 3) {
    if (!accounts.some((a) => a.id === parts[1])) {
      header();
      page('Not found', errorBox(new Error(`this token may not use account ${parts[1]}`)));
      return;
    }
    session.setAccount(parts[1]);
  }
  header();
  const account = session.account();
  try {
    if (parts.length === 0 || parts[0] === 'run') return await showRun(account, nav);
    const [, acc, view, x, y] = parts;
    if (view === 'm' && x) return await showMeasurement(acc, x, nav);
    if (view === 'history') return await showHistory(acc, query, nav);
    if (view === 'compare' && x && y) return await showCompare(acc, x, y, nav);
    if (view === 'schedules' && x) return await showSchedule(acc, x, nav);
    if (view === 'schedules') return await showSchedules(acc, nav);
    page('Not found', h('p', {}, 'No such page. ', h('a', { href: '#/run' }, 'Run a traceroute')));
  } catch (e) {
    if (!isStale(nav)) page('Something went wrong', errorBox(e));
  }
}

window.addEventListener('hashchange', route);
route();
