// A transactional id's state as the coordinator keeps it, and its record format in
// __transaction_state: key = int16 version + TransactionLogKey, value = int16 version +
// TransactionLogValue (a null value is the tombstone of an expired id), as Kafka writes them.
import { Reader, Writer, type MessageCodec } from '../../../protocol/runtime/index.js';
import { TransactionLogKey } from '../../../protocol/generated/transaction-coordinator/transaction-log-key.js';
import { TransactionLogValue } from '../../../protocol/generated/transaction-coordinator/transaction-log-value.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Kafka's TransactionState ids, as stored in TransactionLogValue.transactionStatus. */
export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

/** The names DescribeTransactions / ListTransactions use (Kafka's TransactionState.name). */
export const TXN_STATE_NAMES: Record<TxnState, string> = {
  0: 'Empty',
  1: 'Ongoing',
  2: 'PrepareCommit',
  3: 'PrepareAbort',
  4: 'CompleteCommit',
  5: 'CompleteAbort',
  6: 'Dead',
  7: 'PrepareEpochFence',
};

export function txnStateByName(name: string): TxnState | undefined {
  for (const [id, n] of Object.entries(TXN_STATE_NAMES)) if (n === name) return Number(id) as TxnState;
  return undefined;
}

export const NO_PRODUCER_EPOCH = -1;
/** Kafka's TransactionMetadata.isEpochExhausted: at Short.MaxValue - 1 the id must rotate. */
export const MAX_PRODUCER_EPOCH = 32766;

export interface TxnMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  /** The id and epoch before the last bump, so a retried InitProducerId gets the same answer. */
  lastProducerId: bigint;
  producerEpoch: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** topic → partitions in the current transaction. */
  partitions: Map<string, Set<number>>;
  startTimestamp: number;
  lastUpdateTimestamp: number;
}

const KEY_VERSION = 0;
/** 3.9 writes value version 0 unless the flexible transaction version (KIP-890 part 2) is on. */
const VALUE_VERSION = 0;

function versioned<T>(codec: MessageCodec<T>, version: number, value: T): Buffer {
  const writer = new Writer(2 + codec.size(value, version));
  writer.int16(version);
  codec.write(writer, value, version);
  return writer.buf;
}

export function txnLogKey(transactionalId: string): Buffer {
  return versioned(TransactionLogKey, KEY_VERSION, { transactionalId });
}

export function txnLogValue(txn: TxnMetadata): Buffer {
  const transactionPartitions = [...txn.partitions].map(([topic, ids]) => ({ topic, partitionIds: [...ids].sort((a, b) => a - b) }));
  return versioned(TransactionLogValue, VALUE_VERSION, {
    producerId: txn.producerId,
    producerEpoch: txn.producerEpoch,
    transactionTimeoutMs: txn.timeoutMs,
    transactionStatus: txn.state,
    transactionPartitions,
    transactionLastUpdateTimestampMs: BigInt(txn.lastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(txn.startTimestamp),
  });
}

/** Decodes one __transaction_state record; null metadata for a tombstone. */
export function decodeTxnLogRecord(key: Buffer, value: Buffer | null): { transactionalId: string; metadata: TxnMetadata | null } {
  const keyReader = new Reader(key);
  const keyVersion = keyReader.int16();
  const { transactionalId } = TransactionLogKey.read(keyReader, keyVersion);
  if (value === null) return { transactionalId, metadata: null };
  const valueReader = new Reader(value);
  const version = valueReader.int16();
  const v = TransactionLogValue.read(valueReader, version);
  const partitions = new Map<string, Set<number>>();
  for (const p of v.transactionPartitions ?? []) partitions.set(p.topic, new Set(p.partitionIds));
  return {
    transactionalId,
    metadata: {
      transactionalId,
      producerId: v.producerId,
      lastProducerId: -1n,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      timeoutMs: v.transactionTimeoutMs,
      state: v.transactionStatus as TxnState,
      partitions,
      startTimestamp: Number(v.transactionStartTimestampMs),
      lastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
    },
  };
}

export function hasPartition(txn: TxnMetadata, topic: string, partition: number): boolean {
  return txn.partitions.get(topic)?.has(partition) ?? false;
}
