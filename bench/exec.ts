// npm run bench:exec -- [--txs 4000] [--blocks 6] [--senders 300]
// The per-tx execution path alone, in process: CheckTx of every tx (signatures verified there,
// as the node's pre-check worker would, so that block execution finds them verified), then
// FinalizeBlock + Commit, then a re-check of txs still pending. No RPC, consensus or indexing:
// it isolates chain/app, modules and the branch stores. Prints CPU microseconds per tx for each
// phase (process CPU; this is single-threaded) and the last app_hash, so two versions can be
// compared run against run and checked to give the same state.
import { CheckTxType } from "cosmjs-types/tendermint/abci/types";
import { addGenesisAccounts, addGenesisValidator, newGenesisDoc } from "../chain/genesis/build.js";
import { startApp } from "../chain/testkit/inProcessChain.js";
import { msgSendAny } from "../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../client/sdk/signing.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const perBlock = arg("txs", 4000);
const blocks = arg("blocks", 6);
const senders = arg("senders", 300);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3; // ms
};

async function main(): Promise<void> {
  const chainId = "bench-exec";
  const time = { seconds: 1_767_225_600n, nanos: 0 };
  const doc = newGenesisDoc(chainId, time);
  addGenesisValidator(doc, new Uint8Array(32).fill(7), 10n, "val0");
  const keys = Array.from({ length: senders }, (_, i) => rawKeyFromSeed(`bench-${i}`));
  addGenesisAccounts(
    doc,
    keys.map((k) => ({ address: k.address, coins: [{ denom: "utcu", amount: 10n ** 15n }] })),
  );
  const recipient = rawKeyFromSeed("bench-recipient").address;
  const { app, proposer } = await startApp(doc, { checkInvariants: false, version: "bench" });
  const numbers = new Map(keys.map((k) => [k.address, app.accountNumberOf(k.address)!]));
  const seq = new Map(keys.map((k) => [k.address, 0n]));
  const signBlock = (n: number): Uint8Array[] =>
    Array.from({ length: n }, (_, i) => {
      const k = keys[i % senders]!;
      const s = seq.get(k.address)!;
      seq.set(k.address, s + 1n);
      return signTx(k, {
        chainId,
        accountNumber: numbers.get(k.address)!,
        sequence: s,
        msgs: [msgSendAny(k.address, recipient, [{ denom: "utcu", amount: "1" }])],
        fee: { amount: [{ denom: "utcu", amount: "250" }], gasLimit: 100_000n },
        includePubKey: s === 0n,
      });
    });
  let check = 0;
  let deliver = 0;
  let recheck = 0;
  let txs = signBlock(perBlock);
  for (let b = 0; b < blocks; b++) {
    // The next block's txs arrive while this one is pending: they are re-checked after it.
    const following = signBlock(perBlock);
    let t = cpu();
    for (const tx of b === 0 ? [...txs, ...following] : following) {
      const r = await app.checkTx({ tx, type: CheckTxType.NEW });
      if (r.code !== 0) throw new Error(`checkTx: ${r.log}`);
    }
    check += cpu() - t;
    t = cpu();
    const height = app.height + 1n;
    const res = await app.finalizeBlock({
      txs,
      decidedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
      hash: new Uint8Array(32),
      height,
      time: { seconds: time.seconds + height, nanos: 0 },
      nextValidatorsHash: new Uint8Array(32),
      proposerAddress: proposer,
    });
    await app.commit();
    deliver += cpu() - t;
    if (res.txResults.some((r) => r.code !== 0)) throw new Error("a tx failed in the block");
    t = cpu();
    for (const tx of following) {
      const r = await app.checkTx({ tx, type: CheckTxType.RECHECK });
      if (r.code !== 0) throw new Error(`recheck: ${r.log}`);
    }
    recheck += cpu() - t;
    txs = following;
  }
  const n = perBlock * blocks;
  const us = (ms: number, count: number) => ((ms * 1000) / count).toFixed(1);
  process.stdout.write(
    `bench:exec  ${blocks} blocks of ${perBlock} bank sends, ${senders} senders\n` +
      `  CheckTx (incl. signature verify)   ${us(check, n + perBlock)} us/tx\n` +
      `  FinalizeBlock + Commit             ${us(deliver, n)} us/tx\n` +
      `  re-check                           ${us(recheck, n)} us/tx\n` +
      `  app_hash                           ${Buffer.from(app.appHash).toString("hex")}\n`,
  );
}

await main();
