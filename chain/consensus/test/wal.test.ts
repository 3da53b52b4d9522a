import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, openWal } from "../wal.js";

const rec = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("consensus write-ahead log", () => {
  it("replays every record appended before a restart, in order", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-wal-")), "cs.wal");
    let wal = openWal(path);
    assert.equal(wal.records.length, 0);
    for (const s of ["start h1", "proposal", "own prevote"]) wal.append(rec(s), s.startsWith("own"));
    wal.close();
    wal = openWal(path);
    assert.deepEqual(wal.records.map(text), ["start h1", "proposal", "own prevote"]);
    wal.append(rec("own precommit"), true);
    wal.close();
    assert.deepEqual(openWal(path).records.map(text), ["start h1", "proposal", "own prevote", "own precommit"]);
  });

  it("drops a torn last record (crash mid-write) and appends after the last whole one", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-wal-")), "cs.wal");
    const wal = openWal(path);
    wal.append(rec("one"), true);
    wal.append(rec("two"), true);
    wal.close();
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.length - 2)); // tear the last record
    const again = openWal(path);
    assert.deepEqual(again.records.map(text), ["one"]);
    again.append(rec("three"), true);
    again.close();
    assert.deepEqual(openWal(path).records.map(text), ["one", "three"]);
  });

  it("refuses a log corrupted before its end", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-wal-")), "cs.wal");
    const wal = openWal(path);
    wal.append(rec("aaaa"), true);
    wal.append(rec("bbbb"), true);
    wal.close();
    const b = readFileSync(path);
    b[9] = b[9]! ^ 0xff; // inside the first payload
    writeFileSync(path, b);
    assert.throws(() => openWal(path), /checksum mismatch/);
  });

  it("computes the standard CRC-32", () => {
    assert.equal(crc32(rec("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array()), 0);
  });

  it("checksums as the table-driven CRC-32 that wrote older logs, views into larger buffers too", () => {
    const table = Array.from({ length: 256 }, (_, n) => {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      return c >>> 0;
    });
    const reference = (b: Uint8Array) => {
      let c = 0xffffffff;
      for (const x of b) c = table[(c ^ x) & 0xff]! ^ (c >>> 8);
      return (c ^ 0xffffffff) >>> 0;
    };
    const big = randomBytes(70_000);
    for (const [from, to] of [
      [0, 1],
      [3, 4],
      [0, 70_000],
      [1, 65_537],
      [12_345, 12_345 + 4096],
      [69_990, 70_000],
    ] as const) {
      const view = big.subarray(from, to);
      assert.equal(crc32(view), reference(view), `bytes ${from}..${to}`);
    }
  });
});
