import { createPublicKey, sign, verify } from 'node:crypto'
import { keyPairSync } from '../protocol/key-pair.ts'
import { exitWithParent, pinSelf, startChild, tsxArgs } from './lib/child.ts'
import { closeAgent, mockTarget, oidcTarget, runFlows, type FlowCounters } from './lib/flows.ts'
import { emit, summarize } from './lib/stats.ts'

/**
 * Login-flow throughput of the mock AS and of oidc-provider, side by side in one run: each server in its own
 * process, the same client (this process) driving PAR + authorization + token with DPoP, nonces and PKCE,
 * `CONCURRENCY` flows at a time. Rounds alternate the order of the servers. Besides wall-clock flows/s (which
 * the client's own CPU on a 2-core machine also bounds), the server's CPU time per flow gives its capacity per
 * core. The ES256 cost of one flow (two proofs signed by the client, verified and imported by the server) is
 * the floor no DPoP server can go below.
 */
exitWithParent()
// On a 2-core machine the client and the server would otherwise compete for the same cores, and a faster server
// would hand the client more CPU to win back: each gets its own core.
const pinned = pinSelf(0)

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const FLOWS = Number(process.env.BENCH_FLOWS ?? 1500)
const WARMUP = 100
const CONCURRENCY = 16

interface Stats {
  cpuMs: number
  rss: number
}
const stats = async (url: string) => (await (await fetch(url)).json()) as Stats

interface Sample {
  flowsPerS: number
  serverCpuMsPerFlow: number
  clientCpuMsPerFlow: number
  requestsPerFlow: number
  serverRssMb: number
}

async function measure(server: 'mock-as' | 'oidc-provider'): Promise<Sample> {
  const child = startChild(tsxArgs(`bench/servers/${server}.ts`), { pinToCpu: pinned ? 1 : undefined })
  try {
    const [, issuer, statsUrl, username, password] = (await child.line(/^READY /)).split(' ') as [string, string, string, string, string]
    const counters = (): FlowCounters => ({ flows: 0, requests: 0, proofs: 0, nonceRetries: 0 })
    const target = (c: FlowCounters) => (server === 'mock-as' ? mockTarget(issuer, { username, password }, c) : oidcTarget(issuer, c))
    const warm = counters()
    await runFlows(target(warm), WARMUP, CONCURRENCY, warm)
    const c = counters()
    const before = await stats(statsUrl)
    const client0 = process.cpuUsage()
    const ms = await runFlows(target(c), FLOWS, CONCURRENCY, c)
    const client = process.cpuUsage(client0)
    const after = await stats(statsUrl)
    return {
      flowsPerS: (c.flows / ms) * 1000,
      serverCpuMsPerFlow: (after.cpuMs - before.cpuMs) / c.flows,
      clientCpuMsPerFlow: (client.user + client.system) / 1000 / c.flows,
      requestsPerFlow: c.requests / c.flows,
      serverRssMb: after.rss / 2 ** 20,
    }
  } finally {
    await child.stop()
  }
}

/** ES256 with node:crypto, as the mock verifies and the bench client signs: µs per operation. */
function es256Floor(): { signUs: number; verifyUs: number; importJwkUs: number; perFlowUs: number; flowsPerSPerCore: number } {
  const { privateKey, publicKey, publicJwk: jwk } = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
  const data = Buffer.from('x'.repeat(300))
  const n = 3000
  const time = (fn: () => void) => {
    for (let i = 0; i < 200; i++) fn()
    const t = performance.now()
    for (let i = 0; i < n; i++) fn()
    return ((performance.now() - t) / n) * 1000
  }
  const sig = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  const signUs = time(() => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }))
  const verifyUs = time(() => verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig))
  const importJwkUs = time(() => createPublicKey({ key: jwk, format: 'jwk' }))
  // One flow: the PAR and token proofs (a nonce retry adds a third only on the first flow of a server).
  const perFlowUs = 2 * signUs + 2 * (verifyUs + importJwkUs)
  return { signUs, verifyUs, importJwkUs, perFlowUs, flowsPerSPerCore: 1e6 / perFlowUs }
}

const floor = es256Floor()
const samples: Record<'mock-as' | 'oidc-provider', Sample[]> = { 'mock-as': [], 'oidc-provider': [] }
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? (['mock-as', 'oidc-provider'] as const) : (['oidc-provider', 'mock-as'] as const)
  for (const server of order) samples[server].push(await measure(server))
}
closeAgent()

const summary = (s: Sample[]) => ({
  flowsPerS: summarize(s.map((x) => x.flowsPerS)),
  serverCpuMsPerFlow: summarize(s.map((x) => x.serverCpuMsPerFlow)),
  serverFlowsPerSPerCore: 1000 / summarize(s.map((x) => x.serverCpuMsPerFlow)).median,
  clientCpuMsPerFlow: summarize(s.map((x) => x.clientCpuMsPerFlow)),
  requestsPerFlow: s[0]?.requestsPerFlow,
  serverRssMb: summarize(s.map((x) => x.serverRssMb)),
})
const mock = summary(samples['mock-as'])
const oidc = summary(samples['oidc-provider'])
emit({
  config: { rounds: ROUNDS, flowsPerRound: FLOWS, warmup: WARMUP, concurrency: CONCURRENCY, clientAndServerPinnedToOwnCores: pinned },
  mock,
  oidcProvider: oidc,
  ratio: {
    wall: mock.flowsPerS.median / oidc.flowsPerS.median,
    serverCpu: oidc.serverCpuMsPerFlow.median / mock.serverCpuMsPerFlow.median,
  },
  es256Floor: floor,
})
