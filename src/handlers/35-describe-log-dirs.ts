import { resolve } from 'node:path';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeLogDirsRequest } from '../../protocol/generated/message/describe-log-dirs-request.js';
import { DescribeLogDirsResponse, type DescribeLogDirsResponseDescribeLogDirsTopic } from '../../protocol/generated/message/describe-log-dirs-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/** Kafka's DescribeLogDirsResponse.UNKNOWN_VOLUME_BYTES: the volume's size is not known (logs in memory). */
const UNKNOWN_VOLUME_BYTES = -1n;

/**
 * DescribeLogDirs v0-4: the one data directory with the size of each hosted partition's segments
 * and its offset lag (how far the log end trails the high watermark; 0 on a leader). A null
 * topic list means every partition; partitions not hosted here are left out, as in Kafka.
 */
export function createDescribeLogDirsHandler(services: BrokerServices): ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse> {
  return {
    apiKey: ApiKey.DescribeLogDirs,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      if (!authorized(services, context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
        const refused = DescribeLogDirsResponse.defaults();
        refused.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        return refused;
      }
      let wanted: Map<string, Set<number>> | null = null;
      if (request.topics !== null) {
        wanted = new Map();
        for (const t of request.topics) {
          const set = wanted.get(t.topic) ?? new Set<number>();
          for (const p of t.partitions) set.add(p);
          wanted.set(t.topic, set);
        }
      }
      const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>();
      const hosted = services.replicas.logDirPartitions().sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
      for (const p of hosted) {
        if (wanted !== null && !wanted.get(p.topic)?.has(p.partition)) continue;
        let topic = byTopic.get(p.topic);
        if (topic === undefined) {
          topic = { name: p.topic, partitions: [] };
          byTopic.set(p.topic, topic);
        }
        topic.partitions.push({ partitionIndex: p.partition, partitionSize: p.size, offsetLag: p.offsetLag, isFutureKey: false });
      }
      const volume = services.logDirVolume?.() ?? null;
      const response = DescribeLogDirsResponse.defaults();
      response.errorCode = 0;
      response.results = [
        {
          errorCode: 0,
          logDir: resolve(services.config.logDirs[0] ?? './data'),
          topics: [...byTopic.values()],
          totalBytes: volume?.totalBytes ?? UNKNOWN_VOLUME_BYTES,
          usableBytes: volume?.usableBytes ?? UNKNOWN_VOLUME_BYTES,
        },
      ];
      return response;
    },
  };
}
