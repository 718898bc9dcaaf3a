// npm run demo: the backup guide's story on two throwaway node hosts, driven by the built CLI.
//
// An "old" host runs a node with an identity (avalanchego's staker1 from ../shared/vectors when
// present, otherwise one made on the spot); a "new" host, like a fresh install, made its own. The
// demo takes the backup off the old host as the guide does (scp -r), verifies it offline with the
// CLI, lets the old host die, restores the backup onto the new host with the CLI and shows the
// NodeIDs before and after. Both hosts are torn down at the end, also on Ctrl-C.

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  HOST_NODE,
  hostPrerequisites,
  startNodeHost,
  type IdentityFiles,
  type NodeHost
} from './host.ts'

const ROOT = join(import.meta.dirname, '..')
const CLI = join(ROOT, 'dist', 'cli.js')
const VECTORS = join(ROOT, '..', 'shared', 'vectors', 'avalanchego-local')

const say = (s: string) => process.stdout.write(s + '\n')
const step = (s: string) => say(`\n== ${s}`)
const shell = (s: string) => say(`   $ ${s}`)

function identity(): { files?: IdentityFiles; origin: string } {
  if (existsSync(join(VECTORS, 'staker1.crt'))) {
    return {
      origin: "avalanchego's local-network staker1 (../shared/vectors)",
      files: {
        crt: readFileSync(join(VECTORS, 'staker1.crt')),
        key: readFileSync(join(VECTORS, 'staker1.key')),
        signer: readFileSync(join(VECTORS, 'signer1.key'))
      }
    }
  }
  return { origin: 'made by the old node on its first start' }
}

function nodeIdOverSsh(host: NodeHost): string {
  const call = `curl -s -X POST --data '{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}' -H 'content-type:application/json;' 127.0.0.1:9650/ext/info`
  const out = execFileSync('ssh', [...host.sshArgs(), `ubuntu@${host.address}`, call], {
    encoding: 'utf8'
  })
  return (JSON.parse(out) as { result: { nodeID: string } }).result.nodeID
}

async function main(): Promise<number> {
  const missing = hostPrerequisites()
  if (missing) {
    process.stderr.write(
      `npm run demo brings up test node hosts (network namespaces, sshd) and needs: ${missing}.\nRun it as root on Linux, e.g. sudo npm run demo.\n`
    )
    return 2
  }
  if (!existsSync(CLI)) {
    process.stderr.write('dist/cli.js is missing: run npm run bundle first.\n')
    return 2
  }
  const hosts: NodeHost[] = []
  const work = mkdtempSync(join(tmpdir(), 'anb-demo-'))
  const cleanup = async () => {
    for (const h of hosts.splice(0)) await h.destroy()
    rmSync(work, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)))
  try {
    const { files, origin } = identity()
    step('Bring up two node hosts (network namespaces with OpenSSH and a simulated avalanchego)')
    const [oldHost, newHost] = await Promise.all([
      startNodeHost({ identity: files }),
      startNodeHost()
    ])
    hosts.push(oldHost!, newHost!)
    await Promise.all(hosts.map(h => h.waitForNode()))
    say(`   old host ${oldHost!.address}: identity ${origin}`)
    say(`   new host ${newHost!.address}: a fresh install that made its own identity`)

    step("Ask each node its NodeID, over SSH, as the guide's curl does")
    const before = { old: nodeIdOverSsh(oldHost!), new: nodeIdOverSsh(newHost!) }
    say(`   old host: ${before.old}`)
    say(`   new host: ${before.new}`)

    step('Back up the old node as the guide does')
    const backup = join(work, 'avalanche_backup')
    shell(`scp -r ubuntu@${oldHost!.address}:/home/ubuntu/.avalanchego/staking ${backup}`)
    execFileSync('scp', [
      ...oldHost!.sshArgs(),
      '-q',
      '-r',
      `ubuntu@${oldHost!.address}:/home/ubuntu/.avalanchego/staking`,
      backup
    ])

    step('Verify the backup offline with the CLI')
    shell(`avalanche-node-backup verify --staking-dir ${backup} --expected-node-id ${before.old}`)
    const verify = spawnSync(
      HOST_NODE,
      [CLI, 'verify', '--staking-dir', backup, '--expected-node-id', before.old],
      { encoding: 'utf8' }
    )
    say(verify.stdout.trimEnd().replace(/^(?=.)/gm, '   '))
    if (verify.status !== 0) throw new Error(`verification failed: ${verify.stderr}`)

    step('The old machine dies')
    say(
      '   (two nodes must never run with one NodeID at once: the old one is gone before the restore)'
    )
    await oldHost!.destroy()
    hosts.splice(hosts.indexOf(oldHost!), 1)

    step('Restore onto the new host with the CLI')
    const keyFile = join(work, 'id_ed25519')
    const knownHosts = join(work, 'known_hosts')
    writeFileSync(keyFile, newHost!.userKeys.ed25519.privateKey, { mode: 0o600 })
    writeFileSync(knownHosts, newHost!.knownHosts)
    const args = [
      'restore',
      '--backup-dir',
      backup,
      '--expected-node-id',
      before.old,
      '--host',
      newHost!.address,
      '--username',
      'ubuntu',
      '--ssh-key',
      keyFile,
      '--host-key',
      knownHosts
    ]
    shell(`avalanche-node-backup ${args.join(' ')}`)
    const restore = spawnSync(HOST_NODE, [CLI, ...args], { encoding: 'utf8' })
    say(restore.stdout.trimEnd().replace(/^(?=.)/gm, '   '))
    if (restore.status !== 0) throw new Error(`restore failed: ${restore.stderr}`)

    step("Ask the new host's node again")
    const after = nodeIdOverSsh(newHost!)
    say(`   new host: ${after}  (was ${before.new})`)
    say(
      after === before.old
        ? '   The new host runs the old identity.'
        : '   UNEXPECTED: the NodeID differs.'
    )
    if (after !== before.old) return 1
    return 0
  } finally {
    step('Tear both hosts down')
    await cleanup()
    say('   done: no host, no key file left behind.')
  }
}

process.exitCode = await main()
