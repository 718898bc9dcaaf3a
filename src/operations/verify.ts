import { toHex0x } from '../identity/bls.js'
import type {
  Expectations,
  IdentityFiles,
  IdentityReport,
  ParsedIdentity
} from '../identity/checks.js'
import { checkIdentity } from '../identity/checks.js'
import type { StakingFiles } from '../identity/errors.js'
import type { Log } from '../log.js'
import type { VerifySettings } from '../settings/modes.js'
import type { Connector } from './connect.js'
import type { Registration } from './network.js'
import { openSource } from './source.js'

export interface VerifyOutcome {
  mode: 'verify'
  /** Every check passed (warnings do not fail). */
  ok: boolean
  report: IdentityReport
  /** What the backup was checked against: the inputs, with the BLS key the P-chain registered. */
  expected: Expectations
  /** The live node was compared too. */
  live: boolean
  registration: Registration
}

/**
 * verify: the backup offline (whole, a pair, accepted by avalanchego, the expected identity), then,
 * when a host is given, against the live node, changing nothing there.
 */
export async function verifyBackup(
  settings: VerifySettings,
  log: Log,
  connect: Connector
): Promise<VerifyOutcome> {
  const { files } = await openSource(settings.source, log)
  // The network and the live node's stacks load only when asked for.
  const { registration, expected } = settings.network.apiUrl
    ? await (await import('./network.js')).askNetwork(settings.network, settings.expected, log)
    : { registration: { state: 'not-asked' } as const, expected: settings.expected }
  const { report, parsed } = await checkOffline(files, expected, settings.proofOfPossession, log)
  if (settings.live) {
    const live = settings.live
    const target = { connect: connect(live, log), node: live.node, apiUrl: live.apiUrl }
    const { verifyOnHost } = await import('./verify-live.js')
    await verifyOnHost(report, filesAsOnNode(files, parsed), target, log)
  }
  for (const c of report.checks.filter(c => c.status === 'warn'))
    log.warning(`${c.title}: ${c.detail ?? c.found ?? ''}`)
  return { mode: 'verify', ok: report.ok, report, expected, live: !!settings.live, registration }
}

/** The offline checks, each logged as it is decided; the proof of possession when wanted. */
async function checkOffline(
  files: IdentityFiles,
  expected: Expectations,
  proofOfPossession: boolean,
  log: Log
): Promise<{ report: IdentityReport; parsed: ParsedIdentity }> {
  return log.group('Check the backup offline', async () => {
    const { report, parsed } = checkIdentity(files, expected)
    for (const c of report.checks) {
      const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip', warn: 'warn' }[c.status]
      const tail =
        c.status === 'pass' ? (c.found ? `: ${c.found}` : '') : c.detail ? `: ${c.detail}` : ''
      log.info(`${mark}  ${c.title}${tail}`)
    }
    if (proofOfPossession && parsed.signer !== undefined && report.blsPublicKey) {
      // Hashing to G2 needs a full pairing-curve library: loaded only when the proof is wanted.
      const { proofOfPossession } = await import('../identity/pop.js')
      const pk = Buffer.from(report.blsPublicKey.slice(2), 'hex')
      report.proofOfPossession = toHex0x(proofOfPossession(parsed.signer, pk))
    }
    return { report, parsed }
  })
}

/** The files as the node holds them: normalised PEM (as parsed), and signer.key's raw bytes. */
function filesAsOnNode(
  files: IdentityFiles,
  parsed: ParsedIdentity
): StakingFiles<Uint8Array | undefined> {
  const signer = files['signer.key']
  return {
    'staker.crt': parsed.certificate?.pem,
    'staker.key': parsed.key?.pem,
    'signer.key': signer instanceof Uint8Array ? signer : undefined
  }
}
