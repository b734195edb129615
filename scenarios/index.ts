import type { Scenario } from '../harness/scenario.ts'
import confidentialLogin from './conf/confidential-login.ts'
import loginWithDid from './disc/login-with-did.ts'
import loginWithHandle from './disc/login-with-handle.ts'
import loginWithPdsUrl from './disc/login-with-pds-url.ts'
import loginWithDidWeb from './ident/login-with-did-web.ts'
import callbackIssMismatch from './iss/callback-iss-mismatch.ts'
import refreshRotation from './refresh/refresh-rotation.ts'
import restoreSession from './refresh/restore-session.ts'
import pdsCallWithNonce from './res/pds-call-with-nonce.ts'
import signOutRevokes from './revoke/sign-out-revokes.ts'

/** Every scenario, in catalog order. A registry test checks that each file under scenarios/<family>/ is listed. */
export const SCENARIOS: readonly Scenario[] = [
  loginWithHandle,
  loginWithDid,
  loginWithPdsUrl,
  loginWithDidWeb,
  pdsCallWithNonce,
  refreshRotation,
  restoreSession,
  signOutRevokes,
  confidentialLogin,
  callbackIssMismatch,
]
