# One image for the API (with the web app), the worker and the migrations; the command chooses which.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./web
RUN node_modules/.bin/vite build web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY --from=web /app/web/dist ./web/dist
USER node
EXPOSE 3000
CMD ["npx", "tsx", "src/api/main.ts"]
