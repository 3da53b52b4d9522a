import assert from "node:assert/strict";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { ed25519Address } from "../../crypto/ed25519.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { hexAddress, setFromProto } from "../../state/chainState.js";

// One engine for every network size: a genesis with one validator runs the BFT engine, so a
// full node syncs from it and a second validator joins by staking, as on a Cosmos network.

const alice = rawKeyFromSeed("solo-alice");

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a one-validator genesis", function () {
  this.timeout(120_000);
  let hn: HubNetwork | null = null;
  after(async () => hn?.stop());

  it("is a BFT network of one: a full node syncs from it and a second validator joins by MsgCreateValidator", async () => {
    hn = await startHubNetwork({
      validators: 1,
      fullNodes: 1,
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 10n ** 12n }] }],
    });
    const [val, full] = hn.nodes as [(typeof hn.nodes)[0], (typeof hn.nodes)[0]];
    assert.ok(val.p2p !== null, "the lone validator listens for peers");
    await until(() => full.state().lastBlockHeight >= 3n, 60_000, "the full node syncs");
    for (let h = 1n; h <= 3n; h++)
      assert.deepEqual((await full.blockStore.loadMeta(h))!.blockId, (await val.blockStore.loadMeta(h))!.blockId);
    // The full node's key becomes a validator with 2/3 of the power: from then on no block is
    // made without it.
    const acc = BaseAccount.decode(
      QueryAccountResponse.decode(
        (
          await val.app.query({
            path: "/cosmos.auth.v1beta1.Query/Account",
            data: QueryAccountRequest.encode({ address: alice.address }).finish(),
            height: 0n,
            prove: false,
          })
        ).value,
      ).account!.value,
    );
    const msg = {
      typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
      value: MsgCreateValidator.encode(
        MsgCreateValidator.fromPartial({
          description: { moniker: "joiner" },
          commission: { rate: "100000000000000000", maxRate: "200000000000000000", maxChangeRate: "10000000000000000" },
          minSelfDelegation: "1",
          validatorAddress: toBech32("tcvaloper", fromBech32(alice.address, 90).data),
          pubkey: {
            typeUrl: "/cosmos.crypto.ed25519.PubKey",
            value: Ed25519PubKey.encode({ key: full.validatorKey.pubKey }).finish(),
          },
          value: { denom: "utcu", amount: "200000000" },
        }),
      ).finish(),
    };
    const tx = signTx(alice, {
      chainId: hn.net.chainId,
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      msgs: [msg],
      fee: { amount: [{ denom: "utcu", amount: "2000" }], gasLimit: 400_000n },
    });
    const added = await val.mempool.add(tx);
    assert.equal(added.code, 0, added.log);
    const joiner = hexAddress(ed25519Address(full.validatorKey.pubKey));
    let joinedAt = 0n;
    await until(
      async () => {
        for (let h = 1n; h <= val.blockStore.height && joinedAt === 0n; h++) {
          const set = await val.blockStore.loadValidators(h);
          if (set !== null && setFromProto(set).get(joiner) !== undefined) joinedAt = h;
        }
        return joinedAt > 0n;
      },
      60_000,
      "the new validator in a set",
    );
    assert.equal(setFromProto((await val.blockStore.loadValidators(joinedAt))!).powerOf(joiner), 200n);
    // It signs: its precommit is in the commits of the heights after it joined, and the chain
    // goes on (it holds 2/3 of the power, so nothing is decided without it).
    await until(() => val.state().lastBlockHeight >= joinedAt + 2n, 60_000, "two heights with the new validator");
    const commit = (await val.blockStore.loadSeenCommit(joinedAt + 1n))!;
    assert.ok(
      commit.signatures.some(
        (s) => s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT && hexAddress(s.validatorAddress) === joiner,
      ),
      "the new validator signed",
    );
  });
});
