// CreateAcls and DeleteAcls on the active controller, as Kafka's AclControlManager plans them:
// each new ACL is validated on its own (INVALID_REQUEST for what cannot be stored), an ACL that
// already exists succeeds without a second record, and a deletion filter removes every stored
// ACL it matches and reports them (an ACL matched by two filters is removed once).
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import { randomUuid } from '../../../protocol/runtime/index.js';
import { aclKey, filterMatches, filterProblem, newAclProblem, type AclBinding, type AclBindingFilter } from '../../security/acl.js';
import type { AclSource } from '../../security/acl-store.js';
import { metadataRecord, type MetadataRecord } from '../records.js';

export interface AclCreationResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface AclDeletionResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** The ACLs the filter matched (and removed). */
  readonly matching: readonly AclBinding[];
}

export function planCreateAcls(bindings: readonly AclBinding[], current: AclSource): { records: MetadataRecord[]; results: AclCreationResult[] } {
  const records: MetadataRecord[] = [];
  const added = new Set<string>();
  const results = bindings.map((acl): AclCreationResult => {
    const problem = newAclProblem(acl);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
    const key = aclKey(acl);
    if (current.find(acl) === undefined && !added.has(key)) {
      added.add(key);
      records.push(metadataRecord(MetadataRecordType.AccessControlEntry, { id: randomUuid(randomBytes), ...pick(acl) }));
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  });
  return { records, results };
}

export function planDeleteAcls(filters: readonly AclBindingFilter[], current: AclSource): { records: MetadataRecord[]; results: AclDeletionResult[] } {
  const records: MetadataRecord[] = [];
  const removed = new Set<string>();
  const results = filters.map((filter): AclDeletionResult => {
    const problem = filterProblem(filter);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matching: [] };
    const matching: AclBinding[] = [];
    for (const acl of current.all()) {
      if (!filterMatches(filter, acl)) continue;
      matching.push(pick(acl));
      if (!removed.has(acl.id)) {
        removed.add(acl.id);
        records.push(metadataRecord(MetadataRecordType.RemoveAccessControlEntry, { id: acl.id }));
      }
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, matching };
  });
  return { records, results };
}

/** The binding without its id (or any other field a stored ACL carries). */
export function pick(acl: AclBinding): AclBinding {
  const { resourceType, resourceName, patternType, principal, host, operation, permissionType } = acl;
  return { resourceType, resourceName, patternType, principal, host, operation, permissionType };
}
