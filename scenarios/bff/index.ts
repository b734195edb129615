import type { BffScenario } from '../../harness/bff/scenario.ts'
import bffCookieAttributes from './bff-cookie-attributes.ts'
import bffCrossOriginRefused from './bff-cross-origin-refused.ts'
import bffDidNotCredential from './bff-did-not-credential.ts'
import bffLoginAndCall from './bff-login-and-call.ts'
import bffLoginCsrf from './bff-login-csrf.ts'
import bffLogoutRevokes from './bff-logout-revokes.ts'
import bffOpenRedirect from './bff-open-redirect.ts'
import bffPdsTokenRefused from './bff-pds-token-refused.ts'
import bffRefreshByDidRefused from './bff-refresh-by-did-refused.ts'
import bffRefreshInvalidGrant from './bff-refresh-invalid-grant.ts'
import bffRefreshSingleFlight from './bff-refresh-single-flight.ts'
import bffRefreshStaysInBackend from './bff-refresh-stays-in-backend.ts'
import bffSessionRequired from './bff-session-required.ts'

/**
 * The BFF family: scenarios for an app's backend and the session layer it adds towards its frontend,
 * run by harness/bff/runner.ts against a declared backend (docs/bff.md), not through a client driver.
 */
export const BFF_SCENARIOS: readonly BffScenario[] = [
  bffLoginAndCall,
  bffRefreshStaysInBackend,
  bffDidNotCredential,
  bffRefreshByDidRefused,
  bffSessionRequired,
  bffCrossOriginRefused,
  bffCookieAttributes,
  bffPdsTokenRefused,
  bffLoginCsrf,
  bffOpenRedirect,
  bffRefreshSingleFlight,
  bffRefreshInvalidGrant,
  bffLogoutRevokes,
]
