/** Event types of the registry (attributes: model, name, owner, provider, status, amount). */
export const registryEvents = {
  registerModel: "register_model",
  registerProvider: "register_provider",
  updateProvider: "update_provider",
  providerStatus: "provider_status",
  providerBondReturned: "provider_bond_returned",
  providerSlashed: "provider_slashed",
  challenge: "provider_challenge",
} as const;
