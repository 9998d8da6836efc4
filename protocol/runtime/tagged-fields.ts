/** A tagged field the decoder did not know: kept as raw bytes so it can be re-emitted. */
export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}
