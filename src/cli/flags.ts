import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import { InputError } from '../errors.js'
import { errorMessage, fileErrorMessage, type Log } from '../log.js'
import { terminal, terminalValue } from '../render/escape.js'
import type { InputReader } from '../settings/reader.js'
import type { Mode } from '../settings/modes.js'

export const NAME = 'avalanche-node-backup'

export function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (e) {
    // Node quotes an unknown option whole: a value given without its flag ("-----BEGIN …") would
    // be printed. Its other messages name only our own flags.
    const unknown = /^Unknown option '([^']*)'/.exec(errorMessage(e))?.[1]
    if (unknown === undefined) throw new InputError(errorMessage(e))
    throw new InputError(
      /^--?[A-Za-z][\w-]{0,39}$/.test(unknown)
        ? `Unknown option '${unknown}'. Run '${NAME} <command> --help'.`
        : `an argument starts with '-' but is not an option (a value without its flag?). Run '${NAME} <command> --help'.`
    )
  }
}

/**
 * Reads a file named by a flag (or '-' for stdin). The error names the flag, never its value: a
 * key pasted where a path belongs would be printed, and Node's own message quotes it (twice).
 */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path)
  } catch (e) {
    throw unreadable(e, what)
  }
}

/** As readInput, without reading: the file can be opened and is not a directory. */
function ensureReadable(path: string, what: string): void {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    throw unreadable(e, what)
  }
  const directory = fstatSync(fd).isDirectory()
  closeSync(fd)
  if (directory) throw new InputError(`cannot read ${what}: it is a directory`)
}

function unreadable(e: unknown, what: string): InputError {
  const code = (e as NodeJS.ErrnoException).code
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied (try sudo)'
        : code === 'ENAMETOOLONG'
          ? 'not a file name (too long): give the path of the file'
          : fileErrorMessage(e, 'error').replace(/^error: /, '')
  return new InputError(`cannot read ${what}: ${why}`)
}

/** Standard output and error for a person: outside strings never carry control characters raw. */
export const out = (text: string): void => console.log(terminal(text))
export const err = (text: string): void => console.error(terminal(text))

/** The same progress without the step lines, for --json runs. */
export function quiet(log: Log): Log {
  return { ...log, info: () => {}, group: (_name, fn) => fn() }
}

/** Keys are never printed by the CLI at all: nothing to hide. */
const noSecrets = (): void => {}

/** Check lines as they are decided, without step headings (verify), warnings on stderr. */
export const plainLog: Log = {
  info: m => console.log(terminalValue(m)),
  debug: () => {},
  warning: m => console.error(`warning: ${terminalValue(m)}`),
  group: (_name, fn) => fn(),
  secret: () => {}
}

/** Progress for a person: each step as a heading, warnings on stderr. */
export const stdoutLog: Log = {
  info: m => console.log(`   ${terminalValue(m)}`),
  debug: () => {},
  warning: m => console.error(`warning: ${terminalValue(m)}`),
  group: async (name, fn) => {
    console.log(`== ${terminalValue(name)}`)
    return fn()
  },
  secret: noSecrets
}

/** The flags that say where a node host is and how to run it (the action's input names). */
export const HOST_FLAGS = [
  'host',
  'port',
  'username',
  'ssh-key',
  'host-key',
  'connect-timeout',
  'proxy-host',
  'proxy-port',
  'proxy-username',
  'proxy-ssh-key',
  'proxy-host-key',
  'staking-dir',
  'service-name',
  'sudo',
  'container',
  'stop-command',
  'start-command',
  'api-url',
  'wait-timeout'
] as const

type Flags = Record<string, ParseArgsOptionsConfig[string]>
const str = { type: 'string' } as const
const bool = { type: 'boolean' } as const
const many = { type: 'string', multiple: true } as const

const hostFlags = (stakingDir: string): Flags => ({
  ...Object.fromEntries(HOST_FLAGS.map(f => [f === 'staking-dir' ? stakingDir : f, str] as const)),
  'insecure-skip-host-key-check': bool
})
const FILE_FLAGS: Flags = { 'staker-crt': str, 'staker-key': str, 'signer-key': str }
const EXPECTATION_FLAGS: Flags = { 'expected-node-id': str, 'expected-bls-public-key': str }

/** Each command's flags (parseArgs options). */
export const FLAGS: Record<Mode, Flags> = {
  verify: {
    'staking-dir': str,
    ...FILE_FLAGS,
    ...EXPECTATION_FLAGS,
    'proof-of-possession': bool,
    json: bool,
    ...hostFlags('host-staking-dir')
  },
  restore: {
    'backup-dir': str,
    ...FILE_FLAGS,
    ...EXPECTATION_FLAGS,
    ...hostFlags('staking-dir'),
    force: bool,
    json: bool,
    'network-api': str,
    'require-network-checks': bool,
    'old-hosts': many,
    'allow-running-elsewhere': bool,
    'wait-healthy': str
  },
  backup: {
    ...hostFlags('staking-dir'),
    ...EXPECTATION_FLAGS,
    out: str,
    archive: str,
    'age-recipient': many,
    force: bool,
    json: bool
  },
  probe: { 'expected-node-id': many, timeout: str, json: bool }
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

/**
 * A command's flags as the one InputReader, by the action's input names: the CLI reads its
 * settings exactly as the action does. A backup directory stands for its three files; a key file
 * is read here (an unreadable one is bad input, named by its flag, never by its value).
 */
export function flagReader(command: Mode, values: Values, positionals: string[]): InputReader {
  const text = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : '')
  const list = (k: string) => (Array.isArray(values[k]) ? (values[k] as string[]) : [])
  const dirFlag = command === 'verify' ? 'staking-dir' : 'backup-dir'
  const dir = text(dirFlag)
  const fileOf: Record<string, string> = {
    'staker-crt': 'staker.crt',
    'staker-key': 'staker.key',
    'signer-key': 'signer.key'
  }
  const inputs: Record<string, () => string> = {
    hosts: () => positionals.join(' '),
    'expected-node-id': () =>
      command === 'probe' ? list('expected-node-id').join(' ') : text('expected-node-id'),
    'probe-timeout': () => text('timeout'),
    'staking-dir': () => text(command === 'verify' ? 'host-staking-dir' : 'staking-dir'),
    'archive-path': () => text('archive'),
    'out-dir': () => text('out'),
    'age-recipients': () => list('age-recipient').join('\n'),
    'old-hosts': () => list('old-hosts').join('\n'),
    // restore reads the backup from files here; an archive is the action's (archive input).
    archive: () => ''
  }
  const label = (name: string): string =>
    fileOf[name] && dir
      ? `${fileOf[name]} in --${dirFlag}`
      : ((
          {
            hosts: 'HOST arguments',
            'probe-timeout': '--timeout',
            'archive-path': '--archive',
            'age-recipients': '--age-recipient',
            'out-dir': '--out'
          } as Record<string, string>
        )[name] ?? `--${name}`)
  const hostKey = (k: string) =>
    text(k) && existsSync(text(k)) ? readInput(text(k), `--${k}`).toString('utf8') : text(k)
  const passphrases: Record<string, string | undefined> = {
    'ssh-passphrase': process.env.AVALANCHE_SSH_PASSPHRASE,
    'proxy-ssh-passphrase': process.env.AVALANCHE_PROXY_SSH_PASSPHRASE
  }
  return {
    get: name =>
      (inputs[name]?.() ?? (name.endsWith('host-key') ? hostKey(name) : text(name))).trim(),
    secret: name => {
      if (fileOf[name]) return fileFlag(dir ? join(dir, fileOf[name]) : text(name), label(name))
      if (name.endsWith('ssh-key'))
        return text(name) ? readInput(text(name), `--${name}`).toString() : ''
      return passphrases[name] ?? ''
    },
    bool: name => values[name] === true,
    label
  }
}

/**
 * A file flag's value for the reader: a path is checked here (opened, not read: the parser reads
 * it), so that one that cannot be read is bad input (exit 2) named by its flag; '-' is standard input (given on as its base64, so that
 * any bytes pass); anything else (PEM text, base64, hex) as it is.
 */
function fileFlag(value: string, what: string): string {
  if (value === '-') return readInput('-', what).toString('base64')
  const path = value.startsWith('~/') ? (process.env.HOME ?? '') + value.slice(1) : value
  const pathLike =
    !value.includes('\n') &&
    value.length < 4096 &&
    (/^(\/|\.\.?\/|~\/)/.test(value) || /\.(crt|key|pem|der)$/.test(value) || existsSync(path))
  if (pathLike) ensureReadable(path, what)
  return value
}

/** A backup given as a directory or as its three files, not both, not neither. */
export function checkBackupFlags(command: 'verify' | 'restore', values: Values): void {
  const dirFlag = command === 'verify' ? 'staking-dir' : 'backup-dir'
  const dir = values[dirFlag]
  const single = ['staker-crt', 'staker-key', 'signer-key'].map(f => values[f])
  if (dir && single.some(Boolean))
    throw new InputError(`give either --${dirFlag} or the three files, not both`)
  if (!dir && !single.every(Boolean))
    throw new InputError(
      `give --${dirFlag} DIR, or all of --staker-crt, --staker-key and --signer-key. Run '${NAME} ${command} --help'.`
    )
}
