import { it } from 'vitest'

// Blocks its process's only JavaScript thread for good (a synchronous wait that is never woken): it can write no
// diagnostic report, and the watchdog must still say where its threads wait.
it('blocks its own thread', () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
})
