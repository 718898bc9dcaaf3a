// The one BLS12-381 operation a verification needs: the public key sk·G1, compressed. Written out
// here because loading a full pairing library costs several times the whole rest of a `verify`
// run (see the benchmark); the proof of possession, which needs hashing to G2, still uses
// @noble/curves (pop.ts), loaded only when asked for. Tests cross-check this against both.

const P =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn
const GX =
  0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bbn
const GY =
  0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1n

type Jacobian = readonly [bigint, bigint, bigint]
const INFINITY: Jacobian = [1n, 1n, 0n]

const mod = (a: bigint): bigint => {
  const r = a % P
  return r < 0n ? r + P : r
}

function powMod(base: bigint, exp: bigint): bigint {
  let r = 1n
  let b = mod(base)
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = mod(r * b)
    b = mod(b * b)
  }
  return r
}

// y² = x³ + 4 (a = 0): "dbl-2009-l" and "madd-2007-bl" from the Explicit-Formulas Database.
function double([X, Y, Z]: Jacobian): Jacobian {
  if (Z === 0n) return INFINITY
  const A = mod(X * X)
  const B = mod(Y * Y)
  const C = mod(B * B)
  const D = mod(2n * (mod((X + B) * (X + B)) - A - C))
  const E = mod(3n * A)
  const X3 = mod(E * E - 2n * D)
  return [X3, mod(E * (D - X3) - 8n * C), mod(2n * Y * Z)]
}

function addAffine(p: Jacobian, x2: bigint, y2: bigint): Jacobian {
  const [X1, Y1, Z1] = p
  if (Z1 === 0n) return [x2, y2, 1n]
  const Z1Z1 = mod(Z1 * Z1)
  const H = mod(x2 * Z1Z1 - X1)
  const r = mod(2n * (mod(y2 * Z1 * Z1Z1) - Y1))
  if (H === 0n) return r === 0n ? double(p) : INFINITY
  const HH = mod(H * H)
  const I = 4n * HH
  const J = mod(H * I)
  const V = mod(X1 * I)
  const X3 = mod(r * r - J - 2n * V)
  return [X3, mod(r * (V - X3) - 2n * Y1 * J), mod((Z1 + H) * (Z1 + H) - Z1Z1 - HH)]
}

/**
 * sk·G in the ZCash compressed encoding avalanchego (blst) uses: x big-endian in 48 bytes, top bit
 * set (compressed), third bit set when y is the larger of y and p − y.
 */
export function g1PublicKey(sk: bigint): Uint8Array {
  let acc = INFINITY
  // Double and add always (the sum is computed for every bit, kept or not), so the sequence of
  // operations does not follow the key's bits.
  for (let i = 255; i >= 0; i--) {
    acc = double(acc)
    const sum = addAffine(acc, GX, GY)
    acc = (sk >> BigInt(i)) & 1n ? sum : acc
  }
  const [X, Y, Z] = acc
  const zInv = powMod(Z, P - 2n)
  const zInv2 = mod(zInv * zInv)
  const x = mod(X * zInv2)
  const y = mod(Y * zInv2 * zInv)
  const out = Buffer.from(x.toString(16).padStart(96, '0'), 'hex')
  out[0]! |= 0x80 | (y > (P - 1n) / 2n ? 0x20 : 0)
  return new Uint8Array(out)
}
