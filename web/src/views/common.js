// What the views share: where they draw, messages, and links that keep the account.
import { h, clear } from '../dom.js';
import { ApiError } from '../api.js';

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
// keyboard users after a navigation).
export function page(title, ...children) {
  const heading = h('h1', { tabindex: '-1' }, title);
  clear(main()).append(heading, ...children);
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
