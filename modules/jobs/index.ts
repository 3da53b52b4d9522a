export { createJobsModule } from "./module.js";
export { JobsKeeper, escrowAccount } from "./keeper.js";
export { codecs as jobsCodecs, JobState, type Job } from "./types.js";
export { computeSketch, sketchesAgree, majorityGroup, type Sketch } from "./sketch.js";
