import { createHash } from 'node:crypto'
import { blsPublicKey, parseSignerKey, toHex0x } from '../../src/identity/bls.js'
import { parseStakingCertificate } from '../../src/identity/certificate.js'
import { checkIdentity } from '../../src/identity/checks.js'
import { proofOfPossession } from '../../src/identity/pop.js'
import { describeWith, HAVE_VECTORS } from '../support/prerequisites.js'
import { vectorFile, vectors } from '../support/vectors.js'

describeWith('../shared/vectors', HAVE_VECTORS, "avalanchego's local-network identities", () => {
  it.each(vectors.stakers)('$cert gives $nodeID and its BLS key and proof', s => {
    const cert = parseStakingCertificate(vectorFile(s.cert))
    expect(createHash('sha256').update(cert.der).digest('hex')).toBe(s.certDerSha256)
    expect(cert.nodeId).toBe(s.nodeID)
    expect(cert.keyType).toBe('RSA-4096')

    const sk = parseSignerKey(vectorFile(s.signer))
    const pk = blsPublicKey(sk)
    expect(toHex0x(pk)).toBe(s.blsPublicKey)
    expect(toHex0x(proofOfPossession(sk, pk))).toBe(s.proofOfPossession)

    const { report } = checkIdentity(
      {
        'staker.crt': vectorFile(s.cert),
        'staker.key': vectorFile(s.key),
        'signer.key': vectorFile(s.signer)
      },
      { nodeId: s.nodeID, blsPublicKey: s.blsPublicKey }
    )
    expect(report.checks.map(c => [c.id, c.status])).toEqual([
      ['certificate', 'pass'],
      ['private-key', 'pass'],
      ['key-pair', 'pass'],
      ['signer-key', 'pass'],
      ['node-id', 'pass'],
      ['bls-public-key', 'pass']
    ])
    expect(report.ok).toBe(true)
  })

  it.each(vectors.rejected)('$file is refused: $why', r => {
    expect(() => parseStakingCertificate(vectorFile(r.file))).toThrow(
      /staker\.crt: certificate of 4257 bytes \(DER\); avalanchego refuses certificates over 2048 bytes/
    )
  })

  it("one staker's key with another's certificate is not a pair", () => {
    const [a, b] = vectors.stakers
    const { report } = checkIdentity(
      {
        'staker.crt': vectorFile(a!.cert),
        'staker.key': vectorFile(b!.key),
        'signer.key': vectorFile(a!.signer)
      },
      { nodeId: a!.nodeID }
    )
    const pair = report.checks.find(c => c.id === 'key-pair')
    expect(pair?.status).toBe('fail')
    expect(pair?.detail).toMatch(/does not belong to staker\.crt/)
    expect(report.ok).toBe(false)
  })

  it('a mismatched signer.key keeps the NodeID but fails the expected BLS key', () => {
    const [a, b] = vectors.stakers
    const { report } = checkIdentity(
      {
        'staker.crt': vectorFile(a!.cert),
        'staker.key': vectorFile(a!.key),
        'signer.key': vectorFile(b!.signer)
      },
      { nodeId: a!.nodeID, blsPublicKey: a!.blsPublicKey }
    )
    expect(report.checks.find(c => c.id === 'node-id')?.status).toBe('pass')
    const bls = report.checks.find(c => c.id === 'bls-public-key')
    expect(bls).toMatchObject({ status: 'fail', expected: a!.blsPublicKey, found: b!.blsPublicKey })
  })
})
