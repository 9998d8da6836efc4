import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadErrorCodeTable } from '../../../protocol/generator/error-codes.js';

// Facts checked against Kafka 3.9: Errors.java for codes and names, and the
// RetriableException / InvalidMetadataException subclasses for the retriable flag.
const TABLE_PATH = fileURLToPath(new URL('../../../protocol/errors/error-codes.json', import.meta.url));

describe('the Kafka 3.9 error-code table', () => {
  const table = loadErrorCodeTable(TABLE_PATH);
  const byName = new Map(table.map((r) => [r.name, r]));

  it('runs from -1 to 127 (VOTER_NOT_FOUND, the last code Kafka 3.9 defines)', () => {
    expect(table[0]).toMatchObject({ code: -1, name: 'UNKNOWN_SERVER_ERROR', retriable: false });
    expect(table.at(-1)).toMatchObject({ code: 127, name: 'VOTER_NOT_FOUND' });
    expect(table).toHaveLength(129);
  });

  it.each([
    [0, 'NONE', false],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [27, 'REBALANCE_IN_PROGRESS', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [40, 'INVALID_CONFIG', false],
    [41, 'NOT_CONTROLLER', true],
    [47, 'INVALID_PRODUCER_EPOCH', false],
    [51, 'CONCURRENT_TRANSACTIONS', true],
    [56, 'KAFKA_STORAGE_ERROR', true],
    [79, 'MEMBER_ID_REQUIRED', false],
    [90, 'PRODUCER_FENCED', false],
    [100, 'UNKNOWN_TOPIC_ID', true],
    [113, 'STALE_MEMBER_EPOCH', false],
    [122, 'SHARE_SESSION_NOT_FOUND', true],
  ])('code %i is %s, retriable=%s', (code, name, retriable) => {
    expect(byName.get(name)).toMatchObject({ code, retriable });
  });

  it('marks exactly the codes whose Kafka exceptions extend RetriableException', () => {
    const retriable = table.filter((r) => r.retriable).map((r) => r.code);
    expect(retriable).toEqual([
      2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103,
      106, 122, 123,
    ]);
  });

  it('gives every error except NONE a message', () => {
    for (const r of table) if (r.code !== 0) expect(r.message, r.name).not.toBe('');
  });
});
