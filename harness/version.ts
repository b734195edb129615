import { existsSync, readFileSync } from 'node:fs'

/**
 * The package version, read once from package.json: one folder up from the sources (harness/), two from the
 * built files (dist/harness/).
 */
export const TOOL_VERSION: string = (() => {
  const file = ['../package.json', '../../package.json'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u))
  if (!file) return '0.0.0'
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
})()
