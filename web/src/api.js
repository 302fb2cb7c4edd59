// The page's side of the API: the session (token and account, in sessionStorage: this tab
// only, gone when it closes, never in a URL), JSON calls and the event stream.

const TOKEN = 'colotrace.token';
const ACCOUNT = 'colotrace.account';

export const session = {
  token: () => sessionStorage.getItem(TOKEN),
  account: () => sessionStorage.getItem(ACCOUNT),
  signIn(token) {
    sessionStorage.setItem(TOKEN, token);
  },
  setAccount(id) {
    sessionStorage.setItem(ACCOUNT, id);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ACCOUNT);
  },
};

// A failed call: the HTTP status and the API's errors [{code, message, source}].
export class ApiError extends Error {
  constructor(status, errors) {
    super(errors.map((e) => `${e.message} (${e.code})`).join('; ') || `HTTP ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${session.token()}`, ...extra };
}

// Calls /client/v4<path>; resolves to the whole envelope ({result, result_info, ...}), throws
// ApiError for an error envelope or a network failure.
export async function call(method, path, body) {
  let response;
  try {
    response = await fetch(`/client/v4${path}`, {
      method,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, [{ code: 0, message: `the server did not answer (${e.message})` }]);
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    throw new ApiError(response.status, [{ code: 0, message: `HTTP ${response.status}: not JSON` }]);
  }
  if (!response.ok || !envelope.success) {
    throw new ApiError(response.status, envelope.errors ?? []);
  }
  return envelope;
}

export function traceroutePath(account, rest = '') {
  return `/accounts/${encodeURIComponent(account)}/diagnostics/traceroute${rest}`;
}

// Reads a measurement's event stream with fetch (EventSource cannot send the token in a
// header). Calls onEvent(name, data) per event until the stream ends or `signal` aborts;
// resolves when it ends.
export async function readEvents(path, onEvent, signal) {
  const response = await fetch(`/client/v4${path}`, {
    headers: headers({ Accept: 'text/event-stream' }),
    cache: 'no-store',
    signal,
  });
  if (!response.ok) {
    let errors = [];
    try {
      errors = (await response.json()).errors ?? [];
    } catch { /* not JSON */ }
    throw new ApiError(response.status, errors);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;  // a keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') name = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}
