import { readFileSync } from 'node:fs'
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import { InputError } from '../errors.js'
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
  'staking-dir',
  'service-name',
  'sudo',
  'stop-command',
  'start-command',
  'api-url',
  'wait-timeout'
] as const
