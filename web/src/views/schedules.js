// Schedules: the list, and one schedule with the timeline of its confirmed path changes
// (newest first), a link to its runs, and its controls (pause or resume; delete, asked twice;
// its webhook set, changed or removed). Schedules are created from the run form ("Repeat as a
// schedule"). A webhook secret that the server made is shown once, on the schedule's page
// right after it was made: the API never shows it again, and the page keeps it nowhere but in
// memory until then.
import { h } from '../dom.js';
import { call, traceroutePath } from '../api.js';
import { when } from '../format.js';
import { webhookBody } from '../paths.js';
import {
  beginNavigation, clearFieldErrors, errorBox, hashFor, isStale, link, optionRules, page,
  showFieldErrors, webhookFields,
} from './common.js';

let madeSecret = null;  // {id, secret}: the secret the server made for a schedule just created

export function rememberMadeSecret(id, secret) {
  madeSecret = { id, secret };
}

export async function showSchedules(account, nav) {
  let envelope;
  try {
    envelope = await call('GET', traceroutePath(account, '/schedules?per_page=100'));
  } catch (e) {
    if (!isStale(nav)) page('Schedules', errorBox(e));
    return;
  }
  if (isStale(nav)) return;
  const rows = envelope.result.map((sch) => h('tr', { 'data-id': sch.id },
    h('td', {}, link(account, `/schedules/${sch.id}`, sch.name)),
    h('td', {}, sch.targets.join(', ')),
    h('td', {}, sch.colos.join(', ') || 'all'),
    h('td', { class: 'num' }, `${sch.interval_s} s`),
    h('td', {}, sch.paused ? 'paused' : 'active'),
    h('td', {}, when(sch.last_run_at)),
    h('td', {}, when(sch.next_run_at))));
  page('Schedules',
    h('p', {}, h('a', { href: '#/run', id: 'new-schedule' }, 'Create a schedule'),
      ' from the run form ("Repeat as a schedule").'),
    h('table', { id: 'schedules', class: 'list' },
    h('caption', {}, `${envelope.result_info?.total_count ?? rows.length} schedule(s)`),
    h('thead', {}, h('tr', {}, ...['Name', 'Targets', 'Colos', 'Every', 'State', 'Last run', 'Next run']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows)));
}

function pathList(path, changedTtls) {
  return h('ol', { class: 'path' }, (path?.hops ?? []).map((hop, i) => {
    const changed = changedTtls.includes(i + 1);
    return h('li', { class: changed ? 'changed' : '', value: i + 1 }, hop, changed ? ' (changed)' : '');
  }));
}

// Pause or resume, and delete (a second button confirms; the runs stay in the history). `nav`:
// the view's navigation; an answer that comes after the user left draws nothing.
function controls(account, sch, nav) {
  const base = traceroutePath(account, `/schedules/${sch.id}`);
  const problem = h('div', { id: 'schedule-error', 'aria-live': 'polite' });
  const pause = h('button', { id: 'schedule-pause', type: 'button' }, sch.paused ? 'Resume' : 'Pause');
  const remove = h('button', { id: 'schedule-delete', type: 'button' }, 'Delete…');
  const yes = h('button', { id: 'schedule-delete-confirm', type: 'button' }, 'Delete this schedule');
  const no = h('button', { id: 'schedule-delete-cancel', type: 'button' }, 'Keep it');
  const ask = h('p', { id: 'schedule-delete-ask', class: 'actions', hidden: true },
    'Delete this schedule, its paths and its changes? Its runs stay in the history.', yes, no);
  const act = async (button, work) => {
    button.disabled = true;
    problem.replaceChildren();
    try {
      await work();
    } catch (e) {
      problem.append(errorBox(e));
      button.disabled = false;
    }
  };
  pause.addEventListener('click', () => act(pause, async () => {
    await call('PATCH', base, { paused: !sch.paused });
    if (isStale(nav)) return;
    await showSchedule(account, sch.id, beginNavigation());
    document.getElementById('schedule-pause')?.focus();
  }));
  remove.addEventListener('click', () => {
    ask.hidden = false;
    no.focus();
  });
  no.addEventListener('click', () => {
    ask.hidden = true;
    remove.focus();
  });
  yes.addEventListener('click', () => act(yes, async () => {
    await call('DELETE', base);
    if (isStale(nav)) return;
    location.hash = hashFor(account, '/schedules');
  }));
  return [h('div', { class: 'actions' }, pause, remove), ask, problem];
}

// The schedule's webhook: set or change it (PATCH {webhook: {url, secret?}}; a secret left
// empty is made by the server, a new one at each change, and shown once) or remove it (PATCH
// {webhook: null}). Absent on a server that sends no webhooks (`hooks`: options.json's
// schedules.webhooks).
function webhookForm(account, sch, hooks, nav) {
  if (!hooks) return null;
  const base = traceroutePath(account, `/schedules/${sch.id}`);
  const { url, secret, fields } = webhookFields(hooks, sch.webhook?.url ?? '');
  const save = h('button', { id: 'webhook-save', type: 'submit' }, sch.webhook ? 'Change webhook' : 'Set webhook');
  const remove = sch.webhook ? h('button', { id: 'webhook-remove', type: 'button' }, 'Remove webhook') : null;
  const formError = h('div', { id: 'webhook-error', tabindex: '-1', 'aria-live': 'polite' });
  // One request at a time: both buttons are in it.
  const buttons = h('fieldset', { class: 'actions plain' }, save, remove);
  const form = h('form', { id: 'webhook-form', class: 'card', novalidate: true },
    h('h2', {}, 'Webhook'), ...fields, buttons, formError);
  const send = async (body) => {
    clearFieldErrors(form, formError);
    buttons.disabled = true;
    try {
      const { result } = await call('PATCH', base, body);
      if (isStale(nav)) return;
      if (result.webhook?.secret) rememberMadeSecret(result.id, result.webhook.secret);
      await showSchedule(account, sch.id, beginNavigation());
      if (!document.getElementById('made-secret')) document.getElementById('webhook-save')?.focus();
    } catch (e) {
      buttons.disabled = false;
      showFieldErrors(form, formError, e, body);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send({ webhook: webhookBody(url.value, secret.value) });
  });
  remove?.addEventListener('click', () => send({ webhook: null }));
  return form;
}

export async function showSchedule(account, id, nav) {
  const base = traceroutePath(account, `/schedules/${id}`);
  const [sch, changes, rules] = await Promise.all([
    call('GET', base).then((e) => e.result),
    call('GET', `${base}/changes?per_page=100`),
    optionRules().catch(() => null),  // without them, no webhook form; the rest still works
  ]);
  if (isStale(nav)) return;
  let secretNotice = null;
  if (madeSecret?.id === sch.id) {
    secretNotice = h('div', { id: 'made-secret', class: 'notice', tabindex: '-1' },
      h('p', {}, 'The webhook secret the server made (it signs each delivery; this is the only time ' +
        'it is shown, so keep it now):'),
      h('p', {}, h('code', { id: 'made-secret-value' }, madeSecret.secret)));
    madeSecret = null;
  }
  const timeline = h('ol', { id: 'timeline', class: 'timeline', reversed: true },
    changes.result.map((c) => h('li', { class: 'change', 'data-id': c.id },
      h('p', {}, h('time', { datetime: c.at }, when(c.at)), ` — ${c.colo} → ${c.target}: TTL `,
        c.changed_ttls.join(', '), ' changed (confirmed ', when(c.confirmed_at), ', ',
        link(account, `/m/${c.measurement_id}`, 'the run'), ')'),
      h('div', { class: 'before-after' },
        h('div', {}, h('h3', {}, 'Before'), pathList(c.before, c.changed_ttls)),
        h('div', {}, h('h3', {}, 'After'), pathList(c.after, c.changed_ttls))))));
  page(`Schedule ${sch.name}`,
    h('dl', { class: 'summary', id: 'schedule', 'data-id': sch.id },
      h('dt', {}, 'Targets'), h('dd', {}, sch.targets.join(', ')),
      h('dt', {}, 'Colos'), h('dd', {}, sch.colos.join(', ') || 'all'),
      h('dt', {}, 'Every'), h('dd', {}, `${sch.interval_s} s`),
      h('dt', {}, 'State'), h('dd', {}, sch.paused ? 'paused' : 'active'),
      h('dt', {}, 'Last run'), h('dd', {}, when(sch.last_run_at)),
      h('dt', {}, 'Next run'), h('dd', {}, sch.paused ? 'none while paused' : when(sch.next_run_at)),
      h('dt', {}, 'Webhook'), h('dd', { id: 'schedule-webhook' }, sch.webhook?.url ?? 'none')),
    secretNotice,
    ...controls(account, sch, nav),
    webhookForm(account, sch, rules?.schedules?.webhooks ?? null, nav),
    h('p', {}, link(account, `/history?schedule=${sch.id}`, 'Its runs', { id: 'schedule-runs' })),
    h('h2', {}, `Path changes (${changes.result_info?.total_count ?? changes.result.length})`),
    changes.result.length ? timeline : h('p', {}, 'No path change confirmed.'));
  // The one-time secret is what the user must act on: focus (and so a screen reader) goes there.
  secretNotice?.focus();
}
