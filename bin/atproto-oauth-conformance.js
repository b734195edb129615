#!/usr/bin/env node
// The harness is written in TypeScript and runs through tsx's loader, so there is no build step to forget.
import { register } from 'tsx/esm/api'

register()
await import('../harness/cli.ts')
