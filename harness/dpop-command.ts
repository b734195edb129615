import type { Command } from 'commander'
import { HarnessError } from '../protocol/errors.ts'

/** jose comes with the commands that use it, not with every start of the CLI. */
const tool = () => import('./dpop-tool.ts')

/** Adds `keygen` and `dpop`: a DPoP key and proofs for driving `serve` by hand (docs/client-authors.md). */
export function addDpopCommands(program: Command): void {
  program
    .command('keygen')
    .description('make an ES256 DPoP key pair (a private JWK) for `dpop --key`; prints it, or writes it to --out')
    .option('--out <file>', 'write the key here (mode 600; an existing file is never replaced)')
    .action(async (opts: { out?: string }) => {
      const { dpopKeyThumbprint, generateDpopKey, writeKeyFile } = await tool()
      const jwk = await generateDpopKey()
      if (opts.out) {
        await writeKeyFile(opts.out, jwk)
        // The thumbprint on stderr: stdout stays empty, or the key alone, for scripts.
        console.error(`wrote ${opts.out} (jkt ${await dpopKeyThumbprint(jwk)})`)
      } else console.log(JSON.stringify(jwk))
    })

  program
    .command('dpop')
    .description('print a DPoP proof (compact JWS) for one request; sign a new one for every request, nonce retries too')
    .requiredOption('--key <file>', 'the private JWK `keygen` made')
    .option('--htm <method>', 'the request method, e.g. POST')
    .option('--htu <url>', 'the request URL (a query or fragment is dropped, as htu has none)')
    .option('--nonce <nonce>', "the server's latest DPoP-Nonce response header")
    .option('--ath <access token>', 'the access token the request carries: its SHA-256 becomes ath (PDS requests)')
    .option('--jkt', "print the key's thumbprint (the jkt tokens are bound to) instead of a proof")
    .action(async (opts: { key: string; htm?: string; htu?: string; nonce?: string; ath?: string; jkt?: boolean }) => {
      const { dpopKeyThumbprint, readDpopKey, signDpopProof } = await tool()
      const jwk = await readDpopKey(opts.key)
      if (opts.jkt) return console.log(await dpopKeyThumbprint(jwk))
      if (!opts.htm || !opts.htu) throw new HarnessError('ERR_CONFIG', 'dpop needs --htm <method> and --htu <url> (or --jkt for the thumbprint)')
      console.log(await signDpopProof(jwk, { htm: opts.htm, htu: opts.htu, nonce: opts.nonce, accessToken: opts.ath }))
    })
}
