# The hub as a container: build with tsc, run the compiled JavaScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is a native module: build tools in case no prebuilt binary can be fetched
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HUB_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/dashboard ./dashboard
COPY --from=build /app/config ./config
COPY package.json ./
VOLUME /data
EXPOSE 8080 1883
USER node
CMD ["node", "dist/hub/main.js", "config/demo-site.yaml"]
