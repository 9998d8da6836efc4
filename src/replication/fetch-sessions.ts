// Incremental fetch sessions (KIP-227): the broker remembers which partitions a consumer
// fetches, so later requests name only what changed and responses carry only partitions with
// something new. Pure bookkeeping: the Fetch handler reads the logs and asks this cache which
// partitions to fetch and which results to send.
import { ErrorCode } from '../../protocol/generated/error-codes.js';

/** FetchMetadata epochs: 0 opens a session, -1 closes one (or asks for none). */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** No session: full, sessionless fetches. */
export const INVALID_SESSION_ID = 0;
/** Kafka's min.incremental.fetch.session.eviction.ms: an idle session can be replaced after this. */
export const SESSION_EVICTION_MS = 120_000;

/** One partition as a fetch request names it. `topic` is '' when a v13+ id is unknown. */
export interface SessionPartitionRequest {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly currentLeaderEpoch: number;
  readonly maxBytes: number;
  /** Fetch v12+: the epoch of the fetcher's last batch (-1 when it has none). */
  readonly lastFetchedEpoch?: number;
}

/** What the broker last told the client about a partition, to tell what changed since. */
export interface PartitionResult {
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  readonly recordBytes: number;
}

export interface SessionPartitionResult {
  readonly request: SessionPartitionRequest;
  readonly result: PartitionResult;
}

interface CachedPartition {
  request: SessionPartitionRequest;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
}

export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly epoch: number;
  /** v13+: partitions are keyed by topic id rather than name. */
  readonly usesTopicIds: boolean;
  readonly partitions: readonly SessionPartitionRequest[];
  /** Partitions to drop from the session (`topic` is the name before v13, the id from v13). */
  readonly forgotten: readonly { readonly topicKey: string; readonly partition: number }[];
  readonly connectionId: string;
}

/**
 * How to answer one fetch: an error with no partitions; sessionless (every requested partition,
 * session id 0); full (every requested partition, in a new session if a slot is free); or
 * incremental (every partition of the session is read, changed ones are sent).
 */
export type FetchContext =
  | { readonly kind: 'error'; readonly errorCode: number }
  | { readonly kind: 'sessionless'; readonly partitions: readonly SessionPartitionRequest[] }
  | { readonly kind: 'full'; readonly partitions: readonly SessionPartitionRequest[]; readonly request: FetchSessionRequest }
  | { readonly kind: 'incremental'; readonly partitions: readonly SessionPartitionRequest[]; readonly session: FetchSession };

function partitionKey(usesTopicIds: boolean, p: { topic: string; topicId: string; partition: number }): string {
  return `${usesTopicIds ? p.topicId : p.topic}\u0000${p.partition}`;
}

export class FetchSession {
  /** Insertion order is response order; partitions that returned data move to the back (fairness). */
  readonly partitions = new Map<string, CachedPartition>();
  lastUsedMs: number;

  constructor(
    readonly id: number,
    /** The epoch the next request must carry. */
    public epoch: number,
    readonly usesTopicIds: boolean,
    readonly connectionId: string,
    nowMs: number,
  ) {
    this.lastUsedMs = nowMs;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Adds or updates the request's partitions and drops the forgotten ones. */
  update(partitions: readonly SessionPartitionRequest[], forgotten: FetchSessionRequest['forgotten']): void {
    for (const p of partitions) {
      const k = partitionKey(this.usesTopicIds, p);
      const cached = this.partitions.get(k);
      if (cached !== undefined) cached.request = p;
      else this.partitions.set(k, { request: p, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
    }
    for (const f of forgotten) this.partitions.delete(`${f.topicKey}\u0000${f.partition}`);
  }

  requests(): SessionPartitionRequest[] {
    return [...this.partitions.values()].map((c) => c.request);
  }

  /**
   * Kafka's maybeUpdateResponseData for an incremental answer: a partition is sent when it has
   * records, an error, or a high watermark / last stable offset / log start offset the client has
   * not seen. Returns whether to send each result and records what was sent. An error resets the
   * remembered high watermark so the partition is sent again once it recovers. Partitions that
   * returned records move to the back, so the next response starts with the others (fairness
   * under fetch.max.bytes).
   */
  select(results: readonly SessionPartitionResult[]): boolean[] {
    const moveToBack: string[] = [];
    const chosen = results.map(({ request, result }) => {
      const k = partitionKey(this.usesTopicIds, request);
      const cached = this.partitions.get(k);
      // Forgotten by a later request while this one was reading: nothing to tell.
      if (cached === undefined) return false;
      const changed =
        cached.highWatermark !== result.highWatermark ||
        cached.lastStableOffset !== result.lastStableOffset ||
        cached.logStartOffset !== result.logStartOffset;
      this.record(cached, result);
      if (result.recordBytes > 0) moveToBack.push(k);
      return changed || result.recordBytes > 0 || result.errorCode !== 0;
    });
    for (const k of moveToBack) {
      const cached = this.partitions.get(k)!;
      this.partitions.delete(k);
      this.partitions.set(k, cached);
    }
    return chosen;
  }

  /** Remembers what a full response told the client, so the first incremental one sends only changes. */
  remember(results: readonly SessionPartitionResult[]): void {
    for (const { request, result } of results) {
      const cached = this.partitions.get(partitionKey(this.usesTopicIds, request));
      if (cached !== undefined) this.record(cached, result);
    }
  }

  private record(cached: CachedPartition, result: PartitionResult): void {
    cached.highWatermark = result.errorCode !== 0 ? -1n : result.highWatermark;
    cached.lastStableOffset = result.lastStableOffset;
    cached.logStartOffset = result.logStartOffset;
  }
}

/** Kafka's JFetchMetadata.nextEpoch: epochs run 1..Int.MAX and wrap to 1. */
export function nextEpoch(epoch: number): number {
  return epoch >= 2147483647 ? 1 : epoch + 1;
}

export interface FetchSessionCacheOptions {
  /** max.incremental.fetch.session.cache.slots */
  readonly maxSlots: number;
  readonly evictionMs?: number;
  readonly now?: () => number;
  /** Session id source (positive int32); random by default. */
  readonly newId?: () => number;
}

/**
 * The broker's fetch sessions. All calls are synchronous, so one request's lookup, update and
 * epoch bump happen without another request interleaving; the handler's awaits come after.
 */
export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private readonly byConnection = new Map<string, Set<number>>();
  private readonly now: () => number;
  private readonly newId: () => number;
  private readonly evictionMs: number;

  constructor(private readonly options: FetchSessionCacheOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => 1 + Math.floor(Math.random() * 2147483646));
    this.evictionMs = options.evictionMs ?? SESSION_EVICTION_MS;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  /** Kafka's FetchManager.newContext: decides how this fetch is answered and updates the session. */
  newContext(request: FetchSessionRequest): FetchContext {
    const isFull = request.epoch === INITIAL_EPOCH || request.epoch === FINAL_EPOCH;
    if (isFull) {
      // A full request closes any session it names.
      if (request.sessionId !== INVALID_SESSION_ID) this.remove(request.sessionId);
      if (request.epoch === FINAL_EPOCH) return { kind: 'sessionless', partitions: request.partitions };
      return { kind: 'full', partitions: request.partitions, request };
    }
    const session = this.sessions.get(request.sessionId);
    if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== request.epoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    if (session.usesTopicIds !== request.usesTopicIds) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
    session.update(request.partitions, request.forgotten);
    if (session.size === 0) {
      this.remove(session.id);
      return { kind: 'sessionless', partitions: [] };
    }
    session.lastUsedMs = this.now();
    session.epoch = nextEpoch(session.epoch);
    return { kind: 'incremental', partitions: session.requests(), session };
  }

  /**
   * Opens a session for a full fetch once its results are known, if a slot is free or can be
   * freed; returns its id, or 0 when the client must go on with full fetches.
   */
  createSession(request: FetchSessionRequest, results: readonly SessionPartitionResult[]): number {
    if (this.options.maxSlots <= 0) return INVALID_SESSION_ID;
    const now = this.now();
    if (this.sessions.size >= this.options.maxSlots && !this.evictFor(request.partitions.length, now)) return INVALID_SESSION_ID;
    let id = this.newId();
    while (id === INVALID_SESSION_ID || this.sessions.has(id)) id = this.newId();
    const session = new FetchSession(id, nextEpoch(INITIAL_EPOCH), request.usesTopicIds, request.connectionId, now);
    session.update(request.partitions, []);
    session.remember(results);
    this.sessions.set(id, session);
    let owned = this.byConnection.get(request.connectionId);
    if (owned === undefined) this.byConnection.set(request.connectionId, (owned = new Set()));
    owned.add(id);
    return id;
  }

  /**
   * Frees a slot as Kafka's cache does: an idle session past the eviction time goes first;
   * otherwise the smallest session goes if the new one is larger (bigger sessions save more).
   */
  private evictFor(newSize: number, now: number): boolean {
    let stale: FetchSession | undefined;
    let smallest: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (now - s.lastUsedMs > this.evictionMs && (stale === undefined || s.lastUsedMs < stale.lastUsedMs)) stale = s;
      if (smallest === undefined || s.size < smallest.size) smallest = s;
    }
    const victim = stale ?? (smallest !== undefined && smallest.size < newSize ? smallest : undefined);
    if (victim === undefined) return false;
    this.remove(victim.id);
    return true;
  }

  remove(id: number): boolean {
    const session = this.sessions.get(id);
    if (session === undefined) return false;
    this.sessions.delete(id);
    this.byConnection.get(session.connectionId)?.delete(id);
    return true;
  }

  /** Drops the sessions a closed connection opened. */
  connectionClosed(connectionId: string): void {
    const owned = this.byConnection.get(connectionId);
    if (owned === undefined) return;
    this.byConnection.delete(connectionId);
    for (const id of owned) this.sessions.delete(id);
  }
}

/** Kafka's max.incremental.fetch.session.cache.slots (default 1000; 0 turns sessions off). */
export function fetchSessionCacheSlots(staticConfig: ReadonlyMap<string, string>): number {
  const raw = staticConfig.get('max.incremental.fetch.session.cache.slots');
  const slots = raw === undefined ? NaN : Number(raw.trim());
  return Number.isInteger(slots) && slots >= 0 ? slots : 1000;
}
