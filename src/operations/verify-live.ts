import { sha256Hex } from '../identity/sha256.js'
import { STAKING_FILES, type StakingFile, type StakingFiles } from '../identity/errors.js'
import type { Check, IdentityReport } from '../identity/checks.js'
import type { HostTransport } from '../transport/transport.js'
import { errorMessage, type Log } from '../log.js'
import { NodeApi } from '../node/api.js'
import { backupRefusal } from '../node/identity-location.js'
import {
  NodeHost,
  openRestoreNotice,
  type HostFacts,
  type NodeHostSettings
} from '../node/node-host.js'

export interface LiveTarget {
  connect: () => Promise<HostTransport>
  node: NodeHostSettings
  apiUrl: URL
}

/**
 * The backup against the live node, changing nothing on the host: the files there are
 * byte-identical (compared by hashes computed on the host, so no key material leaves it), and the
 * node reports the expected NodeID and BLS key. Health is reported, not failed on: a node that is
 * still bootstrapping runs the right identity all the same. Adds its checks to the report.
 */
export async function verifyOnHost(
  report: IdentityReport,
  files: StakingFiles<Uint8Array | undefined>,
  target: LiveTarget,
  log: Log
): Promise<void> {
  const add = (c: Check) => {
    report.checks.push(c)
    const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip', warn: 'warn' }[c.status]
    log.info(
      `${mark}  ${c.title}${c.found ? `: ${c.found}` : ''}${c.detail && c.status !== 'pass' ? ` (${c.detail})` : ''}`
    )
  }
  let transport: HostTransport
  try {
    transport = await log.group('Connect', () => target.connect())
  } catch (e) {
    add({
      id: 'host',
      title: 'The node host can be reached',
      status: 'fail',
      detail: errorMessage(e)
    })
    report.ok = false
    return
  }
  try {
    const host = new NodeHost(transport, target.node)
    await log.group(`Compare the files on ${transport.label}`, () => compareFiles(host, files, add))
    await log.group('Ask the node', () =>
      askNode(new NodeApi(transport, target.apiUrl, log), report, target, add)
    )
  } finally {
    await transport.close()
  }
  report.ok = report.checks.every(c => c.status !== 'fail')
}

/** The files on the host against the backup, by hashes computed there. */
async function compareFiles(
  host: NodeHost,
  files: StakingFiles<Uint8Array | undefined>,
  add: (c: Check) => void
): Promise<void> {
  await host.locate()
  addLocation(host, add)
  const facts = await host.inspectAsNeeded()
  const open = openRestoreNotice(facts)
  // Said first: the comparisons below may be of a half-restored host.
  if (open)
    add({
      id: 'host-restore',
      title: 'No restore left open on the host',
      status: 'fail',
      detail: open
    })
  for (const f of filesTheNodeReads(host)) add(compareFile(f, facts, files[f], host.canSudo))
}

/** The node's own answer: NodeID, BLS key, and health (reported, not failed on). */
async function askNode(
  api: NodeApi,
  report: IdentityReport,
  target: LiveTarget,
  add: (c: Check) => void
): Promise<void> {
  const answer = await api.getNodeId()
  if (!answer) {
    add({
      id: 'node-node-id',
      title: 'The node reports the expected NodeID',
      status: 'fail',
      ...(report.nodeId ? { expected: report.nodeId } : {}),
      detail: `the node's API (${target.apiUrl.href} on the host) does not answer info.getNodeID`
    })
    return
  }
  add(same('node-node-id', 'The node reports the expected NodeID', report.nodeId, answer.nodeID))
  add(
    answer.nodePOP
      ? same(
          'node-bls-public-key',
          'The node reports the expected BLS key',
          report.blsPublicKey,
          answer.nodePOP.publicKey
        )
      : {
          id: 'node-bls-public-key',
          title: 'The node reports the expected BLS key',
          status: 'warn',
          detail:
            'the node does not report nodePOP (avalanchego before v1.8.6): only the NodeID was compared'
        }
  )
  const health = await api.health()
  add({
    id: 'node-health',
    title: 'The node is healthy',
    status: health?.healthy ? 'pass' : 'warn',
    found: health
      ? health.healthy
        ? 'healthy'
        : `healthy-pending (HTTP ${health.status}: bootstrapping or not yet healthy)`
      : 'no answer from /ext/health',
    ...(health?.healthy
      ? {}
      : {
          detail:
            'reported, not failed on: a bootstrapping node runs the right identity all the same'
        })
  })
}

function compareFile(
  file: StakingFile,
  facts: HostFacts,
  backup: Uint8Array | undefined,
  triedSudo: boolean
): Check {
  const id = `host-${file}`
  const title = `${file} on the host is the backup's`
  const where = `${facts.stakingDir}/${file}`
  if (!facts.dirExists)
    return { id, title, status: 'fail', detail: `${facts.stakingDir} does not exist on the host` }
  if (!facts.dirAccessible) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${facts.loginUser} cannot look inside ${facts.stakingDir} (${facts.dirOwner} ${facts.dirMode})${triedSudo ? '' : "; log in as the node's user, or allow sudo -n"}`
    }
  }
  const f = facts.files[file]
  if (!f.exists)
    return { id, title, status: 'fail', found: 'missing', detail: `${where} is missing` }
  const perms = `${f.owner} ${f.mode}`
  if (!f.sha256)
    return {
      id,
      title,
      status: 'fail',
      found: perms,
      detail: `${facts.loginUser} cannot read ${where}: log in as ${f.owner}, or allow sudo -n`
    }
  if (!backup)
    return { id, title, status: 'skip', found: perms, detail: 'the backup file could not be read' }
  if (f.sha256 !== sha256Hex(backup))
    return {
      id,
      title,
      status: 'fail',
      found: `different (${perms})`,
      detail: `${where} differs from the backup`
    }
  // Group or other read bits on a key: any other user of the host can copy the identity.
  const exposed = file !== 'staker.crt' && (parseInt(f.mode!, 8) & 0o044) !== 0
  return exposed
    ? {
        id,
        title,
        status: 'warn',
        found: `same (${perms})`,
        detail: `${where} is readable by other users (mode ${f.mode}); the node needs 0400`
      }
    : { id, title, status: 'pass', found: `same (${perms})` }
}

function same(id: string, title: string, expected: string | undefined, found: string): Check {
  return expected === found
    ? { id, title, status: 'pass', expected: expected!, found }
    : {
        id,
        title,
        status: 'fail',
        ...(expected ? { expected } : {}),
        found,
        detail: `the node reports ${found}, the backup gives ${expected ?? '(unreadable)'}`
      }
}

/** Where the node takes its identity from, as a check: a warning where files do not cover it. */
function addLocation(host: NodeHost, add: (c: Check) => void): void {
  if (!host.location) return
  const gap = backupRefusal(host.location)
  add({
    id: 'identity-location',
    title: 'Where the node takes its identity from',
    status: gap ? 'warn' : 'pass',
    found: host.locationText,
    ...(gap
      ? { detail: `the files cover only part of it: ${gap.replace(/^not taken: /, '')}` }
      : {})
  })
}

/** The staking files this node really reads (a remote or ephemeral signer reads no signer.key). */
function filesTheNodeReads(host: NodeHost): StakingFile[] {
  const loc = host.location
  if (!loc) return [...STAKING_FILES]
  return STAKING_FILES.filter(f =>
    f === 'signer.key' ? loc.signer.kind === 'file' : loc.tls.kind === 'files'
  )
}
