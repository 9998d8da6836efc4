import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeTransactionsRequest } from '../../protocol/generated/message/describe-transactions-request.js';
import { DescribeTransactionsResponse, type DescribeTransactionsResponseTransactionState } from '../../protocol/generated/message/describe-transactions-response.js';
import { TXN_STATE_NAMES } from '../coordinator/txn/txn-metadata.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createDescribeTransactionsHandler(services: BrokerServices): ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse> {
  return {
    apiKey: ApiKey.DescribeTransactions,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const response = DescribeTransactionsResponse.defaults();
      response.transactionStates = await Promise.all(
        request.transactionalIds.map(async (transactionalId): Promise<DescribeTransactionsResponseTransactionState> => {
          const { errorCode, txn } = authorized(services, context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, transactionalId)
            ? await services.txnCoordinator.describe(transactionalId)
            : { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, txn: undefined };
          if (txn === undefined) {
            return { errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
          }
          return {
            errorCode: 0,
            transactionalId,
            transactionState: TXN_STATE_NAMES[txn.state],
            transactionTimeoutMs: txn.timeoutMs,
            transactionStartTimeMs: BigInt(txn.startTimestamp),
            producerId: txn.producerId,
            producerEpoch: txn.producerEpoch,
            topics: [...txn.partitions].map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) })),
          };
        }),
      );
      return response;
    },
  };
}
