import type { Context } from "../sdk/context.js";

/** What reputation needs of the registry: take a provider out of matching. */
export interface RegistryForReputation {
  jailProvider(ctx: Context, owner: string, reason: string): void;
}
