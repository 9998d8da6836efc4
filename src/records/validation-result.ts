// Kafka error codes of record validation and the failure constructor, shared by the v2
// walker (validate.ts) and the legacy message-set walker (legacy.ts).
import type { RecordsErrorName, RecordsFailure } from './types.js';

/** The Kafka error codes record validation can answer with. */
export const RecordsErrorCode = {
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const satisfies Record<RecordsErrorName, number>;
export function recordsFailure(error: RecordsErrorName, message: string, batchIndex: number, position: number): RecordsFailure {
  return { ok: false, error, errorCode: RecordsErrorCode[error], message, batchIndex, position };
}
