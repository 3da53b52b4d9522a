import { validateAddress } from "../sdk/address.js";

const isAddress = (s: string): boolean => {
  try {
    validateAddress(s);
    return true;
  } catch {
    return false;
  }
};
import type { QueryHandler } from "../sdk/module.js";
import { pageRequestFromPb, pageResponseToPb, paginateStore } from "../sdk/pagination.js";
import { registryErrors } from "./errors.js";
import type { RegistryKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { paramsToPb } from "./params.js";
import { codecs, type Provider } from "./types.js";

// tcompute.registry.v1.Query paths.

export function registryQueries(k: RegistryKeeper): Record<string, QueryHandler> {
  const base = "/tcompute.registry.v1.Query";
  return {
    [`${base}/Model`]: (ctx, data) => {
      const { hash } = codecs.queryModelRequest.decode(data);
      const model = k.getModel(ctx.store, hash);
      if (model === null) throw registryErrors.modelNotFound.wrap(hash);
      return codecs.queryModelResponse.encode({ model });
    },
    [`${base}/ModelByName`]: (ctx, data) => {
      const req = codecs.queryModelByNameRequest.decode(data);
      let owner = req.owner ?? "";
      let name = req.name;
      const slash = name.indexOf("/");
      if (owner === "" && slash > 0 && isAddress(name.slice(0, slash))) {
        owner = name.slice(0, slash);
        name = name.slice(slash + 1);
      }
      if (owner !== "") {
        validateAddress(owner);
        const hash = k.modelHashByName(ctx.store, owner, name);
        if (hash === null)
          throw registryErrors.modelNotFound.wrap(`${owner} registered no model named ${JSON.stringify(name)}`);
        return codecs.queryModelResponse.encode({ model: k.getModel(ctx.store, hash) });
      }
      // A bare name: a convenience that answers only when it names one model.
      const named = k.modelsNamed(ctx.store, name, 5);
      if (named.length === 0) throw registryErrors.modelNotFound.wrap(`no model named ${JSON.stringify(name)}`);
      if (named.length > 1)
        throw registryErrors.modelNameAmbiguous.wrap(
          `${JSON.stringify(name)} is registered by several owners; ask for one of ${named.map((n) => `${n.owner}/${name}`).join(", ")}${named.length === 5 ? ", ..." : ""}`,
        );
      return codecs.queryModelResponse.encode({ model: k.getModel(ctx.store, named[0]!.hash) });
    },
    [`${base}/Models`]: (ctx, data) => {
      const req = codecs.queryModelsRequest.decode(data);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.modelPrefix,
        pageRequestFromPb(req.pagination),
        (_hash, raw) => codecs.model.decode(raw),
      );
      return codecs.queryModelsResponse.encode({ models: page, pagination: pageResponseToPb(pagination) });
    },
    [`${base}/Provider`]: (ctx, data) => {
      const { owner } = codecs.queryProviderRequest.decode(data);
      validateAddress(owner);
      return codecs.queryProviderResponse.encode({ provider: k.mustGetProvider(ctx.store, owner) });
    },
    [`${base}/Providers`]: (ctx, data) => {
      const req = codecs.queryProvidersRequest.decode(data);
      // By owner, from the providers or from the by-model index; a status filter decodes each entry read.
      const wanted = (p: Provider | null) => (p !== null && (req.status === 0 || p.status === req.status) ? p : null);
      const { page, pagination } =
        req.model !== ""
          ? paginateStore(
              ctx.store,
              keys.providersByModel(req.model),
              pageRequestFromPb(req.pagination),
              (owner) => wanted(k.getProvider(ctx.store, owner)),
              req.status !== 0,
            )
          : paginateStore(
              ctx.store,
              keys.providerPrefix,
              pageRequestFromPb(req.pagination),
              (_owner, raw) => wanted(codecs.provider.decode(raw)),
              req.status !== 0,
            );
      return codecs.queryProvidersResponse.encode({ providers: page, pagination: pageResponseToPb(pagination) });
    },
    [`${base}/Params`]: (ctx) => codecs.queryParamsResponse.encode({ params: paramsToPb(k.params(ctx.store)) }),
  };
}
