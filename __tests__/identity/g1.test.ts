import { bls12_381 } from '@noble/curves/bls12-381.js'
import { randomBytes } from 'node:crypto'
import { R } from '../../src/identity/bls.js'
import { g1PublicKey } from '../../src/identity/g1.js'

// g1.ts is our own arithmetic (for start-up speed): every result must equal @noble/curves'.
describe('the BLS public key (sk·G1, compressed)', () => {
  const noble = (sk: bigint) =>
    Buffer.from(
      bls12_381.longSignatures
        .getPublicKey(Buffer.from(sk.toString(16).padStart(64, '0'), 'hex'))
        .toBytes(true)
    ).toString('hex')
  const ours = (sk: bigint) => Buffer.from(g1PublicKey(sk)).toString('hex')

  it.each([1n, 2n, 3n, R - 1n, R - 2n, (R - 1n) / 2n, 1n << 200n])(
    'equals noble for sk = %s',
    sk => {
      expect(ours(sk)).toBe(noble(sk))
    }
  )

  it('equals noble for 40 random keys (both signs of y occur)', () => {
    const flags = new Set<number>()
    for (let i = 0; i < 40; i++) {
      const sk = (BigInt('0x' + randomBytes(32).toString('hex')) % (R - 1n)) + 1n
      const pk = ours(sk)
      expect(pk).toBe(noble(sk))
      flags.add(parseInt(pk.slice(0, 2), 16) & 0x20)
    }
    expect([...flags].sort()).toEqual([0, 0x20])
  })
})
