// A tiny PLC directory for the reference server: enough of https://web.plc.directory/api/redoc for a dev-mode
// PDS to create accounts and resolve their DIDs. Operations are stored as sent (no signature check: only
// the PDS next to it writes here). Plain JavaScript, because it runs under the reference's own Node 22.
import { createServer } from 'node:http'

const CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1', 'https://w3id.org/security/suites/secp256k1-2019/v1']

/** The DID document of the latest operation (the shape `@atproto/identity` reads). */
function documentOf(did, op) {
  const verificationMethod = Object.entries(op.verificationMethods ?? {}).map(([id, key]) => ({
    id: `${did}#${id}`,
    type: 'Multikey',
    controller: did,
    publicKeyMultibase: String(key).replace(/^did:key:/, ''),
  }))
  const service = Object.entries(op.services ?? {}).map(([id, s]) => ({ id: `#${id}`, type: s.type, serviceEndpoint: s.endpoint }))
  return { '@context': CONTEXT, id: did, alsoKnownAs: op.alsoKnownAs ?? [], verificationMethod, service }
}

function dataOf(did, op) {
  return { did, verificationMethods: op.verificationMethods, rotationKeys: op.rotationKeys, alsoKnownAs: op.alsoKnownAs, services: op.services }
}

function send(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Starts the directory on 127.0.0.1:port (0 for any free port); resolves with the listening server. */
export function startPlc(port) {
  const logs = new Map()
  const server = createServer((req, res) => {
    const parts = (req.url ?? '/').split('?')[0].split('/').filter(Boolean).map((p) => decodeURIComponent(p))
    const [did, ...rest] = parts
    if (!did?.startsWith('did:plc:')) return send(res, 404, { message: 'not a did:plc' })
    if (req.method === 'POST' && rest.length === 0) {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        try {
          const op = JSON.parse(Buffer.concat(chunks).toString('utf8'))
          const log = logs.get(did) ?? []
          log.push({ did, operation: op, cid: `op-${log.length}`, nullified: false, createdAt: new Date().toISOString() })
          logs.set(did, log)
          send(res, 200, {})
        } catch {
          send(res, 400, { message: 'operation is not JSON' })
        }
      })
      return
    }
    if (req.method !== 'GET') return send(res, 405, { message: 'method not allowed' })
    const log = logs.get(did)
    if (!log) return send(res, 404, { message: `DID not registered: ${did}` })
    const last = log[log.length - 1].operation
    const route = rest.join('/')
    if (route === '') return send(res, 200, documentOf(did, last))
    if (route === 'data') return send(res, 200, dataOf(did, last))
    if (route === 'log') return send(res, 200, log.map((e) => e.operation))
    if (route === 'log/last') return send(res, 200, last)
    if (route === 'log/audit') return send(res, 200, log)
    return send(res, 404, { message: 'unknown route' })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
