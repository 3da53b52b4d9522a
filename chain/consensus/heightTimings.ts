import type { Logger } from "../../modules/sdk/context.js";
import { realTimer, type Timer } from "./driverContext.js";
import { VoteType, type ConsensusAction, type ConsensusEvent } from "./types.js";

// Where the time of a height goes (issue 17: 26 blocks a minute under load against 58 idle).
// The driver marks, per height, when each step happened on this node's clock; at the next
// height's start one `height timings` line is logged at info level with each mark in
// milliseconds after the height started (absent marks are left out). Diagnostic only: nothing
// is decided on these figures, and they cost a few clock reads per height.

export type Mark =
  /** The driver started building our block (we propose this round). */
  | "build"
  /** Our block was built (PrepareProposal done, block encoded). */
  | "built"
  /** A peer's proposal for this height arrived (before any check). */
  | "proposalIn"
  /** The proposal passed validation and went to the core. */
  | "proposal"
  | "prevote"
  | "precommit"
  /** 2/3+ precommits: the core decided. */
  | "decide"
  /** The decided block was executed and stored. */
  | "applied";

export class HeightTimings {
  private height = -1n;
  private start = 0;
  private round = 0;
  private txs = 0;
  private readonly marks = new Map<Mark, number>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
    /** The event loop's delays (real time only): `stall` is the longest one of the height, in ms. */
    private readonly loopDelay: LoopLag | null = null,
  ) {}

  /** Marks a step of height h (the first time only: a later round's step keeps the first mark). */
  mark(h: bigint, m: Mark): void {
    if (h !== this.height || this.marks.has(m)) return;
    this.marks.set(m, this.now() - this.start);
  }

  /** Marks what an event or action fed to or by the core says about the height's progress. */
  onEvent(ev: ConsensusEvent): void {
    if (ev.kind === "startHeight") this.begin(ev.height);
    else if (ev.kind === "proposal") this.mark(ev.proposal.height, "proposal");
  }

  onAction(a: ConsensusAction): void {
    if (a.kind === "getValue") this.mark(a.height, "build");
    else if (a.kind === "broadcastVote")
      this.mark(a.vote.height, a.vote.type === VoteType.prevote ? "prevote" : "precommit");
    else if (a.kind === "decide" && a.height === this.height) {
      this.mark(a.height, "decide");
      this.round = a.round;
      const pb = a.value.payload as { block?: { data?: { txs?: unknown[] } } } | undefined;
      this.txs = pb?.block?.data?.txs?.length ?? 0;
    }
  }

  private begin(h: bigint): void {
    if (this.height >= 0n && this.marks.has("decide")) {
      const fields: Record<string, unknown> = { height: this.height, round: this.round, txs: this.txs };
      for (const [m, t] of this.marks) fields[m] = Math.round(t);
      fields.next = Math.round(this.now() - this.start);
      if (this.loopDelay !== null) fields.stall = Math.round(this.loopDelay.max);
      this.logger.info("height timings", fields);
    }
    this.loopDelay?.restart();
    this.height = h;
    this.start = this.now();
    this.round = 0;
    this.txs = 0;
    this.marks.clear();
  }
}

const byDriver = new WeakMap<object, HeightTimings>();

/** The timings of one driver (kept beside its context, so the context's shape is unchanged). */
/**
 * The event loop's longest delay since the last restart: a 20 ms timer that measures how late it
 * fires. It does not keep the process alive, and ends by itself once its driver stopped (a
 * restart at the next height brings it back): stopped nodes in a test run cost nothing.
 */
export class LoopLag {
  max = 0;
  private running = false;

  constructor(private readonly stopped: () => boolean) {}

  restart(): void {
    this.max = 0;
    if (this.running || this.stopped()) return;
    this.running = true;
    this.tick(performance.now());
  }

  private tick(prev: number): void {
    setTimeout(() => {
      const now = performance.now();
      this.max = Math.max(this.max, now - prev - 20);
      if (this.stopped()) this.running = false;
      else this.tick(now);
    }, 20).unref();
  }
}

export function timingsOf(ctx: {
  readonly logger: Logger;
  readonly timer: Timer;
  readonly stopped: boolean;
}): HeightTimings {
  let t = byDriver.get(ctx);
  if (t === undefined) {
    const delay = ctx.timer === realTimer ? new LoopLag(() => ctx.stopped) : null;
    t = new HeightTimings(ctx.logger, undefined, delay);
    byDriver.set(ctx, t);
  }
  return t;
}

/**
 * How long after a decision's execution the next height starts: timeout_commit counted from the
 * decision (CometBFT's StartTime = CommitTime + timeout_commit), so an execution that took part
 * of it shortens the wait, and one that took longer starts the next height at once. A clock
 * that went backwards waits the whole timeout_commit, never more.
 */
export function nextHeightDelayMs(timeoutCommitMs: number, decidedAtMs: number, nowMs: number): number {
  const spent = Math.max(0, nowMs - decidedAtMs);
  return Math.max(0, timeoutCommitMs - spent);
}
