import type { BaselineVocabulary } from '../reports/baseline.ts'
import { ALWAYS_ON_CHECKS } from '../scenarios/checks/index.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { EXPECTATION_CHECK_ID, RUNNER_CHECK_IDS } from '../model/verdict.ts'

/** The bundled scenarios and every check id a report can contain. */
export function defaultVocabulary(): BaselineVocabulary {
  return {
    scenarios: SCENARIOS.map((s) => s.id),
    checks: [EXPECTATION_CHECK_ID, ...ALWAYS_ON_CHECKS.map((c) => c.id), ...RUNNER_CHECK_IDS],
  }
}
