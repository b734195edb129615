import { expect, it } from 'vitest'

it('finishes at once', () => {
  expect(1 + 1).toBe(2)
})
