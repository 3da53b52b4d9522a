import { createHash } from "node:crypto";
import type { Context } from "../sdk/context.js";

/** A number in [0, 10^6) from the block and a job, for audit sampling. */
export function samplePpm(ctx: Context, jobId: bigint, purpose: string): number {
  const b = ctx.block;
  const h = createHash("sha256")
    .update(
      `tcompute/${purpose}/${b.chainId}/${b.height}/${Buffer.from(b.hash ?? new Uint8Array()).toString("hex")}/${jobId}`,
    )
    .digest();
  return h.readUInt32BE(0) % 1_000_000;
}
