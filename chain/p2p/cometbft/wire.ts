import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { DefaultNodeInfo } from "cosmjs-types/tendermint/p2p/types";
import { p2pErrors } from "../secretConnection.js";

// CometBFT v0.38's p2p messages that cosmjs-types does not carry, encoded by hand from
// proto/tendermint/p2p/conn.proto and proto/tendermint/blocksync/types.proto, and the NodeInfo
// checks of p2p/node_info.go (Validate, CompatibleWith) and p2p/transport.go (the id must be
// the authenticated key's).
//
//   Packet  { oneof sum { PacketPing packet_ping = 1; PacketPong packet_pong = 2; PacketMsg packet_msg = 3; } }
//   PacketMsg { int32 channel_id = 1; bool eof = 2; bytes data = 3; }
//   blocksync.Message { oneof sum { BlockRequest block_request = 1; NoBlockResponse no_block_response = 2;
//                                   BlockResponse block_response = 3; StatusRequest status_request = 4;
//                                   StatusResponse status_response = 5; } }
//   BlockRequest { int64 height = 1; }  NoBlockResponse { int64 height = 1; }
//   BlockResponse { Block block = 1; ExtendedCommit ext_commit = 2; }
//   StatusRequest {}  StatusResponse { int64 height = 1; int64 base = 2; }

/** CometBFT's p2p and block protocol versions (version/version.go). */
export const p2pProtocol = 8n;
export const blockProtocolVersion = 11n;
/** max_packet_msg_payload_size: data bytes per PacketMsg. */
export const maxPacketPayload = 1024;
/** The encoded size of the largest Packet (a PacketMsg with a full payload): CometBFT's read bound. */
export const maxPacketBytes = 1034;
/** p2p/node_info.go maxNodeInfoSize and maxNumChannels. */
export const maxNodeInfoBytes = 10_240;
const maxNumChannels = 16;

export type Packet =
  | { kind: "ping" }
  | { kind: "pong" }
  | { kind: "msg"; channel: number; eof: boolean; data: Uint8Array }
  | { kind: "empty" };

export function encodePacketMsg(channel: number, eof: boolean, data: Uint8Array): Uint8Array {
  const w = BinaryWriter.create().uint32(8).int32(channel);
  if (eof) w.uint32(16).bool(true);
  if (data.length > 0) w.uint32(26).bytes(data);
  return BinaryWriter.create().uint32(26).bytes(w.finish()).finish();
}

export const pingPacket = Uint8Array.of(0x0a, 0x00);
export const pongPacket = Uint8Array.of(0x12, 0x00);

/** Decodes a Packet; a oneof with no member is "empty" (CometBFT closes the connection on it). */
export function decodePacket(bytes: Uint8Array): Packet {
  try {
    const r = new BinaryReader(bytes);
    let out: Packet = { kind: "empty" };
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === 2) {
        r.bytes();
        out = { kind: "ping" };
      } else if (field === 2 && (tag & 7) === 2) {
        r.bytes();
        out = { kind: "pong" };
      } else if (field === 3 && (tag & 7) === 2) {
        const m = new BinaryReader(r.bytes());
        let channel = 0;
        let eof = false;
        let data: Uint8Array = new Uint8Array();
        while (m.pos < m.len) {
          const t = m.uint32();
          if (t === 8) channel = m.int32();
          else if (t === 16) eof = m.bool();
          else if (t === 26) data = m.bytes();
          else m.skipType(t & 7);
        }
        out = { kind: "msg", channel, eof, data };
      } else r.skipType(tag & 7);
    }
    return out;
  } catch (e) {
    throw p2pErrors.badFrame.wrap(`packet: ${(e as Error).message}`);
  }
}

export interface NodeInfoSpec {
  id: string;
  listenAddr: string;
  network: string;
  version: string;
  channels: number[];
  moniker: string;
  txIndex: "on" | "off";
  rpcAddress: string;
}

export function makeNodeInfo(s: NodeInfoSpec, appVersion = 0n): DefaultNodeInfo {
  return {
    protocolVersion: { p2p: p2pProtocol, block: blockProtocolVersion, app: appVersion },
    defaultNodeId: s.id,
    listenAddr: s.listenAddr,
    network: s.network,
    version: s.version,
    channels: Uint8Array.from(s.channels),
    moniker: s.moniker,
    other: { txIndex: s.txIndex, rpcAddress: s.rpcAddress },
  };
}

/** CometBFT's cmtstrings.IsASCIIText: printable ASCII (0x20..0x7e), no tabs; ASCIITrim drops spaces. */
const asciiText = (s: string) => /^[\x20-\x7e]*$/.test(s);
const nonBlank = (s: string) => s.replace(/ /g, "") !== "";

/**
 * The checks a CometBFT node makes of a peer's NodeInfo after the SecretConnection: the id is
 * the authenticated key's (transport), the info is well formed (Validate) and compatible with
 * ours (same block protocol and network, a channel in common). Throws p2pErrors.handshake.
 */
export function checkNodeInfo(ours: DefaultNodeInfo, theirs: DefaultNodeInfo, authenticatedId: string): void {
  const bad = (why: string) => p2pErrors.handshake.wrap(`peer's NodeInfo: ${why}`);
  if (theirs.defaultNodeId !== authenticatedId)
    throw bad(`id ${JSON.stringify(theirs.defaultNodeId)} is not the authenticated ${authenticatedId}`);
  const hostPort = theirs.listenAddr.replace(/^[a-z]+:\/\//, "");
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):([0-9]{1,5})$/.exec(hostPort);
  if (m === null || Number(m[2]) > 65535)
    throw bad(`listen_addr ${JSON.stringify(theirs.listenAddr)} is not host:port`);
  if (theirs.version.length > 0 && (!asciiText(theirs.version) || !nonBlank(theirs.version)))
    throw bad("version must be ASCII text");
  if (theirs.channels.length > maxNumChannels)
    throw bad(`${theirs.channels.length} channels (at most ${maxNumChannels})`);
  if (new Set(theirs.channels).size !== theirs.channels.length) throw bad("duplicate channel ids");
  if (!asciiText(theirs.moniker) || !nonBlank(theirs.moniker)) throw bad("moniker must be non-empty ASCII text");
  if (!["", "on", "off"].includes(theirs.other.txIndex)) throw bad(`tx_index ${JSON.stringify(theirs.other.txIndex)}`);
  if (theirs.other.rpcAddress.length > 0 && (!asciiText(theirs.other.rpcAddress) || !nonBlank(theirs.other.rpcAddress)))
    throw bad("rpc_address must be ASCII text");
  if (theirs.protocolVersion.block !== ours.protocolVersion.block)
    throw bad(`block protocol ${theirs.protocolVersion.block}, expected ${ours.protocolVersion.block}`);
  if (theirs.network !== ours.network)
    throw bad(`network ${JSON.stringify(theirs.network)}, expected ${JSON.stringify(ours.network)}`);
  if (ours.channels.length > 0 && !ours.channels.some((c) => theirs.channels.includes(c)))
    throw bad("no channel in common");
}

export type BlockSyncMessage =
  | { kind: "blockRequest"; height: bigint }
  | { kind: "noBlockResponse"; height: bigint }
  | { kind: "blockResponse"; block: Uint8Array; extCommit: Uint8Array | null }
  | { kind: "statusRequest" }
  | { kind: "statusResponse"; height: bigint; base: bigint };

function heightMessage(field: number, height: bigint): Uint8Array {
  const inner = height === 0n ? new Uint8Array() : BinaryWriter.create().uint32(8).int64(height).finish();
  return BinaryWriter.create()
    .uint32((field << 3) | 2)
    .bytes(inner)
    .finish();
}

export function encodeBlockSync(m: BlockSyncMessage): Uint8Array {
  switch (m.kind) {
    case "blockRequest":
      return heightMessage(1, m.height);
    case "noBlockResponse":
      return heightMessage(2, m.height);
    case "blockResponse": {
      const inner = BinaryWriter.create().uint32(10).bytes(m.block);
      if (m.extCommit !== null) inner.uint32(18).bytes(m.extCommit);
      return BinaryWriter.create().uint32(26).bytes(inner.finish()).finish();
    }
    case "statusRequest":
      return Uint8Array.of(0x22, 0x00);
    case "statusResponse": {
      const inner = BinaryWriter.create();
      if (m.height !== 0n) inner.uint32(8).int64(m.height);
      if (m.base !== 0n) inner.uint32(16).int64(m.base);
      return BinaryWriter.create().uint32(42).bytes(inner.finish()).finish();
    }
  }
}

/**
 * Decodes a blocksync.Message. A BlockResponse keeps the block's bytes exactly as the peer
 * encoded them (the part set is computed over the bytes, so they must not be re-encoded here).
 */
export function decodeBlockSync(bytes: Uint8Array): BlockSyncMessage {
  let out: BlockSyncMessage | null = null;
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if ((tag & 7) !== 2 || field < 1 || field > 5) {
        r.skipType(tag & 7);
        continue;
      }
      const m = new BinaryReader(r.bytes());
      let a = 0n;
      let b = 0n;
      let block: Uint8Array | null = null;
      let ext: Uint8Array | null = null;
      while (m.pos < m.len) {
        const t = m.uint32();
        if (field === 3 && t === 10) block = m.bytes();
        else if (field === 3 && t === 18) ext = m.bytes();
        else if (field !== 3 && t === 8) a = m.int64();
        else if (field === 5 && t === 16) b = m.int64();
        else m.skipType(t & 7);
      }
      if (field === 1) out = { kind: "blockRequest", height: a };
      else if (field === 2) out = { kind: "noBlockResponse", height: a };
      else if (field === 3) {
        if (block === null) throw new Error("block response without a block");
        out = { kind: "blockResponse", block, extCommit: ext };
      } else if (field === 4) out = { kind: "statusRequest" };
      else out = { kind: "statusResponse", height: a, base: b };
    }
  } catch (e) {
    throw p2pErrors.badFrame.wrap(`blocksync message: ${(e as Error).message}`);
  }
  if (out === null) throw p2pErrors.badFrame.wrap("blocksync message: empty");
  return out;
}
