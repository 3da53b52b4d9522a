import assert from "node:assert/strict";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { makeTestHome, type NodeProcess, type TestHome } from "./nodeProcess.js";

// What the CometBFT end-to-end tests share: the test wallet that funds them, the home they start a
// node in, sending through a node's RPC, and stopping a `tcd start --engine cometbft` process
// together with its cometbft child.

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
export const gasPrice = GasPrice.fromString("0.0025utcu");

/** The test wallet (tc prefix) with its first `accounts` HD accounts, and their addresses in order. */
export async function testWallet(accounts: number): Promise<{ wallet: DirectSecp256k1HdWallet; addresses: string[] }> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
    prefix: "tc",
    hdPaths: Array.from({ length: accounts }, (_, i) => makeCosmoshubPath(i)),
  });
  return { wallet, addresses: (await wallet.getAccounts()).map((a) => a.address) };
}

/**
 * A node home where `alice` holds 10^10 utcu and `operator` 10^9, of which it bonds 100 TCU as the
 * node's one staking validator (a gentx signed by `signer`), so that the node signs blocks.
 */
export function validatorHome(signer: DirectSecp256k1HdWallet, alice: string, operator: string): Promise<TestHome> {
  return makeTestHome({
    accounts: [
      { address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] },
      { address: operator, coins: [{ denom: "utcu", amount: 1_000_000_000n }] },
    ],
    gentx: { signer, operator, amount: 100_000_000n },
  });
}

/** Sends `amount` utcu from `from` to `to` `n` times through `rpcUrl`, each tx asserted to succeed. */
export async function sendTokens(
  rpcUrl: string,
  wallet: DirectSecp256k1HdWallet,
  from: string,
  to: string,
  amount: string,
  n: number,
): Promise<void> {
  const client = await SigningStargateClient.connectWithSigner(rpcUrl, wallet, { gasPrice });
  try {
    for (let i = 0; i < n; i++) {
      const r = await client.sendTokens(from, to, [{ denom: "utcu", amount }], "auto");
      assert.equal(r.code, 0, r.rawLog);
    }
  } finally {
    client.disconnect();
  }
}

/** Stops the node process, then SIGKILLs the cometbft child it reported if that outlived it. */
export async function stopWithCometChild(node: NodeProcess): Promise<void> {
  const pid = /cometbft \S+ pid ([0-9]+)/.exec(node.output());
  await node.stop();
  if (pid === null) return;
  try {
    process.kill(Number(pid[1]), "SIGKILL");
  } catch {
    // already gone
  }
}
