import type { BffCheck } from './shared.ts'
import { noTokenToFrontend } from './no-token-to-frontend.ts'
import { didNotCredential } from './did-not-credential.ts'
import { sessionRequired } from './session-required.ts'
import { originChecked } from './origin-checked.ts'
import { corsFrontendOnly } from './cors-frontend-only.ts'
import { cookieSecure } from './cookie-httponly-secure.ts'
import { cookiePrefix } from './cookie-host-samesite.ts'
import { noTokenConfusion } from './no-token-confusion.ts'
import { loginCsrf } from './login-csrf.ts'
import { noOpenRedirect } from './no-open-redirect.ts'
import { singleFlight } from './single-flight-refresh.ts'
import { invalidGrantLogsOut } from './invalid-grant-logs-out.ts'
import { logoutEndsSession } from './logout-ends-session.ts'
import { logoutRevokes } from './logout-revokes.ts'

export { AS_STATE_NOTE, grants, mintedTokens, type BffCheck, type BffCheckContext } from './shared.ts'

/** Every BFF check; each runs on every BFF scenario and skips when the scenario does not exercise it. */
export const BFF_CHECKS: readonly BffCheck[] = [
  noTokenToFrontend,
  didNotCredential,
  sessionRequired,
  originChecked,
  corsFrontendOnly,
  cookieSecure,
  cookiePrefix,
  noTokenConfusion,
  loginCsrf,
  noOpenRedirect,
  singleFlight,
  invalidGrantLogsOut,
  logoutEndsSession,
  logoutRevokes,
]
