import { validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import type { MsgRoute } from "../sdk/module.js";
import { registryErrors } from "./errors.js";
import { registryEvents } from "./events.js";
import { jailHolds, type RegistryKeeper } from "./keeper.js";
import { challengeRecipeBytes } from "./challengeInputs.js";
import { amountPattern, checkModelSpec, hashPattern } from "./modelSpec.js";
import { ruleOutOfBounds } from "./params.js";
import type { Codec } from "../sdk/proto.js";
import { codecs, ProviderStatus, type MsgOwner, type MsgRegisterModel, type ProviderOffer } from "./types.js";

// tcompute.registry.v1 messages: models, providers (register, update, pause, resume, leave).

/** A price per compute unit: whole base units of the bond denom, written as a coin ("5utcu"). */
const pricePattern = /^[0-9]{1,30}[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;

function checkOffer(m: ProviderOffer): void {
  validateAddress(m.owner);
  if (m.moniker.trim() === "" || m.moniker.length > 70)
    throw registryErrors.invalidProvider.wrap("moniker must be 1 to 70 characters");
  if (m.gpus.length === 0) throw registryErrors.invalidProvider.wrap("at least one GPU (or CPU entry) is required");
  for (const g of m.gpus) {
    if (g.vendor === "" || g.model === "" || g.vendor.length > 64 || g.model.length > 64)
      throw registryErrors.invalidProvider.wrap("GPU vendor and model are required (at most 64 characters)");
    if (g.count < 1) throw registryErrors.invalidProvider.wrap("GPU count must be positive");
  }
  if (m.models.length === 0) throw registryErrors.invalidProvider.wrap("serve at least one model");
  if (new Set(m.models).size !== m.models.length) throw registryErrors.invalidProvider.wrap("duplicate model");
  for (const h of m.models)
    if (!hashPattern.test(h))
      throw registryErrors.invalidProvider.wrap(`model ${JSON.stringify(h)} is not a sha256 hex`);
  if (!pricePattern.test(m.pricePerUnit))
    throw registryErrors.invalidProvider.wrap("price_per_unit must be an amount and denom, e.g. 5utcu");
  if (m.slots < 1) throw registryErrors.invalidProvider.wrap("slots must be positive");
  if (m.x25519Pubkey.length !== 32) throw registryErrors.invalidProvider.wrap("x25519_pubkey must be 32 bytes");
  if (m.endpoint.length > 256 || (m.endpoint !== "" && !/^https?:\/\/[^\s]+$/.test(m.endpoint)))
    throw registryErrors.invalidProvider.wrap("endpoint must be an http(s) URL");
}

function route<M>(
  c: Codec<M>,
  response: Codec<Record<string, never>> | null,
  signer: (m: M) => string,
  validateBasic: (m: M) => void,
  handle: (ctx: Context, m: M) => Uint8Array | void,
): MsgRoute<unknown> {
  const r: MsgRoute<M> = {
    typeUrl: c.typeUrl,
    decode: (b) => c.decode(b),
    reencode: (b) => c.reencode(b),
    signers: (m) => [signer(m)],
    validateBasic,
    handle(ctx, m) {
      const out = handle(ctx, m);
      return { typeUrl: `${c.typeUrl}Response`, value: out ?? response!.encode({}) };
    },
  };
  return r as MsgRoute<unknown>;
}

export function registryMsgRoutes(k: RegistryKeeper): MsgRoute<unknown>[] {
  function checkAgainstParams(ctx: Context, m: ProviderOffer): void {
    const p = k.params(ctx.store);
    if (m.models.length > p.maxModelsPerProvider)
      throw registryErrors.invalidProvider.wrap(`at most ${p.maxModelsPerProvider} models`);
    if (m.gpus.length > p.maxGpusPerProvider)
      throw registryErrors.invalidProvider.wrap(`at most ${p.maxGpusPerProvider} GPU entries`);
    if (m.slots > p.maxSlots) throw registryErrors.invalidProvider.wrap(`at most ${p.maxSlots} slots`);
    const denom = m.pricePerUnit.replace(/^[0-9]+/, "");
    if (denom !== p.bondDenom) throw registryErrors.badDenom.wrap(`price in ${denom}; prices are in ${p.bondDenom}`);
    for (const h of m.models) if (k.getModel(ctx.store, h) === null) throw registryErrors.modelNotFound.wrap(h);
  }

  const registerModel = route(
    codecs.msgRegisterModel,
    codecs.msgRegisterModelResponse,
    (m: MsgRegisterModel) => m.owner,
    (m) => {
      validateAddress(m.owner);
      checkModelSpec(m);
    },
    (ctx, m) => {
      // The rule and the cost within the params' bounds: a registrant cannot make its own model's
      // results unverifiable (a tolerance so wide anything agrees, a sketch of one component).
      const bad = ruleOutOfBounds(k.params(ctx.store), m.rule, BigInt(m.computeUnits));
      if (bad !== null) throw registryErrors.invalidModel.wrap(bad);
      const limit = k.challengeBytesLimit(ctx.store);
      const recipeBytes = challengeRecipeBytes(m.inputs, m.challengeInputs ?? []);
      if (limit !== null && recipeBytes > limit)
        throw registryErrors.invalidModel.wrap(
          `challenge_inputs: ${recipeBytes} bytes of tensors, more than a job's inline input may hold (jobs max_inline_input_bytes (${limit})): the chain could never send this challenge`,
        );
      if (k.getModel(ctx.store, m.hash) !== null) throw registryErrors.modelExists.wrap(m.hash);
      // Names are per owner: only the owner's own namespace can be taken.
      if (k.modelHashByName(ctx.store, m.owner, m.name) !== null)
        throw registryErrors.modelNameTaken.wrap(`${m.owner}/${m.name}`);
      k.setModel(ctx.store, {
        hash: m.hash,
        name: m.name,
        inputs: m.inputs,
        outputs: m.outputs,
        computeUnits: m.computeUnits,
        rule: m.rule,
        uri: m.uri,
        owner: m.owner,
        registeredHeight: ctx.height.toString(),
        challengeInputs: m.challengeInputs ?? [],
      });
      ctx.events.emit(
        event(registryEvents.registerModel, [
          ["model", m.hash],
          ["name", m.name],
          ["owner", m.owner],
        ]),
      );
    },
  );

  const registerProvider = route(
    codecs.msgRegisterProvider,
    codecs.msgRegisterProviderResponse,
    (m) => m.owner,
    (m) => {
      checkOffer(m);
      if (!amountPattern.test(m.bond))
        throw registryErrors.invalidProvider.wrap("bond must be a whole number of base units");
    },
    (ctx, m) => {
      const params = k.params(ctx.store);
      if (k.getProvider(ctx.store, m.owner) !== null) throw registryErrors.providerExists.wrap(m.owner);
      checkAgainstParams(ctx, m);
      const bond = BigInt(m.bond);
      if (bond < params.minProviderBond)
        throw registryErrors.bondTooSmall.wrap(`${bond} < ${params.minProviderBond}${params.bondDenom}`);
      k.bank.transfer(ctx, m.owner, k.bondPool(), [{ denom: params.bondDenom, amount: bond }]);
      k.setProvider(ctx.store, {
        ...m,
        models: [...m.models].sort(),
        bond: bond.toString(),
        status: ProviderStatus.active,
        unbondingCompletion: "0",
        challengesPassed: 0,
        challengesFailed: 0,
        registeredHeight: ctx.height.toString(),
        jailedUntil: "0",
        challengeHold: false,
      });
      ctx.events.emit(
        event(registryEvents.registerProvider, [
          ["provider", m.owner],
          ["bond", `${bond}${params.bondDenom}`],
        ]),
      );
    },
  );

  const updateProvider = route(
    codecs.msgUpdateProvider,
    codecs.msgUpdateProviderResponse,
    (m) => m.owner,
    (m) => {
      checkOffer(m);
      if (m.addBond !== "" && !amountPattern.test(m.addBond))
        throw registryErrors.invalidProvider.wrap("add_bond must be a whole number of base units");
    },
    (ctx, m) => {
      const params = k.params(ctx.store);
      const p = k.mustGetProvider(ctx.store, m.owner);
      if (p.status === ProviderStatus.unbonding) throw registryErrors.badStatus.wrap("the provider is leaving");
      checkAgainstParams(ctx, m);
      const add = m.addBond === "" ? 0n : BigInt(m.addBond);
      if (add > 0n) k.bank.transfer(ctx, m.owner, k.bondPool(), [{ denom: params.bondDenom, amount: add }]);
      const previous = p.models;
      const next = {
        ...p,
        moniker: m.moniker,
        gpus: m.gpus,
        models: [...m.models].sort(),
        pricePerUnit: m.pricePerUnit,
        slots: m.slots,
        x25519Pubkey: m.x25519Pubkey,
        endpoint: m.endpoint,
        bond: (BigInt(p.bond) + add).toString(),
      };
      k.setProvider(ctx.store, next, previous);
      ctx.events.emit(event(registryEvents.updateProvider, [["provider", m.owner]]));
      // Restoring the bond ends a jail only when the bond was what still held it: a jail for
      // faults or a failed challenge outlasts any update.
      if (BigInt(p.bond) < params.minProviderBond) k.liftIfClear(ctx, next, "bond restored");
    },
  );

  const ownerOnly = (m: MsgOwner) => validateAddress(m.owner);

  const pause = route(
    codecs.msgPauseProvider,
    codecs.msgPauseProviderResponse,
    (m) => m.owner,
    ownerOnly,
    (ctx, m) => {
      const p = k.mustGetProvider(ctx.store, m.owner);
      if (p.status !== ProviderStatus.active) throw registryErrors.badStatus.wrap("only an active provider can pause");
      k.setStatus(ctx, p, ProviderStatus.paused, "paused by owner");
    },
  );

  const resume = route(
    codecs.msgResumeProvider,
    codecs.msgResumeProviderResponse,
    (m) => m.owner,
    ownerOnly,
    (ctx, m) => {
      const p = k.mustGetProvider(ctx.store, m.owner);
      if (p.status === ProviderStatus.jailed)
        throw registryErrors.badStatus.wrap(
          `a jailed provider cannot resume itself (held by: ${jailHolds(p, ctx.height, k.params(ctx.store).minProviderBond).join("; ") || "nothing; send MsgUnjailProvider"})`,
        );
      if (p.status !== ProviderStatus.paused) throw registryErrors.badStatus.wrap("only a paused provider can resume");
      if (BigInt(p.bond) < k.params(ctx.store).minProviderBond)
        throw registryErrors.bondTooSmall.wrap("top the bond up with MsgUpdateProvider first");
      k.setStatus(ctx, p, ProviderStatus.active, "resumed by owner");
    },
  );

  const unjail = route(
    codecs.msgUnjailProvider,
    codecs.msgUnjailProviderResponse,
    (m) => m.owner,
    ownerOnly,
    (ctx, m) => {
      const p = k.mustGetProvider(ctx.store, m.owner);
      if (p.status !== ProviderStatus.jailed)
        throw registryErrors.badStatus.wrap("only a jailed provider can be unjailed");
      const holds = jailHolds(p, ctx.height, k.params(ctx.store).minProviderBond);
      if (holds.length > 0) throw registryErrors.stillJailed.wrap(holds.join("; "));
      k.setStatus(ctx, p, ProviderStatus.active, "unjailed: every hold cleared");
    },
  );

  const deregister = route(
    codecs.msgDeregisterProvider,
    null,
    (m) => m.owner,
    ownerOnly,
    (ctx, m) => {
      const p = k.mustGetProvider(ctx.store, m.owner);
      if (p.status === ProviderStatus.unbonding) throw registryErrors.badStatus.wrap("already leaving");
      // The bond stays slashable for the unbonding period (results of its last jobs can be audited).
      const completion = ctx.block.time.seconds + k.params(ctx.store).providerUnbondingSeconds;
      p.unbondingCompletion = completion.toString();
      k.setStatus(ctx, p, ProviderStatus.unbonding, "deregistered");
      k.queueUnbonding(ctx.store, completion, m.owner);
      return codecs.msgDeregisterProviderResponse.encode({ completionTime: completion.toString() });
    },
  );

  return [registerModel, registerProvider, updateProvider, pause, resume, unjail, deregister];
}
