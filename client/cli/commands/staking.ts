import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { encodePubkey } from "@cosmjs/proto-signing";
import {
  QueryCommunityPoolResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import {
  QueryParamsResponse as SlashingParamsResponse,
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import {
  QueryDelegationRequest,
  QueryDelegationResponse,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryDelegatorUnbondingDelegationsRequest,
  QueryDelegatorUnbondingDelegationsResponse,
  QueryParamsResponse,
  QueryPoolResponse,
  QueryRedelegationsRequest,
  QueryRedelegationsResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { homePaths } from "../../../chain/types/nodeConfig.js";
import { bech32Prefix, decodeAddress, encodeAddress, validateAddress } from "../../../modules/sdk/address.js";
import { parseCoins, parseDec } from "../../../modules/sdk/coins.js";
import { codec } from "../../../modules/sdk/proto.js";
import { cliErrors, flags, keyring, print, type GlobalFlags } from "../context.js";
import { chainQuery } from "../query.js";
import { sendTx, txFlags, type TxOptions } from "../tx.js";

// tcd tx staking | slashing | distribution, tcd q staking | slashing | distribution | emissions.

const valoperOf = (account: string) => encodeAddress(decodeAddress(account), bech32Prefix.validator);
const bondCoin = (s: string) => {
  const c = parseCoins(s);
  if (c.length !== 1) throw cliErrors.usage.wrap(`one amount, e.g. 1000000utcu (got ${JSON.stringify(s)})`);
  return { denom: c[0]!.denom, amount: c[0]!.amount.toString() };
};
const decAtomics = (s: string, what: string) => {
  try {
    return parseDec(s).toString();
  } catch {
    throw cliErrors.usage.wrap(`${what} must be a decimal like 0.1`);
  }
};

async function addressOf(f: GlobalFlags, key: string): Promise<string> {
  return (await keyring(f, false)).show(key).address;
}

async function q<T>(
  f: GlobalFlags,
  path: string,
  data: Uint8Array,
  decode: (b: Uint8Array) => T,
  toJson: (t: T) => unknown,
): Promise<void> {
  print(f, toJson(decode(await chainQuery(f, path, data))));
}

export function registerStakingCommands(tx: Command, qry: Command): void {
  const st = tx.command("staking").description("validators and delegations");
  txFlags(
    st
      .command("create-validator <from-key> <amount>")
      .description("make this node's consensus key a validator bonded with <amount> from <from-key>")
      .option("--pubkey <base64>", "ed25519 consensus public key (default: this home's priv_validator_key.json)")
      .option("--moniker <name>", "validator name", "validator")
      .option("--commission-rate <dec>", "commission rate", "0.10")
      .option("--commission-max-rate <dec>", "maximum commission rate", "0.20")
      .option("--commission-max-change-rate <dec>", "maximum daily change", "0.01")
      .option("--min-self-delegation <n>", "minimum self-delegation (base units)", "1"),
  ).action(
    async (
      from: string,
      amount: string,
      o: TxOptions & {
        pubkey?: string;
        moniker: string;
        commissionRate: string;
        commissionMaxRate: string;
        commissionMaxChangeRate: string;
        minSelfDelegation: string;
      },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      const operator = await addressOf(f, from);
      const pk =
        o.pubkey ??
        (JSON.parse(readFileSync(homePaths(f.home).privValidatorKey, "utf8")) as { pub_key: { value: string } }).pub_key
          .value;
      if (Buffer.from(pk, "base64").length !== 32)
        throw cliErrors.usage.wrap("--pubkey must be a base64 ed25519 key (32 bytes)");
      const value = MsgCreateValidator.fromPartial({
        description: { moniker: o.moniker },
        commission: {
          rate: decAtomics(o.commissionRate, "--commission-rate"),
          maxRate: decAtomics(o.commissionMaxRate, "--commission-max-rate"),
          maxChangeRate: decAtomics(o.commissionMaxChangeRate, "--commission-max-change-rate"),
        },
        minSelfDelegation: o.minSelfDelegation,
        validatorAddress: valoperOf(operator),
        pubkey: encodePubkey({ type: "tendermint/PubKeyEd25519", value: pk }),
        value: bondCoin(amount),
      });
      await sendTx(f, from, [{ typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator", value }], o);
    },
  );
  txFlags(
    st
      .command("edit-validator <from-key>")
      .description("change the description, commission rate or minimum self-delegation of your validator")
      .option("--moniker <name>")
      .option("--website <url>")
      .option("--details <text>")
      .option("--commission-rate <dec>")
      .option("--min-self-delegation <n>"),
  ).action(
    async (
      from: string,
      o: TxOptions & {
        moniker?: string;
        website?: string;
        details?: string;
        commissionRate?: string;
        minSelfDelegation?: string;
      },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      const keep = "[do-not-modify]";
      const value = {
        description: {
          moniker: o.moniker ?? keep,
          identity: keep,
          website: o.website ?? keep,
          securityContact: keep,
          details: o.details ?? keep,
        },
        validatorAddress: valoperOf(await addressOf(f, from)),
        commissionRate: o.commissionRate === undefined ? "" : decAtomics(o.commissionRate, "--commission-rate"),
        minSelfDelegation: o.minSelfDelegation ?? "",
      };
      await sendTx(f, from, [{ typeUrl: "/cosmos.staking.v1beta1.MsgEditValidator", value }], o);
    },
  );
  txFlags(
    st.command("delegate <from-key> <validator> <amount>").description("bond <amount> to a validator (tcvaloper1...)"),
  ).action(async (from: string, val: string, amount: string, o: TxOptions, cmd: Command) => {
    const f = flags(cmd);
    validateAddress(val, bech32Prefix.validator);
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
          value: { delegatorAddress: await addressOf(f, from), validatorAddress: val, amount: bondCoin(amount) },
        },
      ],
      o,
    );
  });
  txFlags(
    st
      .command("unbond <from-key> <validator> <amount>")
      .description("start unbonding <amount> from a validator (paid after the unbonding period)"),
  ).action(async (from: string, val: string, amount: string, o: TxOptions, cmd: Command) => {
    const f = flags(cmd);
    validateAddress(val, bech32Prefix.validator);
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
          value: { delegatorAddress: await addressOf(f, from), validatorAddress: val, amount: bondCoin(amount) },
        },
      ],
      o,
    );
  });
  txFlags(
    st
      .command("redelegate <from-key> <src-validator> <dst-validator> <amount>")
      .description("move bonded stake to another validator without unbonding"),
  ).action(async (from: string, src: string, dst: string, amount: string, o: TxOptions, cmd: Command) => {
    const f = flags(cmd);
    validateAddress(src, bech32Prefix.validator);
    validateAddress(dst, bech32Prefix.validator);
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
          value: {
            delegatorAddress: await addressOf(f, from),
            validatorSrcAddress: src,
            validatorDstAddress: dst,
            amount: bondCoin(amount),
          },
        },
      ],
      o,
    );
  });

  const sl = tx.command("slashing").description("validator liveness");
  txFlags(
    sl
      .command("unjail <from-key>")
      .description("bring your jailed validator back (after the jail time; never after a double sign)"),
  ).action(async (from: string, o: TxOptions, cmd: Command) => {
    const f = flags(cmd);
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail",
          value: { validatorAddr: valoperOf(await addressOf(f, from)) },
        },
      ],
      o,
    );
  });

  const dist = tx.command("distribution").description("staking rewards");
  txFlags(
    dist
      .command("withdraw-rewards <from-key> <validator>")
      .description("withdraw the rewards of your delegation to a validator")
      .option("--commission", "also withdraw the commission (when <from-key> operates <validator>)", false),
  ).action(async (from: string, val: string, o: TxOptions & { commission: boolean }, cmd: Command) => {
    const f = flags(cmd);
    validateAddress(val, bech32Prefix.validator);
    const msgs: Array<{ typeUrl: string; value: unknown }> = [
      {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
        value: { delegatorAddress: await addressOf(f, from), validatorAddress: val },
      },
    ];
    if (o.commission)
      msgs.push({
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
        value: { validatorAddress: val },
      });
    await sendTx(f, from, msgs, o);
  });
  txFlags(dist.command("withdraw-commission <from-key>").description("withdraw your validator's commission")).action(
    async (from: string, o: TxOptions, cmd: Command) => {
      const f = flags(cmd);
      await sendTx(
        f,
        from,
        [
          {
            typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
            value: { validatorAddress: valoperOf(await addressOf(f, from)) },
          },
        ],
        o,
      );
    },
  );

  // ---- queries ----
  const qs = qry.command("staking").description("validators and delegations");
  const s = "/cosmos.staking.v1beta1.Query";
  qs.command("validators")
    .description("all validators")
    .option("--status <status>", "BOND_STATUS_BONDED, BOND_STATUS_UNBONDING or BOND_STATUS_UNBONDED")
    .action(async (o: { status?: string }, cmd: Command) => {
      await q(
        flags(cmd),
        `${s}/Validators`,
        QueryValidatorsRequest.encode({ status: o.status ?? "" }).finish(),
        QueryValidatorsResponse.decode,
        QueryValidatorsResponse.toJSON,
      );
    });
  qs.command("validator <validator>")
    .description("one validator")
    .action(async (val: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${s}/Validator`,
        QueryValidatorRequest.encode({ validatorAddr: val }).finish(),
        QueryValidatorResponse.decode,
        QueryValidatorResponse.toJSON,
      );
    });
  qs.command("delegation <delegator> <validator>")
    .description("one delegation and its balance")
    .action(async (d: string, v: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${s}/Delegation`,
        QueryDelegationRequest.encode({ delegatorAddr: d, validatorAddr: v }).finish(),
        QueryDelegationResponse.decode,
        QueryDelegationResponse.toJSON,
      );
    });
  qs.command("delegations <delegator>")
    .description("all delegations of an address")
    .action(async (d: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${s}/DelegatorDelegations`,
        QueryDelegatorDelegationsRequest.encode({ delegatorAddr: d }).finish(),
        QueryDelegatorDelegationsResponse.decode,
        QueryDelegatorDelegationsResponse.toJSON,
      );
    });
  qs.command("unbonding-delegations <delegator>")
    .description("what an address is unbonding, with completion times")
    .action(async (d: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${s}/DelegatorUnbondingDelegations`,
        QueryDelegatorUnbondingDelegationsRequest.encode({ delegatorAddr: d }).finish(),
        QueryDelegatorUnbondingDelegationsResponse.decode,
        QueryDelegatorUnbondingDelegationsResponse.toJSON,
      );
    });
  qs.command("redelegations <delegator>")
    .description("redelegations still maturing")
    .action(async (d: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${s}/Redelegations`,
        QueryRedelegationsRequest.encode({ delegatorAddr: d, srcValidatorAddr: "", dstValidatorAddr: "" }).finish(),
        QueryRedelegationsResponse.decode,
        QueryRedelegationsResponse.toJSON,
      );
    });
  qs.command("pool")
    .description("bonded and not-bonded tokens")
    .action(async (_o: unknown, cmd: Command) => {
      await q(flags(cmd), `${s}/Pool`, new Uint8Array(), QueryPoolResponse.decode, QueryPoolResponse.toJSON);
    });
  qs.command("params")
    .description("staking params")
    .action(async (_o: unknown, cmd: Command) => {
      await q(flags(cmd), `${s}/Params`, new Uint8Array(), QueryParamsResponse.decode, QueryParamsResponse.toJSON);
    });

  const qsl = qry.command("slashing").description("liveness and jail records");
  qsl
    .command("signing-info <valcons>")
    .description("a validator's signing record (tcvalcons1...)")
    .action(async (c: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        "/cosmos.slashing.v1beta1.Query/SigningInfo",
        QuerySigningInfoRequest.encode({ consAddress: c }).finish(),
        QuerySigningInfoResponse.decode,
        QuerySigningInfoResponse.toJSON,
      );
    });
  qsl
    .command("signing-infos")
    .description("every validator's signing record")
    .action(async (_o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        "/cosmos.slashing.v1beta1.Query/SigningInfos",
        QuerySigningInfosRequest.encode({}).finish(),
        QuerySigningInfosResponse.decode,
        QuerySigningInfosResponse.toJSON,
      );
    });
  qsl
    .command("params")
    .description("slashing params")
    .action(async (_o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        "/cosmos.slashing.v1beta1.Query/Params",
        new Uint8Array(),
        SlashingParamsResponse.decode,
        SlashingParamsResponse.toJSON,
      );
    });

  const qd = qry.command("distribution").description("staking rewards");
  const d = "/cosmos.distribution.v1beta1.Query";
  qd.command("rewards <delegator> [validator]")
    .description("pending rewards (18-decimal amounts), of one delegation or all")
    .action(async (del: string, val: string | undefined, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      if (val === undefined)
        await q(
          f,
          `${d}/DelegationTotalRewards`,
          QueryDelegationTotalRewardsRequest.encode({ delegatorAddress: del }).finish(),
          QueryDelegationTotalRewardsResponse.decode,
          QueryDelegationTotalRewardsResponse.toJSON,
        );
      else
        await q(
          f,
          `${d}/DelegationRewards`,
          QueryDelegationRewardsRequest.encode({ delegatorAddress: del, validatorAddress: val }).finish(),
          QueryDelegationRewardsResponse.decode,
          QueryDelegationRewardsResponse.toJSON,
        );
    });
  qd.command("commission <validator>")
    .description("a validator's commission not yet withdrawn")
    .action(async (val: string, _o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${d}/ValidatorCommission`,
        QueryValidatorCommissionRequest.encode({ validatorAddress: val }).finish(),
        QueryValidatorCommissionResponse.decode,
        QueryValidatorCommissionResponse.toJSON,
      );
    });
  qd.command("community-pool")
    .description("the community pool")
    .action(async (_o: unknown, cmd: Command) => {
      await q(
        flags(cmd),
        `${d}/CommunityPool`,
        new Uint8Array(),
        QueryCommunityPoolResponse.decode,
        QueryCommunityPoolResponse.toJSON,
      );
    });

  const qe = qry.command("emissions").description("issuance");
  const file = "emissions/v1/emissions.proto";
  const show = (name: string) => async (_o: unknown, cmd: Command) => {
    const c = codec<Record<string, unknown>>(file, `tcompute.emissions.v1.Query${name}Response`);
    await q(flags(cmd), `/tcompute.emissions.v1.Query/${name}`, new Uint8Array(), c.decode, (x) => x);
  };
  qe.command("schedule")
    .description("issuance params, the current per-block amount and the next decay")
    .action(show("Schedule"));
  qe.command("totals").description("minted and burned so far, and the community pool").action(show("Totals"));
  qe.command("provider-pool")
    .description("the provider pool, its next payout and this epoch's verified work")
    .action(show("ProviderPool"));
}
