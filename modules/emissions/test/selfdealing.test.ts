import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, type RawKey } from "../../../client/sdk/signing.js";
import { bytesShapes, registerModelMsg, registerProviderMsg } from "../../../chain/testkit/providers.js";
import { accountOf, any, signedBy, SimWorker, strategies, workersStep } from "../../../chain/testkit/simWorkers.js";
import { codecs as jobsCodecs } from "../../jobs/types.js";
import { decOne } from "../../sdk/coins.js";
import { defaultParams } from "../params.js";
import { funded } from "../../../chain/testkit/fixtures.js";

// Rewards that self-dealing cannot farm (docs/economics.md, "Provider pool"), with emissions on
// and a pool far larger than anything paid, so that only the caps bind:
// - a wash trader — a provider sending sealed k = 1 jobs to itself from a second address and never
//   running the model — ends poorer than it started, even counting its tx fees as free;
// - a registrant declaring enormous compute units for its own model takes nothing from the pool
//   that an honest provider would have had, and gains nothing itself.

const washProvider = rawKeyFromSeed("wash-provider");
const washRequester = rawKeyFromSeed("wash-requester");
const honestProvider = rawKeyFromSeed("pool-honest-provider");
const honestRequester = rawKeyFromSeed("pool-honest-requester");
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const honestModel = sha("pool-honest-model");
const hugeModel = sha("pool-huge-units-model");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const epoch = 40n;
const txFee = 1000n;
const params = defaultParams();
const alpha = params.providerCapMultiple;
const beta = params.jobFeeBurnShare;

describe("emissions: the provider pool cannot be farmed by self-dealing", function () {
  this.timeout(120_000);
  let chain: TestChain;
  const balance = async (address: string) => {
    const res = await chain.query(
      "/cosmos.bank.v1beta1.Query/Balance",
      QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(),
    );
    return BigInt(QueryBalanceResponse.decode(res.value).balance!.amount);
  };
  const send = async (key: RawKey, msgs: ReturnType<typeof any>[]) => {
    const res = await chain.deliver([await signedBy(chain, key, msgs)]);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
  };
  const txsSent = async (key: RawKey) => (await accountOf(chain, key.address)).sequence;
  const registerModel = (owner: RawKey, hash: string, units: string) =>
    registerModelMsg(owner, hash, { name: hash.slice(0, 8), ...bytesShapes, computeUnits: units, rule });
  const registerProvider = (key: RawKey, model: string) =>
    registerProviderMsg(key, 0, {
      moniker: key.address.slice(0, 10),
      gpus: [{ vendor: "nvidia", model: "L4", memoryMib: 24576, count: 1 }],
      models: [model],
      slots: 8,
      x25519Pubkey: new Uint8Array(32).fill(5),
    });
  /** A sealed k = 1 job for exactly one provider: nobody else can take it. */
  const sealedJob = (from: RawKey, model: string, forProvider: RawKey, n: number) =>
    any(
      jobsCodecs.msgSubmitJob.typeUrl,
      jobsCodecs.msgSubmitJob.encode({
        requester: from.address,
        model,
        inputs: [{ inline: new Uint8Array(), uri: "", sha256: sha(`input-${n}`) }],
        sealed: [{ provider: forProvider.address, ciphertext: new Uint8Array(120).fill(n % 256) }],
        sketchKeyHash: new Uint8Array(32).fill(7),
        k: 1,
        maxPricePerUnit: "5utcu",
        deadlineBlocks: "30",
        minReputation: 0,
        gpu: null,
      }),
    );
  const rewards = async (res: Awaited<ReturnType<TestChain["deliver"]>>) =>
    res.events
      .filter((e) => e.type === "provider_reward")
      .map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])) as Record<string, string>);

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([washProvider, washRequester, honestProvider, honestRequester], 100_000_000_000n),
      editGenesis: (d) => {
        // Issuance on: 3,000,000 utcu a block to the provider pool, far more than any cap.
        Object.assign((d.app_state["emissions"] as { params: Record<string, string> }).params, {
          initial_per_block: "10000000",
          providers_share: "0.3",
          validators_share: "0",
          epoch_blocks: epoch.toString(),
        });
        // No audits: the most favourable setting for a wash trader that never runs the model.
        Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
          commit_window: "3",
          reveal_window: "3",
          audit_rate_ppm: 0,
          audit_rate_single_ppm: 0,
          audit_rate_low_reputation_ppm: 0,
        });
      },
    });
  });

  /** Runs until the pool pays at the next epoch end; returns the provider_reward events. */
  async function untilPayout(workers: SimWorker[]): Promise<Record<string, string>[]> {
    for (;;) {
      const next = chain.app.height + 1n;
      if (next % epoch === 0n) return rewards(await chain.deliver([]));
      await workersStep(chain, workers);
    }
  }

  it("a provider paying itself from a second address (sealed, k = 1, never running the model) ends poorer, even with free txs", async () => {
    await send(washProvider, [registerModel(washProvider, hugeModel, "1000")]);
    await send(washProvider, [registerProvider(washProvider, hugeModel)]);
    const owned = async () => (await balance(washProvider.address)) + (await balance(washRequester.address));
    const before = await owned();
    const txsBefore = (await txsSent(washProvider)) + (await txsSent(washRequester));
    const workers = [new SimWorker(washProvider, strategies.lazy, () => rule)];
    const jobs = 20;
    for (let n = 0; n < jobs; n++) {
      await workersStep(chain, workers, [
        await signedBy(chain, washRequester, [sealedJob(washRequester, hugeModel, washProvider, n)]),
      ]);
    }
    const paid = await untilPayout(workers);
    const after = await owned();
    const txs = (await txsSent(washProvider)) + (await txsSent(washRequester)) - txsBefore;
    const pay = 5n * 1000n; // its own ask × units, paid to itself
    const burned = BigInt(jobs) * ((pay * beta) / decOne);
    const reward = BigInt(
      paid.find((r) => r["provider"] === washProvider.address)?.["amount"]?.replace("utcu", "") ?? "0",
    );
    assert.ok(reward > 0n, "emissions are on and the pool pays the wash trader something");
    assert.equal(
      reward,
      (burned * alpha) / decOne,
      `the reward is α × the ${burned} burned (the cap binds: the pool is far larger)`,
    );
    assert.equal(reward, 4000n);
    assert.equal(
      after - before,
      reward - burned - txs * txFee,
      "what it owns moved by the reward, the protocol fee and tx fees only",
    );
    assert.ok(
      after + txs * txFee < before,
      `poorer even if its ${txs} txs had been free: ${after - before + txs * txFee}`,
    );
  });

  it("a registrant declaring enormous compute units gains nothing from the pool and takes nothing from an honest provider", async () => {
    await send(honestRequester, [registerModel(honestRequester, honestModel, "10")]);
    await send(honestProvider, [registerProvider(honestProvider, honestModel)]);
    await send(washProvider, [registerModel(washProvider, hugeModel, "1000000")]); // 10^5 × the honest model's units
    await send(washProvider, [registerProvider(washProvider, hugeModel)]);
    const owned = async () => (await balance(washProvider.address)) + (await balance(washRequester.address));
    const before = await owned();
    const txsBefore = (await txsSent(washProvider)) + (await txsSent(washRequester));
    const workers = [
      new SimWorker(washProvider, strategies.lazy, () => rule),
      new SimWorker(honestProvider, strategies.honest, () => rule),
    ];
    for (let n = 0; n < 5; n++) {
      await workersStep(chain, workers, [
        await signedBy(chain, washRequester, [sealedJob(washRequester, hugeModel, washProvider, n)]),
        await signedBy(chain, honestRequester, [sealedJob(honestRequester, honestModel, honestProvider, n)]),
      ]);
    }
    const paid = await untilPayout(workers);
    const rewardOf = (k: RawKey) =>
      BigInt(paid.find((r) => r["provider"] === k.address)!["amount"]!.replace("utcu", ""));
    // Units weigh nothing: each is paid α × what it burned, the honest provider exactly as if the
    // huge-units model did not exist.
    const honestBurned = 5n * ((5n * 10n * beta) / decOne); // floored per payment
    assert.equal(rewardOf(honestProvider), (honestBurned * alpha) / decOne);
    const washBurned = 5n * ((5n * 1_000_000n * beta) / decOne);
    assert.equal(rewardOf(washProvider), (washBurned * alpha) / decOne);
    const txs = (await txsSent(washProvider)) + (await txsSent(washRequester)) - txsBefore;
    const after = await owned();
    assert.ok(
      after + txs * txFee < before,
      `the huge-units self-dealer lost ${before - after - txs * txFee} besides tx fees`,
    );
  });
});
