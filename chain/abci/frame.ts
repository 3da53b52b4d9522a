// CometBFT v0.38's ABCI socket framing: each message is its protobuf bytes prefixed by their
// length as an unsigned varint (gogoproto's protoio delimited writer; CometBFT reads at most
// 100 MB per message).

/** CometBFT's own limit on one ABCI message (abci/types/messages.go maxMsgSize). */
export const cometMaxMessageBytes = 104_857_600;

export function encodeUvarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`uvarint ${n} out of range`);
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

export function frame(message: Uint8Array): Uint8Array {
  const len = encodeUvarint(message.length);
  const out = new Uint8Array(len.length + message.length);
  out.set(len, 0);
  out.set(message, len.length);
  return out;
}

export class FrameError extends Error {}

/**
 * Splits a byte stream into frames. push() returns the complete messages so far; it throws a
 * FrameError on a length prefix that is malformed or larger than maxBytes (the stream cannot be
 * resynchronised after that: the caller closes it). Buffers at most one frame.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being read, once its prefix is complete. */
  private want: number | null = null;

  constructor(private readonly maxBytes: number) {}

  /** Bytes received of a frame not yet complete (0 between frames). */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The length the current partial frame announced, if its prefix was read. */
  get pendingLength(): number | null {
    return this.want;
  }

  push(data: Uint8Array): Uint8Array[] {
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.buffered += data.length;
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.want === null) {
        if (this.buffered === 0) return out;
        const head = this.peek(Math.min(this.buffered, 10));
        let len = 0;
        let mul = 1;
        let i = 0;
        let done = false;
        for (; i < head.length; i++) {
          const b = head[i]!;
          len += (b & 0x7f) * mul;
          mul *= 0x80;
          if ((b & 0x80) === 0) {
            done = true;
            i++;
            break;
          }
          if (i === 9) throw new FrameError("length prefix is longer than 10 bytes");
        }
        if (!done) {
          if (head.length >= 10) throw new FrameError("length prefix is longer than 10 bytes");
          return out;
        }
        if (len > this.maxBytes) throw new FrameError(`message of ${len} bytes exceeds the limit of ${this.maxBytes}`);
        this.take(i);
        this.want = len;
      }
      if (this.buffered < this.want) return out;
      const msg = this.take(this.want);
      this.want = null;
      out.push(msg);
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks.length === 1 || this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array();
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const msg = new Uint8Array(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return msg;
  }
}
