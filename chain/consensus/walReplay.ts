import { Block } from "cosmjs-types/tendermint/types/block";
import { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { makeBlockFromBytes } from "./blockBuilding.js";
import { setFor, type DriverContext } from "./driverContext.js";
import { feed, perform, startHeight } from "./eventLoop.js";
import { onBlockMessage, onProposalMessage, onVoteMessage } from "./reactor.js";
import { blockIdKey, consensusErrors } from "./signedMessages.js";
import { decodeRecord, RecordKind } from "./walRecords.js";

// WAL replay at start (CometBFT's catchupReplay): the records of the current height go through
// the same handlers as peers' messages, so a restarted node reaches the same height, round and
// step, and sends again what it had sent: its own votes and proposals were logged unsigned
// before signing (so the signer is asked for the very same bytes, and hands back the same
// signature for the last one) and signed after (so what the signer's step has passed is sent
// from the log, once its signature checks out). What was pending when it stopped is re-armed.

export async function replay(ctx: DriverContext): Promise<void> {
  const records = ctx.wal!.records.map(decodeRecord);
  let from = -1;
  records.forEach((r, i) => r.kind === RecordKind.startHeight && r.height === ctx.height && (from = i));
  if (from < 0) return startHeight(ctx, ctx.height);
  ctx.replaying = true;
  ctx.replayed.length = 0;
  // Own messages of this height, before and after signing (a later record of a kind wins: one
  // re-logged by an earlier replay). Taken only once checked against what is asked again.
  for (const r of records.slice(from)) {
    if (r.height !== ctx.height) continue;
    if (r.kind === RecordKind.ownVote) ctx.walOwnVotes.set(`${r.aux}/${r.round}`, PbVote.decode(r.a));
    if (r.kind === RecordKind.ownProposal)
      ctx.walOwnProposals.set(r.round, { proposal: PbProposal.decode(r.a), block: r.b });
    try {
      if (r.kind === RecordKind.ownSignedVote) ctx.walSignedVotes.set(`${r.aux}/${r.round}`, PbVote.decode(r.a));
      if (r.kind === RecordKind.ownSignedProposal) ctx.walSignedProposals.set(r.round, PbProposal.decode(r.a));
    } catch (e) {
      // Not decodable: not sent; the signer is asked instead (and refuses what it has passed).
      const err = consensusErrors.badOwnRecord.wrap(`${r.height}/${r.round}: ${(e as Error).message}`);
      ctx.logger.error("WAL record of an own signed message refused", { error: err.message });
    }
  }
  try {
    for (const r of records.slice(from)) {
      switch (r.kind) {
        case RecordKind.startHeight:
          feed(ctx, { kind: "startHeight", height: r.height, validators: setFor(ctx, r.height) });
          break;
        case RecordKind.proposal:
          await onProposalMessage(ctx, "", r.a, true);
          break;
        case RecordKind.vote:
          await onVoteMessage(ctx, "", r.a, true);
          break;
        case RecordKind.timeout:
          feed(ctx, {
            kind: "timeout",
            step: r.aux === 1 ? "propose" : r.aux === 2 ? "prevote" : "precommit",
            height: r.height,
            round: r.round,
          });
          break;
        case RecordKind.value: {
          const block = Block.decode(r.a);
          const pb = makeBlockFromBytes(block, r.a);
          ctx.blocks.set(blockIdKey(pb.blockId)!, pb);
          feed(ctx, {
            kind: "value",
            height: r.height,
            round: r.round,
            value: { id: blockIdKey(pb.blockId)!, payload: pb },
          });
          break;
        }
        case RecordKind.commit:
          await onBlockMessage(ctx, "", r.a, true);
          break;
      }
    }
  } finally {
    ctx.replaying = false;
  }
  // Re-arm what was pending when the node stopped: the current round's timeouts and request.
  const s = ctx.core.state;
  for (const a of ctx.replayed) {
    if ((a.kind === "scheduleTimeout" || a.kind === "getValue") && a.height === s.height && a.round === s.round)
      perform(ctx, a);
  }
  ctx.walOwnVotes = new Map();
  ctx.walOwnProposals = new Map();
  ctx.walSignedVotes = new Map();
  ctx.walSignedProposals = new Map();
  ctx.logger.info("consensus WAL replayed", {
    height: ctx.height,
    round: s.round,
    step: s.step,
    records: records.length - from,
  });
}
