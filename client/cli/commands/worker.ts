import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Option, type Command } from "commander";
import { registryCodecs } from "../../../modules/registry/index.js";
import { signatureOf } from "../../models/onnx.js";
import { zoo } from "../../models/zoo.js";
import { encodeTensors } from "../../models/tensors.js";
import { loadOrCreateX25519 } from "../../worker/sealing.js";
import { Worker } from "../../worker/worker.js";
import { cliErrors, flags, keyring, print } from "../context.js";
import { chainQuery } from "../query.js";
import { challengeHelp, collect, parseChallenge } from "./registry.js";
import { sendTx, txFlags, type TxOptions } from "../tx.js";

// tcd worker start, tcd models register|list|export-zoo.

interface WorkerFlags {
  from: string;
  models?: string;
  device: string;
  threads: string;
  slots: string;
  port: string;
  publicUrl?: string;
  audit: boolean;
  byzantine: boolean;
  holdReveals: boolean;
  memoryArena: boolean;
  postThread: boolean;
  allowFileUris: boolean;
  allowLoopbackUris: boolean;
  allowPrivateUris: boolean;
  maxInputBytes: string;
}

export function registerWorkerCommands(program: Command): void {
  const w = program.command("worker").description("run inference for the chain (providers) or audit it (validators)");
  w.command("start")
    .description("follow the chain, run assigned jobs, commit and reveal, serve outputs to requesters")
    .requiredOption("--from <key>", "the provider's key (or, with --audit, the validator operator's key)")
    .option("--models <dir>", "directory of .onnx files, found by sha256 (else fetched from each model's URI)")
    .option(
      "--device <cpu|cuda>",
      "onnxruntime execution provider (cuda needs onnxruntime-node's CUDA binaries: docs/worker.md)",
      "cpu",
    )
    .option("--threads <n>", "onnxruntime intra-op threads (0: its default)", "0")
    .option("--slots <n>", "jobs run at once", "4")
    .option("--port <port>", "outputs and /metrics on 127.0.0.1:<port> (0: any free port)", "0")
    .option("--public-url <url>", "the URL requesters reach the output server at")
    .option("--audit", "audit mode: re-run jobs sampled for audit and send verdicts", false)
    .option("--allow-file-uris", "read file:// model and input URIs (off: only http(s) is fetched)", false)
    .option("--allow-loopback-uris", "fetch URIs on loopback addresses (off: only public ones)", false)
    .option("--allow-private-uris", "fetch URIs on private and link-local addresses (off: only public ones)", false)
    .option("--max-input-bytes <n>", "largest input fetched by URI, in bytes", String(64 << 20))
    .option("--byzantine", "for demos and tests: return wrong outputs (and get slashed)", false)
    .option("--no-memory-arena", "onnxruntime frees each run's buffers instead of keeping an arena (less memory)")
    .option("--no-post-thread", "take digests and sketches on the main thread only (no second thread)")
    .addOption(new Option("--hold-reveals", "for tests: commit but never reveal").default(false).hideHelp())
    .action(async (o: WorkerFlags, cmd: Command) => {
      const f = flags(cmd);
      if (o.device !== "cpu" && o.device !== "cuda") throw cliErrors.usage.wrap("--device is cpu or cuda");
      for (const [name, v] of [
        ["--threads", o.threads],
        ["--slots", o.slots],
        ["--port", o.port],
      ] as const)
        if (!/^[0-9]{1,5}$/.test(v)) throw cliErrors.usage.wrap(`${name} must be a whole number`);
      if (!/^[0-9]{1,12}$/.test(o.maxInputBytes))
        throw cliErrors.usage.wrap("--max-input-bytes must be a whole number");
      const kr = await keyring(f, true);
      const address = kr.show(o.from).address;
      const signer = await kr.wallet(o.from);
      const dir = join(f.home, `worker-${o.from}`);
      const x25519 = loadOrCreateX25519(join(dir, "x25519.json"));
      const x25519Hex = Buffer.from(x25519.publicKey).toString("hex");
      if (!o.audit) {
        try {
          const p = registryCodecs.queryProviderResponse.decode(
            await chainQuery(
              f,
              "/tcompute.registry.v1.Query/Provider",
              registryCodecs.queryProviderRequest.encode({ owner: address }),
            ),
          ).provider!;
          if (Buffer.from(p.x25519Pubkey).toString("hex") !== x25519Hex)
            process.stderr.write(
              `warning: the registered X25519 key differs from this worker's (${x25519Hex}); sealed inputs cannot be opened: tcd tx registry update-provider ${o.from} --x25519 ${x25519Hex} ...\n`,
            );
        } catch {
          process.stderr.write(
            `warning: ${address} is not a registered provider yet: tcd tx registry register-provider ${o.from} --x25519 ${x25519Hex} ...\n`,
          );
        }
      }
      const worker = new Worker({
        rpcUrl: f.node,
        signer,
        address,
        storeDir: join(dir, "store"),
        x25519,
        engine: {
          device: o.device,
          threads: Number(o.threads),
          memoryArena: o.memoryArena,
          postThread: o.postThread,
        },
        modelsDir: o.models,
        slots: Number(o.slots),
        audit: o.audit,
        port: Number(o.port),
        publicUrl: o.publicUrl,
        holdReveals: o.holdReveals,
        allowFileUris: o.allowFileUris,
        allowLoopbackUris: o.allowLoopbackUris,
        allowPrivateUris: o.allowPrivateUris,
        maxInputBytes: Number(o.maxInputBytes),
        ...(o.byzantine ? { tamper: (x: Float64Array) => x.map((v, i) => v + 0.5 + (i % 7) * 0.1) } : {}),
        log: (l) => process.stdout.write(`${new Date().toISOString()} ${l}\n`),
      });
      await worker.start();
      process.stdout.write(
        `worker for ${address}${o.audit ? " (audit mode)" : ""} on ${f.node}; outputs and /metrics at ${worker.url}; x25519 ${x25519Hex}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      process.stdout.write("stopping: waiting for running jobs…\n");
      await worker.stop();
    });

  const m = program.command("models").description("ONNX models: register from a file, list, export the zoo");
  txFlags(
    m
      .command("register <file> <from-key>")
      .description("register an .onnx file: its sha256 and tensor signatures are read from the file")
      .requiredOption("--name <name>", "unique name")
      .requiredOption("--compute-units <n>", "compute units per inference")
      .option("--sketch-size <n>", "components of the result sketch", "16")
      .option("--tolerance <n>", "largest difference per component, in 1e-6 units", "1000")
      .option("--top-k <n>", "for classifiers: top-k classes that must agree", "0")
      .option("--uri <uri>", "where workers fetch the model (default: file:// of <file>)")
      .option("--challenge <name:dims[:values]>", `${challengeHelp}; default: the zoo's, for a zoo model`, collect, []),
  ).action(
    async (
      file: string,
      from: string,
      o: TxOptions & {
        name: string;
        computeUnits: string;
        sketchSize: string;
        tolerance: string;
        topK: string;
        uri?: string;
        challenge: string[];
      },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw cliErrors.usage.wrap(`${file}: ${(e as Error).message}`);
      }
      let sig: ReturnType<typeof signatureOf>;
      try {
        sig = signatureOf(bytes);
      } catch (e) {
        throw cliErrors.usage.wrap(`${file} is not a readable ONNX model: ${(e as Error).message}`);
      }
      const hash = createHash("sha256").update(bytes).digest("hex");
      const owner = (await keyring(f, false)).show(from).address;
      // A zoo model's file (named as `models zoo` writes it, or registered under its zoo name) is
      // registered with the zoo's recipe when its bytes are the zoo's.
      const zooModel = zoo[o.name] ?? zoo[basename(file, ".onnx")];
      const zooRecipe =
        zooModel !== undefined && createHash("sha256").update(zooModel.bytes()).digest("hex") === hash
          ? (zooModel.challengeInputs ?? [])
          : [];
      const value = {
        owner,
        hash,
        name: o.name,
        inputs: sig.inputs,
        outputs: sig.outputs,
        computeUnits: o.computeUnits,
        rule: { sketchSize: Number(o.sketchSize), tolerance: Number(o.tolerance), topK: Number(o.topK) },
        uri: o.uri ?? pathToFileURL(file).href,
        challengeInputs: o.challenge.length > 0 ? o.challenge.map(parseChallenge) : zooRecipe,
      };
      await sendTx(f, from, [{ typeUrl: registryCodecs.msgRegisterModel.typeUrl, value }], o);
      if (f.output !== "json") process.stdout.write(`model ${o.name}: ${hash}\n`);
    },
  );
  m.command("list")
    .description("registered models")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const res = registryCodecs.queryModelsResponse.decode(
        await chainQuery(
          f,
          "/tcompute.registry.v1.Query/Models",
          registryCodecs.queryModelsRequest.encode({
            pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: true },
          }),
        ),
      );
      print(
        f,
        res,
        res.models
          .map(
            (x) =>
              `${x.name}\t${x.hash}\t${x.computeUnits} units\ttolerance ${x.rule?.tolerance ?? 0}${x.rule?.topK ? ` top-${x.rule.topK}` : ""}`,
          )
          .join("\n") || "no models registered",
      );
    });
  m.command("sample-input <zoo-model> <file>")
    .description("write a sample input (a tensor bundle) for a model of the zoo")
    .option("--variant <n>", "another sample", "0")
    .action((name: string, file: string, o: { variant: string }, cmd: Command) => {
      const f = flags(cmd);
      const z = zoo[name];
      if (z === undefined) throw cliErrors.usage.wrap(`${name} is not in the zoo: ${Object.keys(zoo).join(", ")}`);
      const bytes = encodeTensors(z.sampleInput(Number(o.variant)));
      writeFileSync(file, bytes);
      print(f, { file, bytes: bytes.length }, `${file}: ${bytes.length} bytes`);
    });
  m.command("export-zoo <dir>")
    .description("write the model zoo (PaddleOCR, Silero VAD, generated MLP and CNN) as .onnx files")
    .action((dir: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      mkdirSync(dir, { recursive: true });
      const out = Object.values(zoo).map((z) => {
        const bytes = z.bytes();
        writeFileSync(join(dir, `${z.name}.onnx`), bytes);
        return {
          name: z.name,
          sha256: createHash("sha256").update(bytes).digest("hex"),
          bytes: bytes.length,
          compute_units: z.computeUnits.toString(),
          rule: z.rule,
        };
      });
      print(f, out, out.map((x) => `${x.name}.onnx\t${x.sha256}\t${x.bytes} bytes`).join("\n"));
    });
}
