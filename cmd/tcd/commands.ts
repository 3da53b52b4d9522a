import type { Command } from "commander";

// Which modules register which of tcd's top-level commands, imported on demand (main.ts).

type Register = (program: Command) => void;

interface Group {
  commands: readonly string[];
  load(): Promise<Register>;
}

/** In the order their commands appear in `tcd --help`. */
export const groups: readonly Group[] = [
  {
    commands: ["init", "genesis", "start", "chain-info", "status"],
    load: async () => {
      const { registerChainCommands } = await import("./chain.js");
      return (p) => registerChainCommands(p);
    },
  },
  {
    commands: ["keys"],
    load: async () => {
      const { registerKeysCommands } = await import("../../client/cli/commands/keys.js");
      return (p) => registerKeysCommands(p);
    },
  },
  {
    commands: ["tx", "q", "query"],
    load: async () => {
      const [bank, staking, registry, jobs, gov] = await Promise.all([
        import("../../client/cli/commands/bank.js"),
        import("../../client/cli/commands/staking.js"),
        import("../../client/cli/commands/registry.js"),
        import("../../client/cli/commands/jobs.js"),
        import("../../client/cli/commands/gov.js"),
      ]);
      return (p) => {
        const tx = p.command("tx").description("sign and broadcast transactions");
        const q = p.command("q").alias("query").description("query chain state");
        bank.registerBankCommands(tx, q);
        staking.registerStakingCommands(tx, q);
        registry.registerRegistryCommands(tx, q);
        jobs.registerJobsCommands(tx, q);
        gov.registerGovCommands(tx, q);
      };
    },
  },
  {
    commands: ["worker", "models"],
    load: async () => {
      const { registerWorkerCommands } = await import("../../client/cli/commands/worker.js");
      return (p) => registerWorkerCommands(p);
    },
  },
  {
    commands: ["localnet"],
    load: async () => {
      const { registerLocalnetCommands } = await import("./localnet.js");
      return (p) => registerLocalnetCommands(p);
    },
  },
];

/** tcd's global options that take a value (main.ts), which the command search skips over. */
const valued = new Set(["--home", "--node", "--chain-id", "-o", "--output", "--keyring-backend", "--keyring-dir"]);

/** The top-level command in tcd's arguments (after the program name), or null if none. */
export function commandOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return args[i + 1] ?? null;
    if (!a.startsWith("-")) return a;
    if (valued.has(a)) i++;
  }
  return null;
}

/** The registrations to run for `command`: its group's only, or every group's. */
export async function commandGroups(command: string | null): Promise<Register[]> {
  const own = groups.filter((g) => command !== null && g.commands.includes(command));
  return Promise.all((own.length > 0 ? own : groups).map((g) => g.load()));
}
