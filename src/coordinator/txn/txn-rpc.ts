// The transaction coordinator's broker-to-broker calls, as Kafka 3.9 makes them over the
// inter-broker listener: WriteTxnMarkers v1 from a coordinator to a partition's leader, and
// AddPartitionsToTxn v4 verify-only (KIP-890) from a partition leader (or a group coordinator
// taking transactional offsets) to the transaction coordinator of a transactional id.
// One RpcClient per node, replaced when the node's address changes or a call fails.
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { WriteTxnMarkersRequest } from '../../../protocol/generated/message/write-txn-markers-request.js';
import { WriteTxnMarkersResponse } from '../../../protocol/generated/message/write-txn-markers-response.js';
import { AddPartitionsToTxnRequest, createAddPartitionsToTxnRequest } from '../../../protocol/generated/message/add-partitions-to-txn-request.js';
import { AddPartitionsToTxnResponse } from '../../../protocol/generated/message/add-partitions-to-txn-response.js';
import type { MessageCodec } from '../../../protocol/runtime/index.js';
import { RpcClient } from '../../metadata/raft-driver/rpc-client.js';
import type { MetadataView } from '../../metadata/image/types.js';

export interface TxnMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
}

export interface TxnRpcOptions {
  readonly nodeId: number;
  readonly metadata: Pick<MetadataView, 'broker'>;
  /** inter.broker.listener.name: which endpoint of the other broker to dial. */
  readonly listenerName: string;
  /** Per call (Kafka's request.timeout.ms is 30 s; markers are retried, so a shorter one notices a dead leader sooner). */
  readonly timeoutMs?: number;
}

/** What a call to another broker can fail with before it has an answer: retriable. */
export class TxnRpcUnavailable extends Error {
  override readonly name = 'TxnRpcUnavailable';
}

export class TxnRpc {
  private readonly clients = new Map<number, RpcClient>();
  private closed = false;

  constructor(private readonly options: TxnRpcOptions) {}

  private client(nodeId: number): RpcClient {
    if (this.closed) throw new TxnRpcUnavailable('closed');
    const endpoint = this.options.metadata.broker(nodeId)?.endpoints.find((e) => e.name === this.options.listenerName);
    if (endpoint === undefined) throw new TxnRpcUnavailable(`broker ${nodeId} has no ${this.options.listenerName} endpoint`);
    let client = this.clients.get(nodeId);
    if (client === undefined || client.host !== endpoint.host || client.port !== endpoint.port) {
      client?.close();
      client = new RpcClient(endpoint.host, endpoint.port, `sluice-txn-${this.options.nodeId}`, 2000, this.options.timeoutMs ?? 10_000);
      this.clients.set(nodeId, client);
    }
    return client;
  }

  private async call<Req, Res>(nodeId: number, apiKey: number, version: number, reqCodec: MessageCodec<Req>, body: Req, resCodec: MessageCodec<Res>): Promise<Res> {
    const client = this.client(nodeId);
    try {
      return await client.request(apiKey, version, reqCodec, body, resCodec);
    } catch (error) {
      // The next call dials again.
      client.close();
      if (this.clients.get(nodeId) === client) this.clients.delete(nodeId);
      throw new TxnRpcUnavailable((error as Error).message);
    }
  }

  /** WriteTxnMarkers v1 to a leader: one marker, its partitions by topic; answers the error per partition. */
  async writeMarkers(nodeId: number, marker: TxnMarker, partitions: ReadonlyMap<string, readonly number[]>): Promise<Map<string, Map<number, number>>> {
    const body: WriteTxnMarkersRequest = {
      markers: [
        {
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          transactionResult: marker.committed,
          coordinatorEpoch: marker.coordinatorEpoch,
          topics: [...partitions].map(([name, partitionIndexes]) => ({ name, partitionIndexes: [...partitionIndexes] })),
        },
      ],
    };
    const response = await this.call(nodeId, ApiKey.WriteTxnMarkers, 1, WriteTxnMarkersRequest, body, WriteTxnMarkersResponse);
    const out = new Map<string, Map<number, number>>();
    for (const m of response.markers) {
      if (m.producerId !== marker.producerId) continue;
      for (const t of m.topics) {
        let byPartition = out.get(t.name);
        if (byPartition === undefined) out.set(t.name, (byPartition = new Map()));
        for (const p of t.partitions) byPartition.set(p.partitionIndex, p.errorCode);
      }
    }
    return out;
  }

  /**
   * AddPartitionsToTxn v4 verify-only to the transaction coordinator: 0 when every partition is in
   * the producer's ongoing transaction, else the first error (top-level or per partition).
   */
  async verify(nodeId: number, transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partitions: readonly number[]): Promise<number> {
    const body = createAddPartitionsToTxnRequest({
      transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions: [...partitions] }] }],
    });
    const response = await this.call(nodeId, ApiKey.AddPartitionsToTxn, 4, AddPartitionsToTxnRequest, body, AddPartitionsToTxnResponse);
    if (response.errorCode !== 0) return response.errorCode;
    const result = response.resultsByTransaction.find((r) => r.transactionalId === transactionalId);
    if (result === undefined) return ErrorCode.INVALID_TXN_STATE;
    for (const t of result.topicResults) for (const p of t.resultsByPartition) if (p.partitionErrorCode !== 0) return p.partitionErrorCode;
    return 0;
  }

  close(): void {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
