import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

// The worker's own store: one file per job it has a result for (salt, digest, sketch, the served
// output), written atomically (temporary file, fsync, rename) before the commitment is sent, so
// that a worker killed at any moment still reveals after a restart and loses no payment.

export interface PendingResult {
  jobId: string;
  requester: string;
  salt: string; // hex
  digest: string; // hex
  sketch: { components: string[]; topK: number[]; length: string };
  /** The served output (ResultPayload bytes), base64. */
  output: string;
  /** The input could not be used: this record commits and reveals unusable(reason, input) instead. */
  unusable?: { reason: number; input: number };
  /** The payment for this result was added to the earnings metric. */
  paidCounted?: boolean;
  /** Verdicts: the output's sketch under the audit signs (modules/jobs/auditVerdicts.ts). */
  auditSketch?: { components: string[]; topK: number[]; length: string };
  /** Validator verdicts (audit mode) use the same store: a record means the verdict was sent. */
  kind: "result" | "verdict";
}

export class WorkerStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(kind: string, jobId: string): string {
    if (!/^[0-9]{1,20}$/.test(jobId)) throw new Error(`bad job id ${jobId}`);
    return join(this.dir, `${kind}-${jobId}.json`);
  }

  put(r: PendingResult): void {
    const final = this.path(r.kind, r.jobId);
    const tmp = `${final}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(r));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
  }

  get(kind: PendingResult["kind"], jobId: string): PendingResult | null {
    const p = this.path(kind, jobId);
    if (!existsSync(p)) return null;
    try {
      return JSON.parse(readFileSync(p, "utf8")) as PendingResult;
    } catch {
      // A torn file cannot happen with rename; anything unreadable is dropped, not fatal.
      return null;
    }
  }

  delete(kind: PendingResult["kind"], jobId: string): void {
    rmSync(this.path(kind, jobId), { force: true });
  }

  list(kind: PendingResult["kind"]): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.startsWith(`${kind}-`) && f.endsWith(".json"))
      .map((f) => f.slice(kind.length + 1, -5));
  }
}
