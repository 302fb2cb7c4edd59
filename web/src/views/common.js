// What the views share: where they draw, messages, and links that keep the account.
import { append, h, clear } from '../dom.js';
import { ApiError } from '../api.js';
import { fieldOfPointer } from '../paths.js';

// Each navigation gets a number; a view that awaited something checks that it is still the
// current one before it draws (a slow answer for the page left must not replace the new one).
let navigation = 0;
export function beginNavigation() {
  return ++navigation;
}
export function isStale(nav) {
  return nav !== navigation;
}

export function main() {
  return document.getElementById('main');
}

// Replaces the main area with `children` under a heading (focused, for screen readers and
// keyboard users after a navigation); children as h() takes them (null ones left out).
export function page(title, ...children) {
  const heading = h('h1', { tabindex: '-1' }, title);
  append(clear(main()), [heading, ...children]);
  document.title = `${title} · colotrace`;
  heading.focus({ preventScroll: true });
}

// A message box for an error (ApiError or any Error).
export function errorBox(error, id) {
  const lines = error instanceof ApiError && error.errors.length
    ? error.errors.map((e) => `${e.message} (code ${e.code})`)
    : [error.message ?? String(error)];
  return h('div', { class: 'error', role: 'alert', id }, ...lines.map((l) => h('p', {}, l)));
}

// The route of a view of `account`: "#/a/{account}{rest}".
export function hashFor(account, rest) {
  return `#/a/${encodeURIComponent(account)}${rest}`;
}

export function link(account, rest, text, props = {}) {
  return h('a', { href: hashFor(account, rest), ...props }, text);
}

// The rules the forms read (/assets/options.json, written by the server from its own rules),
// fetched once.
let optionsPromise = null;
export function optionRules() {
  optionsPromise ??= fetch('/assets/options.json').then((r) => {
    if (!r.ok) throw new Error(`the form's option rules: HTTP ${r.status}`);
    return r.json();
  }).catch((e) => {
    optionsPromise = null;  // asked again next time
    throw e;
  });
  return optionsPromise;
}

// A form field: its label, the control (whose id is `id`), a help line, and the line where an
// error about it is shown (#err-{id}).
export function field(id, labelText, control, help) {
  return h('div', { class: 'field', id: `field-${id}` },
    h('label', { for: id }, labelText),
    control,
    help ? h('p', { class: 'help', id: `help-${id}` }, help) : null,
    h('p', { class: 'field-error', id: `err-${id}`, 'data-for': id, 'aria-live': 'polite' }));
}

// Clears what showFieldErrors wrote into `form` and `formError`.
export function clearFieldErrors(form, formError) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  formError.replaceChildren();
}

// Shows the API's error `e` for the request `body` sent from `form`: each error at the field
// its source.pointer names (paths.js, fieldOfPointer), the rest in `formError`; focus goes to
// the first field named, else to `formError`.
export function showFieldErrors(form, formError, e, body) {
  const unplaced = [];
  let first = null;
  for (const err of e.errors ?? []) {
    const name = fieldOfPointer(err.source?.pointer);
    const slot = name && form.querySelector(`#err-${name}`);
    if (!slot) {
      unplaced.push(err);
      continue;
    }
    // "/targets/1": say which target (the list is typed as one text).
    const item = /^\/(targets|colos)\/(\d+)$/.exec(err.source.pointer);
    const text = item ? `${body[item[1]][Number(item[2])]}: ${err.message}` : err.message;
    slot.textContent = slot.textContent ? `${slot.textContent}; ${text}` : text;
    const control = form.querySelector(`#${name}`);
    control?.setAttribute('aria-invalid', 'true');
    first ??= control;
  }
  if (unplaced.length || !(e.errors?.length)) {
    formError.append(errorBox(unplaced.length ? new ApiError(e.status, unplaced) : e));
  }
  (first ?? formError).focus?.();
}

// The webhook's two fields, URL and secret, with their help (limits from `hooks`, options.json's
// schedules.webhooks), for the run form and a schedule's page. `current`: the schedule's webhook
// URL, '' for none. No maxlength: a pasted secret cut short would be accepted and sign with what
// the receiver does not hold; the API judges the lengths.
export function webhookFields(hooks, current = '') {
  const url = h('input', {
    id: 'webhook_url', name: 'webhook_url', type: 'text', inputmode: 'url', value: current,
    placeholder: 'http://hooks.example/colotrace', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'help-webhook_url err-webhook_url',
  });
  const secret = h('input', {
    id: 'webhook_secret', name: 'webhook_secret', type: 'password', autocomplete: 'new-password',
    'aria-describedby': 'help-webhook_secret err-webhook_secret',
  });
  const made = current ? 'makes a new one (the receiver must then be given it)' : 'makes one';
  return {
    url,
    secret,
    fields: [
      field('webhook_url', 'Webhook URL', url,
        'optional: each confirmed path change is POSTed there, signed (http only)'),
      field('webhook_secret', 'Webhook secret', secret,
        `optional, ${hooks.min_secret_length} to ${hooks.max_secret_length} characters; ` +
        `left empty, the server ${made} and shows it once`),
    ],
  };
}
