import { blsPublicKey, parseSignerKey, toHex0x } from './bls.js'
import { parseStakingCertificate, type StakingCertificate } from './certificate.js'
import { IdentityError, isIdentityError, type StakingFiles } from './errors.js'
import { assertKeyPair, parseStakingKey, type StakingKey } from './private-key.js'

/** warn: reported and annotated, but does not fail the run. */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn'

export interface Check {
  id: string
  title: string
  status: CheckStatus
  expected?: string
  found?: string
  /** Why it failed or was skipped. */
  detail?: string
}

/** The three files' bytes; an IdentityError where the input could not even be decoded. */
export type IdentityFiles = StakingFiles<Uint8Array | IdentityError>

function bytesOf(file: Uint8Array | IdentityError): Uint8Array {
  if (!(file instanceof Uint8Array)) throw file
  return file
}

export interface Expectations {
  nodeId?: string
  /** `0x` + 96 lowercase hex digits (see parseBlsPublicKey). */
  blsPublicKey?: string
  /**
   * The BLS key the P-chain has registered for this NodeID (platform.getCurrentValidators), when
   * the NodeID is a current validator: a signer.key with another key would cut it off.
   */
  registeredBlsPublicKey?: string
}

export interface IdentityReport {
  ok: boolean
  nodeId?: string
  blsPublicKey?: string
  proofOfPossession?: string
  keyType?: string
  checks: Check[]
}

/** The parsed identity, for callers that go on to write or compare the files. */
export interface ParsedIdentity {
  certificate?: StakingCertificate
  key?: StakingKey
  signer?: bigint
}

/**
 * Runs every offline check on the three files and reports each one: a failure in one file does
 * not hide what is wrong with another.
 */
export function checkIdentity(
  files: IdentityFiles,
  expected: Expectations
): { report: IdentityReport; parsed: ParsedIdentity } {
  const checks: Check[] = []
  const parsed: ParsedIdentity = {}
  const attempt = <T>(id: string, title: string, fn: () => T, found: (v: T) => string) => {
    try {
      const v = fn()
      checks.push({ id, title, status: 'pass', found: found(v) })
      return v
    } catch (e) {
      if (!isIdentityError(e)) throw e
      checks.push({ id, title, status: 'fail', detail: e.message })
      return undefined
    }
  }

  const cert = attempt(
    'certificate',
    'staker.crt is a certificate avalanchego accepts',
    () => parseStakingCertificate(bytesOf(files['staker.crt'])),
    c =>
      `${c.keyType}, ${c.der.length}-byte DER${c.encoding === 'der' ? ' (given as DER; written as PEM)' : ''}` +
      (c.ignoredChainCertificates
        ? `, ${c.ignoredChainCertificates} chain certificate(s) ignored`
        : '')
  )
  const key = attempt(
    'private-key',
    'staker.key is a private key avalanchego can read',
    () => parseStakingKey(bytesOf(files['staker.key'])),
    k => k.description
  )
  if (cert && key) {
    attempt(
      'key-pair',
      'staker.key belongs to staker.crt',
      () => assertKeyPair(key, cert),
      () => 'the public key of staker.key is the one in staker.crt'
    )
  } else {
    checks.push(
      skipped('key-pair', 'staker.key belongs to staker.crt', 'needs both files readable')
    )
  }
  const sk = attempt(
    'signer-key',
    'signer.key is a BLS key avalanchego accepts',
    () => parseSignerKey(bytesOf(files['signer.key'])),
    () => '32 bytes, 0 < key < r'
  )
  Object.assign(parsed, { certificate: cert, key, signer: sk })

  const nodeId = cert?.nodeId
  checks.push(
    compare('node-id', 'NodeID is the expected one', expected.nodeId, nodeId, 'staker.crt')
  )
  const blsHex = sk === undefined ? undefined : toHex0x(blsPublicKey(sk))
  checks.push(
    compare(
      'bls-public-key',
      'BLS public key is the expected one',
      expected.blsPublicKey,
      blsHex,
      'signer.key'
    )
  )
  if (expected.registeredBlsPublicKey)
    checks.push(registeredKeyCheck(expected.registeredBlsPublicKey, blsHex))

  const report: IdentityReport = {
    ok: checks.every(c => c.status !== 'fail'),
    ...(nodeId && { nodeId }),
    ...(blsHex && { blsPublicKey: blsHex }),
    ...(cert && { keyType: cert.keyType }),
    checks
  }
  return { report, parsed }
}

/**
 * signer.key against the key registered on the P-chain. A validator running another key keeps its
 * NodeID, but its peers check its BLS signatures against the registered key and disconnect it, and
 * its `bls` health check fails (avalanchego node/node.go; issues #3693, #3850).
 */
function registeredKeyCheck(registered: string, found: string | undefined): Check {
  const id = 'registered-bls-public-key'
  const title = 'BLS key is the one registered on the P-chain'
  if (found === undefined) return skipped(id, title, 'signer.key could not be read')
  return registered === found
    ? { id, title, status: 'pass', expected: registered, found }
    : {
        id,
        title,
        status: 'fail',
        expected: registered,
        found,
        detail: `signer.key gives ${found}, but the P-chain has ${registered} registered for this validator. A node running this signer.key keeps its NodeID, but its peers disconnect it (they check its BLS signatures against the registered key) and its bls health check fails ("node has BLS key ${found}, but is registered to the validator set with ${registered}"). Find the signer.key that gives ${registered}`
      }
}

function skipped(id: string, title: string, detail: string): Check {
  return { id, title, status: 'skip', detail }
}

function compare(
  id: string,
  title: string,
  expected: string | undefined,
  found: string | undefined,
  source: string
): Check {
  if (found === undefined) return skipped(id, title, `${source} could not be read`)
  if (expected === undefined) {
    return { id, title, status: 'skip', found, detail: 'no expected value given' }
  }
  return expected === found
    ? { id, title, status: 'pass', expected, found }
    : {
        id,
        title,
        status: 'fail',
        expected,
        found,
        detail: `${source} gives ${found}, not ${expected}`
      }
}

export function failedChecks(report: IdentityReport): Check[] {
  return report.checks.filter(c => c.status === 'fail')
}
