// Merlin transcripts (merlin.cool) over STROBE-128/1600, as CometBFT's SecretConnection uses to
// derive its handshake challenge. node:crypto has SHA-3 but does not expose the Keccak-f[1600]
// permutation, so it is written here; only the STROBE operations Merlin needs (meta-AD, AD, PRF)
// are implemented. Checked against merlin's published test vectors (test/merlin.test.ts) and,
// through the permutation, against node:crypto's SHA3-256. Speed is irrelevant: a handshake
// runs a few permutations.

const mask64 = (1n << 64n) - 1n;

const roundConstants: bigint[] = (() => {
  // The LFSR of FIPS 202, section 3.2.5.
  const out: bigint[] = [];
  let r = 1;
  for (let round = 0; round < 24; round++) {
    let c = 0n;
    for (let j = 0; j < 7; j++) {
      if (r & 1) c |= 1n << BigInt((1 << j) - 1);
      r = r & 0x80 ? ((r << 1) ^ 0x71) & 0xff : (r << 1) & 0xff;
    }
    out.push(c);
  }
  return out;
})();

const rotations: number[] = (() => {
  const out = new Array<number>(25).fill(0);
  let x = 1;
  let y = 0;
  for (let t = 0; t < 24; t++) {
    out[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  return out;
})();

const rotl = (v: bigint, n: number): bigint => (n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & mask64);

/** Keccak-f[1600] on a 200-byte state, in place (lanes little-endian). */
export function keccakF1600(state: Uint8Array): void {
  const view = new DataView(state.buffer, state.byteOffset, 200);
  const a: bigint[] = [];
  for (let i = 0; i < 25; i++) a.push(view.getBigUint64(8 * i, true));
  for (let round = 0; round < 24; round++) {
    const c: bigint[] = [];
    for (let x = 0; x < 5; x++) c.push(a[x]! ^ a[x + 5]! ^ a[x + 10]! ^ a[x + 15]! ^ a[x + 20]!);
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5]! ^ rotl(c[(x + 1) % 5]!, 1);
      for (let y = 0; y < 25; y += 5) a[x + y] = a[x + y]! ^ d;
    }
    const b = new Array<bigint>(25).fill(0n);
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y]!, rotations[x + 5 * y]!);
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 25; y += 5) a[x + y] = b[x + y]! ^ (~b[((x + 1) % 5) + y]! & mask64 & b[((x + 2) % 5) + y]!);
    a[0] = a[0]! ^ roundConstants[round]!;
  }
  for (let i = 0; i < 25; i++) view.setBigUint64(8 * i, a[i]!, true);
}

const flagI = 1;
const flagA = 2;
const flagC = 4;
const flagM = 16;
/** STROBE-128's rate: 200 - 128/4 - 2. */
const strobeR = 166;

/** The part of STROBE-128 that Merlin uses. */
class Strobe128 {
  private readonly st = new Uint8Array(200);
  private pos = 0;
  private posBegin = 0;
  private curFlags = 0;

  constructor(protocolLabel: Uint8Array) {
    this.st.set([1, strobeR + 2, 1, 0, 1, 96]);
    this.st.set(new TextEncoder().encode("STROBEv1.0.2"), 6);
    keccakF1600(this.st);
    this.metaAd(protocolLabel, false);
  }

  private runF(): void {
    this.st[this.pos] = this.st[this.pos]! ^ this.posBegin;
    this.st[this.pos + 1] = this.st[this.pos + 1]! ^ 0x04;
    this.st[strobeR + 1] = this.st[strobeR + 1]! ^ 0x80;
    keccakF1600(this.st);
    this.pos = 0;
    this.posBegin = 0;
  }

  private absorb(data: Uint8Array): void {
    for (const byte of data) {
      this.st[this.pos] = this.st[this.pos]! ^ byte;
      if (++this.pos === strobeR) this.runF();
    }
  }

  private squeeze(out: Uint8Array): void {
    for (let i = 0; i < out.length; i++) {
      out[i] = this.st[this.pos]!;
      this.st[this.pos] = 0;
      if (++this.pos === strobeR) this.runF();
    }
  }

  private beginOp(flags: number, more: boolean): void {
    if (more) {
      if (this.curFlags !== flags) throw new Error("strobe: continued operation with other flags");
      return;
    }
    const oldBegin = this.posBegin;
    this.posBegin = this.pos + 1;
    this.curFlags = flags;
    this.absorb(Uint8Array.of(oldBegin, flags));
    if ((flags & flagC) !== 0 && this.pos !== 0) this.runF();
  }

  metaAd(data: Uint8Array, more: boolean): void {
    this.beginOp(flagM | flagA, more);
    this.absorb(data);
  }

  ad(data: Uint8Array, more: boolean): void {
    this.beginOp(flagA, more);
    this.absorb(data);
  }

  prf(out: Uint8Array): void {
    this.beginOp(flagI | flagA | flagC, false);
    this.squeeze(out);
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const le32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

/** A Merlin transcript: messages appended under labels, challenges extracted from all of them. */
export class MerlinTranscript {
  private readonly strobe = new Strobe128(utf8("Merlin v1.0"));

  constructor(appLabel: string) {
    this.appendMessage("dom-sep", utf8(appLabel));
  }

  appendMessage(label: string, message: Uint8Array): void {
    this.strobe.metaAd(utf8(label), false);
    this.strobe.metaAd(le32(message.length), true);
    this.strobe.ad(message, false);
  }

  extractBytes(label: string, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.strobe.metaAd(utf8(label), false);
    this.strobe.metaAd(le32(length), true);
    this.strobe.prf(out);
    return out;
  }
}
