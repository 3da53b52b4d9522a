import type { ValidatorSet } from "../types/validatorSet.js";

// The consensus core's inputs and outputs. The core is a pure state machine: events in,
// actions out, no I/O, no clock (timeouts are actions the driver schedules and feeds back).
// Messages here are already authenticated: the driver verifies signatures before an event
// reaches the core, and signs what the core asks it to broadcast.

export const VoteType = { prevote: 1, precommit: 2 } as const;
export type VoteType = (typeof VoteType)[keyof typeof VoteType];

export const Step = { propose: 1, prevote: 2, precommit: 3, committed: 4 } as const;
export type Step = (typeof Step)[keyof typeof Step];

/** A proposed value: a block, identified by its id (the block id hash, hex). */
export interface Value {
  id: string;
  /** Opaque to the core: the block itself, carried for the driver. */
  payload: unknown;
}

export interface Proposal {
  height: bigint;
  round: number;
  /** The round of the value's earlier 2/3 prevotes (validRound), or -1. */
  polRound: number;
  value: Value;
  proposer: string;
}

export interface Vote {
  type: VoteType;
  height: bigint;
  round: number;
  /** The value id voted for, or null for nil. */
  valueId: string | null;
  validator: string;
  /** Opaque: signature and timestamp, kept for commits and evidence. */
  extra?: unknown;
}

export type TimeoutStep = "propose" | "prevote" | "precommit";

export type ConsensusEvent =
  | { kind: "proposal"; proposal: Proposal; valid: boolean }
  | { kind: "vote"; vote: Vote }
  | { kind: "timeout"; step: TimeoutStep; height: bigint; round: number }
  /** The driver's answer to `getValue`: a block to propose at (height, round). */
  | { kind: "value"; height: bigint; round: number; value: Value }
  /**
   * A decided value learned from a peer (block sync / catch-up): the precommits are checked as a
   * whole, by distinct signers' power, not through this node's vote tally, which may hold an
   * equivocator's other vote.
   */
  | { kind: "commit"; height: bigint; round: number; value: Value; precommits: Vote[] }
  /** Starts a height (after the previous decision was applied), with that height's validators. */
  | { kind: "startHeight"; height: bigint; validators: ValidatorSet };

export interface Evidence {
  validator: string;
  height: bigint;
  round: number;
  type: VoteType;
  a: Vote;
  b: Vote;
}

export type ConsensusAction =
  | { kind: "broadcastProposal"; proposal: Proposal }
  | { kind: "broadcastVote"; vote: Vote }
  | { kind: "scheduleTimeout"; step: TimeoutStep; height: bigint; round: number; durationMs: number }
  /** The core needs a new value to propose (it has no valid value to re-propose). */
  | { kind: "getValue"; height: bigint; round: number }
  /** A decision: the value and the 2/3+ precommits for it. */
  | { kind: "decide"; height: bigint; round: number; value: Value; precommits: Vote[] }
  /** Two conflicting votes of one validator at one height, round and type. */
  | { kind: "evidence"; evidence: Evidence };

export interface TimeoutConfig {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
}

/** CometBFT's defaults: timeouts grow linearly with the round. */
export const defaultTimeouts: TimeoutConfig = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
};
