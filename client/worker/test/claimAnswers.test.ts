import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import nacl from "tweetnacl";
import { claimCodecs, ClaimStatus } from "../../../modules/jobs/index.js";
import { defaultParams } from "../../../modules/jobs/params.js";
import type { DeliveryClaim } from "../../../modules/jobs/types.js";
import { rawKeyFromSeed } from "../../sdk/signing.js";
import { loadOrCreateX25519, open } from "../sealing.js";
import { Worker } from "../worker.js";

// The worker's answers to non-delivery claims (docs/worker.md), against a stand-in for the chain:
// what it answers, what it leaves alone, and that a failing search is never the tick's failure.

const provider = rawKeyFromSeed("claim-answers-provider");
const output = Buffer.from("the committed output payload");
const digest = createHash("sha256").update(output).digest();

interface FakeChain {
  searches: string[];
  claims: Map<string, DeliveryClaim>;
  failSearch: boolean;
  events: Array<{ id: string; provider: string; status: string }>;
}

function fakeChain(f: FakeChain) {
  return {
    height: async () => 1000,
    searchTxs: async (q: string) => {
      f.searches.push(q);
      if (f.failSearch) throw new Error("transaction indexing is disabled");
      return f.events.map((e) => ({
        events: [
          {
            type: "delivery_claim",
            attributes: [
              { key: "id", value: e.id },
              { key: "provider", value: e.provider },
              { key: "status", value: e.status },
            ],
          },
        ],
      }));
    },
    query: {
      jobs: {
        params: async () => ({ ...defaultParams(), claimAnswerWindow: 50n }),
        claim: async (id: string) => f.claims.get(id) ?? null,
      },
    },
  };
}

function claim(jobId: string, key: Uint8Array, over: Partial<DeliveryClaim> = {}): DeliveryClaim {
  return {
    jobId,
    provider: provider.address,
    requester: "req",
    x25519Pubkey: key,
    digest,
    deposit: "10000",
    paid: "50",
    claimedHeight: "990",
    answerDeadline: "1040",
    answeredHeight: "0",
    sealedOutput: new Uint8Array(),
    disputeDeadline: "0",
    status: ClaimStatus.open,
    slashed: "0",
    compensated: "0",
    ...over,
  };
}

describe("worker: answers to non-delivery claims", function () {
  const dir = mkdtempSync(join(tmpdir(), "tc-claims-"));
  const logs: string[] = [];
  let worker: Worker;
  type Answers = (
    chain: unknown,
    due: (id: string, kind: string) => boolean,
    now: number,
  ) => Promise<Array<{ typeUrl: string; value: { jobId: string; sealedOutput: Uint8Array } }>>;
  const answers = (chain: unknown, now: number, due = () => true) =>
    (worker as unknown as { claimAnswers: Answers }).claimAnswers.call(worker, chain, due, now);

  before(async () => {
    worker = new Worker({
      rpcUrl: "http://127.0.0.1:1",
      signer: await DirectSecp256k1Wallet.fromKey(provider.privKey, "tc"),
      address: provider.address,
      storeDir: join(dir, "store"),
      x25519: loadOrCreateX25519(join(dir, "x25519.json")),
      claimPollMs: 1000,
      log: (l) => logs.push(l),
    });
    const salt = "00".repeat(32);
    const sketch = { components: [], topK: [], length: "0" };
    const put = (jobId: string, out: Buffer) =>
      worker.store.put({
        kind: "result",
        jobId,
        requester: "req",
        salt,
        digest: "",
        sketch,
        output: out.toString("base64"),
      });
    put("5", output);
    put("6", Buffer.from("another output than the committed one"));
  });

  it("answers an open claim with the stored output sealed to the claim key, within the answer window only", async () => {
    const key = nacl.box.keyPair();
    const f: FakeChain = {
      searches: [],
      claims: new Map([["5", claim("5", key.publicKey)]]),
      failSearch: false,
      events: [{ id: "5", provider: provider.address, status: "open" }],
    };
    const got = await answers(fakeChain(f), 10_000);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.typeUrl, claimCodecs.msgAnswerClaim.typeUrl);
    assert.equal(got[0]!.value.jobId, "5");
    assert.deepEqual(Buffer.from(open(got[0]!.value.sealedOutput, key)!), output);
    assert.deepEqual(f.searches, [
      `delivery_claim.provider='${provider.address}' AND delivery_claim.status='open' AND tx.height>=949`,
    ]);
    // Not again before claimPollMs; a claim already answered, or not yet due again, is not answered.
    assert.deepEqual(await answers(fakeChain(f), 10_500), []);
    f.claims.set("5", claim("5", key.publicKey, { status: ClaimStatus.answered }));
    assert.deepEqual(await answers(fakeChain(f), 12_000), []);
    f.claims.set("5", claim("5", key.publicKey));
    assert.deepEqual(await answers(fakeChain(f), 14_000, () => false), []);
  });

  it("answers nothing it would lose a dispute on, nor another provider's claim, nor a job it has no output for", async () => {
    const key = nacl.box.keyPair();
    const f: FakeChain = {
      searches: [],
      claims: new Map([
        ["6", claim("6", key.publicKey)],
        ["7", claim("7", key.publicKey)],
        ["8", claim("8", key.publicKey, { provider: "someone else" })],
      ]),
      failSearch: false,
      events: [
        { id: "6", provider: provider.address, status: "open" }, // stored output is not the committed one
        { id: "7", provider: provider.address, status: "open" }, // nothing stored
        { id: "8", provider: "someone else", status: "open" },
        { id: "../../etc", provider: provider.address, status: "open" },
      ],
    };
    assert.deepEqual(await answers(fakeChain(f), 20_000), []);
    assert.equal(logs.filter((l) => /cannot answer the non-delivery claim on job (6|7)/.test(l)).length, 2);
  });

  it("a failing search is logged and retried, never thrown into the tick (its commits and reveals)", async () => {
    const f: FakeChain = { searches: [], claims: new Map(), failSearch: true, events: [] };
    assert.deepEqual(await answers(fakeChain(f), 30_000), []);
    assert.ok(logs.some((l) => /could not look for non-delivery claims: transaction indexing is disabled/.test(l)));
    // Retried after half the poll interval, not a whole one.
    await answers(fakeChain(f), 30_400);
    assert.equal(f.searches.length, 1);
    await answers(fakeChain(f), 30_600);
    assert.equal(f.searches.length, 2);
  });
});
