import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import { InputError } from '../errors.js'
import { parseBlsPublicKey } from '../identity/bls.js'
import type { Expectations, IdentityFiles } from '../identity/inspect.js'
import { parseNodeId } from '../identity/node-id.js'
import { errorMessage, type Log } from '../log.js'

export const NAME = 'avalanche-node-backup'

export function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (e) {
    throw new InputError(errorMessage(e))
  }
}

export function readInput(path: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied (try sudo)'
          : errorMessage(e)
    throw new InputError(`cannot read ${path}: ${why}`)
  }
}

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
  const [crt, key, signer] = dir
    ? ['staker.crt', 'staker.key', 'signer.key'].map(f => join(dir, f))
    : single
  return { crt: readInput(crt!), key: readInput(key!), signer: readInput(signer!) }
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
  info: m => console.log(`   ${m}`),
  debug: () => {},
  warning: m => console.error(`warning: ${m}`),
  group: async (name, fn) => {
    console.log(`== ${name}`)
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
  'stop-command',
  'start-command',
  'api-url',
  'wait-timeout'
] as const
