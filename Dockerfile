# A small image of the broker: build with dev dependencies, run with production ones.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY protocol ./protocol
COPY src ./src
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
VOLUME ["/data"]
EXPOSE 9092
ENTRYPOINT ["node", "bin/sluice.js"]
CMD ["start", "--port", "9092", "--host", "0.0.0.0", "--advertised-host", "localhost", "--data-dir", "/data"]
