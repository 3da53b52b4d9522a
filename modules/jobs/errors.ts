import { registerError } from "../sdk/errors.js";

/** Stable codes of the jobs codespace. */
export const jobsErrors = {
  invalidJob: registerError("jobs", 2, "invalid job"),
  unknownModel: registerError("jobs", 3, "unknown model"),
  badDenom: registerError("jobs", 4, "price in the wrong denomination"),
  inputTooLarge: registerError("jobs", 5, "inline input too large"),
  jobNotFound: registerError("jobs", 6, "job not found"),
  notRequester: registerError("jobs", 7, "only the requester may do this"),
  badState: registerError("jobs", 8, "the job is not in a state that allows this"),
  invalidParams: registerError("jobs", 9, "invalid jobs params"),
} as const;
