// Kafka prints a Uuid as URL-safe base64 of its 16 bytes without padding (22 characters);
// the codec uses that string form so topic ids can key maps directly.

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToString(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function uuidFromString(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== 16) throw new TypeError(`not a 16-byte uuid: ${JSON.stringify(text)}`);
  return bytes;
}

/** A random version-4 uuid, as Kafka's Uuid.randomUuid (never the all-zero or metadata-topic ids). */
export function randomUuid(random: (n: number) => Buffer): string {
  for (;;) {
    const bytes = random(16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const text = uuidToString(bytes);
    // Kafka reserves ids whose base64 starts with '-' so they never look like CLI flags.
    if (text !== ZERO_UUID && !text.startsWith('-')) return text;
  }
}
