import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { TxnMarkerSender, type PendingMarkers } from '../../../../src/coordinator/txn/txn-marker-sender.js';
import { TxnRpcUnavailable, type TxnMarker } from '../../../../src/coordinator/txn/txn-rpc.js';

const MARKER: TxnMarker = { producerId: 7n, producerEpoch: 1, coordinatorEpoch: 3, committed: true };

/** A metadata view whose leaders the test moves. */
function metadata(leaders: Map<string, number>) {
  return {
    topic(name: string) {
      const partitions = new Map<number, { leader: number }>();
      for (const [k, leader] of leaders) {
        const [t, p] = k.split(':');
        if (t === name) partitions.set(Number(p), { leader });
      }
      return partitions.size === 0 ? undefined : ({ partitions } as never);
    },
  };
}

function pending(entries: Record<string, number[]>): PendingMarkers {
  return new Map(Object.entries(entries).map(([t, ps]) => [t, new Set(ps)]));
}

describe('TxnMarkerSender', () => {
  it('writes local partitions in process and groups remote ones by leader, one WriteTxnMarkers per leader', async () => {
    const leaders = new Map([['a:0', 1], ['a:1', 2], ['a:2', 3], ['b:0', 2]]);
    const local: string[] = [];
    const calls: { node: number; partitions: string[] }[] = [];
    const sender = new TxnMarkerSender({
      nodeId: 1,
      metadata: metadata(leaders),
      writeLocal: (t, p) => (local.push(`${t}:${p}`), Promise.resolve(0)),
      rpc: {
        writeMarkers: (node, _m, partitions) => {
          calls.push({ node, partitions: [...partitions].flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)).sort() });
          return Promise.resolve(new Map([...partitions].map(([t, ps]) => [t, new Map(ps.map((p) => [p, 0]))])));
        },
      },
      log: pino({ level: 'silent' }),
    });
    const todo = pending({ a: [0, 1, 2], b: [0] });
    expect(await sender.round(MARKER, todo)).toBe('done');
    expect(todo.size).toBe(0);
    expect(local).toEqual(['a:0']);
    expect(calls.sort((x, y) => x.node - y.node)).toEqual([{ node: 2, partitions: ['a:1', 'b:0'] }, { node: 3, partitions: ['a:2'] }]);
  });

  it('retries NOT_LEADER_OR_FOLLOWER, unreachable leaders and leaderless partitions until the new leader has the marker', async () => {
    const leaders = new Map([['a:0', 2], ['a:1', -1]]);
    let attempts = 0;
    const sender = new TxnMarkerSender({
      nodeId: 1,
      metadata: metadata(leaders),
      writeLocal: () => Promise.resolve(0),
      rpc: {
        writeMarkers: (node, _m, partitions) => {
          attempts++;
          if (node === 2 && attempts === 1) return Promise.reject(new TxnRpcUnavailable('connection refused'));
          if (node === 2) {
            // The old leader answers NOT_LEADER_OR_FOLLOWER; meanwhile the metadata moves both partitions to 3.
            leaders.set('a:0', 3);
            leaders.set('a:1', 3);
            return Promise.resolve(new Map([['a', new Map([...partitions.get('a')!].map((p) => [p, ErrorCode.NOT_LEADER_OR_FOLLOWER]))]]));
          }
          return Promise.resolve(new Map([['a', new Map([...partitions.get('a')!].map((p) => [p, 0]))]]));
        },
      },
      log: pino({ level: 'silent' }),
      retryBackoffMs: 5,
    });
    const todo = pending({ a: [0, 1] });
    expect(await sender.round(MARKER, todo)).toBe('pending');
    expect(await sender.untilWritten(MARKER, todo, () => true)).toBe('done');
    expect(todo.size).toBe(0);
    expect(attempts).toBe(3);
  });

  it('gives up on a stale coordinator or producer epoch, skips deleted partitions, and stops when told', async () => {
    const leaders = new Map([['a:0', 2]]);
    const sender = new TxnMarkerSender({
      nodeId: 1,
      metadata: metadata(leaders),
      writeLocal: () => Promise.resolve(0),
      rpc: { writeMarkers: () => Promise.resolve(new Map([['a', new Map([[0, ErrorCode.TRANSACTION_COORDINATOR_FENCED]])]])) },
      log: pino({ level: 'silent' }),
      retryBackoffMs: 5,
    });
    expect(await sender.round(MARKER, pending({ a: [0] }))).toBe('fenced');
    // A partition of a topic that no longer exists counts as done (Kafka drops its marker).
    const gone = pending({ deleted: [0, 1] });
    expect(await sender.round(MARKER, gone)).toBe('done');
    expect(gone.size).toBe(0);
    leaders.set('a:0', -1);
    expect(await sender.untilWritten(MARKER, pending({ a: [0] }), () => false)).toBe('stopped');
  });
});
