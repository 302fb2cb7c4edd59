// How numbers and times are written on the page (pure; tests/web/page_logic.test.mjs).

// A round-trip time in ms as the API gives it (microsecond precision): 3 decimals.
export function ms(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(3) : '';
}

// A hop's loss as a percentage with one decimal; '' when nothing was sent.
export function lossPercent(sent, lost) {
  if (!sent) return '';
  return `${((100 * lost) / sent).toFixed(1)}%`;
}

// An ASN as the API writes it ("AS64501", kept as it is; a bare number gets the prefix), or ''
// without one.
export function asn(value) {
  if (value === undefined || value === null || value === '') return '';
  const text = String(value);
  return /^AS/i.test(text) ? text : `AS${text}`;
}

// An RFC 3339 time as the viewer's local date and time to the second ('' for null).
export function when(rfc3339) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return String(rfc3339);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// Buckets for colouring (the numbers are always shown too): RTT in ms and loss in percent.
export function rttBucket(rtt) {
  if (typeof rtt !== 'number' || Number.isNaN(rtt)) return 'none';
  return rtt < 30 ? 'low' : rtt < 100 ? 'mid' : 'high';
}
export function lossBucket(sent, lost) {
  if (!sent) return 'none';
  const ratio = lost / sent;
  return ratio === 0 ? 'low' : ratio < 0.5 ? 'mid' : 'high';
}

// A stable small number for an ASN (the palette index of its colour).
export function asnColour(value, colours = 8) {
  const text = String(value ?? '');
  let hash = 0;
  for (const c of text) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  return text === '' ? -1 : hash % colours;
}
