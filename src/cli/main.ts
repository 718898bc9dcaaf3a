import { InputError } from '../errors.js'
import { parseStakingCertificate } from '../identity/certificate.js'
import { IdentityError } from '../identity/errors.js'
import { errorMessage } from '../log.js'
import type { Connector } from '../operations/connect.js'
import { operate } from '../operations/operate.js'
import { readPathInput } from '../operations/source.js'
import { terminalValue } from '../render/escape.js'
import { failureMessage } from '../render/failure.js'
import { resultObject } from '../render/result.js'
import { textOf } from '../render/text.js'
import type { KeyChecks } from '../settings/key-checks.js'
import { MODES, parseSettings, type Mode } from '../settings/modes.js'
import {
  checkBackupFlags,
  err,
  FLAGS,
  flagReader,
  NAME,
  out,
  parse,
  plainLog,
  quiet,
  readInput,
  stdoutLog
} from './flags.js'
import { HELP } from './help.js'
declare const PACKAGE_VERSION: string

/** The CLI: exit code 0 when every check passes, 1 when a check fails, 2 on bad usage or input. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  // A crash would print Node's stack trace with its message raw: say it in one line instead.
  const crash = (e: unknown) => {
    err(`${NAME}: unexpected failure: ${errorMessage(e)} (a bug; please report it)`)
    process.exit(1)
  }
  process.once('uncaughtException', crash)
  process.once('unhandledRejection', crash)
  try {
    if (command === 'node-id') return nodeIdCommand(rest)
    if ((MODES as readonly string[]).includes(command ?? ''))
      return await modeCommand(command as Mode, rest)
    switch (command) {
      case '--version':
      case '-V':
        console.log(PACKAGE_VERSION)
        return 0
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP.main)
        return command === undefined ? 2 : 0
      default:
        // Quoted only when it is a word: a value typed first by mistake is not echoed.
        throw new InputError(
          `unknown command${/^[a-z][a-z-]{0,19}$/.test(command) ? ` '${command}'` : ''}. Run '${NAME} --help'.`
        )
    }
  } catch (e) {
    err(`${NAME}: ${errorMessage(e)}`)
    // By name: the SSH bundle (dist/remote.js) has its own copies of these classes.
    return e instanceof Error && ['InputError', 'IdentityError'].includes(e.name) ? 2 : 1
  }
}

/**
 * The SSH stack is a bundle of its own (dist/remote.js), loaded when a command first connects:
 * verify, node-id and probe start without parsing it.
 */
const lazyConnector: Connector = (host, log) => async () =>
  (await import('./remote.js')).connector(host, log)()

/** Passed to parsing; never called for verify without --host or probe, which take no keys. */
const noKeys: KeyChecks = {
  recipients: () => {
    throw new Error('no key checks loaded for this command (a bug)')
  },
  privateKey: () => {
    throw new Error('no key checks loaded for this command (a bug)')
  }
}

/** The key checks (age, ssh2's key parser) load only for the commands that take keys. */
async function keyChecksFor(command: Mode, values: Record<string, unknown>): Promise<KeyChecks> {
  if (command === 'probe' || (command === 'verify' && !values.host)) return noKeys
  return (await import('../settings/key-checks.js')).keyChecks
}

/** verify, restore, backup, probe: the action's settings and operation, read from flags. */
async function modeCommand(command: Mode, args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out(HELP[command]!)
    return 0
  }
  const { values, positionals } = parse(args, FLAGS[command])
  if (positionals.length && command !== 'probe')
    throw new InputError(
      `unexpected argument (not after a flag that takes it). Run '${NAME} ${command} --help'.`
    )
  if (command === 'probe' && positionals.length === 0)
    throw new InputError(`probe needs at least one HOST[:PORT]. Run '${NAME} probe --help'.`)
  if (command === 'verify' || command === 'restore') checkBackupFlags(command, values)
  if (command === 'backup') checkStoreFlags(values)
  const shown = command === 'verify' ? plainLog : stdoutLog
  const log = values.json || command === 'probe' ? quiet(shown) : shown
  const settings = parseSettings(command, flagReader(command, values, positionals), {
    readPath: readPathInput,
    defaultArchivePath: () => '',
    needsExpectation: false,
    alwaysProofOfPossession: false,
    keys: await keyChecksFor(command, values),
    log
  })
  const cancel = new AbortController()
  // Ctrl-C stops watching a restore; the host finishes it by itself (the message says how to check).
  const onSignal = () => cancel.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const outcome = await operate(settings, log, lazyConnector, cancel.signal).finally(() => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  })
  if (values.json) out(JSON.stringify(resultObject(outcome), null, 2))
  else for (const line of textOf(outcome)) out(terminalValue(line))
  const failure = failureMessage(outcome)
  if (failure) err(`${NAME}: ${failure}`)
  return outcome.ok ? 0 : 1
}

function checkStoreFlags(values: Record<string, unknown>): void {
  const recipients = (values['age-recipient'] as string[] | undefined) ?? []
  if (!!values.out === !!values.archive)
    throw new InputError(
      `give --out DIR or --archive FILE (with --age-recipient). Run '${NAME} backup --help'.`
    )
  if (values.archive && recipients.length === 0)
    throw new InputError(
      '--archive needs at least one --age-recipient (age1…): make a key with age-keygen.'
    )
}

function nodeIdCommand(args: string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP['node-id'])
    return 0
  }
  const { positionals } = parse(args, {})
  if (positionals.length === 0)
    throw new InputError(
      `node-id needs at least one certificate file. Run '${NAME} node-id --help'.`
    )
  let code = 0
  // A file that cannot be read is named by its place among the arguments, never by its value
  // (it may be a key pasted where a path belongs); one that was read is a path, and named.
  for (const [i, path] of positionals.entries()) {
    const bytes = readInput(path, `argument ${i + 1}`)
    try {
      out(parseStakingCertificate(bytes).nodeId)
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e
      err(`${terminalValue(path)}: ${e.reason}`)
      code = 1
    }
  }
  return code
}
