import type { Any } from "cosmjs-types/google/protobuf/any";
import type { RawKey } from "../../client/sdk/signing.js";
import { commitmentOf, sketchToPb } from "../../modules/jobs/commitment.js";
import type { Sketch } from "../../modules/jobs/sketch.js";
import { codecs } from "../../modules/jobs/types.js";
import { any } from "./fixtures.js";
import type { Send } from "./providers.js";

// A provider's result through real transactions, as module and client tests send it: the
// commitment to (salt, digest, sketch), then the reveal that opens it. The defaults are what those
// tests used (no output URI); a test names only what it changes.

/** What a provider commits to and later opens (simWorkers' Result is one). */
export interface ResultOpening {
  salt: Uint8Array;
  digest: Uint8Array;
  sketch: Sketch;
}

/** MsgCommitResult binding `provider` to `r` on job `jobId`. */
export function commitResultMsg(provider: string, jobId: string, r: ResultOpening): Any {
  return any(
    codecs.msgCommitResult.typeUrl,
    codecs.msgCommitResult.encode({
      provider,
      jobId,
      commitment: commitmentOf(jobId, provider, r.salt, r.digest, r.sketch),
    }),
  );
}

/** MsgRevealResult opening `r`; `salt` (default r.salt) and `outputUri` (default "") may be changed. */
export function revealResultMsg(
  provider: string,
  jobId: string,
  r: ResultOpening,
  over: { salt?: Uint8Array; outputUri?: string } = {},
): Any {
  return any(
    codecs.msgRevealResult.typeUrl,
    codecs.msgRevealResult.encode({
      provider,
      jobId,
      salt: over.salt ?? r.salt,
      digest: r.digest,
      sketch: sketchToPb(r.sketch),
      outputUri: over.outputUri ?? "",
    }),
  );
}

/**
 * Each provider commits its result on `jobId`, one tx each in order, then each reveals it, one tx
 * each in the same order (send is fixtures' txHelpers `ok`: a refused tx fails the test).
 */
export async function commitAndReveal(
  send: Send,
  jobId: string,
  results: ReadonlyArray<ResultOpening & { key: RawKey }>,
): Promise<void> {
  for (const r of results) await send(r.key, [commitResultMsg(r.key.address, jobId, r)]);
  for (const r of results) await send(r.key, [revealResultMsg(r.key.address, jobId, r)]);
}
