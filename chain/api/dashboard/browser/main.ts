import uPlot from "uplot";

// The marketplace dashboard (served by the node's API server, see ../serve.ts). Everything comes
// from the REST API on the same origin. Updates arrive over the node's RPC WebSocket
// (subscriptions to tm.event='NewBlock' and tm.event='Tx'): each event marks the views it
// affects and those are reloaded. While the socket is down the page polls the latest block
// slowly, says so, and reconnects with backoff. Charts are uPlot, bundled by the node.

interface Coin {
  denom: string;
  amount: string;
}
interface Header {
  height: string;
  time: string;
  proposer_address: string;
  chain_id: string;
}
interface BlockResponse {
  block_id: { hash: string };
  sdk_block: { header: Header; data: { txs: string[] } };
}
interface Transition {
  height: string;
  state: string;
  note: string;
}
interface Assignment {
  provider: string;
  gpu: string;
  price_per_unit: string;
  committed_height: string;
  revealed_height: string;
  outcome: string;
  paid: string;
  slashed: string;
  output_uri: string;
}
interface Verdict {
  validator: string;
  unable: boolean;
  height: string;
}
interface Job {
  id: string;
  requester: string;
  model: string;
  k: number;
  max_price_per_unit: string;
  state: string;
  escrow: string;
  assignments: Assignment[];
  created_height: string;
  assigned_height: string;
  compute_units: string;
  history: Transition[];
  audit: string;
  verdicts: Verdict[];
  paid: string;
  refunded: string;
  compensated: string;
  final_height: string;
}
interface Gpu {
  vendor: string;
  model: string;
  memory_mib: number;
  count: number;
}
interface Provider {
  owner: string;
  moniker: string;
  gpus: Gpu[];
  models: string[];
  price_per_unit: string;
  slots: number;
  bond: string;
  status: string;
  challenges_passed: number;
  challenges_failed: number;
}
interface Model {
  hash: string;
  name: string;
  compute_units: string;
  owner: string;
  registered_height: string;
}
interface RepRecord {
  provider: string;
  score: number;
  agreed: number;
  disagreed: number;
  no_shows: number;
  declines: number;
}
interface Validator {
  operator_address: string;
  consensus_pubkey: { key?: string } | null;
  jailed: boolean;
  status: string;
  tokens: string;
  description: { moniker: string };
}
interface SetEntry {
  address: string;
  pub_key: { key?: string } | null;
  voting_power: string;
}
interface SigningInfo {
  address: string;
  missed_blocks_counter: string;
  jailed_until: string;
  tombstoned: boolean;
}
interface TxResponse {
  height: string;
  txhash: string;
  code: number;
  raw_log: string;
  gas_used: string;
  timestamp: string;
  tx: { body?: { messages?: Array<{ "@type": string }>; memo?: string } } | null;
}
interface EmissionParams {
  initial_per_block: string;
  decay_every_blocks: string;
  decay_factor: string;
  cap: string;
  validators_share: string;
  providers_share: string;
  denom: string;
}

const jobStates = [
  "JOB_STATE_PENDING",
  "JOB_STATE_ASSIGNED",
  "JOB_STATE_REVEALING",
  "JOB_STATE_AUDITING",
  "JOB_STATE_SETTLED",
  "JOB_STATE_FAILED",
  "JOB_STATE_EXPIRED",
  "JOB_STATE_CANCELLED",
] as const;
const openStates = new Set(["JOB_STATE_PENDING", "JOB_STATE_ASSIGNED", "JOB_STATE_REVEALING", "JOB_STATE_AUDITING"]);
/** Polling only while the WebSocket is down. */
const slowPollMs = 10_000;
/** Reloads after events, at most this often (a busy chain's events are merged). */
const minRefreshMs = 1000;
const backoffMs = { first: 1000, max: 30_000 };
const blocksKept = 40;

class ApiError extends Error {}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  const body = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new ApiError(body.message ?? `HTTP ${res.status}`);
  return body;
}

async function optional<T>(path: string): Promise<T | null> {
  try {
    return await api<T>(path);
  } catch {
    return null;
  }
}

function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`no #${id}`);
  return e;
}

type Child = Node | string | number | null | undefined;
function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const short = (s: string, n = 10) => (s.length > 2 * n + 1 ? `${s.slice(0, n)}…${s.slice(-6)}` : s);
const stateName = (s: string) =>
  s.replace(/^(JOB_STATE_|PROVIDER_STATUS_|BOND_STATUS_|OUTCOME_|AUDIT_STATUS_)/, "").toLowerCase();
const badge = (s: string) => h("span", { class: `state ${stateName(s)}` }, stateName(s));
function tcu(utcu: string | bigint): string {
  const v = typeof utcu === "bigint" ? utcu : BigInt(utcu === "" ? "0" : utcu.replace(/[^0-9].*$/, "") || "0");
  const whole = v / 1_000_000n;
  const frac = (v % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${whole.toLocaleString("en")}${frac === "" ? "" : `.${frac}`} TCU`;
}
const coins = (cs: Coin[]) =>
  cs.length === 0 ? "0" : cs.map((c) => (c.denom === "utcu" ? tcu(c.amount) : `${c.amount}${c.denom}`)).join(", ");
const b64hex = (b: string) =>
  Array.from(atob(b), (c) => c.charCodeAt(0).toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();

function table(id: string, head: string[], rows: HTMLElement[]): void {
  const t = $(id);
  t.replaceChildren(h("thead", {}, h("tr", {}, ...head.map((x) => h("th", {}, x)))), h("tbody", {}, ...rows));
  if (rows.length === 0)
    t.append(h("tbody", {}, h("tr", {}, h("td", { colspan: String(head.length), class: "muted" }, "none yet"))));
}
const row = (cells: Child[], attrs: Record<string, string> = {}) => h("tr", attrs, ...cells.map((c) => h("td", {}, c)));

// ---- charts ----

const charts = new Map<string, uPlot>();
function chart(
  id: string,
  series: Array<{ label: string; stroke: string; scale?: string; points?: boolean }>,
  data: uPlot.AlignedData,
  scales: Record<string, { label: string; side?: number }> = {},
  xTime = false,
): void {
  const el = $(id);
  const width = Math.max(300, el.clientWidth || 500);
  const old = charts.get(id);
  if (old !== undefined && old.series.length === series.length + 1) {
    old.setData(data);
    return;
  }
  old?.destroy();
  const axes: uPlot.Axis[] = [{ stroke: "#8b96a5", grid: { stroke: "#1e2833" } }];
  for (const [scale, s] of Object.entries(scales))
    axes.push({ scale, label: s.label, stroke: "#8b96a5", grid: { stroke: "#1e2833" }, side: s.side ?? 3 });
  const opts: uPlot.Options = {
    width,
    height: 200,
    scales: { x: { time: xTime } },
    axes,
    series: [
      { label: xTime ? "time" : "height" },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        scale: s.scale ?? "y",
        spanGaps: true,
        points: { show: s.points ?? false },
      })),
    ],
  };
  charts.set(id, new uPlot(opts, data, el));
}

// ---- state ----

const blocks = new Map<number, BlockResponse>();
const samples: { t: number[]; queue: number[]; perMin: number[] } = { t: [], queue: [], perMin: [] };
let latest = 0;
let jobsCache: Job[] = [];
let selectedJob: string | null = null;
let providersCache: Provider[] = [];
let modelsCache = new Map<string, Model>();
let repsCache = new Map<string, RepRecord>();
let escrowTotal = "0";

/** What a refresh reloads besides the block list, the cards, the market and the emissions. */
type View = "jobs" | "registry" | "validators";
const allViews: ReadonlySet<View> = new Set<View>(["jobs", "registry", "validators"]);

async function loadBlocks(height: number): Promise<void> {
  const from = Math.max(1, height - blocksKept + 1);
  for (let hgt = from; hgt <= height; hgt++) {
    if (blocks.has(hgt)) continue;
    const b = await optional<BlockResponse>(`/cosmos/base/tendermint/v1beta1/blocks/${hgt}`);
    if (b !== null) blocks.set(hgt, b);
  }
  for (const k of [...blocks.keys()]) if (k < from) blocks.delete(k);
  const hs = [...blocks.keys()].sort((a, b) => a - b);
  const times = hs.map((x) => Date.parse(blocks.get(x)!.sdk_block.header.time) / 1000);
  const intervals = hs.map((_, i) => (i === 0 ? null : times[i]! - times[i - 1]!));
  const txs = hs.map((x) => blocks.get(x)!.sdk_block.data.txs.length);
  chart(
    "chart-blocks",
    [
      { label: "block interval (s)", stroke: "#4fb3ff" },
      { label: "txs", stroke: "#f5b84a", scale: "txs" },
    ],
    [hs, intervals, txs],
    { y: { label: "seconds" }, txs: { label: "txs", side: 1 } },
  );
  table(
    "blocks",
    ["height", "time", "txs", "proposer", "hash"],
    hs
      .slice(-8)
      .reverse()
      .map((x) => {
        const b = blocks.get(x)!;
        const r = row(
          [
            x,
            new Date(b.sdk_block.header.time).toLocaleTimeString(),
            b.sdk_block.data.txs.length,
            h("span", { class: "mono" }, short(b.sdk_block.header.proposer_address)),
            h("span", { class: "mono" }, short(b64hex(b.block_id.hash), 8)),
          ],
          { class: "click" },
        );
        r.addEventListener("click", () => void search(String(x)));
        return r;
      }),
  );
}

function blockTime(height: number): number | null {
  const b = blocks.get(height);
  return b === undefined ? null : Date.parse(b.sdk_block.header.time);
}

async function loadJobs(): Promise<Job[]> {
  const all: Job[] = [];
  for (const s of jobStates) {
    const r = await optional<{ jobs: Job[] }>(
      `/tcompute/jobs/v1/jobs_by_state?state=${s}&pagination.limit=200&pagination.reverse=true`,
    );
    if (r !== null) all.push(...r.jobs);
  }
  return all.sort((a, b) => Number(BigInt(b.created_height) - BigInt(a.created_height)) || (a.id < b.id ? 1 : -1));
}

function renderJobs(jobs: Job[], providers: Map<string, Provider>, models: Map<string, Model>): void {
  table(
    "jobs",
    ["job", "state", "model", "provider(s)", "created", "final", "paid", "audit"],
    jobs.slice(0, 50).map((j) => {
      const r = row(
        [
          h("span", { class: "mono" }, short(j.id, 12)),
          badge(j.state),
          models.get(j.model)?.name ?? short(j.model, 6),
          j.assignments.map((a) => providers.get(a.provider)?.moniker ?? short(a.provider)).join(", ") || "—",
          j.created_height,
          j.final_height === "0" ? "—" : j.final_height,
          tcu(j.paid),
          j.audit === "AUDIT_STATUS_NONE" ? "—" : stateName(j.audit),
        ],
        { class: "click", "data-job": j.id, "data-state": stateName(j.state) },
      );
      r.addEventListener("click", () => showJob(j.id));
      return r;
    }),
  );
}

function showJob(id: string): void {
  selectedJob = id;
  const j = jobsCache.find((x) => x.id === id);
  const el = $("job");
  el.hidden = false;
  if (j === undefined) {
    el.replaceChildren(
      h("h2", {}, `Job ${id}`),
      h("p", { class: "muted" }, "not in the node's recent jobs (pruned after retention, or unknown)"),
    );
    return;
  }
  const events: Array<{ height: bigint; cls: string; text: Child[] }> = [];
  for (const t of j.history) events.push({ height: BigInt(t.height), cls: "", text: [badge(t.state), ` ${t.note}`] });
  for (const a of j.assignments) {
    if (a.committed_height !== "0")
      events.push({ height: BigInt(a.committed_height), cls: "", text: [`${short(a.provider)} committed its result`] });
    if (a.revealed_height !== "0")
      events.push({
        height: BigInt(a.revealed_height),
        cls: "",
        text: [`${short(a.provider)} revealed (${a.output_uri})`],
      });
  }
  for (const v of j.verdicts)
    events.push({
      height: BigInt(v.height),
      cls: "",
      text: [`audit verdict by ${short(v.validator)}${v.unable ? " (unable)" : ""}`],
    });
  const fin = BigInt(j.final_height);
  if (fin > 0n) {
    for (const a of j.assignments) {
      if (a.paid !== "0" && a.paid !== "")
        events.push({
          height: fin,
          cls: "pay",
          text: [`paid ${tcu(a.paid)} to ${short(a.provider)} (${stateName(a.outcome)})`],
        });
      if (a.slashed !== "0" && a.slashed !== "")
        events.push({
          height: fin,
          cls: "slash",
          text: [`slashed ${tcu(a.slashed)} from ${short(a.provider)} (${stateName(a.outcome)})`],
        });
    }
    if (j.refunded !== "0")
      events.push({ height: fin, cls: "pay", text: [`refunded ${tcu(j.refunded)} to the requester`] });
    if (j.compensated !== "0")
      events.push({ height: fin, cls: "pay", text: [`compensated ${tcu(j.compensated)} to the requester`] });
  }
  events.sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));
  el.replaceChildren(
    h("h2", {}, "Job ", h("span", { class: "mono" }, j.id), " ", badge(j.state)),
    h(
      "div",
      { class: "kv" },
      h("span", {}, "requester ", h("b", { class: "mono" }, short(j.requester))),
      h("span", {}, "model ", h("b", { class: "mono" }, short(j.model, 8))),
      h("span", {}, "k ", h("b", {}, j.k)),
      h("span", {}, "compute units ", h("b", {}, j.compute_units)),
      h("span", {}, "max price ", h("b", {}, j.max_price_per_unit)),
      h("span", {}, "escrow ", h("b", {}, tcu(j.escrow))),
      h("span", {}, "paid ", h("b", {}, tcu(j.paid))),
      h("span", {}, "audit ", h("b", {}, stateName(j.audit))),
    ),
    h(
      "ul",
      { class: "timeline", id: "timeline" },
      ...events.map((e) => h("li", { class: e.cls }, h("span", { class: "muted" }, `#${e.height} `), ...e.text)),
    ),
    (() => {
      const t = h("table", {});
      t.append(
        h(
          "thead",
          {},
          h("tr", {}, ...["provider", "gpu", "price/unit", "outcome", "paid", "slashed"].map((x) => h("th", {}, x))),
        ),
        h(
          "tbody",
          {},
          ...j.assignments.map((a) =>
            row([
              h("span", { class: "mono" }, short(a.provider)),
              a.gpu,
              a.price_per_unit,
              badge(a.outcome),
              tcu(a.paid),
              tcu(a.slashed),
            ]),
          ),
        ),
      );
      return t;
    })(),
  );
}

function renderMarket(jobs: Job[], models: Map<string, Model>): void {
  const queue = jobs.filter((j) => openStates.has(j.state)).length;
  const pending = jobs.filter((j) => j.state === "JOB_STATE_PENDING").length;
  const settled = jobs.filter((j) => j.state === "JOB_STATE_SETTLED");
  const lat = settled.map((j) => Number(BigInt(j.final_height) - BigInt(j.created_height))).sort((a, b) => a - b);
  const latSec = settled
    .map((j) => {
      const a = blockTime(Number(j.created_height));
      const b = blockTime(Number(j.final_height));
      return a === null || b === null ? null : (b - a) / 1000;
    })
    .filter((x): x is number => x !== null);
  const hs = [...blocks.keys()].sort((a, b) => a - b);
  let perMin = 0;
  if (hs.length >= 2) {
    const lo = hs[0]!;
    const span = (blockTime(hs[hs.length - 1]!)! - blockTime(lo)!) / 60_000;
    const n = jobs.filter((j) => j.final_height !== "0" && Number(j.final_height) > lo).length;
    perMin = span > 0 ? n / span : 0;
  }
  const median = (xs: number[]) => (xs.length === 0 ? null : xs[Math.floor(xs.length / 2)]!);
  const m = median(lat);
  const ms = median([...latSec].sort((a, b) => a - b));
  $("market-stats").replaceChildren(
    h("span", {}, "queue ", h("b", { id: "queue" }, queue), ` (${pending} pending)`),
    h("span", {}, "jobs/min ", h("b", {}, perMin.toFixed(1))),
    h(
      "span",
      {},
      "settlement latency ",
      h("b", {}, m === null ? "—" : `${m} blocks${ms === null ? "" : ` / ${ms.toFixed(1)} s`}`),
      " (median)",
    ),
    h("span", {}, "settled ", h("b", {}, settled.length)),
  );
  samples.t.push(Date.now() / 1000);
  samples.queue.push(queue);
  samples.perMin.push(perMin);
  if (samples.t.length > 300) for (const a of [samples.t, samples.queue, samples.perMin]) a.shift();
  chart(
    "chart-market",
    [
      { label: "queue depth", stroke: "#f5b84a" },
      { label: "jobs/min", stroke: "#3ecf8e", scale: "rate" },
    ],
    [samples.t, samples.queue, samples.perMin],
    { y: { label: "jobs" }, rate: { label: "per min", side: 1 } },
    true,
  );

  // Price per model: the accepted asks, by the height they were assigned at.
  const points = new Map<string, Map<number, number>>();
  for (const j of jobs)
    for (const a of j.assignments) {
      const p = Number(a.price_per_unit.replace(/[^0-9].*$/, ""));
      if (!Number.isFinite(p) || j.assigned_height === "0") continue;
      const name = models.get(j.model)?.name ?? short(j.model, 6);
      const byH = points.get(name) ?? new Map<number, number>();
      const hgt = Number(j.assigned_height);
      byH.set(hgt, Math.max(byH.get(hgt) ?? 0, p));
      points.set(name, byH);
    }
  const xs = [...new Set([...points.values()].flatMap((m2) => [...m2.keys()]))].sort((a, b) => a - b);
  const palette = ["#4fb3ff", "#3ecf8e", "#f5b84a", "#ff6b6b", "#b48cff", "#5ee0e0"];
  const names = [...points.keys()].sort();
  chart(
    "chart-price",
    names.map((n, i) => ({ label: `${n} (utcu)`, stroke: palette[i % palette.length]!, points: true })),
    [xs, ...names.map((n) => xs.map((x) => points.get(n)!.get(x) ?? null))],
    { y: { label: "utcu / unit" } },
  );
}

async function renderEmissions(): Promise<void> {
  const [sched, totals, pool, community] = await Promise.all([
    optional<{ params: EmissionParams; current_per_block: string; next_decay_height: string }>(
      "/tcompute/emissions/v1/schedule",
    ),
    optional<{ minted: string; burned_fees: string; community_pool: string }>("/tcompute/emissions/v1/totals"),
    optional<{ balance: string; next_payout_height: string }>("/tcompute/emissions/v1/provider_pool"),
    optional<{ pool: Coin[] }>("/cosmos/distribution/v1beta1/community_pool"),
  ]);
  const kv: Child[] = [];
  if (sched !== null)
    kv.push(
      h("span", {}, "per block ", h("b", {}, tcu(sched.current_per_block))),
      h("span", {}, "next decay at ", h("b", {}, sched.next_decay_height)),
    );
  if (totals !== null)
    kv.push(
      h("span", {}, "minted ", h("b", { id: "minted" }, tcu(totals.minted))),
      h("span", {}, "fees burned ", h("b", {}, tcu(totals.burned_fees))),
    );
  if (pool !== null)
    kv.push(
      h("span", {}, "provider pool ", h("b", {}, tcu(pool.balance))),
      h("span", {}, "next payout at ", h("b", {}, pool.next_payout_height)),
    );
  if (community !== null)
    kv.push(
      h(
        "span",
        {},
        "community pool ",
        h("b", {}, coins(community.pool.map((c) => ({ denom: c.denom, amount: c.amount.split(".")[0]! })))),
      ),
    );
  $("emissions").replaceChildren(...kv.map((k) => k as Node));
  if (sched === null) return;
  // The issuance curve from the schedule: per-block amount and cumulative issuance by height.
  const p = sched.params;
  const every = Math.max(1, Number(p.decay_every_blocks));
  const factor = Number(p.decay_factor);
  const initial = Number(p.initial_per_block) / 1e6;
  const cap = Number(p.cap) / 1e6;
  const periods = 12;
  const step = Math.max(1, Math.floor((every * periods) / 120));
  const hs: number[] = [];
  const per: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (let x = 0; x <= every * periods; x += step) {
    const v = initial * Math.pow(factor, Math.floor(x / every));
    total = cap > 0 ? Math.min(cap, total + v * step) : total + v * step;
    hs.push(x);
    per.push(v);
    cum.push(total);
  }
  chart(
    "chart-emissions",
    [
      { label: "TCU per block", stroke: "#4fb3ff" },
      { label: "cumulative TCU", stroke: "#b48cff", scale: "cum" },
    ],
    [hs, per, cum],
    { y: { label: "per block" }, cum: { label: "cumulative", side: 1 } },
  );
}

async function renderValidators(): Promise<void> {
  const [vals, set, infos, params] = await Promise.all([
    optional<{ validators: Validator[] }>("/cosmos/staking/v1beta1/validators?pagination.limit=200"),
    optional<{ validators: SetEntry[] }>("/cosmos/base/tendermint/v1beta1/validatorsets/latest"),
    optional<{ info: SigningInfo[] }>("/cosmos/slashing/v1beta1/signing_infos?pagination.limit=200"),
    optional<{ params: { signed_blocks_window: string } }>("/cosmos/slashing/v1beta1/params"),
  ]);
  const byKey = new Map((set?.validators ?? []).map((v) => [v.pub_key?.key ?? "", v]));
  const info = new Map((infos?.info ?? []).map((i) => [i.address, i]));
  const window = Number(params?.params.signed_blocks_window ?? "0");
  const list = [...(vals?.validators ?? [])].sort((a, b) => (BigInt(b.tokens) > BigInt(a.tokens) ? 1 : -1));
  table(
    "validators",
    ["moniker", "power", "status", "uptime", "operator"],
    list.map((v) => {
      const s = byKey.get(v.consensus_pubkey?.key ?? "");
      const i = s === undefined ? undefined : info.get(s.address);
      const uptime =
        i === undefined || window === 0 ? "—" : `${(100 * (1 - Number(i.missed_blocks_counter) / window)).toFixed(1)}%`;
      return row([
        v.description.moniker || "—",
        s?.voting_power ?? (BigInt(v.tokens) / 1_000_000n).toString(),
        v.jailed ? badge("jailed") : badge(v.status),
        uptime,
        h("span", { class: "mono" }, short(v.operator_address)),
      ]);
    }),
  );
  $("cards").dataset["validators"] = String(list.length);
}

function renderProviders(
  providers: Provider[],
  reps: Map<string, RepRecord>,
  models: Map<string, Model>,
  jobs: Job[],
): void {
  const earned = new Map<string, bigint>();
  for (const j of jobs)
    for (const a of j.assignments)
      earned.set(a.provider, (earned.get(a.provider) ?? 0n) + BigInt(a.paid === "" ? "0" : a.paid));
  table(
    "providers",
    [
      "moniker",
      "status",
      "GPUs",
      "models",
      "price/unit",
      "bond",
      "reputation",
      "earned (recent)",
      "challenges",
      "owner",
    ],
    providers.map((p) => {
      const r = reps.get(p.owner);
      const tr = row(
        [
          p.moniker,
          badge(p.status),
          p.gpus.map((g) => `${g.count}× ${g.vendor} ${g.model} ${Math.round(g.memory_mib / 1024)}G`).join(", "),
          p.models.map((m) => models.get(m)?.name ?? short(m, 6)).join(", "),
          p.price_per_unit,
          tcu(p.bond),
          r === undefined
            ? "—"
            : `${(r.score / 1e4).toFixed(1)}% (${r.agreed}✓ ${r.disagreed}✗ ${r.no_shows} absent ${r.declines} declined)`,
          tcu(earned.get(p.owner) ?? 0n),
          `${p.challenges_passed} passed, ${p.challenges_failed} failed`,
          h("span", { class: "mono" }, short(p.owner)),
        ],
        { class: "click", "data-provider": p.owner },
      );
      tr.addEventListener("click", () => void search(p.owner));
      return tr;
    }),
  );
}

function renderCards(items: Array<[string, string, string?]>): void {
  $("cards").replaceChildren(
    ...items.map(([k, v, id]) =>
      h(
        "div",
        { class: "card" },
        h("div", { class: "v", ...(id === undefined ? {} : { id }) }, v),
        h("div", { class: "k" }, k),
      ),
    ),
  );
}

/** Reloads the blocks up to `height` and the `views` named (all on the first load and when polling). */
async function refresh(height: number, views: ReadonlySet<View>): Promise<void> {
  $("height").textContent = String(height);
  if (height > latest) {
    latest = height;
    await loadBlocks(height);
  }
  const reloads: Array<Promise<void>> = [];
  if (views.has("registry"))
    reloads.push(
      (async () => {
        const [provs, modelsR, ranked] = await Promise.all([
          optional<{ providers: Provider[] }>("/tcompute/registry/v1/providers?pagination.limit=500"),
          optional<{ models: Model[] }>("/tcompute/registry/v1/models?pagination.limit=500"),
          optional<{ records: RepRecord[] }>("/tcompute/reputation/v1/ranked?limit=500"),
        ]);
        providersCache = provs?.providers ?? [];
        modelsCache = new Map((modelsR?.models ?? []).map((m) => [m.hash, m]));
        repsCache = new Map((ranked?.records ?? []).map((r) => [r.provider, r]));
      })(),
    );
  if (views.has("jobs"))
    reloads.push(
      (async () => {
        const [jobs, escrow] = await Promise.all([loadJobs(), optional<{ total: string }>("/tcompute/jobs/v1/escrow")]);
        jobsCache = jobs;
        escrowTotal = escrow?.total ?? "0";
      })(),
    );
  await Promise.all(reloads);
  const providers = providersCache;
  const models = modelsCache;
  renderCards([
    ["block height", String(latest)],
    ["providers", String(providers.length)],
    ["models", String(models.size)],
    ["open jobs", String(jobsCache.filter((j) => openStates.has(j.state)).length)],
    ["settled jobs (kept)", String(jobsCache.filter((j) => j.state === "JOB_STATE_SETTLED").length), "settled-count"],
    ["in escrow", tcu(escrowTotal)],
  ]);
  renderMarket(jobsCache, models);
  if (views.has("jobs") || views.has("registry")) {
    renderJobs(jobsCache, new Map(providers.map((p) => [p.owner, p])), models);
    if (selectedJob !== null) showJob(selectedJob);
    renderProviders(providers, repsCache, models, jobsCache);
    table(
      "models",
      ["name", "compute units", "hash", "registered"],
      [...models.values()].map((m) =>
        row([m.name, m.compute_units, h("span", { class: "mono" }, short(m.hash, 8)), m.registered_height]),
      ),
    );
  }
  await Promise.all([views.has("validators") ? renderValidators() : Promise.resolve(), renderEmissions()]);
}

// ---- search ----

async function search(q: string): Promise<void> {
  const el = $("result");
  el.hidden = false;
  const show = (...c: Child[]) =>
    el.replaceChildren(
      h("h2", {}, `Search: ${q}`),
      ...c.map((x) => (x instanceof Node ? x : document.createTextNode(String(x ?? "")))),
    );
  const txTable = (txs: TxResponse[]) => {
    const t = h("table", {});
    t.append(
      h("thead", {}, h("tr", {}, ...["hash", "height", "code", "messages", "gas used"].map((x) => h("th", {}, x)))),
      h(
        "tbody",
        {},
        ...txs.map((x) =>
          row([
            h("span", { class: "mono" }, short(x.txhash, 10)),
            x.height,
            x.code,
            (x.tx?.body?.messages ?? []).map((m) => m["@type"].split(".").pop()).join(", "),
            x.gas_used,
          ]),
        ),
      ),
    );
    return t;
  };
  try {
    if (/^[0-9]{1,19}$/.test(q)) {
      const b = await api<BlockResponse>(`/cosmos/base/tendermint/v1beta1/blocks/${q}`);
      const txs = await optional<{ tx_responses: TxResponse[] }>(
        `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`tx.height=${q}`)}&limit=100`,
      );
      const asJob = jobsCache.find((j) => j.id === q);
      let jobLink: HTMLElement | null = null;
      if (asJob !== undefined) {
        jobLink = h("p", {}, h("button", { type: "button" }, `job ${q}`), " has this number too");
        jobLink.addEventListener("click", () => showJob(q));
      }
      show(
        jobLink,
        h(
          "div",
          { class: "kv" },
          h("span", {}, "height ", h("b", {}, b.sdk_block.header.height)),
          h("span", {}, "time ", h("b", {}, b.sdk_block.header.time)),
          h("span", {}, "hash ", h("b", { class: "mono" }, b64hex(b.block_id.hash))),
          h("span", {}, "proposer ", h("b", { class: "mono" }, b.sdk_block.header.proposer_address)),
          h("span", {}, "txs ", h("b", {}, b.sdk_block.data.txs.length)),
        ),
        txTable(txs?.tx_responses ?? []),
      );
    } else if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) {
      const hash = q.replace(/^0x/, "").toUpperCase();
      const t = await optional<{ tx_response: TxResponse }>(`/cosmos/tx/v1beta1/txs/${hash}`);
      if (t !== null) show(txTable([t.tx_response]), h("p", { class: "mono" }, t.tx_response.raw_log));
      else if (jobsCache.some((j) => j.id === q)) {
        el.hidden = true;
        showJob(q);
      } else show(h("p", { class: "error" }, "no transaction or job with this hash"));
    } else if (/^tc1[0-9a-z]{20,80}$/.test(q)) {
      const [bal, prov, sent, byReq, byProv] = await Promise.all([
        optional<{ balances: Coin[] }>(`/cosmos/bank/v1beta1/balances/${q}`),
        optional<{ provider: Provider }>(`/tcompute/registry/v1/provider?owner=${q}`),
        optional<{ tx_responses: TxResponse[] }>(
          `/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`message.sender='${q}'`)}&limit=20&order_by=ORDER_BY_DESC`,
        ),
        optional<{ jobs: Job[] }>(`/tcompute/jobs/v1/jobs_by_requester?requester=${q}&pagination.limit=20`),
        optional<{ jobs: Job[] }>(`/tcompute/jobs/v1/jobs_by_provider?provider=${q}&pagination.limit=20`),
      ]);
      const jobs = [...(byReq?.jobs ?? []), ...(byProv?.jobs ?? [])];
      const jt = h("table", {});
      jt.append(
        h(
          "tbody",
          {},
          ...jobs.map((j) => {
            const r = row(
              [
                h("span", { class: "mono" }, short(j.id, 12)),
                badge(j.state),
                j.requester === q ? "requested" : "assigned",
                tcu(j.paid),
              ],
              { class: "click" },
            );
            r.addEventListener("click", () => showJob(j.id));
            return r;
          }),
        ),
      );
      show(
        h(
          "div",
          { class: "kv" },
          h("span", {}, "balance ", h("b", {}, coins(bal?.balances ?? []))),
          prov?.provider
            ? h("span", {}, "provider ", h("b", {}, `${prov.provider.moniker} (${stateName(prov.provider.status)})`))
            : null,
        ),
        h("h2", {}, "Transactions sent"),
        txTable(sent?.tx_responses ?? []),
        h("h2", {}, "Jobs"),
        jt,
      );
    } else if (jobsCache.some((j) => j.id === q)) {
      el.hidden = true;
      showJob(q);
    } else {
      const j = await optional<{ job: Job }>(`/tcompute/jobs/v1/job?id=${encodeURIComponent(q)}`);
      if (j !== null) {
        jobsCache.push(j.job);
        el.hidden = true;
        showJob(q);
      } else show(h("p", { class: "error" }, "not a height, a tx hash, a tc1… address or a job id"));
    }
  } catch (e) {
    show(h("p", { class: "error" }, (e as Error).message));
  }
}

// ---- live updates ----

/** The views an event's attributes ("type.key" → values, as subscriptions carry them) touch. */
function viewsOf(events: Record<string, string[]>): View[] {
  const out = new Set<View>();
  for (const [k, vs] of Object.entries(events)) {
    const type = k.slice(0, k.indexOf("."));
    if (/^(job|matching|audit_|auditor_|capability_challenge|delivery_claim)/.test(type)) {
      out.add("jobs");
      out.add("registry"); // providers' earnings, challenges and reputation follow jobs
    }
    if (/^(register_|update_provider|provider_|reputation)/.test(type)) out.add("registry");
    if (/^(slash|liveness|delegate|unbond|redelegate|create_validator|edit_validator|complete_)/.test(type))
      out.add("validators");
    if (k === "message.module")
      for (const v of vs) {
        if (v === "jobs") out.add("jobs");
        if (v === "registry" || v === "reputation") out.add("registry");
        if (v === "staking" || v === "slashing" || v === "distribution") out.add("validators");
      }
  }
  return [...out];
}

type LiveState = "connecting" | "live" | "down";
const live = {
  state: "connecting" as LiveState,
  socket: null as WebSocket | null,
  url: null as string | null,
  attempts: 0,
  retryAt: 0,
  pollTimer: 0,
  lastError: "",
};
const isLive = () => live.state === "live";
const pending = { height: 0, views: new Set<View>(), timer: 0, busy: false, last: 0 };

function showLive(): void {
  const el = $("live");
  el.dataset["mode"] = live.state === "live" ? "websocket" : live.state === "down" ? "polling" : "connecting";
  if (live.state === "live") {
    el.className = "live on";
    el.textContent = "live (websocket)";
  } else if (live.state === "down") {
    el.className = "live off";
    const wait = Math.max(0, Math.ceil((live.retryAt - Date.now()) / 1000));
    el.textContent = `websocket down${live.url === null ? " (no address)" : `, retrying in ${wait} s`}: polling every ${slowPollMs / 1000} s${live.lastError === "" ? "" : ` (${live.lastError})`}`;
  } else {
    el.className = "live";
    el.textContent = "connecting";
  }
}

/** Runs the pending refresh now, or when the previous one is done and minRefreshMs has passed. */
function schedule(): void {
  if (pending.busy || pending.timer !== 0) return;
  const wait = Math.max(0, pending.last + minRefreshMs - Date.now());
  pending.timer = window.setTimeout(() => {
    pending.timer = 0;
    void runPending();
  }, wait);
}

async function runPending(): Promise<void> {
  if (pending.busy) return;
  if (pending.height <= latest && pending.views.size === 0) return;
  const height = Math.max(pending.height, latest);
  const views = pending.views;
  pending.views = new Set();
  pending.busy = true;
  try {
    await refresh(height, views);
    if (live.state !== "live") live.lastError = "";
  } catch (e) {
    for (const v of views) pending.views.add(v);
    live.lastError = (e as Error).message;
  } finally {
    pending.busy = false;
    pending.last = Date.now();
    if (live.state !== "live") showLive();
  }
  if (pending.height > latest || pending.views.size > 0) schedule();
}

function onEvent(msg: {
  result?: { data?: { type?: string; value?: unknown }; events?: Record<string, string[]> };
}): void {
  const r = msg.result;
  if (r?.data?.type === undefined) return; // a subscription's confirmation
  const events = r.events ?? {};
  if (r.data.type === "tendermint/event/NewBlock") {
    const hgt = Number((r.data.value as { block?: { header?: { height?: string } } }).block?.header?.height ?? "0");
    if (hgt > pending.height) pending.height = hgt;
    $("height").textContent = String(Math.max(hgt, latest));
    if (hgt % 10 === 0) pending.views.add("validators"); // uptime, between staking and slashing events
  }
  for (const v of viewsOf(events)) pending.views.add(v);
  schedule();
}

/** Polls the latest block while the socket is down (the only polling the page does). */
async function poll(): Promise<void> {
  if (live.state === "live") return;
  try {
    const head = await api<BlockResponse>("/cosmos/base/tendermint/v1beta1/blocks/latest");
    $("chain").textContent = head.sdk_block.header.chain_id;
    const height = Number(head.sdk_block.header.height);
    if (height > latest) {
      pending.height = Math.max(pending.height, height);
      for (const v of allViews) pending.views.add(v);
      await runPending();
    }
  } catch (e) {
    live.lastError = (e as Error).message;
  }
  showLive();
  if (!isLive()) live.pollTimer = window.setTimeout(() => void poll(), slowPollMs);
}

function socketDown(reason: string): void {
  live.socket = null;
  live.lastError = reason;
  const delay = Math.min(backoffMs.max, backoffMs.first * 2 ** Math.min(live.attempts, 10));
  live.attempts++;
  live.retryAt = Date.now() + delay;
  const wasDown = live.state === "down";
  live.state = "down";
  showLive();
  if (!wasDown) {
    window.clearTimeout(live.pollTimer);
    void poll();
  }
  if (live.url !== null) window.setTimeout(connect, delay);
}

function connect(): void {
  if (live.url === null) return;
  let ws: WebSocket;
  try {
    ws = new WebSocket(live.url);
  } catch (e) {
    socketDown((e as Error).message);
    return;
  }
  live.socket = ws;
  let acked = 0;
  ws.onopen = () => {
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe", params: { query: "tm.event='NewBlock'" } }));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "subscribe", params: { query: "tm.event='Tx'" } }));
  };
  ws.onmessage = (ev: MessageEvent) => {
    let msg: { id?: number; result?: { data?: { type?: string } }; error?: { message?: string; data?: string } };
    try {
      msg = JSON.parse(String(ev.data)) as typeof msg;
    } catch {
      return;
    }
    if (msg.error !== undefined) {
      ws.close();
      live.lastError = `${msg.error.message ?? "error"}${msg.error.data ? `: ${msg.error.data}` : ""}`;
      return;
    }
    if (msg.result?.data === undefined && (msg.id === 1 || msg.id === 2)) {
      if (++acked === 2) {
        // Subscribed: the socket carries the updates from here on; catch up on what polling missed.
        const wasDown = live.state === "down";
        live.state = "live";
        live.attempts = 0;
        live.lastError = "";
        window.clearTimeout(live.pollTimer);
        showLive();
        if (wasDown) for (const v of allViews) pending.views.add(v);
        schedule();
      }
      return;
    }
    onEvent(msg);
  };
  ws.onclose = (ev: CloseEvent) => {
    if (live.socket !== ws) return;
    socketDown(live.lastError !== "" ? live.lastError : `closed${ev.code === 1006 ? "" : ` (${ev.code})`}`);
  };
}

async function start(): Promise<void> {
  showLive();
  const cfg = await optional<{ websocket: { port: number; path: string } | null }>("/dashboard/config.json");
  if (cfg?.websocket) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    live.url = `${scheme}://${location.hostname}:${cfg.websocket.port}${cfg.websocket.path}`;
  }
  const head = await optional<BlockResponse>("/cosmos/base/tendermint/v1beta1/blocks/latest");
  if (head !== null) {
    $("chain").textContent = head.sdk_block.header.chain_id;
    pending.height = Number(head.sdk_block.header.height);
  }
  for (const v of allViews) pending.views.add(v);
  await runPending();
  window.setInterval(() => live.state === "down" && showLive(), 1000); // the retry countdown
  if (live.url === null) socketDown("the node gave no websocket address");
  else connect();
}

$("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = ($("q") as HTMLInputElement).value.trim();
  if (q !== "") void search(q);
});
void start();
