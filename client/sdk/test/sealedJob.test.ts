import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import nacl from "tweetnacl";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { any, txHelpers } from "../../../chain/testkit/fixtures.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { codecs as jobsCodecs, JobState } from "../../../modules/jobs/types.js";
import { codecs as registryCodecs, ProviderStatus } from "../../../modules/registry/types.js";
import { open, sealToCandidates } from "../sealing.js";
import { rawKeyFromSeed } from "../signing.js";

// The SDK's sealed-job path (what TcomputeClient.submitJob({ sealed: true }) and tcd tx jobs
// submit --sealed send) on the in-process chain: the candidates come from the chain's Providers
// query, the message passes the jobs module's sealed checks, matching draws only among the
// candidates, and the assignee's key opens its copy to the input whose sha256 is on chain.

const requester = rawKeyFromSeed("sealed-sdk-requester");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`sealed-sdk-provider-${i}`));
const boxKeys = [0, 1, 2].map((i) => nacl.box.keyPair.fromSecretKey(new Uint8Array(32).fill(40 + i)));
const model = createHash("sha256").update("sealed-sdk-model").digest("hex");

describe("sealed jobs from the SDK on the in-process chain", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, q } = txHelpers(() => chain);

  before(async () => {
    chain = await createTestChain({
      accounts: [requester, ...prov].map((k) => ({
        address: k.address,
        coins: [{ denom: "utcu", amount: 1_000_000_000n }],
      })),
    });
    await registerModel(ok, requester, model, { name: "sealed-mlp" });
    // p2 asks more than the job's price: it gets no sealed copy and cannot be drawn.
    await registerProviders(ok, prov, { models: [model], slots: 2 }, (i) => ({
      x25519Pubkey: boxKeys[i]!.publicKey,
      ...(i === 2 ? { pricePerUnit: "50utcu" } : {}),
    }));
  });

  it("seals to the eligible providers from the Providers query; the chain accepts it and assigns only them", async () => {
    const providers = await q(
      "/tcompute.registry.v1.Query/Providers",
      registryCodecs.queryProvidersRequest.encode({
        model,
        status: ProviderStatus.active,
        pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
      }),
      (b) => registryCodecs.queryProvidersResponse.decode(b).providers,
    );
    assert.equal(providers.length, 3);
    const plain = new Uint8Array(Buffer.from("private input bytes, never on chain"));
    const s = sealToCandidates(plain, { model, k: 2, maxPricePerUnit: "10utcu", providers });
    assert.deepEqual(s.sealed.map((x) => x.provider).sort(), [prov[0]!.address, prov[1]!.address].sort());
    const res = await ok(requester, [
      any(
        jobsCodecs.msgSubmitJob.typeUrl,
        jobsCodecs.msgSubmitJob.encode({
          requester: requester.address,
          model,
          inputs: [s.input],
          sealed: s.sealed,
          k: 2,
          maxPricePerUnit: "10utcu",
          deadlineBlocks: "10",
          minReputation: 0,
          gpu: null,
          sketchKeyHash: s.sketchKeyHash,
        }),
      ),
    ]);
    const id = jobsCodecs.msgSubmitJobResponse.decode(TxMsgData.decode(res.txResults[0]!.data).msgResponses[0]!.value)
      .ids[0]!;
    const j = await q(
      "/tcompute.jobs.v1.Query/Job",
      jobsCodecs.queryJobRequest.encode({ id }),
      (b) => jobsCodecs.queryJobResponse.decode(b).job!,
    );
    assert.equal(j.state, JobState.assigned);
    assert.equal(j.inputs[0]!.inline.length, 0);
    assert.ok(
      !Buffer.from(jobsCodecs.job.encode(j)).includes(Buffer.from(plain)),
      "the plaintext is nowhere in the stored job",
    );
    assert.deepEqual(j.assignments.map((a) => a.provider).sort(), [prov[0]!.address, prov[1]!.address].sort());
    for (const a of j.assignments) {
      const i = prov.findIndex((p) => p.address === a.provider);
      const mine = j.sealed.find((x) => x.provider === a.provider)!;
      const opened = open(mine.ciphertext, boxKeys[i]!)!;
      assert.equal(
        createHash("sha256").update(opened.subarray(0, 32)).digest("hex"),
        Buffer.from(j.sketchKeyHash!).toString("hex"),
        "the sketch key, whose sha256 the job carries",
      );
      assert.equal(createHash("sha256").update(opened.subarray(32)).digest("hex"), j.inputs[0]!.sha256);
    }
  });

  it("refuses to seal when fewer eligible providers than k (nothing is sent)", async () => {
    const providers = await q(
      "/tcompute.registry.v1.Query/Providers",
      registryCodecs.queryProvidersRequest.encode({
        model,
        status: ProviderStatus.active,
        pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
      }),
      (b) => registryCodecs.queryProvidersResponse.decode(b).providers,
    );
    assert.throws(
      () => sealToCandidates(new Uint8Array([1]), { model, k: 3, maxPricePerUnit: "10utcu", providers }),
      /found 2/,
    );
  });
});
