import assert from "node:assert/strict";
import { Secp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  GasPrice,
  QueryClient,
  SigningStargateClient,
  setupSlashingExtension,
  setupStakingExtension,
  type DeliverTxResponse,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateStakingParams } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { QueryClientImpl as GovV1Query } from "cosmjs-types/cosmos/gov/v1/query";
import { MsgSubmitProposal } from "cosmjs-types/cosmos/gov/v1/tx";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createProtobufRpcClient } from "@cosmjs/stargate";
import type { Node } from "../../../chain/node/node.js";
import { govMnemonic, jobsParamsUpdate, startGovNode, submitProposalMsg } from "../../../chain/testkit/govNode.js";
import { govAddress } from "../../../modules/gov/keeper.js";
import { codecs as jobsCodecs } from "../../../modules/jobs/types.js";
import { aminoMsgOf, anyFromAmino, cosmosAminoConverters } from "../../../modules/sdk/amino.js";
import { tcomputeAminoTypes, tcomputeRegistry } from "../registry.js";

// Governance signed as Keplr's Ledger path signs (SIGN_MODE_LEGACY_AMINO_JSON) by cosmjs's own
// Secp256k1HdWallet in SigningStargateClient: a proposal whose messages are Anys of tcompute's and
// the SDK's MsgUpdateParams (amino JSON of nested messages), a deposit, votes, a cancel; the
// proposal passes and its messages take effect as signed.

describe("gov messages signed in amino JSON through @cosmjs/amino", function () {
  this.timeout(60_000);
  let node: Node;
  let client: SigningStargateClient;
  let tm: Comet38Client;
  let alice: string;
  let carol: string;

  before(async () => {
    const amino = await Secp256k1HdWallet.fromMnemonic(govMnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    const direct = await DirectSecp256k1HdWallet.fromMnemonic(govMnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    [alice, carol] = (await amino.getAccounts()).map((a) => a.address) as [string, string];
    node = await startGovNode({
      signer: direct,
      alice,
      carol,
      periods: { max_deposit_period: "60s", voting_period: "4s", expedited_voting_period: "2s" },
    });
    const url = `http://${node.rpcAddress}`;
    client = await SigningStargateClient.connectWithSigner(url, amino, {
      registry: tcomputeRegistry(),
      aminoTypes: tcomputeAminoTypes(),
      gasPrice: GasPrice.fromString("0.0025utcu"),
      broadcastPollIntervalMs: 200,
    });
    tm = await Comet38Client.connect(url);
  });

  after(async () => {
    client?.disconnect();
    tm?.disconnect();
    await node?.stop();
  });

  async function assertAmino(r: DeliverTxResponse): Promise<void> {
    assert.equal(r.code, 0, r.rawLog);
    const tx = await client.getTx(r.transactionHash);
    assert.equal(
      AuthInfo.decode(TxRaw.decode(tx!.tx).authInfoBytes).signerInfos[0]!.modeInfo?.single?.mode,
      127,
      "SIGN_MODE_LEGACY_AMINO_JSON",
    );
  }

  it("names the gov and MsgUpdateParams messages as the SDK does", () => {
    const names = Object.fromEntries(Object.entries(cosmosAminoConverters()).map(([url, c]) => [url, c.aminoType]));
    assert.deepEqual(
      {
        submit: names["/cosmos.gov.v1.MsgSubmitProposal"],
        deposit: names["/cosmos.gov.v1.MsgDeposit"],
        vote: names["/cosmos.gov.v1.MsgVote"],
        weighted: names["/cosmos.gov.v1.MsgVoteWeighted"],
        cancel: names["/cosmos.gov.v1.MsgCancelProposal"],
        gov: names["/cosmos.gov.v1.MsgUpdateParams"],
        auth: names["/cosmos.auth.v1beta1.MsgUpdateParams"],
        bank: names["/cosmos.bank.v1beta1.MsgUpdateParams"],
        staking: names["/cosmos.staking.v1beta1.MsgUpdateParams"],
        slashing: names["/cosmos.slashing.v1beta1.MsgUpdateParams"],
        distribution: names["/cosmos.distribution.v1beta1.MsgUpdateParams"],
        spend: names["/cosmos.distribution.v1beta1.MsgCommunityPoolSpend"],
        legacyVote: names["/cosmos.gov.v1beta1.MsgVote"],
      },
      {
        submit: "cosmos-sdk/v1/MsgSubmitProposal",
        deposit: "cosmos-sdk/v1/MsgDeposit",
        vote: "cosmos-sdk/v1/MsgVote",
        weighted: "cosmos-sdk/v1/MsgVoteWeighted",
        cancel: "cosmos-sdk/v1/MsgCancelProposal",
        gov: "cosmos-sdk/x/gov/v1/MsgUpdateParams",
        auth: "cosmos-sdk/x/auth/MsgUpdateParams",
        bank: "cosmos-sdk/x/bank/MsgUpdateParams",
        staking: "cosmos-sdk/x/staking/MsgUpdateParams",
        slashing: "cosmos-sdk/x/slashing/MsgUpdateParams",
        distribution: "cosmos-sdk/distribution/MsgUpdateParams",
        spend: "cosmos-sdk/distr/MsgCommunityPoolSpend",
        legacyVote: "cosmos-sdk/MsgVote",
      },
    );
    const vote = aminoMsgOf({ typeUrl: "/cosmos.gov.v1.MsgVote", value: new Uint8Array(Buffer.from("0801", "hex")) });
    assert.deepEqual(
      vote,
      { type: "cosmos-sdk/v1/MsgVote", value: { proposal_id: "1" } },
      "defaults left out, proposal_id kept (dont_omitempty), uint64 as a string",
    );
  });

  it("submits a proposal of nested Anys, deposits, votes and the messages take effect as signed", async () => {
    const q = QueryClient.withExtensions(tm, setupStakingExtension, setupSlashingExtension);
    const staking = (await q.staking.params()).params;
    const slashing = (await q.slashing.params()).params;
    const messages = [
      jobsParamsUpdate(33n),
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgUpdateParams",
        value: MsgUpdateStakingParams.encode({
          authority: govAddress(),
          params: { ...staking, unbondingTime: { seconds: 123_456n, nanos: 0 }, maxValidators: 77 },
        }).finish(),
      },
      {
        typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
        value: MsgUpdateSlashingParams.encode({
          authority: govAddress(),
          params: { ...slashing, downtimeJailDuration: { seconds: 321n, nanos: 0 } },
        }).finish(),
      },
    ];
    // What the Ledger shows: every nested message in its own amino JSON.
    const signed = aminoMsgOf({
      typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
      value: (await import("cosmjs-types/cosmos/gov/v1/tx")).MsgSubmitProposal.encode({
        messages,
        initialDeposit: [],
        proposer: alice,
        metadata: "",
        title: "t",
        summary: "s",
        expedited: false,
      }).finish(),
    });
    const nested = (signed.value as { messages: Array<{ type: string; value: Record<string, unknown> }> }).messages;
    assert.deepEqual(
      nested.map((m) => m.type),
      [
        "tcompute/jobs/MsgUpdateParams",
        "cosmos-sdk/x/staking/MsgUpdateParams",
        "cosmos-sdk/x/slashing/MsgUpdateParams",
      ],
    );
    const sp = nested[1]!.value["params"] as Record<string, unknown>;
    assert.equal(sp["unbonding_time"], "123456000000000", "a Duration as nanoseconds");
    assert.match(String(sp["min_commission_rate"] ?? "0.000000000000000000"), /^[0-9]+\.[0-9]{18}$/);
    assert.deepEqual((signed.value as Record<string, unknown>)["initial_deposit"], [], "dont_omitempty");
    const back = anyFromAmino(nested[1]!);
    assert.deepEqual(
      [back.typeUrl, Buffer.from(back.value).toString("hex")],
      [messages[1]!.typeUrl, Buffer.from(messages[1]!.value).toString("hex")],
      "amino JSON back to the same bytes",
    );

    // The nested messages' bytes are not in the amino sign doc either: a copy with a field
    // appended inside one (which verified under a new hash before) is refused, code 2.
    const offline = await client.sign(
      alice,
      [submitProposalMsg(alice, messages, "400000", "Three params", "jobs, staking, slashing")],
      { amount: [{ denom: "utcu", amount: "5000" }], gas: "2000000" },
      "",
    );
    const body = TxBody.decode(offline.bodyBytes);
    const inner = MsgSubmitProposal.decode(body.messages[0]!.value);
    inner.messages[0] = {
      ...inner.messages[0]!,
      value: Buffer.concat([inner.messages[0]!.value, Buffer.from([0xf8, 0x07, 0x01])]),
    };
    const variant = TxRaw.encode({
      ...offline,
      bodyBytes: TxBody.encode({
        ...body,
        messages: [{ typeUrl: body.messages[0]!.typeUrl, value: MsgSubmitProposal.encode(inner).finish() }],
      }).finish(),
    }).finish();
    const refused = await tm.broadcastTxSync({ tx: variant });
    assert.equal(refused.code, 2, refused.log);
    assert.match(refused.log ?? "", /message 0 \(\/cosmos.gov.v1.MsgSubmitProposal\) is not in its canonical encoding/);

    const submit = await client.signAndBroadcast(
      alice,
      [submitProposalMsg(alice, messages, "400000", "Three params", "jobs, staking, slashing")],
      "auto",
    );
    await assertAmino(submit);
    await assertAmino(
      await client.signAndBroadcast(
        alice,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgDeposit",
            value: { proposalId: 1n, depositor: alice, amount: [{ denom: "utcu", amount: "600000" }] },
          },
        ],
        "auto",
      ),
    );
    await assertAmino(
      await client.signAndBroadcast(
        carol,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgVote",
            value: { proposalId: 1n, voter: carol, option: VoteOption.VOTE_OPTION_YES, metadata: "ledger" },
          },
        ],
        "auto",
      ),
    );
    await assertAmino(
      await client.signAndBroadcast(
        alice,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgVoteWeighted",
            value: {
              proposalId: 1n,
              voter: alice,
              options: [
                { option: VoteOption.VOTE_OPTION_YES, weight: "0.5" },
                { option: VoteOption.VOTE_OPTION_ABSTAIN, weight: "0.5" },
              ],
              metadata: "",
            },
          },
        ],
        "auto",
      ),
    );

    const v1 = new GovV1Query(createProtobufRpcClient(QueryClient.withExtensions(tm)));
    let p = (await v1.Proposal({ proposalId: 1n })).proposal!;
    const hex = (ms: Array<{ typeUrl: string; value: Uint8Array }>) =>
      ms.map((m) => [m.typeUrl, Buffer.from(m.value).toString("hex")]);
    assert.deepEqual(hex(p.messages), hex(messages), "the proposal carries the bytes the wallet signed for");
    for (let i = 0; i < 200 && p.status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD; i++) {
      await new Promise((r) => setTimeout(r, 100));
      p = (await v1.Proposal({ proposalId: 1n })).proposal!;
    }
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_PASSED, p.failedReason);
    const after = (await q.staking.params()).params;
    assert.equal(after.unbondingTime.seconds, 123_456n);
    assert.equal(after.maxValidators, 77);
    assert.equal((await q.slashing.params()).params.downtimeJailDuration.seconds, 321n);
    const raw = await QueryClient.withExtensions(tm).queryAbci("/tcompute.jobs.v1.Query/Params", new Uint8Array());
    assert.equal(jobsCodecs.queryParamsResponse.decode(raw.value).params?.commitWindow, "33");
  });

  it("cancels a proposal (cosmos-sdk/v1/MsgCancelProposal)", async () => {
    const submit = await client.signAndBroadcast(
      alice,
      [submitProposalMsg(alice, [], "20000", "Text", "to cancel")],
      "auto",
    );
    await assertAmino(submit);
    const id = BigInt(
      submit.events.find((e) => e.type === "submit_proposal")!.attributes.find((a) => a.key === "proposal_id")!.value,
    );
    await assertAmino(
      await client.signAndBroadcast(
        alice,
        [{ typeUrl: "/cosmos.gov.v1.MsgCancelProposal", value: { proposalId: id, proposer: alice } }],
        "auto",
      ),
    );
    const v1 = new GovV1Query(createProtobufRpcClient(QueryClient.withExtensions(tm)));
    await assert.rejects(v1.Proposal({ proposalId: id }), /doesn't exist/);
  });
});
