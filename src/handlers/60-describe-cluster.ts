import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeClusterRequest } from '../../protocol/generated/message/describe-cluster-request.js';
import { DescribeClusterResponse } from '../../protocol/generated/message/describe-cluster-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/** EndpointType ids (KIP-919). */
const EndpointType = { UNKNOWN: 0, BROKER: 1, CONTROLLER: 2 } as const;
const ENDPOINT_TYPE_NAMES = ['UNKNOWN', 'BROKER', 'CONTROLLER'];

/** Kafka's "authorized operations not requested" sentinel. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Without an authorizer every operation the CLUSTER resource supports is allowed: ALTER (7),
 * CREATE (5), DESCRIBE (8), CLUSTER_ACTION (9), DESCRIBE_CONFIGS (10), ALTER_CONFIGS (11),
 * IDEMPOTENT_WRITE (12), each a bit at its AclOperation code.
 */
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((mask, op) => mask | (1 << op), 0);

/**
 * DescribeCluster v0-1. This is a broker endpoint: v1 clients asking for controllers get
 * MISMATCHED_ENDPOINT_TYPE, and an id outside the enum UNSUPPORTED_ENDPOINT_TYPE, as in Kafka.
 */
export function createDescribeClusterHandler(services: BrokerServices): ApiHandler<DescribeClusterRequest, DescribeClusterResponse> {
  return {
    apiKey: ApiKey.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      const response = DescribeClusterResponse.defaults();
      const wanted = context.apiVersion >= 1 ? request.endpointType : EndpointType.BROKER;
      if (wanted < EndpointType.UNKNOWN || wanted > EndpointType.CONTROLLER) {
        response.errorCode = ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
        response.errorMessage = `Unsupported endpoint type ${wanted}`;
        return response;
      }
      if (wanted !== EndpointType.BROKER) {
        response.errorCode = ErrorCode.MISMATCHED_ENDPOINT_TYPE;
        response.errorMessage = `The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type ${ENDPOINT_TYPE_NAMES[wanted]}`;
        return response;
      }
      response.errorCode = 0;
      response.endpointType = EndpointType.BROKER;
      response.clusterId = services.clusterId;
      response.controllerId = services.controllerId();
      response.brokers = services.brokerEndpoints(context.connection.listenerName).map((e) => ({ brokerId: e.nodeId, host: e.host, port: e.port, rack: e.rack }));
      response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
      return response;
    },
  };
}
