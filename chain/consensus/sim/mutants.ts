import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";

// Named mutations of the consensus code, each weakening one rule. `npm run sim:mutants` applies
// each to a scratch copy of the repository and runs the simulator on it: a mutant the simulator
// does not catch within its budget is a gap in the simulator. Every mutation is a string
// replacement whose anchor must match exactly once (whitespace and trailing commas aside, so that
// formatting the code keeps every anchor), so that a mutant whose code moved fails loudly
// instead of silently testing nothing.

export interface Mutant {
  name: string;
  /** The rule it breaks, for the report. */
  rule: string;
  /** Repository-relative file. */
  file: string;
  from: string;
  to: string;
}

/** A mutant of the driver's rules, with the in-process attack tests that must catch it. */
export interface DriverMutant extends Mutant {
  killers: Array<{ file: string; grep?: string }>;
}

const core = "chain/consensus/core.ts";

export const mutants: readonly Mutant[] = [
  {
    name: "lock-ignored-fresh",
    rule: "lines 22-27: prevote a fresh proposal only if unlocked or locked on it",
    file: core,
    from: "broadcastVote(VoteType.prevote, e.valid && (s.lockedRound === -1 || s.lockedValue?.id === v.id) ? v.id : null);",
    to: "broadcastVote(VoteType.prevote, e.valid ? v.id : null);",
  },
  {
    name: "lock-ignored-repropose",
    rule: "lines 28-33: prevote a re-proposal only if locked no later than its valid round",
    file: core,
    from: "broadcastVote(VoteType.prevote, e.valid && (s.lockedRound <= vr || s.lockedValue?.id === v.id) ? v.id : null);",
    to: "broadcastVote(VoteType.prevote, e.valid ? v.id : null);",
  },
  {
    name: "pol-unchecked",
    rule: "lines 28-33: a re-proposal needs 2/3 prevotes in its valid round",
    file: core,
    // No `return (` in the anchor: prettier wraps a long returned expression in parentheses.
    from: "vr >= 0 && vr < s.round && validators!.hasTwoThirds(voteSet(vr, VoteType.prevote).powerFor(x.proposal.value.id))",
    to: "vr >= 0 && vr < s.round",
  },
  {
    name: "quorum-majority",
    rule: "quorum: more than 2/3 of the power, not a simple majority",
    file: "chain/types/validatorSet.ts",
    from: "power * 3n > this.totalPower * 2n",
    to: "power * 2n > this.totalPower",
  },
  {
    name: "skip-one-validator",
    rule: "lines 55-56: skip to a higher round on f+1 validators, not one",
    file: core,
    from: "if (validators!.hasOneThird(power)) target = r;",
    to: "if (power > 0n) target = r;",
  },
  {
    name: "valid-value-not-updated",
    rule: "lines 36-43: remember the value with 2/3 prevotes as the valid value",
    file: core,
    from: "    s.validValue = v;\n    s.validRound = s.round;\n",
    to: "",
  },
  {
    name: "valid-round-dropped",
    rule: "lines 11-21: the proposer re-proposes its valid value with its valid round",
    file: core,
    from: "if (s.validValue !== null) propose(s.validValue, s.validRound);",
    to: "if (s.validValue !== null) propose(s.validValue, -1);",
  },
  {
    name: "invalid-block-accepted",
    rule: "a block the driver judged invalid is never prevoted, locked or decided",
    file: core,
    from: "addProposal(ev.proposal, ev.valid);",
    to: "addProposal(ev.proposal, true);",
  },
  {
    name: "lock-on-any-prevotes",
    rule: "lines 36-43: lock only on 2/3 prevotes for that value",
    file: core,
    from: "x.valid && validators!.hasTwoThirds(prevotes.powerFor(x.proposal.value.id))",
    to: "x.valid && validators!.hasTwoThirds(prevotes.totalPower)",
  },
  {
    name: "decide-on-any-precommits",
    rule: "lines 49-54: decide only on 2/3 precommits for that value",
    file: core,
    from: "!validators!.hasTwoThirds(vs.powerFor(v.id))",
    to: "!validators!.hasTwoThirds(vs.totalPower)",
  },
  {
    name: "proposer-unchecked",
    rule: "a proposal counts only from the round's proposer",
    file: core,
    from: "if (p.proposer !== proposerOf(p.round)) return;",
    to: "",
  },
  {
    name: "commit-duplicate-signers",
    rule: "commit verification: each signer's power counts once",
    file: core,
    from: " || signers.has(v.validator)) continue;",
    to: ") continue;",
  },
  {
    name: "commit-any-block",
    rule: "commit verification: precommits must be for the committed block",
    file: core,
    from: " || v.valueId !== value.id || ",
    to: " || ",
  },
  {
    name: "commit-no-quorum",
    rule: "commit verification: 2/3 of the power signed",
    file: core,
    from: "if (!validators!.hasTwoThirds(power)) return;",
    to: "if (power === 0n) return;",
  },
  {
    name: "vote-counted-twice",
    rule: "vote tally: a repeated vote counts once",
    file: "chain/consensus/voteSet.ts",
    from: "(prev.length < maxValuesPerVoter && !prev.some((p) => p.valueId === v.valueId))",
    to: "(prev.length < maxValuesPerVoter)",
  },
  {
    name: "no-evidence",
    rule: "evidence: a conflicting vote is reported",
    file: core,
    from: "if (!evidenceSent.has(key)) {",
    to: "if (evidenceSent.has(key)) {",
  },
  {
    name: "timeouts-constant",
    rule: "timeouts grow with the round (liveness when the network is slower than the first timeouts)",
    file: core,
    from: 'step === "propose" ? t.proposeMs + round * t.proposeDeltaMs : step === "prevote" ? t.prevoteMs + round * t.prevoteDeltaMs : t.precommitMs + round * t.precommitDeltaMs;',
    to: 'step === "propose" ? t.proposeMs : step === "prevote" ? t.prevoteMs : t.precommitMs;',
  },
];

const reactor = "chain/consensus/reactor.ts";
const eventLoop = "chain/consensus/eventLoop.ts";
const evidencePool = "chain/consensus/evidencePool.ts";
const t = (name: string) => `chain/consensus/test/${name}.test.ts`;

/**
 * Mutants of the driver (signing, WAL, validation, the vote time rule): the simulator drives the
 * pure core only, so these are caught by in-process networks of real nodes under attack (the
 * `killers`: tests built on chain/testkit, run by `npm run sim:mutants -- --driver`).
 */
export const driverMutants: readonly DriverMutant[] = [
  {
    name: "proposal-signer-unchecked",
    rule: "a proposal's signature is the round's proposer's",
    file: reactor,
    from: "  verifyProposal(opts.chainId, p, proposer.pubKey, cache);\n",
    to: "",
    killers: [{ file: t("driverRules"), grep: "not the round's proposer" }],
  },
  {
    name: "vote-signature-unchecked",
    rule: "a vote's signature is its validator's",
    file: reactor,
    from: "  verifyVote(opts.chainId, v, val.pubKey, cache);\n",
    to: "",
    killers: [{ file: t("driverRules"), grep: "forged signature" }],
  },
  {
    name: "proposal-unvalidated",
    rule: "a proposed block passes the full block validation before it is prevoted",
    file: "chain/consensus/proposalValidation.ts",
    from: "  try {\n    await validateOnce(ctx.validationDeps, state, pb);\n  } catch (e) {",
    to: "  try {\n  } catch (e) {",
    killers: [{ file: t("driverRules"), grep: "invalid block from the round's proposer" }],
  },
  {
    name: "block-sync-unvalidated",
    rule: "a block from sync passes the full block validation, not only its commit",
    file: reactor,
    from: "    await validateOnce(ctx.validationDeps, deps.getState(), pb);\n",
    to: "",
    killers: [
      { file: t("byzantine"), grep: "block sync refuses" },
      { file: t("syncValidateOnce"), grep: "refused" },
    ],
  },
  {
    name: "proposal-body-unchecked",
    rule: "a proposal's block is the block its signed id names",
    file: reactor,
    from: `    return dropPeer(ctx, peer, "a proposal's block is not the block it names");\n`,
    to: "",
    killers: [{ file: t("proposalBody") }],
  },
  {
    name: "vote-time-unchecked",
    rule: "voteTime: a vote dated at or before the last block is dropped",
    file: reactor,
    from: "if (compareTime(v.timestamp!, deps.getState().lastBlockTime) <= 0) {",
    to: "if (false) {",
    killers: [{ file: t("driverRules"), grep: "dated before the last block" }],
  },
  {
    name: "vote-time-block-unchecked",
    rule: "voteTime: a vote dated at or before the block it votes for is dropped",
    file: reactor,
    from: "if (votedFor !== undefined && compareTime(v.timestamp!, votedFor) <= 0) {",
    to: "if (false) {",
    killers: [{ file: t("voteTime") }],
  },
  {
    name: "replay-vote-resigned",
    rule: "after a restart an own vote is signed again over the logged bytes (its time from the WAL)",
    file: eventLoop,
    from: "const time = fromWal?.timestamp ?? voteTime(ctx, block);",
    to: "const time = voteTime(ctx, block);",
    killers: [{ file: t("walReplay") }],
  },
  {
    name: "own-vote-not-logged",
    rule: "an own vote is written to the WAL (fsynced) before it is signed",
    file: eventLoop,
    from: "  if (ctx.wal !== null && fromWal === undefined) walAppend(ctx, encodeRecord({ kind: RecordKind.ownVote,",
    to: "  if (false) walAppend(ctx, encodeRecord({ kind: RecordKind.ownVote,",
    killers: [{ file: t("walReplay") }],
  },
  {
    name: "replay-proposal-not-resent",
    rule: "after a restart an own proposal the signer has passed is re-sent as the WAL logged it signed",
    file: eventLoop,
    from: "const logged = ctx.walSignedProposals.get(a.proposal.round);",
    to: "const logged = undefined as PbProposal | undefined;",
    killers: [{ file: t("restartResend"), grep: "re-sends the very proposal" }],
  },
  {
    name: "replay-vote-not-resent",
    rule: "after a restart an own vote the signer has passed is re-sent as the WAL logged it signed",
    file: eventLoop,
    from: "const logged = ctx.walSignedVotes.get(`${v.type}/${v.round}`);",
    to: "const logged = undefined as PbVote | undefined;",
    killers: [{ file: t("restartResend"), grep: "re-sends its prevote from the WAL" }],
  },
  {
    name: "wal-failure-blames-peer",
    rule: "a failed WAL write halts the node and blames no peer",
    file: reactor,
    from: "if (e !== ctx.walFailure && ctx.walFailure === null) ctx.deps.p2p.ban(peer, e.message);",
    to: "ctx.deps.p2p.ban(peer, e.message);",
    killers: [{ file: t("walFailure"), grep: "peer's vote is logged" }],
  },
  {
    name: "proposal-blocks-unbounded",
    rule: "a round holds a bounded number of proposal blocks",
    file: "chain/consensus/proposalBlocks.ts",
    from: '      if (!replayed && ids.size >= maxProposalBlocksPerRound && !backed()) return "full";\n',
    to: "",
    killers: [{ file: t("proposalBounds"), grep: "without end" }],
  },
  {
    name: "next-height-votes-unheld",
    rule: "a vote for the next height is held until that height starts, then judged by its time rules",
    file: reactor,
    from: "if (v.height > height) {",
    to: "if (false) {",
    killers: [{ file: t("heldVotes"), grep: "judged by its time rules" }],
  },
  {
    name: "next-height-votes-unbounded",
    rule: "at most maxFutureVotesPerValidator votes for the next height are held per validator",
    file: reactor,
    from: "if (held.has(key) || held.size >= maxFutureVotesPerValidator) return;",
    to: "if (held.has(key)) return;",
    killers: [{ file: t("heldVotes"), grep: "up to the bound" }],
  },
  {
    name: "evidence-offence-twice",
    rule: "a block carries at most one piece of evidence per validator and height",
    file: evidencePool,
    from: "if (offences.has(offence))",
    to: "if (false)",
    killers: [{ file: t("evidenceOnce"), grep: "two pieces" }],
  },
  {
    name: "evidence-offence-recommitted",
    rule: "no evidence for a validator and height already committed in an earlier block",
    file: evidencePool,
    from: "if (await this.deps.blockStore.isEquivocationCommitted(dve.voteA.validatorAddress, h))",
    to: "if (false)",
    killers: [{ file: t("evidencePool"), grep: "offence already committed" }],
  },
];

/** Thrown when a mutant's anchor is not found exactly once: the mutant list must follow the code. */
export class StaleMutantError extends Error {}

/**
 * The text as the anchors are matched: whitespace dropped, and a comma dropped before a closing
 * bracket (prettier's trailing commas), so that an anchor survives formatting (line breaks,
 * indentation, trailing commas). `at[i]` is the index in `text` of the i-th kept character.
 */
export function normalise(text: string): { norm: string; at: number[] } {
  let norm = "";
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) continue;
    if (c === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (j < text.length && ")]}".includes(text[j]!)) continue;
    }
    norm += c;
    at.push(i);
  }
  return { norm, at };
}

/**
 * Applies a mutant to the file text; the anchor must occur exactly once, compared after
 * normalising whitespace and trailing commas (normalise): the code may be reformatted freely.
 */
export function mutate(text: string, m: Mutant): string {
  const { norm, at } = normalise(text);
  const anchor = normalise(m.from).norm;
  const count = anchor.length === 0 ? 0 : norm.split(anchor).length - 1;
  if (count !== 1)
    throw new StaleMutantError(
      `mutant ${m.name}: anchor found ${count} times in ${m.file} (must be exactly once, whitespace aside): ${JSON.stringify(m.from)}`,
    );
  const i = norm.indexOf(anchor);
  const start = at[i]!;
  const end = at[i + anchor.length - 1]! + 1;
  return text.slice(0, start) + m.to + text.slice(end);
}

/**
 * Copies the repository (without node_modules and .git; node_modules is linked) to a scratch
 * directory and applies the mutant there. Returns the scratch root; the caller removes it.
 */
export function scratchCopy(root: string, m: Mutant): string {
  const dir = mkdtempSync(join(tmpdir(), `mutant-${m.name}-`));
  cpSync(root, dir, {
    recursive: true,
    filter: (src) => {
      const rel = relative(root, src);
      const top = rel.split(sep)[0];
      return top !== "node_modules" && top !== ".git" && top !== ".localnet";
    },
  });
  symlinkSync(realpathSync(join(root, "node_modules")), join(dir, "node_modules"));
  const file = join(dir, m.file);
  writeFileSync(file, mutate(readFileSync(file, "utf8"), m));
  return dir;
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
