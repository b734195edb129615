import { minimalClient } from './adapter.ts'
import { parseFlaws } from './flaws.ts'

/**
 * `--client minimal` (or `--client examples/clients/minimal/index.ts`): one driver per scenario.
 * `--client-option flaw=a,b` switches on deliberate flaws (README.md); an unknown name is an error listing the
 * known ones.
 */
export default function createMinimalClient(options: Record<string, string> = {}): ReturnType<typeof minimalClient> {
  return minimalClient(parseFlaws(options.flaw))
}
