// Where Go (and so avalanchego) is stricter or more lenient than OpenSSL, one case each: the
// verdict must be Go's either way. The differential test covers the same ground at random.
import { createPrivateKey } from 'node:crypto'
import { parseStakingCertificate } from '../../src/identity/certificate.js'
import { checkIdentity } from '../../src/identity/checks.js'
import { parseStakingKey } from '../../src/identity/private-key.js'
import { toPem } from '../../src/identity/pem.js'
import { derOf, replaceAt } from '../support/corpus.js'
import { generateIdentity, openssl } from '../support/identities.js'

const ec = generateIdentity('ec')
const rsa = generateIdentity('rsa2048')
const flipLast = (el: Buffer) => {
  const out = Buffer.from(el)
  out[out.length - 1] = out[out.length - 1]! ^ 1
  return out
}
const verdict = (crt: Buffer, key: Buffer) =>
  Object.fromEntries(
    checkIdentity({ 'staker.crt': crt, 'staker.key': key, 'signer.key': ec.signer }, {})
      .report.checks.slice(0, 3)
      .map(c => [c.id, c.status])
  )
const ALL_PASS = { certificate: 'pass', 'private-key': 'pass', 'key-pair': 'pass' }

describe('private keys as Go reads them', () => {
  it('ignores the public key stored in an EC key, even one off the curve (OpenSSL refuses it)', () => {
    const sec1 = derOf(openssl(['ec', '-in', ec.keyPath]))
    // SEC1: version, private key, [0] curve, [1] public key: change the point's last byte.
    const bad = replaceAt(sec1, [3], flipLast)
    expect(() => createPrivateKey({ key: bad, format: 'der', type: 'sec1' })).toThrow()
    expect(verdict(ec.crt, Buffer.from(toPem('EC PRIVATE KEY', bad)))).toEqual(ALL_PASS)
  })

  it('refuses an RSA key whose stored CRT exponent is wrong (Go 1.24 and later)', () => {
    const pkcs1 = derOf(openssl(['rsa', '-traditional', '-in', rsa.keyPath]))
    // PKCS#1: version, n, e, d, p, q, dP, dQ, qInv.
    const badDp = replaceAt(pkcs1, [6], flipLast)
    expect(() => parseStakingKey(Buffer.from(toPem('RSA PRIVATE KEY', badDp)))).toThrow(
      /not a PKCS#1, PKCS#8 or SEC1 key avalanchego can read/
    )
    // d itself is not checked against e since Go 1.24 (the CRT values are what is used).
    const otherD = replaceAt(pkcs1, [3], flipLast)
    expect(verdict(rsa.crt, Buffer.from(toPem('RSA PRIVATE KEY', otherD)))).toEqual(ALL_PASS)
  })

  it.each([
    ['PKCS#8 labelled EC PRIVATE KEY', () => toPem('EC PRIVATE KEY', derOf(ec.key))],
    [
      'SEC1 labelled PRIVATE KEY',
      () => toPem('PRIVATE KEY', derOf(openssl(['ec', '-in', ec.keyPath])))
    ],
    [
      'plain PKCS#8 labelled ENCRYPTED PRIVATE KEY',
      () => toPem('ENCRYPTED PRIVATE KEY', derOf(ec.key))
    ],
    ['a certificate block before the key', () => ec.crt.toString() + ec.key.toString()]
  ])('reads a key whatever its label says: %s', (_name, pem) => {
    expect(verdict(ec.crt, Buffer.from(pem()))).toEqual(ALL_PASS)
  })

  it('refuses a label that does not end in " PRIVATE KEY"', () => {
    expect(() => parseStakingKey(Buffer.from(toPem('XPRIVATE KEY', derOf(ec.key))))).toThrow(
      /no PEM private key \(found: XPRIVATE KEY\)/
    )
  })

  it('reads a P-384 key (Go does), which then is not the pair of a P-256 certificate', () => {
    const p384 = generateIdentity('-algorithm EC -pkeyopt ec_paramgen_curve:P-384')
    expect(verdict(ec.crt, p384.key)).toEqual({
      certificate: 'pass',
      'private-key': 'pass',
      'key-pair': 'fail'
    })
  })
})

describe("certificates as Go's x509 reads them", () => {
  const der = derOf(ec.crt)
  // Paths into the DER: [0] is the TBS; in it (v3) 0 version, 1 serial, 2 signature, 3 issuer,
  // 4 validity; [1] is the outer signature algorithm.

  it.each([
    [
      'a negative serial number (refused since Go 1.23)',
      (d: Buffer) => replaceAt(d, [0, 1], () => Buffer.from([2, 1, 0xfb]))
    ],
    [
      'a serial number not minimally encoded',
      (d: Buffer) => replaceAt(d, [0, 1], () => Buffer.from([2, 2, 0, 5]))
    ],
    ['a byte after the certificate', (d: Buffer) => Buffer.concat([d, Buffer.from([0])])],
    [
      'inner and outer signature algorithms that differ',
      (d: Buffer) => replaceAt(d, [1], () => Buffer.from('300a06082a8648ce3d040303', 'hex'))
    ],
    [
      'a date that does not exist (30 February)',
      (d: Buffer) =>
        replaceAt(d, [0, 4, 0], () =>
          Buffer.concat([Buffer.from([0x17, 13]), Buffer.from('990230000000Z')])
        )
    ]
  ])('refuses %s', (_name, edit) => {
    expect(() => parseStakingCertificate(Buffer.from(toPem('CERTIFICATE', edit(der))))).toThrow(
      /staker\.crt: not a well-formed X\.509 certificate/
    )
  })

  it('takes its NodeID from the first certificate Go can decode: a damaged first block is skipped', () => {
    const other = generateIdentity('ec')
    const broken = Buffer.from(other.crt.toString().replace(/\n([A-Za-z0-9+/]{20})/, '\n$1.'))
    const cert = parseStakingCertificate(Buffer.concat([broken, ec.crt]))
    expect(cert.der.equals(der)).toBe(true)
  })
})
