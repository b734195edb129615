/**
 * The reference captures for the mock endpoint tests: loading, facts and proof re-signing come from the
 * fidelity probe (fidelity/captures.ts, fidelity/compare.ts, fidelity/proofs.ts); this module keeps the
 * shapes test/mocks uses.
 */
import {
  listCaptures as listFolder,
  loadCapture,
  REFERENCE_ISSUER,
  type Capture,
  type CaptureFolder,
} from '../../fidelity/captures.ts'
import { ProofReplayer as FidelityProofReplayer } from '../../fidelity/proofs.ts'
import { otherLoopbackName } from '../../fidelity/target.ts'

export { factsOfCapture, factsOfResult, type WireFacts } from '../../fidelity/compare.ts'
export { loadCapture, REFERENCE_ISSUER, type Capture }

/** The captures are vendored in fidelity/captures, so they are always there. */
export const capturesAvailable = true
export const CAPTURES_MISSING = 'reference captures not found (fidelity/captures): fixture comparison skipped'

/** Every exchange of one folder, in file-number order. */
export function listCaptures(folder: string): Capture[] {
  return listFolder(folder as CaptureFolder)
}

/**
 * Maps a capture's proofs onto one World origin: one fresh key per recorded key, one fresh jti per recorded
 * jti, `iat` at the recorded offset, the World's issuer in `htu` (the recorded other name of the server,
 * 127.0.0.1:2583, becomes the World's other loopback name), and a real recorded nonce replaced by the World's.
 */
export class ProofReplayer {
  readonly #proofs = new FidelityProofReplayer()
  constructor(
    readonly issuer: string,
    readonly nonce: () => string | undefined,
  ) {}

  /** The World key standing for a recorded key thumbprint, if that key signed a proof already. */
  jktFor(recordedJkt: string): string | undefined {
    return this.#proofs.jktFor(recordedJkt)
  }

  mapUrl(url: string): string {
    const other = otherLoopbackName(this.issuer) ?? this.issuer
    if (url.startsWith(REFERENCE_ISSUER.toUpperCase())) return this.issuer.toUpperCase() + url.slice(REFERENCE_ISSUER.length)
    if (url.startsWith(REFERENCE_ISSUER)) return this.issuer + url.slice(REFERENCE_ISSUER.length)
    if (url.startsWith('http://127.0.0.1:2583')) return other + url.slice('http://127.0.0.1:2583'.length)
    return url
  }

  /** Re-signs a recorded proof, or returns undefined when the recorded header is not a decodable proof. */
  resign(recorded: string, recordedAt: string): string | undefined {
    return this.#proofs.resign(recorded, recordedAt, {
      htu: (h) => this.mapUrl(h),
      nonce: (n) => (/^[A-Za-z0-9_-]{43}$/.test(n) ? this.nonce() : n),
      ath: (a) => a,
      now: Date.now(),
    })
  }
}
