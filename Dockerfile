# The `serve` stack in a container: mock AS, PDS, identity (handle resolver, PLC directory, did:web), client host
# and the control API, on fixed ports 6583-6587. docker-compose.yml publishes them to the host's 127.0.0.1 only.
FROM node:22-slim

WORKDIR /app
ENV NODE_ENV=production NO_COLOR=1
# Runtime dependencies only: tsx (the TypeScript loader of bin/) is one of them, so --omit=dev is complete for
# `serve`. The browser, process and container drivers' extras (playwright-core, testcontainers) are dev-only.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY . .

USER node
EXPOSE 6583 6584 6585 6586 6587
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:6587/control/status').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/atproto-oauth-conformance.js"]
# Inside the container the servers must bind 0.0.0.0 for the published ports to reach them: an explicit
# --host, never a default (outside a container `serve` stays on 127.0.0.1).
CMD ["serve", "--host", "0.0.0.0", "--port", "6583"]
