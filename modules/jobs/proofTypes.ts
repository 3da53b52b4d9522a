import { codecs } from "./types.js";

// Messages of the proof-of-work-and-delivery protocol (issue 11: commit–reveal verdicts),
// mirroring the end of proto/jobs/v1/jobs.proto; the codecs live in types.ts's table, where
// protoTypes.test.ts checks them against the generated types.

export type { MsgCommitVerdict, MsgRevealVerdict } from "./types.js";

export const proofCodecs = {
  msgCommitVerdict: codecs.msgCommitVerdict,
  msgCommitVerdictResponse: codecs.msgCommitVerdictResponse,
  msgRevealVerdict: codecs.msgRevealVerdict,
  msgRevealVerdictResponse: codecs.msgRevealVerdictResponse,
};
