import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { makeTestNetwork, type TestNetwork } from "../../testkit/network.js";
import { startNodeProcess, type NodeProcess } from "../../testkit/nodeProcess.js";

// Four validator processes on 127.0.0.1: agreement, a stream of txs while a validator is
// SIGKILLed and restarted, a halt without fork when two stop, and a fresh full node that syncs.

const alice = rawKeyFromSeed("net-alice");
const bob = rawKeyFromSeed("net-bob");

type Rpc = (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;
const rpcOf = (url: string): Rpc => async (method, params = {}) => {
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
  if (body.result === undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
};

async function heightOf(url: string): Promise<number> {
  try {
    return Number(((await rpcOf(url)("status"))["sync_info"] as { latest_block_height: string }).latest_block_height);
  } catch {
    return -1;
  }
}

async function waitHeight(urls: string[], h: number, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const hs = await Promise.all(urls.map(heightOf));
    if (hs.every((x) => x >= h)) return;
    if (Date.now() > end) throw new Error(`heights ${hs.join(",")} did not reach ${h}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Block hash and app_hash of every height up to h, per node: they must be equal everywhere. */
async function chainOf(url: string, upTo: number): Promise<string[]> {
  const out: string[] = [];
  for (let h = 1; h <= upTo; h++) {
    const b = (await rpcOf(url)("block", { height: String(h) })) as { block_id: { hash: string }; block: { header: { app_hash: string } } };
    out.push(`${b.block_id.hash}/${b.block.header.app_hash}`);
  }
  return out;
}

describe("a network of four validator processes (e2e)", function () {
  this.timeout(240_000);
  let net: TestNetwork;
  const procs: Array<NodeProcess | null> = [];
  const url = (i: number) => procs[i]!.rpcUrl;

  before(async () => {
    net = await makeTestNetwork({ validators: 4, fullNodes: 1, accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 10n ** 12n }] }] });
    for (let i = 0; i < 4; i++) procs.push(await startNodeProcess(net.homes[i]!));
  });

  after(async () => {
    for (const p of procs) await p?.stop("SIGKILL");
  });

  it("all validators decide the same blocks, with the same app_hash at every height", async () => {
    await waitHeight([0, 1, 2, 3].map(url), 5);
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(url(i), 5)));
    for (let i = 1; i < 4; i++) assert.deepEqual(chains[i], chains[0], `node ${i} agrees with node 0`);
  });

  it("keeps committing while a validator is SIGKILLed; it restarts, catches up, and no tx is lost", async () => {
    const hashes: string[] = [];
    let seq = 0n;
    const sendSome = async (n: number, via: number) => {
      for (let i = 0; i < n; i++) {
        const tx = signTx(alice, { chainId: net.chainId, accountNumber: 0n, sequence: seq, msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1" }])], fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n } });
        const r = (await rpcOf(url(via))("broadcast_tx_sync", { tx: Buffer.from(tx).toString("base64") })) as { code: number; hash: string; log: string };
        assert.equal(r.code, 0, r.log);
        hashes.push(createHash("sha256").update(tx).digest("hex").toUpperCase());
        seq++;
      }
    };
    const committed = async (via: number) => {
      for (const hash of hashes) {
        let found = false;
        for (let i = 0; i < 150 && !found; i++) {
          found = await rpcOf(url(via))("tx", { hash }).then(() => true, () => false);
          if (!found) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(found, `tx ${hash} committed and found on node ${via}`);
      }
    };
    await sendSome(5, 0);
    await committed(1);
    await procs[3]!.stop("SIGKILL");
    const h = await heightOf(url(0));
    await sendSome(5, 1);
    await waitHeight([0, 1, 2].map(url), h + 3);
    procs[3] = await startNodeProcess(net.homes[3]!);
    const top = await heightOf(url(0));
    await waitHeight([url(3)], top);
    await committed(3);
    const q = (await rpcOf(url(3))("abci_query", { path: "/cosmos.bank.v1beta1.Query/Balance", data: Buffer.from(QueryBalanceRequest.encode({ address: bob.address, denom: "utcu" }).finish()).toString("hex") })) as { response: { value: string } };
    assert.equal(QueryBalanceResponse.decode(Buffer.from(q.response.value, "base64")).balance!.amount, "10");
    const chains = await Promise.all([0, 3].map((i) => chainOf(url(i), top)));
    assert.deepEqual(chains[1], chains[0]);
  });

  it("halts without forking when two of four stop, and resumes when they return", async () => {
    await procs[2]!.stop("SIGTERM");
    await procs[3]!.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 1500));
    const stuck = await heightOf(url(0));
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok((await heightOf(url(0))) <= stuck + 1, "no progress without 2/3");
    procs[2] = await startNodeProcess(net.homes[2]!);
    procs[3] = await startNodeProcess(net.homes[3]!);
    await waitHeight([0, 1, 2, 3].map(url), stuck + 3);
    const top = stuck + 3;
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(url(i), top)));
    for (let i = 1; i < 4; i++) assert.deepEqual(chains[i], chains[0], `node ${i} agrees after the halt`);
  });

  it("a fresh full node syncs from height 1 and reports the same app_hash", async () => {
    procs[4] = await startNodeProcess(net.homes[4]!);
    const top = await heightOf(url(0));
    await waitHeight([url(4)], top, 90_000);
    assert.deepEqual(await chainOf(url(4), top), await chainOf(url(0), top));
  });
});
