import { jwkThumbprint } from '../protocol/jwk.ts'
import { accessTokenOf, param, responseJson } from './check.ts'
import type { Exchange, Transcript } from '../model/transcript.ts'

/** One login followed through the transcript: PAR → consent → code → tokens → refreshes → uses. */
export interface Trail {
  par?: Exchange
  requestUri?: string
  codeChallenge?: string
  /** Thumbprint of the PAR proof key, when PAR carried a proof. */
  parJkt?: string
  code?: string
  /** Every client request that belongs to this login after PAR, in order. */
  uses: Exchange[]
}

/** The thumbprint of the key that signed an exchange's DPoP proof. */
export function proofJkt(ex: Exchange): string | undefined {
  return ex.dpop ? jwkThumbprint(ex.dpop.header.jwk) : undefined
}

function requestUriOf(par: Exchange): string | undefined {
  const v = responseJson(par)?.request_uri
  return typeof v === 'string' ? v : undefined
}

function codeFromRedirect(ex: Exchange): string | undefined {
  const location = ex.response.headers.location
  if (typeof location !== 'string') return undefined
  const url = new URL(location)
  return url.searchParams.get('code') ?? new URLSearchParams(url.hash.slice(1)).get('code') ?? undefined
}

/**
 * Links the requests of each login by the values the servers handed out (request_uri, code, refresh and
 * access tokens), so checks can ask "did this login keep one DPoP key?" from the transcript alone.
 */
export function followTrails(t: Transcript): Trail[] {
  const trails: Trail[] = []
  const byRequestUri = new Map<string, Trail>()
  const byCode = new Map<string, Trail>()
  const byToken = new Map<string, Trail>()
  const remember = (trail: Trail, ex: Exchange) => {
    const body = responseJson(ex)
    for (const key of ['access_token', 'refresh_token']) {
      const v = body?.[key]
      if (typeof v === 'string') byToken.set(v, trail)
    }
  }
  for (const ex of t.exchanges()) {
    const path = ex.request.path
    if (ex.actor === 'client' && path === '/oauth/par') {
      const uri = requestUriOf(ex)
      if (!uri) continue
      const trail: Trail = { par: ex, requestUri: uri, codeChallenge: param(ex, 'code_challenge'), parJkt: proofJkt(ex), uses: [] }
      trails.push(trail)
      byRequestUri.set(uri, trail)
    } else if (ex.actor === 'user-agent' && path === '/oauth/authorize/consent') {
      const trail = byRequestUri.get(String(ex.request.params?.request_uri ?? ''))
      const code = codeFromRedirect(ex)
      if (trail && code) {
        trail.code = code
        byCode.set(code, trail)
      }
    } else if (ex.actor === 'client' && path === '/oauth/token') {
      const key = param(ex, 'grant_type') === 'refresh_token' ? param(ex, 'refresh_token') : param(ex, 'code')
      const trail = key ? (byCode.get(key) ?? byToken.get(key)) : undefined
      if (trail) {
        trail.uses.push(ex)
        remember(trail, ex)
      }
    } else if (ex.actor === 'client' && path === '/oauth/revoke') {
      const trail = byToken.get(param(ex, 'token') ?? '')
      if (trail) trail.uses.push(ex)
    } else if (ex.actor === 'client' && ex.server === 'pds') {
      const token = accessTokenOf(ex)
      const trail = token ? byToken.get(token) : undefined
      if (trail) trail.uses.push(ex)
    }
  }
  return trails
}

/** The authorization_code grant requests of one login. */
export function codeExchanges(trail: Trail): Exchange[] {
  return trail.uses.filter((e) => e.request.path === '/oauth/token' && param(e, 'grant_type') === 'authorization_code')
}
