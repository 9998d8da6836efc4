// AlterPartition (56): a partition leader asks the active controller to shrink or expand the
// ISR. Served by the active controller; any other node answers NOT_CONTROLLER.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { AlterPartitionRequest } from '../../protocol/generated/message/alter-partition-request.js';
import type { AlterPartitionResponse } from '../../protocol/generated/message/alter-partition-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createAlterPartitionHandler(services: BrokerServices): ApiHandler<AlterPartitionRequest, AlterPartitionResponse> {
  return {
    apiKey: ApiKey.AlterPartition,
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      return services.controller.alterPartition(request, context.apiVersion);
    },
  };
}
