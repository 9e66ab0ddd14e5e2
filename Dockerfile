# One image for the API, the worker and the migrations; the command chooses which.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
USER node
EXPOSE 3000
CMD ["npx", "tsx", "src/api/main.ts"]
