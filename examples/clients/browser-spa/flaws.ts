/**
 * The example SPA's deliberate flaws, chosen with `?flaw=a,b` on its URL (`--client-browser example?flaw=…`).
 * Each makes the app rewrite what the library would refuse before handing a callback to it.
 */
export const FLAWS = ['skip-iss-check', 'skip-state-check'] as const
export type Flaw = (typeof FLAWS)[number]

/** The names in `?flaw=` that are not flaws of the example (the driver refuses them before any scenario). */
export function unknownFlaws(value: string | null): string[] {
  return (value ?? '').split(',').filter((f) => f && !(FLAWS as readonly string[]).includes(f))
}
