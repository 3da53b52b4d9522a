import type { ChildProcess } from "node:child_process";

// Node processes started by the test kit (tcd start, tcd CLI runs) die with the process that
// started them: at exit, and on SIGINT / SIGTERM / SIGHUP when nothing else handles those (a
// benchmark stopped with Ctrl-C or kill), so that no node keeps running, holding ports and
// writing into a removed home.

const alive = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  // SIGTERM, not SIGKILL: tcd stops the processes it started itself (a CometBFT engine) on it.
  for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  alive.clear();
}

function hook(): void {
  hooked = true;
  process.once("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    // Someone else (mocha, a CLI) owns this signal: leave its handling alone; "exit" still runs.
    if (process.listenerCount(sig) > 0) continue;
    // Exit with the shell's code for that signal; exit() runs the exit handlers (children
    // killed, temporary homes removed), which dying of the signal itself would skip.
    const onSignal = (): void => process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    process.on(sig, onSignal);
  }
}

/** Registers a child to be killed when this process exits or is stopped by a signal. */
export function killWithParent(child: ChildProcess): ChildProcess {
  if (!hooked) hook();
  alive.add(child);
  child.once("exit", () => alive.delete(child));
  return child;
}
