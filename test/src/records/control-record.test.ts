import { describe, expect, it } from 'vitest';
import {
  BatchHeader,
  buildControlBatch,
  buildEndTxnMarkerBatch,
  ControlRecordType,
  decodeControlType,
  decodeEndTxnMarker,
  readRecordBatch,
  validateRecords,
} from '../../../src/records/index.js';

describe('control records', () => {
  it('builds a COMMIT marker batch Kafka-style: control + transactional, key v0/type 1, value v0/epoch', async () => {
    const batch = buildEndTxnMarkerBatch({ producerId: 12n, producerEpoch: 3, coordinatorEpoch: 5, committed: true, baseOffset: 20n, timestamp: 77n });
    const header = new BatchHeader(batch);
    expect(header.isControl).toBe(true);
    expect(header.isTransactional).toBe(true);
    expect(header.producerId).toBe(12n);
    expect(header.producerEpoch).toBe(3);
    expect(header.baseSequence).toBe(-1);
    const [record] = await readRecordBatch(batch);
    expect(record!.key!.toString('hex')).toBe('00000001');
    expect(record!.value!.toString('hex')).toBe('000000000005');
    expect(record!.offset).toBe(20n);
    expect(record!.timestamp).toBe(77n);
    expect(decodeEndTxnMarker(record!.key, record!.value)).toEqual({ committed: true, coordinatorEpoch: 5 });
  });

  it('decodes ABORT, and nothing for other control types or malformed keys', () => {
    const abortKey = Buffer.from('00000000', 'hex');
    expect(decodeEndTxnMarker(abortKey, Buffer.from('000000000009', 'hex'))).toEqual({ committed: false, coordinatorEpoch: 9 });
    expect(decodeEndTxnMarker(Buffer.from('00000002', 'hex'), Buffer.alloc(6))).toBeUndefined();
    expect(decodeEndTxnMarker(Buffer.from('00', 'hex'), Buffer.alloc(6))).toBeUndefined();
    expect(decodeEndTxnMarker(abortKey, Buffer.alloc(2))).toBeUndefined();
    expect(decodeControlType(null)).toBeUndefined();
  });

  it('builds non-transactional KRaft control batches with opaque values', async () => {
    const batch = buildControlBatch(ControlRecordType.LEADER_CHANGE, Buffer.from('payload'));
    expect(new BatchHeader(batch).isTransactional).toBe(false);
    const [record] = await readRecordBatch(batch);
    expect(decodeControlType(record!.key)).toBe(ControlRecordType.LEADER_CHANGE);
  });

  it('control batches pass validation only for the broker itself', () => {
    const batch = buildEndTxnMarkerBatch({ producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, committed: false });
    expect(validateRecords(batch)).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
    expect(validateRecords(batch, { origin: 'internal' })).toMatchObject({ ok: true, hasControlBatch: true });
  });
});
