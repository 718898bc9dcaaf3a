import { IdentityError } from './errors.js'
import { g1PublicKey } from './g1.js'

// avalanchego utils/crypto/bls: min-pk, public keys are compressed G1 points (48 bytes).
export const SIGNER_KEY_LEN = 32
/** The order r of the BLS12-381 groups: a secret key is a scalar 0 < sk < r. */
export const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

/** Reads signer.key as the node does: exactly 32 raw bytes, a big-endian scalar with 0 < sk < r. */
export function parseSignerKey(bytes: Uint8Array): bigint {
  if (bytes.length !== SIGNER_KEY_LEN) {
    const text = Buffer.from(bytes).toString('latin1').trim()
    const hint = /^[A-Za-z0-9+/]{43}=?$/.test(text)
      ? ' It looks like base64 text: decode it (base64 -d) to the 32 raw bytes.'
      : /^(0x)?[0-9a-fA-F]{64}$/.test(text)
        ? ' It looks like hex text: decode it (xxd -r -p) to the 32 raw bytes.'
        : ''
    throw new IdentityError(
      'signer.key',
      `${bytes.length} bytes; avalanchego reads exactly ${SIGNER_KEY_LEN} raw bytes (a BLS12-381 secret key).${hint}`
    )
  }
  let sk = 0n
  for (const b of bytes) sk = (sk << 8n) | BigInt(b)
  if (sk === 0n || sk >= R) {
    throw new IdentityError(
      'signer.key',
      `the 32 bytes are ${sk === 0n ? 'zero' : 'not below the BLS12-381 group order'}; avalanchego requires 0 < key < r`
    )
  }
  return sk
}

/** The 48-byte compressed G1 public key, shown as `0x` + lowercase hex (info.getNodeID's nodePOP). */
export function blsPublicKey(sk: bigint): Uint8Array {
  return g1PublicKey(sk)
}

export function toHex0x(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes).toString('hex')
}

/** Validates an expected BLS public key given by a person: 48 bytes of hex, `0x` optional. */
export function parseBlsPublicKey(input: string): string {
  const text = input.trim().toLowerCase()
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-f]*$/.test(hex)) {
    throw new IdentityError(
      'BLS public key',
      `expected BLS public key is not hex. It looks like 0x followed by 96 hex digits, as info.getNodeID's nodePOP.publicKey shows it`
    )
  }
  if (hex.length !== 96) {
    throw new IdentityError(
      'BLS public key',
      `expected BLS public key has ${hex.length} hex digits; a BLS public key has 96 (48 bytes), as info.getNodeID's nodePOP.publicKey shows it`
    )
  }
  return '0x' + hex
}
