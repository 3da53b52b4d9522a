import type { Wal } from "../wal.js";

// The simulator's write-ahead log: records in memory, with the durability of a file. An append
// with sync makes everything before it durable; a crash keeps the durable records and loses the
// unsynced ones after them (or, as the disk may have flushed them anyway, keeps some). A failing
// disk is injected with `failFrom`: every write from then on throws, as a full disk does.

export class MemoryWalFile {
  records: Uint8Array[] = [];
  /** How many of `records` are durable. */
  synced = 0;
  /** Writes fail once this many more have been made (Infinity: never). */
  failAfter = Infinity;
  writes = 0;

  open(): Wal {
    return openOn(this);
  }

  /** A crash: the unsynced records after the durable ones are lost, but `keep` of them. */
  crash(keep: number): void {
    this.records = this.records.slice(0, Math.min(this.records.length, this.synced + keep));
    this.synced = this.records.length;
  }
}

function openOn(file: MemoryWalFile): Wal {
  let closed = false;
  const check = () => {
    if (closed) throw new Error("wal closed");
    if (file.writes >= file.failAfter) throw new Error("ENOSPC: no space left on device (simulated)");
    file.writes++;
  };
  return {
    records: [...file.records],
    append(record, sync) {
      check();
      file.records.push(record);
      if (sync) file.synced = file.records.length;
    },
    reset() {
      check();
      file.records = [];
      file.synced = 0;
    },
    close() {
      closed = true;
      file.synced = file.records.length;
    },
  };
}
