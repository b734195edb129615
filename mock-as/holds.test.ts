import { describe, expect, it } from 'vitest'
import { ResponseHolds } from './holds.ts'

describe('held responses', () => {
  it('holds the first request at a seam until released, and lets later ones pass', async () => {
    const holds = new ResponseHolds()
    const events: string[] = []
    const held = holds.hold('refresh').then(() => events.push('first released'))
    await holds.whenHeld('refresh')
    await holds.hold('refresh').then(() => events.push('second passed'))
    expect(events).toEqual(['second passed'])
    holds.release('refresh')
    await held
    expect(events).toEqual(['second passed', 'first released'])
  })

  it('tells a waiter once a request is held, and releases everything on close', async () => {
    const holds = new ResponseHolds()
    const seen = holds.whenHeld('refresh')
    const held = holds.hold('refresh')
    await seen
    holds.close()
    await held
    await holds.hold('other')
  })
})
