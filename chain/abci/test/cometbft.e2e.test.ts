import assert from "node:assert/strict";
import type { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { RequestFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { Header } from "cosmjs-types/tendermint/types/types";
import { loadGenesisFile } from "../../genesis/genesisDoc.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { parseTime } from "../../../modules/sdk/time.js";
import { createTcomputeApp } from "../../app/tcomputeApp.js";
import { homePaths } from "../../types/nodeConfig.js";
import { StateStore } from "../../store/stateStore.js";
import { gasPrice, sendTokens, stopWithCometChild, testWallet } from "../../testkit/cometbftNodes.js";
import { cometbftEngine } from "../../testkit/engines.js";
import { makeTestHome, startNodeProcess, type NodeProcess, type TestHome } from "../../testkit/nodeProcess.js";
import { rpcOf } from "../../testkit/rpc.js";
import { dataHash, headerHash, resultsHash } from "../../types/hashes.js";

// The application under a real CometBFT v0.38 binary: its blocks replayed into a fresh
// application give CometBFT's app_hash (and its headers hash as the TypeScript engine hashes
// them), and a validator SIGKILLed and restarted rejoins through the ABCI handshake.

const engine = cometbftEngine();

type Json = Record<string, unknown>;
const rpc = (url: string, method: string, params: Json): Promise<Json> => rpcOf(url)(method, params);

const hexb = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

function headerFromJson(h: Json): Header {
  const v = h["version"] as Json;
  const last = h["last_block_id"] as { hash: string; parts: { total: number; hash: string } };
  return {
    version: { block: BigInt(v["block"] as string), app: BigInt((v["app"] as string | undefined) ?? "0") },
    chainId: h["chain_id"] as string,
    height: BigInt(h["height"] as string),
    time: parseTime(h["time"] as string),
    lastBlockId: { hash: hexb(last.hash), partSetHeader: { total: last.parts.total, hash: hexb(last.parts.hash) } },
    lastCommitHash: hexb(h["last_commit_hash"] as string),
    dataHash: hexb(h["data_hash"] as string),
    validatorsHash: hexb(h["validators_hash"] as string),
    nextValidatorsHash: hexb(h["next_validators_hash"] as string),
    consensusHash: hexb(h["consensus_hash"] as string),
    appHash: hexb(h["app_hash"] as string),
    lastResultsHash: hexb(h["last_results_hash"] as string),
    evidenceHash: hexb(h["evidence_hash"] as string),
    proposerAddress: hexb(h["proposer_address"] as string),
  };
}

async function waitFor(what: string, f: () => Promise<boolean>, tries = 150): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await f().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const height = async (url: string) =>
  Number(((await rpc(url, "status", {}))["sync_info"] as Json)["latest_block_height"]);

function cometPid(node: NodeProcess): number {
  const m = /cometbft \S+ pid ([0-9]+)/.exec(node.output());
  assert.ok(m !== null, "tcd reports the cometbft child's pid");
  return Number(m[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe(`the application under a real CometBFT (e2e) ${engine.title}`, function () {
  this.timeout(180_000);
  let home: TestHome;
  let node: NodeProcess | undefined;
  let alice: string;
  let bob: string;
  let wallet: DirectSecp256k1HdWallet;

  before(async function () {
    if (engine.missing !== null) return this.skip();
    const test = await testWallet(3);
    wallet = test.wallet;
    const [a, b, carol] = test.addresses as [string, string, string];
    alice = a;
    bob = b;
    home = await makeTestHome({
      accounts: [
        { address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] },
        { address: carol, coins: [{ denom: "utcu", amount: 1_000_000_000n }] },
      ],
      gentx: { signer: wallet, operator: carol, amount: 100_000_000n },
    });
    node = await startNodeProcess(home.home, await engine.startArgs());
  });

  after(async () => {
    if (node !== undefined) await stopWithCometChild(node);
  });

  const send = (amount: string, n: number) => sendTokens(node!.rpcUrl, wallet, alice, bob, amount, n);

  it("replays CometBFT's blocks into a fresh application to CometBFT's app_hash, and hashes its headers the same way", async () => {
    await send("1000", 3);
    const url = node!.rpcUrl;
    const top = await height(url);
    const genesis = loadGenesisFile(homePaths(home.home).genesis);
    const app = createTcomputeApp(
      { maxTxBytes: 1 << 20, checkInvariants: true, version: "replay" },
      { state: await StateStore.open(null), logger: nopLogger },
    );
    const init = await app.initChain({
      time: genesis.time,
      chainId: genesis.chainId,
      consensusParams: genesis.consensusParams,
      validators: genesis.validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
      appStateBytes: Buffer.from(JSON.stringify(genesis.doc.app_state)),
      initialHeight: genesis.initialHeight,
    });
    let txs = 0;
    let expectedAppHash = hex(init.appHash);
    for (let h = 1; h < top; h++) {
      const res = await rpc(url, "block", { height: String(h) });
      const block = res["block"] as Json;
      const header = headerFromJson(block["header"] as Json);
      assert.equal(
        hex(headerHash(header)),
        (res["block_id"] as Json)["hash"],
        `header ${h} hashes to CometBFT's block hash`,
      );
      assert.equal(hex(header.appHash), expectedAppHash, `app_hash in header ${h}`);
      const blockTxs = (((block["data"] as Json)["txs"] as string[] | null) ?? []).map(b64);
      assert.equal(hex(dataHash(blockTxs)), hex(header.dataHash));
      txs += blockTxs.length;
      // The last commit's signers, in the order of the set that signed it.
      const votes: RequestFinalizeBlock["decidedLastCommit"]["votes"] = [];
      if (h > 1) {
        const sigs = (block["last_commit"] as Json)["signatures"] as Array<{
          block_id_flag: number;
          validator_address: string;
        }>;
        const vals = (await rpc(url, "validators", { height: String(h - 1), per_page: "100" }))["validators"] as Array<{
          address: string;
          voting_power: string;
        }>;
        assert.equal(sigs.length, vals.length);
        for (const [i, s] of sigs.entries())
          votes.push({
            validator: { address: hexb(vals[i]!.address), power: BigInt(vals[i]!.voting_power) },
            blockIdFlag: s.block_id_flag as BlockIDFlag,
          });
      }
      const fin = await app.finalizeBlock({
        txs: blockTxs,
        decidedLastCommit: { round: Number((block["last_commit"] as Json | null)?.["round"] ?? 0), votes },
        misbehavior: [],
        hash: hexb((res["block_id"] as Json)["hash"] as string),
        height: header.height,
        time: header.time,
        nextValidatorsHash: header.nextValidatorsHash,
        proposerAddress: header.proposerAddress,
      });
      await app.commit();
      expectedAppHash = hex(fin.appHash);
      const next = headerFromJson(
        ((await rpc(url, "block", { height: String(h + 1) }))["block"] as Json)["header"] as Json,
      );
      assert.equal(hex(next.appHash), expectedAppHash, `app_hash after block ${h}`);
      assert.equal(hex(resultsHash(fin.txResults)), hex(next.lastResultsHash), `last_results_hash after block ${h}`);
    }
    assert.ok(txs >= 3, `the replayed blocks held the ${txs} txs sent`);
  });

  it("rejoins after the validator (cometbft and the app) is SIGKILLed, through Info and block replay", async () => {
    await send("7", 2);
    const before = await height(node!.rpcUrl);
    const hashBefore = ((await rpc(node!.rpcUrl, "block", { height: String(before) }))["block_id"] as Json)["hash"];
    const balance = async (url: string) => {
      const c = await SigningStargateClient.connectWithSigner(url, wallet, { gasPrice });
      try {
        return (await c.getBalance(bob, "utcu")).amount;
      } finally {
        c.disconnect();
      }
    };
    const bobBefore = await balance(node!.rpcUrl);
    const pid = cometPid(node!);
    process.kill(pid, "SIGKILL");
    await node!.stop("SIGKILL");
    await waitFor("the cometbft child to be gone", async () => !alive(pid));

    node = await startNodeProcess(home.home, await engine.startArgs());
    await waitFor("new blocks after the restart", async () => (await height(node!.rpcUrl)) > before + 2);
    assert.equal(
      ((await rpc(node.rpcUrl, "block", { height: String(before) }))["block_id"] as Json)["hash"],
      hashBefore,
      "the chain kept its blocks",
    );
    assert.equal(await balance(node.rpcUrl), bobBefore, "the app kept its state");
    await send("1", 1);
    assert.equal(BigInt(await balance(node.rpcUrl)), BigInt(bobBefore) + 1n);
  });

  it("stops cometbft when the app alone is SIGKILLed, and rejoins on restart", async () => {
    const before = await height(node!.rpcUrl);
    const pid = cometPid(node!);
    await node!.stop("SIGKILL");
    // CometBFT stops itself when its ABCI connections fail.
    await waitFor("cometbft to exit after its app died", async () => !alive(pid));
    node = await startNodeProcess(home.home, await engine.startArgs());
    await waitFor("new blocks after the restart", async () => (await height(node!.rpcUrl)) > before + 2);
  });
});
