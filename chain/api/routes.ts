import * as authQ from "cosmjs-types/cosmos/auth/v1beta1/query";
import * as bankQ from "cosmjs-types/cosmos/bank/v1beta1/query";
import * as tmQ from "cosmjs-types/cosmos/base/tendermint/v1beta1/query";
import * as distrQ from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as govQ from "cosmjs-types/cosmos/gov/v1/query";
import * as govLegacyQ from "cosmjs-types/cosmos/gov/v1beta1/query";
import * as slashingQ from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as stakingQ from "cosmjs-types/cosmos/staking/v1beta1/query";
import * as txS from "cosmjs-types/cosmos/tx/v1beta1/service";

// The Cosmos SDK's gRPC-gateway routes (SDK 0.50's REST paths) that explorers such as Ping.pub
// and wallets such as Keplr call, each mapped onto the ABCI query path that answers it: the REST
// API only translates, every answer comes from the same handlers abci_query reaches.

export interface MessageCodec {
  fromJSON(o: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toJSON(m: unknown): unknown;
}

export interface Route {
  method: "GET" | "POST";
  /** Path segments; `{name}` binds the request field `name` (snake_case, as in the .proto). */
  segments: string[];
  /** The ABCI query path (gRPC method) that answers it. */
  path: string;
  request: MessageCodec;
  response: MessageCodec;
}

type Ns = Record<string, unknown>;

function route(method: "GET" | "POST", pattern: string, ns: Ns, grpc: string): Route {
  const [service, m] = grpc.split("/") as [string, string];
  const base = service.endsWith(".Query") ? `Query${m}` : m;
  const request = ns[`${base}Request`] as MessageCodec | undefined;
  const response = ns[`${base}Response`] as MessageCodec | undefined;
  if (request === undefined || response === undefined) throw new Error(`no codec for ${grpc}`);
  return { method, segments: pattern.split("/").filter((s) => s !== ""), path: `/${grpc}`, request, response };
}

const get = (pattern: string, ns: Ns, grpc: string) => route("GET", pattern, ns, grpc);

const tm = "/cosmos/base/tendermint/v1beta1";
const auth = "/cosmos/auth/v1beta1";
const bank = "/cosmos/bank/v1beta1";
const staking = "/cosmos/staking/v1beta1";
const distr = "/cosmos/distribution/v1beta1";
const slashing = "/cosmos/slashing/v1beta1";
const tx = "/cosmos/tx/v1beta1";
const gov = "/cosmos/gov/v1";
const govLegacy = "/cosmos/gov/v1beta1";

/** x/gov's routes, as the google.api.http annotations of cosmos/gov/{v1,v1beta1}/query.proto name them. */
function govRoutes(prefix: string, ns: Ns, service: string): Route[] {
  return [
    get(`${prefix}/proposals`, ns, `${service}/Proposals`),
    get(`${prefix}/proposals/{proposal_id}`, ns, `${service}/Proposal`),
    get(`${prefix}/proposals/{proposal_id}/votes`, ns, `${service}/Votes`),
    get(`${prefix}/proposals/{proposal_id}/votes/{voter}`, ns, `${service}/Vote`),
    get(`${prefix}/proposals/{proposal_id}/deposits`, ns, `${service}/Deposits`),
    get(`${prefix}/proposals/{proposal_id}/deposits/{depositor}`, ns, `${service}/Deposit`),
    get(`${prefix}/proposals/{proposal_id}/tally`, ns, `${service}/TallyResult`),
    get(`${prefix}/params/{params_type}`, ns, `${service}/Params`),
  ];
}

/** In match order: a literal segment ("latest") before a binding at the same place. */
export const cosmosRoutes: Route[] = [
  get(`${tm}/node_info`, tmQ, "cosmos.base.tendermint.v1beta1.Service/GetNodeInfo"),
  get(`${tm}/syncing`, tmQ, "cosmos.base.tendermint.v1beta1.Service/GetSyncing"),
  get(`${tm}/blocks/latest`, tmQ, "cosmos.base.tendermint.v1beta1.Service/GetLatestBlock"),
  get(`${tm}/blocks/{height}`, tmQ, "cosmos.base.tendermint.v1beta1.Service/GetBlockByHeight"),
  get(`${tm}/validatorsets/latest`, tmQ, "cosmos.base.tendermint.v1beta1.Service/GetLatestValidatorSet"),
  get(`${tm}/validatorsets/{height}`, tmQ, "cosmos.base.tendermint.v1beta1.Service/GetValidatorSetByHeight"),

  get(`${auth}/accounts/{address}`, authQ, "cosmos.auth.v1beta1.Query/Account"),
  get(`${auth}/account_info/{address}`, authQ, "cosmos.auth.v1beta1.Query/AccountInfo"),
  get(`${auth}/params`, authQ, "cosmos.auth.v1beta1.Query/Params"),

  get(`${bank}/balances/{address}/by_denom`, bankQ, "cosmos.bank.v1beta1.Query/Balance"),
  get(`${bank}/balances/{address}`, bankQ, "cosmos.bank.v1beta1.Query/AllBalances"),
  get(`${bank}/supply/by_denom`, bankQ, "cosmos.bank.v1beta1.Query/SupplyOf"),
  get(`${bank}/supply`, bankQ, "cosmos.bank.v1beta1.Query/TotalSupply"),
  get(`${bank}/denoms_metadata/{denom}`, bankQ, "cosmos.bank.v1beta1.Query/DenomMetadata"),
  get(`${bank}/denoms_metadata`, bankQ, "cosmos.bank.v1beta1.Query/DenomsMetadata"),
  get(`${bank}/params`, bankQ, "cosmos.bank.v1beta1.Query/Params"),

  get(`${staking}/validators`, stakingQ, "cosmos.staking.v1beta1.Query/Validators"),
  get(`${staking}/validators/{validator_addr}`, stakingQ, "cosmos.staking.v1beta1.Query/Validator"),
  get(
    `${staking}/validators/{validator_addr}/delegations`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/ValidatorDelegations",
  ),
  get(
    `${staking}/validators/{validator_addr}/delegations/{delegator_addr}`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/Delegation",
  ),
  get(
    `${staking}/validators/{validator_addr}/delegations/{delegator_addr}/unbonding_delegation`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/UnbondingDelegation",
  ),
  get(
    `${staking}/validators/{validator_addr}/unbonding_delegations`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/ValidatorUnbondingDelegations",
  ),
  get(`${staking}/delegations/{delegator_addr}`, stakingQ, "cosmos.staking.v1beta1.Query/DelegatorDelegations"),
  get(
    `${staking}/delegators/{delegator_addr}/unbonding_delegations`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations",
  ),
  get(`${staking}/delegators/{delegator_addr}/redelegations`, stakingQ, "cosmos.staking.v1beta1.Query/Redelegations"),
  get(
    `${staking}/delegators/{delegator_addr}/validators`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/DelegatorValidators",
  ),
  get(
    `${staking}/delegators/{delegator_addr}/validators/{validator_addr}`,
    stakingQ,
    "cosmos.staking.v1beta1.Query/DelegatorValidator",
  ),
  get(`${staking}/historical_info/{height}`, stakingQ, "cosmos.staking.v1beta1.Query/HistoricalInfo"),
  get(`${staking}/pool`, stakingQ, "cosmos.staking.v1beta1.Query/Pool"),
  get(`${staking}/params`, stakingQ, "cosmos.staking.v1beta1.Query/Params"),

  get(`${distr}/params`, distrQ, "cosmos.distribution.v1beta1.Query/Params"),
  get(
    `${distr}/validators/{validator_address}/outstanding_rewards`,
    distrQ,
    "cosmos.distribution.v1beta1.Query/ValidatorOutstandingRewards",
  ),
  get(
    `${distr}/validators/{validator_address}/commission`,
    distrQ,
    "cosmos.distribution.v1beta1.Query/ValidatorCommission",
  ),
  get(`${distr}/validators/{validator_address}/slashes`, distrQ, "cosmos.distribution.v1beta1.Query/ValidatorSlashes"),
  get(
    `${distr}/delegators/{delegator_address}/rewards/{validator_address}`,
    distrQ,
    "cosmos.distribution.v1beta1.Query/DelegationRewards",
  ),
  get(
    `${distr}/delegators/{delegator_address}/rewards`,
    distrQ,
    "cosmos.distribution.v1beta1.Query/DelegationTotalRewards",
  ),
  get(
    `${distr}/delegators/{delegator_address}/validators`,
    distrQ,
    "cosmos.distribution.v1beta1.Query/DelegatorValidators",
  ),
  get(
    `${distr}/delegators/{delegator_address}/withdraw_address`,
    distrQ,
    "cosmos.distribution.v1beta1.Query/DelegatorWithdrawAddress",
  ),
  get(`${distr}/community_pool`, distrQ, "cosmos.distribution.v1beta1.Query/CommunityPool"),

  get(`${slashing}/params`, slashingQ, "cosmos.slashing.v1beta1.Query/Params"),
  get(`${slashing}/signing_infos`, slashingQ, "cosmos.slashing.v1beta1.Query/SigningInfos"),
  get(`${slashing}/signing_infos/{cons_address}`, slashingQ, "cosmos.slashing.v1beta1.Query/SigningInfo"),

  get(`${tx}/txs/{hash}`, txS, "cosmos.tx.v1beta1.Service/GetTx"),
  get(`${tx}/txs`, txS, "cosmos.tx.v1beta1.Service/GetTxsEvent"),
  route("POST", `${tx}/simulate`, txS, "cosmos.tx.v1beta1.Service/Simulate"),

  get(`${gov}/constitution`, govQ, "cosmos.gov.v1.Query/Constitution"),
  ...govRoutes(gov, govQ, "cosmos.gov.v1.Query"),
  ...govRoutes(govLegacy, govLegacyQ, "cosmos.gov.v1beta1.Query"),
];

/** The route a method and path name, with its path bindings; null if none. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; bindings: Record<string, string> } | null {
  const parts = pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  for (const r of routes) {
    if (r.method !== method || r.segments.length !== parts.length) continue;
    const bindings: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = r.segments[i]!;
      if (seg.startsWith("{")) bindings[seg.slice(1, -1)] = parts[i]!;
      else ok = seg === parts[i];
    }
    if (ok) return { route: r, bindings };
  }
  return null;
}
