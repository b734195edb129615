/**
 * The hostile clients of the output suite, importable by the soak (`bench/soak.ts`): each is a way to drive a
 * client that leaks its secrets and writes hostile text, in-process, as a child process (stdio) or behind an
 * HTTP test endpoint, and `checkOutputs` says what in a run's outputs would be a defect.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { httpDriver } from '../../harness/drivers/http.ts'
import { processTransport } from '../../harness/drivers/process.ts'
import { wireDriver } from '../../harness/drivers/wire.ts'
import { progressLine, runHeader, summary } from '../../harness/console.ts'
import type { DriverFactory } from '../../harness/runner.ts'
import { renderJson } from '../../reports/json.ts'
import type { RunReport } from '../../reports/schema.ts'
import { leakingClient, type Leaked } from './leaking-client.ts'
import { HOSTILE_NAME, hostileSession, type WireMode } from './wire-tricks.ts'

const STDIO_CLIENT = new URL('./hostile-stdio.ts', import.meta.url).pathname

/** A hostile client ready to run: its driver factory, what it leaked, and its child processes. */
export interface StartedHostile {
  name: string
  driverKind: RunReport['client']['driver']
  driver: DriverFactory
  /** Secrets the client leaked (read after the run). */
  leaked(): Promise<string[]>
  /** Process ids of the children it started (process driver). */
  pids: number[]
  close(): Promise<void>
}

export interface HostileClient {
  name: string
  start(): Promise<StartedHostile>
}

function inProcess(): HostileClient {
  return {
    name: 'in-process leak',
    async start() {
      const leaked: Leaked = { secrets: [] }
      return { name: 'in-process leak', driverKind: 'in-process', driver: () => leakingClient({ leaked }), leaked: async () => leaked.secrets, pids: [], close: async () => {} }
    },
  }
}

function stdio(mode: WireMode): HostileClient {
  const name = `stdio ${mode}`
  return {
    name,
    async start() {
      const dir = await mkdtemp(join(tmpdir(), 'aoc-hostile-stdio-'))
      const file = join(dir, 'leaked.txt')
      const pids: number[] = []
      const driver = () => {
        const transport = processTransport({ command: [process.execPath, '--import', 'tsx', STDIO_CLIENT, mode], env: { HOSTILE_LEAKED_FILE: file } })
        const open = transport.open.bind(transport)
        transport.open = async (ctx) => {
          await open(ctx)
          if (transport.pid !== undefined) pids.push(transport.pid)
        }
        return wireDriver(transport)
      }
      return {
        name,
        driverKind: 'process',
        driver,
        leaked: async () => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean),
        pids,
        close: () => rm(dir, { recursive: true, force: true }),
      }
    },
  }
}

function http(mode: WireMode): HostileClient {
  const name = `http ${mode}`
  return {
    name,
    async start() {
      const leaked: Leaked = { secrets: [] }
      const sessions = new Map<string, (request: unknown) => Promise<string>>()
      const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { session: string }
          let session = sessions.get(request.session)
          if (!session) sessions.set(request.session, (session = hostileSession(mode, leaked, () => undefined)))
          session(request).then(
            (text) => {
              // Chunked, without a Content-Length: the driver must stop reading at its limit by itself.
              res.writeHead(200, { 'content-type': 'application/json' })
              res.on('error', () => undefined)
              res.end(text)
            },
            () => res.writeHead(500).end(),
          )
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/conformance`
      return {
        name,
        driverKind: 'http',
        driver: () => httpDriver({ url }),
        leaked: async () => leaked.secrets,
        pids: [],
        async close() {
          server.closeAllConnections()
          await new Promise((resolve) => server.close(resolve))
        },
      }
    },
  }
}

/** Every hostile client; `count` repeats the list (the soak runs it many times). */
export function hostileClients(count = 1, modes: readonly WireMode[] = ['leak', 'near-limit', 'over-limit', 'deep', 'wide']): HostileClient[] {
  const one = [inProcess(), ...modes.map(stdio), ...modes.map(http)]
  return Array.from({ length: count }, () => one).flat()
}

/** The console output of a run, as the CLI prints it (header, one progress line per scenario, summary). */
export function consoleOutput(report: RunReport): string {
  return [
    runHeader(report.client.name, report.client.driver, report.scenarios as never),
    ...report.scenarios.map((s, i) => progressLine(s, i, report.scenarios.length)),
    summary(report),
  ].join('\n')
}

let validateReport: ((data: unknown) => boolean) & { errors?: unknown } | undefined

/**
 * What in a run's outputs would be a defect: a leaked secret or private key in any file or on the console,
 * a report that does not parse (strict JSON, the schema, XML), injected markup or workflow commands, raw control
 * characters or escape sequences, an output larger than `maxBytes`. Empty when all is well.
 */
export async function checkOutputs(dir: string, report: RunReport, secrets: readonly string[], maxBytes = 3 * 1024 * 1024): Promise<string[]> {
  const problems: string[] = []
  const files: Record<string, string> = {}
  for (const f of ['report.json', 'junit.xml', 'summary.md', 'report.html']) files[f] = await readFile(join(dir, f), 'utf8')
  files['report.json (renderJson)'] = renderJson(report)
  files.console = consoleOutput(report)
  for (const [name, text] of Object.entries(files)) {
    if (Buffer.byteLength(text) > maxBytes) problems.push(`${name} is ${Buffer.byteLength(text)} bytes, more than ${maxBytes}`)
    for (const s of secrets) if (text.includes(s)) problems.push(`${name} contains the secret ${s.slice(0, 8)}…`)
    if (/(?:"|&quot;|&#34;|\\")d(?:"|&quot;|&#34;|\\")\s*:\s*(?:"|&quot;|&#34;|\\")[A-Za-z0-9_-]{20,}/.test(text)) problems.push(`${name} contains a private JWK member`)
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) problems.push(`${name} contains a PEM private key`)
  }
  for (const name of ['console', 'summary.md', 'junit.xml', 'report.html']) {
    const text = files[name]!
    // The console is the CI log; summary.md is appended to the job page. The others are files nobody executes.
    if (name === 'console' || name === 'summary.md') {
      const command = text.split(/\r\n|\n|\r|\u2028|\u2029/).find((l) => /^\s*::/.test(l))
      if (command !== undefined) problems.push(`${name} has a line that starts a workflow command: ${JSON.stringify(command.slice(0, 60))}`)
    }
    const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/.exec(text)
    if (control) problems.push(`${name} has the raw control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')}`)
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) problems.push(`${name} has a lone surrogate`)
  }
  for (const name of ['summary.md', 'report.html']) {
    if (/<script>alert|<img src=x/i.test(files[name]!)) problems.push(`${name} has injected markup`)
  }
  if ((files['report.html']!.match(/<script\b/g) ?? []).length !== 1) problems.push('report.html has more than its one script')
  for (const name of ['report.json', 'report.json (renderJson)']) {
    let parsed: unknown
    try {
      parsed = JSON.parse(files[name]!)
    } catch (err) {
      problems.push(`${name} does not parse: ${(err as Error).message}`)
      continue
    }
    // A strict parser refuses an escaped lone surrogate (I-JSON, RFC 7493 §2.1).
    if (/(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}(?!\\ud[c-f])/i.test(files[name]!)) problems.push(`${name} has an escaped lone surrogate`)
    if (!validateReport) {
      const ajv = new Ajv2020({ allErrors: true, strict: true })
      addFormats.default(ajv)
      validateReport = ajv.compile(JSON.parse(await readFile(new URL('../../reports/report.schema.json', import.meta.url), 'utf8')))
    }
    if (!validateReport(parsed)) problems.push(`${name} does not match the schema: ${JSON.stringify(validateReport.errors).slice(0, 300)}`)
  }
  const xml = XMLValidator.validate(files['junit.xml']!)
  if (xml !== true) problems.push(`junit.xml is not well-formed XML: ${JSON.stringify(xml)}`)
  else new XMLParser().parse(files['junit.xml']!)
  return problems
}

export { HOSTILE_NAME }
