import { registerError } from "../sdk/errors.js";

/** Stable codes of the registry codespace. */
export const registryErrors = {
  invalidModel: registerError("registry", 2, "invalid model"),
  modelExists: registerError("registry", 3, "model already registered"),
  modelNameTaken: registerError("registry", 4, "model name already taken"),
  modelNotFound: registerError("registry", 5, "model not found"),
  invalidProvider: registerError("registry", 6, "invalid provider"),
  providerExists: registerError("registry", 7, "provider already registered"),
  providerNotFound: registerError("registry", 8, "provider not found"),
  bondTooSmall: registerError("registry", 9, "provider bond below the minimum"),
  badStatus: registerError("registry", 10, "provider is not in a state that allows this"),
  badDenom: registerError("registry", 11, "wrong bond denomination"),
  invalidParams: registerError("registry", 12, "invalid registry params"),
  stillJailed: registerError("registry", 13, "a penalty still holds the provider"),
  modelNameAmbiguous: registerError("registry", 14, "several owners registered this model name"),
} as const;
