// A loopback TCP proxy in front of a broker that injects connection faults, so tests can show
// what a client's retries do to the log: cut every connection now, cut after a number of bytes
// (mid-frame as often as not), or let a request reach the broker and drop its response — the
// retry of a batch the broker already wrote, which makes duplicates unless the broker
// recognises the batch (idempotence).
//
// Clients learn broker addresses from Metadata, so start the broker with advertised.listeners
// pointing at the proxy port; otherwise they bypass the proxy after bootstrap.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FrameReader } from '../../src/server/frame-reader.js';

export interface FaultProxyStats {
  /** Client connections accepted. */
  connections: number;
  /** Connections the proxy closed on purpose. */
  cuts: number;
  /** Responses swallowed after the broker answered (their request was processed). */
  droppedResponses: number;
  /** Requests seen per API key. */
  requests: Map<number, number>;
}

export interface DropResponseRule {
  /** API key of the request whose response is dropped (0 = Produce). */
  readonly apiKey: number;
  /** How many such responses to drop before the rule retires. */
  count: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly stats: FaultProxyStats;
  /** Where to forward; may change while running (e.g. after a broker restart on another port). */
  upstreamPort: number;
  /** Closes every open connection at once (both sides). */
  cutAll(): number;
  /** Closes each open connection after `bytes` more bytes reach the broker (mid-frame when it falls there). */
  cutAfterBytes(bytes: number): void;
  /**
   * Cuts connections at random points: each connection (new ones too) is cut after a random
   * number of client bytes in [minBytes, maxBytes], `times` cuts in all. `random` makes it repeatable.
   */
  cutRandomly(times: number, minBytes: number, maxBytes: number, random?: () => number): void;
  /** Drops the next `count` responses to requests with `apiKey`, closing that connection instead. */
  dropResponses(apiKey: number, count: number): void;
  /** Refuses new connections (accepts and closes them) until called with false. */
  refuseConnections(refuse: boolean): void;
  stop(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Correlation id → API key of requests awaiting their response. */
  readonly inFlight: Map<number, number>;
  /** Client bytes still allowed through before the link is cut (Infinity: no cut planned). */
  budget: number;
  /** The budget came from cutRandomly (which stops cutting once its count is used up). */
  randomBudget: boolean;
  closed: boolean;
}

const MAX_FRAME = 1 << 30;

export async function startFaultProxy(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<FaultProxy> {
  const links = new Set<Link>();
  const stats: FaultProxyStats = { connections: 0, cuts: 0, droppedResponses: 0, requests: new Map() };
  const dropRules: DropResponseRule[] = [];
  let refusing = false;
  let random: { left: number; min: number; max: number; next: () => number } | null = null;

  const drawBudget = (): number => {
    if (random === null || random.left <= 0) return Infinity;
    return random.min + Math.floor(random.next() * (random.max - random.min + 1));
  };

  const close = (link: Link, onPurpose: boolean): void => {
    if (link.closed) return;
    link.closed = true;
    if (onPurpose) stats.cuts++;
    links.delete(link);
    link.client.destroy();
    link.upstream.destroy();
  };

  const proxy: FaultProxy = {
    port: 0,
    stats,
    upstreamPort,
    cutAll() {
      const open = [...links];
      for (const link of open) close(link, true);
      return open.length;
    },
    cutAfterBytes(bytes) {
      for (const link of links) {
        link.budget = bytes;
        link.randomBudget = false;
      }
    },
    cutRandomly(times, minBytes, maxBytes, next = Math.random) {
      random = { left: times, min: minBytes, max: maxBytes, next };
      for (const link of links) {
        link.budget = drawBudget();
        link.randomBudget = true;
      }
    },
    dropResponses(apiKey, count) {
      dropRules.push({ apiKey, count });
    },
    refuseConnections(refuse) {
      refusing = refuse;
    },
    stop: async () => {
      for (const link of [...links]) close(link, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer((client) => {
    stats.connections++;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: upstreamHost, port: proxy.upstreamPort });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const budget = drawBudget();
    const link: Link = { client, upstream, inFlight: new Map(), budget, randomBudget: budget !== Infinity, closed: false };
    links.add(link);
    const requests = new FrameReader(MAX_FRAME);
    const responses = new FrameReader(MAX_FRAME);

    client.on('data', (chunk: Buffer) => {
      if (link.closed) return;
      // Track request headers (api key int16, version int16, correlation id int32) to match responses.
      try {
        for (const frame of requests.push(chunk)) {
          if (frame.length < 8) continue;
          const apiKey = frame.readInt16BE(0);
          link.inFlight.set(frame.readInt32BE(4), apiKey);
          stats.requests.set(apiKey, (stats.requests.get(apiKey) ?? 0) + 1);
        }
      } catch {
        close(link, false);
        return;
      }
      if (chunk.length >= link.budget && link.randomBudget && (random === null || random.left <= 0)) link.budget = Infinity;
      if (chunk.length >= link.budget) {
        // Forward only the bytes within the budget, then cut: the broker sees a torn frame
        // (or a whole one whose response never comes back).
        const allowed = link.budget;
        if (link.randomBudget && random !== null) random.left--;
        if (allowed > 0) upstream.write(chunk.subarray(0, allowed), () => close(link, true));
        else close(link, true);
        link.budget = 0;
        return;
      }
      link.budget -= chunk.length;
      upstream.write(chunk);
    });

    upstream.on('data', (chunk: Buffer) => {
      if (link.closed) return;
      let frames: Buffer[];
      try {
        frames = responses.push(chunk);
      } catch {
        close(link, false);
        return;
      }
      for (const frame of frames) {
        const correlationId = frame.readInt32BE(0);
        const apiKey = link.inFlight.get(correlationId);
        link.inFlight.delete(correlationId);
        const rule = dropRules.find((r) => r.apiKey === apiKey && r.count > 0);
        if (rule !== undefined) {
          rule.count--;
          if (rule.count === 0) dropRules.splice(dropRules.indexOf(rule), 1);
          stats.droppedResponses++;
          // The broker processed the request; the client never hears so, and must retry.
          close(link, true);
          return;
        }
        const size = Buffer.allocUnsafe(4);
        size.writeInt32BE(frame.length, 0);
        client.write(Buffer.concat([size, frame]));
      }
    });

    client.on('close', () => close(link, false)).on('error', () => close(link, false));
    upstream.on('close', () => close(link, false)).on('error', () => close(link, false));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  (proxy as { port: number }).port = typeof address === 'object' && address !== null ? address.port : 0;
  return proxy;
}

/** A port that was free a moment ago (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
