import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InputReader } from '../settings/reader.js'

/** Lines shorter than this carry no usable key material and would garble unrelated log text. */
const MIN_MASK = 8

/** Masks each value (each line of it) in the runner's log; PEM armour lines are not secret. */
export function maskAll(values: readonly string[]): void {
  for (const v of values)
    for (const line of v.split(/\r?\n/)) {
      const t = line.trim()
      if (t.length >= MIN_MASK && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(t)) core.setSecret(t)
    }
}

/**
 * The inputs action.yml declares (a test keeps the two the same). The runner passes an undeclared
 * `with:` key all the same, with a warning: read through the shared reader, a CLI-only name (such
 * as out-dir, the CLI's plain-directory backup) would then change what the action does.
 */
export const DECLARED_INPUTS: ReadonlySet<string> = new Set(
  [
    'mode staker-crt staker-key signer-key expected-node-id expected-bls-public-key archive',
    'age-identity age-recipients archive-path keystore-users hosts probe-timeout host port',
    'username ssh-key ssh-passphrase host-key insecure-skip-host-key-check connect-timeout',
    'proxy-host proxy-port proxy-username proxy-ssh-key proxy-ssh-passphrase proxy-host-key',
    'staking-dir service-name sudo container stop-command start-command api-url wait-timeout',
    'force network-api require-network-checks old-hosts allow-running-elsewhere wait-healthy'
  ]
    .join(' ')
    .split(' ')
)

const declared = (name: string): boolean => DECLARED_INPUTS.has(name)

/**
 * The action's inputs as the one InputReader: only the declared ones (anything else reads as not
 * given). A secret input is masked (the whole value, however short, and every line of it) before
 * anything else can print it.
 */
export const actionInputs: InputReader = {
  get: name => (declared(name) ? core.getInput(name) : ''),
  secret: name => {
    if (!declared(name)) return ''
    const v = core.getInput(name, { trimWhitespace: false })
    maskAll([v])
    if (v.trim()) core.setSecret(v.trim())
    return v
  },
  // Unset reads as false: a caller that passes only the inputs it knows (not action.yml's
  // defaults, as the runner does) is not failed by inputs newer than it.
  bool: name => (declared(name) && core.getInput(name) ? core.getBooleanInput(name) : false),
  label: name => name
}

/** Where mode backup writes its archive when archive-path is not given. */
export function defaultArchivePath(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return join(process.env.RUNNER_TEMP || tmpdir(), `avalanche-node-backup-${stamp}.tar.age`)
}
