import { Command, CommanderError } from "commander";
import { registerLocalnetCommands } from "./localnet.js";
import { registerBankCommands } from "../../client/cli/commands/bank.js";
import { registerChainCommands } from "./chain.js";
import { registerGovCommands } from "../../client/cli/commands/gov.js";
import { registerKeysCommands } from "../../client/cli/commands/keys.js";
import { registerJobsCommands } from "../../client/cli/commands/jobs.js";
import { registerRegistryCommands } from "../../client/cli/commands/registry.js";
import { registerStakingCommands } from "../../client/cli/commands/staking.js";
import { registerWorkerCommands } from "../../client/cli/commands/worker.js";
import { defaultHome, describeError } from "../../client/cli/context.js";

const program = new Command("tcd")
  .description("tcompute: a Cosmos-style marketplace for AI inference compute")
  .version("0.1.0")
  .option("--home <dir>", "node and keyring directory", defaultHome())
  .option("--node <url>", "RPC endpoint of a node", "http://127.0.0.1:26657")
  .option("--chain-id <id>", "chain id (checked against the node when signing)")
  .option("-o, --output <format>", "text or json", "text")
  .option("--keyring-backend <backend>", "file (encrypted) or test (unencrypted, local only)", "file")
  .option("--keyring-dir <dir>", "keyring directory (default: <home>/keyring-<backend>)")
  .option("-y, --yes", "skip confirmations", false)
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

registerChainCommands(program);
registerKeysCommands(program);
const tx = program.command("tx").description("sign and broadcast transactions");
const q = program.command("q").alias("query").description("query chain state");
registerBankCommands(tx, q);
registerStakingCommands(tx, q);
registerRegistryCommands(tx, q);
registerJobsCommands(tx, q);
registerGovCommands(tx, q);
registerWorkerCommands(program);
registerLocalnetCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(describeError(e) + "\n");
    process.exitCode = 1;
  }
}
