import { createHash } from 'node:crypto'
import { tryDecodeJws } from '../protocol/jws.ts'
import type { Level } from '../model/requirement.ts'
import { headerValue, type Actor, type Exchange, type Headers, type ServerName, type TranscriptEntry } from '../model/transcript.ts'
import { SEVERITY, type Status, type Verdict } from '../model/verdict.ts'
import type { RunReport, ScenarioResult } from './schema.ts'
import { byFamily, countVerdicts, exchangeLabel, firstLine, isKnown, isKnownFailure, NOTEWORTHY, responseError, runHeadline, staleEntries } from './view.ts'

const STATUSES: readonly Status[] = ['PASS', 'FAIL', 'WARN', 'SKIP', 'INCONCLUSIVE', 'ERROR']
const LEVELS: readonly Level[] = ['MUST', 'SHOULD', 'MAY']

/** What each verdict means, shown as the badge's tooltip. */
const STATUS_MEANING: Record<Status, string> = {
  PASS: 'the client did what the requirement asks',
  FAIL: 'a MUST was violated',
  WARN: 'a SHOULD was violated (does not fail the run)',
  SKIP: 'not applicable, or the client lacks a capability',
  INCONCLUSIVE: 'the client refused without having shown, in this run, that it completes the good path: no verdict',
  ERROR: 'the client crashed or hung, or the harness failed',
}

/** Bodies longer than this are cut in the page (report.json keeps them whole). */
const MAX_BODY = 64 * 1024

/** Free texts (a client's message, a step result, a check text) longer than this are cut in the page too. */
const MAX_TEXT = 16 * 1024

/**
 * The one HTML escape, for text and attribute values alike (also valid inside inline SVG): markup characters as
 * character references; control characters HTML forbids, lone surrogates and bidirectional overrides as U+FFFD.
 */
function esc(value: unknown): string {
  return String(value)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** `text` cut at `max` characters, saying how much report.json has beyond. */
function cut(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters in report.json)` : text
}

const badge = (status: Status, text: string = status) =>
  `<span class="badge b-${esc(status)}" title="${esc(`${status}: ${STATUS_MEANING[status]}`)}">${esc(text)}</span>`

/** A FAIL or ERROR a baseline lists: grey, as it does not fail the run. */
const knownBadge = (status: Status, entry: string) =>
  `<span class="badge b-KNOWN" title="${esc(`known ${status}: listed in ${entry}, it does not fail the run`)}">${esc(`known ${status}`)}</span>`

const checkBadge = (c: Verdict) => (c.baselined ? knownBadge(c.status, c.baselined.entry) : badge(c.status))

const scenarioBadge = (s: ScenarioResult) =>
  isKnownFailure(s) ? knownBadge(s.verdict, [...new Set(s.checks.filter(isKnown).map((c) => c.baselined!.entry))].join(', ')) : badge(s.verdict)

/** The baseline entry and the fix under a check (its own fix, for a FAIL or WARN). */
function checkNotes(c: Verdict): string {
  return (
    (c.baselined ? `<div><span class="k">baseline</span> ${esc(c.baselined.entry)}${c.baselined.reason !== undefined ? ` — ${esc(cut(c.baselined.reason, 2000))}` : ''}</div>` : '') +
    (c.fix !== undefined && (c.status === 'FAIL' || c.status === 'WARN') ? `<div class="fix"><span class="k">fix</span> ${esc(c.fix)}</div>` : '')
  )
}

/** Anchor of a scenario's section and of one of its transcript entries (`#12`). */
const scenarioAnchor = (s: ScenarioResult) => `s-${s.id}`
const entryAnchor = (s: ScenarioResult, ref: string) => `s-${s.id}-e${ref.replace(/^#/, '')}`

function levelsOf(s: ScenarioResult): string {
  const levels = new Set<Level>([...s.requirements.map((r) => r.level), ...s.checks.map((c) => c.requirement.level)])
  return LEVELS.filter((l) => levels.has(l)).join(' ')
}

/** data-* attributes the filter script reads: a scenario's verdict, family and levels. */
function scenarioData(s: ScenarioResult): string {
  return `data-verdict="${esc(s.verdict)}" data-family="${esc(s.family)}" data-levels="${esc(levelsOf(s))}"`
}

function evidenceLinks(s: ScenarioResult, refs: readonly string[]): string {
  return refs.map((ref) => `<a class="ref" href="#${esc(entryAnchor(s, ref))}">${esc(ref)}</a>`).join(' ')
}

// ---------------------------------------------------------------- JWTs and bodies

interface DecodedJwt {
  label: string
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

/** A compact JWS whose header has an `alg`, decoded (never verified); redacted stand-ins do not decode. */
function decodeJwt(value: unknown): Pick<DecodedJwt, 'header' | 'payload'> | undefined {
  if (typeof value !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(value)) return undefined
  const jws = tryDecodeJws(value)
  return jws && typeof jws.header.alg === 'string' ? { header: jws.header, payload: jws.payload } : undefined
}

function parseJson(body: string | undefined): unknown {
  if (body === undefined || !/^\s*[[{]/.test(body)) return undefined
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

function jwtsIn(fields: Record<string, unknown> | undefined, where: string): DecodedJwt[] {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return []
  return Object.entries(fields).flatMap(([name, value]) => {
    const jwt = decodeJwt(value)
    return jwt ? [{ label: `${name} (${where})`, ...jwt }] : []
  })
}

/** Every JWT an exchange carries: the DPoP proof, the Authorization token, assertions and tokens in bodies. */
function exchangeJwts(ex: Exchange): { request: DecodedJwt[]; response: DecodedJwt[] } {
  const request: DecodedJwt[] = []
  if (ex.dpop) request.push({ label: 'DPoP proof (DPoP header)', header: ex.dpop.header, payload: ex.dpop.payload })
  const authorization = headerValue(ex.request.headers, 'authorization')
  const token = decodeJwt(authorization?.split(/\s+/)[1])
  if (token) request.push({ label: `access token (Authorization: ${authorization?.split(/\s+/)[0]})`, ...token })
  request.push(...jwtsIn(ex.request.params, 'request body'))
  let query: Record<string, string> = {}
  try {
    query = Object.fromEntries(new URL(ex.request.url).searchParams)
  } catch {
    // a relative or malformed URL has no query to decode
  }
  request.push(...jwtsIn(query, 'query'))
  const response = jwtsIn(parseJson(ex.response.body) as Record<string, unknown> | undefined, 'response body')
  return { request, response }
}

const json = (value: unknown) => JSON.stringify(value, null, 2)

function renderJwts(jwts: readonly DecodedJwt[]): string {
  return jwts
    .map(
      (j) => `<div class="jwt"><div class="jwt-label">${esc(j.label)} — decoded, not verified</div>` +
        `<div class="jwt-parts"><div><div class="part">header</div><pre>${esc(json(j.header))}</pre></div>` +
        `<div><div class="part">payload</div><pre>${esc(json(j.payload))}</pre></div></div></div>`,
    )
    .join('')
}

function renderHeaders(headers: Headers): string {
  const rows = Object.entries(headers)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${(Array.isArray(v) ? v : [v]).map(esc).join('<br>')}</td></tr>`)
    .join('')
  return `<div class="sub">headers</div>${rows ? `<table class="kv">${rows}</table>` : '<p class="muted">none</p>'}`
}

function renderBody(body: string | undefined, params?: Record<string, unknown>): string {
  if (body === undefined || body === '') return '<div class="sub">body</div><p class="muted">none</p>'
  const parsed = parseJson(body)
  if (parsed !== undefined) return `<div class="sub">body (JSON)</div><pre class="body">${esc(cut(json(parsed), MAX_BODY))}</pre>`
  if (params && Object.keys(params).length > 0) {
    const rows = Object.entries(params)
      .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(cut(typeof v === 'string' ? v : json(v)))}</td></tr>`)
      .join('')
    return `<div class="sub">body (form fields)</div><table class="kv">${rows}</table>`
  }
  return `<div class="sub">body</div><pre class="body">${esc(cut(body, MAX_BODY))}</pre>`
}

// ---------------------------------------------------------------- sequence diagram

type Lane = 'client' | 'user-agent' | ServerName
const LANES: readonly { key: Lane; label: string }[] = [
  { key: 'client', label: 'client' },
  { key: 'user-agent', label: 'user agent' },
  { key: 'as', label: 'AS' },
  { key: 'pds', label: 'PDS' },
  { key: 'identity', label: 'identity' },
  { key: 'client-host', label: 'client host' },
]
const ACTOR_LANE: Record<Actor, Lane> = { client: 'client', 'user-agent': 'user-agent', 'authorization-server': 'as', frontend: 'user-agent' }
const SERVER_LANE: Record<ServerName, Lane> = { as: 'as', pds: 'pds', identity: 'identity', 'client-host': 'client-host', backend: 'client' }
// A backend under test is the OAuth client, its frontend a user agent: frontend → backend is user agent → client.
// A report from another version may name a sender or server this one does not know: draw it on the nearest lane.
const senderLane = (e: Exchange): Lane => ACTOR_LANE[e.actor] ?? 'client'
const serverLane = (e: Exchange): Lane => SERVER_LANE[e.server] ?? 'client-host'
const laneLabel = (lane: Lane) => LANES.find((l) => l.key === lane)?.label ?? lane

const SEQ = { left: 44, lane: 150, head: 46, row: 30, label: 76 }
const laneX = (lane: Lane) => SEQ.left + SEQ.lane / 2 + LANES.findIndex((l) => l.key === lane) * SEQ.lane

const MARKERS = ['r2', 'r3', 'r4', 'r5', 'hot'] as const
/** Arrowheads take their colour from their own styles, so each colour gets a marker, per diagram (ids are per page). */
const markerId = (s: ScenarioResult, kind: (typeof MARKERS)[number]) => `arrow-${s.id}-${kind}`

function statusClass(status: number): 'r2' | 'r3' | 'r4' | 'r5' {
  return status >= 500 ? 'r5' : status >= 400 ? 'r4' : status >= 300 ? 'r3' : 'r2'
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function stepText(entry: Extract<TranscriptEntry, { kind: 'step' }>): string {
  const o = entry.outcome
  return `step ${entry.step + 1} · ${entry.op} → ${o.status === 'ok' ? 'ok' : `${o.status} ${o.code}: ${o.message}`}`
}

/** One arrow per exchange from the sender's lane to the server's, labelled `POST /oauth/par → 400 use_dpop_nonce`. */
function renderSequence(s: ScenarioResult, highlighted: ReadonlySet<string>): string {
  const width = SEQ.left + SEQ.lane * LANES.length
  const height = SEQ.head + s.transcript.length * SEQ.row + 12
  const origins = new Map<Lane, string>()
  for (const e of s.transcript) {
    if (e.kind !== 'http' || origins.has(serverLane(e))) continue
    try {
      origins.set(serverLane(e), new URL(e.request.url).host)
    } catch {
      // no host to show
    }
  }
  const parts: string[] = [
    `<svg class="sequence" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(`sequence diagram of ${s.id}`)}">`,
    `<defs>${MARKERS.map((m) => `<marker id="${esc(markerId(s, m))}" class="mk-${m}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`).join('')}</defs>`,
  ]
  for (const lane of LANES) {
    const x = laneX(lane.key)
    parts.push(
      `<g class="lane"><rect x="${x - 58}" y="4" width="116" height="${origins.has(lane.key) ? 34 : 24}" rx="5"/>` +
        `<text x="${x}" y="20" text-anchor="middle" class="lane-name">${esc(lane.label)}</text>` +
        (origins.has(lane.key) ? `<text x="${x}" y="33" text-anchor="middle" class="lane-host">${esc(clip(origins.get(lane.key)!, 22))}</text>` : '') +
        `<line x1="${x}" y1="${SEQ.head - 6}" x2="${x}" y2="${height - 4}"/></g>`,
    )
  }
  s.transcript.forEach((e, i) => {
    const y = SEQ.head + i * SEQ.row
    const href = `#${entryAnchor(s, e.ref)}`
    const refText = `<text x="6" y="${y + 19}" class="seq-ref${highlighted.has(e.ref) ? ' hot' : ''}">${esc(e.ref)}</text>`
    if (e.kind === 'http') {
      const from = laneX(senderLane(e))
      const to = laneX(serverLane(e))
      const label = exchangeLabel(e)
      const left = Math.min(from, to)
      const marker = `url(#${esc(markerId(s, highlighted.has(e.ref) ? 'hot' : statusClass(e.response.status)))})`
      const line =
        from === to
          ? `<path d="M${from},${y + 12} h30 v10 h-26" fill="none" marker-end="${marker}"/>`
          : `<line x1="${from}" y1="${y + 20}" x2="${to + (to > from ? -2 : 2)}" y2="${y + 20}" marker-end="${marker}"/>`
      parts.push(
        `<a href="${esc(href)}" class="msg ${statusClass(e.response.status)}${highlighted.has(e.ref) ? ' hot' : ''}"><title>${esc(`${e.ref} ${label}`)}</title>` +
          `<rect class="hit" x="0" y="${y}" width="${width}" height="${SEQ.row}"/>${refText}${line}` +
          `<text x="${left + 8}" y="${y + 14}" class="msg-label">${esc(clip(label, SEQ.label))}</text></a>`,
      )
    } else {
      const text = e.kind === 'step' ? stepText(e) : e.text
      const cls = `${e.kind === 'step' ? `band step-${e.outcome.status}` : 'band note'}${highlighted.has(e.ref) ? ' hot' : ''}`
      parts.push(
        `<a href="${esc(href)}" class="${esc(cls)}"><title>${esc(`${e.ref} ${text}`)}</title>` +
          `<rect x="${SEQ.left - 4}" y="${y + 4}" width="${width - SEQ.left}" height="${SEQ.row - 8}" rx="4"/>${refText}` +
          `<text x="${SEQ.left + 6}" y="${y + 19}">${esc(clip(text, 130))}</text></a>`,
      )
    }
  })
  parts.push('</svg>')
  return parts.join('\n')
}

// ---------------------------------------------------------------- transcript

function renderEntry(s: ScenarioResult, e: TranscriptEntry, highlighted: ReadonlySet<string>): string {
  const id = esc(entryAnchor(s, e.ref))
  const hot = highlighted.has(e.ref) ? ' hot' : ''
  const ref = `<span class="ref${hot}">${esc(e.ref)}</span>`
  if (e.kind === 'step') {
    return `<li id="${id}" class="entry step step-${esc(e.outcome.status)}">${ref} <b>${esc(`step ${e.step + 1} · ${e.op}`)}</b> → ${
      e.outcome.status === 'ok' ? 'ok' : `${esc(e.outcome.status)} <code>${esc(cut(e.outcome.code, 200))}</code> ${esc(cut(e.outcome.message))}`
    }${e.outcome.status === 'ok' && e.outcome.result !== undefined ? `<pre class="result">${esc(cut(json(e.outcome.result)))}</pre>` : ''}</li>`
  }
  if (e.kind === 'note') {
    return `<li id="${id}" class="entry note">${ref} <i>${esc(cut(e.text))}</i>${e.data !== undefined ? `<pre class="result">${esc(cut(json(e.data)))}</pre>` : ''}</li>`
  }
  const jwts = exchangeJwts(e)
  const error = responseError(e)
  const who = `${laneLabel(senderLane(e))} → ${laneLabel(serverLane(e))}`
  return (
    `<li id="${id}" class="entry http"><details><summary>${ref} <span class="who">${esc(who)}</span> ` +
    `<code>${esc(`${e.request.method} ${e.request.path}`)}</code> → <span class="code ${statusClass(e.response.status)}">${esc(`${e.response.status}${error ? ` ${error}` : ''}`)}</span>` +
    `${e.dpop ? ' <span class="chip">DPoP</span>' : ''}${jwts.request.length + jwts.response.length > (e.dpop ? 1 : 0) ? ' <span class="chip">JWT</span>' : ''}` +
    `<span class="muted"> · step ${esc(e.step + 1)}</span></summary>` +
    `<div class="exchange"><div class="half"><h5>Request</h5><p class="url"><b>${esc(e.request.method)}</b> ${esc(e.request.url)}</p>` +
    `${renderJwts(jwts.request)}${renderHeaders(e.request.headers)}${renderBody(e.request.body, e.request.params)}</div>` +
    `<div class="half"><h5>Response <span class="code ${statusClass(e.response.status)}">${esc(e.response.status)}</span></h5>` +
    `${renderJwts(jwts.response)}${renderHeaders(e.response.headers)}${renderBody(e.response.body)}</div></div></details></li>`
  )
}

// ---------------------------------------------------------------- scenarios

function renderCheckRow(s: ScenarioResult, c: Verdict): string {
  const text = [
    c.expected !== undefined ? `<div><span class="k">expected</span> ${esc(cut(c.expected))}</div>` : '',
    c.observed !== undefined ? `<div><span class="k">observed</span> ${esc(cut(c.observed))}</div>` : '',
    c.reason !== undefined ? `<div class="pre-line"><span class="k">reason</span> ${esc(cut(c.reason))}</div>` : '',
    checkNotes(c),
  ].join('')
  return (
    `<tr class="js-check c-${esc(c.status)}" data-level="${esc(c.requirement.level)}"><td>${checkBadge(c)}</td>` +
    `<td><code>${esc(c.checkId)}</code><div class="muted">${esc(c.title)}</div></td>` +
    `<td class="req">${esc(c.requirement.id)} <span class="lvl">${esc(c.requirement.level)}</span></td>` +
    `<td>${text}</td><td class="refs">${evidenceLinks(s, c.evidence)}</td></tr>`
  )
}

/** The browser driver's screenshots (consent page, final state), inline as data: URLs (the CSP allows img-src data:). */
function renderScreenshots(s: ScenarioResult): string {
  if (!s.screenshots?.length) return ''
  const shots = s.screenshots.map(
    (p) => `<figure><img alt="${esc(p.name)}" src="data:image/png;base64,${esc(p.png)}"><figcaption>${esc(p.name)}</figcaption></figure>`,
  )
  return `<h4>Screenshots</h4><div class="shots">${shots.join('')}</div>`
}

function renderScenario(report: RunReport, s: ScenarioResult): string {
  const checks = [...s.checks].sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status])
  const highlighted = new Set(s.checks.filter((c) => NOTEWORTHY[c.status]).flatMap((c) => c.evidence))
  const faults = Object.keys(s.faults).length > 0 ? `<code>${esc(JSON.stringify(s.faults))}</code>` : 'none (good path)'
  const facts = [
    ['family', esc(s.family)],
    ['requirements', s.requirements.map((r) => `${esc(r.id)} <span class="lvl">${esc(r.level)}</span>`).join(', ')],
    ['profile', esc(s.profile)],
    ['topology', esc(s.topology)],
    ['client', esc(s.clientKind)],
    ['fault', faults],
    ['duration', `${esc(s.durationMs)} ms`],
  ]
  const explain = s.explain
    ? `<div class="explain"><p><b>What is tested.</b> ${esc(s.explain.tests)}</p><p><b>Why it matters.</b> ${esc(s.explain.why)}</p>` +
      `<p class="fix"><b>How to fix a client that fails the expectation.</b> ${esc(s.explain.fix)}</p></div>`
    : ''
  return (
    `<details id="${esc(scenarioAnchor(s))}" class="scenario js-scenario v-${esc(s.verdict)}" ${scenarioData(s)}>` +
    `<summary>${scenarioBadge(s)} <span class="fam">${esc(s.family)}</span> <b class="sid">${esc(s.id)}</b> <span class="stitle">${esc(s.title)}</span>` +
    `<span class="dur">${esc(s.durationMs)} ms</span></summary><div class="sbody">` +
    (s.reason !== undefined ? `<p class="reason pre-line">${badge(s.verdict)} ${esc(cut(s.reason))}</p>` : '') +
    staleEntries(report, s).map((m) => `<p class="reason">${badge('FAIL', 'stale baseline entry')} ${esc(m)}</p>`).join('') +
    `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>${explain}` +
    `<h4>Checks</h4><table class="checks"><thead><tr><th>verdict</th><th>check</th><th>requirement</th><th>expected / observed</th><th>transcript</th></tr></thead><tbody>` +
    `${checks.map((c) => renderCheckRow(s, c)).join('')}</tbody></table>` +
    renderScreenshots(s) +
    (s.transcript.length > 0
      ? `<h4>Sequence</h4><div class="seq-wrap">${renderSequence(s, highlighted)}</div>` +
        `<h4>Transcript</h4><ol class="transcript">${s.transcript.map((e) => renderEntry(s, e, highlighted)).join('')}</ol>`
      : '<p class="muted">No transcript: the scenario stopped before any request.</p>') +
    `</div></details>`
  )
}

// ---------------------------------------------------------------- page

function renderFilters(report: RunReport): string {
  const verdicts = countVerdicts(report.scenarios)
  const families = byFamily(report)
  const box = (kind: string, value: string, label: string) =>
    `<label><input type="checkbox" data-filter="${esc(kind)}" value="${esc(value)}" checked> ${label}</label>`
  return (
    `<nav id="filters" class="filters" hidden aria-label="filters">` +
    `<fieldset><legend>verdict</legend>${STATUSES.map((st) => box('verdict', st, `${badge(st)} <span class="n">${verdicts[st]}</span>`)).join('')}</fieldset>` +
    `<fieldset><legend>family</legend>${families.map(([f, list]) => box('family', f, `${esc(f)} <span class="n">${list.length}</span>`)).join('')}</fieldset>` +
    `<fieldset><legend>level</legend>${LEVELS.map((l) => box('level', l, esc(l))).join('')}</fieldset>` +
    `<div class="actions"><span id="shown" aria-live="polite"></span><button type="button" id="expand-all">expand all</button>` +
    `<button type="button" id="collapse-all">collapse all</button><button type="button" id="reset">reset filters</button></div></nav>`
  )
}

function renderFindings(report: RunReport): string {
  const findings = report.scenarios.flatMap((s) => s.checks.filter((c) => NOTEWORTHY[c.status]).map((c) => ({ s, c })))
  // Known failures after the unlisted ones: they do not fail the run.
  const rank = (c: Verdict) => (isKnown(c) ? SEVERITY.WARN + 0.5 : SEVERITY[c.status])
  findings.sort((a, b) => rank(b.c) - rank(a.c))
  const stale = (report.result?.baseline?.stale ?? []).map(
    (e) => `<li class="f-FAIL">${badge('FAIL', 'stale baseline entry')} <a href="#s-${esc(e.scenario)}"><b>${esc(e.scenario)}</b></a> ${esc(e.message)}</li>`,
  )
  if (findings.length === 0 && stale.length === 0) return ''
  // A finding filters by its own check's verdict and level, and by its scenario's family.
  const items = findings.map(
    ({ s, c }) =>
      `<li class="js-check f-${esc(c.status)}" data-verdict="${esc(c.status)}" data-family="${esc(s.family)}" data-level="${esc(c.requirement.level)}">` +
      `${checkBadge(c)} <a href="#${esc(scenarioAnchor(s))}"><b>${esc(s.id)}</b></a> › <code>${esc(c.checkId)}</code> ` +
      `<span class="req">${esc(c.requirement.id)} <span class="lvl">${esc(c.requirement.level)}</span></span> — ${esc(c.title)}` +
      (c.expected !== undefined ? `<div><span class="k">expected</span> ${esc(cut(c.expected, 2000))}</div>` : '') +
      (c.observed !== undefined ? `<div><span class="k">observed</span> ${esc(cut(c.observed, 2000))}</div>` : '') +
      (c.reason !== undefined ? `<div><span class="k">reason</span> ${esc(cut(firstLine(c.reason), 2000))}</div>` : '') +
      (c.evidence.length > 0 ? `<div><span class="k">transcript</span> ${evidenceLinks(s, c.evidence)}</div>` : '') +
      checkNotes(c) +
      '</li>',
  )
  return `<section id="findings"><h2>Findings</h2><ul class="findings">${stale.join('')}${items.join('')}</ul></section>`
}

function renderOverview(report: RunReport): string {
  const rows = report.scenarios.map((s) => {
    const counts = countChecks(s.checks)
    return (
      `<tr class="js-scenario" ${scenarioData(s)}><td>${scenarioBadge(s)}</td><td>${esc(s.family)}</td>` +
      `<td><a href="#${esc(scenarioAnchor(s))}">${esc(s.id)}</a></td><td>${esc(s.title)}</td><td class="counts">${counts}</td><td class="num">${esc(s.durationMs)} ms</td></tr>`
    )
  })
  return (
    `<section id="overview"><h2>Scenarios</h2><table class="overview"><thead><tr><th>verdict</th><th>family</th><th>scenario</th><th>title</th><th>checks</th><th class="num">time</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></section>`
  )
}

function renderCoverage(report: RunReport): string {
  const c = report.coverage
  if (!c) return ''
  const rows = c.requirements.map((r) => {
    const by = [...r.scenarios.map((id) => `<a href="#s-${esc(id)}">${esc(id)}</a>`), ...r.checks.map((id) => `<code>${esc(id)}</code>`)]
    const state = by.length ? 'covered' : r.excluded ? 'excluded' : 'missing'
    return `<tr class="cov-${state}"><td><code>${esc(r.id)}</code></td><td>${esc(r.level)}</td><td>${state}</td><td>${by.length ? by.join(' ') : esc(r.excluded ?? '')}</td></tr>`
  })
  return `<section id="coverage"><h2>Spec coverage</h2>
<p>${esc(c.covered)} of ${esc(c.requirements.length)} catalog requirements exercised by this run's scenarios and checks; ${esc(c.excluded)} excluded with a reason; ${esc(c.missing)} missing.</p>
<details><summary>Requirement by requirement</summary>
<table class="coverage"><thead><tr><th>requirement</th><th>level</th><th></th><th>scenarios and [checks], or why not</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></details></section>`
}

function countChecks(checks: readonly Verdict[]): string {
  const counts = new Map<Status, number>()
  for (const c of checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1)
  return (['FAIL', 'ERROR', 'WARN', 'PASS', 'SKIP'] as const)
    .filter((st) => counts.has(st))
    .map((st) => `<span class="t-${st}">${counts.get(st)} ${st.toLowerCase()}</span>`)
    .join(' · ')
}

/**
 * report.json as one self-contained HTML page: inline CSS and script, no external assets (a CSP forbids
 * them), every finding, check, sequence diagram and exchange rendered on the server, so the page reads
 * without JavaScript; the script only adds filters, expand/collapse and opening the target of a link.
 */
export function renderHtml(report: RunReport): string {
  const t = report.totals
  const headline = runHeadline(report)
  const meta = [
    `client <b>${esc(report.client.name)}</b> (${esc(report.client.driver)})`,
    `${esc(report.tool.name)} ${esc(report.tool.version)}`,
    `started ${esc(report.startedAt)}`,
    `${esc((report.durationMs / 1000).toFixed(2))} s`,
    report.profile ? `profile ${esc(report.profile)}` : '',
    report.topology ? `topology ${esc(report.topology)}` : '',
    report.redacted ? 'secrets redacted' : '<b class="t-FAIL">secrets NOT redacted</b>',
  ].filter(Boolean)
  const tiles = [
    `<div class="tile"><div class="big">${esc(t.scenarios)}</div>scenarios</div>`,
    ...STATUSES.map((st) => `<div class="tile tile-${st}${t[st] === 0 ? ' zero' : ''}" title="${esc(STATUS_MEANING[st])}"><div class="big">${esc(t[st])}</div>${st}</div>`),
  ]
  const CSP = contentSecurityPolicy()
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<link rel="icon" href="data:,">
<title>${esc(`${headline.text} — atproto OAuth conformance — ${report.client.name}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top">
<h1><span class="outcome ${headline.passed ? 'outcome-pass' : 'outcome-fail'}">${esc(headline.text)}</span> atproto OAuth conformance</h1>
<p class="meta">${meta.join(' · ')}</p>
<div class="tiles">${tiles.join('')}</div>
</header>
${renderFilters(report)}
<main>
${renderFindings(report)}
${renderOverview(report)}
<section id="details"><h2>Details</h2>
${report.scenarios.map((s) => renderScenario(report, s)).join('\n')}
</section>
${renderCoverage(report)}
</main>
<footer>report.json schemaVersion ${esc(report.schemaVersion)} · decoded JWTs are shown as sent and were not verified</footer>
<script>${SCRIPT}</script>
</body>
</html>
`
}

/**
 * The page's policy: nothing loads from anywhere; the one inline script runs because its hash is listed (an
 * injected `<script>` has another hash, so it would not run even if escaping failed); no `<base>` can redirect
 * relative links and no form can submit anywhere.
 */
function contentSecurityPolicy(): string {
  const hash = createHash('sha256').update(SCRIPT).digest('base64')
  return `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`
}

const CSS = `
:root{--fg:#1f2328;--muted:#656d76;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--link:#0969da;
--PASS:#1a7f37;--PASS-bg:#dafbe1;--FAIL:#cf222e;--FAIL-bg:#ffebe9;--WARN:#9a6700;--WARN-bg:#fff8c5;--SKIP:#6e7781;--SKIP-bg:#eaeef2;--INCONCLUSIVE:#0969da;--INCONCLUSIVE-bg:#ddf4ff;--ERROR:#8250df;--ERROR-bg:#fbefff;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--panel:#161b22;--line:#30363d;--link:#4493f8;
--PASS:#3fb950;--PASS-bg:#12261e;--FAIL:#f85149;--FAIL-bg:#2d1214;--WARN:#d29922;--WARN-bg:#2b2111;--SKIP:#8d96a0;--SKIP-bg:#21262d;--INCONCLUSIVE:#58a6ff;--INCONCLUSIVE-bg:#0c2d4a;--ERROR:#a371f7;--ERROR-bg:#231a38}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
pre{margin:6px 0;padding:8px 10px;background:var(--panel);border:1px solid var(--line);border-radius:6px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h4{font-size:13px;margin:18px 0 6px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}h5{font-size:13px;margin:0 0 6px}
header.top,main,footer,.filters{max-width:1280px;margin:0 auto;padding:0 24px}
header.top{padding-top:22px}
.meta{color:var(--muted);margin:0 0 14px}
.outcome{display:inline-block;padding:1px 10px;border-radius:14px;font-size:15px;vertical-align:3px;margin-right:6px;color:#fff}
.outcome-fail{background:var(--FAIL)}.outcome-pass{background:var(--PASS)}
.tiles{display:flex;gap:10px;flex-wrap:wrap}
.tile{min-width:92px;padding:8px 14px;border:1px solid var(--line);border-radius:8px;background:var(--panel);color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.tile .big{font-size:24px;font-weight:600;color:var(--fg);letter-spacing:0}
.tile-PASS .big{color:var(--PASS)}.tile-FAIL .big{color:var(--FAIL)}.tile-WARN .big{color:var(--WARN)}.tile-SKIP .big{color:var(--SKIP)}.tile-INCONCLUSIVE .big{color:var(--INCONCLUSIVE)}.tile-ERROR .big{color:var(--ERROR)}
.tile.zero .big{color:var(--muted);opacity:.6}
.filters{background:var(--bg);border-bottom:1px solid var(--line);padding-top:10px;padding-bottom:10px;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;margin-top:16px}
.filters[hidden]{display:none}
.filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center}
.filters legend{float:left;margin-right:6px;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.filters label{cursor:pointer;white-space:nowrap}.filters .n{color:var(--muted);font-size:12px}
.actions{margin-left:auto;display:flex;gap:6px;align-items:center}#shown{color:var(--muted);margin-right:6px}
button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid var(--line);border-radius:6px;background:var(--panel);color:var(--fg);cursor:pointer}
.badge{display:inline-block;min-width:48px;text-align:center;padding:0 6px;border-radius:10px;font-size:11px;font-weight:600;line-height:18px;border:1px solid}
.b-PASS{color:var(--PASS);background:var(--PASS-bg)}.b-FAIL{color:var(--FAIL);background:var(--FAIL-bg)}.b-WARN{color:var(--WARN);background:var(--WARN-bg)}
.b-KNOWN{color:var(--SKIP);background:var(--SKIP-bg);border-style:dashed}.b-SKIP{color:var(--SKIP);background:var(--SKIP-bg)}.b-INCONCLUSIVE{color:var(--INCONCLUSIVE);background:var(--INCONCLUSIVE-bg)}.b-ERROR{color:var(--ERROR);background:var(--ERROR-bg)}
.t-PASS{color:var(--PASS)}.t-FAIL{color:var(--FAIL)}.t-WARN{color:var(--WARN)}.t-SKIP{color:var(--SKIP)}.t-INCONCLUSIVE{color:var(--INCONCLUSIVE)}.t-ERROR{color:var(--ERROR)}
.muted{color:var(--muted)}.k{display:inline-block;min-width:70px;color:var(--muted);font-size:12px}
.lvl{font-size:11px;color:var(--muted);font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}td.counts{font-size:12px;white-space:nowrap}
.overview tbody tr:hover{background:var(--panel)}
ul.findings{list-style:none;padding:0;margin:0}
ul.findings li{padding:10px 12px;margin:0 0 8px;border:1px solid var(--line);border-left-width:4px;border-radius:6px}
ul.findings li.f-FAIL{border-left-color:var(--FAIL)}ul.findings li.f-WARN{border-left-color:var(--WARN)}ul.findings li.f-ERROR{border-left-color:var(--ERROR)}
.fix{margin-top:2px}
details.scenario{border:1px solid var(--line);border-radius:8px;margin:0 0 8px;background:var(--bg)}
details.scenario>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:baseline;list-style-position:inside}
details.scenario[open]>summary{border-bottom:1px solid var(--line);background:var(--panel);border-radius:8px 8px 0 0}
details.scenario.v-FAIL{border-left:4px solid var(--FAIL)}details.scenario.v-ERROR{border-left:4px solid var(--ERROR)}details.scenario.v-WARN{border-left:4px solid var(--WARN)}
.fam{font-size:12px;color:var(--muted);min-width:60px}.sid{font-family:var(--mono);font-size:13px}.stitle{color:var(--muted);flex:1}.dur{color:var(--muted);font-size:12px}
.sbody{padding:4px 16px 16px}
.reason{padding:8px 10px;background:var(--panel);border-radius:6px}
dl.facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:10px 0}dl.facts div{display:flex;gap:6px}dt{color:var(--muted)}dd{margin:0}
.explain{border-left:3px solid var(--line);padding:2px 12px;margin:8px 0}.explain p{margin:6px 0}.explain .fix{color:var(--fg)}
table.checks td.req{white-space:nowrap}table.checks td.refs{white-space:nowrap}
tr.c-PASS td,tr.c-SKIP td{color:var(--muted)}tr.c-FAIL{background:var(--FAIL-bg)}tr.c-WARN{background:var(--WARN-bg)}tr.c-ERROR{background:var(--ERROR-bg)}
a.ref,.ref{font-family:var(--mono);font-size:12px}.ref.hot{color:var(--FAIL);font-weight:700}
.seq-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
svg.sequence{display:block;font-family:var(--mono);font-size:11px}
svg.sequence .lane rect{fill:var(--panel);stroke:var(--line)}svg.sequence .lane line{stroke:var(--line);stroke-dasharray:4 4}
svg.sequence .lane-name{font-family:system-ui,sans-serif;font-size:12px;font-weight:600;fill:var(--fg)}svg.sequence .lane-host{font-size:10px;fill:var(--muted)}
svg.sequence text{fill:var(--fg)}
svg.sequence .msg line,svg.sequence .msg path{stroke:var(--muted);stroke-width:1.4}
svg.sequence .msg.r4 line,svg.sequence .msg.r4 path{stroke:var(--WARN)}svg.sequence .msg.r5 line{stroke:var(--FAIL)}
svg.sequence .mk-r2 path,svg.sequence .mk-r3 path{fill:var(--muted)}svg.sequence .mk-r4 path{fill:var(--WARN)}svg.sequence .mk-r5 path,svg.sequence .mk-hot path{fill:var(--FAIL)}
svg.sequence .msg.hot line{stroke:var(--FAIL);stroke-width:2.2}svg.sequence .msg.r4 .msg-label{fill:var(--WARN)}
svg.sequence .msg-label{paint-order:stroke;stroke:var(--bg);stroke-width:4px;stroke-linejoin:round}
svg.sequence .hit{fill:transparent}svg.sequence a:hover .hit{fill:var(--panel)}
svg.sequence .seq-ref{fill:var(--muted)}svg.sequence .seq-ref.hot{fill:var(--FAIL);font-weight:700}
svg.sequence .band rect{fill:var(--panel);stroke:var(--line)}svg.sequence .band text{font-family:system-ui,sans-serif;font-size:11.5px}
svg.sequence .band.step-rejected rect{fill:var(--WARN-bg)}svg.sequence .band.step-error rect{fill:var(--ERROR-bg)}
svg.sequence .band.note text{font-style:italic;fill:var(--muted)}svg.sequence .band.hot rect{stroke:var(--FAIL);stroke-width:1.5}
ol.transcript{list-style:none;padding:0;margin:0;border:1px solid var(--line);border-radius:6px}
li.entry{padding:5px 10px;border-bottom:1px solid var(--line)}li.entry:last-child{border-bottom:0}
li.entry.step{background:var(--panel)}li.entry.step-rejected{background:var(--WARN-bg)}li.entry.step-error{background:var(--ERROR-bg)}li.entry.note{color:var(--muted)}
li.entry summary{cursor:pointer}li.entry .who{display:inline-block;min-width:150px;color:var(--muted);font-size:12px}
li.entry .result{margin:4px 0 0}
:target{outline:2px solid var(--link);outline-offset:-2px}
[id]{scroll-margin-top:12px}
.sub{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;margin:10px 0 2px}
.pre-line{white-space:pre-wrap}
.code.r2{color:var(--PASS)}.code.r3{color:var(--muted)}.code.r4{color:var(--WARN)}.code.r5{color:var(--FAIL)}
.chip{font-size:10px;padding:0 5px;border:1px solid var(--line);border-radius:8px;color:var(--muted)}
.exchange{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:14px;padding:10px 0 6px}
@media (max-width:900px){.exchange{grid-template-columns:minmax(0,1fr)}}
.url{word-break:break-all;margin:0 0 6px}
table.kv th{width:1%;white-space:nowrap;font-weight:500;color:var(--muted);font-family:var(--mono);font-size:12px}table.kv td{font-family:var(--mono);font-size:12px;word-break:break-all}
table.kv th,table.kv td{padding:2px 6px}
.jwt{margin-top:8px;border:1px solid var(--line);border-radius:6px;padding:6px 8px}
.jwt-label{font-size:12px;font-weight:600}.jwt-parts{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px}.part{font-size:11px;color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding-top:30px;padding-bottom:30px}
.shots{display:flex;flex-wrap:wrap;gap:12px}.shots figure{margin:0}.shots img{display:block;max-width:360px;border:1px solid var(--line);border-radius:6px}.shots figcaption{font-size:12px;color:var(--muted)}
[hidden]{display:none!important}
`

const SCRIPT = `
(function () {
  'use strict'
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)) }
  var filters = document.getElementById('filters')
  filters.hidden = false
  function selected(kind) {
    return all('input[data-filter="' + kind + '"]').filter(function (i) { return i.checked }).map(function (i) { return i.value })
  }
  function apply() {
    var verdicts = selected('verdict'), families = selected('family'), levels = selected('level')
    all('.js-scenario, .js-check, [data-level]').forEach(function (el) {
      var d = el.dataset, show = true
      if (d.verdict && verdicts.indexOf(d.verdict) < 0) show = false
      if (d.family && families.indexOf(d.family) < 0) show = false
      if (d.levels !== undefined && !d.levels.split(' ').some(function (l) { return levels.indexOf(l) >= 0 })) show = false
      if (d.level && levels.indexOf(d.level) < 0) show = false
      el.hidden = !show
    })
    var rows = all('#overview tbody tr')
    document.getElementById('shown').textContent =
      rows.filter(function (r) { return !r.hidden }).length + ' of ' + rows.length + ' scenarios'
  }
  filters.addEventListener('change', apply)
  document.getElementById('reset').addEventListener('click', function () {
    all('input[data-filter]').forEach(function (i) { i.checked = true })
    apply()
  })
  function setOpen(open) { all('details.scenario').forEach(function (d) { if (!d.hidden) d.open = open }) }
  document.getElementById('expand-all').addEventListener('click', function () { setOpen(true) })
  document.getElementById('collapse-all').addEventListener('click', function () { setOpen(false) })
  // A link to a scenario or a transcript row opens every <details> around it, and the row itself.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1))
    var target = id && document.getElementById(id)
    if (!target) return
    for (var el = target; el; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true
    var inner = target.querySelector(':scope > details')
    if (inner) inner.open = true
    target.scrollIntoView({ block: 'start' })
  }
  window.addEventListener('hashchange', reveal)
  apply()
  reveal()
})()
`
