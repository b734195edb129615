import { describe, expect, it } from 'vitest'
import { CATALOG_TEST_TIMEOUT_MS } from '../../../test/support/timeouts.ts'
import { runScenario, runSuite, type RunOptions } from '../../../harness/runner.ts'
import type { ScenarioResult } from '../../../reports/schema.ts'
import { SCENARIOS } from '../../../scenarios/index.ts'
import { FLAW_NAMES, parseFlaws, type Flaw } from './flaws.ts'
import createMinimalClient from './index.ts'

const byId = new Map(SCENARIOS.map((s) => [s.id, s]))

/** Every check that did not PASS or SKIP, with what the judge observed. */
function findings(result: ScenarioResult): string[] {
  return result.checks
    .filter((c) => c.status !== 'PASS' && c.status !== 'SKIP')
    .map((c) => `${result.id}: ${c.status} ${c.checkId} [${c.requirement.id}] ${c.observed ?? c.reason ?? ''}`)
}

function run(id: string, options: { flaw?: string; topology?: RunOptions['topology']; scenario?: Partial<(typeof SCENARIOS)[number]> } = {}) {
  const scenario = { ...byId.get(id)!, ...options.scenario }
  return runScenario(scenario, {
    scenarios: [],
    driver: () => createMinimalClient(options.flaw ? { flaw: options.flaw } : {}),
    clientName: `minimal${options.flaw ? ` (${options.flaw})` : ''}`,
    topology: options.topology,
  })
}

describe('the clean minimal client passes every scenario, without a warning', () => {
  const configs = [
    { topology: 'entryway', https: false },
    { topology: 'self-hosted', https: false },
    { topology: 'entryway', https: true },
    { topology: 'self-hosted', https: true },
  ] as const
  for (const { topology, https } of configs) {
    it(`${topology}${https ? ', https host names (no allowHttp)' : ''}: ${SCENARIOS.length} scenarios`, { timeout: CATALOG_TEST_TIMEOUT_MS }, async () => {
      const report = await runSuite({ scenarios: SCENARIOS, driver: () => createMinimalClient(), clientName: 'minimal', topology, https, concurrency: 4 })
      expect(report.scenarios.flatMap(findings)).toEqual([])
      expect(report.scenarios.map((r) => `${r.id}: ${r.verdict}`)).toEqual(SCENARIOS.map((s) => `${s.id}: PASS`))
    })
  }

  it('confidential-login passes with the keys published at jwks_uri', async () => {
    const result = await run('confidential-login', { scenario: { publishKeysBy: 'jwks_uri' } })
    expect(findings(result)).toEqual([])
    const jwksFetch = result.transcript.find((e) => e.kind === 'http' && e.request.path === '/jwks.json')
    expect(jwksFetch, 'the AS fetched /jwks.json').toBeDefined()
  })

  it('refuses a callback whose iss is not the issuer, naming both', async () => {
    const result = await run('callback-iss-mismatch')
    expect(result.verdict).toBe('PASS')
    const step = result.transcript.find((e) => e.kind === 'step' && e.op === 'callback')
    expect(step?.kind === 'step' && step.outcome).toMatchObject({
      status: 'rejected',
      code: 'IssuerMismatch',
      message: expect.stringMatching(/^callback iss "https:\/\/evil\.example" is not the issuer "http:\/\/127\.0\.0\.1:\d+" of this login$/),
    })
  })
})

describe('each deliberate flaw is caught', () => {
  it('the ones the brief names', async () => {
    expect((await run('callback-iss-mismatch', { flaw: 'skip-iss-check' })).verdict).toBe('FAIL')
    expect((await run('refresh-rotation', { flaw: 'stale-refresh-token' })).verdict).toBe('FAIL')
    expect((await run('pds-call-with-nonce', { flaw: 'no-nonce-retry' })).verdict).toBe('FAIL')
    // REVOKE-01 (the scenario's primary requirement) is a SHOULD: a sign-out that does not revoke is a WARN.
    const noRevoke = await run('sign-out-revokes', { flaw: 'no-revoke' })
    expect(noRevoke.verdict).toBe('WARN')
    expect(noRevoke.checks.find((c) => c.checkId === 'scenario.expectation')?.observed).toMatch(/no POST \/oauth\/revoke/)
  })

  /**
   * Flaw → a scenario that catches it, and the verdict (WARN where the requirement is a SHOULD). A row whose
   * scenario is not in SCENARIOS is skipped. pds-from-first-service has no row: no scenario puts a decoy service
   * before #atproto_pds yet (README.md).
   */
  const CAUGHT_BY: [Flaw, string, 'FAIL' | 'WARN', RunOptions['topology']?][] = [
    ['skip-iss-check', 'callback-iss-missing', 'FAIL'],
    ['skip-issuer-metadata-check', 'as-metadata-issuer-mismatch', 'FAIL'],
    ['skip-prm-resource-check', 'prm-resource-mismatch', 'FAIL'],
    // In an entryway World the guessed AS (the PDS origin) has no metadata, so only self-hosted shows it.
    ['lenient-prm', 'prm-no-authorization-servers', 'FAIL', 'self-hosted'],
    ['no-sub-verification', 'token-sub-not-did', 'FAIL'],
    ['no-sub-verification', 'token-sub-other-account', 'FAIL'],
    ['no-sub-verification', 'token-sub-foreign-as', 'FAIL'],
    ['no-refresh-sub-check', 'refresh-sub-changes', 'WARN'],
    ['restore-without-reverify', 'restore-after-as-change', 'WARN'],
    ['generic-callback-error', 'callback-access-denied', 'FAIL'],
    ['retry-code-on-5xx', 'token-lost-response', 'FAIL'],
    ['refresh-on-any-401', 'nonce-challenge-forever', 'FAIL'],
    ['skip-state-check', 'callback-state-tampered', 'FAIL'],
    ['accept-replayed-state', 'callback-state-replayed', 'FAIL'],
    ['ignore-callback-error', 'callback-code-and-error', 'FAIL'],
    ['no-dpop-at-par', 'login-with-handle', 'FAIL'],
    ['authorize-url-extras', 'authorize-url-request-uri-only', 'FAIL'],
    ['front-channel-fallback', 'par-endpoint-missing', 'FAIL'],
    ['prompt-none', 'public-no-silent-sign-in', 'FAIL'],
    ['no-nonce-retry', 'nonce-at-par-and-token', 'FAIL'],
    ['stale-nonce', 'nonce-rotation', 'FAIL'],
    ['shared-nonce-cache', 'nonce-per-origin', 'FAIL'],
    // NONCE-08 is a SHOULD; self-hosted, the PDS shares the AS nonce and never challenges.
    ['strict-challenge-match', 'nonce-odd-case-challenge', 'WARN', 'entryway'],
    ['nonce-retry-loop', 'nonce-challenge-forever', 'FAIL'],
    ['reuse-dpop-jti', 'dpop-fresh-jti', 'FAIL'],
    ['htu-with-query', 'dpop-htu-without-query', 'FAIL'],
    ['no-ath', 'dpop-ath', 'FAIL'],
    ['new-dpop-key-on-refresh', 'dpop-same-key-refresh', 'FAIL'],
    ['ignore-dpop-algs', 'dpop-alg-from-metadata', 'FAIL'],
    ['plain-pkce', 'pkce-plain-offered', 'FAIL'],
    ['wrong-verifier', 'pkce-verifier', 'FAIL'],
    ['no-pkce', 'pkce-required', 'FAIL'],
    ['bearer-token-type-ok', 'dpop-token-type-bearer', 'FAIL'],
    ['require-expires-in', 'token-no-expires-in', 'WARN'],
    ['ignore-granted-scope', 'token-scope-narrower', 'WARN'],
    ['no-scope-check', 'token-scope-without-atproto', 'FAIL'],
    ['bearer-scheme', 'dpop-authorization-scheme', 'FAIL'],
    ['no-refresh-on-401', 'token-expired-at-pds', 'WARN'],
    ['refresh-on-403', 'res-insufficient-scope', 'FAIL'],
    ['stale-refresh-token', 'refresh-rotation', 'FAIL'],
    ['no-refresh-lock', 'refresh-concurrent', 'FAIL'],
    ['retry-invalid-grant', 'refresh-invalid-grant', 'FAIL'],
    ['delete-session-on-any-error', 'refresh-transient-5xx', 'WARN'],
    ['no-revoke', 'sign-out-revokes', 'WARN'],
    ['revoke-without-dpop', 'sign-out-revokes', 'FAIL'],
    ['keep-tokens-after-sign-out', 'no-use-after-sign-out', 'FAIL'],
    ['keep-session-on-revoke-error', 'revoke-failure-still-signs-out', 'FAIL'],
    ['assertion-aud-token-endpoint', 'conf-assertion-claims', 'FAIL'],
    ['reuse-client-assertion', 'confidential-login', 'WARN'],
    ['reuse-client-assertion', 'conf-assertion-before-nonce', 'FAIL'],
    ['assertion-no-kid', 'conf-assertion-claims', 'FAIL'],
    ['metadata-dpop-bound-false', 'meta-document', 'FAIL'],
    ['loopback-no-scope-in-client-id', 'loopback-client-id', 'FAIL'],
    ['redirect-localhost', 'loopback-redirect-ip', 'FAIL'],
    ['no-bidirectional-handle-check', 'ident-handle-not-in-did-doc', 'FAIL'],
    ['scope-string-compare', 'scope-include-expanded', 'WARN'],
    ['include-literal-required', 'scope-include-expanded', 'WARN'],
    ['expanded-grant-only', 'scope-include-unexpanded', 'WARN'],
    ['blob-through-set', 'scope-blob-direct', 'FAIL'],
    ['bare-did-audience', 'res-proxy-audience', 'FAIL'],
    ['bare-did-audience', 'res-service-auth-audience', 'FAIL'],
    ['proxy-other-service-id', 'res-proxy-audience', 'FAIL'],
    ['service-auth-without-lxm', 'res-service-auth-audience', 'FAIL'],
    ['scope-error-name-only', 'res-scope-error-variant-name', 'FAIL'],
    ['scope-error-name-only', 'res-scope-error-challenge', 'FAIL'],
    ['refresh-on-403', 'scope-dropped-silently', 'WARN'],
    ['stale-scope-after-refresh', 'scope-set-changes-at-refresh', 'WARN'],
    ['no-revoke-on-relogin', 'relogin-revokes-old-session', 'WARN'],
    ['retry-par-on-error', 'par-permission-set-unresolvable', 'WARN'],
    ['retry-par-on-error', 'scope-unparsable-refused', 'WARN'],
    ['retry-par-on-error', 'meta-scope-declared-too-late', 'WARN'],
    ['retry-par-loop', 'meta-scope-declared-too-late', 'WARN'],
    ['generic-par-error', 'meta-scope-declared-too-late', 'WARN'],
    ['retry-code-on-error', 'token-permission-set-unresolvable', 'FAIL'],
    ['retry-invalid-grant', 'scope-account-deactivated', 'FAIL'],
    ['ignore-granted-scope', 'scope-partial-consent', 'WARN'],
    ['lenient-metadata-response', 'as-metadata-redirect', 'FAIL'],
    ['lenient-metadata-response', 'as-metadata-not-json', 'FAIL'],
    ['lenient-metadata-response', 'prm-status-203', 'FAIL'],
    ['lenient-par-response', 'par-response-empty', 'FAIL'],
    ['lenient-par-response', 'par-response-negative-expiry', 'FAIL'],
    ['parse-access-token', 'token-opaque-access-token', 'FAIL'],
    ['refresh-revives-signed-out-session', 'refresh-races-sign-out', 'FAIL'],
    ['ignore-store-failure', 'refresh-store-write-fails', 'WARN'],
    ['refresh-with-scope', 'scope-upgrade-reauthorize', 'WARN'],
    ['no-pending-expiry', 'callback-late', 'FAIL'],
    ['reuse-pushed-request', 'par-request-expired', 'FAIL'],
    ['token-without-redirect-uri', 'login-with-did', 'FAIL'],
    ['state-carries-session', 'two-logins-fresh-secrets', 'FAIL'],
    ['oidc-nonce', 'login-with-handle', 'FAIL'],
    ['prompt-unadvertised', 'as-prompt-values-limited', 'WARN'],
    ['fragment-undecoded', 'callback-response-mode', 'FAIL'],
    ['response-mode-unchecked', 'as-response-modes-query-only', 'WARN'],
    ['no-clock-correction', 'dpop-client-clock-behind', 'WARN'],
    ['no-clock-correction', 'conf-assertion-clock-ahead', 'FAIL'],
    ['no-proactive-refresh', 'refresh-proactive', 'WARN'],
    ['cache-identity-forever', 'ident-cache-lifetime', 'WARN'],
    ['client-id-not-canonical', 'confidential-login', 'FAIL'],
    // META-17 is a MAY: the unconventional location is information, shown as a WARN.
    ['unconventional-metadata-path', 'confidential-login', 'WARN'],
    ['native-web-type', 'native-app-login', 'FAIL'],
    ['omit-auth-method', 'native-app-login', 'FAIL'],
    ['native-double-slash', 'native-app-login', 'FAIL'],
    ['native-scheme-not-reversed', 'native-app-login', 'FAIL'],
    ['native-https-other-origin', 'native-app-login', 'FAIL'],
    ['native-private-key-jwt', 'native-app-login', 'FAIL'],
    ['no-revalidate-before-refresh', 'refresh-as-changed', 'WARN'],
    ['lenient-issuer-url', 'prm-issuer-trailing-slash', 'FAIL'],
    ['http-policy-uri', 'confidential-login', 'FAIL'],
    ['client-id-respelled-on-refresh', 'confidential-login', 'FAIL'],
    ['allow-http-as', 'as-http-in-production', 'FAIL'],
  ]
  for (const [flaw, id, verdict, topology] of CAUGHT_BY) {
    it.skipIf(!byId.has(id))(`${flaw}: ${id} ${verdict}s${topology ? ` (${topology})` : ''}`, async () => {
      const clean = await run(id, { topology })
      expect(findings(clean), 'the clean client passes it').toEqual([])
      const flawed = await run(id, { flaw, topology })
      expect(flawed.verdict, findings(flawed).join('\n')).toBe(verdict)
    })
  }
})

describe('flaw options', () => {
  it('accepts several flaws separated by commas', () => {
    const flaws = parseFlaws('no-ath, bearer-scheme')
    expect(flaws.has('no-ath') && flaws.has('bearer-scheme') && !flaws.has('no-pkce')).toBe(true)
  })

  it('refuses an unknown flaw, listing the known ones', () => {
    expect(() => createMinimalClient({ flaw: 'no-ath,no-such-flaw' })).toThrow(/unknown flaw "no-such-flaw".*known: .*skip-iss-check/)
    expect(FLAW_NAMES.length).toBe(new Set(FLAW_NAMES).size)
  })
})
