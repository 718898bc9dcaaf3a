import { readdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { InputError } from '../errors.js'
import { parseBlsPublicKey } from '../identity/bls.js'
import type { Expectations, IdentityFiles } from '../identity/checks.js'
import { IdentityError, type StakingFile, type StakingFiles } from '../identity/errors.js'
import { decodeMaterial, type MaterialForm, type PathReader } from '../identity/material.js'
import { parseNodeId } from '../identity/node-id.js'
import type { Log } from '../log.js'
import { parseKeystoreUsers, type KeystoreCredential } from './keystore-users.js'
import { parseProbeTargets, type ProbeTarget } from './probe-targets.js'
import { parseHostSettings, type HostSettings } from './host.js'
import { parseNetworkSettings, type NetworkSettings } from './network.js'
import type { InputReader } from './reader.js'
import type { KeyChecks } from './key-checks.js'

export const MODES = ['verify', 'restore', 'backup', 'probe'] as const
export type Mode = (typeof MODES)[number]

/** The backup to check or restore: three files given one by one, or an archive made by backup. */
export type BackupSource =
  | { kind: 'files'; files: IdentityFiles; forms: Partial<StakingFiles<MaterialForm>> }
  /** Opened by the operation (it is read and decrypted there), not while settings are parsed. */
  | { kind: 'archive'; path: string; identity: string }

export interface VerifySettings {
  mode: 'verify'
  source: BackupSource
  expected: Expectations
  /** Also derive the proof of possession (an output, not a check). */
  proofOfPossession: boolean
  /** The live node to compare with; absent: the backup alone. */
  live?: HostSettings
  network: NetworkSettings
}

export interface RestoreSettings {
  mode: 'restore'
  source: BackupSource
  /** A restore always knows the NodeID the node must report afterwards. */
  expected: Expectations & { nodeId: string }
  host: HostSettings
  network: NetworkSettings
  /** Passwords of keystore users in the archive, to import them (nodes before v1.12.2). */
  keystoreUsers?: KeystoreCredential[]
}

/** Where a backup is stored: encrypted (the action, or the CLI's --archive), or a directory (CLI). */
export type BackupStore =
  { kind: 'archive'; path: string; recipients: string[] } | { kind: 'directory'; path: string }

export interface BackupSettings {
  mode: 'backup'
  host: HostSettings
  /** What the files must give, when known (a first backup may not know it yet). */
  expected: Expectations
  store: BackupStore
  keystoreUsers?: KeystoreCredential[]
  network: NetworkSettings
}

export interface ProbeSettings {
  mode: 'probe'
  targets: ProbeTarget[]
  timeoutMs: number
}

export type Settings = VerifySettings | RestoreSettings | BackupSettings | ProbeSettings

/** What parsing needs besides the inputs: where paths are read, the default archive path, the log. */
export interface ParseContext {
  readPath: PathReader
  /** The archive's path when archive-path is not given (the action: in RUNNER_TEMP). */
  defaultArchivePath: () => string
  /**
   * verify and probe without expected-node-id: the action refuses them (a check of nothing), the
   * CLI shows the NodeIDs found.
   */
  needsExpectation: boolean
  /** verify: the action always derives the proof of possession (an output); the CLI when asked. */
  alwaysProofOfPossession: boolean
  /** age recipients and SSH keys are checked with these (settings/key-checks.ts). */
  keys: KeyChecks
  /** Only debug lines and `secret`: parsing reports nothing else. */
  log: Log
}

/** The mode input; an unknown value is quoted back only when it is a plain word. */
export function parseMode(raw: string): Mode {
  const mode = raw || 'verify'
  if (!(MODES as readonly string[]).includes(mode)) {
    const quoted = /^[a-z][a-z-]{0,19}$/.test(mode) ? ` '${mode}'` : ''
    throw new InputError(`Unknown mode${quoted}. Expected one of: ${MODES.join(', ')}.`)
  }
  return mode as Mode
}

/**
 * Every input of a mode, validated before anything connects or changes; errors name the input and
 * the fix and never quote a value. Synchronous: an archive is opened by the operation.
 */
export function parseSettings(mode: Mode, input: InputReader, ctx: ParseContext): Settings {
  switch (mode) {
    case 'verify':
      return parseVerify(input, ctx)
    case 'restore':
      return parseRestore(input, ctx)
    case 'backup':
      return parseBackup(input, ctx)
    case 'probe':
      return parseProbe(input, ctx)
  }
}

function parseVerify(input: InputReader, ctx: ParseContext): VerifySettings {
  const expected = expectations(input, ctx.needsExpectation)
  const source = backupSource(input, ctx)
  const network = networkFor('verify', input, ctx.log)
  if (!input.get('host')) refuseHostInputsWithoutHost(input, 'verify')
  return {
    mode: 'verify',
    source,
    expected,
    proofOfPossession: ctx.alwaysProofOfPossession || input.bool('proof-of-possession'),
    network,
    ...(input.get('host') ? { live: hostFor(input, ctx) } : {})
  }
}

function parseRestore(input: InputReader, ctx: ParseContext): RestoreSettings {
  const expected = expectations(input, true)
  const source = backupSource(input, ctx)
  const network = networkFor('restore', input, ctx.log)
  if (!input.get('host')) refuseHostInputsWithoutHost(input, 'restore')
  const host = hostFor(input, ctx)
  const keystoreUsers = keystoreUsersFrom(input, ctx.log)
  return {
    mode: 'restore',
    source,
    expected,
    host,
    network,
    ...(keystoreUsers ? { keystoreUsers } : {})
  }
}

function parseBackup(input: InputReader, ctx: ParseContext): BackupSettings {
  const store = backupStore(input, ctx)
  const expected = expectations(input, false)
  const network = networkFor('backup', input, ctx.log)
  if (!input.get('host')) refuseHostInputsWithoutHost(input, 'backup')
  const host = hostFor(input, ctx)
  const keystoreUsers = keystoreUsersFrom(input, ctx.log)
  return {
    mode: 'backup',
    host,
    expected,
    store,
    network,
    ...(keystoreUsers ? { keystoreUsers } : {})
  }
}

function parseProbe(input: InputReader, ctx: ParseContext): ProbeSettings {
  const targets = parseProbeTargets(
    input.get('hosts'),
    input.get('expected-node-id'),
    (s, what) => asInputError(() => parseNodeId(s, what)),
    m => new InputError(m),
    !ctx.needsExpectation,
    n => input.label(n)
  )
  const raw = input.get('probe-timeout') || '5'
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 300)
    throw new InputError(
      `${input.label('probe-timeout')} must be a whole number of seconds from 1 to 300.`
    )
  return { mode: 'probe', targets, timeoutMs: Number(raw) * 1000 }
}

/** expected-node-id (required when `required`) and expected-bls-public-key. */
function expectations(input: InputReader, required: true): Expectations & { nodeId: string }
function expectations(input: InputReader, required: boolean): Expectations
function expectations(input: InputReader, required: boolean): Expectations {
  const nodeId = input.get('expected-node-id')
  if (!nodeId && required)
    throw new InputError(
      `${input.label('expected-node-id')} is required: the NodeID this backup must give. Find it with \`avalanche-node-backup node-id staker.crt\` or the node's info.getNodeID.`
    )
  const expected: Expectations = {}
  if (nodeId)
    expected.nodeId = asInputError(() => parseNodeId(nodeId, input.label('expected-node-id')))
  const bls = input.get('expected-bls-public-key')
  if (bls) expected.blsPublicKey = asInputError(() => parseBlsPublicKey(bls))
  return expected
}

const FILE_INPUTS: [StakingFile, string][] = [
  ['staker.crt', 'staker-crt'],
  ['staker.key', 'staker-key'],
  ['signer.key', 'signer-key']
]

/** The three files from their inputs (each decoded, a decoding error kept for its check), or the archive. */
function backupSource(input: InputReader, ctx: ParseContext): BackupSource {
  const archive = input.get('archive')
  if (archive) {
    const identity = input.secret('age-identity')
    if (!identity.trim())
      throw new InputError(
        'age-identity is required with archive: the age key (AGE-SECRET-KEY-1…) the archive was encrypted to. Pass it from a secret.'
      )
    return { kind: 'archive', path: archive, identity }
  }
  const forms: Partial<StakingFiles<MaterialForm>> = {}
  const files = {} as IdentityFiles
  for (const [file, name] of FILE_INPUTS) {
    try {
      const m = decodeMaterial(file, input.secret(name), ctx.readPath, input.label(name))
      ctx.log.secret(m.renderings)
      forms[file] = m.form
      ctx.log.debug(`${input.label(name)}: read as ${m.form} (${m.bytes.length} bytes)`)
      files[file] = m.bytes
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e
      files[file] = e
    }
  }
  return { kind: 'files', files, forms }
}

/** age-recipients (checked here, before anything connects) and archive-path; or the CLI's --out. */
function backupStore(input: InputReader, ctx: ParseContext): BackupStore {
  const dir = input.get('out-dir')
  if (dir) {
    refuseTaken(dir, 'directory', input.label('out-dir'))
    return { kind: 'directory', path: dir }
  }
  // One or more a line, separated by commas or blank space; `#` starts a comment, as in age's
  // recipients files.
  const recipients = input
    .get('age-recipients')
    .split(/\r?\n/)
    .flatMap(line => line.replace(/#.*/, '').split(/[\s,]+/))
    .filter(Boolean)
  if (recipients.length === 0)
    throw new InputError(
      `${input.label('age-recipients')} is required for backup: the action never writes plain key material to the runner. Make a key with age-keygen and give its public key (age1…).`
    )
  ctx.keys.recipients(recipients, input.label('age-recipients'))
  const path = input.get('archive-path') || ctx.defaultArchivePath()
  refuseTaken(path, 'file', input.label('archive-path'))
  return { kind: 'archive', path, recipients }
}

/**
 * Nothing is written over, and the place must be there to write to: said before anything connects
 * (a backup found unwritable after taking the files would have read the keys for nothing).
 */
function refuseTaken(path: string, kind: 'file' | 'directory', label: string): void {
  const what = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'directory' : 'file'
    } catch {
      return undefined
    }
  }
  const there = what(path)
  if (kind === 'file' && there)
    throw new InputError(
      `${label}: a ${there} exists there: give a new file (nothing is written over).`
    )
  if (kind === 'directory' && there === 'file')
    throw new InputError(`${label}: a file exists there: give a new directory.`)
  if (kind === 'directory' && there === 'directory' && readdirSync(path).length > 0)
    throw new InputError(
      `${label}: the directory exists and is not empty: give a new directory (nothing is written over).`
    )
  if (!there && what(dirname(path)) !== 'directory')
    throw new InputError(`${label}: the directory it would be in does not exist.`)
}

/** keystore-users: a secret JSON list of {username, password}. */
function keystoreUsersFrom(input: InputReader, log: Log): KeystoreCredential[] | undefined {
  const text = input.secret('keystore-users')
  if (!text.trim()) return undefined
  const users = parseKeystoreUsers(text, m => new InputError(m))
  log.secret(
    users.map(u => u.password),
    true
  )
  return users
}

function networkFor(mode: Mode, input: InputReader, log: Log): NetworkSettings {
  const network = parseNetworkSettings(input)
  if (
    mode !== 'restore' &&
    (network.oldHosts.length || network.allowRunningElsewhere || network.waitHealthyMs)
  )
    throw new InputError(
      'old-hosts, allow-running-elsewhere and wait-healthy go with mode restore: they are about the node a restore starts.'
    )
  log.debug(
    `network-api: ${network.apiUrl?.origin ?? '(not given)'}; old-hosts: ${network.oldHosts.length}; wait-healthy: ${network.waitHealthyMs / 1000} s`
  )
  return network
}

function hostFor(input: InputReader, ctx: ParseContext): HostSettings {
  const log = ctx.log
  const host = parseHostSettings(input, ctx.keys.privateKey)
  const t = host.target
  log.debug(
    t.kind === 'ssh'
      ? `target: ${t.ssh.username}@${t.ssh.host}:${t.ssh.port}, ${t.ssh.hostKeys?.fingerprints.size ?? 0} pinned host key(s)`
      : 'target: this machine (no host given)'
  )
  return host
}

/**
 * verify with SSH inputs but no host (an unset `vars.NODE_HOST`, say) would quietly check offline
 * and pass: a mistake, refused.
 */
function refuseHostInputsWithoutHost(
  input: InputReader,
  mode: 'verify' | 'restore' | 'backup'
): void {
  // A container without a host is this machine's Docker: fine for restore and backup.
  const names = ['username', 'ssh-key', 'host-key', 'proxy-host']
  if (mode === 'verify') names.push('container')
  const given = names
    .filter(n => (n === 'ssh-key' ? input.secret(n).trim() : input.get(n)) !== '')
    .map(n => input.label(n))
  const otherwise = {
    verify: 'verify the backup offline',
    restore: 'restore onto this machine (a self-hosted runner on the node)',
    backup: 'back up this machine (a self-hosted runner on the node)'
  }[mode]
  if (given.length)
    throw new InputError(
      `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} given but ${input.label('host')} is empty: set ${input.label('host')} to reach the node host (is the variable or secret behind it set?), or remove ${given.length > 1 ? 'them' : 'it'} to ${otherwise}.`
    )
}

function asInputError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof IdentityError) throw new InputError(e.message)
    throw e
  }
}
