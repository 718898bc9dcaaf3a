import { toHex0x } from '../identity/bls.js'
import type { Expectations, IdentityFiles, IdentityReport } from '../identity/checks.js'
import { inspectIdentity } from '../identity/checks.js'
import type { Log } from '../log.js'
import type { StakingFile } from '../identity/errors.js'

export interface VerifyRequest {
  files: IdentityFiles
  expected: Expectations
  /** Derive the proof of possession for the report (an output, not a check). */
  proofOfPossession: boolean
}

/** Verify a backup without a host: the files are whole, a pair, accepted by the node, expected. */
export async function verify(request: VerifyRequest, log: Log): Promise<IdentityReport> {
  return log.group('Check the backup offline', async () => {
    const { report, parsed } = inspectIdentity(request.files, request.expected)
    for (const c of report.checks) {
      const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip', warn: 'warn' }[c.status]
      const tail =
        c.status === 'pass' ? (c.found ? `: ${c.found}` : '') : c.detail ? `: ${c.detail}` : ''
      log.info(`${mark}  ${c.title}${tail}`)
    }
    if (request.proofOfPossession && parsed.signer !== undefined && report.blsPublicKey) {
      // Hashing to G2 needs a full pairing-curve library: loaded only when the proof is wanted.
      const { proofOfPossession } = await import('../identity/pop.js')
      const pk = Buffer.from(report.blsPublicKey.slice(2), 'hex')
      report.proofOfPossession = toHex0x(proofOfPossession(parsed.signer, pk))
    }
    return report
  })
}

/** The files as the node holds them: normalised PEM, and signer.key's raw bytes. */
export function filesAsOnNode(files: IdentityFiles): Record<StakingFile, Uint8Array | undefined> {
  const { parsed } = inspectIdentity(files, {})
  return {
    'staker.crt': parsed.certificate?.pem,
    'staker.key': parsed.key?.pem,
    'signer.key': files.signer instanceof Uint8Array ? files.signer : undefined
  }
}
