import { bls12_381 } from '@noble/curves/bls12-381.js'

// avalanchego utils/crypto/bls (signer/localsigner): the proof of possession is the min-pk
// signature (G2, 96 bytes compressed) of the 48 public-key bytes under this domain separation tag.
export const POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

export function proofOfPossession(sk: bigint, publicKey: Uint8Array): Uint8Array {
  return bls12_381.longSignatures.hash(publicKey, POP_DST).multiply(sk).toBytes(true)
}
