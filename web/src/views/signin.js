// Signing in: an API token pasted here is kept in this tab's sessionStorage only; the accounts
// it may use come from GET /client/v4/accounts.
import { h } from '../dom.js';
import { call, session } from '../api.js';
import { errorBox, page } from './common.js';

export function showSignIn(onSignedIn) {
  const input = h('input', {
    id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    'aria-describedby': 'token-help',
  });
  const problem = h('div', { id: 'signin-problem' });
  const form = h('form', { id: 'signin-form', class: 'card' },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', class: 'help' },
      'Kept in this tab only (sessionStorage) and sent in the Authorization header; never in a link.'),
    h('button', { id: 'signin', type: 'submit' }, 'Sign in'),
    problem);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    session.signIn(input.value.trim());
    try {
      const { result } = await call('GET', '/accounts');
      if (!result.length) throw new Error('this token may use no account');
      const current = session.account();
      if (!result.some((a) => a.id === current)) session.setAccount(result[0].id);
      onSignedIn(result);
    } catch (e) {
      session.signOut();
      problem.append(errorBox(e));
    }
  });
  page('Sign in', form);
  input.focus();
}
