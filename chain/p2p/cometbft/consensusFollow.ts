import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { Commit, Part, Proposal, Vote, type BlockID, type CommitSig } from "cosmjs-types/tendermint/types/types";
import type { Logger } from "../../../modules/sdk/context.js";
import type { ValidatorSet } from "../../types/validatorSet.js";
import { ed25519Verify } from "../../crypto/ed25519.js";
import { makePartSet, blockPartSize } from "../../types/partSet.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { p2pErrors } from "../secretConnection.js";
import { Channel, type Switch } from "../switch.js";
import { bytesEqual } from "../../types/bytes.js";

// Following CometBFT's consensus live, without voting (channels 0x20 state, 0x21 data, 0x22
// vote; proto/tendermint/consensus/types.proto). A CometBFT node gossips to a peer only what
// the peer's announced round state says it lacks, so we announce ours: a NewRoundStep at the
// height our engine decides next, in the round the peer is in, at step Propose. CometBFT then
// sends a peer at its height the round's proposal, its block as 64 KiB BlockParts and the
// round's votes, and a peer one or more heights behind that height's block parts and the
// precommits of its commit. Once more than 2/3 of the power has precommitted one BlockID in a
// round and all its parts are here with the part set hash it names, block and commit (those
// precommits in validator-set order; nil votes as nil, others absent) go to the engine's block
// message path, where the commit is verified again and the block passes the full validation.
// What a peer can make us hold: the parts of one part set (at most max_bytes / 64 KiB + 1 parts
// of at most 64 KiB) and the precommits of at most maxRounds rounds (one per validator each),
// all for the engine's next height only. A vote of a non-validator is dropped; a validator's
// vote with a bad signature or an undecodable message closes the peer (an honest CometBFT
// relays only votes it verified). Not done: our own votes, HasVote, VoteSetMaj23/VoteSetBits
// answers, part Merkle proofs (the whole part set is checked against the decided hash instead;
// parts that do not make it are let go, and block sync delivers that block).

export interface ConsensusFollowOptions {
  chainId: string;
  initialHeight: bigint;
  /** The height the engine decides next. */
  nextHeight: () => bigint;
  /** The validator set of height h, or null when not known here. */
  validators: (h: bigint) => ValidatorSet | null;
  maxBlockBytes: number;
}

const maxRounds = 4;

type ConsensusMessage =
  | { kind: "newRoundStep"; height: bigint; round: number; step: number }
  | { kind: "proposal"; proposal: Proposal }
  | { kind: "blockPart"; height: bigint; round: number; part: Part }
  | { kind: "vote"; vote: Vote }
  | { kind: "other" };

export function decodeConsensus(bytes: Uint8Array): ConsensusMessage {
  try {
    const r = new BinaryReader(bytes);
    let out: ConsensusMessage = { kind: "other" };
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if ((tag & 7) !== 2) {
        r.skipType(tag & 7);
        continue;
      }
      const inner = r.bytes();
      if (field === 1 || field === 5) {
        const m = new BinaryReader(inner);
        let height = 0n;
        let round = 0;
        let step = 0;
        let part: Part | null = null;
        while (m.pos < m.len) {
          const t = m.uint32();
          if (t === 8) height = m.int64();
          else if (t === 16) round = m.int32();
          else if (field === 1 && t === 24) step = m.uint32();
          else if (field === 5 && t === 26) part = Part.decode(m.bytes());
          else m.skipType(t & 7);
        }
        if (field === 1) out = { kind: "newRoundStep", height, round, step };
        else {
          if (part === null) throw new Error("block part without a part");
          out = { kind: "blockPart", height, round, part };
        }
      } else if (field === 3 || field === 6) {
        const m = new BinaryReader(inner);
        let body: Uint8Array | null = null;
        while (m.pos < m.len) {
          const t = m.uint32();
          if (t === 10) body = m.bytes();
          else m.skipType(t & 7);
        }
        if (body === null) throw new Error("empty proposal or vote message");
        out =
          field === 3
            ? { kind: "proposal", proposal: Proposal.decode(body) }
            : { kind: "vote", vote: Vote.decode(body) };
      } else out = { kind: "other" };
    }
    return out;
  } catch (e) {
    throw p2pErrors.badFrame.wrap(`consensus message: ${(e as Error).message}`);
  }
}

/**
 * NewRoundStep{height, round, step, seconds_since_start_time 0, last_commit_round} in
 * consensus.Message. CometBFT closes a peer whose last_commit_round is not -1 at the initial
 * height, or negative above it (NewRoundStepMessage.ValidateHeight).
 */
export function encodeNewRoundStep(height: bigint, round: number, step: number, initialHeight: bigint): Uint8Array {
  const inner = BinaryWriter.create().uint32(8).int64(height);
  if (round !== 0) inner.uint32(16).int32(round);
  inner.uint32(24).uint32(step);
  if (height === initialHeight) inner.uint32(40).int32(-1);
  return BinaryWriter.create().uint32(10).bytes(inner.finish()).finish();
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();
const sameId = (a: BlockID | undefined, b: BlockID | undefined) =>
  a !== undefined &&
  b !== undefined &&
  bytesEqual(a.hash, b.hash) &&
  a.partSetHeader.total === b.partSetHeader.total &&
  bytesEqual(a.partSetHeader.hash, b.partSetHeader.hash);

/** RoundStepPropose (cstypes.RoundStepType). */
const stepPropose = 3;

export interface ConsensusFollower {
  /** Called often (the block sync tick): notices a new height, announces it. */
  tick(): void;
  onPeer(peer: string, up: boolean): void;
  held(): { parts: number; bytes: number; votes: number };
  /** Blocks handed to the engine from consensus messages (each with a commit of 2/3+ precommits). */
  delivered(): number;
}

export function startConsensusFollow(
  inner: Switch,
  opts: ConsensusFollowOptions,
  deliver: (peer: string, block: Uint8Array, commit: Uint8Array) => void,
  deps: { logger: Logger },
): ConsensusFollower {
  const maxParts = Math.floor(opts.maxBlockBytes / blockPartSize) + 1;
  let height = -1n;
  let partsTotal: number | null = null;
  let parts = new Map<number, Uint8Array>();
  let partBytes = 0;
  /** round -> validator address -> precommit. */
  let precommits = new Map<number, Map<string, Vote>>();
  let done = false;
  let deliveredCount = 0;
  /** What each peer announced (its height and round), and what we announced to it. */
  const peerRound = new Map<string, { height: bigint; round: number }>();
  const announced = new Map<string, string>();

  const announce = (peer: string) => {
    const pr = peerRound.get(peer);
    const round = pr !== undefined && pr.height === height ? pr.round : 0;
    const key = `${height}/${round}`;
    if (announced.get(peer) === key) return;
    if (inner.send(peer, Channel.consensusState, encodeNewRoundStep(height, round, stepPropose, opts.initialHeight)))
      announced.set(peer, key);
  };

  const reset = (h: bigint) => {
    height = h;
    partsTotal = null;
    parts = new Map();
    partBytes = 0;
    precommits = new Map();
    done = false;
    for (const p of inner.peers()) announce(p);
  };

  const tryDeliver = (peer: string) => {
    if (done || partsTotal === null || parts.size !== partsTotal) return;
    const set = opts.validators(height);
    if (set === null) return;
    // A BlockID more than 2/3 of the power precommitted in one round.
    for (const [round, votes] of precommits) {
      const power = new Map<string, { id: BlockID; power: bigint }>();
      for (const v of votes.values()) {
        if (v.blockId.hash.length === 0) continue;
        const k = `${hexOf(v.blockId.hash)}/${v.blockId.partSetHeader.total}/${hexOf(v.blockId.partSetHeader.hash)}`;
        const e = power.get(k) ?? { id: v.blockId, power: 0n };
        e.power += set.powerOf(hexOf(v.validatorAddress));
        power.set(k, e);
      }
      const decided = [...power.values()].find((e) => set.hasTwoThirds(e.power));
      if (decided === undefined) continue;
      const id = decided.id;
      if (id.partSetHeader.total !== partsTotal) return;
      const bytes = Buffer.concat([...Array(partsTotal).keys()].map((i) => parts.get(i)!));
      if (hexOf(makePartSet(bytes).hash) !== hexOf(id.partSetHeader.hash)) {
        deps.logger.debug("consensus follow: parts do not make the decided part set", { height: String(height) });
        parts = new Map();
        partBytes = 0;
        partsTotal = null;
        return;
      }
      const signatures: CommitSig[] = set.validators.map((val) => {
        const v = votes.get(val.address);
        if (v === undefined || (v.blockId.hash.length !== 0 && !sameId(v.blockId, id)))
          return {
            blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
            validatorAddress: new Uint8Array(),
            timestamp: { seconds: 0n, nanos: 0 },
            signature: new Uint8Array(),
          };
        return {
          blockIdFlag: v.blockId.hash.length === 0 ? BlockIDFlag.BLOCK_ID_FLAG_NIL : BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
          validatorAddress: v.validatorAddress,
          timestamp: v.timestamp,
          signature: v.signature,
        };
      });
      done = true;
      deliveredCount++;
      deliver(peer, bytes, Commit.encode({ height, round, blockId: id, signatures }).finish());
      return;
    }
  };

  const onMessage = (peer: string, payload: Uint8Array) => {
    const m = decodeConsensus(payload); // malformed: the switch closes the peer
    if (m.kind === "newRoundStep") {
      peerRound.set(peer, { height: m.height, round: m.round });
      return announce(peer);
    }
    if (m.kind === "other") return;
    const set = opts.validators(height);
    if (set === null) return;
    if (m.kind === "proposal") {
      // Not needed: the decided BlockID comes from the precommits (CometBFT sends a peer that is
      // a height behind the parts and the commit's precommits, and no proposal).
      return;
    } else if (m.kind === "blockPart") {
      if (m.height !== height || done) return;
      const total = Number(m.part.proof?.total ?? 0n);
      if (total < 1 || total > maxParts || (partsTotal !== null && total !== partsTotal)) return;
      const i = m.part.index;
      if (i >= total || parts.has(i) || m.part.bytes.length > blockPartSize) return;
      partsTotal = total;
      parts.set(i, m.part.bytes);
      partBytes += m.part.bytes.length;
    } else if (m.kind === "vote") {
      const v = m.vote;
      if (v.height !== height || v.type !== SignedMsgType.precommit || v.round < 0 || done) return;
      const addr = hexOf(v.validatorAddress);
      const val = set.get(addr);
      if (val === undefined) return;
      let votes = precommits.get(v.round);
      if (votes === undefined) {
        if (precommits.size >= maxRounds) {
          // Keep the highest rounds: a commit is in the round the network is in.
          const lowest = Math.min(...precommits.keys());
          if (v.round < lowest) return;
          precommits.delete(lowest);
        }
        votes = new Map();
        precommits.set(v.round, votes);
      }
      if (votes.has(addr)) return;
      if (
        !ed25519Verify(
          val.pubKey,
          voteSignBytes(opts.chainId, v.type, v.height, v.round, v.blockId, v.timestamp),
          v.signature,
        )
      )
        throw p2pErrors.badFrame.wrap(`precommit of ${addr} at ${v.height}/${v.round}: invalid signature`);
      votes.set(addr, v);
    }
    tryDeliver(peer);
  };

  for (const ch of [Channel.consensusState, Channel.consensusData, Channel.consensusVote])
    inner.onReceive(ch, onMessage);

  return {
    tick() {
      const h = opts.nextHeight();
      if (h !== height) reset(h);
    },
    onPeer(peer, up) {
      announced.delete(peer);
      peerRound.delete(peer);
      if (up && height >= 0n) announce(peer);
    },
    delivered: () => deliveredCount,
    held: () => {
      let votes = 0;
      for (const r of precommits.values()) votes += r.size;
      return { parts: parts.size, bytes: partBytes, votes };
    },
  };
}
