import { createHash } from 'node:crypto'
import { cb58Decode, cb58Encode } from './cb58.js'
import { IdentityError } from './errors.js'

const PREFIX = 'NodeID-'
const NODE_ID_LEN = 20

export function formatNodeId(shortId: Uint8Array): string {
  return PREFIX + cb58Encode(shortId)
}

/** NodeID = "NodeID-" + cb58(ripemd160(sha256(certificate DER))) (avalanchego ids/node_id.go). */
export function nodeIdFromCertificate(der: Uint8Array): string {
  const sha = createHash('sha256').update(der).digest()
  // Node.js builds ship OpenSSL 3 with RIPEMD-160 in the default provider.
  return formatNodeId(createHash('ripemd160').update(sha).digest())
}

/**
 * Validates a NodeID typed by a person and returns it normalised (trimmed). Each kind of typo gets
 * its own message, because "does not match" would send the operator looking at the wrong thing.
 */
export function parseNodeId(input: string, what = 'NodeID'): string {
  const text = input.trim()
  const hint = `Copy it from info.getNodeID or from \`avalanche-node-backup node-id staker.crt\`.`
  // The value is quoted only when it is NodeID-shaped: a key pasted into the wrong input is not.
  if (!text.startsWith(PREFIX)) {
    throw new IdentityError(
      'NodeID',
      `${what} does not start with '${PREFIX}'. A NodeID looks like NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg. ${hint}`
    )
  }
  const quoted = /^NodeID-[1-9A-HJ-NP-Za-km-z]{1,50}$/.test(text) ? ` '${text}'` : ''
  const decoded = cb58Decode(text.slice(PREFIX.length))
  if (!decoded.ok) {
    const why =
      decoded.reason === 'alphabet'
        ? `contains '${decoded.badChar}', which is not in the base58 alphabet (no 0, O, I or l)`
        : decoded.reason === 'short'
          ? 'is too short to be a NodeID'
          : 'has a wrong checksum: a character was mistyped, dropped or swapped'
    throw new IdentityError('NodeID', `${what}${quoted} ${why}. ${hint}`)
  }
  if (decoded.payload.length !== NODE_ID_LEN) {
    throw new IdentityError(
      'NodeID',
      `${what}${quoted} holds ${decoded.payload.length} bytes; a NodeID holds ${NODE_ID_LEN}. ${hint}`
    )
  }
  return text
}
