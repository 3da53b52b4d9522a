import { readFileSync, writeFileSync } from "node:fs";
import type { OfflineDirectSigner } from "@cosmjs/proto-signing";
import { govAddress } from "../../modules/gov/keeper.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb } from "../../modules/jobs/params.js";
import { msgUpdateParamsCodec } from "../../modules/jobs/updateParams.js";
import { nopLogger } from "../../modules/sdk/context.js";
import { createNode, type Node } from "../node/node.js";
import { homePaths, loadConfig, type NodeConfig } from "../types/nodeConfig.js";
import { makeTestHome } from "./nodeProcess.js";

// The set-up of the tests that drive governance through cosmjs against a node in process: one
// validator (carol's gentx), a funded proposer (alice), gov's periods short, and the proposal
// messages those tests submit.

/** The mnemonic whose accounts 0 (alice) and 2 (carol) the gov client tests sign with. */
export const govMnemonic =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/** Gov's periods in the genesis, as durations ("60s"). */
export interface GovPeriods {
  max_deposit_period: string;
  voting_period: string;
  expedited_voting_period: string;
}

/**
 * Starts a node in memory: alice holds 10^10 utcu, carol 10^9 and is its one staking validator
 * (a gentx of 100 TCU signed by `signer`), gov's min deposit is 1 TCU with the given periods,
 * blocks every 100 ms. The caller stops it.
 */
export async function startGovNode(opts: {
  signer: OfflineDirectSigner;
  alice: string;
  carol: string;
  periods: GovPeriods;
  editConfig?: (c: NodeConfig) => void | Promise<void>;
}): Promise<Node> {
  const home = await makeTestHome({
    accounts: [
      { address: opts.alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] },
      { address: opts.carol, coins: [{ denom: "utcu", amount: 1_000_000_000n }] },
    ],
    gentx: { signer: opts.signer, operator: opts.carol, amount: 100_000_000n },
  });
  const path = homePaths(home.home).genesis;
  const doc = JSON.parse(readFileSync(path, "utf8")) as { app_state: { gov: { params: Record<string, unknown> } } };
  Object.assign(doc.app_state.gov.params, { min_deposit: [{ denom: "utcu", amount: "1000000" }], ...opts.periods });
  writeFileSync(path, JSON.stringify(doc, null, 2));
  const config = loadConfig(home.home);
  config.consensus.timeout_commit = "100ms";
  await opts.editConfig?.(config);
  const node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
  await node.start();
  return node;
}

/** A message as a proposal carries it (an Any). */
export interface ProposalMessage {
  typeUrl: string;
  value: Uint8Array;
}

/** Jobs' MsgUpdateParams by gov: the default params with this commit window. */
export function jobsParamsUpdate(commitWindow: bigint): ProposalMessage {
  return {
    typeUrl: msgUpdateParamsCodec.typeUrl,
    value: msgUpdateParamsCodec.encode({
      authority: govAddress(),
      params: jobsToPb({ ...jobsDefaults(), commitWindow }),
    }),
  };
}

/** A gov v1 MsgSubmitProposal (not expedited, no metadata) as cosmjs's signAndBroadcast takes it. */
export function submitProposalMsg(
  proposer: string,
  messages: readonly ProposalMessage[],
  deposit: string,
  title: string,
  summary: string,
) {
  return {
    typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
    value: {
      messages: [...messages],
      initialDeposit: [{ denom: "utcu", amount: deposit }],
      proposer,
      metadata: "",
      title,
      summary,
      expedited: false,
    },
  };
}
