import { describe, expect, it } from 'vitest'
import { parseDeclaration } from './declaration.ts'
import { parseSetCookie } from './cookies.ts'

const valid = {
  name: 'x',
  baseUrl: 'http://127.0.0.1:8787',
  setup: '/conformance/setup',
  frontend: { origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop', redirectUri: 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/callback' },
  session: { carrier: 'header', header: 'authorization', scheme: 'Bearer', from: 'fragment', param: 'session' },
  endpoints: {
    login: { path: '/login' },
    callback: { path: '/oauth/callback' },
    api: { method: 'GET', path: '/api/me' },
    logout: { method: 'POST', path: '/logout' },
  },
}

describe('backend declaration', () => {
  it('accepts an extension origin and fills in the handle parameter', () => {
    const d = parseDeclaration(valid)
    expect(d.endpoints.login.handleParam).toBe('handle')
    expect(d.endpoints.refresh).toBeUndefined()
  })
  it('names the wrong field', () => {
    expect(() => parseDeclaration({ ...valid, baseUrl: 'https://example.com' })).toThrow('backend declaration: baseUrl must be a loopback origin')
    expect(() => parseDeclaration({ ...valid, frontend: { ...valid.frontend, origin: 'https://app.example/path' } })).toThrow('frontend.origin must be a bare origin')
    expect(() => parseDeclaration({ ...valid, session: { carrier: 'header', header: 'authorization', from: 'body', param: 's' } })).toThrow('session.from must be "fragment" or "query"')
    expect(() => parseDeclaration({ ...valid, endpoints: { ...valid.endpoints, api: { method: 'PUT', path: '/x' } } })).toThrow('endpoints.api.method must be "GET" or "POST"')
  })
})

describe('Set-Cookie parsing', () => {
  it('reads flags and attributes case-insensitively', () => {
    const c = parseSetCookie('__Host-sid=abc; Path=/; secure; HTTPONLY; SameSite=Lax')!
    expect(c.name).toBe('__Host-sid')
    expect(c.attributes).toEqual({ path: '/', secure: '', httponly: '', samesite: 'Lax' })
  })
})
