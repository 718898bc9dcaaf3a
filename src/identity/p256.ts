// P-256 facts tls.X509KeyPair and Go's x509 need: is a point on the curve, and the public point of
// a private scalar (Go derives it from the scalar and ignores any public key stored with it).
import { createECDH } from 'node:crypto'

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn
/** The group order. */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** True when (x, y) is an affine point of P-256 (coordinates below p, y² = x³ - 3x + b). */
export function onP256(x: bigint, y: bigint): boolean {
  if (x >= P || y >= P) return false
  const r = (y * y - (x * x * x - 3n * x + B)) % P
  return r === 0n
}

/** The public point of the scalar 0 < d < n. */
export function p256PublicPoint(d: bigint): { x: bigint; y: bigint } {
  // node:crypto's ECDH derives the public point from the scalar alone (and is loaded anyway).
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(Buffer.from(d.toString(16).padStart(64, '0'), 'hex'))
  const hex = ecdh.getPublicKey('hex', 'uncompressed')
  return { x: BigInt('0x' + hex.slice(2, 66)), y: BigInt('0x' + hex.slice(66)) }
}
