// The worker's counters, served on /metrics in Prometheus text format.

export class WorkerMetrics {
  jobsRun = 0;
  jobsFailed = 0;
  inferenceSeconds = 0;
  commits = 0;
  reveals = 0;
  verdicts = 0;
  unusableReports = 0;
  earned = 0n;
  txErrors = 0;
  /** Problems found in served models at load (a refused challenge input, a wrong registration). */
  modelWarnings = 0;

  render(provider: string): string {
    const l = `{provider="${provider}"}`;
    return [
      "# HELP tcompute_worker_jobs_run_total Jobs this worker ran to a result.",
      "# TYPE tcompute_worker_jobs_run_total counter",
      `tcompute_worker_jobs_run_total${l} ${this.jobsRun}`,
      "# HELP tcompute_worker_jobs_failed_total Jobs that could not be run (bad input, model, fetch).",
      "# TYPE tcompute_worker_jobs_failed_total counter",
      `tcompute_worker_jobs_failed_total${l} ${this.jobsFailed}`,
      "# HELP tcompute_worker_inference_seconds_total Time spent in onnxruntime.",
      "# TYPE tcompute_worker_inference_seconds_total counter",
      `tcompute_worker_inference_seconds_total${l} ${this.inferenceSeconds.toFixed(6)}`,
      "# HELP tcompute_worker_commits_total Commitments sent.",
      "# TYPE tcompute_worker_commits_total counter",
      `tcompute_worker_commits_total${l} ${this.commits}`,
      "# HELP tcompute_worker_reveals_total Reveals sent.",
      "# TYPE tcompute_worker_reveals_total counter",
      `tcompute_worker_reveals_total${l} ${this.reveals}`,
      "# HELP tcompute_worker_unusable_reports_total Jobs whose input this worker reported unusable (fetch, hash, decode).",
      "# TYPE tcompute_worker_unusable_reports_total counter",
      `tcompute_worker_unusable_reports_total${l} ${this.unusableReports}`,
      "# HELP tcompute_worker_verdicts_total Audit verdicts sent.",
      "# TYPE tcompute_worker_verdicts_total counter",
      `tcompute_worker_verdicts_total${l} ${this.verdicts}`,
      "# HELP tcompute_worker_paid_utcu_total Payments for accepted results seen by this worker (the chain's tcompute_jobs_paid_utcu_total, for one provider).",
      "# TYPE tcompute_worker_paid_utcu_total counter",
      `tcompute_worker_paid_utcu_total${l} ${this.earned}`,
      "# HELP tcompute_worker_tx_errors_total Transactions the chain refused or that could not be sent.",
      "# TYPE tcompute_worker_tx_errors_total counter",
      `tcompute_worker_tx_errors_total${l} ${this.txErrors}`,
      "# HELP tcompute_worker_model_warnings_total Problems found in served models when loaded (a challenge input the model refuses, registered inputs that are not the file's).",
      "# TYPE tcompute_worker_model_warnings_total counter",
      `tcompute_worker_model_warnings_total${l} ${this.modelWarnings}`,
      "",
    ].join("\n");
  }
}
