// History: the account's measurements, newest first, with the API's filters and pages; pick
// two to compare.
import { h } from '../dom.js';
import { call, traceroutePath } from '../api.js';
import { when } from '../format.js';
import { errorBox, hashFor, isStale, link, page } from './common.js';

const PER_PAGE = 20;

export async function showHistory(account, query, nav) {
  const filters = {
    target: query.get('target') ?? '',
    colo: query.get('colo') ?? '',
    status: query.get('status') ?? '',
    schedule: query.get('schedule') ?? '',
  };
  const pageNumber = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const picked = new Set((query.get('compare') ?? '').split(',').filter(Boolean));
  const params = new URLSearchParams({ page: String(pageNumber), per_page: String(PER_PAGE) });
  for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);

  const go = (changes) => {
    const next = new URLSearchParams();
    const merged = { ...filters, page: String(pageNumber), compare: [...picked].join(','), ...changes };
    for (const [k, v] of Object.entries(merged)) if (v && !(k === 'page' && v === '1')) next.set(k, v);
    const text = next.toString();
    location.hash = hashFor(account, `/history${text ? `?${text}` : ''}`);
  };

  const input = (name, labelText, props = {}) => h('label', {},
    `${labelText} `, h('input', { id: `f-${name}`, name, value: filters[name], ...props }));
  const filterForm = h('form', { id: 'history-filters', class: 'filters' },
    input('target', 'Target'), input('colo', 'Colo'),
    h('label', {}, 'Status ', h('select', { id: 'f-status', name: 'status' },
      ...['', 'running', 'finished'].map((v) => h('option', { value: v, selected: v === filters.status }, v || 'any')))),
    input('schedule', 'Schedule'),
    h('button', { type: 'submit' }, 'Filter'));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(filterForm);
    go({ target: data.get('target').trim(), colo: data.get('colo').trim(),
      status: data.get('status'), schedule: data.get('schedule').trim(), page: '1' });
  });

  let envelope;
  try {
    envelope = await call('GET', traceroutePath(account, `/measurements?${params}`));
  } catch (e) {
    if (!isStale(nav)) page('History', filterForm, errorBox(e));
    return;
  }
  if (isStale(nav)) return;
  const rows = envelope.result.map((m) => {
    const box = h('input', {
      type: 'checkbox', class: 'compare-pick', value: m.id, checked: picked.has(m.id),
      'aria-label': `compare ${m.id}`,
    });
    box.addEventListener('change', () => {
      if (box.checked) picked.add(m.id);
      else picked.delete(m.id);
      compare.disabled = picked.size !== 2;
    });
    return h('tr', { 'data-id': m.id },
      h('td', {}, box),
      h('td', {}, link(account, `/m/${m.id}`, when(m.created_at), { class: 'open' })),
      h('td', {}, h('span', { class: `status ${m.status}` }, m.status)),
      h('td', {}, (m.request?.targets ?? []).join(', ')),
      h('td', {}, (m.request?.colos ?? []).join(', ') || 'all'),
      h('td', {}, m.request?.options?.packet_type ?? ''));
  });
  const compare = h('button', { id: 'compare', type: 'button', disabled: picked.size !== 2 }, 'Compare the two picked');
  compare.addEventListener('click', () => {
    const [a, b] = [...picked];
    location.hash = hashFor(account, `/compare/${a}/${b}`);
  });
  const info = envelope.result_info ?? { page: pageNumber, per_page: PER_PAGE, count: rows.length, total_count: rows.length };
  const pages = Math.max(1, Math.ceil(info.total_count / info.per_page));
  const prev = h('button', { id: 'prev', type: 'button', disabled: pageNumber <= 1 }, '← Newer');
  const next = h('button', { id: 'next', type: 'button', disabled: pageNumber >= pages }, 'Older →');
  prev.addEventListener('click', () => go({ page: String(pageNumber - 1) }));
  next.addEventListener('click', () => go({ page: String(pageNumber + 1) }));
  page('History', filterForm,
    h('table', { id: 'history', class: 'list' },
      h('caption', {}, `${info.total_count} measurement(s)`),
      h('thead', {}, h('tr', {}, ...['Compare', 'Started', 'Status', 'Targets', 'Colos', 'Type'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows)),
    h('p', { class: 'pager' }, prev, ' ', h('span', { id: 'page-info' }, `page ${pageNumber} of ${pages}`), ' ', next, ' ', compare));
}
