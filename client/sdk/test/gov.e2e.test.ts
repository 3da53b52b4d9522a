import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import {
  createProtobufRpcClient,
  GasPrice,
  QueryClient,
  setupGovExtension,
  SigningStargateClient,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { QueryClientImpl as GovV1Query } from "cosmjs-types/cosmos/gov/v1/query";
import { ProposalStatus as LegacyStatus, VoteOption as LegacyOption } from "cosmjs-types/cosmos/gov/v1beta1/gov";
import { makeTestHome, startNodeProcess, type NodeProcess, type TestHome } from "../../../chain/testkit/nodeProcess.js";
import { homePaths } from "../../../chain/types/nodeConfig.js";
import { govAddress } from "../../../modules/gov/keeper.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb } from "../../../modules/jobs/params.js";
import { codecs as jobsCodecs } from "../../../modules/jobs/types.js";
import { msgUpdateParamsCodec } from "../../../modules/jobs/updateParams.js";

// Governance through the real, unchanged @cosmjs/stargate client: SigningStargateClient with its
// default registry submits, deposits and votes (gov v1 messages); the v1beta1 gov extension
// (setupGovExtension) and the generated v1 query client read the proposal; the jobs params change
// once the proposal passes.

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("governance from @cosmjs/stargate against a node process (e2e)", function () {
  this.timeout(120_000);
  let home: TestHome;
  let node: NodeProcess;
  let client: SigningStargateClient;
  let alice = "";
  let carol = "";

  before(async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    [alice, carol] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    home = await makeTestHome({
      accounts: [
        { address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] },
        { address: carol, coins: [{ denom: "utcu", amount: 1_000_000_000n }] },
      ],
      gentx: { signer: wallet, operator: carol, amount: 100_000_000n },
    });
    // Short periods: blocks are ~0.3 s apart.
    const path = homePaths(home.home).genesis;
    const doc = JSON.parse(readFileSync(path, "utf8")) as { app_state: { gov: { params: Record<string, unknown> } } };
    Object.assign(doc.app_state.gov.params, {
      min_deposit: [{ denom: "utcu", amount: "1000000" }],
      max_deposit_period: "30s",
      voting_period: "15s",
      expedited_voting_period: "5s",
    });
    writeFileSync(path, JSON.stringify(doc, null, 2));
    node = await startNodeProcess(home.home);
    client = await SigningStargateClient.connectWithSigner(node.rpcUrl, wallet, {
      gasPrice: GasPrice.fromString("0.0025utcu"),
    });
  });

  after(async () => {
    client?.disconnect();
    await node?.stop();
  });

  it("submits, deposits, votes, reads through v1 and v1beta1, and the change takes effect", async () => {
    const update = {
      typeUrl: msgUpdateParamsCodec.typeUrl,
      value: msgUpdateParamsCodec.encode({
        authority: govAddress(),
        params: jobsToPb({ ...jobsDefaults(), commitWindow: 33n }),
      }),
    };
    const submit = await client.signAndBroadcast(
      alice,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
          value: {
            messages: [update],
            initialDeposit: [{ denom: "utcu", amount: "400000" }],
            proposer: alice,
            metadata: "",
            title: "Longer commit window",
            summary: "commit_window 20 -> 33",
            expedited: false,
          },
        },
      ],
      "auto",
    );
    assert.equal(submit.code, 0, submit.rawLog);
    const idAttr = submit.events
      .find((e) => e.type === "submit_proposal")
      ?.attributes.find((a) => a.key === "proposal_id");
    assert.equal(idAttr?.value, "1");

    const tm = await Comet38Client.connect(node.rpcUrl);
    const q = QueryClient.withExtensions(tm, setupGovExtension);
    const v1 = new GovV1Query(createProtobufRpcClient(q));
    assert.equal((await q.gov.proposal(1)).proposal?.status, LegacyStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD);

    const deposit = await client.signAndBroadcast(
      alice,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgDeposit",
          value: { proposalId: 1n, depositor: alice, amount: [{ denom: "utcu", amount: "600000" }] },
        },
      ],
      "auto",
    );
    assert.equal(deposit.code, 0, deposit.rawLog);
    const legacy = (await q.gov.proposal(1)).proposal!;
    assert.equal(legacy.status, LegacyStatus.PROPOSAL_STATUS_VOTING_PERIOD);
    assert.equal(legacy.content?.typeUrl, msgUpdateParamsCodec.typeUrl, "v1beta1 shows the first message as content");
    assert.deepEqual(legacy.totalDeposit, [{ denom: "utcu", amount: "1000000" }]);
    assert.deepEqual(
      (await q.gov.deposits(1)).deposits.map((d) => [d.depositor, d.amount[0]?.amount]),
      [[alice, "1000000"]],
    );

    const vote = await client.signAndBroadcast(
      carol,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgVote",
          value: { proposalId: 1n, voter: carol, option: VoteOption.VOTE_OPTION_YES, metadata: "" },
        },
      ],
      "auto",
    );
    assert.equal(vote.code, 0, vote.rawLog);
    const legacyVote = await client.signAndBroadcast(
      alice,
      [
        {
          typeUrl: "/cosmos.gov.v1beta1.MsgVote",
          value: { proposalId: 1n, voter: alice, option: LegacyOption.VOTE_OPTION_NO },
        },
      ],
      "auto",
    );
    assert.equal(legacyVote.code, 0, legacyVote.rawLog);

    const votes = (await q.gov.votes(1)).votes;
    assert.deepEqual(votes.map((v) => v.voter).sort(), [alice, carol].sort());
    assert.equal((await q.gov.vote(1, carol)).vote?.options[0]?.weight, "1000000000000000000");
    const tally = (await q.gov.tally(1)).tally!;
    assert.equal(tally.yes, "100000000", "carol's bonded stake");
    assert.equal(tally.no, "0", "alice has no stake");
    const v1Proposal = (await v1.Proposal({ proposalId: 1n })).proposal!;
    assert.equal(v1Proposal.messages[0]?.typeUrl, msgUpdateParamsCodec.typeUrl);
    assert.equal((await v1.Params({ paramsType: "" })).params?.votingPeriod?.seconds, 15n);
    assert.equal((await q.gov.params("voting")).votingParams?.votingPeriod?.seconds, 15n);
    const listed = await v1.Proposals({
      proposalStatus: ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD,
      voter: carol,
      depositor: "",
      pagination: undefined,
    });
    assert.deepEqual(
      listed.proposals.map((p) => p.id),
      [1n],
    );

    let status = ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD;
    for (let i = 0; i < 300 && status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await v1.Proposal({ proposalId: 1n })).proposal!.status;
    }
    const done = (await v1.Proposal({ proposalId: 1n })).proposal!;
    assert.equal(done.status, ProposalStatus.PROPOSAL_STATUS_PASSED, done.failedReason);
    assert.equal(done.finalTallyResult?.yesCount, "100000000");
    const raw = await q.queryAbci("/tcompute.jobs.v1.Query/Params", new Uint8Array());
    assert.equal(jobsCodecs.queryParamsResponse.decode(raw.value).params?.commitWindow, "33");
    assert.deepEqual(await client.getBalance(govAddress(), "utcu"), { denom: "utcu", amount: "0" }, "deposit refunded");
    tm.disconnect();
  });
});
