import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-store-write-fails',
  title: 'Revokes the new tokens when the session store fails to save them',
  family: 'REFRESH',
  requirements: [{ id: 'REFRESH-12', level: 'SHOULD' }],
  needs: ['storeFaults'],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'failSessionStore' }, { op: 'refresh' }],
  expect: { failsAt: 'refresh', sends: ['POST /oauth/revoke'], atMost: { 'POST /oauth/token': 2 } },
  explain: {
    tests: 'After login the client\'s session store starts failing on write (the driver switches it). A refresh then gets new tokens it cannot save: the client must report the session as lost and revoke the new tokens.',
    why: 'Refresh tokens are single-use: the old one is spent, and new tokens nobody stored leave a live session at the AS that nobody can refresh or revoke later.',
    fix: 'Persist the new token set before using it; if that fails, revoke the new tokens and report the session as lost.',
  },
})
