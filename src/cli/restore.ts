import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import { parseHostSettings } from '../host-settings.js'
import { localTransport } from '../host/local.js'
import { connectSsh } from '../host/ssh.js'
import { parseBlsPublicKey } from '../identity/bls.js'
import type { Expectations, IdentityFiles } from '../identity/inspect.js'
import { parseNodeId } from '../identity/node-id.js'
import { restore } from '../modes/restore.js'
import { restoreResult } from '../report-object.js'
import { NAME, parse, readInput, stdoutLog } from './common.js'

export const RESTORE_HELP = `Usage: ${NAME} restore (--backup-dir DIR | --staker-crt F --staker-key F --signer-key F)
                 --expected-node-id ID [--expected-bls-public-key HEX]
                 [--host HOST --username USER --ssh-key FILE --host-key KEY|FILE [--port 22]]
                 [--staking-dir DIR] [--service-name NAME] [--sudo auto|true|false]
                 [--stop-command CMD --start-command CMD] [--api-url URL]
                 [--wait-timeout SECONDS] [--force] [--json]

Puts the backup on the node host and proves it: checks the files offline, connects once (the host
key must match --host-key), uploads them under temporary names, stops the node, keeps the current
files in a directory beside the staking directory, moves the new ones in, starts the node and
waits until it reports the expected NodeID and BLS key. Any failure after the stop puts the
previous files back and starts the node again. Without --host, restores on this machine.

  --backup-dir DIR            the backup: a directory with staker.crt, staker.key, signer.key
  --host, --port, --username  the node host over SSH
  --ssh-key FILE              the private key to log in with; its passphrase, if any, from the
                              environment variable AVALANCHE_SSH_PASSPHRASE
  --host-key KEY|FILE         known_hosts lines or SHA256 fingerprints, or a file of them
  --insecure-skip-host-key-check   do not verify the host key (throwaway tests only)
  --staking-dir DIR           on the host (default ~/.avalanchego/staking of the login user)
  --service-name NAME         the systemd unit (default avalanchego)
  --sudo auto|true|false      sudo -n for service control (default auto: when not root)
  --stop-command, --start-command CMD   instead of systemctl (e.g. docker stop/start)
  --api-url URL               the node's API as seen on the host (default http://127.0.0.1:9650)
  --wait-timeout SECONDS      how long the node may take to answer after start (default 120)
  --force                     restart even if the host already runs these files
  --json                      print the result as JSON (the action's result output)

Exit codes: 0 restored (or already in place), 1 the restore failed, 2 bad usage or input.`

const HOST_FLAGS = [
  'host',
  'port',
  'username',
  'ssh-key',
  'host-key',
  'staking-dir',
  'service-name',
  'sudo',
  'stop-command',
  'start-command',
  'api-url',
  'wait-timeout'
] as const

export async function restoreCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(RESTORE_HELP)
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
    json: { type: 'boolean' }
  })
  if (positionals.length)
    throw new InputError(`unexpected argument '${positionals[0]}'. Run '${NAME} restore --help'.`)
  const v = values as Record<string, string | boolean | undefined>
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '')
  if (!str('expected-node-id'))
    throw new InputError(
      `restore needs --expected-node-id: the NodeID the node must report afterwards.`
    )
  const expected: Expectations = {
    nodeId: parseNodeId(str('expected-node-id'), '--expected-node-id')
  }
  if (str('expected-bls-public-key'))
    expected.blsPublicKey = parseBlsPublicKey(str('expected-bls-public-key'))

  const hostKey =
    str('host-key') && existsSync(str('host-key'))
      ? readFileSync(str('host-key'), 'utf8')
      : str('host-key')
  const settings = parseHostSettings({
    get: name => (name === 'host-key' ? hostKey : str(name)),
    secret: name =>
      name === 'ssh-key'
        ? str('ssh-key')
          ? readInput(str('ssh-key')).toString()
          : ''
        : name === 'ssh-passphrase'
          ? (process.env.AVALANCHE_SSH_PASSPHRASE ?? '')
          : '',
    bool: name => v[name] === true
  })
  const dir = str('backup-dir')
  const single = [str('staker-crt'), str('staker-key'), str('signer-key')]
  if (dir && single.some(Boolean))
    throw new InputError('give either --backup-dir or the three files, not both')
  if (!dir && !single.every(Boolean))
    throw new InputError(
      `give --backup-dir DIR, or all of --staker-crt, --staker-key and --signer-key. Run '${NAME} restore --help'.`
    )
  const [crt, key, signer] = dir
    ? ['staker.crt', 'staker.key', 'signer.key'].map(f => join(dir, f))
    : single
  const files: IdentityFiles = {
    crt: readInput(crt!),
    key: readInput(key!),
    signer: readInput(signer!)
  }

  const target = settings.target
  const log = v.json
    ? { ...stdoutLog, info: () => {}, group: <T>(_: string, fn: () => Promise<T>) => fn() }
    : stdoutLog
  const outcome = await restore(
    {
      files,
      expected,
      connect: () =>
        target.kind === 'ssh' ? connectSsh(target.ssh, log) : Promise.resolve(localTransport()),
      host: settings.node,
      apiUrl: settings.apiUrl,
      waitTimeoutMs: settings.waitTimeoutMs,
      force: settings.force,
      lockWaitSeconds: 60
    },
    log
  )
  if (v.json) {
    console.log(JSON.stringify(restoreResult(outcome), null, 2))
  } else {
    console.log('')
    console.log(`NodeID before       ${outcome.previousNodeId ?? '(no answer)'}`)
    console.log(`NodeID after        ${outcome.nodeId ?? '(not proven)'}`)
    if (outcome.previousFiles) console.log(`Previous files      ${outcome.previousFiles}`)
    if (outcome.downtimeMs !== undefined)
      console.log(`Downtime            ${(outcome.downtimeMs / 1000).toFixed(2)} s`)
    console.log(
      outcome.ok
        ? outcome.changed
          ? '\nRestored.'
          : '\nNothing to do: the host already runs this backup.'
        : ''
    )
  }
  if (!outcome.ok) console.error(`${NAME}: ${outcome.error}`)
  return outcome.ok ? 0 : 1
}
