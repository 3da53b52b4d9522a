import { registerError } from "../../modules/sdk/errors.js";

// CometBFT's event query language (libs/pubsub/query): conditions joined by AND, each
// `composite.key OP operand` with OP one of = < <= > >= CONTAINS EXISTS, operands quoted
// strings or numbers. Used by tx_search and by WebSocket subscriptions.

export const queryErrors = {
  invalid: registerError("query", 2, "invalid event query"),
};

export type Operator = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";

export interface Condition {
  key: string;
  op: Operator;
  /** String operand, or a number (kept as its decimal text, compared numerically). */
  operand: { kind: "string"; value: string } | { kind: "number"; value: string } | null;
}

export type EventQuery = Condition[];

const tokenPattern =
  /\s*(?:('(?:[^'\\]|\\.)*')|(<=|>=|=|<|>)|(AND\b)|(CONTAINS\b)|(EXISTS\b)|([A-Za-z0-9_][A-Za-z0-9_.\-/]*)|(-?[0-9]+(?:\.[0-9]+)?))/y;

export function parseEventQuery(text: string): EventQuery {
  if (text.length > 4096) throw queryErrors.invalid.wrap("query longer than 4096 characters");
  const tokens: Array<{ t: string; v: string }> = [];
  tokenPattern.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    tokenPattern.lastIndex = pos;
    const m = tokenPattern.exec(text);
    if (m === null)
      throw queryErrors.invalid.wrap(
        `unexpected input at position ${pos}: ${JSON.stringify(text.slice(pos, pos + 20))}`,
      );
    pos = tokenPattern.lastIndex;
    if (m[1] !== undefined) tokens.push({ t: "str", v: m[1].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (m[2] !== undefined) tokens.push({ t: "op", v: m[2] });
    else if (m[3] !== undefined) tokens.push({ t: "and", v: "AND" });
    else if (m[4] !== undefined) tokens.push({ t: "op", v: "CONTAINS" });
    else if (m[5] !== undefined) tokens.push({ t: "exists", v: "EXISTS" });
    else if (m[7] !== undefined || (m[6] !== undefined && /^[0-9]+(\.[0-9]+)?$/.test(m[6])))
      tokens.push({ t: "num", v: (m[7] ?? m[6])! });
    else tokens.push({ t: "key", v: m[6]! });
  }
  const conds: Condition[] = [];
  let i = 0;
  while (i < tokens.length) {
    const key = tokens[i++];
    if (key?.t !== "key") throw queryErrors.invalid.wrap(`expected an event key, got ${key?.v ?? "end of query"}`);
    const op = tokens[i++];
    if (op?.t === "exists") conds.push({ key: key.v, op: "EXISTS", operand: null });
    else if (op?.t === "op") {
      const arg = tokens[i++];
      if (arg?.t === "str") conds.push({ key: key.v, op: op.v as Operator, operand: { kind: "string", value: arg.v } });
      else if (arg?.t === "num")
        conds.push({ key: key.v, op: op.v as Operator, operand: { kind: "number", value: arg.v } });
      else throw queryErrors.invalid.wrap(`expected a quoted string or a number after ${key.v} ${op.v}`);
      if (op.v === "CONTAINS" && arg.t !== "str") throw queryErrors.invalid.wrap("CONTAINS takes a quoted string");
    } else throw queryErrors.invalid.wrap(`expected an operator after ${key.v}`);
    if (i < tokens.length) {
      if (tokens[i]!.t !== "and") throw queryErrors.invalid.wrap(`expected AND, got ${tokens[i]!.v}`);
      i++;
      if (i === tokens.length) throw queryErrors.invalid.wrap("query ends with AND");
    }
  }
  if (conds.length === 0) throw queryErrors.invalid.wrap("empty query");
  return conds;
}

/** Compares decimal strings numerically (integers of any size, up to 18 fractional digits). */
function compareDecimal(a: string, b: string): number {
  const scaled = (s: string): bigint => {
    const neg = s.startsWith("-");
    const [int, frac = ""] = (neg ? s.slice(1) : s).split(".");
    const v = BigInt(int!) * 10n ** 18n + BigInt(frac.padEnd(18, "0").slice(0, 18));
    return neg ? -v : v;
  };
  const x = scaled(a);
  const y = scaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const numberText = /^-?[0-9]+(\.[0-9]+)?$/;

export function conditionMatches(c: Condition, values: readonly string[] | undefined): boolean {
  if (values === undefined || values.length === 0) return false;
  if (c.op === "EXISTS") return true;
  const operand = c.operand!;
  return values.some((v) => {
    if (c.op === "CONTAINS") return v.includes(operand.value);
    if (operand.kind === "string") {
      if (c.op === "=") return v === operand.value;
      return false;
    }
    // Numbers: attribute values like "100utcu" are not numbers and do not match.
    if (!numberText.test(v)) return false;
    const cmp = compareDecimal(v, operand.value);
    switch (c.op) {
      case "=":
        return cmp === 0;
      case "<":
        return cmp < 0;
      case "<=":
        return cmp <= 0;
      case ">":
        return cmp > 0;
      case ">=":
        return cmp >= 0;
    }
  });
}

/** Events flattened to composite keys (`type.attr`) with all their values. */
export type EventMap = Map<string, string[]>;

export function flattenEvents(
  events: ReadonlyArray<{ type: string; attributes: ReadonlyArray<{ key: string; value: string }> }>,
  into: EventMap = new Map(),
): EventMap {
  for (const e of events) {
    for (const a of e.attributes) {
      const ck = `${e.type}.${a.key}`;
      const list = into.get(ck);
      if (list === undefined) into.set(ck, [a.value]);
      else list.push(a.value);
    }
  }
  return into;
}

export function queryMatches(q: EventQuery, events: EventMap): boolean {
  return q.every((c) => conditionMatches(c, events.get(c.key)));
}
