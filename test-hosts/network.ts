// Brings up the simulated network API (test-hosts/network-api.ts) on a test host's address.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { HOST_NODE, netnsOf, type NodeHost } from './host.ts'
import type { NetworkWorld } from './network-api.ts'

export type { NetworkWorld }

const HERE = dirname(fileURLToPath(import.meta.url))

export interface NetworkApiHandle {
  /** https://ADDRESS:PORT, the value for network-api. */
  url: string
  /** The throwaway CA that signed its certificate: give it to the action as NODE_EXTRA_CA_CERTS. */
  caFile: string
  /** A second CA that signed nothing here (for the untrusted-certificate test). */
  otherCaFile: string
  /** Change what the network knows; applies from the next request. */
  set(world: NetworkWorld): void
  stop(): Promise<void>
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

function makeCa(dir: string, name: string): void {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
    '-subj',
    `/CN=anb test ${name}`
  ])
}

/**
 * Runs the simulated API inside `host`'s network namespace, on its address and `port`, over HTTPS
 * with a certificate for that address from a fresh CA. Torn down with the host (or by stop()).
 */
export async function startNetworkApi(
  host: NodeHost,
  world: NetworkWorld = {},
  port = 443
): Promise<NetworkApiHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'anb-network-api-'))
  makeCa(dir, 'ca')
  makeCa(dir, 'other-ca')
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(dir, 'server.key'),
    '-out',
    join(dir, 'server.csr'),
    '-subj',
    `/CN=${host.address}`
  ])
  writeFileSync(join(dir, 'ext'), `subjectAltName=IP:${host.address}\n`)
  openssl([
    'x509',
    '-req',
    '-in',
    join(dir, 'server.csr'),
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    join(dir, 'server.crt'),
    '-days',
    '2',
    '-extfile',
    join(dir, 'ext')
  ])
  const worldFile = join(dir, 'world.json')
  const set = (w: NetworkWorld) => writeFileSync(worldFile, JSON.stringify(w))
  set(world)
  const child: ChildProcess = spawn(
    'ip',
    [
      'netns',
      'exec',
      netnsOf(host),
      HOST_NODE,
      '--disable-warning=ExperimentalWarning',
      join(HERE, 'network-api.ts'),
      host.address,
      String(port),
      join(dir, 'server.crt'),
      join(dir, 'server.key'),
      worldFile
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let err = ''
  child.stderr?.on('data', d => (err += d))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`network API did not start: ${err}`)), 15_000)
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`network API exited (${code}): ${err}`))
    })
  })
  return {
    url: `https://${host.address}:${port}`,
    caFile: join(dir, 'ca.crt'),
    otherCaFile: join(dir, 'other-ca.crt'),
    set,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise(r => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
