import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import { registerError } from "../../modules/sdk/errors.js";

// The consensus write-ahead log: every input the consensus core handles is appended before it
// is handled, and the node's own proposals and votes are fsynced before they are sent, so that
// a restarted validator replays its log into the same state and re-sends the same messages.
// Record: [4-byte big-endian length][4-byte crc32][payload]. A torn last record (a crash in the
// middle of a write) is dropped on open; a corrupt record before the end is refused.

export const walErrors = {
  corrupt: registerError("wal", 2, "write-ahead log is corrupt"),
  writeFailed: registerError("wal", 3, "write-ahead log write failed"),
};

/** The file operations the WAL uses after it is open (injectable: tests make them fail). */
export interface WalFs {
  write(fd: number, buf: Uint8Array, position: number): void;
  fsync(fd: number): void;
  truncate(fd: number): void;
  close(fd: number): void;
}

export const nodeWalFs: WalFs = {
  write(fd, buf, position) {
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, position + off);
  },
  fsync: fsyncSync,
  truncate: (fd) => ftruncateSync(fd, 0),
  close: closeSync,
};

/**
 * CRC-32 (IEEE 802.3, as zlib and Go's hash/crc32.ChecksumIEEE). zlib's, native: a proposal of a
 * few MB is logged on every height, and the table-driven JS loop cost ~1% of a loaded node's main
 * thread (bench:tx profile).
 */
export function crc32(b: Uint8Array): number {
  return zlibCrc32(b);
}

export interface Wal {
  /** Records read at open (the log so far), in order. */
  readonly records: readonly Uint8Array[];
  /** Appends a record; with sync, returns only once it is on disk. */
  append(record: Uint8Array, sync: boolean): void;
  /** Empties the log (after a height's decision is durable in the block store). */
  reset(): void;
  close(): void;
}

const maxRecordBytes = 64 * 1024 * 1024;

export function openWal(path: string, fs: WalFs = nodeWalFs): Wal {
  mkdirSync(dirname(path), { recursive: true });
  const records: Uint8Array[] = [];
  let validLength = 0;
  if (existsSync(path)) {
    const data = readFileSync(path);
    let off = 0;
    while (off + 8 <= data.length) {
      const len = data.readUInt32BE(off);
      const crc = data.readUInt32BE(off + 4);
      if (len > maxRecordBytes) throw walErrors.corrupt.wrap(`${path}: record of ${len} bytes at offset ${off}`);
      if (off + 8 + len > data.length) break; // torn tail
      const payload = data.subarray(off + 8, off + 8 + len);
      if (crc32(payload) !== crc) {
        if (off + 8 + len === data.length) break; // torn tail with a partial payload
        throw walErrors.corrupt.wrap(`${path}: checksum mismatch at offset ${off}`);
      }
      records.push(new Uint8Array(payload));
      off += 8 + len;
    }
    validLength = off;
  }
  // Reopen for appending after the last whole record (a torn tail is overwritten).
  const fd = openSync(path, existsSync(path) ? "r+" : "w+");
  let position = validLength;
  return {
    records,
    append(record, sync) {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(record.length, 0);
      header.writeUInt32BE(crc32(record), 4);
      const buf = Buffer.concat([header, record]);
      fs.write(fd, buf, position);
      position += buf.length;
      if (sync) fs.fsync(fd);
    },
    reset() {
      fs.truncate(fd);
      fs.fsync(fd);
      position = 0;
    },
    close() {
      try {
        fs.fsync(fd);
      } finally {
        fs.close(fd);
      }
    },
  };
}
