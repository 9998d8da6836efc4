// Fetch sessions (KIP-227) through a real broker, with raw frames: what a Java consumer does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { FetchRequest } from '../../../protocol/generated/message/fetch-request.js';
import { FetchResponse } from '../../../protocol/generated/message/fetch-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, fetch, fetchTopic, produce, RawClient } from '../broker/raw-client.js';

const TOPIC = 'sessions';

/** `topic-partition:records-bytes>0` for each partition in the answer, in answer order. */
function answered(res: FetchResponse): string[] {
  return res.responses.flatMap((t) => t.partitions.map((p) => `${t.topic || t.topicId}-${p.partitionIndex}:${(p.records?.length ?? 0) > 0 ? 'data' : 'none'}`));
}

describe('Fetch sessions through startBroker', () => {
  let broker: RunningBroker;
  let client: RawClient;
  let topicId: string;

  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    const created = await createTopic(client, TOPIC, 2);
    expect(created.errorCode).toBe(0);
    topicId = created.topicId;
    expect((await produce(client, TOPIC, 0, batch(['a', 'b', 'c']))).errorCode).toBe(0);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('opens a session, then answers incrementally with only the partitions that changed', async () => {
    const full = await fetch(client, [fetchTopic(TOPIC, [[0, 0n], [1, 0n]])], { sessionId: 0, epoch: 0 });
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).not.toBe(0);
    expect(answered(full)).toEqual([`${TOPIC}-0:data`, `${TOPIC}-1:none`]);
    const id = full.sessionId;

    // Consumed p0 to its end: nothing new anywhere, so nothing is sent.
    const quiet = await fetch(client, [fetchTopic(TOPIC, [[0, 3n]])], { sessionId: id, epoch: 1 });
    expect(quiet.errorCode).toBe(0);
    expect(quiet.sessionId).toBe(id);
    expect(answered(quiet)).toEqual([]);

    // New data on p1 (not named in the request): only p1 comes back.
    await produce(client, TOPIC, 1, batch(['x']));
    const news = await fetch(client, [], { sessionId: id, epoch: 2 });
    expect(answered(news)).toEqual([`${TOPIC}-1:data`]);
    expect(news.responses[0]!.partitions[0]!.highWatermark).toBe(1n);

    // Wrong epoch and unknown id are session errors with no partitions.
    const stale = await fetch(client, [], { sessionId: id, epoch: 2 });
    expect(stale.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(stale.responses).toEqual([]);
    const unknown = await fetch(client, [], { sessionId: id ^ 0x5a5a, epoch: 1 });
    expect(unknown.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

    // Forget p1, then data on p1 is no longer sent; p0's new data is.
    const forgot = await fetch(client, [], {
      sessionId: id,
      epoch: 3,
      forgotten: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [1] }],
    });
    expect(forgot.errorCode).toBe(0);
    await produce(client, TOPIC, 1, batch(['y']));
    await produce(client, TOPIC, 0, batch(['d']));
    const after = await fetch(client, [], { sessionId: id, epoch: 4 });
    expect(answered(after)).toEqual([`${TOPIC}-0:data`]);

    // FINAL epoch closes the session and answers sessionless with what was asked.
    const last = await fetch(client, [fetchTopic(TOPIC, [[0, 4n]])], { sessionId: id, epoch: -1 });
    expect(last.sessionId).toBe(0);
    expect(answered(last)).toEqual([`${TOPIC}-0:none`]);
    const gone = await fetch(client, [], { sessionId: id, epoch: 5 });
    expect(gone.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('keys v13+ sessions by topic id and refuses a name-based request on them', async () => {
    const full = await fetch(client, [fetchTopic('', [[0, 0n]], topicId)], { version: 13, sessionId: 0, epoch: 0 });
    expect(full.sessionId).not.toBe(0);
    expect(full.responses[0]!.topicId).toBe(topicId);
    expect(full.responses[0]!.topic).toBe('');
    const mixed = await fetch(client, [], { version: 12, sessionId: full.sessionId, epoch: 1 });
    expect(mixed.errorCode).toBe(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    const unknownId = await fetch(client, [fetchTopic('', [[0, 0n]], 'AAAAAAAAAAAAAAAAAAAABw')], { version: 17, sessionId: full.sessionId, epoch: 1 });
    // The session's p0 (still at offset 0) has data again; the unknown id answers UNKNOWN_TOPIC_ID.
    expect(unknownId.responses.map((t) => [t.topicId, t.partitions.map((p) => p.errorCode)])).toEqual([
      [topicId, [0]],
      ['AAAAAAAAAAAAAAAAAAAABw', [ErrorCode.UNKNOWN_TOPIC_ID]],
    ]);
  });

  it('answers sessionless (id 0) to epoch -1 and to pre-v7 fetches', async () => {
    const legacy = await fetch(client, [fetchTopic(TOPIC, [[0, 0n]])], { sessionId: 0, epoch: -1 });
    expect(legacy.sessionId).toBe(0);
    expect(answered(legacy)).toEqual([`${TOPIC}-0:data`]);
    const v6 = await fetch(client, [fetchTopic(TOPIC, [[0, 0n]])], { version: 6 });
    expect(answered(v6)).toEqual([`${TOPIC}-0:data`]);
  });

  it('drops the sessions of a connection when it closes', async () => {
    const other = await RawClient.connect(broker.port);
    const full = await fetch(other, [fetchTopic(TOPIC, [[0, 0n]])], { sessionId: 0, epoch: 0 });
    expect(full.sessionId).not.toBe(0);
    // Alive: a wrong epoch is an epoch error.
    expect((await fetch(client, [], { sessionId: full.sessionId, epoch: 99 })).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    other.close();
    let code = -1;
    for (let attempt = 0; attempt < 100 && code !== ErrorCode.FETCH_SESSION_ID_NOT_FOUND; attempt++) {
      code = (await fetch(client, [], { sessionId: full.sessionId, epoch: 99 })).errorCode;
      if (code !== ErrorCode.FETCH_SESSION_ID_NOT_FOUND) await new Promise((r) => setTimeout(r, 20));
    }
    expect(code).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });
});

describe('Fetch response size (KIP-74) through startBroker', () => {
  let broker: RunningBroker;
  let client: RawClient;
  /** One batch per partition of `value` repeated, sized in bytes per partition. */
  const sizes = [3_000, 3_000, 100_000, 150_000];
  const stored: number[] = [];
  const produced: Buffer[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    expect((await createTopic(client, 'sizes', sizes.length)).errorCode).toBe(0);
    for (const [p, size] of sizes.entries()) {
      const records = batch([String.fromCharCode(97 + p).repeat(size)]);
      stored.push(records.length);
      produced.push(records);
      expect((await produce(client, 'sizes', p, records)).errorCode).toBe(0);
    }
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  /** Fetches the partitions from offset 0, or from the offset given as [partition, offset]. */
  const fetchSized = (partitions: (number | readonly [number, bigint])[], maxBytes: number, partitionMaxBytes = 1 << 20, replicaId = -1): Promise<FetchResponse> => {
    const body = FetchRequest.defaults();
    body.replicaId = replicaId;
    body.maxBytes = maxBytes;
    body.topics = [fetchTopic('sizes', partitions.map((p) => (typeof p === 'number' ? ([p, 0n] as const) : p)))];
    for (const p of body.topics[0]!.partitions) p.partitionMaxBytes = partitionMaxBytes;
    return client.request(ApiKey.Fetch, 12, FetchRequest, body, FetchResponse);
  };
  const recordBytes = (res: FetchResponse): number[] => res.responses[0]!.partitions.map((p) => p.records?.length ?? 0);

  it('lets only the first non-empty partition exceed the limits; a later batch that does not fit stays for the next fetch', async () => {
    // 3 KB fits a 4,000-byte response; p1's 3 KB batch does not fit what is left.
    expect(recordBytes(await fetchSized([0, 1], 4_000))).toEqual([stored[0], 0]);
    // Below one batch: the first comes whole anyway, nothing after it.
    expect(recordBytes(await fetchSized([0, 1], 100))).toEqual([stored[0], 0]);
    // The partition limit too: the first batch comes whole, the next partition's does not.
    expect(recordBytes(await fetchSized([0, 1], 1 << 20, 100))).toEqual([stored[0], 0]);
    // A partition with nothing to send (p0 read to its end) does not use up the exception.
    expect(recordBytes(await fetchSized([[0, 1n], 1], 100))).toEqual([0, stored[1]]);
    expect(recordBytes(await fetchSized([1, 0], 1 << 20))).toEqual([stored[1], stored[0]]);
  });

  it('still gives a follower every partition whose batch exceeds its share: its fetcher does not rotate partitions', async () => {
    expect(recordBytes(await fetchSized([0, 1], 4_000, 1 << 20, 7))).toEqual([stored[0], stored[1]]);
    expect(recordBytes(await fetchSized([0, 1], 1 << 20, 100, 7))).toEqual([stored[0], stored[1]]);
  });

  it('sends records of 64 KiB and more as they are, several in one response, byte for byte', async () => {
    const res = await fetchSized([2, 3, 0], 1 << 20);
    expect(recordBytes(res)).toEqual([stored[2], stored[3], stored[0]]);
    // As produced, but for the partition leader epoch the broker stamps (bytes 12-15, outside the CRC).
    const unstamped = (b: Buffer): Buffer => Buffer.concat([b.subarray(0, 12), b.subarray(16)]);
    res.responses[0]!.partitions.forEach((p, i) => expect(unstamped(p.records!).equals(unstamped(produced[[2, 3, 0][i]!]!))).toBe(true));
  });
});
