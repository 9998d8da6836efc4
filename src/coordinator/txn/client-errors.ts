import { ErrorCode } from '../../../protocol/generated/error-codes.js';

/**
 * PRODUCER_FENCED exists for clients from KIP-588 on; older request versions hear
 * INVALID_PRODUCER_EPOCH instead, as Kafka's request handlers translate it.
 */
export function fencedForVersion(errorCode: number, version: number, firstVersionWithFenced: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
