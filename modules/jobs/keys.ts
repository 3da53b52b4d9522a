const p = "jobs/";
const pad = (n: bigint) => n.toString().padStart(20, "0");

export const keys = {
  // -> the next job id
  nextId: `${p}next`,
  // id -> Job
  job: (id: bigint) => `${p}j/${pad(id)}`,
  jobPrefix: `${p}j/`,
  // id -> "" : jobs waiting for providers, matched in id order
  pending: (id: bigint) => `${p}q/${pad(id)}`,
  pendingPrefix: `${p}q/`,
  // (deadline height, id) -> "" : expiry queue
  deadline: (h: bigint, id: bigint) => `${p}d/${pad(h)}/${pad(id)}`,
  deadlinePrefix: `${p}d/`,
  // (requester, id) -> ""
  byRequester: (requester: string, id: bigint) => `${p}r/${requester}/${pad(id)}`,
  byRequesterPrefix: (requester: string) => `${p}r/${requester}/`,
  // provider -> jobs it holds now (slots in use)
  slots: (provider: string) => `${p}s/${provider}`,
};
