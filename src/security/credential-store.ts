// SCRAM credentials in memory, keyed by user and mechanism. The metadata image keeps one,
// filled from committed UserScramCredentialRecords; tests use one directly.
import type { ScramCredential, ScramCredentialStore, ScramMechanismName, StoredScramCredential } from './types.js';

export class MemoryScramCredentialStore implements ScramCredentialStore {
  private readonly byUser = new Map<string, Map<ScramMechanismName, StoredScramCredential>>();

  set(user: string, mechanism: ScramMechanismName, credential: ScramCredential): void {
    let mechanisms = this.byUser.get(user);
    if (mechanisms === undefined) this.byUser.set(user, (mechanisms = new Map()));
    mechanisms.set(mechanism, { ...credential, user, mechanism });
  }

  delete(user: string, mechanism: ScramMechanismName): boolean {
    const mechanisms = this.byUser.get(user);
    const deleted = mechanisms?.delete(mechanism) ?? false;
    if (mechanisms?.size === 0) this.byUser.delete(user);
    return deleted;
  }

  scramCredential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.byUser.get(user)?.get(mechanism);
  }

  credentialsOf(user: string): readonly StoredScramCredential[] {
    return [...(this.byUser.get(user)?.values() ?? [])];
  }

  users(): readonly string[] {
    return [...this.byUser.keys()].sort();
  }
}
