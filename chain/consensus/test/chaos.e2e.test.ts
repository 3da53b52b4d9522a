import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { loadConfig, saveConfig } from "../../types/nodeConfig.js";
import { makeTestNetwork, type TestNetwork } from "../../testkit/network.js";
import { freePort, startNodeProcess, type NodeProcess } from "../../testkit/nodeProcess.js";
import { heightOf as heightAt, rpcOf as rpcAt } from "../../testkit/rpc.js";
import { sleep } from "../../testkit/wait.js";

// Issue 16, "Evidence that it holds": 4 validator processes and a full node under tx load; for
// at least 60 s one validator at a time is killed, restarted, paused or disconnected (seeded
// choices); then every node has the same block hash and app_hash at every height, every tx
// that was ever reported committed is still in its block, and blocks resume after the last fault.

const senders = [0, 1, 2].map((i) => rawKeyFromSeed(`chaos-sender-${i}`));
const sink = rawKeyFromSeed("chaos-sink");

// Every call bounded: a paused node must not stall the load generator.
const rpcOf = (url: string) => rpcAt(url, 3000);
const heightOf = (url: string) => heightAt(url, 3000);

/** A small seeded PRNG (mulberry32): the fault schedule is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("chaos: 4 validators and a full node under tx load, one validator perturbed at a time (e2e)", function () {
  this.timeout(600_000);
  let net: TestNetwork;
  const procs: Array<NodeProcess | null> = [];
  const controls: string[] = [];
  /** Validators not perturbed right now (the full node, 4, always is). */
  const healthy = new Set([0, 1, 2, 3, 4]);
  const url = (i: number) => procs[i]!.rpcUrl;

  before(async () => {
    net = await makeTestNetwork({
      validators: 4,
      fullNodes: 1,
      accounts: [...senders.map((s) => ({ address: s.address, coins: [{ denom: "utcu", amount: 10n ** 12n }] }))],
    });
    for (const home of net.homes) {
      const c = loadConfig(home);
      c.p2p.control_laddr = `tcp://127.0.0.1:${await freePort()}`;
      controls.push(`http://${c.p2p.control_laddr.slice("tcp://".length)}`);
      saveConfig(home, c);
    }
    for (const home of net.homes) procs.push(await startNodeProcess(home));
  });

  after(async () => {
    for (const p of procs) {
      if (p === null) continue;
      p.child.kill("SIGCONT");
      await p.stop("SIGKILL");
    }
  });

  it("holds: same blocks and app_hash everywhere, no committed tx lost, blocks resume", async () => {
    // Tx load: each sender sends one tx at a time through a healthy node and waits for it.
    const committed = new Map<string, number>(); // tx hash -> height
    let stopLoad = false;
    const load = senders.map(async (s) => {
      let seq: bigint | null = null;
      let accountNumber = 0n;
      for (let n = 0; !stopLoad; n++) {
        const via = [...healthy][n % healthy.size]!;
        try {
          if (seq === null) {
            const q = (await rpcOf(url(via))("abci_query", {
              path: "/cosmos.auth.v1beta1.Query/Account",
              data: Buffer.from(QueryAccountRequest.encode({ address: s.address }).finish()).toString("hex"),
            })) as { response: { value: string | null } };
            const acc =
              q.response.value === null
                ? null
                : QueryAccountResponse.decode(Buffer.from(q.response.value, "base64")).account;
            const base = acc === null || acc === undefined ? null : BaseAccount.decode(acc.value);
            seq = base?.sequence ?? 0n;
            accountNumber = base?.accountNumber ?? 0n;
          }
          const tx = signTx(s, {
            chainId: net.chainId,
            accountNumber,
            sequence: seq,
            msgs: [msgSendAny(s.address, sink.address, [{ denom: "utcu", amount: "1" }])],
            fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
          });
          const hash = createHash("sha256").update(tx).digest("hex").toUpperCase();
          const r = (await rpcOf(url(via))("broadcast_tx_sync", { tx: Buffer.from(tx).toString("base64") })) as {
            code: number;
          };
          if (r.code !== 0) {
            seq = null;
            continue;
          }
          let height = -1;
          for (let i = 0; i < 40 && height < 0 && !stopLoad; i++) {
            await sleep(250);
            height = await rpcOf(url(4))("tx", { hash }).then(
              (t) => Number(t["height"]),
              () => -1,
            );
          }
          if (height > 0) {
            committed.set(hash, height);
            seq++;
          } else seq = null; // not seen committed (yet): start again from the committed sequence
        } catch {
          seq = null;
          await sleep(200);
        }
      }
    });

    // Faults, one validator at a time, for at least 60 s.
    const rand = prng(16);
    const faults: string[] = [];
    const started = Date.now();
    while (Date.now() - started < 62_000) {
      const v = Math.floor(rand() * 4);
      const kind = (["kill", "restart", "pause", "disconnect"] as const)[Math.floor(rand() * 4)]!;
      const holdMs = 3000 + Math.floor(rand() * 3000);
      healthy.delete(v);
      faults.push(`${kind} node${v} ${holdMs} ms`);
      const p = procs[v]!;
      if (kind === "kill") {
        await p.stop("SIGKILL");
        await sleep(holdMs);
        procs[v] = await startNodeProcess(net.homes[v]!);
      } else if (kind === "restart") {
        await p.stop("SIGTERM");
        procs[v] = await startNodeProcess(net.homes[v]!);
        await sleep(holdMs);
      } else if (kind === "pause") {
        p.child.kill("SIGSTOP");
        await sleep(holdMs);
        p.child.kill("SIGCONT");
      } else {
        const r = await fetch(`${controls[v]}/p2p/disconnect?seconds=${Math.ceil(holdMs / 1000)}`, { method: "POST" });
        assert.equal(r.status, 200, await r.text());
        await sleep(holdMs + 500);
      }
      healthy.add(v);
      await sleep(1000);
    }
    // Blocks resume after the last fault: every node makes 3 more blocks.
    const after = Math.max(...(await Promise.all([0, 1, 2, 3, 4].map((i) => heightOf(url(i))))));
    for (;;) {
      const hs = await Promise.all([0, 1, 2, 3, 4].map((i) => heightOf(url(i))));
      if (hs.every((h) => h >= after + 3)) break;
      if (Date.now() - started > 62_000 + 60_000)
        assert.fail(`heights ${hs.join(",")} did not pass ${after + 3} after the faults: ${faults.join("; ")}`);
      await sleep(250);
    }
    stopLoad = true;
    await Promise.all(load);
    assert.ok(committed.size >= 10, `txs committed under faults: ${committed.size}`);

    // Same block hash and app_hash at every height on every node.
    const top = Math.min(...(await Promise.all([0, 1, 2, 3, 4].map((i) => heightOf(url(i))))));
    const chains = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        const out: string[] = [];
        for (let h = 1; h <= top; h++) {
          const b = (await rpcOf(url(i))("block", { height: String(h) })) as {
            block_id: { hash: string };
            block: { header: { app_hash: string } };
          };
          out.push(`${b.block_id.hash}/${b.block.header.app_hash}`);
        }
        return out;
      }),
    );
    for (let i = 1; i < 5; i++)
      assert.deepEqual(chains[i], chains[0], `node${i} agrees with node0 on heights 1..${top}`);
    // Every tx reported committed is in its block, on every node.
    for (const [hash, height] of committed) {
      for (let i = 0; i < 5; i++) {
        const t = await rpcOf(url(i))("tx", { hash });
        assert.equal(Number(t["height"]), height, `tx ${hash} at height ${height} on node${i}`);
      }
    }
    process.stdout.write(
      `      chaos: ${faults.length} faults (${faults.join("; ")}), ${committed.size} txs committed, ${top} heights compared\n`,
    );
  });
});
