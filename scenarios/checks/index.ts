import type { Check } from '../../harness/check.ts'
import { dpopKeyPerLogin, pkceFreshChallenge } from './login-fresh-secrets.ts'
import { confDpopKeyDistinct, confSameKey } from './conf-keys.ts'
import { scopeDeclared } from './scope-declared.ts'
import {
  loopNativeHttpsOrigin,
  loopNativeScheme,
  metaApplicationType,
  metaGrantTypes,
  metaJwks,
  metaLinks,
  metaNativeAuthNone,
  metaPublicAuthNone,
  metaRedirectUris,
  metaResponseTypes,
} from './meta-lint.ts'
import { metaClientIdForm, metaConventionalLocation } from './meta-client-id.ts'
import { parNoOidcParams, parPromptAdvertised, stateResponseModeAdvertised } from './par-parameters.ts'
import { stateOpaque } from './state-opaque.ts'
import { metaStableClientId } from './meta-stable-client-id.ts'
import { scopeNoWideningRefresh } from './scope-no-widening-refresh.ts'
import { discLoginHint } from './disc-login-hint.ts'
import { parFormBody, parRequestFields } from './par-request.ts'
import { stateRedirectUri, tokenRequestShape } from './token-request.ts'
import { dpopSingleHeader } from './dpop-single-header.ts'
import { dpopStandardClaims } from './dpop-standard-claims.ts'
import { dpopSignature } from './dpop-signature.ts'
import { confNoClientSecret } from './conf-no-client-secret.ts'
import { resTokenToPdsOnly } from './res-token-to-pds-only.ts'
import { tokenSecretsConfidential } from './token-secrets-confidential.ts'
import { confAssertion } from './conf-assertion.ts'
import { confFreshJti } from './conf-fresh-jti.ts'
import { confFreshOnRetry } from './conf-fresh-on-retry.ts'
import { dpopAth } from './dpop-ath.ts'
import { dpopFreshJti } from './dpop-fresh-jti.ts'
import { dpopHtu } from './dpop-htu.ts'
import { dpopProofShape } from './dpop-proof-shape.ts'
import { dpopSameKey } from './dpop-same-key.ts'
import { nonceBounded } from './nonce-bounded.ts'
import { nonceLatest } from './nonce-latest.ts'
import { noncePerOrigin } from './nonce-per-origin.ts'
import { revokeDpop } from './revoke-dpop.ts'
import { revokeSuperseded } from './revoke-superseded.ts'
import { loopNoPromptNone } from './loop-no-prompt-none.ts'
import { metaDocument } from './meta-document.ts'
import { nonceRetry } from './nonce-retry.ts'
import { parDpop } from './par-dpop.ts'
import { parPushed } from './par-pushed.ts'
import { pkceS256 } from './pkce-s256.ts'
import { pkceVerifier } from './pkce-verifier.ts'
import { refreshRotation } from './refresh-rotation.ts'
import { resDpopScheme } from './res-dpop-scheme.ts'
import { scopeAtproto } from './scope-atproto.ts'
import { statePresent } from './state-present.ts'
import { tokenCodeOnce } from './token-code-once.ts'

/** The request checks every scenario runs over its transcript (DESIGN §3). */
export const ALWAYS_ON_CHECKS: readonly Check[] = [
  parPushed,
  parDpop,
  parFormBody,
  parRequestFields,
  pkceS256,
  pkceVerifier,
  pkceFreshChallenge,
  scopeAtproto,
  scopeDeclared,
  discLoginHint,
  statePresent,
  dpopProofShape,
  dpopSignature,
  dpopSingleHeader,
  dpopStandardClaims,
  dpopHtu,
  dpopFreshJti,
  dpopAth,
  dpopSameKey,
  dpopKeyPerLogin,
  nonceRetry,
  nonceBounded,
  nonceLatest,
  noncePerOrigin,
  resDpopScheme,
  tokenCodeOnce,
  tokenRequestShape,
  stateRedirectUri,
  tokenSecretsConfidential,
  resTokenToPdsOnly,
  refreshRotation,
  revokeDpop,
  revokeSuperseded,
  loopNoPromptNone,
  metaDocument,
  metaGrantTypes,
  metaResponseTypes,
  metaRedirectUris,
  metaJwks,
  confAssertion,
  confFreshJti,
  confFreshOnRetry,
  confNoClientSecret,
  confDpopKeyDistinct,
  confSameKey,
  parNoOidcParams,
  parPromptAdvertised,
  stateResponseModeAdvertised,
  stateOpaque,
  metaClientIdForm,
  metaConventionalLocation,
  metaApplicationType,
  metaNativeAuthNone,
  metaPublicAuthNone,
  loopNativeScheme,
  loopNativeHttpsOrigin,
  scopeNoWideningRefresh,
  metaLinks,
  metaStableClientId,
]
