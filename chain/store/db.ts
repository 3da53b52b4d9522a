import { mkdirSync } from "node:fs";
import { Level } from "level";

/** A LevelDB with binary keys and values, as every on-disk store of the node uses. */
export type BinaryDB = Level<Buffer, Uint8Array>;

export async function openDB(path: string): Promise<BinaryDB> {
  mkdirSync(path, { recursive: true });
  const db = new Level<Buffer, Uint8Array>(path, { keyEncoding: "buffer", valueEncoding: "view" });
  await db.open();
  return db;
}

export function latin1Key(key: string): Buffer {
  return Buffer.from(key, "latin1");
}
