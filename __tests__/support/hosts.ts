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

/** An identity's files and the NodeID they give, as the tests hand them to the action. */
export interface TestIdentity {
  crt: Buffer
  key: Buffer
  signer: Buffer
  nodeId: string
}

/**
 * The action's inputs for an identity on a host reached as ubuntu with its pinned host keys, as a
 * workflow passes them: mode restore unless `extra` says otherwise.
 */
export function hostInputs(
  host: NodeHost,
  id: TestIdentity,
  extra: Record<string, string> = {}
): Record<string, string> {
  return {
    mode: 'restore',
    'staker-crt': id.crt.toString(),
    'staker-key': id.key.toString(),
    'signer-key': id.signer.toString('base64'),
    'expected-node-id': id.nodeId,
    host: host.address,
    username: 'ubuntu',
    'ssh-key': host.userKeys.ed25519.privateKey,
    'host-key': host.knownHosts,
    ...extra
  }
}
