import { HarnessError } from '../protocol/errors.ts'
import { ACTOR_HEADER } from './http/record.ts'

/** The AS answered the authorization page with an error (an expired or refused request); not a harness fault. */
export class AuthorizationPageError extends HarnessError {
  constructor(message: string) {
    super('ERR_USER_AGENT', message)
  }
}

/** What the user does at the consent page. */
export interface UserChoice {
  username: string
  password: string
  decision: 'approve' | 'deny'
  /**
   * Requested permissions the user removes on the consent page before approving (a partial grant, TOKEN-10):
   * each entry removes the requested tokens equal to it or starting with it (`blob:` removes every blob token).
   */
  omitScopes?: readonly string[]
}

/** Whether the user removes this requested token (see `UserChoice.omitScopes`). */
export function omitsScope(choice: UserChoice, token: string): boolean {
  return (choice.omitScopes ?? []).some((o) => token === o || token.startsWith(o))
}

/** The authorization response the browser would deliver to the client's redirect URI. */
export interface AuthorizationResponse {
  /** The full redirect URL (for query/fragment modes) or the form_post target. */
  url: string
  params: URLSearchParams
  mode: 'query' | 'fragment' | 'form_post'
}

const BROWSER_HEADERS = {
  [ACTOR_HEADER]: 'user-agent',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-site': 'cross-site',
  'user-agent': 'atproto-oauth-conformance user agent',
}

/** The hidden fields of an HTML form page (the mock AS's consent form), unescaped. */
export function hiddenInputs(html: string): URLSearchParams {
  const out = new URLSearchParams()
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    out.append(unescapeHtml(m[1]!), unescapeHtml(m[2]!))
  }
  return out
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
}

/**
 * The harness playing the user's browser, headless: opens the authorization URL at the mock AS, signs in
 * and approves (or denies) on its consent form, and returns the redirect meant for the client. It only ever
 * talks to the World's own loopback origins.
 */
export async function completeAuthorization(
  authorizationUrl: string,
  allowedOrigins: readonly string[],
  choice: UserChoice,
): Promise<AuthorizationResponse> {
  let url: URL
  try {
    url = new URL(authorizationUrl)
  } catch {
    throw new HarnessError('ERR_USER_AGENT', `the client produced an authorization URL that is not a URL: ${authorizationUrl}`)
  }
  if (!allowedOrigins.includes(url.origin)) {
    throw new HarnessError(
      'ERR_USER_AGENT',
      `the authorization URL ${url.origin} is not this World's authorization server (${allowedOrigins.join(', ')}); the user agent does not leave the World`,
    )
  }
  const page = await fetch(url, { headers: BROWSER_HEADERS, redirect: 'manual' })
  const pageText = await page.text()
  if (page.status === 303) return readRedirect(page.headers.get('location') ?? '')
  if (page.status !== 200) {
    const description = /id="error_description">([^<]*)</.exec(pageText)?.[1]
    throw new AuthorizationPageError(
      `the authorization page answered HTTP ${page.status}${description ? `: ${unescapeHtml(description)}` : ''}`,
    )
  }
  const form = hiddenInputs(pageText)
  for (const m of pageText.matchAll(/<input type="checkbox" name="remove_scope" value="([^"]*)">/g)) {
    const token = unescapeHtml(m[1]!)
    if (omitsScope(choice, token)) form.append('remove_scope', token)
  }
  form.set('username', choice.username)
  form.set('password', choice.password)
  form.set('decision', choice.decision)
  // A browser sends back the cookies the page set (the AS binds the request to its device cookie).
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ')
  const consent = await fetch(new URL('/oauth/authorize/consent', url), {
    method: 'POST',
    headers: {
      ...BROWSER_HEADERS,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookies ? { cookie: cookies } : {}),
    },
    body: form.toString(),
    redirect: 'manual',
  })
  const consentText = await consent.text()
  if (consent.status === 303) return readRedirect(consent.headers.get('location') ?? '')
  if (consent.status === 200 && consentText.includes('id="form_post"')) {
    const action = /<form method="post" action="([^"]*)" id="form_post">/.exec(consentText)?.[1] ?? ''
    return { url: unescapeHtml(action), params: hiddenInputs(consentText), mode: 'form_post' }
  }
  throw new HarnessError('ERR_USER_AGENT', `the consent form answered HTTP ${consent.status} instead of a redirect`)
}

function readRedirect(location: string): AuthorizationResponse {
  const url = new URL(location)
  if (url.hash.length > 1) return { url: url.href, params: new URLSearchParams(url.hash.slice(1)), mode: 'fragment' }
  return { url: url.href, params: url.searchParams, mode: 'query' }
}
