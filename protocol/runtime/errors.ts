// Typed failures of the codec. The server turns a DecodeError into a logged disconnect and
// an UnsupportedVersionError into an UNSUPPORTED_VERSION response; neither ever escapes as a
// RangeError from a bad offset.

export type DecodeErrorCode =
  | 'TRUNCATED'
  | 'NEGATIVE_LENGTH'
  | 'LENGTH_TOO_LARGE'
  | 'VARINT_TOO_LONG'
  | 'INVALID_UTF8'
  | 'INVALID_VALUE'
  | 'TRAILING_BYTES';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(`${code} at byte ${offset}: ${message}`);
  }
}

export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';
  constructor(
    readonly messageName: string,
    readonly version: number,
    readonly lowest: number,
    readonly highest: number,
  ) {
    super(`${messageName} does not support version ${version} (valid ${lowest}-${highest})`);
  }
}

/** Thrown on encode when a value cannot be represented at the requested version. */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}
