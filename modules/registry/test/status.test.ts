import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, type RawKey } from "../../../client/sdk/signing.js";
import { AccountKeeper } from "../../auth/keeper.js";
import { BankKeeper } from "../../bank/keeper.js";
import { codecs as jobsCodecs } from "../../jobs/types.js";
import { moduleAddress } from "../../sdk/address.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { any, funded, txHelpers } from "../../../chain/testkit/fixtures.js";
import { registerProviderMsg } from "../../../chain/testkit/providers.js";
import { providerBondsPoolName, RegistryKeeper } from "../keeper.js";
import { codecs, ProviderStatus, type Provider } from "../types.js";

// Provider status rules (docs/jobs.md, "Provider status"): one test per transition, allowed and
// refused, through real transactions. A penalty ends only by the rule that set it: the bond
// restored, the fault jail's time served, a capability challenge passed; never by the provider's
// own MsgUpdateProvider or MsgResumeProvider. A refused message changes nothing.

const requester = rawKeyFromSeed("status-requester");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`status-provider-${i}`));
const model = createHash("sha256").update("status-model").digest("hex");
const minBond = 10_000_000n;
const jailBlocks = 30n;

const offer = (k: RawKey) => ({
  owner: k.address,
  moniker: "p",
  gpus: [{ vendor: "nvidia", model: "T4", memoryMib: 16384, count: 1 }],
  models: [model],
  pricePerUnit: "1utcu",
  slots: 4,
  x25519Pubkey: new Uint8Array(32).fill(3),
  endpoint: "",
});
const registerMsg = (k: RawKey, bond: bigint) => registerProviderMsg(k, 0, { ...offer(k), bond });
const updateMsg = (k: RawKey, addBond: bigint) =>
  any(
    codecs.msgUpdateProvider.typeUrl,
    codecs.msgUpdateProvider.encode({ ...offer(k), moniker: "updated", addBond: addBond.toString() }),
  );
const ownerMsg = (c: { typeUrl: string; encode(m: { owner: string }): Uint8Array }, k: RawKey) =>
  any(c.typeUrl, c.encode({ owner: k.address }));
const pause = (k: RawKey) => ownerMsg(codecs.msgPauseProvider, k);
const resume = (k: RawKey) => ownerMsg(codecs.msgResumeProvider, k);
const unjail = (k: RawKey) => ownerMsg(codecs.msgUnjailProvider, k);
const deregister = (k: RawKey) => ownerMsg(codecs.msgDeregisterProvider, k);
const submitMsg = (n: number) =>
  any(
    jobsCodecs.msgSubmitJob.typeUrl,
    jobsCodecs.msgSubmitJob.encode({
      requester: requester.address,
      model,
      inputs: Array.from({ length: n }, (_, i) => ({ inline: new Uint8Array([i + 1]), uri: "", sha256: "" })),
      sealed: [],
      k: 1,
      maxPricePerUnit: "1utcu",
      deadlineBlocks: "5",
      minReputation: 0,
      gpu: null,
    }),
  );

/** A provider held by a failed capability challenge, as a genesis export would carry it. */
const challenged = (k: RawKey): Provider => ({
  ...offer(k),
  bond: "20000000",
  status: ProviderStatus.jailed,
  unbondingCompletion: "0",
  challengesPassed: 0,
  challengesFailed: 1,
  registeredHeight: "0",
  jailedUntil: "0",
  challengeHold: true,
});

describe("registry: provider status transitions", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const provider = (k: RawKey) =>
    q(
      "/tcompute.registry.v1.Query/Provider",
      codecs.queryProviderRequest.encode({ owner: k.address }),
      (b) => codecs.queryProviderResponse.decode(b).provider!,
    );
  const balance = (address: string) =>
    q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
      BigInt(QueryBalanceResponse.decode(b).balance!.amount),
    );
  const blocks = async (n: number | bigint) => {
    for (let i = 0; i < Number(n); i++) await chain.deliver([]);
  };

  /** The message is refused with this code and the provider and the bond pool are as they were. */
  async function refused(k: RawKey, msg: ReturnType<typeof any>, code: number, pattern?: RegExp): Promise<void> {
    const snapshot = async () => [
      Buffer.from(
        (
          await chain.query(
            "/tcompute.registry.v1.Query/Provider",
            codecs.queryProviderRequest.encode({ owner: k.address }),
          )
        ).value,
      ).toString("hex"),
      await balance(moduleAddress(providerBondsPoolName)),
    ];
    const before = await snapshot();
    await fails(k, [msg], "registry", code, pattern);
    assert.deepEqual(await snapshot(), before, "a refused message changes nothing");
  }

  beforeEach(async () => {
    const withChallenged = challenged(prov[2]!);
    chain = await createTestChain({
      accounts: funded([requester, ...prov]).concat([
        { address: moduleAddress(providerBondsPoolName), coins: [{ denom: "utcu", amount: 20_000_000n }] },
      ]),
      editGenesis: (d) => {
        const reg = d.app_state["registry"] as {
          params: Record<string, string>;
          models: unknown[];
          providers: unknown[];
        };
        Object.assign(reg.params, { provider_unbonding_seconds: "100", fault_jail_blocks: jailBlocks.toString() });
        reg.models = [
          {
            hash: model,
            name: "status",
            inputs: [{ name: "x", dtype: "uint8", shape: [-1] }],
            outputs: [{ name: "y", dtype: "float32", shape: [64] }],
            compute_units: "10",
            rule: { sketch_size: 16, tolerance: 1000, top_k: 0 },
            uri: "",
            owner: requester.address,
            registered_height: "0",
          },
        ];
        reg.providers = [
          {
            ...withChallenged,
            x25519_pubkey: Buffer.from(withChallenged.x25519Pubkey).toString("base64"),
            price_per_unit: withChallenged.pricePerUnit,
            unbonding_completion: "0",
            challenges_passed: 0,
            challenges_failed: 1,
            registered_height: "0",
            jailed_until: "0",
            challenge_hold: true,
            gpus: [{ vendor: "nvidia", model: "T4", memory_mib: 16384, count: 1 }],
          },
        ];
        Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
          commit_window: "2",
          reveal_window: "2",
          max_inputs_per_shard: 1,
          audit_rate_ppm: 0,
          audit_rate_single_ppm: 0,
          audit_rate_low_reputation_ppm: 0,
        });
      },
    });
  });

  it("registers as active; pauses and resumes by its owner; refuses pausing twice or resuming an active provider", async () => {
    await refused(prov[0]!, registerMsg(prov[0]!, minBond - 1n), 9);
    await ok(prov[0]!, [registerMsg(prov[0]!, 20_000_000n)]);
    assert.equal((await provider(prov[0]!)).status, ProviderStatus.active);
    await refused(prov[0]!, resume(prov[0]!), 10, /only a paused provider/);
    await refused(prov[0]!, unjail(prov[0]!), 10, /only a jailed provider/);
    await ok(prov[0]!, [pause(prov[0]!)]);
    assert.equal((await provider(prov[0]!)).status, ProviderStatus.paused);
    await refused(prov[0]!, pause(prov[0]!), 10);
    await ok(prov[0]!, [resume(prov[0]!)]);
    assert.equal((await provider(prov[0]!)).status, ProviderStatus.active);
  });

  it("a bond slashed below the minimum jails; resume and unjail are refused; restoring the bond ends the jail", async () => {
    await ok(prov[0]!, [registerMsg(prov[0]!, minBond)]);
    await ok(requester, [submitMsg(1)]);
    await blocks(4); // never commits: a no-show slashes 1% of the bond
    let p = await provider(prov[0]!);
    assert.equal(p.status, ProviderStatus.jailed);
    assert.equal(p.bond, (minBond - minBond / 100n).toString());
    assert.equal(p.jailedUntil, "0", "one fault is not a fault jail");
    await refused(prov[0]!, resume(prov[0]!), 10, /cannot resume itself.*bond/);
    await refused(prov[0]!, unjail(prov[0]!), 13, /below the minimum/);
    await refused(prov[0]!, pause(prov[0]!), 10);
    // An update that does not restore the bond changes the offer, not the status.
    await ok(prov[0]!, [updateMsg(prov[0]!, 1n)]);
    assert.equal((await provider(prov[0]!)).status, ProviderStatus.jailed);
    await ok(prov[0]!, [updateMsg(prov[0]!, minBond / 100n)]);
    p = await provider(prov[0]!);
    assert.equal(p.bond, (minBond + 1n).toString());
    assert.equal(p.status, ProviderStatus.active, "the bond, the only hold, was restored");
  });

  it("consecutive faults jail for fault_jail_blocks: neither an update with more bond, nor resume, nor an early unjail lifts it; time served does", async () => {
    await ok(prov[0]!, [registerMsg(prov[0]!, 20_000_000n)]);
    await ok(requester, [submitMsg(3)]); // three k = 1 jobs (shards of 1 input), all to the one provider
    await ok(prov[0]!, [pause(prov[0]!)]); // pausing before the faults land does not dodge the jail
    await blocks(4);
    let p = await provider(prov[0]!);
    assert.equal(p.status, ProviderStatus.jailed, "three no-shows in a row jail, also a paused provider");
    const until = BigInt(p.jailedUntil);
    assert.ok(until > BigInt(p.registeredHeight) + jailBlocks);
    assert.ok(BigInt(p.bond) >= minBond, "the bond is not what holds it");
    await ok(prov[0]!, [updateMsg(prov[0]!, 5_000_000n)]);
    p = await provider(prov[0]!);
    assert.equal(p.status, ProviderStatus.jailed, "MsgUpdateProvider with more bond does not end a fault jail");
    assert.equal(p.moniker, "updated");
    await refused(prov[0]!, resume(prov[0]!), 10, /cannot resume itself.*faults until/);
    await refused(prov[0]!, unjail(prov[0]!), 13, /faults until height/);
    const height = chain.app.height;
    await blocks(until - height - 1n); // the unjail tx lands in block `until`
    await ok(prov[0]!, [unjail(prov[0]!)]);
    assert.equal((await provider(prov[0]!)).status, ProviderStatus.active);
  });

  it("a failed capability challenge holds the provider: resume, update and unjail are refused or change no status", async () => {
    const p0 = await provider(prov[2]!);
    assert.equal(p0.status, ProviderStatus.jailed);
    await refused(prov[2]!, resume(prov[2]!), 10, /capability challenge/);
    await refused(prov[2]!, unjail(prov[2]!), 13, /capability challenge/);
    await ok(prov[2]!, [updateMsg(prov[2]!, 1_000_000n)]);
    const p = await provider(prov[2]!);
    assert.equal(p.status, ProviderStatus.jailed);
    assert.equal(p.challengeHold, true);
  });

  it("any provider may leave (jailed ones too) and a leaving provider can be neither resumed, paused, unjailed nor updated", async () => {
    await ok(prov[2]!, [deregister(prov[2]!)]);
    assert.equal((await provider(prov[2]!)).status, ProviderStatus.unbonding);
    await refused(prov[2]!, resume(prov[2]!), 10);
    await refused(prov[2]!, pause(prov[2]!), 10);
    await refused(prov[2]!, unjail(prov[2]!), 10);
    await refused(prov[2]!, deregister(prov[2]!), 10);
    await refused(prov[2]!, updateMsg(prov[2]!, 1n), 10);
  });
});

describe("registry: capability challenges (the keeper rule)", () => {
  function setup(status: ProviderStatus) {
    const accounts = new AccountKeeper();
    const bank = new BankKeeper(accounts, new Set());
    const k = new RegistryKeeper(bank);
    const ctx = testContext("block", { height: 5n, seconds: 100n });
    k.setProvider(ctx.store, { ...challenged(prov[0]!), status, challengeHold: false, challengesFailed: 0 });
    return { k, ctx, get: () => k.getProvider(ctx.store, prov[0]!.address)! };
  }

  it("a failed challenge jails an active or paused provider; only a passed one ends that jail", () => {
    for (const start of [ProviderStatus.active, ProviderStatus.paused]) {
      const { k, ctx, get } = setup(start);
      k.recordChallenge(ctx, prov[0]!.address, false);
      assert.equal(get().status, ProviderStatus.jailed);
      assert.equal(get().challengeHold, true);
      k.recordChallenge(ctx, prov[0]!.address, true);
      assert.equal(get().status, ProviderStatus.active);
      assert.equal(get().challengeHold, false);
    }
  });

  it("a passed challenge does not end a jail something else still holds, nor touch a leaving provider", () => {
    const { k, ctx, get } = setup(ProviderStatus.active);
    k.recordChallenge(ctx, prov[0]!.address, false);
    k.jailProvider(ctx, prov[0]!.address, "3 consecutive faults");
    k.recordChallenge(ctx, prov[0]!.address, true);
    assert.equal(get().status, ProviderStatus.jailed, "the fault jail's time is not served");
    const leaving = setup(ProviderStatus.unbonding);
    leaving.k.recordChallenge(leaving.ctx, prov[0]!.address, false);
    leaving.k.jailProvider(leaving.ctx, prov[0]!.address, "faults");
    assert.equal(leaving.get().status, ProviderStatus.unbonding);
  });
});
