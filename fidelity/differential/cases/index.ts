/** Every differential case, in run order. */
import type { Case } from '../case.ts'
import { authorizeCases } from './authorize.ts'
import { dpopCases } from './dpop.ts'
import { metadataCases } from './metadata.ts'
import { parCases } from './par.ts'
import { pdsCases } from './pds.ts'
import { permissionCases } from './permissions.ts'
import { tokenCases } from './token.ts'

export function allCases(): Case[] {
  const cases = [...metadataCases(), ...parCases(), ...dpopCases(), ...authorizeCases(), ...tokenCases(), ...pdsCases(), ...permissionCases()]
  const ids = new Set<string>()
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`two differential cases are named ${c.id}`)
    ids.add(c.id)
  }
  return cases
}
