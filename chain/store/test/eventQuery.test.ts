import assert from "node:assert/strict";
import { flattenEvents, parseEventQuery, queryMatches } from "../eventQuery.js";

describe("event queries (CometBFT grammar)", () => {
  const events = flattenEvents([
    {
      type: "message",
      attributes: [
        { key: "sender", value: "tc1abc" },
        { key: "action", value: "/cosmos.bank.v1beta1.MsgSend" },
      ],
    },
    { type: "transfer", attributes: [{ key: "amount", value: "100utcu" }] },
    { type: "job", attributes: [{ key: "price", value: "250" }] },
  ]);
  events.set("tx.height", ["42"]);

  it("parses and matches =, numeric comparisons, CONTAINS, EXISTS and AND", () => {
    const cases: Array<[string, boolean]> = [
      ["message.sender='tc1abc'", true],
      ["message.sender = 'tc1xyz'", false],
      ["tx.height=42", true],
      ["tx.height > 41 AND tx.height <= 42", true],
      ["tx.height >= 43", false],
      ["job.price < 300", true],
      ["transfer.amount CONTAINS 'utcu'", true],
      ["transfer.amount > 5", false],
      ["job.price EXISTS", true],
      ["job.missing EXISTS", false],
      ["message.action='/cosmos.bank.v1beta1.MsgSend' AND message.sender='tc1abc'", true],
    ];
    for (const [q, want] of cases) assert.equal(queryMatches(parseEventQuery(q), events), want, q);
  });

  it("refuses malformed queries with a clear error", () => {
    for (const q of [
      "",
      "tx.height >>> 5",
      "message.sender=",
      "AND tx.height=1",
      "tx.height=1 AND",
      "a='b' OR c='d'",
      "tx.height CONTAINS 5",
    ]) {
      assert.throws(() => parseEventQuery(q), /invalid event query/, q);
    }
  });
});
