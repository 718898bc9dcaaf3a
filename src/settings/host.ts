import { InputError } from '../errors.js'
import { parseHostKeys } from '../transport/host-keys.js'
import type { SshLogin, SshSettings } from '../transport/ssh.js'
import type { NodeHostSettings, SudoMode } from '../node/node-host.js'
import type { InputReader } from './reader.js'

/** Checks that an SSH private key can be read (settings/key-checks.ts). */
export type PrivateKeyCheck = (text: string, passphrase: string | undefined, input: string) => void

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

const DEFAULTS: Record<string, string> = {
  port: '22',
  'service-name': 'avalanchego',
  sudo: 'auto',
  'api-url': 'http://127.0.0.1:9650',
  'wait-timeout': '120',
  'connect-timeout': '20',
  'proxy-port': '22'
}

/** The jump host's inputs that mean nothing without proxy-host (its port has a default). */
const PROXY_INPUTS = ['proxy-username', 'proxy-ssh-key', 'proxy-ssh-passphrase', 'proxy-host-key']

/** Validates every host input before anything connects; errors name the input and the fix. */
export function parseHostSettings(input: InputReader, checkKey: PrivateKeyCheck): HostSettings {
  const get = (name: string) => input.get(name) || DEFAULTS[name] || ''
  const target: Target = get('host')
    ? { kind: 'ssh', ssh: sshSettings(input, get, checkKey) }
    : { kind: 'local' }
  if (!get('host') && get('proxy-host'))
    throw new InputError('proxy-host goes with host: it is the jump host to reach host through.')
  // The unit's name reaches systemctl on the host as an argument: never an option.
  if (!/^[A-Za-z0-9@_.:\\][A-Za-z0-9@_.:\\-]*$/.test(get('service-name')))
    throw new InputError(
      'service-name must be a systemd unit name (letters, digits, @ _ . : - and \\, not starting with -), like avalanchego.'
    )
  const container = get('container')
  if (container && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(container))
    throw new InputError(
      'container must be a Docker container name or id (letters, digits, _ . -), as `docker ps` shows it.'
    )
  const stopCommand = get('stop-command') || (container ? `docker stop ${container}` : '')
  const startCommand = get('start-command') || (container ? `docker start ${container}` : '')
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
      ...(get('staking-dir') ? { stakingDir: get('staking-dir') } : {}),
      serviceName: get('service-name'),
      sudo: sudo as SudoMode,
      ...(stopCommand ? { stopCommand, startCommand } : {}),
      ...(container ? { container } : {})
    },
    apiUrl,
    waitTimeoutMs: integer(get, 'wait-timeout', 1, 86_400) * 1000,
    force: input.bool('force')
  }
}

/** The SSH inputs: the node host's, and the jump host's when proxy-host is given. */
function sshSettings(
  input: InputReader,
  get: (n: string) => string,
  checkKey: PrivateKeyCheck
): SshSettings {
  const host = get('host')
  const port = integer(get, 'port', 1, 65535)
  const login = sshLogin(input, get, checkKey, '', host, port)
  const proxyHost = get('proxy-host')
  let proxy: SshLogin | undefined
  if (proxyHost) {
    proxy = sshLogin(
      input,
      get,
      checkKey,
      'proxy-',
      proxyHost,
      integer(get, 'proxy-port', 1, 65535),
      login
    )
  } else {
    const stray = PROXY_INPUTS.find(n => input.get(n) || (n.includes('ssh') && input.secret(n)))
    if (stray) throw new InputError(`${stray} needs proxy-host: the jump host to connect through.`)
  }
  return {
    ...login,
    insecureSkipHostKeyCheck: input.bool('insecure-skip-host-key-check'),
    connectTimeoutMs: integer(get, 'connect-timeout', 1, 3600) * 1000,
    ...(proxy ? { proxy } : {})
  }
}

/**
 * One host's login from its inputs (`prefix` '' for the node, 'proxy-' for the jump host). The
 * jump host's user and key default to the node's (`node`), as one operator often uses one key.
 */
function sshLogin(
  input: InputReader,
  get: (n: string) => string,
  checkKey: PrivateKeyCheck,
  prefix: '' | 'proxy-',
  host: string,
  port: number,
  node?: SshLogin
): SshLogin {
  const own = input.secret(`${prefix}ssh-key`).replace(/\r\n?/g, '\n').trim()
  const ownPassphrase = input.secret(`${prefix}ssh-passphrase`).trim()
  const privateKey = own ? own + '\n' : (node?.privateKey ?? '')
  const passphrase = own ? ownPassphrase : ownPassphrase || node?.passphrase || ''
  if (privateKey === '')
    throw new InputError(
      'ssh-key is required with host: the private key text of a key the node host accepts for username.'
    )
  checkKey(privateKey, passphrase || undefined, own || !node ? `${prefix}ssh-key` : 'ssh-key')
  const username = get(`${prefix}username`) || node?.username || ''
  if (!username)
    throw new InputError('username is required with host: the user to log in as (e.g. ubuntu).')
  const hostKey = get(`${prefix}host-key`)
  return {
    host,
    port,
    username,
    privateKey,
    ...(passphrase ? { passphrase } : {}),
    ...(hostKey ? { hostKeys: parseHostKeys(hostKey, host, port, `${prefix}host-key`) } : {})
  }
}

export function integer(
  get: (n: string) => string,
  name: string,
  min: number,
  max: number
): number {
  const raw = get(name)
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new InputError(
      `${name} must be a whole number from ${min} to ${max}${name.endsWith('timeout') ? ' (seconds)' : ''}.`
    )
  }
  return n
}
