import type { Logger } from "../../modules/sdk/context.js";

const levels = { debug: 0, info: 1, warn: 2, error: 3 } as const;
export type LogLevel = keyof typeof levels;

function fmt(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex").toUpperCase();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}

/** A logfmt-style logger on stderr (CometBFT's plain format): `I[time] msg key=value ...`. */
export function createLogger(
  level: LogLevel,
  module = "",
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const min = levels[level];
  const log = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (levels[lvl] < min) return;
    const parts = [`${lvl[0]!.toUpperCase()}[${new Date().toISOString()}]`, msg.padEnd(32)];
    if (module !== "") parts.push(`module=${module}`);
    for (const [k, v] of Object.entries(fields ?? {})) parts.push(`${k}=${fmt(v)}`);
    write(parts.join(" ") + "\n");
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
  };
}
