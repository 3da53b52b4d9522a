import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

// Where the project finds the CometBFT binary it runs the application under:
// $TCD_COMETBFT, else `cometbft` on PATH, else ~/go/bin/cometbft (where `go install` puts it).

/** The release `go install github.com/cometbft/cometbft/cmd/cometbft@v0.38.26` builds. */
export const cometbftVersion = "0.38.26";

export interface CometbftBinary {
  path: string;
  version: string;
}

function candidates(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  if (env["TCD_COMETBFT"] !== undefined && env["TCD_COMETBFT"] !== "") return [env["TCD_COMETBFT"]];
  for (const dir of (env["PATH"] ?? "").split(delimiter)) if (dir !== "") out.push(join(dir, "cometbft"));
  if (env["GOBIN"] !== undefined && env["GOBIN"] !== "") out.push(join(env["GOBIN"], "cometbft"));
  out.push(join(homedir(), "go", "bin", "cometbft"));
  return out;
}

/** The first CometBFT binary found that runs and reports a v0.38 version, or why there is none. */
export function findCometbft(env: NodeJS.ProcessEnv = process.env): CometbftBinary | { missing: string } {
  const tried: string[] = [];
  for (const path of candidates(env)) {
    if (!existsSync(path)) {
      tried.push(`${path} (absent)`);
      continue;
    }
    let version: string;
    try {
      version = execFileSync(path, ["version"], {
        encoding: "utf8",
        timeout: 10_000,
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch (e) {
      tried.push(`${path} (does not run: ${(e as Error).message.split("\n")[0]})`);
      continue;
    }
    if (!/^0\.38\.[0-9]+/.test(version)) {
      tried.push(`${path} (version ${version}, need 0.38.x)`);
      continue;
    }
    return { path, version };
  }
  return {
    missing: `no CometBFT v0.38 binary (tried ${tried.join(", ")}); build it with: go install github.com/cometbft/cometbft/cmd/cometbft@v${cometbftVersion}, or set $TCD_COMETBFT`,
  };
}
