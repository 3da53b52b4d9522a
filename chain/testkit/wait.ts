// Waiting in tests: poll a condition until it holds or the time runs out.

/** Resolves once `cond` holds; throws "timed out: <what>" after `ms`, polling every `pollMs`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
  pollMs = 50,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Uppercase hex, as CometBFT prints hashes and addresses. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();
