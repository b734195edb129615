import { CONFORMANCE_SERVICE, CONFORMANCE_SET } from '../mock-as/permission-sets.ts'

/**
 * The scope strings the granular-permission scenarios ask the client to declare and request, and the grants the
 * reference AS issues for them. The expansions are written out (not computed) so a change in the mock's
 * expansion fails the scenarios instead of silently moving the expectation.
 */
export const SERVICE = CONFORMANCE_SERVICE.ref
/** `include:` of the World's permission set, with the audience its `inheritAud` entry takes (`#` as `%23`). */
export const INCLUDE = `include:${CONFORMANCE_SET}?aud=${CONFORMANCE_SERVICE.did}%23${CONFORMANCE_SERVICE.id}`
/** A client app's scope: its permission set plus the blob permission a set can never grant (SCOPE-10). */
export const APP_SCOPE = `atproto ${INCLUDE} blob:image/*`
/** The reference grant for APP_SCOPE: the set's repo and rpc permissions in canonical form first, then the rest. */
export const APP_GRANT =
  'repo?collection=test.conformance.like&collection=test.conformance.post ' +
  'rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test%23test_svc atproto blob:image/*'
/** The set as its owner republishes it in the refresh scenario: likes gone, a second method added. */
export const REPUBLISHED_SET = [
  { type: 'permission' as const, resource: 'repo', collection: ['test.conformance.post'] },
  { type: 'permission' as const, resource: 'rpc', lxm: ['test.conformance.getFeed', 'test.conformance.getThread'], inheritAud: true },
]
export const REPUBLISHED_GRANT =
  'repo:test.conformance.post ' +
  'rpc?lxm=test.conformance.getFeed&lxm=test.conformance.getThread&aud=did:web:svc.conformance.test%23test_svc atproto blob:image/*'
/** An rpc permission for the World's service, spelled as the grant must name it. */
export const RPC_FEED = `rpc:test.conformance.getFeed?aud=${CONFORMANCE_SERVICE.did}%23${CONFORMANCE_SERVICE.id}`
