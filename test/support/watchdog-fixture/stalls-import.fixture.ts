import { it } from 'vitest'
// vitest's process never answers this import (the fixture config's plugin holds its transform): the file waits
// idle before its first test, and the watchdog must say which import is unanswered.
import { never } from './never-transformed.ts'

it('never starts', () => {
  void never
})
