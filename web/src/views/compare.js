// Compare two measurements: per target and colo they share, what answered at each TTL in
// each, and which TTLs changed (a word in its own column: colour is never the only sign).
import { h } from '../dom.js';
import { call, traceroutePath } from '../api.js';
import { when } from '../format.js';
import { compareColos, pairResults } from '../paths.js';
import { isStale, link, page } from './common.js';

const WORDS = { same: '', changed: 'changed', silent: 'no reply on one side', missing: 'only in one' };

export async function showCompare(account, first, second, nav) {
  const [a, b] = await Promise.all([first, second].map((id) =>
    call('GET', traceroutePath(account, `/measurements/${id}`)).then((e) => e.result)));
  if (isStale(nav)) return;
  const pairs = pairResults(a.result, b.result);
  const tables = pairs.map(({ target, colo, before, after }) => {
    const rows = compareColos(before, after);
    const changed = rows.filter((r) => r.change === 'changed').length;
    return h('table', { class: 'diff', 'data-target': target, 'data-colo': colo },
      h('caption', {}, `${colo} → ${target}: ${changed ? `${changed} TTL(s) changed` : 'same path'}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'TTL'),
        h('th', { scope: 'col' }, `A (${when(a.created_at)})`),
        h('th', { scope: 'col' }, `B (${when(b.created_at)})`),
        h('th', { scope: 'col' }, 'Change'))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-ttl': r.ttl, class: r.change },
        h('th', { scope: 'row' }, r.ttl),
        h('td', { 'data-side': 'a' }, r.before.join(', ') || '*'),
        h('td', { 'data-side': 'b' }, r.after.join(', ') || '*'),
        h('td', { 'data-col': 'change' }, WORDS[r.change])))));
  });
  page('Compare',
    h('p', {}, 'A: ', link(account, `/m/${a.id}`, a.id), ' · B: ', link(account, `/m/${b.id}`, b.id)),
    h('div', { id: 'compare-view' },
      tables.length ? tables : h('p', {}, 'The two measurements share no target and colo.')));
}
