import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DeleteTopicsRequest } from '../../protocol/generated/message/delete-topics-request.js';
import { DeleteTopicsResponse, type DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/message/delete-topics-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

interface Target {
  readonly name: string | null;
  readonly topicId: string | null;
}

function result(name: string | null, topicId: string, errorCode: number, errorMessage: string | null): DeleteTopicsResponseDeletableTopicResult {
  return { name, topicId, errorCode, errorMessage };
}

/**
 * DeleteTopics v0-6. v0-5 name topics; v6 names each topic by name or by id. Duplicates and
 * entries carrying both or neither are rejected per entry, as Kafka's controller does; the rest
 * go to the controller in one batch so they commit together.
 */
export function createDeleteTopicsHandler(services: BrokerServices): ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> {
  return {
    apiKey: ApiKey.DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    async handle(request, context) {
      const version = context.apiVersion;
      const response = DeleteTopicsResponse.defaults();
      const entries: Target[] =
        version >= 6
          ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId === ZERO_UUID ? null : t.topicId }))
          : request.topicNames.map((name) => ({ name, topicId: null }));
      if (!services.config.deleteTopicEnable) {
        // Before v3 there was no TOPIC_DELETION_DISABLED; Kafka answers INVALID_REQUEST to old clients.
        const code = version < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
        response.responses = entries.map((e) => result(e.name, e.topicId ?? ZERO_UUID, code, 'Topic deletion is disabled.'));
        return response;
      }
      const nameCounts = new Map<string, number>();
      const idCounts = new Map<string, number>();
      for (const e of entries) {
        if (e.name !== null && e.topicId === null) nameCounts.set(e.name, (nameCounts.get(e.name) ?? 0) + 1);
        else if (e.topicId !== null && e.name === null) idCounts.set(e.topicId, (idCounts.get(e.topicId) ?? 0) + 1);
      }
      // DELETE on the topic; an id that names no topic is left to the controller (UNKNOWN_TOPIC_ID).
      const deleteRefused = (e: Target): boolean => {
        const name = e.name ?? services.metadata.topicById(e.topicId!)?.name;
        return name !== undefined && !authorized(services, context, AclOperation.DELETE, ResourceType.TOPIC, name);
      };
      const results: (DeleteTopicsResponseDeletableTopicResult | null)[] = [];
      const targets: Target[] = [];
      const positions: number[] = [];
      const reported = new Set<string>();
      for (const e of entries) {
        if (e.name !== null && e.topicId !== null) {
          results.push(result(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'Topic name and topic ID can not both be specified.'));
        } else if (e.name === null && e.topicId === null) {
          results.push(result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'));
        } else if ((e.name !== null ? nameCounts.get(e.name)! : idCounts.get(e.topicId!)!) > 1) {
          // One error per duplicated topic, as Kafka reports it.
          const k = e.name !== null ? `n:${e.name}` : `i:${e.topicId}`;
          if (reported.has(k)) continue;
          reported.add(k);
          results.push(result(e.name, e.topicId ?? ZERO_UUID, ErrorCode.INVALID_REQUEST, e.name !== null ? 'Duplicate topic name.' : 'Duplicate topic id.'));
        } else if (deleteRefused(e)) {
          results.push(result(e.name, e.topicId ?? ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null));
        } else {
          positions.push(results.length);
          results.push(null);
          targets.push(e);
        }
      }
      const outcomes = targets.length > 0 ? await services.controller.deleteTopics(targets) : [];
      outcomes.forEach((o, i) => {
        const errorMessage = o.errorCode === 0 ? null : o.errorMessage;
        results[positions[i]!] = result(o.name, version >= 6 ? o.topicId ?? ZERO_UUID : ZERO_UUID, o.errorCode, errorMessage);
      });
      response.responses = results.filter((r): r is DeleteTopicsResponseDeletableTopicResult => r !== null);
      return response;
    },
  };
}
