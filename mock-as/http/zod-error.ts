import { ZodError, type ZodIssue } from 'zod'

/**
 * The reference's wording of a zod failure (oauth-provider lib/util/zod-error.js): issues joined by "; ", the
 * branches of a union by ", or ", each issue followed by " at <path>". Mocks that parse with the atproto
 * schemas word their errors with it, so a client meets the same descriptions as at the reference server.
 */
export function formatZodError(err: ZodError, prefix?: string): string {
  const message = err.issues.length ? err.issues.map(formatZodIssue).join('; ') : err.message
  return prefix ? `${prefix}: ${message}` : message
}

function formatZodIssue(issue: ZodIssue): string {
  if (issue.code === 'invalid_union') {
    return issue.unionErrors.map((e) => e.issues.map(formatZodIssue).join('; ')).join(', or ')
  }
  if (issue.path.length === 1 && typeof issue.path[0] === 'number') return `${issue.message} at index ${issue.path[0]}`
  if (issue.path.length) return `${issue.message} at ${issue.path.join('.')}`
  return issue.message
}

/** The reference's formatError(): a zod failure worded as above, anything else as the prefix alone. */
export function formatError(err: unknown, prefix: string): string {
  return err instanceof ZodError ? formatZodError(err, prefix) : prefix
}
