import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { fileErrorMessage } from '../log.js'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import { parseHostSettings, parseNetworkSettings } from '../settings/host.js'
import { askNetwork, restoreNetworkChecks, type Registration } from '../operations/network.js'
import { validatorLine } from '../network/replies.js'
import { localTransport } from '../transport/local.js'
import { connectSsh } from '../transport/ssh.js'
import type { Expectations, IdentityFiles } from '../identity/checks.js'
import { restore, type RestoreOutcome } from '../operations/restore.js'
import { restoreResult, resultObject } from '../render/result.js'
import { backup, type BackupOutcome } from '../operations/backup.js'
import { filesAsOnNode, verify } from '../operations/verify.js'
import { verifyOnHost } from '../operations/verify-live.js'
import { sealArchive } from '../archive/archive.js'
import { STAKING_FILES } from '../identity/errors.js'
import {
  expectationsFrom,
  HOST_FLAGS,
  NAME,
  parse,
  quiet,
  readBackupFiles,
  readInput,
  stdoutLog,
  out,
  err
} from './flags.js'
import { terminalValue } from '../render/escape.js'

export const RESTORE_HELP = `Usage: ${NAME} restore (--backup-dir DIR | --staker-crt F --staker-key F --signer-key F)
                 --expected-node-id ID [--expected-bls-public-key HEX]
                 [--host HOST --username USER --ssh-key FILE --host-key KEY|FILE [--port 22]]
                 [--connect-timeout SECONDS] [--proxy-host HOST --proxy-host-key KEY|FILE ...]
                 [--staking-dir DIR] [--service-name NAME] [--sudo auto|true|false]
                 [--container NAME] [--stop-command CMD --start-command CMD] [--api-url URL]
                 [--wait-timeout SECONDS] [--force] [--json]
                 [--network-api URL [--require-network-checks]] [--old-hosts HOST[:PORT] ...]
                 [--allow-running-elsewhere] [--wait-healthy SECONDS]

Puts the backup on the node host and proves it: checks the files offline, connects once (the host
key must match --host-key), uploads them under temporary names, stops the node, keeps the current
files in a directory beside the staking directory, moves the new ones in, starts the node and
waits until it reports the expected NodeID and BLS key. Any failure after the stop puts the
previous files back and starts the node again. Without --host, restores on this machine.

  --backup-dir DIR            the backup: a directory with staker.crt, staker.key, signer.key
  --host, --port, --username  the node host over SSH
  --ssh-key FILE              the private key to log in with; its passphrase, if any, from the
                              environment variable AVALANCHE_SSH_PASSPHRASE
  --host-key KEY|FILE         known_hosts lines or SHA256 fingerprints, or a file of them; a
                              known_hosts line counts for the host names it lists, as in OpenSSH
  --connect-timeout SECONDS   how long each SSH connection may take to be ready (default 20)
  --proxy-host HOST           a jump host: the connection to --host runs through it
  --proxy-port, --proxy-username   its port (default 22) and user (default --username)
  --proxy-ssh-key FILE        its login key (default --ssh-key); passphrase from the environment
                              variable AVALANCHE_PROXY_SSH_PASSPHRASE
  --proxy-host-key KEY|FILE   its host key(s), as --host-key (required with --proxy-host)
  --insecure-skip-host-key-check   do not verify the host keys (throwaway tests only)
  --staking-dir DIR           on the host (default: where the node is found to read it)
  --service-name NAME         the systemd unit (default avalanchego)
  --sudo auto|true|false      sudo -n for service control (default auto: when not root)
  --container NAME            the Docker container that runs the node (found through docker inspect)
  --stop-command, --start-command CMD   instead of systemctl (e.g. docker stop/start)
  --api-url URL               the node's API as seen on the host (default http://127.0.0.1:9650)
  --wait-timeout SECONDS      how long the node may take to answer after start (default 120)
  --force                     restart even if the host already runs these files
  --json                      print the result as JSON (the action's result output)
  --network-api URL           an avalanchego API on the same network (https://, or http:// on
                              loopback): the BLS key registered on the P-chain must be the
                              backup's, and the NodeID must not be connected from elsewhere
  --require-network-checks    fail when --network-api cannot be asked (default: a warning)
  --old-hosts HOST[:PORT]     an old machine's staking port (default 9651), repeatable: one that
                              still answers with this NodeID stops the restore
  --allow-running-elsewhere   warn instead of refusing when the NodeID runs elsewhere
  --wait-healthy SECONDS      afterwards, wait for /ext/health and report its checks (default 0)

Exit codes: 0 restored (or already in place), 1 the restore failed, 2 bad usage or input.`

export async function restoreCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out(RESTORE_HELP)
    return 0
  }
  const { values, positionals } = parse(args, {
    'backup-dir': { type: 'string' },
    'staker-crt': { type: 'string' },
    'staker-key': { type: 'string' },
    'signer-key': { type: 'string' },
    'expected-node-id': { type: 'string' },
    'expected-bls-public-key': { type: 'string' },
    ...Object.fromEntries(HOST_FLAGS.map(f => [f, { type: 'string' as const }])),
    'insecure-skip-host-key-check': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    ...NETWORK_FLAGS
  })
  if (positionals.length)
    throw new InputError(
      `unexpected argument (not after a flag that takes it). Run '${NAME} restore --help'.`
    )
  const network = networkFrom(values)
  const v = values as Record<string, string | boolean | undefined>
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '')
  if (!str('expected-node-id'))
    throw new InputError(
      `restore needs --expected-node-id: the NodeID the node must report afterwards.`
    )
  const expected = expectationsFrom(str('expected-node-id'), str('expected-bls-public-key'))
  const settings = hostFrom(v)
  const files = readBackupFiles(
    'backup-dir',
    str('backup-dir'),
    [str('staker-crt'), str('staker-key'), str('signer-key')],
    'restore'
  )
  const log = v.json ? quiet(stdoutLog) : stdoutLog
  const asked = await askNetwork(network, expected, log)
  const checks = restoreNetworkChecks(network, settings.target, log)
  // Ctrl-C stops watching; the restore on the host goes on by itself (the message says how to check).
  const cancel = new AbortController()
  const onSignal = () => cancel.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const outcome = await restore(
    {
      files,
      expected: asked.expected,
      ...(checks ? { network: checks } : {}),
      connect: connectorFor(settings, log),
      host: settings.node,
      apiUrl: settings.apiUrl,
      waitTimeoutMs: settings.waitTimeoutMs,
      force: settings.force,
      lockWaitSeconds: 60,
      signal: cancel.signal
    },
    log
  ).finally(() => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  })
  if (v.json) out(JSON.stringify(restoreResult(outcome), null, 2))
  else printRestore(outcome, asked.registration)
  if (!outcome.ok) err(`${NAME}: ${outcome.error}`)
  return outcome.ok ? 0 : 1
}

const NETWORK_FLAGS = {
  'network-api': { type: 'string' },
  'require-network-checks': { type: 'boolean' },
  'old-hosts': { type: 'string', multiple: true },
  'allow-running-elsewhere': { type: 'boolean' },
  'wait-healthy': { type: 'string' }
} as const

/** The network flags, validated as the action validates its inputs. */
function networkFrom(values: Record<string, unknown>) {
  return parseNetworkSettings({
    get: n =>
      n === 'old-hosts'
        ? ((values[n] as string[] | undefined) ?? []).join('\n')
        : typeof values[n] === 'string'
          ? (values[n] as string)
          : '',
    secret: () => '',
    bool: n => values[n] === true
  })
}

/** Host settings from CLI flags, validated as the action validates its inputs. */
function hostFrom(
  v: Record<string, string | boolean | string[] | undefined>,
  /** verify's --staking-dir is the local backup: the host's is --host-staking-dir there. */
  stakingDirFlag = 'staking-dir'
) {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '')
  // A host key is given as text or as a file of it; a private key as a file only.
  const textOrFile = (k: string) =>
    str(k) && existsSync(str(k)) ? readInput(str(k), `--${k}`).toString('utf8') : str(k)
  const passphrases: Record<string, string | undefined> = {
    'ssh-passphrase': process.env.AVALANCHE_SSH_PASSPHRASE,
    'proxy-ssh-passphrase': process.env.AVALANCHE_PROXY_SSH_PASSPHRASE
  }
  return parseHostSettings({
    get: name =>
      name.endsWith('host-key')
        ? textOrFile(name)
        : name === 'staking-dir'
          ? str(stakingDirFlag)
          : str(name),
    secret: name =>
      name.endsWith('ssh-key')
        ? str(name)
          ? readInput(str(name), `--${name}`).toString()
          : ''
        : (passphrases[name] ?? ''),
    bool: name => v[name] === true
  })
}

const connectorFor = (settings: ReturnType<typeof hostFrom>, log: typeof stdoutLog) => () =>
  settings.target.kind === 'ssh'
    ? connectSsh(settings.target.ssh, log)
    : Promise.resolve(localTransport())

export const BACKUP_HELP = `Usage: ${NAME} backup [--host HOST --username USER --ssh-key FILE --host-key KEY|FILE]
                 [--staking-dir DIR] [--expected-node-id ID]
                 (--out DIR | --archive FILE --age-recipient AGE1... [--age-recipient ...])

Takes staker.crt, staker.key and signer.key off the node (over SSH, or this machine without
--host), checks them offline and against the NodeID and BLS key the running node reports, and
refuses to call them a backup when they disagree. Then stores them:

  --out DIR                a new directory (0700) with the three files (0600), as the backup guide's
                           scp -r does; prints the gh secret set commands to put them into secrets
  --archive FILE           an age-encrypted archive instead (opens with: age -d -i KEY FILE | tar x),
  --age-recipient AGE1...  encrypted to these recipients
  --force                  take the files even when the node's API does not answer

The host flags are restore's (see restore --help). Exit codes: 0 stored, 1 refused or failed, 2 bad usage.`

export async function backupCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out(BACKUP_HELP)
    return 0
  }
  const { values, positionals } = parse(args, {
    ...Object.fromEntries(HOST_FLAGS.map(f => [f, { type: 'string' as const }])),
    'expected-node-id': { type: 'string' },
    'expected-bls-public-key': { type: 'string' },
    out: { type: 'string' },
    archive: { type: 'string' },
    'age-recipient': { type: 'string', multiple: true },
    'insecure-skip-host-key-check': { type: 'boolean' },
    force: { type: 'boolean' }
  })
  if (positionals.length)
    throw new InputError(
      `unexpected argument (not after a flag that takes it). Run '${NAME} backup --help'.`
    )
  const v = values as Record<string, string | boolean | string[] | undefined>
  const outDir = values.out
  const archive = values.archive
  const recipients = values['age-recipient'] ?? []
  if (!!outDir === !!archive)
    throw new InputError(
      `give --out DIR or --archive FILE (with --age-recipient). Run '${NAME} backup --help'.`
    )
  if (archive && recipients.length === 0)
    throw new InputError(
      '--archive needs at least one --age-recipient (age1…): make a key with age-keygen.'
    )
  if (outDir && existsSync(outDir) && readdirSync(outDir).length > 0)
    throw new InputError(
      '--out: the directory exists and is not empty: give a new directory (nothing is written over).'
    )
  if (archive && existsSync(archive))
    throw new InputError(
      '--archive: a file exists there: give a new file (nothing is written over).'
    )
  const expected = expectationsFrom(values['expected-node-id'], values['expected-bls-public-key'])
  const settings = hostFrom(v)
  const outcome = await backup(
    {
      connect: connectorFor(settings, stdoutLog),
      node: settings.node,
      apiUrl: settings.apiUrl,
      expected,
      force: settings.force
    },
    stdoutLog
  )
  if (!outcome.ok || !outcome.files || !outcome.report) {
    err(`${NAME}: backup refused: ${outcome.error}`)
    return 1
  }
  return archive
    ? storeArchive(archive, outcome as Stored, recipients)
    : storeDirectory(outDir!, outcome as Stored)
}

type Stored = BackupOutcome & Required<Pick<BackupOutcome, 'files' | 'report'>>

async function storeArchive(archive: string, outcome: Stored, recipients: string[]) {
  const r = outcome.report
  const sealed = await sealArchive(
    outcome.files,
    {
      nodeId: r.nodeId!,
      blsPublicKey: r.blsPublicKey!,
      keyType: r.keyType!,
      takenAt: new Date().toISOString(),
      host: outcome.host ?? 'this machine'
    },
    recipients
  )
  try {
    writeFileSync(archive, sealed, { mode: 0o600, flag: 'wx' })
  } catch (e) {
    throw new Error(fileErrorMessage(e, 'cannot write --archive'))
  }
  out(`\n${r.nodeId} stored in ${archive}, encrypted to ${recipients.length} age recipient(s).`)
  out(`Open it with: age -d -i KEY ${archive} | tar x`)
  return 0
}

function storeDirectory(dir: string, outcome: Stored): number {
  const r = outcome.report
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
    for (const f of STAKING_FILES)
      writeFileSync(join(dir, f), outcome.files[f], { mode: 0o600, flag: 'wx' })
  } catch (e) {
    throw new Error(fileErrorMessage(e, 'cannot write into --out'))
  }
  out(`\n${r.nodeId} (${r.keyType}) stored in ${dir}/ (directory 0700, files 0600).`)
  out('Put it into repository secrets (add --env NAME for an environment):\n')
  out(`  gh secret set STAKER_CRT < ${join(dir, 'staker.crt')}`)
  out(`  gh secret set STAKER_KEY < ${join(dir, 'staker.key')}`)
  out(`  base64 -w0 ${join(dir, 'signer.key')} | gh secret set SIGNER_KEY`)
  out(`\nand use expected-node-id: ${r.nodeId}, expected-bls-public-key: ${r.blsPublicKey}`)
  return 0
}

/** verify --host: the offline checks, then the comparison with the live node. */
export async function verifyLiveCommand(
  v: Record<string, string | boolean | string[] | undefined>,
  files: IdentityFiles,
  expected: Expectations,
  json: boolean
): Promise<number> {
  const settings = hostFrom(v, 'host-staking-dir')
  const log = json ? quiet(stdoutLog) : stdoutLog
  const report = await verify(
    { files, expected, proofOfPossession: v['proof-of-possession'] === true },
    log
  )
  await verifyOnHost(
    report,
    filesAsOnNode(files),
    { connect: connectorFor(settings, log), node: settings.node, apiUrl: settings.apiUrl },
    log
  )
  if (json) out(JSON.stringify(resultObject('verify', report), null, 2))
  else {
    const failed = report.checks.filter(c => c.status === 'fail').length
    out(failed ? `\n${failed} check${failed > 1 ? 's' : ''} failed.` : '\nAll checks passed.')
  }
  return report.ok ? 0 : 1
}

/** The restore's end for a person: NodeIDs, the host as measured, where the previous files are. */
function printRestore(outcome: RestoreOutcome, registration: Registration): void {
  const before = outcome.previousNodeId ?? (outcome.nodeAsked ? '(no answer)' : '(not asked)')
  out('')
  out(`NodeID before       ${terminalValue(before)}`)
  out(`NodeID after        ${terminalValue(outcome.nodeId ?? '(not proven)')}`)
  out(`Host state          ${outcome.hostState}`)
  if (outcome.previousFiles) out(`Previous files      ${terminalValue(outcome.previousFiles)}`)
  if (outcome.downtimeMs !== undefined)
    out(`Downtime            ${(outcome.downtimeMs / 1000).toFixed(2)} s`)
  if (registration.state === 'validator')
    out(`P-chain             ${validatorLine(registration.validator)}`)
  if (outcome.ok)
    out(outcome.changed ? '\nRestored.' : '\nNothing to do: the host already runs this backup.')
}
