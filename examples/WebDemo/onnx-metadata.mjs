// Reads the metadata_props of an ONNX ModelProto (field 14: StringStringEntryProto, key = 1, value = 2) from the raw bytes, so that
// the page and the check can show the frame times an export records without a protobuf library. Other fields are skipped.

function readVarint(bytes, state) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (state.pos >= bytes.length) throw new Error('truncated ONNX file (varint runs past the end)');
    const b = bytes[state.pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

function skip(bytes, state, wireType) {
  if (wireType === 0) readVarint(bytes, state);
  else if (wireType === 1) state.pos += 8;
  else if (wireType === 2) {
    const length = Number(readVarint(bytes, state)); // read first: `pos += read()` would add to the position before the read
    state.pos += length;
  }
  else if (wireType === 5) state.pos += 4;
  else throw new Error(`unsupported protobuf wire type ${wireType}`);
  if (state.pos > bytes.length) throw new Error('truncated ONNX file (a field runs past the end)');
}

function readEntry(bytes) {
  const state = { pos: 0 };
  const decoder = new TextDecoder();
  let key = '';
  let value = '';
  while (state.pos < bytes.length) {
    const tag = Number(readVarint(bytes, state));
    const field = tag >> 3;
    if ((field === 1 || field === 2) && (tag & 7) === 2) {
      const length = Number(readVarint(bytes, state));
      const text = decoder.decode(bytes.subarray(state.pos, state.pos + length));
      state.pos += length;
      if (field === 1) key = text; else value = text;
    } else skip(bytes, state, tag & 7);
  }
  return [key, value];
}

/** The model's metadata as a plain object of strings. */
export function readMetadata(bytes) {
  const state = { pos: 0 };
  const metadata = {};
  while (state.pos < bytes.length) {
    const tag = Number(readVarint(bytes, state));
    if ((tag >> 3) === 14 && (tag & 7) === 2) {
      const length = Number(readVarint(bytes, state));
      const [key, value] = readEntry(bytes.subarray(state.pos, state.pos + length));
      state.pos += length;
      metadata[key] = value;
    } else skip(bytes, state, tag & 7);
  }
  return metadata;
}

/** What a DSNO export says about itself: frame times, image shape [C, H, W], classes. Throws when it is not a DSNO export. */
export function readDsnoMetadata(bytes) {
  const m = readMetadata(bytes);
  if (m['dsno.format'] !== '1') throw new Error('not a DSNO export (no dsno.format = 1 in the ONNX metadata)');
  const shape = m['dsno.image_shape'].split(',').map(Number);
  return {
    frameTimes: m['dsno.frame_times'].split(',').map(Number),
    channels: shape[0], height: shape[1], width: shape[2],
    classes: Number(m['dsno.classes']),
  };
}
