import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CheckTxType,
  Request,
  ResponseOfferSnapshot_Result,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
} from "cosmjs-types/tendermint/abci/types";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { addGenesisAccount, addGenesisValidator, newGenesisDoc } from "../../genesis/build.js";
import { parseGenesis } from "../../genesis/genesisDoc.js";
import type { Logger } from "../../../modules/sdk/context.js";
import { createTcomputeApp } from "../../app/tcomputeApp.js";
import { StateStore } from "../../store/stateStore.js";
import { testGenesisTime } from "../../testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { connectAbci, type AbciClient } from "../client.js";
import { encodeUvarint, frame } from "../frame.js";
import { createAbciServer, type AbciServer } from "../server.js";

const alice = "tc1qyqszqgpqyqszqgpqyqszqgpqyqszqgpp3w76r";
const padKey = rawKeyFromSeed("abci-pad");

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (lvl: string) => (msg: string, f?: Record<string, unknown>) =>
    void lines.push(
      `${lvl} ${msg} ${JSON.stringify(f ?? {}, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
    );
  return { lines, debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
}

function genesis() {
  const doc = newGenesisDoc("tcompute-abci-1", testGenesisTime);
  addGenesisValidator(doc, new Uint8Array(32).fill(7), 10n, "val0");
  addGenesisAccount(doc, alice, [{ denom: "utcu", amount: 5_000n }]);
  const g = parseGenesis(JSON.parse(JSON.stringify(doc)));
  return {
    g,
    initChain: {
      time: g.time,
      chainId: g.chainId,
      consensusParams: g.consensusParams,
      validators: g.validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
      appStateBytes: Buffer.from(JSON.stringify(doc.app_state)),
      initialHeight: g.initialHeight,
    },
  };
}

async function newApp() {
  return createTcomputeApp(
    { maxTxBytes: 1 << 20, checkInvariants: true, version: "test" },
    { state: await StateStore.open(null), logger: recordingLogger() },
  );
}

function finalize(height: bigint, txs: Uint8Array[], proposer: Uint8Array) {
  return {
    txs,
    decidedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
    hash: new Uint8Array(32).fill(Number(height)),
    height,
    time: { seconds: testGenesisTime.seconds + height, nanos: 0 },
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: proposer,
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const tick = () => new Promise((r) => setTimeout(r, 20));

describe("ABCI 2.0 socket server (CometBFT v0.38 framing)", () => {
  let server: AbciServer;
  let logger: ReturnType<typeof recordingLogger>;
  const clients: AbciClient[] = [];
  const open = async (addr = server.address) => {
    const c = await connectAbci(addr);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    logger = recordingLogger();
    server = await createAbciServer(
      { address: "tcp://127.0.0.1:0", maxMessageBytes: 1 << 20, maxConnections: 6, maxQueuedRequests: 8 },
      { app: await newApp(), logger },
    );
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
  });

  it("answers Echo, Flush and Info", async () => {
    const c = await open();
    assert.equal((await c.call({ echo: { message: "hello" } })).echo?.message, "hello");
    assert.deepEqual((await c.call({ flush: {} })).flush, {});
    const info = (
      await c.call({ info: { version: "0.38.26", blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" } })
    ).info!;
    assert.equal(info.data, "tcompute");
    assert.equal(info.lastBlockHeight, 0n);
  });

  it("runs a chain over four connections (unix socket) to the same app_hash as direct calls", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "abci-")), "app.sock");
    const unixServer = await createAbciServer({ address: `unix://${path}` }, { app: await newApp(), logger });
    try {
      const [consensus, mempool, query, snapshot] = (await Promise.all(
        [0, 1, 2, 3].map(() => open(`unix://${path}`)),
      )) as [AbciClient, AbciClient, AbciClient, AbciClient];
      const { g, initChain } = genesis();
      const direct = await newApp();
      const directInit = await direct.initChain(initChain);
      const init = (await consensus.call({ initChain })).initChain!;
      assert.equal(hex(init.appHash), hex(directInit.appHash));
      assert.equal(init.validators.length, 0);

      const garbage = new Uint8Array([1, 2, 3]);
      const checked = (await mempool.call({ checkTx: { tx: garbage, type: CheckTxType.NEW } })).checkTx!;
      assert.notEqual(checked.code, 0);
      assert.ok(checked.codespace !== "");
      const rechecked = (await mempool.call({ checkTx: { tx: garbage, type: CheckTxType.RECHECK } })).checkTx!;
      assert.equal(rechecked.code, checked.code);

      const proposer = g.validators[0]!.address;
      const prep = (
        await consensus.call({
          prepareProposal: {
            maxTxBytes: 1000n,
            // Decodable txs of ~600 bytes each (PrepareProposal leaves out txs that do not decode).
            txs: [0n, 1n].map((sequence) =>
              signTx(padKey, {
                chainId: "tcompute-abci-1",
                accountNumber: 9n,
                sequence,
                msgs: [msgSendAny(padKey.address, alice, [{ denom: "utcu", amount: "1" }])],
                fee: { amount: [{ denom: "utcu", amount: "1" }], gasLimit: 100_000n },
                memo: "x".repeat(400),
              }),
            ),
            localLastCommit: { round: 0, votes: [] },
            misbehavior: [],
            height: 1n,
            time: testGenesisTime,
            nextValidatorsHash: new Uint8Array(32),
            proposerAddress: proposer,
          },
        })
      ).prepareProposal!;
      assert.equal(prep.txs.length, 1, "PrepareProposal keeps txs within max_tx_bytes");
      const proc = (
        await consensus.call({
          processProposal: {
            txs: [],
            proposedLastCommit: { round: 0, votes: [] },
            misbehavior: [],
            hash: new Uint8Array(32),
            height: 1n,
            time: testGenesisTime,
            nextValidatorsHash: new Uint8Array(32),
            proposerAddress: proposer,
          },
        })
      ).processProposal!;
      assert.equal(proc.status, ResponseProcessProposal_ProposalStatus.ACCEPT);

      for (const h of [1n, 2n]) {
        const txs = h === 1n ? [garbage] : [];
        const fin = (await consensus.call({ finalizeBlock: finalize(h, txs, proposer) })).finalizeBlock!;
        const want = await direct.finalizeBlock(finalize(h, txs, proposer));
        assert.equal(hex(fin.appHash), hex(want.appHash));
        assert.equal(fin.txResults.length, txs.length);
        const ext = (await consensus.call({ extendVote: { hash: new Uint8Array(32), height: h } })).extendVote!;
        assert.equal(ext.voteExtension.length, 0);
        const ver = (
          await consensus.call({
            verifyVoteExtension: {
              hash: new Uint8Array(32),
              validatorAddress: proposer,
              height: h,
              voteExtension: new Uint8Array(),
            },
          })
        ).verifyVoteExtension!;
        assert.equal(ver.status, ResponseVerifyVoteExtension_VerifyStatus.ACCEPT);
        assert.equal((await consensus.call({ commit: {} })).commit!.retainHeight, 0n);
        await direct.commit();
      }
      const info = (await query.call({ info: {} })).info!;
      assert.equal(info.lastBlockHeight, 2n);
      assert.equal(hex(info.lastBlockAppHash), hex(direct.appHash));
      const q = (
        await query.call({
          query: {
            path: "/cosmos.bank.v1beta1.Query/Balance",
            data: QueryBalanceRequest.encode({ address: alice, denom: "utcu" }).finish(),
            height: 0n,
            prove: false,
          },
        })
      ).query!;
      assert.equal(q.code, 0, q.log);
      assert.equal(QueryBalanceResponse.decode(q.value).balance?.amount, "5000");
      assert.equal(q.height, 2n);

      assert.deepEqual((await snapshot.call({ listSnapshots: {} })).listSnapshots!.snapshots, []);
      assert.equal(
        (await snapshot.call({ offerSnapshot: { appHash: new Uint8Array(32) } })).offerSnapshot!.result,
        ResponseOfferSnapshot_Result.REJECT,
      );
      assert.equal(
        (await snapshot.call({ loadSnapshotChunk: { height: 1n, format: 1, chunk: 0 } })).loadSnapshotChunk!.chunk
          .length,
        0,
      );
      assert.ok(
        (await snapshot.call({ applySnapshotChunk: { index: 0, chunk: new Uint8Array(), sender: "" } }))
          .applySnapshotChunk !== undefined,
      );
    } finally {
      for (const c of clients.splice(0)) c.close();
      await unixServer.close();
    }
  });

  it("answers an app error with an exception and keeps serving", async () => {
    const c = await open();
    const res = await c.call({ commit: {} });
    assert.match(res.exception?.error ?? "", /commit without finalizeBlock/);
    assert.equal((await c.call({ echo: { message: "still here" } })).echo?.message, "still here");
    assert.ok(logger.lines.some((l) => l.startsWith("error abci request failed in the application")));
  });

  it("answers an unknown request (a removed v0.37 call) with an exception and keeps the connection", async () => {
    // Field 9 was DeliverTx before ABCI 2.0: a v0.38 server does not know it.
    const deliverTx = Uint8Array.from([0x4a, 0x02, 0x0a, 0x00]);
    const fresh = await open();
    fresh.writeRaw(frame(deliverTx));
    const after = await fresh.call({ echo: { message: "after" } });
    // The raw frame has no waiter: its answer (an exception) is the first the client reads.
    assert.equal(after.exception?.error, "unknown request");
    assert.equal((await fresh.call({ echo: { message: "again" } })).echo?.message, "again");
    assert.ok(logger.lines.some((l) => l.startsWith("warn abci request of an unknown type")));
  });

  it("closes a connection that sends a frame that is not a Request, and serves the next one", async () => {
    const c = await open();
    c.writeRaw(frame(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    await c.closed;
    assert.ok(logger.lines.some((l) => l.startsWith("warn abci request is not a valid Request protobuf")));
    assert.equal((await (await open()).call({ echo: { message: "ok" } })).echo?.message, "ok");
  });

  it("closes a connection that announces an oversized message, before reading it", async () => {
    const c = await open();
    c.writeRaw(encodeUvarint((1 << 20) + 1));
    await c.closed;
    assert.ok(logger.lines.some((l) => l.includes("exceeds the limit of 1048576")));
  });

  it("closes a connection whose length prefix never ends", async () => {
    const c = await open();
    c.writeRaw(new Uint8Array(11).fill(0x80));
    await c.closed;
    assert.ok(logger.lines.some((l) => l.includes("length prefix is longer than 10 bytes")));
  });

  it("logs a peer that disconnects mid-message and keeps serving others", async () => {
    const c = await open();
    const full = frame(Request.encode(Request.fromPartial({ echo: { message: "cut short" } })).finish());
    c.writeRaw(full.subarray(0, 5));
    await tick();
    c.close();
    for (let i = 0; i < 50 && !logger.lines.some((l) => l.includes("mid-message")); i++) await tick();
    assert.ok(
      logger.lines.some((l) => l.includes("peer closed mid-message (4 bytes of 13)")),
      logger.lines.join("\n"),
    );
    assert.equal((await (await open()).call({ echo: { message: "ok" } })).echo?.message, "ok");
  });

  it("refuses connections beyond its limit", async () => {
    for (let i = 0; i < 6; i++) await (await open()).call({ flush: {} });
    const extra = await open();
    await extra.closed;
    assert.ok(logger.lines.some((l) => l.startsWith("warn abci connection refused: too many connections")));
  });

  it("answers pipelined requests in order", async () => {
    const c = await open();
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => c.call({ echo: { message: `m${i}` } })));
    assert.deepEqual(
      res.map((r) => r.echo?.message),
      Array.from({ length: 200 }, (_, i) => `m${i}`),
    );
  });
});
