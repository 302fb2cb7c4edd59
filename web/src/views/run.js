// The run form: targets, colos (from the colo list, with cities) and every option, with the
// API's ranges and defaults (from /assets/options.json, written by the server from its own
// rules). The API judges the request; its errors are shown at the field their pointer names.
// With "Repeat as a schedule" ticked (on a server that keeps a history) the same form creates
// a schedule instead, with a name and an interval within this server's rules.
import { h } from '../dom.js';
import { call, traceroutePath } from '../api.js';
import { requestBody, scheduleBody } from '../paths.js';
import {
  clearFieldErrors, field, hashFor, isStale, optionRules, page, showFieldErrors, webhookFields,
} from './common.js';
import { rememberMadeSecret } from './schedules.js';

export async function showRun(account, nav) {
  const [rules, colos] = await Promise.all([
    optionRules(),
    call('GET', traceroutePath(account, '/colos')).then((e) => e.result),
  ]);
  if (isStale(nav)) return;
  const rule = (name) => rules.int_options.find((r) => r.name === name);
  const number = (name) => {
    const r = rule(name);
    return field(name, name, h('input', {
      id: name, name, type: 'number', min: r.min, max: r.max, step: 1, value: r.default,
      inputmode: 'numeric', 'aria-describedby': `help-${name} err-${name}`,
    }), name === 'port' ? `${r.min} to ${r.max}; 0: the protocol's own (udp 33434, tcp 80)`
      : `${r.min} to ${r.max}, default ${r.default}`);
  };
  const targets = h('textarea', {
    id: 'targets', name: 'targets', rows: 2, required: true, spellcheck: 'false',
    'aria-describedby': `help-targets err-targets`,
  });
  const coloList = h('fieldset', { id: 'colos', class: 'colos', 'aria-describedby': 'err-colos' },
    h('legend', {}, 'Colos'),
    colos.length === 0 ? h('p', {}, 'No colo is known to this server.') : null,
    ...colos.map((c, i) => h('label', { class: 'colo-choice' },
      h('input', { type: 'checkbox', name: 'colo', value: c.name, checked: i === 0 }),
      ` ${c.name}`, c.city ? ` — ${c.city}` : '',
      c.status === 'available' ? '' : h('span', { class: 'badge' }, ` (${c.status})`))),
    h('p', { class: 'field-error', id: 'err-colos', 'data-for': 'colos', 'aria-live': 'polite' }));
  const packetType = h('select', { id: 'packet_type', name: 'packet_type' },
    ...rules.packet_types.map((t) => h('option', { value: t, selected: t === rules.default_packet_type }, t)));
  const multipath = h('input', { id: 'multipath', name: 'multipath', type: 'checkbox' });
  const confidence = h('select', { id: 'confidence', name: 'confidence' },
    ...rules.confidences.map((c) => h('option', { value: c }, `${c} %`)));
  const formError = h('div', { id: 'form-error' });
  const submit = h('button', { id: 'run', type: 'submit' }, 'Run traceroute');
  const sch = rules.schedules;  // null: this server keeps no history, so no schedules
  const repeat = h('input', { id: 'repeat', name: 'repeat', type: 'checkbox' });
  const scheduleName = h('input', {
    id: 'schedule_name', name: 'schedule_name', type: 'text',
    'aria-describedby': 'help-schedule_name err-schedule_name',
  });
  const interval = h('input', {
    id: 'interval_s', name: 'interval_s', type: 'number', min: sch?.min_interval_s,
    max: sch?.max_interval_s, step: 1, inputmode: 'numeric',
    value: sch ? Math.min(Math.max(3600, sch.min_interval_s), sch.max_interval_s) : '',
    'aria-describedby': 'help-interval_s err-interval_s',
  });
  // A webhook only where the server sends them (options.json's schedules.webhooks).
  const hooks = sch?.webhooks ?? null;
  const webhook = hooks ? webhookFields(hooks) : null;
  const scheduleFields = h('div', { class: 'options', id: 'schedule-fields', hidden: true },
    field('schedule_name', 'Schedule name', scheduleName,
      `1 to ${sch?.max_name_length} characters`),
    field('interval_s', 'Every (seconds)', interval,
      `${sch?.min_interval_s} to ${sch?.max_interval_s}; the first run starts now`),
    webhook?.fields);
  repeat.addEventListener('change', () => {
    scheduleFields.hidden = !repeat.checked;
    submit.textContent = repeat.checked ? 'Create schedule' : 'Run traceroute';
  });
  const repeatSection = sch ? h('fieldset', { id: 'repeat-section', class: 'repeat' },
    h('legend', {}, 'Repeat'),
    h('label', { for: 'repeat' }, repeat, ' Repeat as a schedule (every run is kept; path changes are reported)'),
    scheduleFields) : null;
  const form = h('form', { id: 'run-form', class: 'card', novalidate: true },
    field('targets', 'Targets', targets,
      `IPv4 or IPv6 addresses or host names, separated by spaces or commas (at most ${rules.max_targets})`),
    coloList,
    h('div', { class: 'options' },
      field('packet_type', 'packet_type', packetType),
      number('max_ttl'), number('packets_per_ttl'), number('port'), number('wait_time'),
      field('multipath', 'multipath', multipath, 'enumerate every path behind load balancers'),
      field('confidence', 'confidence', confidence, 'with multipath')),
    h('p', { class: 'field-error', id: 'err-options', 'data-for': 'options' }),
    repeatSection,
    submit, formError);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    const values = {
      targets: targets.value,
      colos: [...form.querySelectorAll('input[name=colo]:checked')].map((c) => c.value),
      packet_type: packetType.value,
      max_ttl: form.elements.max_ttl.value,
      packets_per_ttl: form.elements.packets_per_ttl.value,
      port: form.elements.port.value,
      wait_time: form.elements.wait_time.value,
      multipath: multipath.checked,
      confidence: confidence.value,
      name: scheduleName.value,
      interval_s: interval.value,
      webhook_url: webhook?.url.value ?? '',
      webhook_secret: webhook?.secret.value ?? '',
    };
    const asSchedule = repeat.checked && sch;
    const body = asSchedule ? scheduleBody(values) : requestBody(values);
    submit.disabled = true;
    try {
      const what = asSchedule ? '/schedules' : '/measurements';
      const { result } = await call('POST', traceroutePath(account, what), body);
      if (asSchedule && result.webhook?.secret) rememberMadeSecret(result.id, result.webhook.secret);
      location.hash = hashFor(account, asSchedule ? `/schedules/${result.id}` : `/m/${result.id}`);
    } catch (e) {
      showFieldErrors(form, formError, e, body);
    } finally {
      submit.disabled = false;
    }
  });
  page('Run a traceroute', form);
  targets.focus();
}
