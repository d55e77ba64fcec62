# syntax=docker/dockerfile:1
# astral-auth: build with the dev tools, run on production dependencies only, as a non-root user.

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile TypeScript to dist/ (npm ci runs the prepare script, which builds).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund

# 2. Production dependencies only. Scripts are skipped (prepare would need the TypeScript
#    compiler), then better-sqlite3 alone is rebuilt for its native module.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

# 3. The image: dist/, production node_modules, no compiler, no npm cache; runs as `node`.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    ASTRAL_HOST=0.0.0.0 \
    ASTRAL_PORT=8080 \
    ASTRAL_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Liveness only (/healthz); the load balancer checks readiness (/readyz: the database answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ASTRAL_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
