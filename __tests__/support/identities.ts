import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './tmp.js'

export interface GeneratedIdentity {
  dir: string
  crt: Buffer
  key: Buffer
  signer: Buffer
  crtPath: string
  keyPath: string
  signerPath: string
}

export function openssl(args: string[], input?: Buffer | string): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] })
}

/** A BLS secret key as the node writes signer.key: 32 random bytes below the group order r. */
export function randomSignerKey(): Buffer {
  const sk = randomBytes(32)
  sk[0] = sk[0]! & 0x3f // r starts 0x73…: keeping the top two bits clear keeps sk < r
  if (sk.every(b => b === 0)) sk[31] = 1
  return sk
}

/**
 * An identity made with the openssl command line, independent of the code under test:
 * `ec` is the node's current format (ECDSA P-256, PKCS#8); `rsa4096` the format of nodes made
 * before v1.11.6. Other key specs (rsa:3072, ec P-384, ed25519, …) make identities the node refuses.
 */
export function generateIdentity(
  spec: 'ec' | 'rsa4096' | 'rsa2048' | string,
  extraPkeyopts: string[] = []
): GeneratedIdentity {
  const dir = tempDir('identity')
  const keyPath = join(dir, 'staker.key')
  const crtPath = join(dir, 'staker.crt')
  const signerPath = join(dir, 'signer.key')
  const genArgs =
    spec === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : spec === 'rsa4096'
        ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096']
        : spec === 'rsa2048'
          ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
          : spec.split(' ')
  openssl(['genpkey', ...genArgs, ...extraPkeyopts.flatMap(o => ['-pkeyopt', o]), '-out', keyPath])
  openssl([
    'req',
    '-new',
    '-x509',
    '-key',
    keyPath,
    '-out',
    crtPath,
    '-days',
    '36500',
    '-subj',
    '/',
    '-set_serial',
    '0'
  ])
  writeFileSync(signerPath, randomSignerKey())
  return {
    dir,
    crt: readFileSync(crtPath),
    key: readFileSync(keyPath),
    signer: readFileSync(signerPath),
    crtPath,
    keyPath,
    signerPath
  }
}

/** The certificate's DER as openssl sees it. */
export function derOf(crtPath: string): Buffer {
  return openssl(['x509', '-in', crtPath, '-outform', 'DER'])
}

/** ripemd160(sha256(DER)) computed by the openssl command line: the NodeID's 20 bytes. */
export function opensslShortId(crtPath: string): Buffer {
  const sha = openssl(['dgst', '-sha256', '-binary'], derOf(crtPath))
  return openssl(['dgst', '-ripemd160', '-binary'], sha)
}
