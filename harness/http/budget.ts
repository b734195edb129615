import type { NextFunction, Request, Response } from 'express'
import type { ServerName } from '../../model/transcript.ts'

/** How many requests one World serves before it refuses the rest: a flooding client cannot exhaust the harness. */
export interface RequestBudget {
  readonly limit: number
  /** Requests served (and recorded in the transcript). */
  served: number
  /** Requests refused with 429 once the limit was reached (counted, not recorded). */
  refused: number
}

/**
 * Counts the requests of all servers of a World; past the limit, answers `429` without running a handler or
 * recording the exchange, so the transcript and the World's memory stay bounded whatever the client sends.
 * The error body is the server's own kind: OAuth JSON at the AS, XRPC JSON elsewhere.
 */
export function enforceBudget(budget: RequestBudget, server: ServerName) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (budget.served < budget.limit) {
      budget.served++
      return next()
    }
    budget.refused++
    const description = `Too many requests: this World serves at most ${budget.limit} per scenario`
    res.status(429)
    res.setHeader('Content-Type', 'application/json')
    res.setHeader('Connection', 'close')
    res.end(
      JSON.stringify(
        server === 'as'
          ? { error: 'invalid_request', error_description: description }
          : { error: 'RateLimitExceeded', message: description },
      ),
    )
    req.resume()
  }
}
