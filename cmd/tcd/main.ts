import { Command, CommanderError } from "commander";
import { defaultHome, describeError } from "../../client/cli/context.js";
import { commandGroups, commandOf } from "./commands.js";

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

// Each command's modules are imported only when it runs (a validator does not load the worker's
// code, nor a worker the node's): the command is the first argument that is not a global option.
// Without one (tcd --help), or for one not listed, every group is loaded.
for (const register of await commandGroups(commandOf(process.argv.slice(2)))) register(program);

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
