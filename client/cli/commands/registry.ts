import type { Command } from "commander";
import {
  registryCodecs,
  ProviderStatus,
  type ChallengeTensor,
  type Gpu,
  type TensorSpec,
} from "../../../modules/registry/index.js";
import { parseCoins } from "../../../modules/sdk/coins.js";
import { cliErrors, flags, keyring, print, type GlobalFlags } from "../context.js";
import { chainQuery } from "../query.js";
import { sendTx, txFlags, type TxOptions } from "../tx.js";

// tcd tx registry ..., tcd q registry ...

export const collect = (v: string, prev: string[]) => [...prev, v];

/** The --challenge option: one entry of a model's challenge recipe (docs/jobs.md). */
export const challengeHelp =
  "challenge recipe for an input, name:dims[:values], e.g. x:1,3,64,64 or sr::16000 (repeat for each input)";

/** "name:d1,d2[:v1,v2]" → a challenge recipe entry (the chain checks it against the inputs). */
export function parseChallenge(s: string): ChallengeTensor {
  const m = /^([^:]{1,64}):([0-9]+(?:,[0-9]+)*)?(?::(-?[0-9]+(?:,-?[0-9]+)*))?$/.exec(s);
  if (m === null)
    throw cliErrors.usage.wrap(
      `--challenge ${JSON.stringify(s)}: use name:dims[:values], e.g. x:1,3,64,64 or sr::16000`,
    );
  const list = (x: string | undefined) => (x ?? "").split(",").filter((v) => v !== "");
  return { name: m[1]!, shape: list(m[2]).map(Number), values: list(m[3]) };
}

/** "nvidia:A100:81920:2" → a GPU entry. */
function parseGpu(s: string): Gpu {
  const m = /^([^:]{1,64}):([^:]{1,64}):([0-9]{1,9}):([0-9]{1,4})$/.exec(s);
  if (m === null)
    throw cliErrors.usage.wrap(
      `--gpu ${JSON.stringify(s)}: use vendor:model:memoryMiB:count, e.g. nvidia:A100:81920:2`,
    );
  return { vendor: m[1]!, model: m[2]!, memoryMib: Number(m[3]), count: Number(m[4]) };
}

/** "name:dtype:d1,d2,..." (-1 for a dynamic axis) → a tensor spec. */
function parseTensor(s: string): TensorSpec {
  const m = /^([^:]{1,64}):([a-z0-9]{1,16}):(-?[0-9]+(?:,-?[0-9]+)*)?$/.exec(s);
  if (m === null) throw cliErrors.usage.wrap(`tensor ${JSON.stringify(s)}: use name:dtype:dims, e.g. x:float32:-1,16`);
  return {
    name: m[1]!,
    dtype: m[2]!,
    shape: (m[3] ?? "")
      .split(",")
      .filter((x) => x !== "")
      .map(Number),
  };
}

function price(s: string): string {
  const c = parseCoins(s);
  if (c.length !== 1) throw cliErrors.usage.wrap("--price is one coin per compute unit, e.g. 5utcu");
  return `${c[0]!.amount}${c[0]!.denom}`;
}

async function addressOf(f: GlobalFlags, key: string): Promise<string> {
  return (await keyring(f, false)).show(key).address;
}

interface OfferFlags {
  moniker: string;
  gpu: string[];
  model: string[];
  price: string;
  slots: string;
  x25519: string;
  endpoint: string;
}

function offerFlags(cmd: Command): Command {
  return cmd
    .requiredOption("--moniker <name>", "provider name")
    .option("--gpu <vendor:model:MiB:count>", "a GPU entry (repeat for several)", collect, [])
    .option("--model <sha256>", "a served model's hash (repeat for several)", collect, [])
    .requiredOption("--price <coin>", "asked per compute unit, e.g. 5utcu")
    .option("--slots <n>", "jobs run at once", "1")
    .requiredOption("--x25519 <hex>", "X25519 public key for sealed inputs (32 bytes hex)")
    .option("--endpoint <url>", "where requesters fetch full outputs", "");
}

function offer(owner: string, o: OfferFlags) {
  if (!/^[0-9a-fA-F]{64}$/.test(o.x25519)) throw cliErrors.usage.wrap("--x25519 must be 32 bytes of hex");
  if (!/^[0-9]{1,6}$/.test(o.slots)) throw cliErrors.usage.wrap("--slots must be a whole number");
  return {
    owner,
    moniker: o.moniker,
    gpus: o.gpu.map(parseGpu),
    models: o.model.map((m) => m.toLowerCase()),
    pricePerUnit: price(o.price),
    slots: Number(o.slots),
    x25519Pubkey: new Uint8Array(Buffer.from(o.x25519, "hex")),
    endpoint: o.endpoint,
  };
}

export function registerRegistryCommands(tx: Command, qry: Command): void {
  const r = tx.command("registry").description("models and compute providers");
  txFlags(
    r
      .command("register-model <from-key>")
      .description(
        "register a model by the sha256 of its ONNX bytes (tcd models register computes all of this from the file)",
      )
      .requiredOption("--hash <sha256>", "lowercase hex sha256 of the .onnx file")
      .requiredOption("--name <name>", "unique name")
      .option("--in <name:dtype:dims>", "an input tensor, e.g. x:float32:-1,16 (repeat for several)", collect, [])
      .option("--out <name:dtype:dims>", "an output tensor, e.g. y:float32:-1,4 (repeat for several)", collect, [])
      .option("--challenge <name:dims[:values]>", challengeHelp, collect, [])
      .requiredOption("--compute-units <n>", "compute units per inference")
      .option("--sketch-size <n>", "components of the result sketch", "16")
      .option("--tolerance <n>", "largest difference per component, in 1e-6 units", "1000")
      .option("--top-k <n>", "for classifiers: top-k classes that must agree", "0")
      .option("--uri <uri>", "where workers fetch the model", ""),
  ).action(
    async (
      from: string,
      o: TxOptions & {
        hash: string;
        name: string;
        in: string[];
        out: string[];
        challenge: string[];
        computeUnits: string;
        sketchSize: string;
        tolerance: string;
        topK: string;
        uri: string;
      },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      const value = {
        owner: await addressOf(f, from),
        hash: o.hash.toLowerCase(),
        name: o.name,
        inputs: o.in.map(parseTensor),
        outputs: o.out.map(parseTensor),
        computeUnits: o.computeUnits,
        rule: { sketchSize: Number(o.sketchSize), tolerance: Number(o.tolerance), topK: Number(o.topK) },
        uri: o.uri,
        challengeInputs: o.challenge.map(parseChallenge),
      };
      await sendTx(f, from, [{ typeUrl: registryCodecs.msgRegisterModel.typeUrl, value }], o);
    },
  );
  txFlags(
    offerFlags(
      r
        .command("register-provider <from-key>")
        .description("offer compute: GPUs, models, price, slots, bonded with --bond"),
    ).requiredOption("--bond <coin>", "bond, at least the minimum, e.g. 10000000utcu"),
  ).action(async (from: string, o: TxOptions & OfferFlags & { bond: string }, cmd: Command) => {
    const f = flags(cmd);
    const bond = parseCoins(o.bond);
    if (bond.length !== 1) throw cliErrors.usage.wrap("--bond is one coin, e.g. 10000000utcu");
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: registryCodecs.msgRegisterProvider.typeUrl,
          value: { ...offer(await addressOf(f, from), o), bond: bond[0]!.amount.toString() },
        },
      ],
      o,
    );
  });
  txFlags(
    offerFlags(
      r.command("update-provider <from-key>").description("replace your offer; --add-bond raises the bond"),
    ).option("--add-bond <coin>", "bond to add", ""),
  ).action(async (from: string, o: TxOptions & OfferFlags & { addBond: string }, cmd: Command) => {
    const f = flags(cmd);
    const add = o.addBond === "" ? "" : (parseCoins(o.addBond)[0]?.amount.toString() ?? "");
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: registryCodecs.msgUpdateProvider.typeUrl,
          value: { ...offer(await addressOf(f, from), o), addBond: add },
        },
      ],
      o,
    );
  });
  for (const [name, c, what] of [
    ["pause-provider", registryCodecs.msgPauseProvider, "stop taking new jobs"],
    ["resume-provider", registryCodecs.msgResumeProvider, "take jobs again"],
    [
      "unjail-provider",
      registryCodecs.msgUnjailProvider,
      "end a jail once every hold cleared (time served, bond restored, challenge passed)",
    ],
    ["deregister-provider", registryCodecs.msgDeregisterProvider, "leave; the bond returns after the unbonding period"],
  ] as const) {
    txFlags(r.command(`${name} <from-key>`).description(what)).action(
      async (from: string, o: TxOptions, cmd: Command) => {
        const f = flags(cmd);
        await sendTx(f, from, [{ typeUrl: c.typeUrl, value: { owner: await addressOf(f, from) } }], o);
      },
    );
  }

  const qr = qry.command("registry").description("models and compute providers");
  const base = "/tcompute.registry.v1.Query";
  qr.command("model <hash-or-name>")
    .description("a model by hash, by <owner>/<name>, or by a name only one owner registered")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const isHash = /^[0-9a-fA-F]{64}$/.test(id);
      const bytes = isHash
        ? await chainQuery(f, `${base}/Model`, registryCodecs.queryModelRequest.encode({ hash: id.toLowerCase() }))
        : await chainQuery(f, `${base}/ModelByName`, registryCodecs.queryModelByNameRequest.encode({ name: id }));
      print(f, registryCodecs.queryModelResponse.decode(bytes));
    });
  qr.command("models")
    .description("every registered model")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(
        f,
        registryCodecs.queryModelsResponse.decode(
          await chainQuery(
            f,
            `${base}/Models`,
            registryCodecs.queryModelsRequest.encode({
              pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: true },
            }),
          ),
        ),
      );
    });
  qr.command("provider <owner>")
    .description("a provider by owner address")
    .action(async (owner: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(
        f,
        registryCodecs.queryProviderResponse.decode(
          await chainQuery(f, `${base}/Provider`, registryCodecs.queryProviderRequest.encode({ owner })),
        ),
      );
    });
  qr.command("providers")
    .description("providers, optionally by served model and status")
    .option("--model <sha256>", "only those serving this model", "")
    .option("--status <status>", "active, paused, jailed or unbonding")
    .action(async (o: { model: string; status?: string }, cmd: Command) => {
      const f = flags(cmd);
      const statuses: Record<string, number> = {
        active: ProviderStatus.active,
        paused: ProviderStatus.paused,
        jailed: ProviderStatus.jailed,
        unbonding: ProviderStatus.unbonding,
      };
      const status = o.status === undefined ? 0 : statuses[o.status];
      if (status === undefined) throw cliErrors.usage.wrap("--status is active, paused, jailed or unbonding");
      print(
        f,
        registryCodecs.queryProvidersResponse.decode(
          await chainQuery(
            f,
            `${base}/Providers`,
            registryCodecs.queryProvidersRequest.encode({
              model: o.model.toLowerCase(),
              status,
              pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: true },
            }),
          ),
        ),
      );
    });
  qr.command("params")
    .description("registry params")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(f, registryCodecs.queryParamsResponse.decode(await chainQuery(f, `${base}/Params`, new Uint8Array())));
    });
}
