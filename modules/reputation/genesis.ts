import { validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { reputationErrors } from "./errors.js";
import { asArray, asObject, field, optField } from "../sdk/json.js";
import { jsonCodec } from "../sdk/proto.js";
import type { ReputationKeeper } from "./keeper.js";
import { defaultParams, validateParams } from "./params.js";
import { codecs, scoreOne, type ReputationParams, type ReputationRecord } from "./types.js";

const file = "reputation/v1/reputation.proto";
const paramsJson = jsonCodec(file, "tcompute.reputation.v1.Params");
const recordJson = jsonCodec(file, "tcompute.reputation.v1.Record");

export function defaultGenesis() {
  return { params: paramsJson.toJson(codecs.params.encode(defaultParams())), records: [] };
}

export function parseGenesis(json: unknown): { params: ReputationParams; records: ReputationRecord[] } {
  const o = asObject(json, "reputation");
  const params = codecs.params.decode(paramsJson.fromJson(field(o, "params", "reputation"), "reputation.params"));
  validateParams(params);
  const seen = new Set<string>();
  const records = asArray(optField(o, "records") ?? [], "reputation.records").map((r, i) => {
    const rec = codecs.record.decode(recordJson.fromJson(r, `reputation.records[${i}]`));
    validateAddress(rec.provider);
    if (seen.has(rec.provider)) throw reputationErrors.invalidRequest.wrap(`reputation.records: ${rec.provider} twice`);
    seen.add(rec.provider);
    if (rec.score > scoreOne)
      throw reputationErrors.invalidRequest.wrap(`reputation.records[${i}].score above ${scoreOne}`);
    return rec;
  });
  return { params, records };
}

export function initGenesis(ctx: Context, k: ReputationKeeper, g: ReturnType<typeof parseGenesis>): void {
  k.setParams(ctx.store, g.params);
  for (const r of g.records) k.setRecord(ctx.store, r);
}

export function exportGenesis(ctx: Context, k: ReputationKeeper) {
  return {
    params: paramsJson.toJson(codecs.params.encode(k.params(ctx.store))),
    records: [...k.records(ctx.store)].map((r) => recordJson.toJson(codecs.record.encode(r))),
  };
}
