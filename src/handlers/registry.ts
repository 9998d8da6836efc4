import { API_BY_KEY } from '../../protocol/generated/api-keys.js';
import type { ApiHandler } from './types.js';

export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** Handlers keyed by API key: one per key, within what the generated codec can speak. */
export class HandlerRegistry {
  private readonly handlers = new Map<number, ApiHandler>();

  register(handler: ApiHandler): this {
    if (this.handlers.has(handler.apiKey)) throw new Error(`duplicate handler for API key ${handler.apiKey}`);
    const api = API_BY_KEY.get(handler.apiKey);
    if (api === undefined) throw new Error(`no codec for API key ${handler.apiKey}`);
    if (handler.minVersion < api.lowestVersion || handler.maxVersion > api.highestVersion || handler.minVersion > handler.maxVersion) {
      throw new Error(
        `${api.name} handler versions ${handler.minVersion}-${handler.maxVersion} are outside the codec's ${api.lowestVersion}-${api.highestVersion}`,
      );
    }
    this.handlers.set(handler.apiKey, handler);
    return this;
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.handlers.get(apiKey);
  }

  supports(apiKey: number, version: number): boolean {
    const handler = this.handlers.get(apiKey);
    return handler !== undefined && version >= handler.minVersion && version <= handler.maxVersion;
  }

  /** What ApiVersions advertises, sorted by key. */
  advertised(): AdvertisedApi[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
