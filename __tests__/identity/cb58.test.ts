import { cb58Decode, cb58Encode } from '../../src/identity/cb58.js'
import { formatNodeId, parseNodeId } from '../../src/identity/node-id.js'
import { describeWith, HAVE_VECTORS } from '../support/prerequisites.js'
import { vectors } from '../support/vectors.js'

describeWith('../shared/vectors', HAVE_VECTORS, 'cb58 and NodeID vectors from avalanchego', () => {
  it.each(vectors.cb58)('cb58 of 0x$hex is $cb58, and decodes back', ({ hex, cb58 }) => {
    expect(cb58Encode(Buffer.from(hex, 'hex'))).toBe(cb58)
    const decoded = cb58Decode(cb58)
    expect(decoded.ok && Buffer.from(decoded.payload).toString('hex')).toBe(hex)
  })

  it.each(vectors.nodeIDFromBytes)('20 bytes 0x$hex are $nodeID', ({ hex, nodeID }) => {
    expect(formatNodeId(Buffer.from(hex, 'hex'))).toBe(nodeID)
    expect(parseNodeId(nodeID)).toBe(nodeID)
  })
})

describe('parseNodeId tells each kind of typo apart', () => {
  const good = 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg'
  it('accepts a NodeID with surrounding blank space', () => {
    expect(parseNodeId(`  ${good}\n`)).toBe(good)
  })
  it.each([
    ['missing prefix', good.slice(7), /does not start with 'NodeID-'/],
    ['lower-case prefix', 'nodeid-' + good.slice(7), /does not start with 'NodeID-'/],
    [
      'a character outside base58',
      good.replace('X', '0'),
      /'0', which is not in the base58 alphabet/
    ],
    ['a mistyped character', good.replace('Xhw', 'Xhx'), /wrong checksum/],
    ['two swapped characters', good.replace('Xh', 'hX'), /wrong checksum/],
    ['a dropped character', good.slice(0, -1), /wrong checksum|holds \d+ bytes/],
    ['too short', 'NodeID-1', /too short/],
    [
      'the wrong length',
      'NodeID-' + cb58Encode(Buffer.alloc(21, 7)),
      /holds 21 bytes; a NodeID holds 20/
    ]
  ])('%s', (_name, input, message) => {
    expect(() => parseNodeId(input)).toThrow(message)
  })
  it('a checksum of wrong bytes is caught by decoding', () => {
    const decoded = cb58Decode('1c7hwb')
    expect(decoded).toEqual({ ok: false, reason: 'checksum' })
  })
})
