import assert from "node:assert/strict";
import type { Context } from "../../sdk/context.js";
import { testContext } from "../../sdk/test/fixtures.js";
import type { KVStore } from "../../sdk/store.js";
import {
  auditDecided,
  checkableReport,
  distribute,
  noMajorityAuditVerdict,
  falseReportOwed,
  fraudOwed,
  settledAuditVerdict,
  tally,
  unusableAuditVerdict,
} from "../audit.js";
import { sketchToPb } from "../commitment.js";
import type { Assignment, Job } from "../domain.js";
import { declined, jobFromPb, jobToPb } from "../domain.js";
import { JobsKeeper } from "../keeper.js";
import * as lifecycle from "../lifecycle.js";
import { settlementVerdict } from "../settlement.js";
import { computeSketch, type ComparisonRule } from "../sketch.js";
import { AuditStatus, JobState, Outcome, UnusableReason } from "../types.js";

// The job life cycle's guards (lifecycle.ts): every transition called on a job that is not in the
// state it expects does nothing at all — no store write, no event, no call into another module —
// and returns false. And the pure settlement and audit verdicts the transitions apply.

const trap = (what: string) => () => {
  throw new Error(`${what} touched by a refused transition`);
};

/** A store that may be read (empty) but not written. */
const readOnlyStore: KVStore = {
  get: () => undefined,
  has: () => false,
  set: trap("store.set"),
  delete: trap("store.delete"),
  *range() {},
} as unknown as KVStore;

const deps = new Proxy({}, { get: (_, name) => trap(`dependency ${String(name)}`) });
const keeper = new JobsKeeper(deps as never, deps as never, deps as never, deps as never, deps as never);
const ctx = () => testContext("block", { store: readOnlyStore, height: 50n, gasLimit: 10n ** 12n });
const rule: ComparisonRule = { sketchSize: 16, tolerance: 1000, topK: 0 };

function assignment(provider: string, over: Partial<Assignment> = {}): Assignment {
  return {
    provider,
    gpu: "",
    pricePerUnit: "5utcu",
    commitment: new Uint8Array(),
    committedHeight: 0n,
    digest: new Uint8Array(),
    sketch: null,
    outputUri: "",
    revealedHeight: 0n,
    outcome: Outcome.unspecified,
    paid: 0n,
    slashed: 0n,
    unusable: UnusableReason.unspecified,
    unusableInput: 0,
    ...over,
  };
}

function job(state: JobState, over: Partial<Job> = {}): Job {
  return {
    id: 7n,
    requester: "req",
    model: "m",
    inputs: [{ inline: new Uint8Array([1]), uri: "", sha256: "", size: 0n }],
    sealed: [],
    k: 3,
    maxPricePerUnit: "10utcu",
    deadlineHeight: 60n,
    minReputation: 0,
    gpu: null,
    state,
    escrow: 300n,
    assignments: ["a", "b", "c"].map((p) => assignment(p)),
    createdHeight: 1n,
    assignedHeight: 2n,
    phaseDeadline: 0n,
    computeUnits: 10n,
    history: [],
    batchId: 7n,
    shardIndex: 0,
    shardCount: 1,
    audit: AuditStatus.none,
    auditDeadline: 0n,
    verdicts: [],
    paid: 0n,
    refunded: 0n,
    compensated: 0n,
    finalHeight: 0n,
    auditors: [],
    verdictCommits: [],
    verdictRevealHeight: 0n,
    pruneHeight: 0n,
    sketchKeyHash: new Uint8Array(),
    auditSealed: [],
    ...over,
  };
}

const committedA = (p: string) => assignment(p, { commitment: new Uint8Array(32).fill(1), committedHeight: 3n });
const output = Float32Array.from({ length: 64 }, (_, i) => i / 10);
const revealedA = (p: string, out: ArrayLike<number> = output, id = 7n) =>
  assignment(p, {
    commitment: new Uint8Array(32).fill(1),
    committedHeight: 3n,
    sketch: sketchToPb(computeSketch(id.toString(), out, rule)),
    revealedHeight: 4n,
  });
const unusableA = (p: string) =>
  assignment(p, {
    commitment: new Uint8Array(32).fill(1),
    committedHeight: 3n,
    unusable: UnusableReason.hashMismatch,
    revealedHeight: 4n,
  });
const allStates = [
  JobState.pending,
  JobState.assigned,
  JobState.revealing,
  JobState.auditing,
  JobState.settled,
  JobState.failed,
  JobState.expired,
  JobState.cancelled,
  JobState.unusable,
];

describe("jobs: every transition of the life cycle is guarded", () => {
  /** Runs a transition that must be refused: false, no event, nothing written (the traps throw). */
  function refused(name: string, f: (c: Context) => boolean): void {
    const c = ctx();
    assert.equal(f(c), false, `${name} refused`);
    assert.equal(c.events.events.length, 0, `${name} emitted nothing`);
  }

  it("pending-only transitions (create, cancel, expire, assign) do nothing on a job in any other state", () => {
    for (const s of allStates.filter((x) => x !== JobState.pending)) {
      refused(`create from ${s}`, (c) => lifecycle.create(c, keeper, job(s), "300utcu"));
      refused(`cancel from ${s}`, (c) => lifecycle.cancel(c, keeper, job(s)));
      refused(`expire from ${s}`, (c) => lifecycle.expire(c, keeper, job(s)));
      refused(`assign from ${s}`, (c) =>
        lifecycle.assign(
          c,
          keeper,
          job(s),
          ["x", "y", "z"].map((p) => assignment(p)),
          "assigned",
        ),
      );
    }
    refused("assign with fewer than k providers", (c) =>
      lifecycle.assign(c, keeper, job(JobState.pending, { assignments: [] }), [assignment("x")], "assigned"),
    );
  });

  it("commit and openReveals only in assigned; a commit only by an assignee that has not committed", () => {
    for (const s of allStates.filter((x) => x !== JobState.assigned)) {
      refused(`commit in ${s}`, (c) => lifecycle.commit(c, keeper, job(s), "a", new Uint8Array(32)));
      refused(`openReveals in ${s}`, (c) => lifecycle.openReveals(c, keeper, job(s), "commit window ended"));
    }
    refused("commit by a stranger", (c) =>
      lifecycle.commit(c, keeper, job(JobState.assigned), "mallory", new Uint8Array(32)),
    );
    refused("a second commit", (c) =>
      lifecycle.commit(
        c,
        keeper,
        job(JobState.assigned, { assignments: [committedA("a"), assignment("b"), assignment("c")] }),
        "a",
        new Uint8Array(32),
      ),
    );
  });

  it("reveal and settle only in revealing; a reveal only by a committed assignee that has not answered", () => {
    const answer = {
      kind: "result" as const,
      digest: new Uint8Array(32),
      sketch: sketchToPb(computeSketch("7", output, rule)),
      outputUri: "",
    };
    for (const s of allStates.filter((x) => x !== JobState.revealing)) {
      refused(`reveal in ${s}`, (c) =>
        lifecycle.reveal(
          c,
          keeper,
          job(s, { assignments: [committedA("a"), committedA("b"), committedA("c")] }),
          "a",
          answer,
        ),
      );
      refused(`settle in ${s}`, (c) => lifecycle.settle(c, keeper, job(s)));
    }
    refused("reveal without a commitment", (c) => lifecycle.reveal(c, keeper, job(JobState.revealing), "a", answer));
    refused("reveal by a stranger", (c) => lifecycle.reveal(c, keeper, job(JobState.revealing), "mallory", answer));
    refused("a second reveal", (c) =>
      lifecycle.reveal(
        c,
        keeper,
        job(JobState.revealing, { assignments: [revealedA("a"), committedA("b"), committedA("c")] }),
        "a",
        answer,
      ),
    );
    refused("a result after an unusable report", (c) =>
      lifecycle.reveal(
        c,
        keeper,
        job(JobState.revealing, { assignments: [unusableA("a"), committedA("b"), committedA("c")] }),
        "a",
        answer,
      ),
    );
  });

  it("verdicts and audit resolution only while an audit is open; one verdict per validator; pruning only of final jobs without an open audit", () => {
    const v = {
      validator: "val1",
      sketch: null,
      digest: new Uint8Array(),
      unable: true,
      height: 50n,
      auditSketch: null,
    };
    for (const audit of [AuditStatus.none, AuditStatus.confirmed, AuditStatus.rejected, AuditStatus.inconclusive]) {
      refused(`verdict with audit ${audit}`, (c) =>
        lifecycle.addVerdict(c, keeper, job(JobState.settled, { audit }), v),
      );
      refused(`resolve with audit ${audit}`, (c) =>
        lifecycle.resolveAudit(c, keeper, job(JobState.settled, { audit })),
      );
    }
    refused("a second verdict", (c) =>
      lifecycle.addVerdict(c, keeper, job(JobState.settled, { audit: AuditStatus.open, verdicts: [v] }), v),
    );
    for (const s of [JobState.pending, JobState.assigned, JobState.revealing, JobState.auditing])
      refused(`prune in ${s}`, (c) => lifecycle.prune(c, keeper, job(s)));
    refused("prune with an audit open", (c) =>
      lifecycle.prune(c, keeper, job(JobState.settled, { audit: AuditStatus.open })),
    );
  });
});

describe("jobs: settlement and audit verdicts are pure functions of the job", () => {
  it("an unusable report is checkable only when it is about bytes the chain pins, never on a sealed job", () => {
    const reported = (reason: UnusableReason) =>
      assignment("a", { unusable: reason, unusableInput: 0, revealedHeight: 5n });
    const inline = { inline: new Uint8Array([1]), uri: "", sha256: "", size: 0n };
    const pinnedUri = { inline: new Uint8Array(), uri: "https://x/in", sha256: "ab".repeat(32), size: 0n };
    const bareUri = { ...pinnedUri, sha256: "" };
    const cases: Array<[string, Partial<Job>, UnusableReason, boolean]> = [
      ["inline, undecodable", { inputs: [inline] }, UnusableReason.undecodable, true],
      ["inline, refused by the model", { inputs: [inline] }, UnusableReason.rejected, true],
      ["inline, hash mismatch", { inputs: [inline] }, UnusableReason.hashMismatch, true],
      ["inline, unreachable", { inputs: [inline] }, UnusableReason.unreachable, false],
      ["pinned URI, undecodable", { inputs: [pinnedUri] }, UnusableReason.undecodable, true],
      ["pinned URI, hash mismatch (the server's choice)", { inputs: [pinnedUri] }, UnusableReason.hashMismatch, false],
      ["pinned URI, too large (the worker's limit)", { inputs: [pinnedUri] }, UnusableReason.tooLarge, false],
      ["pinned URI, refused (the worker's policy)", { inputs: [pinnedUri] }, UnusableReason.refused, false],
      ["unpinned URI, undecodable", { inputs: [bareUri] }, UnusableReason.undecodable, false],
      [
        "sealed job (each copy sealed apart)",
        { inputs: [inline], sealed: [{ provider: "a", ciphertext: new Uint8Array(48) }] },
        UnusableReason.undecodable,
        false,
      ],
    ];
    for (const [what, over, reason, want] of cases)
      assert.equal(checkableReport(job(JobState.unusable, over), reported(reason)), want, what);
    assert.equal(checkableReport(job(JobState.unusable), assignment("a")), false, "no report");
    assert.equal(
      checkableReport(
        job(JobState.unusable),
        assignment("a", { unusable: UnusableReason.undecodable, unusableInput: 3, revealedHeight: 5n }),
      ),
      false,
      "an input index the job does not have",
    );
  });

  const other = Float32Array.from({ length: 64 }, (_, i) => -i);

  it("settlement: majority paid, minority and false 'unusable' rejected, no-shows named; unusable, failed and no-majority outcomes", () => {
    const v = settlementVerdict(
      job(JobState.revealing, { k: 4, assignments: [revealedA("a"), revealedA("b"), unusableA("c"), committedA("d")] }),
      rule,
    );
    // 2 of 4 is not a strict majority.
    assert.equal(v.kind, "noMajority");
    const s = settlementVerdict(
      job(JobState.revealing, {
        k: 5,
        assignments: [revealedA("a"), revealedA("b"), revealedA("c"), unusableA("d"), assignment("e")],
      }),
      rule,
    );
    assert.equal(s.kind, "settled");
    assert.deepEqual(
      s.assignees.map((x) => x.kind),
      ["accepted", "accepted", "accepted", "rejected", "noShow"],
    );
    const r = settlementVerdict(
      job(JobState.revealing, { assignments: [revealedA("a"), revealedA("b"), revealedA("c", other)] }),
      rule,
    );
    assert.deepEqual(
      r.assignees.map((x) => x.kind),
      ["accepted", "accepted", "rejected"],
    );
    const u = settlementVerdict(
      job(JobState.revealing, { assignments: [unusableA("a"), unusableA("b"), revealedA("c")] }),
      rule,
    );
    assert.equal(u.kind, "unusable");
    assert.deepEqual(
      u.assignees.map((x) => x.kind),
      ["unusable", "unusable", "unusable"],
    );
    const f = settlementVerdict(
      job(JobState.revealing, { assignments: [committedA("a"), assignment("b"), unusableA("c")] }),
      rule,
    );
    assert.equal(f.kind, "failed");
    assert.deepEqual(
      f.assignees.map((x) => x.kind),
      ["noShow", "noShow", "none"],
    );
  });

  it("a TOO_LARGE report on a chain-bounded input (inline, sealed) is a decline: never an UNUSABLE verdict, a fee, nor a slash", () => {
    const tooLarge = (p: string, unusable: UnusableReason = UnusableReason.tooLarge) =>
      assignment(p, { commitment: new Uint8Array(32).fill(1), committedHeight: 3n, unusable, revealedHeight: 4n });
    const uri = { inline: new Uint8Array(), uri: "https://x/in", sha256: "ab".repeat(32), size: 0n };
    const sealed = { sealed: [{ provider: "a", ciphertext: new Uint8Array(48) }] };
    assert.equal(declined(job(JobState.revealing), tooLarge("a")), true, "inline");
    assert.equal(declined(job(JobState.revealing, sealed), tooLarge("a")), true, "a sealed copy");
    assert.equal(
      declined(job(JobState.revealing, { inputs: [uri] }), tooLarge("a")),
      false,
      "a URI: the requester's server",
    );
    assert.equal(declined(job(JobState.revealing), tooLarge("a", UnusableReason.undecodable)), false, "another reason");
    assert.equal(
      declined(job(JobState.revealing, { inputs: [uri] }), tooLarge("a", UnusableReason.resources)),
      true,
      "RESOURCES (the worker's memory) on any input",
    );
    assert.equal(declined(job(JobState.revealing), committedA("a")), false, "committed, not revealed");

    // Two sybils decline an inline job another worker ran: before, an UNUSABLE verdict that paid
    // them the fee for nothing; now no majority, so the validators decide.
    const sybils = job(JobState.revealing, { assignments: [tooLarge("a"), tooLarge("b"), revealedA("c")] });
    const v = settlementVerdict(sybils, rule);
    assert.equal(v.kind, "noMajority");
    assert.deepEqual(
      v.assignees.map((x) => x.kind),
      ["none", "none", "none"],
    );
    // The validators confirm the result: the declines are not slashed (a requester with one big
    // provider cannot get smaller honest workers slashed), an "unusable" report against the input is.
    const audited = job(JobState.auditing, {
      assignments: [tooLarge("a"), tooLarge("b", UnusableReason.undecodable), revealedA("c")],
      verdicts: ["v1", "v2", "v3"].map((validator) => ({
        validator,
        sketch: sketchToPb(computeSketch("7", output, rule)),
        digest: new Uint8Array(32),
        unable: false,
        auditSketch: null,
        height: 9n,
      })),
    });
    const nv = noMajorityAuditVerdict(audited, tally(audited, rule, { total: 3n, of: () => 1n }));
    assert.deepEqual(nv.results, ["none", "none", "pass"]);
    assert.deepEqual(nv.falseUnusable, [1], "only the undecodable report");

    // All decline: nothing to judge, a full refund (not UNUSABLE: nothing against the requester).
    assert.equal(
      settlementVerdict(job(JobState.revealing, { assignments: [tooLarge("a"), tooLarge("b"), tooLarge("c")] }), rule)
        .kind,
      "failed",
    );
    // A majority ran it: the decline is left alone (before: rejected and slashed).
    const ran = settlementVerdict(
      job(JobState.revealing, { assignments: [revealedA("a"), revealedA("b"), tooLarge("c")] }),
      rule,
    );
    assert.equal(ran.kind, "settled");
    assert.deepEqual(
      ran.assignees.map((x) => x.kind),
      ["accepted", "accepted", "none"],
    );
    // Two reports against the input and a decline: UNUSABLE, the fee for the two only.
    const u = settlementVerdict(
      job(JobState.revealing, { assignments: [unusableA("a"), unusableA("b"), tooLarge("c")] }),
      rule,
    );
    assert.equal(u.kind, "unusable");
    assert.equal(u.kind === "unusable" ? u.reporters : -1, 2);
    assert.deepEqual(
      u.assignees.map((x) => x.kind),
      ["unusable", "unusable", "none"],
    );
    // On a URI input TOO_LARGE is still a report (the declared size, the requester's server).
    const onUri = settlementVerdict(
      job(JobState.revealing, { inputs: [uri], assignments: [tooLarge("a"), tooLarge("b"), revealedA("c")] }),
      rule,
    );
    assert.equal(onUri.kind, "unusable");
  });

  it("audit of a settled job: rejected when > 2/3 of the power disagrees, vindicating the outvoted honest worker; the slash is split requester first", () => {
    const j = job(JobState.settled, {
      audit: AuditStatus.open,
      paid: 100n,
      assignments: [
        { ...revealedA("a", other), outcome: Outcome.accepted, paid: 50n },
        { ...revealedA("b", other), outcome: Outcome.accepted, paid: 50n },
        { ...revealedA("c"), outcome: Outcome.rejected, slashed: 20n },
      ],
      verdicts: [
        {
          validator: "v1",
          sketch: sketchToPb(computeSketch("7", output, rule)),
          digest: new Uint8Array(32),
          unable: false,
          height: 50n,
          auditSketch: null,
        },
      ],
    });
    const t = tally(j, rule, { total: 10n, of: (v) => (v === "v1" ? 7n : 0n) });
    const verdict = settledAuditVerdict(j, t);
    assert.equal(verdict.status, AuditStatus.rejected);
    assert.deepEqual(verdict.winners, [0, 1]);
    assert.deepEqual(verdict.vindicated, [2]);
    const owed = fraudOwed(j, verdict.vindicated);
    assert.deepEqual(
      owed.map((o) => [o.to, o.left]),
      [
        ["req", 100n],
        ["c", 20n + 50n],
      ],
    );
    assert.deepEqual(distribute(130n, owed), [100n, 30n]);
    const weak = tally(j, rule, { total: 10n, of: () => 6n });
    assert.equal(settledAuditVerdict(j, weak).status, AuditStatus.inconclusive, "6 of 10 is not more than 2/3");
  });

  it("audit of unusable reports: rejected when > 2/3 re-ran it alike; the slash refunds the false reporters' fees first, then the rest of the confirmed revealer's ask", () => {
    const verdictOf = (out: ArrayLike<number>) => ({
      validator: "v1",
      sketch: sketchToPb(computeSketch("7", out, rule)),
      digest: new Uint8Array(32),
      unable: false,
      height: 50n,
      auditSketch: null,
    });
    const j = job(JobState.unusable, {
      audit: AuditStatus.open,
      paid: 15n,
      assignments: [
        { ...unusableA("a"), outcome: Outcome.unusable, paid: 5n },
        { ...unusableA("b"), outcome: Outcome.unusable, paid: 5n },
        { ...revealedA("c"), outcome: Outcome.unusable, paid: 5n },
      ],
      verdicts: [verdictOf(output)],
    });
    const powers = { total: 10n, of: (v: string) => (v === "v1" ? 7n : 0n) };
    const v = unusableAuditVerdict(j, tally(j, rule, powers));
    assert.equal(v.status, AuditStatus.rejected);
    assert.deepEqual(v.falseReports, [0, 1]);
    assert.deepEqual(v.vindicated, [2]);
    const owed = falseReportOwed(j, v.falseReports, v.vindicated);
    assert.deepEqual(
      owed.map((o) => [o.to, o.left]),
      [
        ["req", 10n],
        ["c", 50n - 5n],
      ],
    );
    assert.deepEqual(distribute(12n, owed), [10n, 2n], "the requester first");
    // Compensation already made is not owed twice.
    assert.equal(falseReportOwed({ ...j, compensated: 4n }, v.falseReports, v.vindicated)[0]!.left, 6n);
    // Validators that ran it but got another output than c's: the reports are still false, c is not vindicated.
    const elsewhere = { ...j, verdicts: [verdictOf(Float32Array.from({ length: 64 }, (_, i) => -i))] };
    const w = unusableAuditVerdict(elsewhere, tally(elsewhere, rule, powers));
    assert.equal(w.status, AuditStatus.rejected);
    assert.deepEqual(w.vindicated, []);
    // Decided early only once c's result is decided too: 7 of 10 ran it alike, but (tolerance
    // is not transitive) 4 agree with c and 3 do not, so the audit waits for its deadline.
    const t = (agree: bigint, disagree: bigint, unable = 0n) => ({
      total: 10n,
      agree: [0n, 0n, agree],
      disagree: [0n, 0n, disagree],
      ran: agree + disagree,
      ranBy: new Set(["v1", "v2"]),
      unable,
    });
    assert.equal(auditDecided(j, t(4n, 3n)), false);
    assert.equal(auditDecided(j, t(7n, 0n)), true);
    assert.equal(auditDecided(j, t(0n, 7n)), true);
    assert.equal(
      auditDecided({ ...j, assignments: j.assignments.slice(0, 2) }, t(4n, 3n)),
      true,
      "no result to wait for",
    );
    assert.equal(auditDecided(j, t(0n, 0n, 7n)), true, "more than 2/3 unable");
    // 6 of 10 ran it: not decided, nobody slashed or vindicated.
    const weak = unusableAuditVerdict(j, tally(j, rule, { total: 10n, of: () => 6n }));
    assert.deepEqual([weak.status, weak.falseReports, weak.vindicated], [AuditStatus.inconclusive, [], []]);
  });

  it("the codec is the only place the job becomes strings, and it round-trips", () => {
    const j = job(JobState.revealing, {
      assignments: [revealedA("a"), unusableA("b"), assignment("c")],
      history: [{ height: 2n, state: JobState.assigned, note: "x" }],
    });
    assert.deepEqual(jobFromPb(jobToPb(j)), j);
    assert.equal(jobToPb(j).escrow, "300");
    assert.throws(() => jobFromPb({ ...jobToPb(j), escrow: "12abc" }), /whole number/);
    assert.throws(() => jobFromPb({ ...jobToPb(j), state: 42 as JobState }), /unknown value/);
  });
});
