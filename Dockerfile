# taskcal: compiled once in a build stage; the image holds the JavaScript in
# dist/ and the production dependencies only (no TypeScript, no tsx).
FROM node:24-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:24-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:24-alpine
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
# Files stay owned by root: the service user can read them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# glibc's malloc gives each thread that allocates an arena of its own (V8's
# collector threads, libuv's pool): two are enough, and 10,000 bindings keep
# 12-18 MiB less resident (README, Container). The same as `npm start`.
ENV MALLOC_ARENA_MAX=2
# One node process and no npm around it, so SIGTERM reaches main.js directly.
# V8's heap limit is fixed at start: the same as `npm start` (sized for 10,000
# bindings); larger installations raise it (README, Container).
CMD ["node", "--max-old-space-size=256", "--max-semi-space-size=4", "dist/main.js"]
