/**
 * The life of one authorization request: the page opened twice, from a second browser, after consent, with
 * a wrong or missing client_id or request_uri, after a denial; and the redirect it ends in.
 */
import { randomBytes } from 'node:crypto'
import { header } from '../../http.ts'
import { Agent, CLIENT_ID } from '../agent.ts'
import type { Case } from '../case.ts'

function verifier(): string {
  return randomBytes(32).toString('base64url')
}

function sequence(id: string, run: (agent: Agent) => Promise<void>): Case {
  return { id: `authorize/${id}`, area: 'authorize', kind: 'sequence', run }
}

const NAVIGATION = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html' }

export function authorizeCases(): Case[] {
  const page = (agent: Agent, query: Record<string, string>, label = 'page', cookies = true) =>
    agent.exchange(label, `${agent.issuer}/oauth/authorize?${new URLSearchParams(query)}`, { headers: NAVIGATION, cookies })
  return [
    sequence('login-outcome', async (a) => {
      await a.login(verifier(), {}, true)
    }),
    sequence('login-outcome-login-hint', async (a) => {
      await a.login(verifier(), { login_hint: 'alice.test' }, true)
    }),
    sequence('page', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.openAuthorize(uri ?? '')
    }),
    sequence('page-twice', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.openAuthorize(uri ?? '', 'first')
      await a.openAuthorize(uri ?? '', 'second')
    }),
    sequence('page-second-browser', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.openAuthorize(uri ?? '', 'first')
      await page(a, { client_id: CLIENT_ID, request_uri: uri ?? '' }, 'second-browser', false)
    }),
    sequence('page-after-consent', async (a) => {
      const { requestUri } = await a.login(verifier(), {}, true)
      await a.openAuthorize(requestUri ?? '', 'reopen')
    }),
    sequence('page-no-client-id', async (a) => {
      const uri = await a.goodPar(verifier())
      await page(a, { request_uri: uri ?? '' })
    }),
    sequence('page-other-client-id', async (a) => {
      const uri = await a.goodPar(verifier())
      await page(a, { client_id: 'http://localhost', request_uri: uri ?? '' })
    }),
    sequence('page-no-request-uri', async (a) => {
      await page(a, { client_id: CLIENT_ID })
    }),
    sequence('page-unknown-request-uri', async (a) => {
      await page(a, { client_id: CLIENT_ID, request_uri: 'urn:ietf:params:oauth:request_uri:req-0000000000000000' })
    }),
    sequence('page-garbage-request-uri', async (a) => {
      await page(a, { client_id: CLIENT_ID, request_uri: 'garbage' })
    }),
    sequence('page-no-par', async (a) => {
      await page(a, { client_id: CLIENT_ID, response_type: 'code', redirect_uri: 'http://127.0.0.1:8080/callback', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })
    }),
    sequence('page-extra-params', async (a) => {
      const uri = await a.goodPar(verifier())
      await page(a, { client_id: CLIENT_ID, request_uri: uri ?? '', prompt: 'login', scope: 'atproto' })
    }),
    sequence('page-post', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.exchange('page-post', a.authorizeUrl(uri ?? ''), { method: 'POST', headers: { ...NAVIGATION, 'content-type': 'application/x-www-form-urlencoded' }, body: '', cookies: true })
    }),
    sequence('page-no-fetch-metadata', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.exchange('page', a.authorizeUrl(uri ?? ''), { headers: { accept: 'text/html' }, cookies: true })
    }),
    sequence('page-cross-site', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.exchange('page', a.authorizeUrl(uri ?? ''), { headers: { ...NAVIGATION, 'sec-fetch-site': 'cross-site' }, cookies: true })
    }),
    sequence('page-iframe', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.exchange('page', a.authorizeUrl(uri ?? ''), { headers: { ...NAVIGATION, 'sec-fetch-dest': 'iframe' }, cookies: true })
    }),
    sequence('page-fetch', async (a) => {
      const uri = await a.goodPar(verifier())
      await a.exchange('page', a.authorizeUrl(uri ?? ''), { headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, cookies: true })
    }),
    sequence('redirect-after-deny', async (a) => {
      const uri = await a.goodPar(verifier())
      const opened = await a.openAuthorize(uri ?? '', 'page', false)
      const redirect = await a.consent(uri ?? '', opened, 'deny', true)
      a.observe('error', new URL(header(redirect, 'location') ?? 'http://x/').searchParams.get('error') ?? 'none')
    }),
    sequence('par-reused-request-uri-page', async (a) => {
      const { requestUri } = await a.login(verifier())
      await a.token({ grant_type: 'authorization_code', code: 'cod-0000', client_id: CLIENT_ID }, { label: 'noise', compared: false })
      await page(a, { client_id: CLIENT_ID, request_uri: requestUri ?? '' }, 'reopen-new-browser', false)
    }),
  ]
}
