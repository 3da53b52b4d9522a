import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CountingStore } from "../../../chain/testkit/countingStore.js";
import { createTestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { codecs as registryCodecs } from "../../registry/types.js";
import { pageRequest, testContext } from "./fixtures.js";
import { paginate, paginateStore } from "../pagination.js";
import { prefixEnd, utf8 } from "../store.js";

const req = pageRequest;

/** A deterministic generator (fixed seed), so a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe("pagination in the store", () => {
  const n = 500;
  const store = new CountingStore();
  const ids = Array.from({ length: n }, (_v, i) => String(i * 3).padStart(6, "0"));
  for (const id of ids) store.set(`t/${id}`, utf8(`v${id}`));
  store.set("t0", utf8("outside the prefix")); // prefixEnd("t/") = "t0"
  store.set("s/999", utf8("before the prefix"));
  assert.equal(prefixEnd("t/"), "t0");
  const decode = (id: string, v: Uint8Array) => `${id}=${Buffer.from(v).toString()}`;
  const all = ids.map((id) => `${id}=v${id}`);

  it("reads only the page (and the entry after it for next_key), not the whole prefix", () => {
    let decoded = 0;
    store.reads = 0;
    const { page, pagination } = paginateStore(
      store,
      "t/",
      req({ limit: 10n, offset: 200n }),
      (id, v) => (decoded++, decode(id, v)),
    );
    assert.deepEqual(page, all.slice(200, 210));
    assert.equal(Buffer.from(pagination.nextKey).toString(), ids[210]);
    assert.equal(pagination.total, 0n, "no total unless asked");
    assert.equal(decoded, 10, "only the page is decoded");
    assert.equal(store.reads, 211, "offset entries are stepped over by key, the page and one more read");
    store.reads = 0;
    paginateStore(store, "t/", req({ limit: 10n, key: Buffer.from(ids[400]!) }), decode);
    assert.equal(store.reads, 11, "a key page starts at the key: 10 entries and the next");
  });

  it("counts the total only when asked (then reads every key but decodes only the page)", () => {
    let decoded = 0;
    store.reads = 0;
    const { pagination } = paginateStore(
      store,
      "t/",
      req({ limit: 5n, countTotal: true }),
      (id, v) => (decoded++, decode(id, v)),
    );
    assert.equal(pagination.total, BigInt(n));
    assert.equal(store.reads, n);
    assert.equal(decoded, 5);
  });

  it("walks every entry exactly once by following next_key", () => {
    const seen: string[] = [];
    let key: Uint8Array = new Uint8Array();
    let pages = 0;
    do {
      const { page, pagination } = paginateStore(store, "t/", req({ limit: 37n, key }), decode);
      seen.push(...page);
      key = pagination.nextKey;
      pages++;
      assert.ok(pages <= Math.ceil(n / 37), `page ${pages} is one too many`);
    } while (key.length > 0);
    assert.deepEqual(seen, all);
  });

  it("answers exactly what paginate() answers over the whole list (fixed-seed requests, filters, reverse)", () => {
    const r = rng(12);
    for (let i = 0; i < 300; i++) {
      const byKey = r(3) === 0;
      const request = req({
        limit: BigInt(r(4) === 0 ? 0 : r(60) + 1),
        offset: byKey ? 0n : BigInt(r(4) === 0 ? 0 : r(n + 20)),
        key: byKey ? Buffer.from(String(r(n * 3 + 10)).padStart(6, "0")) : new Uint8Array(),
        countTotal: r(2) === 0,
        reverse: r(8) === 0,
      });
      const keep = r(3) === 0 ? (id: string) => Number(id) % 2 === 0 : () => true;
      const filtered = keep("000001") === false;
      const expected = paginate(
        all.filter((x) => keep(x.slice(0, 6))),
        (x) => x.slice(0, 6),
        request,
      );
      const got = paginateStore(store, "t/", request, (id, v) => (keep(id) ? decode(id, v) : null), filtered);
      assert.deepEqual(
        got,
        expected,
        `request ${i}: ${JSON.stringify(request, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString() : v))}`,
      );
    }
  });

  it("refuses a limit over the cap and key with offset, as before", () => {
    assert.throws(() => paginateStore(store, "t/", req({ limit: 1001n }), decode), /exceeds 1000/);
    assert.throws(
      () => paginateStore(store, "t/", req({ key: utf8("000003"), offset: 1n }), decode),
      /either offset or key/,
    );
  });

  it("pages in reverse from the store's end, reading the page and one more", () => {
    store.reads = 0;
    const { page, pagination } = paginateStore(store, "t/", req({ limit: 10n, reverse: true }), decode);
    assert.deepEqual(page, all.slice(-10).reverse());
    assert.equal(Buffer.from(pagination.nextKey).toString(), ids[n - 11]);
    assert.equal(store.reads, 11, "a 10-item reverse page of 500 reads 11 entries");
    store.reads = 0;
    const byKey = paginateStore(store, "t/", req({ limit: 10n, key: Buffer.from(ids[100]!), reverse: true }), decode);
    assert.deepEqual(byKey.page, all.slice(91, 101).reverse(), "a reverse key page starts at the key, going down");
    assert.equal(Buffer.from(byKey.pagination.nextKey).toString(), ids[90]);
    assert.equal(store.reads, 11);
    store.reads = 0;
    const offset = paginateStore(store, "t/", req({ limit: 10n, offset: 20n, reverse: true }), decode);
    assert.deepEqual(offset.page, all.slice(n - 30, n - 20).reverse());
    assert.equal(store.reads, 31, "the skipped entries, the page and one more");
  });

  it("walks every entry once in reverse by following next_key; total as a forward page", () => {
    const seen: string[] = [];
    let key: Uint8Array = new Uint8Array();
    let pages = 0;
    do {
      const { page, pagination } = paginateStore(store, "t/", req({ limit: 37n, key, reverse: true }), decode);
      seen.push(...page);
      key = pagination.nextKey;
      assert.ok(++pages <= Math.ceil(n / 37), `page ${pages} is one too many`);
    } while (key.length > 0);
    assert.deepEqual(seen, [...all].reverse());
    const counted = paginateStore(store, "t/", req({ limit: 5n, countTotal: true, reverse: true }), decode);
    assert.equal(counted.pagination.total, BigInt(n));
    const keyed = paginateStore(
      store,
      "t/",
      req({ limit: 5n, key: utf8(ids[9]!), countTotal: true, reverse: true }),
      decode,
    );
    assert.equal(keyed.pagination.total, 0n, "no total for a key page (the SDK's rule)");
  });

  it("pages only within bounds, both ways", () => {
    const bounds = { start: ids[10]!, end: ids[40]! };
    store.reads = 0;
    const fwd = paginateStore(store, "t/", req({ limit: 100n, countTotal: true }), decode, false, bounds);
    assert.deepEqual(fwd.page, all.slice(10, 40));
    assert.equal(fwd.pagination.total, 30n);
    assert.equal(store.reads, 30, "nothing outside the bounds is read");
    const rev = paginateStore(store, "t/", req({ limit: 5n, reverse: true }), decode, false, bounds);
    assert.deepEqual(rev.page, all.slice(35, 40).reverse());
    const past = paginateStore(
      store,
      "t/",
      req({ limit: 5n, key: utf8(ids[300]!), reverse: true }),
      decode,
      false,
      bounds,
    );
    assert.deepEqual(past.page, all.slice(35, 40).reverse(), "a key past the bounds starts at the bound");
  });

  it("refuses a key that is no next_key (not UTF-8, or past one byte a character) with a coded error", () => {
    for (const key of [Uint8Array.of(0xff, 0xfe), utf8("00\u4e00")])
      for (const reverse of [false, true]) {
        store.reads = 0;
        assert.throws(
          () => paginateStore(store, "t/", req({ key, reverse }), decode),
          (e: { codespace?: string; code?: number; message: string }) =>
            e.codespace === "sdk" && e.code === 18 && /invalid pagination key/.test(e.message),
        );
        assert.equal(store.reads, 0, "refused before reading");
        assert.throws(() => paginate(all, (x) => x, req({ key, reverse })), /invalid pagination key/);
      }
    assert.throws(
      () => paginateStore(store, "t/", req({ limit: 1001n, reverse: true }), decode),
      (e: { code?: number }) => e.code === 18,
    );
  });
});

describe("a module query over many records", () => {
  it("registry Models reads one page of the store and its next_key round-trips through the query", async () => {
    const owner = rawKeyFromSeed("page-owner").address;
    const models = Array.from({ length: 300 }, (_v, i) => ({
      hash: createHash("sha256").update(`model-${i}`).digest("hex"),
      name: `m${i}`,
      // Genesis holds each model to a registration's checks (registry/modelSpec.ts).
      inputs: [{ name: "x", dtype: "float32", shape: ["-1", "4"] }],
      outputs: [{ name: "y", dtype: "float32", shape: ["-1", "2"] }],
      compute_units: "1",
      rule: { sketch_size: 8, tolerance: 0, top_k: 0 },
      uri: "",
      owner,
      registered_height: "0",
    }));
    const chain = await createTestChain({
      editGenesis: (d) => ((d.app_state["registry"] as { models: unknown[] }).models = models),
    });
    const path = "/tcompute.registry.v1.Query/Models";
    const ask = (pagination: { key: Uint8Array; offset: string; limit: string; countTotal: boolean }) =>
      registryCodecs.queryModelsRequest.encode({ pagination });
    const reads = chain.app.withCommittedContext((ctx, modules) => {
      const counting = new CountingStore(ctx.store);
      const c = testContext("query", { store: counting, block: ctx.block });
      const res = registryCodecs.queryModelsResponse.decode(
        modules.find((m) => m.name === "registry")!.queries[path]!(
          c,
          ask({ key: new Uint8Array(), offset: "0", limit: "20", countTotal: false }),
        ),
      );
      assert.equal(res.models.length, 20);
      return counting.reads;
    });
    assert.ok(reads <= 21 + 2, `a 20-model page read ${reads} store entries of 300`);
    const hashes: string[] = [];
    let key: Uint8Array = new Uint8Array();
    do {
      const res = await chain.query(path, ask({ key, offset: "0", limit: "64", countTotal: false }));
      assert.equal(res.code, 0, res.log);
      const page = registryCodecs.queryModelsResponse.decode(res.value);
      hashes.push(...page.models.map((m) => m.hash));
      key = page.pagination?.nextKey ?? new Uint8Array();
    } while (key.length > 0);
    assert.deepEqual(hashes, models.map((m) => m.hash).sort());
    const total = registryCodecs.queryModelsResponse.decode(
      (await chain.query(path, ask({ key: new Uint8Array(), offset: "0", limit: "1", countTotal: true }))).value,
    );
    assert.equal(total.pagination?.total, "300");
  });
});
