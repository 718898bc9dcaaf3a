import * as core from '@actions/core'
import { readFileSync, statSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import { parseBlsPublicKey } from '../identity/bls.js'
import { IdentityError, type StakingFile } from '../identity/errors.js'
import type { Expectations, IdentityFiles } from '../identity/checks.js'
import { decodeMaterial, renderingsOf, type Material } from '../identity/material.js'
import { ArchiveError, encrypterFor, openArchive } from '../archive/archive.js'
import {
  parseKeystoreUsers,
  type KeystoreCredential,
  type KeystoreExport
} from '../node/keystore.js'
import { actionLog } from './log.js'
import { errorMessage } from '../log.js'
import { parseNodeId } from '../identity/node-id.js'
import {
  parseHostSettings,
  parseNetworkSettings,
  type HostSettings,
  type InputReader,
  type NetworkSettings
} from '../settings/host.js'
import { parseProbeTargets, type ProbeTarget } from '../operations/probe.js'

export const MODES = ['verify', 'restore', 'backup', 'probe'] as const
export type Mode = (typeof MODES)[number]

/** Everything the action was asked to do, read and validated in one place. */
export interface Settings {
  mode: Mode
  /** The three files decoded from their secrets; an error where an input could not be decoded. */
  files: IdentityFiles
  /** Which form each secret came in (for the debug log; never the value). */
  forms: Partial<Record<StakingFile, string>>
  expected: Expectations
  /** For restore. */
  host?: HostSettings
  /** restore: keystore users from an archive, with their passwords from keystore-users. */
  keystore?: { exports: KeystoreExport[]; users: KeystoreCredential[] }
  /** What the network is asked (network-api, old-hosts, …). */
  network: NetworkSettings
}

/** Reads a path-form secret input; `~/` is the runner user's home. */
export function readPathInput(path: string): Buffer | undefined {
  const full = path.startsWith('~/') ? (process.env.HOME || homedir()) + path.slice(1) : path
  try {
    if (!statSync(full).isFile()) return undefined
    return readFileSync(full)
  } catch {
    return undefined
  }
}

export type { HostSettings }

export function readMode(): Mode {
  const mode = core.getInput('mode') || 'verify'
  if (!(MODES as readonly string[]).includes(mode)) {
    // Quoted only when it is a word: a value pasted into the wrong input is not echoed.
    const quoted = /^[a-z][a-z-]{0,19}$/.test(mode) ? ` '${mode}'` : ''
    throw new InputError(`Unknown mode${quoted}. Expected one of: ${MODES.join(', ')}.`)
  }
  return mode as Mode
}

export interface ProbeSettings {
  targets: ProbeTarget[]
  timeoutMs: number
}

/** mode: probe needs no secret: the hosts, what each must answer, and how long to wait. */
export function readProbeSettings(): ProbeSettings {
  const fail = (m: string) => new InputError(m)
  const targets = parseProbeTargets(
    core.getInput('hosts'),
    core.getInput('expected-node-id'),
    (s, what) => asInputError(() => parseNodeId(s, what)),
    fail
  )
  const raw = core.getInput('probe-timeout') || '5'
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 300)
    throw fail('probe-timeout must be a whole number of seconds from 1 to 300.')
  return { targets, timeoutMs: Number(raw) * 1000 }
}

export interface BackupSettings {
  host: HostSettings
  expected: Expectations
  recipients: string[]
  archivePath: string
  keystoreUsers?: KeystoreCredential[]
  network: NetworkSettings
}

/** mode: backup: where the node is, who may open the archive, where it goes. */
export function readBackupSettings(): BackupSettings {
  const recipients = core
    .getInput('age-recipients')
    .split(/[\s,]+/)
    .filter(r => r && !r.startsWith('#'))
  if (recipients.length === 0) {
    throw new InputError(
      'age-recipients is required for backup: the action never writes plain key material to the runner. Make a key with age-keygen and give its public key (age1…).'
    )
  }
  try {
    encrypterFor(recipients) // before anything connects
  } catch (e) {
    throw new InputError(errorMessage(e))
  }
  const expected: Expectations = {}
  const id = core.getInput('expected-node-id')
  if (id) expected.nodeId = asInputError(() => parseNodeId(id, 'expected-node-id'))
  const bls = core.getInput('expected-bls-public-key')
  if (bls) expected.blsPublicKey = asInputError(() => parseBlsPublicKey(bls))
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const archivePath =
    core.getInput('archive-path') ||
    join(process.env.RUNNER_TEMP || tmpdir(), `avalanche-node-backup-${stamp}.tar.age`)
  const keystoreUsers = readKeystoreUsers()
  return {
    network: readNetwork('backup'),
    host: readHost(),
    expected,
    recipients,
    archivePath,
    ...(keystoreUsers ? { keystoreUsers } : {})
  }
}

/** keystore-users: a secret JSON list of {username, password}; every password is masked. */
function readKeystoreUsers(): KeystoreCredential[] | undefined {
  const text = core.getInput('keystore-users')
  if (!text) return undefined
  maskAll(text.split(/\r?\n/))
  const users = parseKeystoreUsers(text, m => new InputError(m))
  for (const u of users) if (u.password) core.setSecret(u.password)
  return users
}

/** The network inputs: nothing in them is secret. */
function readNetwork(mode: Mode): NetworkSettings {
  const reader: InputReader = {
    get: n => core.getInput(n),
    secret: n => core.getInput(n),
    // Unset reads as false: a caller that passes only the inputs it knows (not action.yml's
    // defaults, as the runner does) is not failed by inputs newer than it.
    bool: n => (core.getInput(n) ? core.getBooleanInput(n) : false)
  }
  const network = parseNetworkSettings(reader)
  if (
    mode !== 'restore' &&
    (network.oldHosts.length || network.allowRunningElsewhere || network.waitHealthyMs)
  )
    throw new InputError(
      'old-hosts, allow-running-elsewhere and wait-healthy go with mode restore: they are about the node a restore starts.'
    )
  actionLog.debug(
    `network-api: ${network.apiUrl?.origin ?? '(not given)'}; old-hosts: ${network.oldHosts.length}; wait-healthy: ${network.waitHealthyMs / 1000} s`
  )
  return network
}

function readHost(): HostSettings {
  const secret = (name: string) => {
    const v = core.getInput(name, { trimWhitespace: false })
    maskAll(v.split(/\r?\n/))
    if (v.trim()) core.setSecret(v.trim())
    return v
  }
  const host = parseHostSettings({
    get: n => core.getInput(n),
    secret,
    bool: n => core.getBooleanInput(n)
  })
  const t = host.target
  actionLog.debug(
    t.kind === 'ssh'
      ? `target: ${t.ssh.username}@${t.ssh.host}:${t.ssh.port}, ${t.ssh.hostKeys?.fingerprints.size ?? 0} pinned host key(s)`
      : 'target: this machine (no host given)'
  )
  return host
}

/** The three files from an archive made by mode backup, opened with the age identity. */
async function filesFromArchive(): Promise<{ files: IdentityFiles; keystore: KeystoreExport[] }> {
  const path = core.getInput('archive')
  const identity = core.getInput('age-identity', { trimWhitespace: false })
  maskAll(identity.split(/\r?\n/))
  if (!identity.trim())
    throw new InputError(
      'age-identity is required with archive: the age key (AGE-SECRET-KEY-1…) the archive was encrypted to. Pass it from a secret.'
    )
  // The path is never quoted back: a secret pasted into the wrong input would be printed.
  const sealed = readPathInput(path)
  if (!sealed)
    throw new InputError(
      'archive: there is no readable file at the path given. Give the path of the .tar.age file mode backup wrote (its archive output).'
    )
  let opened: Awaited<ReturnType<typeof openArchive>>
  try {
    opened = await openArchive(sealed, identity)
  } catch (e) {
    // ArchiveError messages are our own words; anything else may quote the file.
    throw new InputError(
      `archive: ${e instanceof ArchiveError ? e.message : 'the file cannot be opened as an avalanche-node-backup archive.'}`
    )
  }
  maskFiles(opened.files)
  actionLog.debug(
    `archive: taken ${opened.manifest.takenAt} from ${opened.manifest.host}, ${opened.manifest.nodeId}`
  )
  return {
    files: {
      crt: opened.files['staker.crt'],
      key: opened.files['staker.key'],
      signer: opened.files['signer.key']
    },
    keystore: opened.keystore
  }
}

/** Masks every rendering of key material read at run time (from a host or an archive). */
export function maskFiles(files: Record<StakingFile, Uint8Array>): void {
  maskAll(renderingsOf(Buffer.from(files['staker.key'])))
  maskAll(renderingsOf(Buffer.from(files['signer.key'])))
}

export async function readSettings(): Promise<Settings> {
  const mode = readMode()
  const forms: Settings['forms'] = {}
  const material = (file: StakingFile, input: string): Uint8Array | IdentityError => {
    const raw = core.getInput(input, { trimWhitespace: false })
    // Mask before anything else can print it: every line of the input, then every decoded form.
    maskAll(raw.split(/\r?\n/))
    try {
      const m: Material = decodeMaterial(file, raw, readPathInput)
      maskAll(m.renderings)
      forms[file] = m.form
      actionLog.debug(`${input}: read as ${m.form} (${m.bytes.length} bytes)`)
      return m.bytes
    } catch (e) {
      if (e instanceof IdentityError) return e
      throw e
    }
  }
  const archive = core.getInput('archive') ? await filesFromArchive() : undefined
  const files: IdentityFiles = archive
    ? archive.files
    : {
        crt: material('staker.crt', 'staker-crt'),
        key: material('staker.key', 'staker-key'),
        signer: material('signer.key', 'signer-key')
      }

  const nodeIdInput = core.getInput('expected-node-id')
  if (!nodeIdInput) {
    throw new InputError(
      "expected-node-id is required: the NodeID this backup must give. Find it with `avalanche-node-backup node-id staker.crt` or the node's info.getNodeID."
    )
  }
  const expected: Expectations = {
    nodeId: asInputError(() => parseNodeId(nodeIdInput, 'expected-node-id'))
  }
  const blsInput = core.getInput('expected-bls-public-key')
  if (blsInput) expected.blsPublicKey = asInputError(() => parseBlsPublicKey(blsInput))

  actionLog.debug(`mode: ${mode}`)
  actionLog.debug(`expected-node-id: ${expected.nodeId}`)
  actionLog.debug(`expected-bls-public-key: ${expected.blsPublicKey ?? '(not given)'}`)
  const settings: Settings = {
    mode: mode as Mode,
    files,
    forms,
    expected,
    network: readNetwork(mode)
  }
  if (mode === 'verify' && !core.getInput('host')) refuseHostInputsWithoutHost()
  if (mode === 'restore' || (mode === 'verify' && core.getInput('host'))) settings.host = readHost()
  const users = mode === 'restore' ? readKeystoreUsers() : undefined
  const exported = archive?.keystore ?? []
  if (exported.length && !users) {
    actionLog.warning(
      `the archive holds keystore users (${exported.map(x => x.username).join(', ')}); give keystore-users with their passwords to import them.`
    )
  }
  if (exported.length && users) settings.keystore = { exports: exported, users }
  return settings
}

/**
 * verify with SSH inputs but no host (an unset `vars.NODE_HOST`, say) would quietly check offline
 * and pass: a mistake, refused.
 */
function refuseHostInputsWithoutHost(): void {
  const given = ['username', 'ssh-key', 'host-key', 'proxy-host', 'container'].filter(
    n => core.getInput(n) !== ''
  )
  if (given.length)
    throw new InputError(
      `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} given but host is empty: set host to verify against the live node (is the variable or secret behind it set?), or remove ${given.length > 1 ? 'them' : 'it'} to verify the backup offline.`
    )
}

/** Lines shorter than this carry no usable key material and would garble unrelated log text. */
const MIN_MASK = 8

function maskAll(values: string[]): void {
  for (const v of values) {
    const t = v.trim()
    if (t.length >= MIN_MASK && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(t)) core.setSecret(t)
  }
}

function asInputError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof IdentityError) throw new InputError(e.message)
    throw e
  }
}
