import assert from "node:assert/strict";
import { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { Channel } from "../../p2p/switch.js";
import { SignedMsgType } from "../../types/signBytes.js";
import { runDriverSimulation, simValidatorAddress, type DriverSimOptions } from "../sim/driverSim.js";
import type { MemoryWalFile } from "../sim/memoryWal.js";
import { blockIdKey, decodeProposal } from "../signedMessages.js";
import { decodePair, decodeRecord, encodeRecord, RecordKind } from "../walRecords.js";

// A validator that crashes after it signed and sent its proposal and votes (the network lost
// them all) and restarts re-sends the very same messages: the signer's step has passed the
// proposal and the prevote, so they come from the WAL, where they were logged once signed, and
// are sent only after their signature checks out against our key and the bytes asked for. A
// damaged record is refused with a coded error and never sent. Real drivers, the simulator's
// network and clock (chain/consensus/sim/driverSim.ts), every scenario fixed.

interface Sent {
  host: string;
  at: number;
  channel: number;
  payload: Uint8Array;
}

const base = (o: Partial<DriverSimOptions>): DriverSimOptions => ({
  seed: 4242,
  validators: 4,
  byzantine: [],
  attacker: "none",
  targetHeight: 2,
  gstMs: 300,
  maxDelayMs: 5,
  dropRate: 0,
  partitions: [],
  crashes: [],
  walFailures: [],
  amnesiaAtMs: [],
  maxTimeMs: 20_000,
  ...o,
});

async function run(o: DriverSimOptions) {
  const sent: Sent[] = [];
  const trace: string[] = [];
  const r = await runDriverSimulation({
    ...o,
    trace: (line) => trace.push(line),
    onBroadcast: (host, channel, payload, at) => sent.push({ host, at, channel, payload }),
  });
  return { r, sent, trace };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const proposalAt = (s: Sent) => {
  if (s.channel !== Channel.consensusData) return null;
  const p = decodeProposal(decodePair(s.payload).a);
  return p.height === 1n && p.round === 0 ? p : null;
};
/** A vote of height 1, round 0 that the sending host signed itself (not one it re-gossips). */
const voteAt = (s: Sent, type: number) => {
  if (s.channel !== Channel.consensusVote) return null;
  const v = PbVote.decode(s.payload);
  const own = same(v.validatorAddress, simValidatorAddress(Number(s.host.slice(1))));
  return own && v.height === 1n && v.round === 0 && v.type === type ? v : null;
};

/** Height 1's commit round and block (of the "committed block" and "committed N" traces), per host. */
function commitsOf(trace: string[]): Map<string, { round: number; hash: string }> {
  const hashes = new Map<string, string>();
  const rounds = new Map<string, number>();
  for (const line of trace) {
    const m = /^\d+ (\S+) committed block (\{.*\})$/.exec(line);
    if (m !== null) {
      const f = JSON.parse(m[2]!) as { height: string; round: number };
      if (f.height === "1") rounds.set(m[1]!, f.round);
    }
    const c = /^\d+ (\S+) committed 1 ([0-9A-F]{8})$/.exec(line);
    if (c !== null) hashes.set(c[1]!, c[2]!);
  }
  return new Map([...hashes].map(([host, hash]) => [host, { round: rounds.get(host) ?? -1, hash }]));
}

describe("a restarted validator re-sends what it signed before the crash", function () {
  this.timeout(60_000);

  /** The fault-free run: who proposes height 1 round 0, and when. */
  async function probe() {
    const { r, sent } = await run(base({}));
    assert.equal(r.violation, "");
    const first = sent.find((s) => proposalAt(s) !== null)!;
    assert.ok(first !== undefined, "someone proposes height 1 round 0");
    return { proposer: Number(first.host.slice(1)), name: first.host, at: first.at, sent };
  }

  /**
   * The proposer cut off from its proposal on (all it sends is lost), crashed, and restarted
   * once every node is up (they boot within 30 ms; without faults, the proposal it sends on
   * booting misses those not up yet, and height 1 is decided in round 1).
   */
  const restartAt = (p: { at: number }) => Math.max(p.at + 20, 45);
  const proposerCrash = (p: { proposer: number; at: number }) =>
    base({
      partitions: [[p.at, restartAt(p) - 5, [p.proposer]]],
      crashes: [[p.proposer, p.at + 10, restartAt(p)]],
    });

  it("the restarted proposer re-sends the very proposal; the peers take it and commit in that round", async () => {
    const p = await probe();
    const { r, sent, trace } = await run(proposerCrash(p));
    assert.equal(r.violation, "", "no error logged, no refusal by the signer");
    assert.ok(r.safe && r.live);
    const mine = sent.filter((s) => s.host === p.name && proposalAt(s) !== null);
    const before = mine.filter((s) => s.at < p.at + 10);
    const after = mine.filter((s) => s.at >= restartAt(p));
    assert.ok(before.length >= 1, "proposed before the crash");
    assert.ok(after.length >= 1, "proposed again after the restart");
    assert.ok(same(after[0]!.payload, before[0]!.payload), "the same message: same signature, same block");
    // Its prevote, too (the signer's last before the crash, signed again over the same bytes).
    const pv = (s: Sent) => s.host === p.name && voteAt(s, SignedMsgType.prevote) !== null;
    const prevotes = sent.filter(pv);
    assert.ok(prevotes.some((s) => s.at >= restartAt(p)) && same(prevotes[0]!.payload, prevotes.at(-1)!.payload));
    const id = blockIdKey(proposalAt(before[0]!)!.blockId!)!;
    const commits = commitsOf(trace);
    assert.equal(commits.size, 4, "every validator committed height 1");
    for (const [host, c] of commits) {
      assert.equal(c.round, 0, `${host} committed height 1 in round 0, the proposal's round`);
      assert.equal(c.hash, id.slice(0, 8), `${host} committed the proposed block`);
    }
  });

  it("a validator that signed its precommit re-sends its prevote from the WAL (the signer has passed it)", async () => {
    const p = await probe();
    // The first to precommit height 1 round 0 (not the proposer): cut off and crashed at once.
    const first = p.sent.find((s) => s.host !== p.name && voteAt(s, SignedMsgType.precommit) !== null)!;
    const v = Number(first.host.slice(1));
    const t = first.at;
    const { r, sent, trace } = await run(base({ partitions: [[t + 1, t + 25, [v]]], crashes: [[v, t + 2, t + 30]] }));
    assert.ok(
      trace.some((l) => new RegExp(`^\\d+ ${first.host} consensus WAL replayed \\{"height":"1"`).test(l)),
      "the restart replays height 1 (not decided before the crash)",
    );
    assert.equal(r.violation, "", "no refusal by the signer");
    for (const type of [SignedMsgType.prevote, SignedMsgType.precommit]) {
      const mine = sent.filter((s) => s.host === first.host && voteAt(s, type) !== null);
      const after = mine.filter((s) => s.at >= t + 30);
      assert.ok(after.length >= 1, `vote type ${type} sent again after the restart`);
      assert.ok(same(after[0]!.payload, mine[0]!.payload), `vote type ${type}: byte for byte`);
    }
  });

  it("a logged vote that is not the one asked for again (another block id) is refused and not sent", async () => {
    const p = await probe();
    const first = p.sent.find((s) => s.host !== p.name && voteAt(s, SignedMsgType.precommit) !== null)!;
    const v = Number(first.host.slice(1));
    const t = first.at;
    let edited = 0;
    const { r, sent } = await run({
      ...base({ partitions: [[t + 1, t + 25, [v]]], crashes: [[v, t + 2, t + 30]] }),
      onCrash: (host: string, wal: MemoryWalFile) => {
        if (host !== first.host) return;
        wal.records = wal.records.map((bytes) => {
          const rec = decodeRecord(bytes);
          if (rec.kind !== RecordKind.ownSignedVote || rec.aux !== 1) return bytes; // its prevote
          edited++;
          const hash = new Uint8Array(32).fill(9);
          const vote = { ...PbVote.decode(rec.a), blockId: { hash, partSetHeader: { total: 1, hash } } };
          return encodeRecord({ ...rec, a: PbVote.encode(vote).finish() });
        });
      },
    });
    assert.equal(edited, 1, "the WAL held the signed prevote");
    assert.match(r.violation, /WAL record of an own signed message refused.*not the message asked for again/);
    const after = sent.filter((s) => s.host === first.host && s.at >= t + 30 && voteAt(s, SignedMsgType.prevote));
    assert.deepEqual(after, [], "nothing sent from the damaged record");
  });

  /** The proposer's crash with its signed-proposal record edited on the disk. */
  async function tampered(edit: (p: PbProposal) => PbProposal) {
    const p = await probe();
    let edited = 0;
    const { r, sent } = await run({
      ...proposerCrash(p),
      onCrash: (host: string, wal: MemoryWalFile) => {
        if (host !== p.name) return;
        wal.records = wal.records.map((bytes) => {
          const rec = decodeRecord(bytes);
          if (rec.kind !== RecordKind.ownSignedProposal) return bytes;
          edited++;
          return encodeRecord({ ...rec, a: PbProposal.encode(edit(PbProposal.decode(rec.a))).finish() });
        });
      },
    });
    assert.equal(edited, 1, "the WAL held the signed proposal");
    const after = sent.filter((s) => s.host === p.name && s.at >= restartAt(p) && proposalAt(s) !== null);
    assert.deepEqual(after, [], "nothing sent from the damaged record");
    return r.violation;
  }

  it("a logged signature of the wrong length is refused, with a clear error, and not sent", async () => {
    const why = await tampered((x) => ({ ...x, signature: x.signature.subarray(0, 10) }));
    assert.match(why, /WAL record of an own signed message refused.*logged signature of 10 bytes, not 64/);
  });

  it("a logged signature that is not ours over its bytes is refused and not sent", async () => {
    const why = await tampered((x) => {
      const sig = new Uint8Array(x.signature);
      sig[5] = sig[5]! ^ 1;
      return { ...x, signature: sig };
    });
    assert.match(why, /WAL record of an own signed message refused.*not this validator's/);
  });

  it("a logged signed record that does not decode is refused with a coded error and not sent", async () => {
    const p = await probe();
    let edited = 0;
    const { r, sent } = await run({
      ...proposerCrash(p),
      onCrash: (host: string, wal: MemoryWalFile) => {
        if (host !== p.name) return;
        wal.records = wal.records.map((bytes) => {
          const rec = decodeRecord(bytes);
          if (rec.kind !== RecordKind.ownSignedProposal) return bytes;
          edited++;
          // A whole record (its CRC checks out) whose message is not a protobuf Proposal.
          return encodeRecord({ ...rec, a: new Uint8Array([0xff, 0xff, 0xff]) });
        });
      },
    });
    assert.equal(edited, 1, "the WAL held the signed proposal");
    assert.match(r.violation, /WAL record of an own signed message refused/);
    const after = sent.filter((s) => s.host === p.name && s.at >= restartAt(p) && proposalAt(s) !== null);
    assert.deepEqual(after, [], "nothing sent from the undecodable record");
  });

  it("a logged proposal that is not the one asked for again (another POL round, another block) is refused", async () => {
    const pol = await tampered((x) => ({ ...x, polRound: 0 }));
    assert.match(pol, /WAL record of an own signed message refused.*not the message asked for again/);
    const other = await tampered((x) => {
      const hash = new Uint8Array(32).fill(9);
      return { ...x, blockId: { hash, partSetHeader: { total: 1, hash } } };
    });
    assert.match(other, /WAL record of an own signed message refused.*not the message asked for again/);
  });

  /**
   * Every signed proposal and vote anyone sent, grouped by signer and height/round/step: two
   * different messages in one group are a double sign (re-gossip and re-sends are byte-identical).
   */
  function doubleSigns(sent: Sent[]): string[] {
    const groups = new Map<string, Set<string>>();
    const add = (k: string, m: Uint8Array) => {
      const g = groups.get(k) ?? new Set<string>();
      g.add(Buffer.from(m).toString("hex"));
      groups.set(k, g);
    };
    for (const s of sent) {
      if (s.channel === Channel.consensusData) {
        const p = decodeProposal(decodePair(s.payload).a);
        add(`proposal ${p.height}/${p.round}`, PbProposal.encode(p).finish());
      } else if (s.channel === Channel.consensusVote) {
        const v = PbVote.decode(s.payload);
        add(`${Buffer.from(v.validatorAddress).toString("hex")} ${v.type} ${v.height}/${v.round}`, s.payload);
      }
    }
    return [...groups].filter(([, g]) => g.size > 1).map(([k]) => k);
  }

  it("a disk that lied about its fsync (the WAL's tail from the signed proposal on lost): no double sign", async () => {
    const p = await probe();
    let cut = -1;
    const { r, sent } = await run({
      ...proposerCrash(p),
      onCrash: (host: string, wal: MemoryWalFile) => {
        if (host !== p.name) return;
        cut = wal.records.findIndex((b) => decodeRecord(b).kind === RecordKind.ownSignedProposal);
        wal.records = wal.records.slice(0, cut);
        wal.synced = wal.records.length;
      },
    });
    assert.ok(cut > 0, "the WAL held the signed proposal");
    assert.deepEqual(doubleSigns(sent), [], "no two different signed messages at one height/round/step");
    // The signer (its state durable, ahead of the WAL) refuses what it passed and what differs.
    assert.match(r.violation, /signer refused/);
    assert.doesNotMatch(r.violation, /fork/);
  });

  it("a WAL lost whole (the signer's state kept, ahead of it): no double sign", async () => {
    const p = await probe();
    let lost = 0;
    const { r, sent } = await run({
      ...proposerCrash(p),
      onCrash: (host: string, wal: MemoryWalFile) => {
        if (host !== p.name) return;
        lost = wal.records.length;
        wal.records = [];
        wal.synced = 0;
      },
    });
    assert.ok(lost > 0, "the WAL held records");
    assert.deepEqual(doubleSigns(sent), [], "no two different signed messages at one height/round/step");
    assert.match(r.violation, /signer refused/);
    assert.doesNotMatch(r.violation, /fork/);
  });
});
