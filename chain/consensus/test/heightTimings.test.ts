import assert from "node:assert/strict";
import type { Logger } from "../../../modules/sdk/context.js";
import { HeightTimings, LoopLag, nextHeightDelayMs } from "../heightTimings.js";
import { VoteType } from "../types.js";
import { ValidatorSet } from "../../types/validatorSet.js";

describe("height timings", () => {
  it("counts timeout_commit from the decision, as CometBFT", () => {
    assert.equal(nextHeightDelayMs(1000, 5000, 5000), 1000); // executed at once
    assert.equal(nextHeightDelayMs(1000, 5000, 5300), 700); // execution took 300 ms of it
    assert.equal(nextHeightDelayMs(1000, 5000, 6500), 0); // took longer: the next height at once
    assert.equal(nextHeightDelayMs(1000, 5000, 4000), 1000); // clock back: never more than the timeout
    assert.equal(nextHeightDelayMs(0, 5000, 5000), 0);
  });

  it("logs each height's marks after its start, once per mark, at the next height", () => {
    let now = 0;
    const lines: Array<Record<string, unknown>> = [];
    const logger: Logger = {
      debug: () => {},
      info: (msg, f) => msg === "height timings" && lines.push(f ?? {}),
      warn: () => {},
      error: () => {},
    };
    const t = new HeightTimings(logger, () => now);
    const validators = null as unknown as ValidatorSet; // not read by the timings
    now = 100;
    t.onEvent({ kind: "startHeight", height: 5n, validators });
    now = 150;
    t.mark(5n, "proposalIn");
    t.mark(4n, "proposal"); // another height: ignored
    now = 180;
    t.onAction({
      kind: "broadcastVote",
      vote: { type: VoteType.prevote, height: 5n, round: 0, valueId: "a", validator: "v" },
    });
    now = 200;
    t.onAction({
      kind: "broadcastVote",
      vote: { type: VoteType.prevote, height: 5n, round: 1, valueId: "a", validator: "v" },
    });
    t.onAction({
      kind: "decide",
      height: 5n,
      round: 1,
      value: { id: "a", payload: { block: { data: { txs: [1, 2, 3] } } } },
      precommits: [],
    });
    now = 700;
    t.mark(5n, "applied");
    now = 1200;
    t.onEvent({ kind: "startHeight", height: 6n, validators });
    assert.deepEqual(lines, [
      { height: 5n, round: 1, txs: 3, proposalIn: 50, prevote: 80, decide: 100, applied: 600, next: 1100 },
    ]);
    // A height with no decision (the node caught up by sync) logs nothing.
    t.onEvent({ kind: "startHeight", height: 7n, validators });
    assert.equal(lines.length, 1);
  });

  it("the loop-lag monitor ends by itself once its driver stopped, and comes back on restart", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let stopped = false;
    let asked = 0;
    const lag = new LoopLag(() => {
      asked++;
      return stopped;
    });
    lag.restart();
    await sleep(100);
    assert.ok(asked > 1, "it ticks while the driver runs");
    stopped = true;
    await sleep(100);
    const after = asked;
    await sleep(100);
    assert.equal(asked, after, "no tick after the driver stopped");
    lag.restart(); // stopped: stays off
    await sleep(60);
    assert.equal(asked, after + 1);
    stopped = false;
    lag.restart();
    await sleep(100);
    assert.ok(asked > after + 2, "back once the driver runs again");
    stopped = true;
  });
});
