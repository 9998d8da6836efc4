export { Reader } from './reader.js';
export {
  Writer,
  sizeOfUVarint,
  sizeOfVarint,
  sizeOfVarlong,
  utf8Length,
  sizeOfUnknownTaggedFields,
  sizeOfString,
  sizeOfBytes,
  sizeOfArrayLength,
} from './writer.js';
export { deepEqual } from './equality.js';
export { DecodeError, UnsupportedVersionError, EncodeError } from './errors.js';
export type { DecodeErrorCode } from './errors.js';
export type { UnknownTaggedField } from './tagged-fields.js';
export { ZERO_UUID, uuidToString, uuidFromString, randomUuid } from './uuid.js';
export type { MessageCodec } from './codec.js';
export { encode, decode } from './codec.js';
