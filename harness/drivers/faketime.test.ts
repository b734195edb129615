import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { createFakeClock, faketimeOffset, findLibfaketime } from './faketime.ts'

describe('the faked client clock', () => {
  it('writes offsets in libfaketime\'s relative form', () => {
    expect(faketimeOffset(0)).toBe('+0.000')
    expect(faketimeOffset(3_600_000)).toBe('+3600.000')
    expect(faketimeOffset(-600_000)).toBe('-600.000')
    expect(faketimeOffset(2500)).toBe('+2.500')
  })

  it('does not find a library that is not there', () => {
    expect(findLibfaketime({ ATPROTO_CONFORMANCE_LIBFAKETIME: '/nonexistent/libfaketime.so.1' })).toBeUndefined()
  })

  const library = findLibfaketime()
  it.skipIf(!library)("moves Node's Date.now() in a child process, back and forth, without touching its timers", () => {
    const clock = createFakeClock(library!)
    try {
      // The child reads its clock, asks for a move, and reads again after a timer: the file is read on every call.
      const script = `
        const fs = require('fs')
        const first = Date.now()
        fs.writeFileSync(process.env.FAKETIME_TIMESTAMP_FILE, '-600.000')
        setTimeout(() => console.log(JSON.stringify([first, Date.now()])), 5)`
      clock.setOffset(3_600_000)
      const before = Date.now()
      const [first, second] = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...clock.env }, timeout: 10_000 }).toString()) as [number, number]
      const after = Date.now()
      expect(first - before).toBeGreaterThanOrEqual(3_600_000)
      expect(first - after).toBeLessThanOrEqual(3_600_000)
      expect(second - after).toBeLessThanOrEqual(-600_000 + 1)
      expect(second - before).toBeGreaterThanOrEqual(-600_000)
    } finally {
      clock.dispose()
    }
  })
})
