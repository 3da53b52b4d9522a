import { jobsErrors } from "./errors.js";
import {
  AuditStatus,
  isOpen,
  JobState,
  Outcome,
  UnusableReason,
  type Assignment as AssignmentPb,
  type AuditSealedInput,
  type GpuRequirement,
  type Input as InputPb,
  type Job as JobPb,
  type Receipt,
  type SealedInput,
  type SketchPb,
  type Transition as TransitionPb,
  type Verdict as VerdictPb,
} from "./types.js";

// The job as the state machine sees it: heights, amounts and ids are bigints, states and
// outcomes are enums. types.ts holds the wire form (decimal strings, as the .proto says); the
// two meet only here, in jobFromPb / jobToPb, which the keeper calls when it loads and saves.

export interface Transition {
  height: bigint;
  state: JobState;
  note: string;
}

export interface Input {
  inline: Uint8Array;
  uri: string;
  sha256: string;
  /** A URI input's declared size in bytes (0: undeclared). */
  size: bigint;
}

export interface Assignment {
  provider: string;
  gpu: string;
  /** The provider's ask when it was assigned, a coin ("5utcu"). */
  pricePerUnit: string;
  commitment: Uint8Array;
  committedHeight: bigint;
  digest: Uint8Array;
  sketch: SketchPb | null;
  outputUri: string;
  revealedHeight: bigint;
  outcome: Outcome;
  paid: bigint;
  slashed: bigint;
  /** Set by MsgRevealUnusable (unspecified: not reported). */
  unusable: UnusableReason;
  unusableInput: number;
}

export interface Verdict {
  validator: string;
  sketch: SketchPb | null;
  digest: Uint8Array;
  unable: boolean;
  height: bigint;
  /** Under the audit signs (auditVerdicts.ts); null when unable. */
  auditSketch: SketchPb | null;
}

export interface Job {
  id: bigint;
  requester: string;
  model: string;
  inputs: Input[];
  sealed: SealedInput[];
  k: number;
  /** The most the requester pays per compute unit, a coin ("5utcu"). */
  maxPricePerUnit: string;
  deadlineHeight: bigint;
  minReputation: number;
  gpu: GpuRequirement | null;
  state: JobState;
  escrow: bigint;
  assignments: Assignment[];
  createdHeight: bigint;
  assignedHeight: bigint;
  /** The height whose end-block runs the job's next step (0: not scheduled). */
  phaseDeadline: bigint;
  computeUnits: bigint;
  history: Transition[];
  batchId: bigint;
  shardIndex: number;
  shardCount: number;
  audit: AuditStatus;
  auditDeadline: bigint;
  verdicts: Verdict[];
  paid: bigint;
  refunded: bigint;
  compensated: bigint;
  finalHeight: bigint;
  /** Audits by commit–reveal (auditVerdicts.ts): the validators bonded when the audit opened. */
  auditors: string[];
  verdictCommits: VerdictCommit[];
  /** Verdicts are revealed from this height (0: no audit opened). */
  verdictRevealHeight: bigint;
  /** Sealed jobs: sha256 of the sketch key each sealed copy carries (empty: public sketches). */
  sketchKeyHash: Uint8Array;
  /** Sealed jobs: copies sealed to validators' audit keys; these validators can audit it (auditKeys.ts). */
  auditSealed: AuditSealedInput[];
  /** A final job: when it is replaced by its receipt (0: not scheduled). */
  pruneHeight: bigint;
}

export interface VerdictCommit {
  validator: string;
  commitment: Uint8Array;
  height: bigint;
}

const uint = /^[0-9]{1,20}$/;

/** A decimal string of the wire form ("" is proto's default, 0). */
function num(s: string | undefined, what: string): bigint {
  if (s === undefined || s === "") return 0n;
  if (!uint.test(s))
    throw jobsErrors.invalidJob.wrap(`${what} must be a whole number, not ${JSON.stringify(s.slice(0, 40))}`);
  return BigInt(s);
}

function enumOf<T extends number>(values: Record<string, T>, v: number | undefined, what: string): T {
  const n = v ?? 0;
  if (!(Object.values(values) as number[]).includes(n)) throw jobsErrors.invalidJob.wrap(`${what}: unknown value ${n}`);
  return n as T;
}

export function jobFromPb(pb: JobPb): Job {
  const at = `job ${pb.id}`;
  return {
    id: num(pb.id, `${at}: id`),
    requester: pb.requester,
    model: pb.model,
    inputs: pb.inputs.map((i: InputPb) => ({
      inline: i.inline,
      uri: i.uri,
      sha256: i.sha256,
      size: num(i.size, `${at}: input size`),
    })),
    sealed: pb.sealed,
    k: pb.k,
    maxPricePerUnit: pb.maxPricePerUnit,
    deadlineHeight: num(pb.deadlineHeight, `${at}: deadline_height`),
    minReputation: pb.minReputation,
    gpu: pb.gpu,
    state: enumOf(JobState, pb.state, `${at}: state`),
    escrow: num(pb.escrow, `${at}: escrow`),
    assignments: pb.assignments.map((a: AssignmentPb) => ({
      provider: a.provider,
      gpu: a.gpu,
      pricePerUnit: a.pricePerUnit,
      commitment: a.commitment,
      committedHeight: num(a.committedHeight, `${at}: committed_height`),
      digest: a.digest,
      sketch: a.sketch,
      outputUri: a.outputUri,
      revealedHeight: num(a.revealedHeight, `${at}: revealed_height`),
      outcome: enumOf(Outcome, a.outcome, `${at}: outcome`),
      paid: num(a.paid, `${at}: assignment paid`),
      slashed: num(a.slashed, `${at}: assignment slashed`),
      unusable: enumOf(UnusableReason, a.unusable, `${at}: unusable`),
      unusableInput: a.unusableInput ?? 0,
    })),
    createdHeight: num(pb.createdHeight, `${at}: created_height`),
    assignedHeight: num(pb.assignedHeight, `${at}: assigned_height`),
    phaseDeadline: num(pb.phaseDeadline, `${at}: phase_deadline`),
    computeUnits: num(pb.computeUnits, `${at}: compute_units`),
    history: pb.history.map((t: TransitionPb) => ({
      height: num(t.height, `${at}: history height`),
      state: enumOf(JobState, t.state, `${at}: history state`),
      note: t.note,
    })),
    batchId: num(pb.batchId, `${at}: batch_id`),
    shardIndex: pb.shardIndex,
    shardCount: pb.shardCount,
    audit: enumOf(AuditStatus, pb.audit, `${at}: audit`),
    auditDeadline: num(pb.auditDeadline, `${at}: audit_deadline`),
    verdicts: pb.verdicts.map((v: VerdictPb) => ({
      validator: v.validator,
      sketch: v.sketch,
      digest: v.digest,
      unable: v.unable,
      height: num(v.height, `${at}: verdict height`),
      auditSketch: v.auditSketch ?? null,
    })),
    paid: num(pb.paid, `${at}: paid`),
    refunded: num(pb.refunded, `${at}: refunded`),
    compensated: num(pb.compensated, `${at}: compensated`),
    finalHeight: num(pb.finalHeight, `${at}: final_height`),
    auditors: pb.auditors ?? [],
    verdictCommits: (pb.verdictCommits ?? []).map((c) => ({
      validator: c.validator,
      commitment: c.commitment,
      height: num(c.height, `${at}: verdict commit height`),
    })),
    verdictRevealHeight: num(pb.verdictRevealHeight, `${at}: verdict_reveal_height`),
    pruneHeight: num(pb.pruneHeight, `${at}: prune_height`),
    sketchKeyHash: pb.sketchKeyHash ?? new Uint8Array(),
    auditSealed: pb.auditSealed ?? [],
  };
}

export function jobToPb(j: Job): JobPb {
  return {
    id: j.id.toString(),
    requester: j.requester,
    model: j.model,
    inputs: j.inputs.map((i) => ({ inline: i.inline, uri: i.uri, sha256: i.sha256, size: i.size.toString() })),
    sealed: j.sealed,
    k: j.k,
    maxPricePerUnit: j.maxPricePerUnit,
    deadlineHeight: j.deadlineHeight.toString(),
    minReputation: j.minReputation,
    gpu: j.gpu,
    state: j.state,
    escrow: j.escrow.toString(),
    assignments: j.assignments.map((a) => ({
      provider: a.provider,
      gpu: a.gpu,
      pricePerUnit: a.pricePerUnit,
      commitment: a.commitment,
      committedHeight: a.committedHeight.toString(),
      digest: a.digest,
      sketch: a.sketch,
      outputUri: a.outputUri,
      revealedHeight: a.revealedHeight.toString(),
      outcome: a.outcome,
      paid: a.paid.toString(),
      slashed: a.slashed.toString(),
      unusable: a.unusable,
      unusableInput: a.unusableInput,
    })),
    createdHeight: j.createdHeight.toString(),
    assignedHeight: j.assignedHeight.toString(),
    phaseDeadline: j.phaseDeadline.toString(),
    computeUnits: j.computeUnits.toString(),
    history: j.history.map((t) => ({ height: t.height.toString(), state: t.state, note: t.note })),
    batchId: j.batchId.toString(),
    shardIndex: j.shardIndex,
    shardCount: j.shardCount,
    audit: j.audit,
    auditDeadline: j.auditDeadline.toString(),
    verdicts: j.verdicts.map((v) => ({
      validator: v.validator,
      sketch: v.sketch,
      digest: v.digest,
      unable: v.unable,
      height: v.height.toString(),
      auditSketch: v.auditSketch,
    })),
    paid: j.paid.toString(),
    refunded: j.refunded.toString(),
    compensated: j.compensated.toString(),
    finalHeight: j.finalHeight.toString(),
    auditors: j.auditors,
    verdictCommits: j.verdictCommits.map((c) => ({
      validator: c.validator,
      commitment: c.commitment,
      height: c.height.toString(),
    })),
    verdictRevealHeight: j.verdictRevealHeight === 0n ? "" : j.verdictRevealHeight.toString(),
    pruneHeight: j.pruneHeight === 0n ? "" : j.pruneHeight.toString(),
    sketchKeyHash: j.sketchKeyHash,
    auditSealed: j.auditSealed,
  };
}

/** What is kept of a final job after retention (the digest of the result that was accepted). */
export function receiptOf(j: Job, prunedHeight: bigint): Receipt {
  const accepted = j.assignments.find((a) => a.outcome === Outcome.accepted || a.outcome === Outcome.fraud);
  return {
    id: j.id.toString(),
    requester: j.requester,
    model: j.model,
    state: j.state,
    paid: j.paid.toString(),
    refunded: j.refunded.toString(),
    compensated: j.compensated.toString(),
    finalHeight: j.finalHeight.toString(),
    batchId: j.batchId.toString(),
    digest: accepted?.digest ?? new Uint8Array(),
    providers: j.assignments.map((a) => a.provider),
    prunedHeight: prunedHeight.toString(),
  };
}

export { isOpen };
/** States in which assignees hold one of their slots. */
export const holdsSlots = (s: JobState) => s === JobState.assigned || s === JobState.revealing;

export const committed = (a: Assignment) => a.commitment.length > 0;
export const revealed = (a: Assignment) => a.sketch !== null && a.revealedHeight !== 0n;
/** Revealed "unusable input" instead of a result (MsgRevealUnusable). */
export const reportedUnusable = (a: Assignment) => a.unusable !== UnusableReason.unspecified && a.revealedHeight !== 0n;
/** Revealed either a result or "unusable". */
export const answered = (a: Assignment) => revealed(a) || reportedUnusable(a);
/**
 * Whether the input's bytes are on chain, so that workers fetch nothing and their size is bounded
 * by max_inline_input_bytes: inline bytes, or a sealed job's copies.
 */
export const heldOnChain = (j: Job, input: Input) => j.sealed.length > 0 || input.inline.length > 0;
/**
 * A RESOURCES report (this worker lacks the memory or device for this input), or a TOO_LARGE one
 * on an input held on chain (heldOnChain): the worker's own limit, not the input's fault, and
 * nothing anyone can check. It is a *decline*: never paid an unusable fee, never counted towards
 * an UNUSABLE verdict nor against the requester, never slashed. Counted as an "unusable" report,
 * it let a sybil majority collect the fee on any inline job without running it; slashed when
 * others ran the input, it let a requester with one big provider get honest smaller workers
 * slashed.
 */
export function declined(j: Job, a: Assignment): boolean {
  if (!reportedUnusable(a)) return false;
  // RESOURCES: the model runs, but not on this input on this worker (memory, device): any input.
  if (a.unusable === UnusableReason.resources) return true;
  if (a.unusable !== UnusableReason.tooLarge) return false;
  const input = j.inputs[a.unusableInput];
  return input !== undefined && heldOnChain(j, input);
}
/** An "unusable" report that is not a decline: about the input, and judged. */
export const reportedAgainstInput = (j: Job, a: Assignment) => reportedUnusable(a) && !declined(j, a);
