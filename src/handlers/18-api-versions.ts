import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ApiVersionsRequest } from '../../protocol/generated/message/api-versions-request.js';
import { ApiVersionsResponse } from '../../protocol/generated/message/api-versions-response.js';
import { METADATA_VERSION } from '../metadata/controller/controller.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/** KIP-511: client software name and version must match this, or the request is invalid. */
const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function createApiVersionsHandler(services: BrokerServices): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  return {
    apiKey: ApiKey.ApiVersions,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const response = ApiVersionsResponse.defaults();
      if (context.apiVersion >= 3 && (!SOFTWARE_FIELD.test(request.clientSoftwareName) || !SOFTWARE_FIELD.test(request.clientSoftwareVersion))) {
        response.errorCode = ErrorCode.INVALID_REQUEST;
        return response;
      }
      response.apiKeys = services.registry.advertised();
      const metadataVersion = services.metadata.feature('metadata.version') ?? METADATA_VERSION;
      response.supportedFeatures = [{ name: 'metadata.version', minVersion: 1, maxVersion: METADATA_VERSION }];
      response.finalizedFeaturesEpoch = services.metadata.offset;
      response.finalizedFeatures = [{ name: 'metadata.version', maxVersionLevel: metadataVersion, minVersionLevel: metadataVersion }];
      return response;
    },
  };
}
