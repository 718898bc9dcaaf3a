import { InputError } from './errors.js'
import { parseHostKeys } from './host/host-keys.js'
import { checkPrivateKey, type SshSettings } from './host/ssh.js'
import type { NodeHostSettings, SudoMode } from './node/node-host.js'

/** Where the node is: over SSH, or this machine (a self-hosted runner on the node). */
export type Target = { kind: 'ssh'; ssh: SshSettings } | { kind: 'local' }

/** The node host's side of a restore, the same from the action's inputs and the CLI's flags. */
export interface HostSettings {
  target: Target
  node: NodeHostSettings
  /** The node's API as seen on the host. */
  apiUrl: URL
  waitTimeoutMs: number
  force: boolean
}

/** Reads inputs by their action.yml names (the CLI maps its flags to them). */
export interface InputReader {
  get(name: string): string
  /** A secret input: the caller masks it. */
  secret(name: string): string
  bool(name: string): boolean
}

const DEFAULTS: Record<string, string> = {
  port: '22',
  'staking-dir': '~/.avalanchego/staking',
  'service-name': 'avalanchego',
  sudo: 'auto',
  'api-url': 'http://127.0.0.1:9650',
  'wait-timeout': '120'
}

/** Validates every host input before anything connects; errors name the input and the fix. */
export function parseHostSettings(input: InputReader): HostSettings {
  const get = (name: string) => input.get(name) || DEFAULTS[name] || ''
  const host = get('host')
  let target: Target = { kind: 'local' }
  if (host) {
    const privateKey = input.secret('ssh-key').replace(/\r\n?/g, '\n').trim()
    const passphrase = input.secret('ssh-passphrase').trim()
    if (privateKey === '')
      throw new InputError(
        'ssh-key is required with host: the private key text of a key the node host accepts for username.'
      )
    checkPrivateKey(privateKey + '\n', passphrase || undefined)
    const username = get('username')
    if (!username)
      throw new InputError('username is required with host: the user to log in as (e.g. ubuntu).')
    const hostKey = get('host-key')
    target = {
      kind: 'ssh',
      ssh: {
        host,
        port: integer(get, 'port', 1, 65535),
        username,
        privateKey: privateKey + '\n',
        ...(passphrase ? { passphrase } : {}),
        ...(hostKey ? { hostKeys: parseHostKeys(hostKey) } : {}),
        insecureSkipHostKeyCheck: input.bool('insecure-skip-host-key-check')
      }
    }
  }
  const stopCommand = get('stop-command')
  const startCommand = get('start-command')
  if (!!stopCommand !== !!startCommand)
    throw new InputError(
      'stop-command and start-command go together: give both, or neither to use systemctl.'
    )
  const sudo = get('sudo')
  if (!['auto', 'true', 'false'].includes(sudo))
    throw new InputError('sudo must be auto, true or false.')
  let apiUrl: URL
  try {
    apiUrl = new URL(get('api-url'))
    if (apiUrl.protocol !== 'http:') throw new Error('not http')
  } catch {
    throw new InputError(
      'api-url must be an http:// URL as seen on the host, like http://127.0.0.1:9650.'
    )
  }
  return {
    target,
    node: {
      stakingDir: get('staking-dir'),
      serviceName: get('service-name'),
      sudo: sudo as SudoMode,
      ...(stopCommand ? { stopCommand, startCommand } : {})
    },
    apiUrl,
    waitTimeoutMs: integer(get, 'wait-timeout', 1, 86_400) * 1000,
    force: input.bool('force')
  }
}

function integer(get: (n: string) => string, name: string, min: number, max: number): number {
  const raw = get(name)
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new InputError(
      `${name} must be a whole number from ${min} to ${max}${name.endsWith('timeout') ? ' (seconds)' : ''}.`
    )
  }
  return n
}
