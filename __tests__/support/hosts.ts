import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startNodeHost, type NodeHost, type NodeHostOptions } from '../../test-hosts/host.js'

const hosts: NodeHost[] = []

/**
 * A node host for this test file, destroyed when the file ends (also when a test fails). With
 * `ready` (the default), resolves once its node answers.
 */
export async function up(options: NodeHostOptions = {}, ready = true): Promise<NodeHost> {
  const h = await startNodeHost(options)
  hosts.push(h)
  if (ready && options.startNode !== false) await h.waitForNode()
  return h
}

/** Destroys one host before the file ends (for tests about teardown itself). */
export async function down(h: NodeHost): Promise<void> {
  hosts.splice(hosts.indexOf(h), 1)
  await h.destroy()
}

afterAll(async () => {
  for (const h of hosts.splice(0)) await h.destroy()
})

/** The CLI's flags to reach a host as ubuntu, with its key and known_hosts written into `dir`. */
export function cliHostFlags(
  host: NodeHost,
  dir: string,
  key: 'ed25519' | 'rsa' = 'ed25519'
): string[] {
  writeFileSync(join(dir, 'id'), host.userKeys[key].privateKey, { mode: 0o600 })
  writeFileSync(join(dir, 'known_hosts'), host.knownHosts)
  const flags = {
    host: host.address,
    username: 'ubuntu',
    'ssh-key': join(dir, 'id'),
    'host-key': join(dir, 'known_hosts')
  }
  return Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])
}
