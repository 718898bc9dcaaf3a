import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import { InputError } from '../errors.js'
import { parseBlsPublicKey } from '../identity/bls.js'
import type { Expectations, IdentityFiles } from '../identity/checks.js'
import { parseNodeId } from '../identity/node-id.js'
import { errorMessage, fileErrorMessage, type Log } from '../log.js'
import { terminal, terminalValue } from '../render/escape.js'

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
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied (try sudo)'
          : code === 'ENAMETOOLONG'
            ? 'not a file name (too long): give the path of the file'
            : fileErrorMessage(e, 'error').replace(/^error: /, '')
    throw new InputError(`cannot read ${what}: ${why}`)
  }
}

/** Standard output and error for a person: outside strings never carry control characters raw. */
export const out = (text: string): void => console.log(terminal(text))
export const err = (text: string): void => console.error(terminal(text))

/**
 * The backup's three files: a directory holding them (`dirFlag`), or each one by its flag. Read
 * as the node reads them (raw bytes); an unreadable file is bad input (exit 2).
 */
export function readBackupFiles(
  dirFlag: string,
  dir: string | undefined,
  single: (string | undefined)[],
  command: string
): IdentityFiles {
  if (dir && single.some(Boolean))
    throw new InputError(`give either --${dirFlag} or the three files, not both`)
  if (!dir && !single.every(Boolean)) {
    throw new InputError(
      `give --${dirFlag} DIR, or all of --staker-crt, --staker-key and --signer-key. Run '${NAME} ${command} --help'.`
    )
  }
  const files = ['staker.crt', 'staker.key', 'signer.key']
  const [crt, key, signer] = dir ? files.map(f => join(dir, f)) : single
  const what = (i: number) =>
    dir ? `${files[i]} in --${dirFlag}` : `--${['staker-crt', 'staker-key', 'signer-key'][i]}`
  return {
    crt: readInput(crt!, what(0)),
    key: readInput(key!, what(1)),
    signer: readInput(signer!, what(2))
  }
}

/** --expected-node-id and --expected-bls-public-key, validated (a typo is bad input, exit 2). */
export function expectationsFrom(
  nodeId: string | undefined,
  bls: string | undefined
): Expectations {
  const expected: Expectations = {}
  if (nodeId) expected.nodeId = parseNodeId(nodeId, '--expected-node-id')
  if (bls) expected.blsPublicKey = parseBlsPublicKey(bls)
  return expected
}

/** The same progress without the step lines, for --json runs. */
export function quiet(log: Log): Log {
  return { ...log, info: () => {}, group: (_name, fn) => fn() }
}

/** Progress for a person: each step as a heading, warnings on stderr. */
export const stdoutLog: Log = {
  info: m => console.log(`   ${terminalValue(m)}`),
  debug: () => {},
  warning: m => console.error(`warning: ${terminalValue(m)}`),
  group: async (name, fn) => {
    console.log(`== ${terminalValue(name)}`)
    return fn()
  }
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
