// The committed ACLs, as AccessControlEntryRecords and RemoveAccessControlEntryRecords left
// them. The metadata image owns one and is its only writer; the authorizer and DescribeAcls read it.
import { aclKey, type AclBinding, type StoredAcl } from './acl.js';

/** What readers of the committed ACLs see. */
export interface AclSource {
  /** Every ACL, in creation order. */
  all(): Iterable<StoredAcl>;
  /** ACLs on one resource type (LITERAL, wildcard and PREFIXED alike). */
  ofType(resourceType: number): Iterable<StoredAcl>;
  /** The stored ACL with this binding, if any. */
  find(binding: AclBinding): StoredAcl | undefined;
}

export class AclStore implements AclSource {
  private readonly byId = new Map<string, StoredAcl>();
  private readonly byKey = new Map<string, StoredAcl>();
  private readonly byType = new Map<number, Map<string, StoredAcl>>();

  add(acl: StoredAcl): void {
    this.remove(acl.id);
    this.byId.set(acl.id, acl);
    this.byKey.set(aclKey(acl), acl);
    let ofType = this.byType.get(acl.resourceType);
    if (ofType === undefined) this.byType.set(acl.resourceType, (ofType = new Map()));
    ofType.set(acl.id, acl);
  }

  remove(id: string): void {
    const acl = this.byId.get(id);
    if (acl === undefined) return;
    this.byId.delete(id);
    if (this.byKey.get(aclKey(acl))?.id === id) this.byKey.delete(aclKey(acl));
    this.byType.get(acl.resourceType)?.delete(id);
  }

  all(): Iterable<StoredAcl> {
    return this.byId.values();
  }

  ofType(resourceType: number): Iterable<StoredAcl> {
    return this.byType.get(resourceType)?.values() ?? [];
  }

  find(binding: AclBinding): StoredAcl | undefined {
    return this.byKey.get(aclKey(binding));
  }

  get size(): number {
    return this.byId.size;
  }
}
