// The transaction APIs on the wire, every version, through a raw client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { InitProducerIdRequest } from '../../../protocol/generated/message/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../../protocol/generated/message/init-producer-id-response.js';
import { ProduceRequest } from '../../../protocol/generated/message/produce-request.js';
import { ProduceResponse } from '../../../protocol/generated/message/produce-response.js';
import { AddPartitionsToTxnRequest } from '../../../protocol/generated/message/add-partitions-to-txn-request.js';
import { AddPartitionsToTxnResponse } from '../../../protocol/generated/message/add-partitions-to-txn-response.js';
import { EndTxnRequest } from '../../../protocol/generated/message/end-txn-request.js';
import { EndTxnResponse } from '../../../protocol/generated/message/end-txn-response.js';
import { WriteTxnMarkersRequest } from '../../../protocol/generated/message/write-txn-markers-request.js';
import { WriteTxnMarkersResponse } from '../../../protocol/generated/message/write-txn-markers-response.js';
import { DescribeProducersRequest } from '../../../protocol/generated/message/describe-producers-request.js';
import { DescribeProducersResponse } from '../../../protocol/generated/message/describe-producers-response.js';
import { DescribeTransactionsRequest } from '../../../protocol/generated/message/describe-transactions-request.js';
import { DescribeTransactionsResponse } from '../../../protocol/generated/message/describe-transactions-response.js';
import { ListTransactionsRequest } from '../../../protocol/generated/message/list-transactions-request.js';
import { ListTransactionsResponse } from '../../../protocol/generated/message/list-transactions-response.js';
import { FetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../../protocol/generated/message/fetch-request.js';
import { FetchResponse } from '../../../protocol/generated/message/fetch-response.js';
import { buildUncompressedRecordBatch } from '../../../src/records/record-batch.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { RawClient } from '../broker/raw-client.js';

describe('transaction APIs on the wire', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await broker.broker.controller.createTopics([{ name: 'w', numPartitions: 1, replicationFactor: 1, assignments: new Map(), configs: new Map() }], false);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  const init = (version: number, transactionalId: string | null, producerId = -1n, producerEpoch = -1) => {
    const body = InitProducerIdRequest.defaults();
    Object.assign(body, { transactionalId, transactionTimeoutMs: 30_000, producerId, producerEpoch });
    return client.request(ApiKey.InitProducerId, version, InitProducerIdRequest, body, InitProducerIdResponse);
  };

  const produce = (producerId: bigint, epoch: number, seq: number, count: number, transactional = false) => {
    const body = ProduceRequest.defaults();
    body.acks = -1;
    body.timeoutMs = 5000;
    body.transactionalId = transactional ? 'wire-txn' : null;
    const records = buildUncompressedRecordBatch(
      Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`r${seq + i}`) })),
      { producerId, producerEpoch: epoch, baseSequence: seq, transactional },
    );
    body.topicData = [{ name: 'w', partitionData: [{ index: 0, records }] }];
    return client.request(ApiKey.Produce, 9, ProduceRequest, body, ProduceResponse).then((r) => r.responses[0]!.partitionResponses[0]!);
  };

  it('InitProducerId v0-5 without a transactional id hands out distinct ids at epoch 0', async () => {
    const ids = new Set<bigint>();
    for (let v = 0; v <= 5; v++) {
      const r = await init(v, null);
      expect(r).toMatchObject({ errorCode: 0, producerEpoch: 0 });
      ids.add(r.producerId);
    }
    expect(ids.size).toBe(6);
  });

  it('idempotent produce: a retried batch gets its first offset back, a gap is OUT_OF_ORDER, an old epoch INVALID_PRODUCER_EPOCH', async () => {
    const { producerId } = await init(4, null);
    expect(await produce(producerId, 0, 0, 3)).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await produce(producerId, 0, 3, 2)).toMatchObject({ errorCode: 0, baseOffset: 3n });
    expect(await produce(producerId, 0, 0, 3)).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await produce(producerId, 0, 9, 1)).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(await produce(producerId, 1, 0, 1)).toMatchObject({ errorCode: 0, baseOffset: 5n }); // KIP-360 local bump
    expect(await produce(producerId, 0, 5, 1)).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(broker.broker.replicas.partition('w', 0)!.log.logEndOffset).toBe(6n);

    const body = DescribeProducersRequest.defaults();
    body.topics = [{ name: 'w', partitionIndexes: [0, 7] }];
    const described = await client.request(ApiKey.DescribeProducers, 0, DescribeProducersRequest, body, DescribeProducersResponse);
    const [p0, p7] = described.topics[0]!.partitions;
    expect(p7).toMatchObject({ partitionIndex: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(p0!.activeProducers).toEqual([expect.objectContaining({ producerId, producerEpoch: 1, lastSequence: 0, currentTxnStartOffset: -1n })]);
  });

  it('a transaction through AddPartitionsToTxn (v3 and v4 verify-only), EndTxn, Describe/ListTransactions; old versions hear INVALID_PRODUCER_EPOCH', async () => {
    const { producerId, producerEpoch } = await init(5, 'wire-txn');
    const add = AddPartitionsToTxnRequest.defaults();
    Object.assign(add, { v3AndBelowTransactionalId: 'wire-txn', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'w', partitions: [0] }, { name: 'nope', partitions: [0] }] });
    const refused = await client.request(ApiKey.AddPartitionsToTxn, 3, AddPartitionsToTxnRequest, add, AddPartitionsToTxnResponse);
    expect(refused.resultsByTopicV3AndBelow.map((t) => t.resultsByPartition[0]!.partitionErrorCode)).toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    add.v3AndBelowTopics = [{ name: 'w', partitions: [0] }];
    const added = await client.request(ApiKey.AddPartitionsToTxn, 3, AddPartitionsToTxnRequest, add, AddPartitionsToTxnResponse);
    expect(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(0);

    const verify = AddPartitionsToTxnRequest.defaults();
    verify.transactions = [{ transactionalId: 'wire-txn', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'w', partitions: [0] }] }];
    const verified = await client.request(ApiKey.AddPartitionsToTxn, 4, AddPartitionsToTxnRequest, verify, AddPartitionsToTxnResponse);
    expect(verified.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(0);

    const before = broker.broker.replicas.partition('w', 0)!.log.logEndOffset;
    expect(await produce(producerId, producerEpoch, 0, 2, true)).toMatchObject({ errorCode: 0, baseOffset: before });

    // read_committed stops at the open transaction.
    const fetch = FetchRequest.defaults();
    Object.assign(fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, topics: [createFetchRequestFetchTopic({ topic: 'w', partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] })] });
    const fetched = await client.request(ApiKey.Fetch, 11, FetchRequest, fetch, FetchResponse);
    expect(fetched.responses[0]!.partitions[0]!.lastStableOffset).toBe(before);

    const txnBody = DescribeTransactionsRequest.defaults();
    txnBody.transactionalIds = ['wire-txn', 'missing'];
    const txns = await client.request(ApiKey.DescribeTransactions, 0, DescribeTransactionsRequest, txnBody, DescribeTransactionsResponse);
    expect(txns.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', producerId, topics: [{ topic: 'w', partitions: [0] }] });
    expect(txns.transactionStates[1]).toMatchObject({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND });

    for (const version of [0, 1]) {
      const list = ListTransactionsRequest.defaults();
      list.stateFilters = ['Ongoing', 'Bogus'];
      if (version >= 1) list.durationFilter = 0n;
      const listed = await client.request(ApiKey.ListTransactions, version, ListTransactionsRequest, list, ListTransactionsResponse);
      expect(listed.unknownStateFilters).toEqual(['Bogus']);
      expect(listed.transactionStates).toEqual([{ transactionalId: 'wire-txn', producerId, transactionState: 'Ongoing' }]);
    }

    const end = EndTxnRequest.defaults();
    Object.assign(end, { transactionalId: 'wire-txn', producerId, producerEpoch: producerEpoch + 1, committed: false });
    const v1 = await client.request(ApiKey.EndTxn, 1, EndTxnRequest, end, EndTxnResponse);
    expect(v1.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const v3 = await client.request(ApiKey.EndTxn, 3, EndTxnRequest, end, EndTxnResponse);
    expect(v3.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    end.producerEpoch = producerEpoch;
    expect((await client.request(ApiKey.EndTxn, 4, EndTxnRequest, end, EndTxnResponse)).errorCode).toBe(0);
    await broker.broker.txnCoordinator!.list();
    const after = await client.request(ApiKey.Fetch, 11, FetchRequest, fetch, FetchResponse);
    const part = after.responses[0]!.partitions[0]!;
    expect(part.lastStableOffset).toBe(part.highWatermark);
    expect(part.abortedTransactions).toEqual([{ producerId, firstOffset: before }]);
  });

  it('a stray transactional write is refused; WriteTxnMarkers v0 and v1 write markers; an older coordinator epoch or unknown partition is refused', async () => {
    const { producerId } = await init(5, null);
    // KIP-890: a transactional write that is not part of an ongoing transaction is refused.
    expect(await produce(producerId, 0, 0, 1, true)).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    for (const version of [0, 1]) {
      const body = WriteTxnMarkersRequest.defaults();
      body.markers = [{ producerId, producerEpoch: 0, transactionResult: true, coordinatorEpoch: 5 - version * 5, topics: [{ name: 'w', partitionIndexes: [0, 3] }] }];
      const r = await client.request(ApiKey.WriteTxnMarkers, version, WriteTxnMarkersRequest, body, WriteTxnMarkersResponse);
      const errors = r.markers[0]!.topics[0]!.partitions.map((p) => p.errorCode);
      expect(errors).toEqual(version === 0 ? [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION] : [ErrorCode.TRANSACTION_COORDINATOR_FENCED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    }
    const p = broker.broker.replicas.partition('w', 0)!;
    expect(p.producers.lastStableOffset(p.log.highWatermark)).toBe(p.log.highWatermark);
  });
});
