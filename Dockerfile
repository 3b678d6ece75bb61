# syntax=docker/dockerfile:1
# One image for every role: `serve` (the webhook gate), `worker` (investigations) or `start` (both in one
# process). Build: docker build -t flipturn .   Run: docker run --env-file .env -p 3000:3000 flipturn serve
# The install and build commands are the same ones CI runs (.ci/run: npm ci, npm run build).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Recorded scenarios: the demo and the lab profile replay them.
COPY --chown=node:node scenarios ./scenarios
USER node
EXPOSE 3000
# Every role serves GET /healthz on $PORT (the worker serves /healthz and /metrics only).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start"]
