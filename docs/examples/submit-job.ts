// Submitting a job from a program with the SDK, following it to settlement and reading the
// output. Runs as a test (client/worker/test/worker.e2e.test.ts) against a node and a worker.

import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { TcomputeClient } from "../../client/sdk/client.js";
import { encodeTensors, type Tensor } from "../../client/models/tensors.js";
import type { RawKey } from "../../client/sdk/signing.js";

export async function submitJobExample(
  rpcUrl: string,
  key: RawKey,
  modelName: string,
  input: Record<string, Tensor>,
): Promise<{ id: string; paid: string; output: Record<string, Tensor> }> {
  const wallet = await DirectSecp256k1Wallet.fromKey(key.privKey, "tc");
  const client = await TcomputeClient.connectWithSigner(rpcUrl, wallet);
  try {
    // The whole maximum payment (k × price × the model's compute units) goes into escrow.
    const [id] = await client.submitJob(key.address, {
      model: modelName,
      inputs: [encodeTensors(input)],
      k: 1,
      maxPricePerUnit: "5utcu",
    });
    // Assigned → committed → revealed → settled, all in consensus; nobody has to poke the chain.
    const job = await client.waitForJob(id!, {
      onTransition: (_state, note, height) => console.log(`job ${id} @${height}: ${note}`),
    });
    // Only the requester can fetch the output; it comes sealed to a key of this request.
    const [output] = await client.fetchOutput(key, job);
    return { id: id!, paid: job.paid, output: output! };
  } finally {
    client.disconnect();
  }
}
