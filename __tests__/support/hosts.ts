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
