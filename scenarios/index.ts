import type { Scenario } from '../harness/scenario.ts'
import asEndpointsOffOrigin from './iss/as-endpoints-off-origin.ts'
import asMetadataCimdUnsupported from './iss/as-metadata-cimd-unsupported.ts'
import asMetadataIssuerMismatch from './iss/as-metadata-issuer-mismatch.ts'
import asProtectedResourcesMismatch from './iss/as-protected-resources-mismatch.ts'
import authorizeUrlRequestUriOnly from './par/authorize-url-request-uri-only.ts'
import callbackAccessDenied from './state/callback-access-denied.ts'
import callbackCodeAndError from './state/callback-code-and-error.ts'
import callbackIssMismatch from './iss/callback-iss-mismatch.ts'
import callbackIssMissing from './iss/callback-iss-missing.ts'
import callbackStateMissing from './state/callback-state-missing.ts'
import callbackStateReplayed from './state/callback-state-replayed.ts'
import callbackStateTampered from './state/callback-state-tampered.ts'
import confAssertionBeforeNonce from './conf/conf-assertion-before-nonce.ts'
import confAssertionClaims from './conf/conf-assertion-claims.ts'
import confAuthMethodNotOffered from './conf/conf-auth-method-not-offered.ts'
import confJwksUri from './conf/conf-jwks-uri.ts'
import confidentialLogin from './conf/confidential-login.ts'
import dpopAlgFromMetadata from './dpop/dpop-alg-from-metadata.ts'
import dpopAth from './dpop/dpop-ath.ts'
import dpopAuthorizationScheme from './dpop/dpop-authorization-scheme.ts'
import dpopFreshJti from './dpop/dpop-fresh-jti.ts'
import dpopHtuWithoutQuery from './dpop/dpop-htu-without-query.ts'
import dpopSameKeyRefresh from './dpop/dpop-same-key-refresh.ts'
import dpopTokenTypeBearer from './dpop/dpop-token-type-bearer.ts'
import identDecoyService from './ident/ident-decoy-service.ts'
import identHandleNotInDidDoc from './ident/ident-handle-not-in-did-doc.ts'
import identNoPdsService from './ident/ident-no-pds-service.ts'
import loginWithDid from './disc/login-with-did.ts'
import loginWithDidWeb from './ident/login-with-did-web.ts'
import loginWithHandle from './disc/login-with-handle.ts'
import loginWithPdsUrl from './disc/login-with-pds-url.ts'
import loopbackClientId from './loop/loopback-client-id.ts'
import loopbackRedirectIp from './loop/loopback-redirect-ip.ts'
import metaDocument from './meta/meta-document.ts'
import noUseAfterSignOut from './revoke/no-use-after-sign-out.ts'
import nonceAtParAndToken from './nonce/nonce-at-par-and-token.ts'
import nonceChallengeForever from './nonce/nonce-challenge-forever.ts'
import nonceOddCaseChallenge from './nonce/nonce-odd-case-challenge.ts'
import noncePerOrigin from './nonce/nonce-per-origin.ts'
import nonceRotation from './nonce/nonce-rotation.ts'
import nonceSelfHosted from './nonce/nonce-self-hosted.ts'
import parDpopStrict from './par/par-dpop-strict.ts'
import parEndpointMissing from './par/par-endpoint-missing.ts'
import pdsCallWithNonce from './res/pds-call-with-nonce.ts'
import pkcePlainOffered from './pkce/pkce-plain-offered.ts'
import pkceRequired from './pkce/pkce-required.ts'
import pkceVerifier from './pkce/pkce-verifier.ts'
import prmNoAuthorizationServers from './iss/prm-no-authorization-servers.ts'
import prmResourceMismatch from './iss/prm-resource-mismatch.ts'
import prmTwoAuthorizationServers from './iss/prm-two-authorization-servers.ts'
import publicNoSilentSignIn from './loop/public-no-silent-sign-in.ts'
import refreshConcurrent from './refresh/refresh-concurrent.ts'
import refreshInvalidGrant from './refresh/refresh-invalid-grant.ts'
import refreshResponseLost from './refresh/refresh-response-lost.ts'
import refreshRotation from './refresh/refresh-rotation.ts'
import refreshScopeShrinks from './refresh/refresh-scope-shrinks.ts'
import refreshSubChanges from './bind/refresh-sub-changes.ts'
import refreshTransient5xx from './refresh/refresh-transient-5xx.ts'
import resInsufficientScope from './res/res-insufficient-scope.ts'
import restoreAfterAsChange from './bind/restore-after-as-change.ts'
import restoreSession from './refresh/restore-session.ts'
import revokeFailureStillSignsOut from './revoke/revoke-failure-still-signs-out.ts'
import revokeUnverifiedTokens from './revoke/revoke-unverified-tokens.ts'
import signOutRevokes from './revoke/sign-out-revokes.ts'
import tokenExpiredAtPds from './token/token-expired-at-pds.ts'
import tokenLostResponse from './token/token-lost-response.ts'
import tokenNoExpiresIn from './token/token-no-expires-in.ts'
import tokenScopeNarrower from './token/token-scope-narrower.ts'
import tokenScopeWithoutAtproto from './token/token-scope-without-atproto.ts'
import tokenSubForeignAs from './bind/token-sub-foreign-as.ts'
import tokenSubMissing from './bind/token-sub-missing.ts'
import tokenSubNotDid from './bind/token-sub-not-did.ts'
import tokenSubOtherAccount from './bind/token-sub-other-account.ts'
import twoLoginsFreshSecrets from './state/two-logins-fresh-secrets.ts'
import parPermissionSetUnresolvable from './par/par-permission-set-unresolvable.ts'
import reloginRevokesOldSession from './revoke/relogin-revokes-old-session.ts'
import resProxyAudience from './res/res-proxy-audience.ts'
import resScopeErrorChallenge from './res/res-scope-error-challenge.ts'
import resScopeErrorVariantName from './res/res-scope-error-variant-name.ts'
import resServiceAuthAudience from './res/res-service-auth-audience.ts'
import scopeAccountDeactivated from './scope/scope-account-deactivated.ts'
import scopeBlobDirect from './scope/scope-blob-direct.ts'
import scopeDroppedSilently from './scope/scope-dropped-silently.ts'
import scopeIncludeExpanded from './scope/scope-include-expanded.ts'
import scopeIncludeUnexpanded from './scope/scope-include-unexpanded.ts'
import scopePartialConsent from './scope/scope-partial-consent.ts'
import scopeSetChangesAtRefresh from './scope/scope-set-changes-at-refresh.ts'
import scopeUnparsableRefused from './scope/scope-unparsable-refused.ts'
import tokenPermissionSetUnresolvable from './par/token-permission-set-unresolvable.ts'
import asMetadataRedirect from './disc/as-metadata-redirect.ts'
import asMetadataNotJson from './disc/as-metadata-not-json.ts'
import prmStatus203 from './disc/prm-status-203.ts'
import identCacheLifetime from './ident/ident-cache-lifetime.ts'
import parResponseEmpty from './par/par-response-empty.ts'
import parResponseNegativeExpiry from './par/par-response-negative-expiry.ts'
import parRequestExpired from './par/par-request-expired.ts'
import asPromptValuesLimited from './par/as-prompt-values-limited.ts'
import callbackLate from './state/callback-late.ts'
import callbackResponseMode from './state/callback-response-mode.ts'
import asResponseModesQueryOnly from './state/as-response-modes-query-only.ts'
import tokenOpaqueAccessToken from './token/token-opaque-access-token.ts'
import refreshRacesSignOut from './refresh/refresh-races-sign-out.ts'
import refreshStoreWriteFails from './refresh/refresh-store-write-fails.ts'
import refreshProactive from './refresh/refresh-proactive.ts'
import scopeUpgradeReauthorize from './scope/scope-upgrade-reauthorize.ts'
import dpopClientClockBehind from './dpop/dpop-client-clock-behind.ts'
import confAssertionClockAhead from './conf/conf-assertion-clock-ahead.ts'
import nativeAppLogin from './meta/native-app-login.ts'
import metaScopeDeclaredTooLate from './meta/meta-scope-declared-too-late.ts'
import refreshAsChanged from './iss/refresh-as-changed.ts'
import prmIssuerTrailingSlash from './disc/prm-issuer-trailing-slash.ts'
import asHttpInProduction from './disc/as-http-in-production.ts'

/** Every scenario, in catalog order. A registry test checks that each file under scenarios/<family>/ is listed. */
export const SCENARIOS: readonly Scenario[] = [
  loginWithDid,
  loginWithHandle,
  loginWithPdsUrl,
  identDecoyService,
  identHandleNotInDidDoc,
  identNoPdsService,
  loginWithDidWeb,
  asEndpointsOffOrigin,
  asMetadataCimdUnsupported,
  asMetadataIssuerMismatch,
  asProtectedResourcesMismatch,
  callbackIssMismatch,
  callbackIssMissing,
  prmNoAuthorizationServers,
  prmResourceMismatch,
  prmTwoAuthorizationServers,
  refreshSubChanges,
  restoreAfterAsChange,
  tokenSubForeignAs,
  tokenSubMissing,
  tokenSubNotDid,
  tokenSubOtherAccount,
  callbackAccessDenied,
  callbackCodeAndError,
  callbackStateMissing,
  callbackStateReplayed,
  callbackStateTampered,
  twoLoginsFreshSecrets,
  authorizeUrlRequestUriOnly,
  parDpopStrict,
  parEndpointMissing,
  pkcePlainOffered,
  pkceRequired,
  pkceVerifier,
  dpopAlgFromMetadata,
  dpopAth,
  dpopAuthorizationScheme,
  dpopFreshJti,
  dpopHtuWithoutQuery,
  dpopSameKeyRefresh,
  dpopTokenTypeBearer,
  nonceAtParAndToken,
  nonceChallengeForever,
  nonceOddCaseChallenge,
  noncePerOrigin,
  nonceRotation,
  nonceSelfHosted,
  tokenExpiredAtPds,
  tokenLostResponse,
  tokenNoExpiresIn,
  tokenScopeNarrower,
  tokenScopeWithoutAtproto,
  pdsCallWithNonce,
  resInsufficientScope,
  refreshConcurrent,
  refreshInvalidGrant,
  refreshResponseLost,
  refreshRotation,
  refreshScopeShrinks,
  refreshTransient5xx,
  restoreSession,
  noUseAfterSignOut,
  revokeFailureStillSignsOut,
  revokeUnverifiedTokens,
  signOutRevokes,
  confAssertionBeforeNonce,
  confAssertionClaims,
  confAuthMethodNotOffered,
  confJwksUri,
  confidentialLogin,
  loopbackClientId,
  loopbackRedirectIp,
  publicNoSilentSignIn,
  metaDocument,
  scopeIncludeExpanded,
  scopeIncludeUnexpanded,
  scopeDroppedSilently,
  scopeUnparsableRefused,
  scopeBlobDirect,
  scopePartialConsent,
  scopeSetChangesAtRefresh,
  scopeAccountDeactivated,
  parPermissionSetUnresolvable,
  tokenPermissionSetUnresolvable,
  resProxyAudience,
  resServiceAuthAudience,
  resScopeErrorVariantName,
  resScopeErrorChallenge,
  reloginRevokesOldSession,
  asMetadataRedirect,
  asMetadataNotJson,
  prmStatus203,
  identCacheLifetime,
  parResponseEmpty,
  parResponseNegativeExpiry,
  parRequestExpired,
  asPromptValuesLimited,
  callbackLate,
  callbackResponseMode,
  asResponseModesQueryOnly,
  tokenOpaqueAccessToken,
  refreshRacesSignOut,
  refreshStoreWriteFails,
  refreshProactive,
  scopeUpgradeReauthorize,
  dpopClientClockBehind,
  confAssertionClockAhead,
  nativeAppLogin,
  refreshAsChanged,
  prmIssuerTrailingSlash,
  asHttpInProduction,
  metaScopeDeclaredTooLate,
]
