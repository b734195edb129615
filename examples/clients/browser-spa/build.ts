import { build } from 'esbuild'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packageFile } from '../../../model/package-file.ts'

const HERE = fileURLToPath(packageFile('examples/clients/browser-spa/'))

/** Another SPA built the same way (examples/clients/atcute-browser): its entry point and package aliases. */
export interface SpaSource {
  /** The app's entry module (default: this directory's app.ts). */
  entry?: string
  /** Bare import → directory, for an app that must bundle the copy of a package its library declares. */
  alias?: Record<string, string>
}

/**
 * Bundles app.ts and `@atproto/oauth-client-browser` into one browser script, `<outDir>/app.js` (a fresh temp
 * directory by default, so a read-only install still works). esbuild only: no config, about half a second.
 */
export async function buildSpa(outDir?: string, source: SpaSource = {}): Promise<string> {
  const dir = outDir ?? (await mkdtemp(join(tmpdir(), 'aoc-browser-spa-')))
  await mkdir(dir, { recursive: true })
  const outfile = join(dir, 'app.js')
  await build({
    entryPoints: [source.entry ?? join(HERE, 'app.ts')],
    ...(source.alias ? { alias: source.alias } : {}),
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    // Error class names are the codes the driver reports (OAuthCallbackError, TokenRevokedError…).
    keepNames: true,
    legalComments: 'none',
    logLevel: 'silent',
  })
  return outfile
}

// `npx tsx examples/clients/browser-spa/build.ts` writes dist/app.js (ignored by git) for a look at the bundle.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`bundle written to ${await buildSpa(join(HERE, 'dist'))}`)
}
