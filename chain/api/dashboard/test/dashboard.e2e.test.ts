import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { rawKeyFromSeed, signTx, type RawKey } from "../../../../client/sdk/signing.js";
import { jobsCodecs, JobState, type Job } from "../../../../modules/jobs/index.js";
import { any, fee, SimWorker, strategies } from "../../../testkit/simWorkers.js";
import { registryCodecs } from "../../../../modules/registry/index.js";
import { nopLogger } from "../../../../modules/sdk/context.js";
import { homePaths, loadConfig } from "../../../types/nodeConfig.js";
import { createNode, type Node } from "../../../node/node.js";
import { freePort, makeTestHome } from "../../../testkit/nodeProcess.js";

// The web dashboard (issue 14 item 1) against a one-validator node in this process: a simulated
// provider settles a job, then Debian's Chromium (driven by playwright-core) loads the page and
// must show the job settled with its provider, its timeline, and the block height moving; then
// a new job's states arrive over the node's RPC WebSocket with no polling, and when the socket is
// cut the page says so, polls, and reconnects.

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const chromiumPath = "/usr/bin/chromium";
const requester = rawKeyFromSeed("dashboard-requester");
const provider = rawKeyFromSeed("dashboard-provider");
const model = createHash("sha256").update("dashboard-model").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("web dashboard", function () {
  this.timeout(120_000);
  let node: Node;
  let rpc: Comet38Client;
  let base: string;
  let chainId: string;
  let jobId: string;
  let rpcPort: number;

  async function query(path: string, data: Uint8Array): Promise<Uint8Array> {
    const r = await rpc.abciQuery({ path, data });
    if (r.code !== 0) throw new Error(`${path}: ${r.log ?? r.code}`);
    return r.value;
  }

  /** Signs, broadcasts and waits until the tx is in a block; fails on a non-zero code. */
  async function deliver(key: RawKey, msgs: Any[]): Promise<void> {
    const acc = BaseAccount.decode(
      QueryAccountResponse.decode(
        await query(
          "/cosmos.auth.v1beta1.Query/Account",
          QueryAccountRequest.encode({ address: key.address }).finish(),
        ),
      ).account!.value,
    );
    const tx = signTx(key, {
      chainId,
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      msgs,
      fee,
      includePubKey: true,
    });
    const r = await rpc.broadcastTxSync({ tx });
    assert.equal(r.code, 0, r.log);
    for (let i = 0; i < 200; i++) {
      try {
        const res = await rpc.tx({ hash: r.hash });
        assert.equal(res.result.code, 0, res.result.log);
        return;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        await sleep(50);
      }
    }
    throw new Error("tx not included");
  }

  const job = async (id: string): Promise<Job> =>
    jobsCodecs.queryJobResponse.decode(
      await query("/tcompute.jobs.v1.Query/Job", jobsCodecs.queryJobRequest.encode({ id })),
    ).job!;

  const submitJob = () =>
    deliver(requester, [
      any(
        jobsCodecs.msgSubmitJob.typeUrl,
        jobsCodecs.msgSubmitJob.encode({
          requester: requester.address,
          model,
          inputs: [{ inline: new Uint8Array([1, 2, 3]), uri: "", sha256: "" }],
          sealed: [],
          k: 1,
          maxPricePerUnit: "10utcu",
          deadlineBlocks: "20",
          minReputation: 0,
          gpu: null,
        }),
      ),
    ]);

  /** The provider's worker, simulated: commit, then reveal, each in its own tx. */
  async function settle(id: string): Promise<void> {
    const worker = new SimWorker(provider, strategies.honest, () => rule);
    for (let i = 0; i < 100 && (await job(id)).state !== JobState.settled; i++) {
      const msgs = worker.messages([await job(id)]);
      if (msgs.length > 0) await deliver(provider, msgs);
      else await sleep(100);
    }
  }

  /** Debian's Chromium with a fresh profile (playwright passes it as --user-data-dir). */
  async function launch(profile: string): Promise<BrowserContext> {
    return chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1400, height: 1000 },
    });
  }

  before(async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0)],
    });
    const [operator] = (await wallet.getAccounts()).map((a) => a.address) as [string];
    const funded = (address: string) => ({ address, coins: [{ denom: "utcu", amount: 10_000_000_000n }] });
    const home = await makeTestHome({
      accounts: [funded(operator), funded(requester.address), funded(provider.address)],
      gentx: { signer: wallet, operator, amount: 100_000_000n },
    });
    chainId = home.chainId;
    const genesisFile = homePaths(home.home).genesis;
    const doc = JSON.parse(readFileSync(genesisFile, "utf8")) as {
      app_state: { jobs: { params: Record<string, unknown> } };
    };
    Object.assign(doc.app_state.jobs.params, {
      commit_window: "5",
      reveal_window: "5",
      audit_rate_ppm: 0,
      audit_rate_single_ppm: 0,
      audit_rate_low_reputation_ppm: 0,
    });
    writeFileSync(genesisFile, JSON.stringify(doc, null, 2));
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "200ms";
    config.api.enable = true;
    config.api.address = `tcp://127.0.0.1:${await freePort()}`;
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    base = `http://${node.apiAddress}`;
    rpc = await Comet38Client.connect(`http://${node.rpcAddress}`);
    rpcPort = Number(node.rpcAddress.split(":").pop());

    await deliver(requester, [
      any(
        registryCodecs.msgRegisterModel.typeUrl,
        registryCodecs.msgRegisterModel.encode({
          owner: requester.address,
          hash: model,
          name: "mlp-demo",
          inputs: [{ name: "x", dtype: "float32", shape: [-1, 16] }],
          outputs: [{ name: "y", dtype: "float32", shape: [-1, 64] }],
          computeUnits: "10",
          rule,
          uri: "",
        }),
      ),
    ]);
    await deliver(provider, [
      any(
        registryCodecs.msgRegisterProvider.typeUrl,
        registryCodecs.msgRegisterProvider.encode({
          owner: provider.address,
          moniker: "gpu-farm-1",
          gpus: [{ vendor: "nvidia", model: "L4", memoryMib: 24576, count: 2 }],
          models: [model],
          pricePerUnit: "5utcu",
          slots: 2,
          x25519Pubkey: new Uint8Array(32).fill(7),
          endpoint: "",
          bond: "20000000",
        }),
      ),
    ]);
    await submitJob();
    jobId = "1";
    await settle(jobId);
    assert.equal((await job(jobId)).state, JobState.settled);
  });

  after(async () => {
    rpc?.disconnect();
    await node?.stop();
  });

  it("is served by the API server at / and /dashboard/, bundled with its chart library (no CDN)", async () => {
    for (const path of ["/", "/dashboard/"]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const html = await res.text();
      assert.match(html, /src="\/dashboard\/app\.js"/);
      assert.doesNotMatch(html, /(src|href)="https?:/, "nothing loaded from elsewhere");
    }
    const js = await fetch(`${base}/dashboard/app.js`);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.match(await js.text(), /uplot/i, "uPlot is in the bundle");
    const css = await fetch(`${base}/dashboard/app.css`);
    assert.match(await css.text(), /\.uplot/);
  });

  it("answers paths outside its files with the API's 404, never a file of the node's disk", async () => {
    for (const path of [
      "/dashboard/nosuch.js",
      "/dashboard/..%2f..%2f..%2fpackage.json",
      "/dashboard/%2e%2e/serve.ts",
      "/dashboard/browser/main.ts",
      "/dashboard/../package.json",
    ]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(await res.json(), { code: 5, message: "Not Found", details: [] }, path);
    }
    assert.equal(
      (await fetch(`${base}/cosmos/base/tendermint/v1beta1/syncing`)).status,
      200,
      "the REST API still answers",
    );
  });

  it("shows the settled job with its provider, its timeline and the height advancing, in Chromium", async function () {
    if (!existsSync(chromiumPath)) {
      this.test!.title += ` (SKIPPED: ${chromiumPath} is not installed — apt-get install -y chromium)`;
      this.skip();
    }
    const profile = mkdtempSync(join(tmpdir(), "tcd-chromium-"));
    const shots = mkdtempSync(join(tmpdir(), "tcd-dashboard-"));
    let browser: BrowserContext | undefined;
    try {
      browser = await launch(profile);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${base}/`);
      const row = page.locator(`#jobs tr[data-job="${jobId}"]`);
      await row.waitFor({ timeout: 30_000 });
      assert.equal(await row.getAttribute("data-state"), "settled");
      assert.match(await row.innerText(), /gpu-farm-1/, "the job's provider by its moniker");
      assert.match(await row.innerText(), /mlp-demo/, "the job's model by its name");
      assert.match(await page.locator("#providers").innerText(), /gpu-farm-1[\s\S]*2× nvidia L4/);
      assert.match(await page.locator("#validators").innerText(), /test-node/);
      assert.match(await page.locator("#models").innerText(), /mlp-demo/);
      assert.match(await page.locator("#live").innerText(), /live/);

      const h0 = Number(await page.locator("#height").innerText());
      assert.ok(h0 > 0);
      await page.waitForFunction(
        (h) =>
          Number(
            (
              globalThis as unknown as {
                document: { getElementById(id: string): { textContent: string | null } | null };
              }
            ).document.getElementById("height")?.textContent,
          ) > h,
        h0,
        { timeout: 30_000 },
      );

      await row.click();
      const timeline = await page.locator("#timeline").innerText();
      for (const s of ["pending", "assigned", "revealing", "settled", "committed its result", "paid 0.00005 TCU"])
        assert.ok(timeline.includes(s), `timeline shows "${s}":\n${timeline}`);

      await page.fill("#q", provider.address);
      await page.press("#q", "Enter");
      await page.locator("#result table").first().waitFor();
      assert.match(await page.locator("#result").innerText(), /provider gpu-farm-1/);

      await page.waitForTimeout(500); // let the charts draw before the picture
      const file = join(shots, "dashboard.png");
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(readFileSync(file).length > 10_000);
      process.stdout.write(`      dashboard screenshot: ${file}\n`);
      assert.deepEqual(errors, [], "no script errors");
    } finally {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it("updates over the node's WebSocket without polling; polls, says so and reconnects when the socket is cut", async function () {
    if (!existsSync(chromiumPath)) {
      this.test!.title += ` (SKIPPED: ${chromiumPath} is not installed — apt-get install -y chromium)`;
      this.skip();
    }
    // A byte pipe between the page and the node's RPC port that the test can cut: the page is told
    // its port instead of the RPC's (the rest of /dashboard/config.json as the node answers it).
    // The browser's own WebSocket goes through it, Origin header and all, to the node's check.
    const piped = new Set<Socket>();
    let refusing = false;
    const pipe: Server = createServer((c) => {
      if (refusing) return void c.destroy();
      const u = connect(rpcPort, "127.0.0.1");
      for (const [a, b] of [
        [c, u],
        [u, c],
      ] as const) {
        piped.add(a);
        a.pipe(b);
        a.on("error", () => b.destroy());
        a.on("close", () => {
          piped.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((r) => pipe.listen(0, "127.0.0.1", r));
    const pipePort = (pipe.address() as { port: number }).port;
    const profile = mkdtempSync(join(tmpdir(), "tcd-chromium-"));
    let browser: BrowserContext | undefined;
    try {
      browser = await launch(profile);
      const page: Page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const requests: string[] = [];
      page.on("request", (r) => requests.push(new URL(r.url()).pathname));
      const frames: Array<{
        result?: { data?: { type: string; value: Record<string, unknown> }; events?: Record<string, string[]> };
      }> = [];
      const sockets: string[] = [];
      page.on("websocket", (ws) => {
        sockets.push(ws.url());
        ws.on("framereceived", (f) => frames.push(JSON.parse(String(f.payload)) as (typeof frames)[number]));
      });
      await page.route("**/dashboard/config.json", async (route) => {
        const res = await route.fetch();
        const cfg = (await res.json()) as { websocket: { port: number; path: string } };
        assert.deepEqual(cfg.websocket, { port: rpcPort, path: "/websocket" }, "the node names its RPC port");
        await route.fulfill({ response: res, json: { ...cfg, websocket: { ...cfg.websocket, port: pipePort } } });
      });
      const mode = (m: string, timeout = 30_000) => page.locator(`#live[data-mode="${m}"]`).waitFor({ timeout });
      await page.goto(`${base}/`);
      await mode("websocket");
      assert.deepEqual(sockets, [`ws://127.0.0.1:${pipePort}/websocket`]);
      assert.equal(await page.locator("#live").innerText(), "live (websocket)");
      await page.locator(`#jobs tr[data-job="${jobId}"]`).waitFor();

      // A new job, from submission to its final state, while the page is live. The simulated
      // worker settles it unless a loaded machine makes it miss its windows (200 ms blocks):
      // then it fails or expires, and the page must show that state instead.
      const since = requests.length;
      await submitJob();
      await settle("2");
      const open = new Set<number>([JobState.pending, JobState.assigned, JobState.revealing, JobState.auditing]);
      let final = (await job("2")).state;
      for (let i = 0; i < 300 && open.has(final); i++, await sleep(100)) final = (await job("2")).state;
      const finalName = Object.entries(JobState).find(([, v]) => v === final)![0];
      assert.ok(!open.has(final), `job 2 is final (${finalName})`);
      await page.locator(`#jobs tr[data-job="2"][data-state="${finalName}"]`).waitFor({ timeout: 30_000 });
      const txFrames = frames.filter((f) => f.result?.data?.type === "tendermint/event/Tx");
      assert.ok(
        txFrames.some((f) => (f.result!.events!["job.id"] ?? []).includes("2")),
        "job 2's transitions arrived as Tx events",
      );
      const blockHeights = frames
        .filter((f) => f.result?.data?.type === "tendermint/event/NewBlock")
        .map((f) => Number((f.result!.data!.value as { block: { header: { height: string } } }).block.header.height));
      assert.ok(blockHeights.length > 0, "NewBlock events arrived");
      const lastWsHeight = Math.max(...blockHeights);
      await page.waitForFunction(
        (h) =>
          Number(
            (
              globalThis as unknown as {
                document: { getElementById(id: string): { textContent: string | null } | null };
              }
            ).document.getElementById("height")?.textContent,
          ) >= h,
        lastWsHeight,
      );
      const live = requests.slice(since);
      assert.deepEqual(
        live.filter((p) => p.endsWith("/blocks/latest")),
        [],
        "no polling while the socket is up",
      );
      assert.ok(
        live.some((p) => p.startsWith("/tcompute/jobs/v1/jobs_by_state")),
        "the jobs view was reloaded on the events",
      );

      // Cut the socket and refuse reconnections: the page says so and polls.
      const cutAt = requests.length;
      refusing = true;
      for (const c of piped) c.destroy();
      await mode("polling");
      assert.match(await page.locator("#live").innerText(), /websocket down.*polling every 10 s/);
      await submitJob();
      await page.locator('#jobs tr[data-job="3"]').waitFor({ timeout: 30_000 });
      assert.ok(
        requests.slice(cutAt).some((p) => p.endsWith("/blocks/latest")),
        "the job arrived by polling",
      );

      // Let it back: the page reconnects (with backoff) and stops polling.
      refusing = false;
      await mode("websocket", 60_000);
      assert.ok(sockets.length >= 2, `reconnected: ${sockets.length} sockets`);
      assert.deepEqual(errors, [], "no script errors");
    } finally {
      await browser?.close();
      for (const c of piped) c.destroy();
      await new Promise<void>((r) => pipe.close(() => r()));
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
