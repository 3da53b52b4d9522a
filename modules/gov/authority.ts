import { validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import type { MsgRoute } from "../sdk/module.js";
import { govErrors } from "./errors.js";
import { govAddress } from "./keeper.js";

// Every module's MsgUpdateParams (and other governance-only messages) takes its authority from
// here: the gov module account. A message naming another authority is refused with the code the
// SDK's modules use, gov's ErrInvalidSigner (gov 13).

export function requireGovAuthority(authority: string): void {
  if (authority !== govAddress())
    throw govErrors.invalidSigner.wrap(`invalid authority; expected ${govAddress()}, got ${authority}`);
}

/**
 * A MsgUpdateParams route: ValidateBasic checks the authority's address and the params exactly
 * as genesis does (so a bad proposal is refused at submission); the handler checks the authority,
 * then validates again and writes (so nothing changes if the params are bad at execution).
 */
export function updateParamsRoute<M extends { authority: string }, P>(spec: {
  typeUrl: string;
  decode(bytes: Uint8Array): M;
  /** Codec.reencode (or encode(decode(bytes)) for a cosmjs-types message). */
  reencode(bytes: Uint8Array): Uint8Array;
  /** Decodes and checks the params of the message; throws a CodedError. */
  params(m: M): P;
  validate(p: P): void;
  write(ctx: Context, p: P): void;
  response: { typeUrl: string; value: Uint8Array };
}): MsgRoute<unknown> {
  const route: MsgRoute<M> = {
    typeUrl: spec.typeUrl,
    decode: (b) => spec.decode(b),
    reencode: (b) => spec.reencode(b),
    signers: (m) => [m.authority],
    validateBasic(m) {
      validateAddress(m.authority);
      spec.validate(spec.params(m));
    },
    handle(ctx, m) {
      requireGovAuthority(m.authority);
      const p = spec.params(m);
      spec.validate(p);
      spec.write(ctx, p);
      return spec.response;
    },
  };
  return route as MsgRoute<unknown>;
}
