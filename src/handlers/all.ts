// Every API handler this build serves. The registry refuses a second handler for a key.
import type { HandlerRegistry } from './registry.js';
import type { BrokerServices } from './services.js';
import { createProduceHandler } from './00-produce.js';
import { createFetchHandler } from './01-fetch.js';
import { createListOffsetsHandler } from './02-list-offsets.js';
import { createMetadataHandler } from './03-metadata.js';
import { createApiVersionsHandler } from './18-api-versions.js';
import { createCreateTopicsHandler } from './19-create-topics.js';

export function registerAllHandlers(registry: HandlerRegistry, services: BrokerServices): void {
  registry
    .register(createProduceHandler(services))
    .register(createFetchHandler(services))
    .register(createListOffsetsHandler(services))
    .register(createMetadataHandler(services))
    .register(createApiVersionsHandler(services))
    .register(createCreateTopicsHandler(services));
}
