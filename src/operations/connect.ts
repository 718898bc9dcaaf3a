import type { Log } from '../log.js'
import type { HostSettings } from '../settings/host.js'
import { localTransport } from '../transport/local.js'
import { connectSsh } from '../transport/ssh.js'
import type { HostTransport } from '../transport/transport.js'

/**
 * From host settings to a transport. The operations take one as a parameter, so that a front end
 * decides when the SSH stack loads (the CLI: only for the commands that connect).
 */
export type Connector = (host: HostSettings, log: Log) => () => Promise<HostTransport>

/** The one way from host settings to a transport: SSH, or this machine. Called again to reconnect. */
export const connector: Connector = (host, log) => {
  const target = host.target
  return () =>
    target.kind === 'ssh' ? connectSsh(target.ssh, log) : Promise.resolve(localTransport())
}
