/**
 * The PDS's own plain routes (reference pds `basic-routes.js`): the banner at `/`, robots.txt and the health
 * check, so a client or a crawler that touches them gets what the reference answers.
 */
import { Router } from 'express'

const BANNER = "\n         __                         __\n        /\\ \\__                     /\\ \\__\n    __  \\ \\ ,_\\  _____   _ __   ___\\ \\ ,_\\   ___\n  /'__'\\ \\ \\ \\/ /\\ '__'\\/\\''__\\/ __'\\ \\ \\/  / __'\\\n /\\ \\L\\.\\_\\ \\ \\_\\ \\ \\L\\ \\ \\ \\//\\ \\L\\ \\ \\ \\_/\\ \\L\\ \\\n \\ \\__/.\\_\\\\ \\__\\\\ \\ ,__/\\ \\_\\\\ \\____/\\ \\__\\ \\____/\n  \\/__/\\/_/ \\/__/ \\ \\ \\/  \\/_/ \\/___/  \\/__/\\/___/\n                   \\ \\_\\\n                    \\/_/\n\n\nThis is an AT Protocol Personal Data Server (aka, an atproto PDS)\n\nMost API routes are under /xrpc/\n\n      Code: https://github.com/bluesky-social/atproto\n Self-Host: https://github.com/bluesky-social/pds\n  Protocol: https://atproto.com\n"

const ROBOTS = "# Hello!\n\n# Crawling the public API is allowed\nUser-agent: *\nAllow: /"

export function basicRoutes(version = '0.5.35'): Router {
  const r = Router()
  r.get('/', (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*')
    res.type('text/plain').send(BANNER)
  })
  r.get('/robots.txt', (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*')
    res.type('text/plain').send(ROBOTS)
  })
  r.get('/xrpc/_health', (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*')
    res.json({ version })
  })
  return r
}
