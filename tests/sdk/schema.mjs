// Validation of response bodies against Cloudflare's published OpenAPI schema of the endpoint
// (cloudflare-traceroute-openapi.json beside this file; README.md says where it came from).
//
// The whole document is added to ajv under the id 'cf' and the schemas are taken from it by
// JSON pointer, so every $ref resolves inside the published document as published.
//
// Relaxations, and why (README.md repeats them):
//  1. `strict: false`. Ajv's strict mode refuses the document itself: the OpenAPI keys at its
//     root (`openapi`, `info`, `servers`, `security`, `paths`, `components`, `x-*`), the OpenAPI
//     annotation `example`, and (strictTypes) the `minLength: 1` that the failure schema puts on
//     the `errors` *array*. None of these constrain a body in JSON Schema: ajv ignores them.
//     The intent of that `minLength` (at least one error) is asserted separately, so nothing is
//     lost. OpenAPI's `nullable` is understood by ajv itself and stays in force.
//  2. The 4XX schema as published is unsatisfiable: it is
//       allOf[traceroute_response_collection, api-response-common-failure]
//     and the first branch (through api-response-common) demands `success: true` and a
//     non-null `result` (an object, array or string, and an array), while the second demands
//     `success: false` and `result: null`. No body at all passes it (checkPublishedSchemaFlaw
//     proves that at run time). Error bodies are therefore validated against a copy of the
//     document, 'cf4xx', in which exactly three constraints of the *success* side are widened
//     so that the failure side decides: api-response-common `success.enum` becomes
//     [true, false]; api-response-common `result.anyOf` also admits null; the array schema of
//     `result` in traceroute_response_collection gets `nullable: true`. The failure branch is
//     untouched: it still pins `success: false` and `result: null` and types every error
//     (integer `code` >= 1000, string `message`; its `uniqueItems` sits on each item, not on the
//     array, so it constrains nothing). Success bodies are validated
//     against the unmodified document.

import fs from 'node:fs';
import assert from 'node:assert/strict';
import AjvModule from 'ajv';

const Ajv = AjvModule.default ?? AjvModule;

const SCHEMA_FILE = new URL('./cloudflare-traceroute-openapi.json', import.meta.url);
const published = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));

export const SUCCESS_POINTER = '#/components/schemas/magic-transit_traceroute_response_collection';
// The 4XX response schema of POST /accounts/{account_id}/diagnostics/traceroute ('/' is '~1'
// in a JSON pointer, and the braces are percent-encoded in the URI fragment).
export const FAILURE_POINTER =
  '#/paths/~1accounts~1%7Baccount_id%7D~1diagnostics~1traceroute/post/responses/4XX/content/' +
  'application~1json/schema';

function relaxedForFailures(doc) {
  const copy = structuredClone(doc);
  const s = copy.components.schemas;
  const common = s['magic-transit_api-response-common'].properties;
  assert.deepEqual(common.success.enum, [true], 'schema changed: revisit relaxation 2');
  common.success.enum = [true, false];
  assert.ok(Array.isArray(common.result.anyOf), 'schema changed: revisit relaxation 2');
  common.result.anyOf.push({ type: 'null' });
  const collectionResult = s['magic-transit_traceroute_response_collection'].allOf[1].properties.result;
  assert.equal(collectionResult.type, 'array', 'schema changed: revisit relaxation 2');
  collectionResult.nullable = true;
  return copy;
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(published, 'cf');
ajv.addSchema(relaxedForFailures(published), 'cf4xx');

const successValidator = ajv.getSchema('cf' + SUCCESS_POINTER);
const failureValidator = ajv.getSchema('cf4xx' + FAILURE_POINTER);
const publishedFailureValidator = ajv.getSchema('cf' + FAILURE_POINTER);
assert.ok(successValidator && failureValidator && publishedFailureValidator, 'schema pointers');

function describe(validator) {
  return ajv.errorsText(validator.errors, { separator: '\n  ' });
}

// Throws (an AssertionError naming the schema violations and the body) unless `body` is a valid
// success envelope: the published schema, success true, result an array.
export function assertSuccessBody(body, what = 'success body') {
  const ok = successValidator(body);
  assert.ok(ok, `${what} violates ${SUCCESS_POINTER}:\n  ${describe(successValidator)}\n` +
    `body: ${JSON.stringify(body)}`);
  assert.equal(body.success, true, `${what}: success`);
  assert.ok(Array.isArray(body.result), `${what}: result is an array`);
}

// Throws unless `body` is a valid failure envelope: the 4XX schema (relaxation 2), and at least
// one error (the intent of the schema's `minLength: 1` on `errors`).
export function assertErrorBody(body, what = 'error body') {
  const ok = failureValidator(body);
  assert.ok(ok, `${what} violates the 4XX schema:\n  ${describe(failureValidator)}\n` +
    `body: ${JSON.stringify(body)}`);
  assert.ok(Array.isArray(body.errors) && body.errors.length >= 1, `${what}: at least one error`);
}

// Validates a parsed body according to the HTTP status it came with.
export function assertBodyForStatus(status, body, what) {
  if (status >= 200 && status < 300) assertSuccessBody(body, what);
  else assertErrorBody(body, what);
}

// For the schema self-test: the published 4XX validator, and whether a body passes it.
export function passesPublishedFailureSchema(body) {
  return publishedFailureValidator(body);
}
export function passesSuccessSchema(body) {
  return successValidator(body);
}
export function passesFailureSchema(body) {
  return failureValidator(body);
}
