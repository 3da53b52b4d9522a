import assert from "node:assert/strict";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { rfc3339 as formatTime } from "../json.js";
import { govAddress } from "../../../modules/gov/keeper.js";
import type { Node } from "../../node/node.js";
import {
  govMnemonic,
  jobsParamsUpdate,
  startGovNode,
  submitProposalMsg,
  type ProposalMessage,
} from "../../testkit/govNode.js";
import { freePort } from "../../testkit/nodeProcess.js";

// x/gov's gRPC-gateway routes (cosmos/gov/v1 and v1beta1 query.proto's http annotations) with
// plain HTTP, as Ping.pub's governance pages call them, against proposals, deposits and votes
// sent as real transactions: proto3 JSON as the SDK writes it and the SDK's error shapes.

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const rfc3339 = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?Z$/;

describe("REST API: gov v1 and v1beta1 routes", function () {
  this.timeout(60_000);
  let node: Node;
  let base: string;
  let alice: string;
  let carol: string;
  let client: SigningStargateClient;

  const get = async (path: string): Promise<{ status: number; body: J }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as J };
  };

  before(async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(govMnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    [alice, carol] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    node = await startGovNode({
      signer: wallet,
      alice,
      carol,
      periods: { max_deposit_period: "600s", voting_period: "900s", expedited_voting_period: "300s" },
      editConfig: async (config) => {
        config.api.enable = true;
        config.api.address = `tcp://127.0.0.1:${await freePort()}`;
      },
    });
    base = `http://${node.apiAddress}`;
    client = await SigningStargateClient.connectWithSigner(`http://${node.rpcAddress}`, wallet, {
      gasPrice: GasPrice.fromString("0.0025utcu"),
    });

    // Proposal 1: a jobs MsgUpdateParams (tcompute's own Any), deposited in two steps, voted on.
    const update = jobsParamsUpdate(33n);
    const submit = (messages: ProposalMessage[], amount: string, title: string) =>
      client.signAndBroadcast(alice, [submitProposalMsg(alice, messages, amount, title, `${title}.`)], "auto");
    for (const r of [
      await submit([update], "400000", "Longer commit window"),
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
      // Proposal 2: no messages (a text proposal), left in its deposit period.
      await submit([], "20000", "Text only"),
      await client.signAndBroadcast(
        carol,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgVote",
            value: { proposalId: 1n, voter: carol, option: VoteOption.VOTE_OPTION_YES, metadata: "" },
          },
        ],
        "auto",
      ),
      await client.signAndBroadcast(
        alice,
        [
          {
            typeUrl: "/cosmos.gov.v1.MsgVoteWeighted",
            value: {
              proposalId: 1n,
              voter: alice,
              options: [
                { option: VoteOption.VOTE_OPTION_YES, weight: "0.25" },
                { option: VoteOption.VOTE_OPTION_NO, weight: "0.75" },
              ],
              metadata: "",
            },
          },
        ],
        "auto",
      ),
    ]) {
      assert.equal(r.code, 0, r.rawLog);
    }
  });

  after(async () => {
    client?.disconnect();
    await node?.stop();
  });

  it("lists proposals with status, voter and depositor filters and pagination (v1)", async () => {
    const all = (await get("/cosmos/gov/v1/proposals")).body;
    assert.deepEqual(
      all.proposals.map((p: J) => p.id),
      ["1", "2"],
      "uint64 as strings",
    );
    assert.equal(all.pagination.total, "2");
    const p = all.proposals[0];
    assert.equal(p.status, "PROPOSAL_STATUS_VOTING_PERIOD", "enums by name");
    assert.equal(p.messages[0]["@type"], "/tcompute.jobs.v1.MsgUpdateParams");
    assert.equal(p.messages[0].authority, govAddress(), "tcompute's own Any unpacked with its fields");
    assert.equal(p.messages[0].params.commit_window, "33");
    for (const k of ["submit_time", "deposit_end_time", "voting_start_time", "voting_end_time"])
      assert.match(p[k], rfc3339, k);
    assert.deepEqual(p.total_deposit, [{ denom: "utcu", amount: "1000000" }]);
    assert.equal(p.proposer, alice);
    assert.equal(p.expedited, false);
    const byName = (await get("/cosmos/gov/v1/proposals?proposal_status=PROPOSAL_STATUS_DEPOSIT_PERIOD")).body;
    assert.deepEqual(
      byName.proposals.map((x: J) => x.id),
      ["2"],
    );
    const byNumber = (await get("/cosmos/gov/v1/proposals?proposal_status=2")).body;
    assert.deepEqual(
      byNumber.proposals.map((x: J) => x.id),
      ["1"],
    );
    assert.deepEqual(
      (await get(`/cosmos/gov/v1/proposals?voter=${carol}`)).body.proposals.map((x: J) => x.id),
      ["1"],
    );
    assert.deepEqual((await get(`/cosmos/gov/v1/proposals?depositor=${carol}`)).body.proposals, []);
    assert.deepEqual(
      (await get(`/cosmos/gov/v1/proposals?depositor=${alice}`)).body.proposals.map((x: J) => x.id),
      ["1", "2"],
    );
    const page1 = (await get("/cosmos/gov/v1/proposals?pagination.limit=1&pagination.count_total=true")).body;
    assert.deepEqual(
      page1.proposals.map((x: J) => x.id),
      ["1"],
    );
    assert.equal(page1.pagination.total, "2");
    assert.equal(typeof page1.pagination.next_key, "string");
    const page2 = (
      await get(
        `/cosmos/gov/v1/proposals?pagination.limit=1&pagination.key=${encodeURIComponent(page1.pagination.next_key)}`,
      )
    ).body;
    assert.deepEqual(
      page2.proposals.map((x: J) => x.id),
      ["2"],
    );
    const rev = (await get("/cosmos/gov/v1/proposals?pagination.reverse=true&pagination.limit=1")).body;
    assert.deepEqual(
      rev.proposals.map((x: J) => x.id),
      ["2"],
    );
    const rev2 = (
      await get(
        `/cosmos/gov/v1/proposals?pagination.reverse=true&pagination.limit=1&pagination.key=${encodeURIComponent(rev.pagination.next_key)}`,
      )
    ).body;
    assert.deepEqual(
      rev2.proposals.map((x: J) => x.id),
      ["1"],
      "a reverse page follows its next_key down",
    );
    assert.equal(rev2.pagination.next_key, page2.pagination.next_key, "the last page, as a forward one ends");
  });

  it("serves one proposal, its votes, deposits and live tally (v1)", async () => {
    const p = (await get("/cosmos/gov/v1/proposals/1")).body.proposal;
    assert.equal(p.title, "Longer commit window");
    const votes = (await get("/cosmos/gov/v1/proposals/1/votes")).body;
    assert.equal(votes.votes.length, 2);
    assert.equal(votes.pagination.total, "2");
    const v = (await get(`/cosmos/gov/v1/proposals/1/votes/${alice}`)).body.vote;
    assert.deepEqual(v, {
      proposal_id: "1",
      voter: alice,
      options: [
        { option: "VOTE_OPTION_YES", weight: "0.250000000000000000" },
        { option: "VOTE_OPTION_NO", weight: "0.750000000000000000" },
      ],
      metadata: "",
    });
    const deps = (await get("/cosmos/gov/v1/proposals/1/deposits")).body;
    assert.deepEqual(deps.deposits, [
      { proposal_id: "1", depositor: alice, amount: [{ denom: "utcu", amount: "1000000" }] },
    ]);
    assert.deepEqual((await get(`/cosmos/gov/v1/proposals/1/deposits/${alice}`)).body.deposit, deps.deposits[0]);
    const tally = (await get("/cosmos/gov/v1/proposals/1/tally")).body.tally;
    assert.deepEqual(
      tally,
      { yes_count: "100000000", abstain_count: "0", no_count: "0", no_with_veto_count: "0" },
      "carol's bonded stake; alice has none",
    );
    assert.equal((await get("/cosmos/gov/v1/constitution")).body.constitution, "");
  });

  it("serves params by type with durations and decimals as the SDK writes them (v1)", async () => {
    const all = (await get("/cosmos/gov/v1/params/voting")).body;
    assert.deepEqual(all.voting_params, { voting_period: "900s" });
    assert.equal(all.params.voting_period, "900s");
    assert.equal(all.params.max_deposit_period, "600s");
    assert.match(all.params.quorum, /^0\.[0-9]{18}$/);
    const tallying = (await get("/cosmos/gov/v1/params/tallying")).body.tally_params;
    assert.match(tallying.threshold, /^0\.[0-9]{18}$/);
    const deposit = (await get("/cosmos/gov/v1/params/deposit")).body.deposit_params;
    assert.deepEqual(deposit, { min_deposit: [{ denom: "utcu", amount: "1000000" }], max_deposit_period: "600s" });
  });

  it("serves the v1beta1 routes that older explorers call", async () => {
    const list = (await get("/cosmos/gov/v1beta1/proposals?proposal_status=PROPOSAL_STATUS_VOTING_PERIOD")).body;
    assert.equal(list.proposals.length, 1);
    const p = list.proposals[0];
    assert.equal(p.proposal_id, "1");
    assert.equal(p.content["@type"], "/tcompute.jobs.v1.MsgUpdateParams", "the first message as content");
    assert.equal(p.status, "PROPOSAL_STATUS_VOTING_PERIOD");
    assert.match(p.voting_end_time, rfc3339);
    const text = (await get("/cosmos/gov/v1beta1/proposals/2")).body.proposal;
    assert.deepEqual(text.content, {
      "@type": "/cosmos.gov.v1beta1.TextProposal",
      title: "Text only",
      description: "Text only.",
    });
    const vote = (await get(`/cosmos/gov/v1beta1/proposals/1/votes/${carol}`)).body.vote;
    assert.deepEqual(vote, {
      proposal_id: "1",
      voter: carol,
      option: "VOTE_OPTION_YES",
      options: [{ option: "VOTE_OPTION_YES", weight: "1.000000000000000000" }],
    });
    assert.equal((await get("/cosmos/gov/v1beta1/proposals/1/votes")).body.votes.length, 2);
    assert.equal((await get("/cosmos/gov/v1beta1/proposals/1/deposits")).body.deposits[0].amount[0].amount, "1000000");
    assert.equal((await get(`/cosmos/gov/v1beta1/proposals/1/deposits/${alice}`)).body.deposit.depositor, alice);
    assert.deepEqual((await get("/cosmos/gov/v1beta1/proposals/1/tally")).body.tally, {
      yes: "100000000",
      abstain: "0",
      no: "0",
      no_with_veto: "0",
    });
    const tallying = (await get("/cosmos/gov/v1beta1/params/tallying")).body.tally_params;
    assert.match(tallying.quorum, /^0\.[0-9]{18}$/, "LegacyDec bytes as a decimal");
    assert.deepEqual((await get("/cosmos/gov/v1beta1/params/voting")).body.voting_params, { voting_period: "900s" });
  });

  it("writes timestamps as jsonpb does (0, 3, 6 or 9 fractional digits)", () => {
    assert.equal(formatTime(1n, 0), "1970-01-01T00:00:01Z");
    assert.equal(formatTime(1n, 500_000_000), "1970-01-01T00:00:01.500Z");
    assert.equal(formatTime(1n, 120_000), "1970-01-01T00:00:01.000120Z");
    assert.equal(formatTime(1_700_000_000n, 123_456_789), "2023-11-14T22:13:20.123456789Z");
  });

  it("answers bad requests with the SDK's {code, message, details} and gRPC codes", async () => {
    const missing = await get("/cosmos/gov/v1/proposals/99");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 5);
    assert.match(missing.body.message, /proposal 99 doesn't exist/);
    assert.deepEqual(missing.body.details, []);
    assert.equal((await get("/cosmos/gov/v1beta1/proposals/99")).status, 404);
    for (const path of [
      "/cosmos/gov/v1/proposals/0",
      "/cosmos/gov/v1/proposals/abc",
      "/cosmos/gov/v1/proposals/-1",
      "/cosmos/gov/v1/proposals/18446744073709551616",
      "/cosmos/gov/v1/proposals?proposal_status=PROPOSAL_STATUS_BOGUS",
      "/cosmos/gov/v1/proposals?voter=notanaddress",
      "/cosmos/gov/v1/proposals/1/votes/notanaddress",
      "/cosmos/gov/v1/params/bogus",
      "/cosmos/gov/v1beta1/params/bogus",
      // A key no listing returns (not UTF-8), and a limit over the cap, forward or reverse.
      `/cosmos/gov/v1/proposals?pagination.key=${encodeURIComponent(Buffer.from([0xff, 0xfe]).toString("base64"))}`,
      `/cosmos/gov/v1/proposals?pagination.reverse=true&pagination.key=${encodeURIComponent(Buffer.from([0xc3]).toString("base64"))}`,
      "/cosmos/gov/v1/proposals?pagination.limit=1001&pagination.reverse=true",
      // uint64 fields out of range or not numbers, refused as the gateway's ParseUint does (not
      // wrapped: 2^64 would page with the default limit, -1 would skip 2^64 - 1 entries).
      "/cosmos/gov/v1/proposals?pagination.limit=18446744073709551615",
      "/cosmos/gov/v1/proposals?pagination.limit=18446744073709551616",
      "/cosmos/gov/v1/proposals?pagination.offset=-1",
      "/cosmos/gov/v1/proposals?pagination.offset=1e3",
      "/tcompute/registry/v1/models?pagination.limit=18446744073709551616",
    ]) {
      const r = await get(path);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.code, 3, path);
      assert.equal(typeof r.body.message, "string");
      assert.deepEqual(r.body.details, []);
    }
    const noVote = await get(`/cosmos/gov/v1/proposals/2/votes/${carol}`);
    assert.equal(noVote.status, 404);
    assert.equal(noVote.body.code, 5);
  });
});
