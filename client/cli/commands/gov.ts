import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import * as gq from "cosmjs-types/cosmos/gov/v1/query";
import { anyFromJson, depositToJson, govAddress, proposalToJson, voteToJson } from "../../../modules/gov/index.js";
import { paramsFromProto, paramsToJson } from "../../../modules/gov/params.js";
import { validateAddress } from "../../../modules/sdk/address.js";
import { coinsToProto, formatDec, parseCoins, parseDec } from "../../../modules/sdk/coins.js";
import { asArray, asBool, asObject, asString, optField } from "../../../modules/sdk/json.js";
import { cliErrors, flags, keyring, print, type GlobalFlags } from "../context.js";
import { chainQuery } from "../query.js";
import { sendTx, txFlags, type TxOptions } from "../tx.js";

// tcd tx gov submit-proposal | deposit | vote | weighted-vote | cancel-proposal, and tcd q gov ...,
// with the Cosmos SDK's arguments (the signer is --from) and its proposal.json format.

const options: Record<string, VoteOption> = {
  yes: VoteOption.VOTE_OPTION_YES,
  abstain: VoteOption.VOTE_OPTION_ABSTAIN,
  no: VoteOption.VOTE_OPTION_NO,
  no_with_veto: VoteOption.VOTE_OPTION_NO_WITH_VETO,
  nowithveto: VoteOption.VOTE_OPTION_NO_WITH_VETO,
};

function voteOption(s: string): VoteOption {
  const o = options[s.toLowerCase().replace(/^vote_option_/, "")];
  if (o === undefined)
    throw cliErrors.usage.wrap(`vote option must be yes, no, abstain or no_with_veto (got ${JSON.stringify(s)})`);
  return o;
}

function proposalId(s: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(s))
    throw cliErrors.usage.wrap(`proposal id must be a positive integer (got ${JSON.stringify(s)})`);
  return BigInt(s);
}

/** "yes=0.6,no=0.4" (the SDK's weighted-vote argument). */
export function parseWeightedOptions(s: string): Array<{ option: VoteOption; weight: string }> {
  return s.split(",").map((part) => {
    const [name, weight] = part.split("=");
    if (name === undefined || weight === undefined)
      throw cliErrors.usage.wrap(`weighted options look like yes=0.6,no=0.4 (got ${JSON.stringify(s)})`);
    let w: bigint;
    try {
      w = parseDec(weight.trim());
    } catch {
      throw cliErrors.usage.wrap(`weight ${JSON.stringify(weight)} is not a decimal`);
    }
    return { option: voteOption(name.trim()), weight: formatDec(w) };
  });
}

/** The SDK's proposal.json: messages (with @type), metadata, deposit, title, summary, expedited. */
export function parseProposalFile(text: string, proposer: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw cliErrors.usage.wrap(`proposal file is not JSON: ${(e as Error).message}`);
  }
  const o = asObject(json, "proposal");
  const str = (k: string) => asString(optField(o, k) ?? "", `proposal.${k}`);
  return {
    messages: asArray(optField(o, "messages") ?? [], "proposal.messages").map((m, i) =>
      anyFromJson(m, `proposal.messages[${i}]`),
    ),
    initialDeposit: coinsToProto(parseCoins(str("deposit"))),
    proposer,
    metadata: str("metadata"),
    title: str("title"),
    summary: str("summary"),
    expedited: asBool(optField(o, "expedited") ?? false, "proposal.expedited"),
  };
}

const statusFlag: Record<string, ProposalStatus> = {
  deposit_period: ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD,
  voting_period: ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD,
  passed: ProposalStatus.PROPOSAL_STATUS_PASSED,
  rejected: ProposalStatus.PROPOSAL_STATUS_REJECTED,
  failed: ProposalStatus.PROPOSAL_STATUS_FAILED,
};

type GovTxOptions = TxOptions & { from?: string };

async function signer(f: GlobalFlags, o: GovTxOptions): Promise<{ key: string; address: string }> {
  if (o.from === undefined) throw cliErrors.usage.wrap("--from <key> is required");
  return { key: o.from, address: (await keyring(f, false)).show(o.from).address };
}

const q = (f: GlobalFlags, path: string, data: Uint8Array) => chainQuery(f, path, data);
const g = "/cosmos.gov.v1.Query";

export function registerGovCommands(tx: Command, qry: Command): void {
  const gov = tx.command("gov").description("governance: proposals, deposits, votes");
  const withFrom = (c: Command) => txFlags(c.option("--from <key>", "key that signs"));

  withFrom(
    gov
      .command("submit-proposal <proposal-file>")
      .description(
        "submit a proposal from a JSON file (the Cosmos SDK's format; messages' authority is the gov account, see `tcd q gov authority`)",
      ),
  ).action(async (file: string, o: GovTxOptions, cmd: Command) => {
    const f = flags(cmd);
    const s = await signer(f, o);
    const value = parseProposalFile(readFileSync(file, "utf8"), s.address);
    const res = await sendTx(f, s.key, [{ typeUrl: "/cosmos.gov.v1.MsgSubmitProposal", value }], o, true);
    const id =
      res.events.find((e) => e.type === "submit_proposal")?.attributes.find((a) => a.key === "proposal_id")?.value ??
      "";
    print(
      f,
      { txhash: res.transactionHash, height: res.height, proposal_id: id },
      `txhash: ${res.transactionHash}\nheight: ${res.height}\nproposal_id: ${id}`,
    );
  });
  withFrom(
    gov.command("deposit <proposal-id> <amount>").description("add a deposit to a proposal, e.g. 1000000utcu"),
  ).action(async (id: string, amount: string, o: GovTxOptions, cmd: Command) => {
    const f = flags(cmd);
    const s = await signer(f, o);
    const coins = parseCoins(amount);
    if (coins.length === 0) throw cliErrors.usage.wrap("amount must be positive");
    await sendTx(
      f,
      s.key,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgDeposit",
          value: { proposalId: proposalId(id), depositor: s.address, amount: coinsToProto(coins) },
        },
      ],
      o,
    );
  });
  withFrom(
    gov
      .command("vote <proposal-id> <option>")
      .description("vote yes, no, abstain or no_with_veto")
      .option("--metadata <text>", "vote metadata", ""),
  ).action(async (id: string, option: string, o: GovTxOptions & { metadata: string }, cmd: Command) => {
    const f = flags(cmd);
    const s = await signer(f, o);
    await sendTx(
      f,
      s.key,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgVote",
          value: { proposalId: proposalId(id), voter: s.address, option: voteOption(option), metadata: o.metadata },
        },
      ],
      o,
    );
  });
  withFrom(
    gov
      .command("weighted-vote <proposal-id> <weighted-options>")
      .description("split a vote, e.g. yes=0.6,no=0.4 (weights sum to 1)")
      .option("--metadata <text>", "vote metadata", ""),
  ).action(async (id: string, weighted: string, o: GovTxOptions & { metadata: string }, cmd: Command) => {
    const f = flags(cmd);
    const s = await signer(f, o);
    await sendTx(
      f,
      s.key,
      [
        {
          typeUrl: "/cosmos.gov.v1.MsgVoteWeighted",
          value: {
            proposalId: proposalId(id),
            voter: s.address,
            options: parseWeightedOptions(weighted),
            metadata: o.metadata,
          },
        },
      ],
      o,
    );
  });
  withFrom(
    gov
      .command("cancel-proposal <proposal-id>")
      .description("cancel your proposal while it is open (a share of the deposits is burned)"),
  ).action(async (id: string, o: GovTxOptions, cmd: Command) => {
    const f = flags(cmd);
    const s = await signer(f, o);
    await sendTx(
      f,
      s.key,
      [{ typeUrl: "/cosmos.gov.v1.MsgCancelProposal", value: { proposalId: proposalId(id), proposer: s.address } }],
      o,
    );
  });

  const qg = qry.command("gov").description("governance queries");
  qg.command("proposals")
    .description("proposals, optionally by status, voter or depositor")
    .option("--status <status>", "deposit_period, voting_period, passed, rejected or failed")
    .option("--voter <address>")
    .option("--depositor <address>")
    .option("--limit <n>", "page size", "100")
    .option("--page-key <base64>", "next_key of the previous page")
    .action(
      async (
        o: { status?: string; voter?: string; depositor?: string; limit: string; pageKey?: string },
        cmd: Command,
      ) => {
        const f = flags(cmd);
        const status =
          o.status === undefined ? ProposalStatus.PROPOSAL_STATUS_UNSPECIFIED : statusFlag[o.status.toLowerCase()];
        if (status === undefined)
          throw cliErrors.usage.wrap(`--status must be one of ${Object.keys(statusFlag).join(", ")}`);
        if (o.voter !== undefined) validateAddress(o.voter);
        if (o.depositor !== undefined) validateAddress(o.depositor);
        if (!/^[1-9][0-9]{0,3}$/.test(o.limit)) throw cliErrors.usage.wrap("--limit must be 1 to 9999");
        const req = gq.QueryProposalsRequest.fromPartial({
          proposalStatus: status,
          voter: o.voter ?? "",
          depositor: o.depositor ?? "",
          pagination: {
            key: o.pageKey === undefined ? new Uint8Array() : new Uint8Array(Buffer.from(o.pageKey, "base64")),
            limit: BigInt(o.limit),
          },
        });
        const res = gq.QueryProposalsResponse.decode(
          await q(f, `${g}/Proposals`, gq.QueryProposalsRequest.encode(req).finish()),
        );
        const nextKey = Buffer.from(res.pagination?.nextKey ?? new Uint8Array()).toString("base64");
        const list = res.proposals.map(proposalToJson);
        print(
          f,
          { proposals: list, pagination: { next_key: nextKey === "" ? null : nextKey } },
          list.length === 0 ? "no proposals" : list.map((p) => `${p.id}\t${p.status}\t${p.title}`).join("\n"),
        );
      },
    );
  qg.command("proposal <proposal-id>")
    .description("one proposal; with --wait, once its voting has ended (passed, rejected or failed)")
    .option("--wait", "poll (every second) until the proposal's status is final, then print it")
    .option(
      "--timeout <seconds>",
      "with --wait: give up after this long (default: until its deposit or voting period ends, plus 120 s)",
    )
    .action(async (id: string, o: { wait?: boolean; timeout?: string }, cmd: Command) => {
      const f = flags(cmd);
      const pid = proposalId(id);
      if (o.timeout !== undefined && !/^[1-9][0-9]{0,6}$/.test(o.timeout))
        throw cliErrors.usage.wrap(`--timeout must be a whole number of seconds (got ${JSON.stringify(o.timeout)})`);
      if (o.timeout !== undefined && o.wait !== true) throw cliErrors.usage.wrap("--timeout goes with --wait");
      const get = async () =>
        gq.QueryProposalResponse.decode(
          await q(f, `${g}/Proposal`, gq.QueryProposalRequest.encode({ proposalId: pid }).finish()),
        ).proposal!;
      let p = await get();
      if (o.wait === true) {
        const open = (s: ProposalStatus) =>
          s === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD || s === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD;
        const ends = () => {
          const t = p.status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD ? p.votingEndTime : p.depositEndTime;
          return t === undefined ? Date.now() : Number(t.seconds) * 1000;
        };
        const byEnd = () => Math.max(Date.now(), ends()) + 120_000;
        let deadline = o.timeout !== undefined ? Date.now() + Number(o.timeout) * 1000 : byEnd();
        if (open(p.status))
          process.stderr.write(
            `waiting for proposal ${pid} (${proposalToJson(p).status}) to end at ${new Date(ends()).toISOString()}\n`,
          );
        while (open(p.status)) {
          if (Date.now() >= deadline)
            throw cliErrors.waitTimeout.wrap(
              `proposal ${pid} is still in ${proposalToJson(p).status} (ends ${new Date(ends()).toISOString()})`,
            );
          await new Promise((r) => setTimeout(r, 1000));
          const before = p.status;
          p = await get(); // a proposal whose deposit period ends short is deleted: "doesn't exist"
          if (o.timeout === undefined && before !== p.status) deadline = byEnd(); // deposit reached: voting began
        }
      }
      print(f, proposalToJson(p));
    });
  qg.command("votes <proposal-id>")
    .description("votes on a proposal (while it is in its voting period)")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const res = gq.QueryVotesResponse.decode(
        await q(f, `${g}/Votes`, gq.QueryVotesRequest.encode({ proposalId: proposalId(id) }).finish()),
      );
      print(f, { votes: res.votes.map(voteToJson) });
    });
  qg.command("vote <proposal-id> <voter>")
    .description("one voter's vote")
    .action(async (id: string, voter: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      validateAddress(voter);
      const res = gq.QueryVoteResponse.decode(
        await q(f, `${g}/Vote`, gq.QueryVoteRequest.encode({ proposalId: proposalId(id), voter }).finish()),
      );
      print(f, voteToJson(res.vote!));
    });
  qg.command("deposits <proposal-id>")
    .description("deposits on an open proposal")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const res = gq.QueryDepositsResponse.decode(
        await q(f, `${g}/Deposits`, gq.QueryDepositsRequest.encode({ proposalId: proposalId(id) }).finish()),
      );
      print(f, { deposits: res.deposits.map(depositToJson) });
    });
  qg.command("deposit <proposal-id> <depositor>")
    .description("one depositor's deposit")
    .action(async (id: string, depositor: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      validateAddress(depositor);
      const res = gq.QueryDepositResponse.decode(
        await q(f, `${g}/Deposit`, gq.QueryDepositRequest.encode({ proposalId: proposalId(id), depositor }).finish()),
      );
      print(f, depositToJson(res.deposit!));
    });
  qg.command("tally <proposal-id>")
    .description("the tally so far (voting period) or the final one")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const t = gq.QueryTallyResultResponse.decode(
        await q(f, `${g}/TallyResult`, gq.QueryTallyResultRequest.encode({ proposalId: proposalId(id) }).finish()),
      ).tally!;
      print(f, {
        yes_count: t.yesCount,
        abstain_count: t.abstainCount,
        no_count: t.noCount,
        no_with_veto_count: t.noWithVetoCount,
      });
    });
  qg.command("params")
    .description("gov params")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const res = gq.QueryParamsResponse.decode(
        await q(f, `${g}/Params`, gq.QueryParamsRequest.encode({ paramsType: "" }).finish()),
      );
      print(f, { params: paramsToJson(paramsFromProto(res.params!)) });
    });
  qg.command("constitution")
    .description("the chain's constitution")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const res = gq.QueryConstitutionResponse.decode(await q(f, `${g}/Constitution`, new Uint8Array()));
      print(f, { constitution: res.constitution }, res.constitution === "" ? "(none)" : res.constitution);
    });
  qg.command("authority")
    .description("the gov module account: the authority of every MsgUpdateParams")
    .action((_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(f, { address: govAddress() }, govAddress());
    });
}
