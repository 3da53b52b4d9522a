import assert from "node:assert/strict";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { QueryParamsRequest, QueryParamsResponse } from "cosmjs-types/cosmos/gov/v1/query";
import type { TestChain } from "../../../chain/testkit/inProcessChain.js";
import { moduleAddress } from "../../sdk/address.js";
import { govAddress } from "../keeper.js";
import { dave, govChain, govHelpers, govTestParams, ops } from "./fixtures.js";

// proposal_cancel_dest receives the charged share of a cancelled proposal's deposits through a
// module-level transfer. A module account there (the gov account itself, a staking pool, the
// community pool) would take coins its own bookkeeping does not know of: as the SDK, whose
// send to a blocked address fails, a module account cannot be the destination.

describe("gov: proposal_cancel_dest", () => {
  let chain: TestChain;
  const h = govHelpers(() => chain);

  beforeEach(async () => {
    chain = await govChain();
  });

  for (const [name, dest] of [
    ["the gov account", () => govAddress()],
    ["the bonded pool", () => moduleAddress("bonded_tokens_pool")],
  ] as const) {
    it(`MsgUpdateParams cannot make ${name} the cancel destination`, async () => {
      const id = await h.submit(
        dave,
        [h.govParamsUpdate({ ...govTestParams(), proposalCancelDest: dest() })],
        1_000_000n,
      );
      await h.vote(ops[0]!, id, VoteOption.VOTE_OPTION_YES);
      await h.vote(ops[1]!, id, VoteOption.VOTE_OPTION_YES);
      await h.until((await h.proposal(id)).votingEndTime);
      const p = await h.proposal(id);
      assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
      assert.match(p.failedReason, /not allowed to receive/);
      const params = await h.q(
        "/cosmos.gov.v1.Query/Params",
        QueryParamsRequest.encode({ paramsType: "" }).finish(),
        (b) => QueryParamsResponse.decode(b).params!,
      );
      assert.equal(params.proposalCancelDest, "");
    });
  }
});
