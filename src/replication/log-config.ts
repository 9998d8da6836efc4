import type { EffectiveTopicConfig } from '../config/describe.js';
import type { CleanupPolicy, LogConfig } from '../storage/types.js';

/** The storage layer's view of a topic's effective config. */
export function toLogConfig(config: EffectiveTopicConfig): LogConfig {
  const cleanupPolicy: CleanupPolicy = config.compact && config.delete ? 'compact,delete' : config.compact ? 'compact' : 'delete';
  return {
    segmentBytes: config.segmentBytes,
    segmentMs: config.segmentMs,
    indexIntervalBytes: config.indexIntervalBytes,
    segmentIndexBytes: config.segmentIndexBytes,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    cleanupPolicy,
    deleteRetentionMs: config.deleteRetentionMs,
    minCompactionLagMs: config.minCompactionLagMs,
    minCleanableDirtyRatio: config.minCleanableDirtyRatio,
    fileDeleteDelayMs: config.fileDeleteDelayMs,
    flushMessages: config.flushMessages,
    flushMs: config.flushMs,
    messageTimestampType: config.messageTimestampType,
  };
}
