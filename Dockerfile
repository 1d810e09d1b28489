# syntax=docker/dockerfile:1
# The facility hub as a container: compiled with tsc in a build stage, run as the unprivileged `node` user.
# `docker compose up` (docker-compose.yml) runs it with InfluxDB; see config/compose/README.md.
#
# Node 26, the current LTS line (supported until April 2029): the newest Node that CI tests (.ci/run runs
# `npm test` on Node 20, the oldest package.json's engines allow, and on Node 26), and one better-sqlite3 12
# supports (engines 20.x-26.x). Both stages must use the same Node major: better-sqlite3 is a native module
# compiled in the build stage for that ABI. bookworm, as in CI (the node:26 images default to trixie).
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is a native module: build tools in case no prebuilt binary can be fetched.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsconfig.build.json emits dist/hub, dist/adapters and dist/simulators; then drop the dev dependencies.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
  HUB_DATA_DIR=/data
WORKDIR /app
# The pass slip's PDF embeds WenQuanYi Micro Hei (Chinese and Latin in one font; domains/visitors/slip-pdf.ts).
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-wqy-microhei \
  && rm -rf /var/lib/apt/lists/*
# The code stays owned by root: the hub (user node) can read it, not change it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/dashboard ./dashboard
COPY --from=build /app/config ./config
# The data dir (hub.db, history.db, the InfluxDB outbox spool outbox/) belongs to node; a named volume
# mounted there on first use takes this owner and mode.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
VOLUME /data
# 8080 HTTP or HTTPS with hub.http.tls (dashboard, API, live), 1883 embedded MQTT broker, 8883 the broker over TLS (with mqtt.tls).
EXPOSE 8080 1883 8883
USER node
# Slim images have no curl: ask /healthz with node itself (HUB_HTTP_PORT if the port was moved), over HTTPS
# first (hub.http.tls; its own certificate on loopback, so any is taken), then plain HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const get = (m) => new Promise((ok, no) => require(m).get({ host: '127.0.0.1', port: process.env.HUB_HTTP_PORT || 8080, path: '/healthz', rejectUnauthorized: false, timeout: 2000 }, (r) => ok(r.statusCode)).on('timeout', function () { this.destroy(new Error('timeout')); }).on('error', no)); get('node:https').catch(() => get('node:http')).then((s) => process.exit(s === 200 ? 0 : 1), () => process.exit(1))"]
# The site file: HUB_SITE_FILE, or a path after main.js; without either, the demo site in config/.
CMD ["node", "dist/hub/main.js"]
