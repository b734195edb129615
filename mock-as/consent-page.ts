import type { ScopeGroup } from './scopes.ts'
import type { PushedRequest } from './store.ts'

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const STYLE = `body{font:16px/1.4 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}
h1{font-size:1.3rem}code{background:#f3f3f3;padding:0 .2rem}label{display:block;margin:.6rem 0 .2rem}
input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
.actions{margin-top:1rem;display:flex;gap:.5rem}button{padding:.5rem 1rem}.error{color:#a00}
fieldset{margin:.8rem 0}.perm{margin:.3rem 0}.perm ul{margin:.1rem 0 .1rem 1.6rem;padding:0;font-size:.85rem}`

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body>${body}</body></html>`
}

/**
 * The requested permissions, each `include:` listed with the permissions its set expands to under the set's
 * title, as the reference's consent screen groups them. Each requested token has a "remove" checkbox: the user
 * may take any permission out of the grant, never add one (reference `setAuthorized()`, `scopeOverride`). A form
 * posted without any (the user changed nothing) approves the whole request.
 */
function permissionList(groups: readonly ScopeGroup[]): string {
  const items = groups.map((g) => {
    const expanded = g.grants.length === 1 && g.grants[0] === g.token ? '' : `<ul>${g.grants.map((p) => `<li><code>${escapeHtml(p)}</code></li>`).join('')}</ul>`
    const detail = g.detail ? ` — ${escapeHtml(g.detail)}` : ''
    return `<div class="perm"><strong>${escapeHtml(g.title)}</strong>${detail} <code>${escapeHtml(g.token)}</code> <label><input type="checkbox" name="remove_scope" value="${escapeHtml(g.token)}"> remove</label>${expanded}</div>`
  })
  return `<fieldset id="permissions"><legend>Requested permissions</legend>${items.join('')}</fieldset>`
}

/** The sign-in + consent page of the mock AS; a real browser and the headless user agent submit the same form. */
export function renderConsentPage(request: PushedRequest, issuer: string, error?: string, groups: readonly ScopeGroup[] = []): string {
  const client = request.client.client_name ?? request.clientId
  return page(
    'Sign in and authorize',
    `<h1>Authorize <code>${escapeHtml(String(client))}</code></h1>
<p>Mock authorization server <code>${escapeHtml(issuer)}</code> (atproto-oauth-conformance).</p>
<p>Requested scope: <code id="scope">${escapeHtml(request.scope)}</code></p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/oauth/authorize/consent" id="consent">
<input type="hidden" name="request_uri" value="${escapeHtml(request.requestUri)}">
<label for="username">Handle or DID</label>
<input type="text" id="username" name="username" value="${escapeHtml(request.loginHint ?? '')}" autocomplete="username">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
${groups.length > 0 ? permissionList(groups) : ''}
<div class="actions"><button type="submit" name="decision" value="approve" id="approve">Authorize</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button></div>
</form>`,
  )
}

/** The error page the AS shows in the browser (reference: 400 HTML with the OAuth error). */
export function renderErrorPage(error: string, description: string): string {
  return page(
    'Authorization error',
    `<h1>Authorization error</h1><p><code id="error">${escapeHtml(error)}</code></p><p id="error_description">${escapeHtml(description)}</p>`,
  )
}

/** form_post response mode: a page that posts the response to the client (OAuth 2.0 Form Post). */
export function renderFormPost(redirectUri: string, params: [string, string][]): string {
  const inputs = params
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('')
  return page(
    'Redirecting',
    `<form method="post" action="${escapeHtml(redirectUri)}" id="form_post">${inputs}<noscript><button>Continue</button></noscript></form>` +
      `<script>document.getElementById('form_post').submit()</script>`,
  )
}
