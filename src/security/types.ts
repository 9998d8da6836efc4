// The security layer's vocabulary: SASL mechanisms, SCRAM credentials and where they come from.
// The server, the SASL handlers and the broker see authentication only through these types.

/** SCRAM mechanisms with Kafka's ids (org.apache.kafka.clients.admin.ScramMechanism): 0 is UNKNOWN. */
export const SCRAM_MECHANISMS = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 } as const;
export type ScramMechanismName = keyof typeof SCRAM_MECHANISMS;

/** The mechanisms Sluice implements; GSSAPI and OAUTHBEARER are not among them. */
export const SUPPORTED_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanismName = (typeof SUPPORTED_SASL_MECHANISMS)[number];

export function isSupportedMechanism(name: string): name is SaslMechanismName {
  return (SUPPORTED_SASL_MECHANISMS as readonly string[]).includes(name);
}

export function scramMechanismById(id: number): ScramMechanismName | undefined {
  for (const [name, value] of Object.entries(SCRAM_MECHANISMS)) if (value === id) return name as ScramMechanismName;
  return undefined;
}

/** What a server keeps of a SCRAM password (RFC 5802 section 3): never the password itself. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** SCRAM credentials by user and mechanism; the broker's comes from committed UserScramCredentialRecords. */
export interface ScramCredentialSource {
  scramCredential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined;
}

/** Thrown by a SASL server when the client's token is wrong; the message goes to the client (no secrets in it). */
export class SaslAuthenticationError extends Error {
  override readonly name = 'SaslAuthenticationError';
}

/** One mechanism's server side of an exchange: a token in, a challenge out, until complete. */
export interface SaslServer {
  readonly mechanism: SaslMechanismName;
  /** Throws SaslAuthenticationError when the client fails to authenticate. */
  evaluate(token: Buffer): Buffer;
  readonly complete: boolean;
  /** The authenticated user, once complete. */
  readonly authorizationId: string | null;
}

/** The SASL settings of one listener, resolved from the broker config at start-up. */
export interface ListenerSaslConfig {
  readonly listenerName: string;
  readonly enabledMechanisms: readonly SaslMechanismName[];
  /** PLAIN users and passwords from the listener's JAAS config (PlainLoginModule user_<name> options). */
  readonly plainUsers: ReadonlyMap<string, string>;
  /** connections.max.reauth.ms: 0 means sessions do not expire and clients are not asked to re-authenticate. */
  readonly maxReauthMs: number;
  /** sasl.server.max.receive.size: the largest frame a client may send before it has authenticated. */
  readonly maxReceiveBytes: number;
}

/** A SCRAM credential as the metadata log holds it, with its user and mechanism. */
export interface StoredScramCredential extends ScramCredential {
  readonly user: string;
  readonly mechanism: ScramMechanismName;
}

/** Read side of the credential store: lookups for SCRAM servers and listings for DescribeUserScramCredentials. */
export interface ScramCredentialStore extends ScramCredentialSource {
  /** Every credential of `user` (empty when none). */
  credentialsOf(user: string): readonly StoredScramCredential[];
  /** Users with at least one credential, sorted. */
  users(): readonly string[];
}
