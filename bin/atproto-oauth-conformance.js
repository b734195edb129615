#!/usr/bin/env node
// Installed from npm, the CLI is the bundle in dist/cli/ (npm run build, run by npm pack): no TypeScript
// loader on the way. In a checkout of the repository the TypeScript sources sit next to this folder and run
// through tsx, so an old build never answers for the current sources.
import { existsSync } from 'node:fs'

const source = new URL('../harness/cli.ts', import.meta.url)
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(source.href)
} else {
  await import('../dist/cli/cli.js')
}
