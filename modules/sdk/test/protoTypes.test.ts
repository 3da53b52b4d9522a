import assert from "node:assert/strict";
import type { tcompute, onnx } from "../generated/protos.js";
import { codecs as jobsCodecs } from "../../jobs/types.js";
import { msgUpdateParamsCodec as jobsUpdateParams } from "../../jobs/updateParams.js";
import { codecs as registryCodecs } from "../../registry/types.js";
import { msgUpdateParamsCodec as registryUpdateParams } from "../../registry/updateParams.js";
import { codecs as reputationCodecs } from "../../reputation/types.js";
import { msgUpdateParamsCodec as reputationUpdateParams } from "../../reputation/updateParams.js";
import { paramsCodec as emissionsParams } from "../../emissions/params.js";
import { emissionsQueryCodecs } from "../../emissions/queryServer.js";
import { msgUpdateParamsCodec as emissionsUpdateParams } from "../../emissions/govMsgs.js";
import type { OnnxModel } from "../../../client/models/onnx.js";
import type { CheckCodecTable, CodecType, MatchesWire } from "../protoTypes.js";

// Compile-time: every module codec's interface against the type generated from its .proto
// (modules/sdk/protoTypes.ts). `npm run typecheck` fails, naming the codec and the fields, when
// they disagree. The runtime tests below only show the checks are wired.

type Jobs = typeof import("../generated/protos.js").tcompute.jobs.v1;
type Registry = typeof import("../generated/protos.js").tcompute.registry.v1;
type Reputation = typeof import("../generated/protos.js").tcompute.reputation.v1;
type Emissions = typeof import("../generated/protos.js").tcompute.emissions.v1;

const jobsChecked: Record<keyof typeof jobsCodecs, true> = {} as CheckCodecTable<typeof jobsCodecs, Jobs>;
const registryChecked: Record<keyof typeof registryCodecs, true> = {} as CheckCodecTable<
  typeof registryCodecs,
  Registry
>;
const reputationChecked: Record<keyof typeof reputationCodecs, true> = {} as CheckCodecTable<
  typeof reputationCodecs,
  Reputation
>;
const emissionsChecked: Record<keyof typeof emissionsQueryCodecs, true> = {} as CheckCodecTable<
  typeof emissionsQueryCodecs,
  Emissions,
  { schedule: "QueryScheduleResponse"; totals: "QueryTotalsResponse"; providerPool: "QueryProviderPoolResponse" }
>;
const singles: [
  MatchesWire<CodecType<typeof jobsUpdateParams>, tcompute.jobs.v1.MsgUpdateParams>,
  MatchesWire<CodecType<typeof registryUpdateParams>, tcompute.registry.v1.MsgUpdateParams>,
  MatchesWire<CodecType<typeof reputationUpdateParams>, tcompute.reputation.v1.MsgUpdateParams>,
  MatchesWire<CodecType<typeof emissionsUpdateParams>, tcompute.emissions.v1.MsgUpdateParams>,
  MatchesWire<CodecType<typeof emissionsParams>, tcompute.emissions.v1.Params>,
  MatchesWire<OnnxModel, onnx.ModelProto>,
] = [true, true, true, true, true, true];

describe("module interfaces checked against the generated proto types", () => {
  it("covers every codec of the jobs, registry, reputation and emissions tables", () => {
    for (const [name, table, checked] of [
      ["jobs", jobsCodecs, jobsChecked],
      ["registry", registryCodecs, registryChecked],
      ["reputation", reputationCodecs, reputationChecked],
      ["emissions", emissionsQueryCodecs, emissionsChecked],
    ] as const) {
      assert.ok(Object.keys(table).length > 0, `${name} has codecs`);
      assert.equal(typeof checked, "object");
    }
    assert.equal(singles.length, 6);
  });

  it("decodes what the generated codec encodes, field for field, for a registry Model", () => {
    const model = {
      hash: "ab".repeat(32),
      name: "m",
      inputs: [{ name: "x", dtype: "uint8", shape: [-1] }],
      outputs: [],
      computeUnits: "7",
      rule: { sketchSize: 8, tolerance: 1, topK: 0 },
      uri: "",
      owner: "tc1x",
      registeredHeight: "12",
      challengeInputs: [{ name: "x", shape: [3], values: ["0", "255"] }],
    };
    assert.deepEqual(registryCodecs.model.decode(registryCodecs.model.encode(model)), model);
  });
});
