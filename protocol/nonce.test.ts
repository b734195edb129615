import { describe, expect, it } from 'vitest'
import { manualClock } from '../model/clock.ts'
import { NonceManager, ReplayStore } from './nonce.ts'

describe('NonceManager', () => {
  it('hands out a 43-char nonce that stays valid for two rotations and expires on the third', () => {
    const clock = manualClock(1_700_000_000_000)
    const nonces = new NonceManager(clock)
    const n = nonces.next()
    expect(n).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(nonces.check(n)).toBe(true)
    clock.advance(60_000)
    expect(nonces.check(n)).toBe(true)
    clock.advance(60_000)
    expect(nonces.check(n)).toBe(true)
    clock.advance(60_000)
    expect(nonces.check(n)).toBe(false)
  })
  it('rotates on the World clock, not on real time', () => {
    const clock = manualClock(0)
    const nonces = new NonceManager(clock, { rotateEveryMs: 1000 })
    const a = nonces.next()
    expect(nonces.next()).toBe(a)
    clock.advance(1000)
    expect(nonces.next()).not.toBe(a)
  })
  it('refuses nonces of another manager (another World)', () => {
    const clock = manualClock(0)
    expect(new NonceManager(clock).check(new NonceManager(clock).next())).toBe(false)
  })
})

describe('ReplayStore', () => {
  it('detects a replay until the entry expires', () => {
    const clock = manualClock(0)
    const store = new ReplayStore(clock, 1000)
    expect(store.unique('a')).toBe(true)
    expect(store.unique('a')).toBe(false)
    clock.advance(1001)
    expect(store.unique('a')).toBe(true)
  })
})
