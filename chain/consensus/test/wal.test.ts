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
  });
});
