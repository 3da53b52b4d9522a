const p = "jobs/";
const pad = (n: bigint) => n.toString().padStart(20, "0");

// Store layout of the jobs module. Every queue is keyed by zero-padded height then id, so that
// iteration is in (height, id) order.
export const keys = {
  // -> the next job id
  nextId: `${p}next`,
  // id -> Job (until pruned)
  job: (id: bigint) => `${p}j/${pad(id)}`,
  jobPrefix: `${p}j/`,
  // id -> Receipt (after pruning)
  receipt: (id: bigint) => `${p}rc/${pad(id)}`,
  receiptPrefix: `${p}rc/`,
  // (requester, id) -> "" : jobs waiting for providers, by requester (matching.ts visits
  // requesters in turn and each one's jobs in id order)
  pending: (requester: string, id: bigint) => `${p}q/${requester}/${pad(id)}`,
  pendingOfPrefix: (requester: string) => `${p}q/${requester}/`,
  // requester -> number of its pending jobs (present while it has any)
  pendingCount: (requester: string) => `${p}qn/${requester}`,
  pendingCountPrefix: `${p}qn/`,
  // requester -> the id matching last examined when it moved on before the requester's last job
  pendingCursor: (requester: string) => `${p}qc/${requester}`,
  // -> the requester matching stopped at when the block's scan budget ran out
  matchCursor: `${p}mc`,
  // (deadline height, id) -> "" : expiry of pending jobs
  deadline: (h: bigint, id: bigint) => `${p}d/${pad(h)}/${pad(id)}`,
  deadlinePrefix: `${p}d/`,
  // (height, id) -> "" : the job's current window ends (or it is ready) at this height
  phase: (h: bigint, id: bigint) => `${p}w/${pad(h)}/${pad(id)}`,
  phasePrefix: `${p}w/`,
  // (height, id) -> "" : the job becomes a receipt at this height
  prune: (h: bigint, id: bigint) => `${p}p/${pad(h)}/${pad(id)}`,
  prunePrefix: `${p}p/`,
  // (requester, id) -> ""
  byRequester: (requester: string, id: bigint) => `${p}r/${requester}/${pad(id)}`,
  byRequesterPrefix: (requester: string) => `${p}r/${requester}/`,
  // (provider, id) -> ""
  byProvider: (provider: string, id: bigint) => `${p}v/${provider}/${pad(id)}`,
  byProviderPrefix: (provider: string) => `${p}v/${provider}/`,
  // (state, id) -> ""
  byState: (state: number, id: bigint) => `${p}st/${String(state).padStart(2, "0")}/${pad(id)}`,
  byStatePrefix: (state: number) => `${p}st/${String(state).padStart(2, "0")}/`,
  // id -> "" : jobs whose audit is open (any state), for auditors to find them all
  openAudit: (id: bigint) => `${p}oa/${pad(id)}`,
  openAuditPrefix: `${p}oa/`,
  // provider -> jobs it holds now (slots in use)
  slots: (provider: string) => `${p}s/${provider}`,
  // validator -> verdicts given; and the number of audits opened
  verdicts: (valoper: string) => `${p}av/${valoper}`,
  auditsOpened: `${p}ao`,
  // requester -> RequesterRecord (jobs that ended unusable, fees paid for them)
  requesterRecord: (requester: string) => `${p}rr/${requester}`,
  requesterRecordPrefix: `${p}rr/`,
  // job id -> Challenge (capability challenges, challenges.ts)
  challenge: (id: bigint) => `${p}ch/${pad(id)}`,
  challengePrefix: `${p}ch/`,
  // job id -> "" while the challenge's job is not final and closed
  challengeOpen: (id: bigint) => `${p}cho/${pad(id)}`,
  challengeOpenPrefix: `${p}cho/`,
  // (provider, job id) -> "" : decided challenges, for the query
  challengeByProvider: (provider: string, id: bigint) => `${p}chp/${provider}/${pad(id)}`,
  challengeByProviderPrefix: (provider: string) => `${p}chp/${provider}/`,
  // (job id, provider) -> DeliveryClaim (non-delivery claims, claims.ts)
  claim: (id: bigint, provider: string) => `${p}cl/${pad(id)}/${provider}`,
  claimPrefix: `${p}cl/`,
  // (deadline height, job id, provider) -> "" : the claim's current window ends here
  claimDue: (h: bigint, id: bigint, provider: string) => `${p}clq/${pad(h)}/${pad(id)}/${provider}`,
  claimDuePrefix: `${p}clq/`,
  // validator (operator address) -> AuditKey (auditKeys.ts)
  auditKey: (valoper: string) => `${p}ak/${valoper}`,
  auditKeyPrefix: `${p}ak/`,
  // (job id, validator) -> the ciphertext of its audit copy, written once (keeper.saveJob)
  auditCopy: (id: bigint, valoper: string) => `${p}acp/${pad(id)}/${valoper}`,
};

/** Splits "<height>/<id>" (the tail of a queue key). */
export function queueEntry(tail: string): [bigint, bigint] {
  const [h, id] = tail.split("/") as [string, string];
  return [BigInt(h), BigInt(id)];
}
