import { describe, expect, it } from 'vitest'
import { assertDiscoverableClientId, loopbackClientMetadata, redirectUriMatches } from './client-id.ts'

describe('loopback client ids', () => {
  it('reads redirect_uri and scope from the query, with the reference defaults', () => {
    const m = loopbackClientMetadata('http://localhost?scope=atproto+transition%3Ageneric&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback')
    expect(m.redirect_uris).toEqual(['http://127.0.0.1:8080/callback'])
    expect(m.scope).toBe('atproto transition:generic')
    expect(m.token_endpoint_auth_method).toBe('none')
    expect(loopbackClientMetadata('http://localhost/').redirect_uris).toEqual(['http://127.0.0.1/', 'http://[::1]/'])
  })
  it.each(['http://127.0.0.1', 'http://localhost:8080', 'http://localhost/foo', 'http://localhost?redirect_uri=https%3A%2F%2Fexample.com%2Fcb', 'http://localhost?x=1'])(
    'refuses %s with invalid_client_metadata',
    (id) => {
      expect(() => loopbackClientMetadata(id)).toThrow(`Invalid client ID "${id}"`)
    },
  )
})

describe('discoverable client ids', () => {
  it.each(['https://localhost/client-metadata.json', 'https://127.0.0.1:1/client-metadata.json', 'https://vm/client-metadata.json', 'https://localhost', 'https://app.example.com/', 'http://app.example.com/m.json'])(
    'refuses %s before any fetch',
    (id) => {
      expect(() => assertDiscoverableClientId(id)).toThrow('Invalid client ID')
    },
  )
  it('accepts an https URL with a dotted host and a path', () => {
    expect(assertDiscoverableClientId('https://client.world.internal/client-metadata.json').host).toBe('client.world.internal')
  })
})

describe('redirect URI matching (RFC 8252 §7.3 as the reference does it)', () => {
  it('wildcards the port only when the registered loopback URI has none', () => {
    expect(redirectUriMatches('http://127.0.0.1/', 'http://127.0.0.1:8080/')).toBe(true)
    expect(redirectUriMatches('http://127.0.0.1/', 'http://127.0.0.1:8080/cb')).toBe(false)
    expect(redirectUriMatches('http://127.0.0.1:8080/callback', 'http://127.0.0.1:9999/callback')).toBe(false)
    expect(redirectUriMatches('https://app.example.com/cb', 'https://app.example.com/cb')).toBe(true)
  })
})
