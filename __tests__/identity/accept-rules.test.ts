import { generateKeyPairSync } from 'node:crypto'
import { parseSignerKey, R } from '../../src/identity/bls.js'
import { parseStakingCertificate } from '../../src/identity/certificate.js'
import { nodeIdFromCertificate, formatNodeId } from '../../src/identity/node-id.js'
import { checkIdentity } from '../../src/identity/checks.js'
import { parseStakingKey } from '../../src/identity/private-key.js'
import { toPem } from '../../src/identity/pem.js'
import { certificateWithSpki, ecSpki, rsaSpki } from '../../test-hosts/der.js'
import { derOf, generateIdentity, openssl, opensslShortId } from '../support/identities.js'

const fromB64url = (s: string) => BigInt('0x' + Buffer.from(s, 'base64url').toString('hex'))

describe('identities in the formats avalanchego writes', () => {
  // Made with the openssl command line, so the NodeID is checked against an independent computation.
  it.each([
    ['ECDSA P-256, PKCS#8 (nodes since v1.11.6)', 'ec', 'ECDSA-P256'],
    ['RSA-4096, PKCS#8 (older nodes)', 'rsa4096', 'RSA-4096'],
    ['RSA-2048', 'rsa2048', 'RSA-2048']
  ])('%s is accepted and its NodeID matches openssl', (_name, spec, keyType) => {
    const id = generateIdentity(spec)
    const { report } = checkIdentity(
      { 'staker.crt': id.crt, 'staker.key': id.key, 'signer.key': id.signer },
      {}
    )
    expect(report.checks.filter(c => c.status === 'fail')).toEqual([])
    expect(report.keyType).toBe(keyType)
    expect(report.nodeId).toBe(formatNodeId(opensslShortId(id.crtPath)))
    expect(parseStakingCertificate(derOf(id.crtPath)).nodeId).toBe(report.nodeId)
  })

  it('reads PKCS#1 and SEC1 keys as well as PKCS#8', () => {
    const rsa = generateIdentity('rsa2048')
    const pkcs1 = openssl(['rsa', '-in', rsa.keyPath, '-traditional'])
    expect(pkcs1.toString()).toContain('BEGIN RSA PRIVATE KEY')
    expect(parseStakingKey(pkcs1).container).toBe('PKCS#1')
    const ec = generateIdentity('ec')
    const sec1 = openssl(['ec', '-in', ec.keyPath])
    expect(sec1.toString()).toContain('BEGIN EC PRIVATE KEY')
    const { report } = checkIdentity(
      { 'staker.crt': ec.crt, 'staker.key': sec1, 'signer.key': ec.signer },
      {}
    )
    expect(report.checks.find(c => c.id === 'private-key')?.found).toBe('ECDSA P-256 (SEC1)')
    expect(report.checks.find(c => c.id === 'key-pair')?.status).toBe('pass')
  })

  it('counts only the first certificate of a chain', () => {
    const a = generateIdentity('ec')
    const b = generateIdentity('ec')
    const chain = Buffer.concat([a.crt, b.crt])
    const cert = parseStakingCertificate(chain)
    expect(cert.nodeId).toBe(nodeIdFromCertificate(derOf(a.crtPath)))
    expect(cert.ignoredChainCertificates).toBe(1)
  })
})

describe('refusals name the file, what was found and what the node needs', () => {
  const refusedCert = (spec: string, message: RegExp) => {
    const id = generateIdentity(spec)
    expect(() => parseStakingCertificate(id.crt)).toThrow(message)
  }
  it('RSA-3072', () =>
    refusedCert(
      '-algorithm RSA -pkeyopt rsa_keygen_bits:3072',
      /^staker\.crt: RSA key of 3072 bits; avalanchego accepts RSA-2048, RSA-4096 or ECDSA P-256$/
    ))
  it('RSA with e = 3', () =>
    refusedCert(
      '-algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3',
      /staker\.crt: RSA public exponent 3; avalanchego accepts only 65537/
    ))
  it('ECDSA P-384', () =>
    refusedCert(
      '-algorithm EC -pkeyopt ec_paramgen_curve:P-384',
      /staker\.crt: ECDSA key on curve P-384; avalanchego accepts/
    ))
  it('Ed25519', () =>
    refusedCert('-algorithm ED25519', /staker\.crt: Ed25519 key; avalanchego accepts/))

  it('an even RSA modulus', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = publicKey.export({ format: 'jwk' })
    const even = fromB64url(jwk.n!) ^ 1n
    const der = certificateWithSpki(rsaSpki(even, 65537n))
    expect(() => parseStakingCertificate(der)).toThrow(/staker\.crt: RSA modulus is even/)
    // The same certificate with the modulus left odd is accepted: the placeholder signature is not checked.
    expect(parseStakingCertificate(certificateWithSpki(rsaSpki(even ^ 1n, 65537n))).keyType).toBe(
      'RSA-2048'
    )
  })

  it('a compressed P-256 point', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const x = Buffer.from(jwk.x!, 'base64url')
    const yOdd = Buffer.from(jwk.y!, 'base64url').at(-1)! & 1
    const compressed = Buffer.concat([Buffer.from([2 + yOdd]), x])
    const der = certificateWithSpki(ecSpki('1.2.840.10045.3.1.7', compressed))
    expect(() => parseStakingCertificate(der)).toThrow(/not in uncompressed form/)
    const uncompressed = Buffer.concat([Buffer.from([4]), x, Buffer.from(jwk.y!, 'base64url')])
    expect(
      parseStakingCertificate(certificateWithSpki(ecSpki('1.2.840.10045.3.1.7', uncompressed)))
        .keyType
    ).toBe('ECDSA-P256')
  })

  it('a certificate over 2,048 bytes', () => {
    const der = certificateWithSpki(rsaSpki(3n, 65537n))
    const padded = Buffer.concat([der.subarray(0, 4), Buffer.alloc(2100)])
    padded.writeUInt16BE(2100, 2)
    expect(() => parseStakingCertificate(padded)).toThrow(
      /certificate of 2104 bytes \(DER\); avalanchego refuses certificates over 2048 bytes/
    )
  })

  it('bytes that are not a certificate', () => {
    expect(() => parseStakingCertificate(Buffer.from('hello world'))).toThrow(
      /staker\.crt: not a well-formed X\.509 certificate/
    )
    expect(() =>
      parseStakingCertificate(Buffer.from(toPem('CERTIFICATE', Buffer.from([0x30, 0x03, 1]))))
    ).toThrow(/not a well-formed X\.509 certificate \(truncated\)/)
  })

  it('a key where the certificate belongs, and the reverse', () => {
    const id = generateIdentity('ec')
    expect(() => parseStakingCertificate(id.key)).toThrow(
      /no PEM CERTIFICATE block \(found: PRIVATE KEY\).*swapped/
    )
    expect(() => parseStakingKey(id.crt)).toThrow(
      /no PEM private key \(found: CERTIFICATE\).*swapped/
    )
  })

  it('encrypted keys, PKCS#8 and traditional', () => {
    const id = generateIdentity('rsa2048')
    const pkcs8 = openssl(['pkey', '-in', id.keyPath, '-aes256', '-passout', 'pass:secret'])
    const pkcs1 = openssl([
      'rsa',
      '-in',
      id.keyPath,
      '-traditional',
      '-aes256',
      '-passout',
      'pass:secret'
    ])
    for (const k of [pkcs8, pkcs1]) {
      expect(() => parseStakingKey(k)).toThrow(
        /staker\.key: is encrypted with a passphrase; avalanchego cannot read encrypted keys either/
      )
    }
  })

  it('an SSH key, a DER key and a damaged key', () => {
    const ssh = Buffer.from(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n'
    )
    expect(() => parseStakingKey(ssh)).toThrow(
      /PEM block 'OPENSSH PRIVATE KEY'.*SSH key, not a staking key/
    )
    const id = generateIdentity('ec')
    const der = openssl(['pkey', '-in', id.keyPath, '-outform', 'DER'])
    expect(() => parseStakingKey(der)).toThrow(/staker\.key: no PEM data/)
    const damaged = Buffer.from(toPem('PRIVATE KEY', der.subarray(0, der.length - 20)))
    expect(() => parseStakingKey(damaged)).toThrow(
      /PEM block 'PRIVATE KEY' \(\d+ bytes\) is not a PKCS#1, PKCS#8 or SEC1 key avalanchego can read; the file is damaged or truncated/
    )
  })

  it('a key of one type with a certificate of another', () => {
    const ec = generateIdentity('ec')
    const rsa = generateIdentity('rsa2048')
    const { report } = checkIdentity(
      { 'staker.crt': ec.crt, 'staker.key': rsa.key, 'signer.key': ec.signer },
      {}
    )
    expect(report.checks.find(c => c.id === 'key-pair')?.detail).toMatch(
      /RSA-2048 key, but the key in staker\.crt is ECDSA-P256: they are not a pair/
    )
  })

  it.each([
    [
      '31 bytes',
      Buffer.alloc(31, 1),
      /signer\.key: 31 bytes; avalanchego reads exactly 32 raw bytes/
    ],
    ['33 bytes', Buffer.alloc(33, 1), /33 bytes; avalanchego reads exactly 32/],
    [
      'its base64 text',
      Buffer.from(Buffer.alloc(32, 1).toString('base64')),
      /44 bytes.*looks like base64 text: decode it/
    ],
    [
      'its hex text',
      Buffer.from('0x' + Buffer.alloc(32, 1).toString('hex')),
      /66 bytes.*looks like hex text/
    ],
    ['zero', Buffer.alloc(32), /are zero; avalanchego requires 0 < key < r/],
    [
      'r itself',
      Buffer.from(R.toString(16).padStart(64, '0'), 'hex'),
      /not below the BLS12-381 group order/
    ],
    ['all ones', Buffer.alloc(32, 0xff), /not below the BLS12-381 group order/]
  ])('a signer.key of %s', (_name, bytes, message) => {
    expect(() => parseSignerKey(bytes)).toThrow(message)
  })

  it('the largest valid signer.key, r - 1, is accepted', () => {
    expect(parseSignerKey(Buffer.from((R - 1n).toString(16), 'hex'))).toBe(R - 1n)
  })

  it('every failing file is reported, not just the first', () => {
    const { report } = checkIdentity(
      {
        'staker.crt': Buffer.from('nope'),
        'staker.key': Buffer.from('nope'),
        'signer.key': Buffer.alloc(3)
      },
      { nodeId: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg' }
    )
    expect(report.checks.map(c => [c.id, c.status])).toEqual([
      ['certificate', 'fail'],
      ['private-key', 'fail'],
      ['key-pair', 'skip'],
      ['signer-key', 'fail'],
      ['node-id', 'skip'],
      ['bls-public-key', 'skip']
    ])
  })
})
