import assert from "node:assert/strict";
import type { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  QueryValidatorSlashesRequest,
  QueryValidatorSlashesResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { QueryRedelegationsRequest, QueryRedelegationsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { CountingStore } from "../../../chain/testkit/countingStore.js";
import { createValidatorMsg, ops, txHelpers, valoper } from "../../../chain/testkit/fixtures.js";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { bech32Prefix, decodeAddress, encodeAddress } from "../../sdk/address.js";
import { pageRequest, testContext } from "../../sdk/test/fixtures.js";

// Redelegations and distribution's ValidatorSlashes page in the store: a page reads the page's
// entries and one more (forward or reverse), not every record, and next_key walks them all.

const req = pageRequest;
const valoperOf = (seed: string) => encodeAddress(decodeAddress(rawKeyFromSeed(seed).address), bech32Prefix.validator);

describe("staking queries that page in the store", () => {
  const delegators = Array.from({ length: 50 }, (_v, i) => rawKeyFromSeed(`redel-${i}`).address).sort();
  const vals = Array.from({ length: 3 }, (_v, i) => valoperOf(`redel-val-${i}`)).sort();
  const slashes = 400;
  let chain: TestChain;
  const slashed = valoper(ops[0]!);
  const { ok } = txHelpers(() => chain);
  /** Every (delegator, src, dst) of the genesis, in key order. */
  const triples: Array<[string, string, string]> = [];
  for (const d of delegators) for (const s of vals) for (const t of vals) if (s !== t) triples.push([d, s, t]);

  before(async () => {
    chain = await createTestChain({
      accounts: [{ address: ops[0]!.address, coins: [{ denom: "utcu", amount: 1_000_000_000n }] }],
      editGenesis: (doc) => {
        const staking = doc.app_state["staking"] as Record<string, unknown>;
        staking["redelegations"] = triples.map(([d, s, t]) => ({
          delegator_address: d,
          validator_src_address: s,
          validator_dst_address: t,
          entries: [
            {
              creation_height: "1",
              completion_time: "2100-01-01T00:00:00Z",
              initial_balance: "5",
              shares_dst: "5.000000000000000000",
            },
          ],
        }));
        staking["validator_slash_events"] = Array.from({ length: slashes }, (_v, i) => ({
          validator_address: slashed,
          height: String(10 + i * 2),
          fraction: "0.010000000000000000",
        }));
      },
    });
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
  });

  /** Runs a query handler over a counting view of the committed store: the answer and the entries read. */
  function counted<T>(path: string, request: Uint8Array, decode: (b: Uint8Array) => T): { res: T; reads: number } {
    return chain.app.withCommittedContext((ctx, modules) => {
      const store = new CountingStore(ctx.store);
      const c = testContext("query", { store, block: ctx.block });
      const handler = modules.map((m) => m.queries[path]).find((h) => h !== undefined);
      assert.ok(handler, path);
      const res = decode(handler(c, request));
      return { res, reads: store.reads };
    });
  }

  const redelegations = "/cosmos.staking.v1beta1.Query/Redelegations";
  const redel = (over: Partial<QueryRedelegationsRequest>, page: Partial<PageRequest>) =>
    counted(
      redelegations,
      QueryRedelegationsRequest.encode({
        delegatorAddr: "",
        srcValidatorAddr: "",
        dstValidatorAddr: "",
        pagination: req(page),
        ...over,
      }).finish(),
      (b) => QueryRedelegationsResponse.decode(b),
    );
  const names = (r: QueryRedelegationsResponse) =>
    r.redelegationResponses.map(({ redelegation: x }) =>
      [x!.delegatorAddress, x!.validatorSrcAddress, x!.validatorDstAddress].join(" "),
    );
  const all = triples.map((t) => t.join(" "));

  it("Redelegations: a 10-item page of 300 reads 11 entries, forward and reverse", () => {
    const fwd = redel({}, { limit: 10n });
    assert.deepEqual(names(fwd.res), all.slice(0, 10));
    assert.equal(fwd.reads, 11);
    const rev = redel({}, { limit: 10n, reverse: true });
    assert.deepEqual(names(rev.res), all.slice(-10).reverse());
    assert.equal(rev.reads, 11);
    const counting = redel({}, { limit: 10n, countTotal: true });
    assert.equal(counting.res.pagination?.total, BigInt(all.length));
  });

  it("Redelegations: a delegator's (from one source) is a key range; next_key walks every one", () => {
    const d = delegators[17]!;
    const mine = all.filter((x) => x.startsWith(`${d} `));
    const one = redel({ delegatorAddr: d }, { limit: 2n });
    assert.deepEqual(names(one.res), mine.slice(0, 2));
    assert.equal(one.reads, 3, "the page and one more");
    const fromSrc = redel({ delegatorAddr: d, srcValidatorAddr: vals[1]! }, { countTotal: true });
    assert.deepEqual(
      names(fromSrc.res),
      mine.filter((x) => x.split(" ")[1] === vals[1]),
    );
    assert.equal(fromSrc.reads, 2, "only that source's entries");
    for (const reverse of [false, true]) {
      const seen: string[] = [];
      let key: Uint8Array = new Uint8Array();
      do {
        const { res } = redel({}, { limit: 7n, key, reverse });
        seen.push(...names(res));
        key = res.pagination?.nextKey ?? new Uint8Array();
      } while (key.length > 0);
      assert.deepEqual(seen, reverse ? [...all].reverse() : all);
    }
    // A filter on the destination (not a key range) keeps the SDK's filtered counting.
    const toDst = redel({ dstValidatorAddr: vals[2]! }, { limit: 5n, countTotal: true });
    const expected = all.filter((x) => x.split(" ")[2] === vals[2]);
    assert.deepEqual(names(toDst.res), expected.slice(0, 5));
    assert.equal(toDst.res.pagination?.total, BigInt(expected.length));
  });

  it("Redelegations: a missing named one is NotFound; a bad key or limit is a coded error", () => {
    assert.throws(
      () => redel({ delegatorAddr: delegators[0]!, srcValidatorAddr: vals[0]!, dstValidatorAddr: vals[0]! }, {}),
      (e: { code?: number }) => e.code === 22,
    );
    assert.throws(
      () => redel({}, { key: Uint8Array.of(0xff) }),
      (e: { code?: number }) => e.code === 18,
    );
    assert.throws(
      () => redel({}, { limit: 5000n, reverse: true }),
      (e: { code?: number }) => e.code === 18,
    );
  });

  const slashesPath = "/cosmos.distribution.v1beta1.Query/ValidatorSlashes";
  const slashQuery = (from: bigint, to: bigint, page: Partial<PageRequest>) =>
    counted(
      slashesPath,
      QueryValidatorSlashesRequest.encode({
        validatorAddress: slashed,
        startingHeight: from,
        endingHeight: to,
        pagination: req(page),
      }).finish(),
      (b) => QueryValidatorSlashesResponse.decode(b),
    );
  const heights = (r: QueryValidatorSlashesResponse) => r.slashes.map((s) => Number(s.validatorPeriod));

  it("ValidatorSlashes: a page within the height range reads that page, not every slash", () => {
    const base = slashQuery(0n, 0n, {}).reads;
    const fwd = slashQuery(300n, 500n, { limit: 10n });
    assert.deepEqual(
      heights(fwd.res),
      Array.from({ length: 10 }, (_v, i) => 300 + i * 2),
    );
    const page = slashQuery(300n, 500n, { limit: 1n });
    assert.ok(fwd.reads - page.reads === 9, `10 slashes read ${fwd.reads}, 1 read ${page.reads}`);
    assert.ok(fwd.reads < 20, `a 10-slash page of ${slashes} read ${fwd.reads} (a full list ${base})`);
    const rev = slashQuery(300n, 500n, { limit: 10n, reverse: true });
    assert.deepEqual(
      heights(rev.res),
      Array.from({ length: 10 }, (_v, i) => 500 - i * 2),
    );
    assert.equal(rev.reads, fwd.reads);
    const total = slashQuery(300n, 500n, { limit: 1n, countTotal: true });
    assert.equal(total.res.pagination?.total, 101n);
    const seen: number[] = [];
    let key: Uint8Array = new Uint8Array();
    do {
      const { res } = slashQuery(11n, 2n ** 64n - 1n, { limit: 64n, key });
      seen.push(...heights(res));
      key = res.pagination?.nextKey ?? new Uint8Array();
    } while (key.length > 0);
    assert.deepEqual(
      seen,
      Array.from({ length: slashes - 1 }, (_v, i) => 12 + i * 2),
      "up to the largest height",
    );
    assert.throws(
      () => slashQuery(300n, 500n, { key: Uint8Array.of(0xc3) }),
      (e: { code?: number }) => e.code === 18,
    );
  });
});
