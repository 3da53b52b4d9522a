import assert from "node:assert/strict";
import { StargateClient } from "@cosmjs/stargate";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { homePaths, loadConfig, type NodeConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { freePort, makeTestHome } from "../../testkit/nodeProcess.js";
import { levelKV, type AsyncKV } from "../../store/asyncKV.js";
import { openDB } from "../../store/db.js";
import { BlockStore } from "../../store/blockStore.js";
import { hashTx } from "../../mempool/mempool.js";
import { legacyIndexBlock } from "../../store/test/legacyTxIndex.js";

// Every reader of the tx index (JSON-RPC tx / tx_search, cosmjs getTx / searchTx, the REST
// txs routes, abci_query GetTx / GetTxsEvent) answers byte for byte the same whether the index
// holds the binary r/ records, the t/ values an older node wrote, or both (a node upgraded in
// place); and a damaged record is answered with txindex 3, not a crash.

const alice = rawKeyFromSeed("txcompat-alice");
const bob = rawKeyFromSeed("txcompat-bob");

describe("tx index readers: binary records and the t/ values of older stores", function () {
  this.timeout(120_000);
  let home: string;
  let chainId: string;
  let config: NodeConfig;
  let node: Node | null = null;
  const hashes: string[] = [];

  const start = async () => {
    node = await createNode({ home, config }, { logger: nopLogger });
    await node.start();
  };
  const stop = async () => {
    await node?.stop();
    node = null;
  };
  const rpc = async (method: string, params: Record<string, unknown>): Promise<string> =>
    (
      await fetch(`http://${node!.rpcAddress}`, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }),
      })
    ).text();
  const rest = async (path: string): Promise<string> => {
    const r = await fetch(`http://${node!.apiAddress}${path}`);
    return `${r.status} ${await r.text()}`;
  };
  const send = (key: typeof alice, seq: bigint, memo: string) =>
    Buffer.from(
      signTx(key, {
        chainId,
        accountNumber: key === alice ? 0n : 1n,
        sequence: seq,
        memo,
        msgs: [
          msgSendAny(key.address, (key === alice ? bob : alice).address, [{ denom: "utcu", amount: `${seq + 1n}` }]),
        ],
        fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
      }),
    ).toString("base64");

  /** Every answer of every reader, as the bytes a client receives (bigints as text for cosmjs). */
  async function answers(): Promise<string[]> {
    const out: string[] = [];
    for (const h of [...hashes, "00".repeat(32)]) {
      out.push(await rpc("tx", { hash: Buffer.from(h, "hex").toString("base64") }));
      out.push(await rpc("tx", { hash: Buffer.from(h, "hex").toString("base64"), prove: true }));
      out.push(await rest(`/cosmos/tx/v1beta1/txs/${h}`));
      out.push(await rest(`/cosmos/tx/v1beta1/txs/${h.toLowerCase()}`));
      const getTx = new Uint8Array([10, 64, ...Buffer.from(h, "ascii")]);
      // abci_query answers at the latest height, which moves between runs: that field is masked.
      const q = await rpc("abci_query", {
        path: "/cosmos.tx.v1beta1.Service/GetTx",
        data: Buffer.from(getTx).toString("hex"),
      });
      out.push(q.replace(/"proofOps":null,"height":"[0-9]+"/, '"proofOps":null,"height":"H"'));
    }
    const queries = [
      `message.sender='${alice.address}'`,
      `message.sender='${bob.address}'`,
      `transfer.recipient='${bob.address}' AND tx.height>=2`,
      "tx.height>=1",
      `tx.hash='${hashes[3]}'`,
      "message.sender='tc1nobody'",
    ];
    for (const query of queries) {
      for (const order_by of ["asc", "desc", ""])
        for (const [page, per_page] of [
          ["1", "100"],
          ["1", "2"],
          ["2", "2"],
          ["3", "3"],
          ["9", "3"],
        ])
          out.push(await rpc("tx_search", { query, order_by, page, per_page, prove: order_by === "desc" }));
      for (const order of ["ORDER_BY_ASC", "ORDER_BY_DESC"])
        for (const [page, limit] of [
          ["1", "100"],
          ["2", "3"],
        ])
          out.push(
            await rest(
              `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(query)}&order_by=${order}&page=${page}&limit=${limit}`,
            ),
          );
    }
    const client = await StargateClient.connect(`http://${node!.rpcAddress}`);
    const text = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
    try {
      for (const h of hashes) out.push(text(await client.getTx(h)));
      out.push(text(await client.searchTx(`message.sender='${alice.address}'`)));
      out.push(text(await client.searchTx([{ key: "message.sender", value: bob.address }])));
    } finally {
      client.disconnect();
    }
    return out;
  }

  /** Opens the stopped node's tx index and block store. */
  async function openStores(): Promise<{ index: AsyncKV; blocks: BlockStore; close(): Promise<void> }> {
    const paths = homePaths(home);
    const blockKV = levelKV(await openDB(paths.blockDb));
    const index = levelKV(await openDB(paths.txIndexDb));
    return {
      index,
      blocks: await BlockStore.open(blockKV),
      close: async () => {
        await index.close();
        await blockKV.close();
      },
    };
  }

  /**
   * Rewrites the stopped node's data/tx_index.db as a node before the r/ records wrote it, for
   * the heights up to `upTo` (all stored ones if null); the node indexes the rest when it starts.
   */
  async function rewriteOldWay(upTo: bigint | null): Promise<void> {
    const s = await openStores();
    try {
      const del: Array<[string, null]> = [];
      for await (const [k] of s.index.scan("")) del.push([k, null]);
      await s.index.write(del);
      for (let h = s.blocks.base; h <= (upTo ?? s.blocks.height); h++) {
        const txs = (await s.blocks.loadBlock(h))!.data!.txs;
        await legacyIndexBlock(s.index, h, txs, txs.map(hashTx), (await s.blocks.loadResults(h))!.txResults);
      }
      const prefixes = new Set<string>();
      for await (const [k] of s.index.scan("")) prefixes.add(k.slice(0, 2));
      assert.deepEqual([...prefixes].sort(), ["e/", "s/", "t/"]);
    } finally {
      await s.close();
    }
  }

  const same = (got: string[], want: string[]) => {
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++)
      assert.ok(got[i] === want[i], `answer ${i} differs:\n${got[i]!.slice(0, 400)}\n${want[i]!.slice(0, 400)}`);
  };

  before(async () => {
    const made = await makeTestHome({
      accounts: [
        { address: alice.address, coins: [{ denom: "utcu", amount: 100_000_000n }] },
        { address: bob.address, coins: [{ denom: "utcu", amount: 100_000_000n }] },
      ],
    });
    home = made.home;
    chainId = made.chainId;
    config = loadConfig(home);
    config.consensus.timeout_commit = "100ms";
    config.api.enable = true;
    config.api.address = `tcp://127.0.0.1:${await freePort()}`;
    await start();
    // Three blocks at least: txs of both senders, non-ASCII memos.
    for (const [key, seqs] of [
      [alice, [0n, 1n, 2n]],
      [bob, [0n]],
      [alice, [3n, 4n]],
      [bob, [1n, 2n]],
    ] as const) {
      for (const [i, s] of seqs.entries()) {
        const method = i === seqs.length - 1 ? "broadcast_tx_commit" : "broadcast_tx_sync";
        const r = JSON.parse(await rpc(method, { tx: send(key, s, `ünï ${s} ✓`) })) as {
          result: { hash: string; code?: number; check_tx?: { code: number }; tx_result?: { code: number } };
        };
        assert.equal(r.result.code ?? r.result.check_tx?.code, 0, JSON.stringify(r));
        if (r.result.tx_result !== undefined) assert.equal(r.result.tx_result.code, 0);
        hashes.push(r.result.hash);
      }
    }
  });

  after(stop);

  let want: string[];
  it("answers from t/ values written by an older node exactly as from the r/ records", async () => {
    want = await answers();
    assert.ok(want.every((a) => !a.includes("corrupt")));
    // The answers are answers: each tx found by every reader, searches with their totals.
    for (const [i, h] of hashes.entries()) {
      assert.equal((JSON.parse(want[5 * i]!) as { result: { hash: string } }).result.hash, h);
      assert.ok(want[5 * i + 2]!.startsWith("200 ") && want[5 * i + 2]!.includes(h), want[5 * i + 2]);
    }
    assert.ok(want[5 * hashes.length]!.includes("not found"));
    const all = want.find((a) => a.includes('"total_count":"5"'));
    assert.ok(all !== undefined, "alice's five txs");
    await stop();
    await rewriteOldWay(null);
    await start();
    same(await answers(), want);
  });

  it("answers the same when upgraded in place midway (old values below, records above)", async () => {
    const mid = BigInt(
      (JSON.parse(await rpc("tx", { hash: hashes[3] })) as { result: { height: string } }).result.height,
    );
    await stop();
    await rewriteOldWay(mid);
    await start();
    same(await answers(), want);
    const s = await (async () => {
      await stop();
      return openStores();
    })();
    try {
      const prefixes = new Set<string>();
      for await (const [k] of s.index.scan("")) prefixes.add(k.slice(0, 2));
      assert.deepEqual([...prefixes].sort(), ["e/", "i/", "r/", "s/", "t/"]);
    } finally {
      await s.close();
    }
    await start();
  });

  it("answers a damaged record with txindex 3 on every reader and keeps serving", async () => {
    await stop();
    const s = await openStores();
    const last = hashes[hashes.length - 1]!;
    try {
      const rec = (await s.index.get(`r/${last}`))!;
      assert.ok(rec !== undefined && (await s.index.get(`t/${hashes[0]}`)) !== undefined);
      await s.index.write([
        [`r/${last}`, rec.subarray(0, 20)],
        [`t/${hashes[0]}`, Buffer.from('{"h":"1","x":0,"t":"AQ', "utf8")],
      ]);
    } finally {
      await s.close();
    }
    await start();
    for (const h of [last, hashes[0]!]) {
      const t = JSON.parse(await rpc("tx", { hash: h })) as { error: { code: number; data: string } };
      assert.equal(t.error.code, -32603, h);
      assert.match(t.error.data, /corrupt tx index record/, h);
      const q = JSON.parse(await rpc("tx_search", { query: `tx.hash='${h}'` })) as {
        error: { code: number; data: string };
      };
      assert.equal(q.error.code, -32603, h);
      assert.match(q.error.data, /corrupt tx index record/, h);
      const r = JSON.parse((await rest(`/cosmos/tx/v1beta1/txs/${h}`)).slice(4)) as { code: number; message: string };
      assert.equal((await rest(`/cosmos/tx/v1beta1/txs/${h}`)).slice(0, 3), "500", h);
      assert.match(r.message, /corrupt tx index record/, h);
      const getTx = new Uint8Array([10, 64, ...Buffer.from(h, "ascii")]);
      const a = JSON.parse(
        await rpc("abci_query", { path: "/cosmos.tx.v1beta1.Service/GetTx", data: Buffer.from(getTx).toString("hex") }),
      ) as { result: { response: { code: number; codespace: string } } };
      assert.deepEqual([a.result.response.codespace, a.result.response.code], ["txindex", 3], h);
      const e = await rest(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`tx.hash='${h}'`)}`);
      assert.ok(e.startsWith("500 ") && e.includes("corrupt tx index record"), e);
    }
    // Undamaged txs are still served.
    same([await rpc("tx", { hash: Buffer.from(hashes[1]!, "hex").toString("base64") })], [want[5]!]);
  });
});
