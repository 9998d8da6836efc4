// AlterUserScramCredentials on the active controller, with the checks of Kafka's
// ScramControlManager: each user's alterations succeed or fail together; the stored record
// holds StoredKey and ServerKey derived from the client's salted password, never a password.
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import type { AlterUserScramCredentialsRequest } from '../../../protocol/generated/message/alter-user-scram-credentials-request.js';
import { credentialFromSaltedPassword, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS } from '../../security/scram.js';
import { scramMechanismById, type ScramCredentialSource } from '../../security/types.js';
import { metadataRecord, type MetadataRecord } from '../records.js';

export interface ScramAlterationResult {
  readonly user: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

type Alteration =
  | { kind: 'delete'; name: string; mechanism: number }
  | { kind: 'upsert'; name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer };

/** Records for the valid users' alterations, and one result per user in first-seen order. */
export function planScramAlterations(request: AlterUserScramCredentialsRequest, current: ScramCredentialSource): { records: MetadataRecord[]; results: ScramAlterationResult[] } {
  const byUser = new Map<string, Alteration[]>();
  const all: Alteration[] = [
    ...request.deletions.map((d): Alteration => ({ kind: 'delete', name: d.name, mechanism: d.mechanism })),
    ...request.upsertions.map((u): Alteration => ({ kind: 'upsert', ...u })),
  ];
  for (const alteration of all) {
    const list = byUser.get(alteration.name) ?? [];
    list.push(alteration);
    byUser.set(alteration.name, list);
  }
  const records: MetadataRecord[] = [];
  const results: ScramAlterationResult[] = [];
  for (const [user, alterations] of byUser) {
    const problem = userProblem(user, alterations, current);
    if (problem !== null) {
      results.push({ user, ...problem });
      continue;
    }
    for (const a of alterations) {
      const mechanism = scramMechanismById(a.mechanism)!;
      if (a.kind === 'delete') {
        records.push(metadataRecord(MetadataRecordType.RemoveUserScramCredential, { name: user, mechanism: a.mechanism }));
      } else {
        const credential = credentialFromSaltedPassword(mechanism, a.saltedPassword, a.salt, a.iterations);
        records.push(
          metadataRecord(MetadataRecordType.UserScramCredential, {
            name: user,
            mechanism: a.mechanism,
            salt: credential.salt,
            storedKey: credential.storedKey,
            serverKey: credential.serverKey,
            iterations: credential.iterations,
          }),
        );
      }
    }
    results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  return { records, results };
}

function userProblem(user: string, alterations: readonly Alteration[], current: ScramCredentialSource): { errorCode: number; errorMessage: string } | null {
  if (user === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
  // Checked before anything else, as Kafka does: a request that touches a credential twice says nothing else about it.
  if (new Set(alterations.map((a) => a.mechanism)).size !== alterations.length) {
    return { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' };
  }
  for (const a of alterations) {
    const mechanism = scramMechanismById(a.mechanism);
    if (mechanism === undefined) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
    if (a.kind === 'delete') {
      if (current.scramCredential(user, mechanism) === undefined) {
        return { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' };
      }
      continue;
    }
    if (a.iterations < SCRAM_MIN_ITERATIONS) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: `Too few iterations (minimum ${SCRAM_MIN_ITERATIONS})` };
    if (a.iterations > SCRAM_MAX_ITERATIONS) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: `Too many iterations (maximum ${SCRAM_MAX_ITERATIONS})` };
    if (a.salt.length === 0 || a.saltedPassword.length === 0) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Salt and salted password must not be empty' };
  }
  return null;
}
