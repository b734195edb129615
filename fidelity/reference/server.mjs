// The reference server process: a PLC directory and `@atproto/pds` in dev mode, both on 127.0.0.1 only.
// Started detached by `npm run reference -- start` under the Node 22 it installed; plain JavaScript so it
// needs no loader. It writes `state.json` into its run folder once both listen, and removes it on exit.
//
//   node server.mjs <run folder> <pds port> <plc port>
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPlc } from './plc.mjs'

const [runDir, pdsPortArg, plcPortArg] = process.argv.slice(2)
const pdsPort = Number(pdsPortArg)
const stateFile = join(runDir, 'state.json')
const dataDir = join(runDir, 'data')
mkdirSync(join(dataDir, 'blobs'), { recursive: true })

const plc = await startPlc(Number(plcPortArg))
const plcPort = plc.address().port

// What the recording used (shared/spec/reference-wire.md, "Setup"), on our ports. The PLC must be named by
// a hostname: the PDS's DID resolver refuses IP-literal PLC hosts.
Object.assign(process.env, {
  PDS_DEV_MODE: 'true',
  PDS_HOSTNAME: 'localhost',
  PDS_PORT: String(pdsPort),
  PDS_SERVICE_DID: 'did:web:localhost',
  PDS_SERVICE_HANDLE_DOMAINS: '.test',
  PDS_DATA_DIRECTORY: dataDir,
  PDS_BLOBSTORE_DISK_LOCATION: join(dataDir, 'blobs'),
  PDS_DID_PLC_URL: `http://localhost:${plcPort}`,
  PDS_JWT_SECRET: randomBytes(16).toString('hex'),
  PDS_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: randomBytes(32).toString('hex'),
  PDS_INVITE_REQUIRED: 'false',
  PDS_RATE_LIMITS_ENABLED: 'false',
  PDS_DISABLE_SSRF_PROTECTION: 'true',
  PDS_CRAWLERS: '',
  LOG_ENABLED: process.env.LOG_ENABLED ?? 'false',
})

const { PDS, envToCfg, envToSecrets, readEnv } = await import('@atproto/pds')
const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
// PDS.start() listens on every interface; this is the same start on loopback only.
await pds.ctx.sequencer.start()
const server = pds.app.listen(pdsPort, '127.0.0.1')
server.keepAliveTimeout = 90_000
pds.server = server
await once(server, 'listening')

const state = {
  pid: process.pid,
  startedAt: new Date().toISOString(),
  issuer: `http://localhost:${pdsPort}`,
  pds: `http://localhost:${pdsPort}`,
  plc: `http://localhost:${plcPort}`,
  node: process.version,
}
writeFileSync(stateFile, JSON.stringify(state, null, 2))

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  rmSync(stateFile, { force: true })
  server.closeAllConnections?.()
  await new Promise((resolve) => server.close(resolve))
  await pds.ctx.destroy().catch(() => {})
  plc.close()
  process.exit(0)
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop)
