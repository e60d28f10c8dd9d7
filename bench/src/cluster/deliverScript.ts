/**
 * The batched deliver script of the cluster spike (docs/cluster.md, "Spike"): one call carries
 * every frame a node relayed in one event-loop turn. For each frame it reads the target session's
 * hash (owner node, pair-auth flag; the trusted set when pair-auth is on), then, per target, it
 * appends one stream entry holding all of that target's frames of the call (the log a node fills
 * pub/sub gaps from), and per owner node it publishes once.
 *
 * Keys (prefix p): p s:<id> hash {node, auth}; p t:<id> set of trusted senders; p q:<id> stream
 * of frames for <id>; channel p n:<node>.
 *
 * ARGV: prefix, then ONE string of frames, each `from (36 bytes) · to (36 bytes) · u32 length ·
 * frame` ({@link packFrames}): one argument, not three per frame, so neither ioredis nor Redis
 * parses thousands of arguments per call. Returns { delivered, refused }.
 *
 * Published message, per target on that node: to (36 bytes) · u16 id length · stream id ·
 * u32 blob length · blob; blob = (u32 frame length · frame)*. The stream entry holds the same blob.
 */
export const DELIVER_LUA = `
local p = ARGV[1]
local buf = ARGV[2]
local sessions = {}
local blobs = {}
local order = {}
local refused, delivered = 0, 0
local at, size = 1, #buf
while at <= size do
  local from = string.sub(buf, at, at + 35)
  local to = string.sub(buf, at + 36, at + 71)
  local length = struct.unpack('>I4', buf, at + 72)
  -- The length prefix and the frame, as the stream entry and the published message hold them.
  local framed = string.sub(buf, at + 72, at + 75 + length)
  at = at + 76 + length
  local s = sessions[to]
  if s == nil then
    local h = redis.call('HMGET', p .. 's:' .. to, 'node', 'auth')
    if h[1] then s = { node = h[1], auth = h[2] == '1', trusted = {} } else s = false end
    sessions[to] = s
  end
  local allowed = s ~= false
  if allowed and s.auth then
    local ok = s.trusted[from]
    if ok == nil then
      ok = redis.call('SISMEMBER', p .. 't:' .. to, from) == 1
      s.trusted[from] = ok
    end
    allowed = ok
  end
  if allowed then
    local b = blobs[to]
    if not b then b = {} blobs[to] = b table.insert(order, to) end
    table.insert(b, framed)
    delivered = delivered + 1
  else
    refused = refused + 1
  end
end
local byNode = {}
for _, to in ipairs(order) do
  local blob = table.concat(blobs[to])
  local id = redis.call('XADD', p .. 'q:' .. to, 'MAXLEN', '~', 1000, '*', 'b', blob)
  local node = sessions[to].node
  local parts = byNode[node]
  if not parts then parts = {} byNode[node] = parts end
  table.insert(parts, to .. struct.pack('>I2', #id) .. id .. struct.pack('>I4', #blob) .. blob)
end
for node, parts in pairs(byNode) do redis.call('PUBLISH', p .. 'n:' .. node, table.concat(parts)) end
return { delivered, refused }
`;

/** Read one published message: every (target, frame) in it, in order. */
export function* readDelivery(message: Buffer): Generator<[string, Buffer]> {
  let at = 0;
  while (at < message.length) {
    const to = message.toString('latin1', at, at + 36);
    at += 36;
    const idLength = message.readUInt16BE(at);
    at += 2 + idLength;
    const end = at + 4 + message.readUInt32BE(at);
    at += 4;
    while (at < end) {
      const length = message.readUInt32BE(at);
      at += 4;
      yield [to, message.subarray(at, at + length)];
      at += length;
    }
  }
}

/** Frames of one call as the script reads them: from · to (36 bytes each) · u32 length · frame. */
export function packFrames(frames: { from: string; to: string; data: Buffer | string }[]): Buffer {
  let size = 0;
  for (const f of frames) size += 76 + Buffer.byteLength(f.data);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const f of frames) {
    out.write(f.from, at, 36, 'latin1');
    out.write(f.to, at + 36, 36, 'latin1');
    const length = typeof f.data === 'string' ? out.write(f.data, at + 76, 'utf8') : f.data.copy(out, at + 76);
    out.writeUInt32BE(length, at + 72);
    at += 76 + length;
  }
  return out;
}
