import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ListTransactionsRequest } from '../../protocol/generated/message/list-transactions-request.js';
import { ListTransactionsResponse } from '../../protocol/generated/message/list-transactions-response.js';
import { TXN_STATE_NAMES, TxnState, txnStateByName } from '../coordinator/txn/txn-metadata.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createListTransactionsHandler(services: BrokerServices): ApiHandler<ListTransactionsRequest, ListTransactionsResponse> {
  return {
    apiKey: ApiKey.ListTransactions,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context) {
      const response = ListTransactionsResponse.defaults();
      const states = new Set<number>();
      for (const name of request.stateFilters) {
        const state = txnStateByName(name);
        if (state === undefined) response.unknownStateFilters.push(name);
        else states.add(state);
      }
      const producerIds = new Set(request.producerIdFilters);
      // v1 (KIP-994): only transactions running longer than durationFilter ms; -1 means all.
      const minDuration = context.apiVersion >= 1 ? request.durationFilter : -1n;
      const now = BigInt(Date.now());
      const all = await services.txnCoordinator.list();
      response.transactionStates = all
        .filter((t) => t.state !== TxnState.Dead)
        .filter((t) => (request.stateFilters.length === 0 || states.has(t.state)) && (producerIds.size === 0 || producerIds.has(t.producerId)))
        .filter((t) => minDuration < 0n || (t.state === TxnState.Ongoing && now - BigInt(t.startTimestamp) >= minDuration))
        // Only the transactional ids the principal may DESCRIBE are listed.
        .filter((t) => authorized(services, context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId))
        .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: TXN_STATE_NAMES[t.state] }));
      return response;
    },
  };
}
