import { sha256Hex } from '../identity/sha256.js'
import { posix } from 'node:path'
import { STAKING_FILES, type StakingFile, type StakingFiles } from '../identity/errors.js'
import { sh, type ExecResult, type HostTransport } from '../transport/transport.js'
import {
  discoverHostScript as discoverScript,
  inspectHostScript as inspectScript
} from './host-scripts.js'
import {
  configSource,
  containerFacts,
  hostPath,
  parseConfig,
  throughMounts,
  resolveIdentity,
  type IdentityLocation,
  type NodeView
} from './identity-location.js'

export type SudoMode = 'auto' | 'true' | 'false'

export interface NodeHostSettings {
  /**
   * The staking directory, an explicit override; a leading `~/` is the login user's home. Without
   * it, the host is asked where the node takes its identity from (discover-host.sh).
   */
  stakingDir?: string
  serviceName: string
  sudo: SudoMode
  /** The Docker container that runs the node (docker inspect says where its identity is). */
  container?: string
  /** Commands that stop and start the node where systemd does not run it (e.g. Docker). */
  stopCommand?: string
  startCommand?: string
}

export interface FileFacts {
  exists: boolean
  owner?: string
  mode?: string
  /** Absent when the file exists but could not be read. */
  sha256?: string
}

/** A restore journal on the host that has no end: still running, or cut short (power loss). */
export interface OpenJournal {
  path: string
  state: 'running' | 'unfinished'
}

/** What is on the host before anything changes. */
export interface HostFacts {
  loginUser: string
  stakingDir: string
  dirExists: boolean
  /** We could look inside the directory (search permission); otherwise its files show as missing. */
  dirAccessible: boolean
  /** A parent of the directory cannot be entered: whether it exists is not known. */
  dirHidden: boolean
  dirOwner?: string
  dirMode?: string
  files: StakingFiles<FileFacts>
  /** User= of the service unit, when systemd runs the node (root when the unit names none). */
  serviceUser?: string
  /** The user the node runs as, who owns (or will own) its files. */
  nodeUser: string
  /** systemd's ActiveState of the unit (active, activating, failed, inactive), when systemd runs it. */
  unitState?: string
  /** Commands a restore needs on the host that are missing there. */
  missingTools: string[]
  /** Where a lock file can be made (by the user the restore runs as on the host). */
  lockDir?: string
  openJournals: OpenJournal[]
}

/** What an open restore journal means for a backup or a verify, in a sentence; undefined when none. */
export function openRestoreNotice(facts: HostFacts): string | undefined {
  const running = facts.openJournals.find(j => j.state === 'running')
  if (running)
    return `a restore is running on this host right now (journal ${running.path}): the files are changing; run again when it has ended.`
  const cut = facts.openJournals[0]
  if (cut)
    return `a restore on this host did not finish (journal ${cut.path}; the host probably lost power during it): the files may be a mix of two identities. Run the restore again (it puts the previous files back first), or put back the files the journal names by hand.`
  return undefined
}

/** A step on the host failed in a way the operator must act on; the message says how. */
export class HostError extends Error {
  override readonly name = 'HostError'
}

/**
 * What an avalanchego host is to us: a staking directory owned by the node's user, a service to
 * stop and start, and who may do what. Every change runs as the node's user (so files are theirs
 * from creation) and service control as root, through `sudo -n` when the login user is not root.
 */
export class NodeHost {
  private loginUser = ''
  private loginUid = -1
  private nodeUser = ''
  private sudoOk = false
  private unitLoaded = false
  stakingDir = ''

  constructor(
    public transport: HostTransport,
    readonly settings: NodeHostSettings
  ) {}

  /** Who we are, where the staking directory is, and whether sudo works without a password. */
  async locate(): Promise<void> {
    const r = await this.run(
      `printf '%s\\n' "$(id -un)" "$(id -u)" "$HOME"; if sudo -n true 2>/dev/null; then echo sudo; else echo nosudo; fi`
    )
    const [user, uid, home, sudo] = r.stdout.toString().split('\n')
    this.loginUser = user ?? ''
    this.loginUid = Number(uid)
    this.sudoOk = sudo === 'sudo'
    if (!this.settings.stakingDir) return this.discover()
    const dir = this.settings.stakingDir.replace(/^~(?=\/|$)/, home ?? '~')
    if (!dir.startsWith('/')) throw new HostError(`staking-dir must be absolute or start with ~/.`)
    this.stakingDir = posix.normalize(dir).replace(/\/$/, '')
    this.locationText = `${this.stakingDir} (staking-dir)`
  }

  /** A node in Docker: `docker inspect` gives its user, command, environment and mounts. */
  private async discoverContainer(prefix: string, container: string): Promise<void> {
    const r = await this.run(`${prefix}docker inspect --type container ${sh(container)}`)
    if (r.code !== 0)
      throw new HostError(
        `docker inspect found no container named by the container input on ${this.transport.label} (or docker needs root, and sudo -n does not work). Check the name with docker ps.`
      )
    const c = containerFacts(r.stdout.toString())
    const { config, how } = await this.nodeConfig(
      c.view,
      prefix,
      path => hostPath(path, c.mounts),
      'is not on a mounted directory this host can read: set staking-dir to the host path of the staking directory.'
    )
    this.location = throughMounts(resolveIdentity(c.view, config, how), c.mounts)
    this.containerUser = /^\d+$/.test(c.user) ? await this.userName(c.user) : c.user
    this.stakingDir = this.location.stakingDir ?? `${this.location.dataDir}/staking`
    this.locationText = printable(
      `${this.location.description}; found from docker inspect of the container`
    )
  }

  /**
   * The node's config keys: from --config-file-content, or the config file read on the host (its
   * path as the host sees it: through a container's mounts); `unreadable` ends the refusal.
   */
  private async nodeConfig(
    view: NodeView,
    prefix: string,
    onHost: (path: string) => string | undefined,
    unreadable: string
  ): Promise<{ config?: Map<string, string>; how?: string }> {
    const source = configSource(view)
    if (!source) return {}
    if ('content' in source) return { config: parseConfig(source.content), how: source.how }
    const path = onHost(source.path)
    const read = path ? await this.run(`${prefix}cat ${sh(path)}`) : undefined
    if (!read || read.code !== 0) throw new HostError(`the node's ${source.how} ${unreadable}`)
    return { config: parseConfig(read.stdout.toString()), how: source.how }
  }

  /** The container's user as the host names it (files on the host carry its uid). */
  private async userName(uid: string): Promise<string> {
    const r = await this.run(`getent passwd ${sh(uid)} | cut -d: -f1`)
    const name = r.stdout.toString().trim()
    if (!name)
      throw new HostError(
        `the container runs as uid ${uid}, which has no name on the host: give staking-dir, and stop-command and start-command.`
      )
    return name
  }

  private containerUser?: string

  /** Where this node's identity lives, by avalanchego's rules; undefined with staking-dir given. */
  location?: IdentityLocation
  /** Where the identity lives and how that was found, for the log and the output identity-location. */
  locationText = ''

  /**
   * Asks the host where the node takes its identity from: the unit (or the running process), its
   * environment and its config file, resolved as avalanchego resolves them.
   */
  private async discover(): Promise<void> {
    const prefix = this.loginUid !== 0 && this.sudoOk ? 'sudo -n ' : ''
    if (this.settings.container) return this.discoverContainer(prefix, this.settings.container)
    const r = await this.run(
      `${prefix}sh -s -- ${sh(this.settings.serviceName)} ${this.usesSystemd ? 'systemd' : 'commands'}`,
      Buffer.from(discoverScript)
    )
    const view = nodeView(r.stdout.toString())
    // avalanchego refuses to start with a config file it cannot read: say so, change nothing.
    const { config, how } = await this.nodeConfig(
      view,
      prefix,
      path => path,
      'cannot be read (avalanchego would not start with it either). Fix it, or set staking-dir.'
    )
    this.location = resolveIdentity(view, config, how)
    this.stakingDir =
      this.location.stakingDir ??
      posix.dirname(
        this.location.tls.kind === 'files'
          ? this.location.tls.cert
          : `${this.location.dataDir}/staking/x`
      )
    this.locationText = printable(
      `${this.location.description}; found from ${view.source === 'process' ? 'the running node' : "the service's unit"}`
    )
  }

  get usesSystemd(): boolean {
    return !(this.settings.stopCommand && this.settings.startCommand)
  }

  /** `sudo -n` works for the login user (or it is root). */
  get canSudo(): boolean {
    return this.loginUid === 0 || this.sudoOk
  }

  /** Reads one staking file (for a backup): as root or the node's user when needed. */
  async readStakingFile(file: StakingFile): Promise<Buffer> {
    const path = `${this.stakingDir}/${file}`
    const prefix = this.loginUid !== 0 && this.sudoOk ? 'sudo -n ' : ''
    const r = await this.run(`${prefix}cat ${sh(path)}`)
    if (r.code !== 0) {
      throw new HostError(
        `cannot read ${path} on ${this.transport.label} as ${this.loginUser}${prefix ? ' with sudo' : ''}: ${r.stderr.trim()}. Log in as the node's user or allow sudo -n.`
      )
    }
    return r.stdout
  }

  /** Root is needed for systemctl, and to act as another user than the login user. */
  get needsRoot(): boolean {
    return this.loginUid !== 0 && (this.usesSystemd || this.nodeUser !== this.loginUser)
  }

  /** The host-side program runs as root (through sudo, or logged in as root). */
  get runsAsRoot(): boolean {
    return this.needsRoot || this.loginUid === 0
  }

  /** How the restore's host-side program is started: as root when needed, else as the login user. */
  get rootPrefix(): string {
    return this.needsRoot ? 'sudo -n ' : ''
  }

  /** The user the host-side program runs stop-command and start-command as ('' for itself). */
  get switchToLoginUser(): string {
    // docker stop/start of a container run as root, like the rest of the restore.
    return this.needsRoot && !this.usesSystemd && !this.settings.container ? this.loginUser : ''
  }

  private get asNode(): string {
    if (this.nodeUser === this.loginUser) return ''
    return this.loginUid === 0
      ? // runuser is in /usr/sbin, which a root login's PATH over SSH may lack.
        `PATH="$PATH:/usr/sbin:/sbin" runuser -u ${sh(this.nodeUser)} -- `
      : `sudo -n -u ${sh(this.nodeUser)} -- `
  }

  /**
   * Reads the staking directory (hashes, owners, modes), the unit's user and state, the tools a
   * restore needs and any restore journal left open. Changes nothing.
   */
  async inspect(privileged = true): Promise<HostFacts> {
    // Reading the 0400 files needs their owner or root: with privileged, sudo when it works.
    const prefix = privileged && this.loginUid !== 0 && this.sudoOk ? 'sudo -n ' : ''
    const r = await this.run(
      `${prefix}sh -s -- ${sh(this.stakingDir)} ${sh(this.settings.serviceName)} ${sh(stateDirFor(this.stakingDir))} ${STAKING_FILES.join(' ')}`,
      Buffer.from(inspectScript)
    )
    const out = r.stdout.toString().split('\n').filter(Boolean)
    const lines = new Map(out.map(l => [l.split(' ')[0]!, l.split(' ').slice(1)]))
    const files = {} as StakingFiles<FileFacts>
    for (const f of STAKING_FILES) files[f] = fileFacts(lines.get(f))
    const [dirOwner, dirMode, dirAccess] = lines.get('dir') ?? ['-']
    const dirExists = dirOwner !== '-' && dirOwner !== '?' && dirOwner !== undefined
    this.unitLoaded = lines.get('unit')?.[0] === 'loaded'
    // systemd runs the service as User=, root when the unit names none.
    const serviceUser =
      this.usesSystemd && this.unitLoaded ? lines.get('user')?.[0] || 'root' : undefined
    this.nodeUser = serviceUser ?? this.containerUser ?? (dirExists ? dirOwner! : this.loginUser)
    const unitState = this.usesSystemd ? lines.get('state')?.[0] : undefined
    return {
      loginUser: this.loginUser,
      stakingDir: this.stakingDir,
      dirExists,
      dirAccessible: dirAccess === 'open',
      dirHidden: dirOwner === '?',
      ...(dirExists ? { dirOwner: dirOwner!, dirMode: dirMode! } : {}),
      files,
      ...(serviceUser ? { serviceUser } : {}),
      nodeUser: this.nodeUser,
      ...(unitState ? { unitState } : {}),
      missingTools: (lines.get('missing') ?? []).filter(t => t !== 'runuser' || this.needsRunuser),
      ...(lines.get('lockdir')?.[0] ? { lockDir: lines.get('lockdir')![0]! } : {}),
      openJournals: out
        .map(l => /^journal (running|unfinished) (\d+) (\/.*)$/.exec(l))
        // Only journals a restore of ours wrote: root's, or the login user's where it runs without
        // root. Anyone else's (the node's user can write beside the staking directory) is not ours.
        .filter(m => m && (m[2] === '0' || (!this.runsAsRoot && Number(m[2]) === this.loginUid)))
        .map(m => ({ state: m![1] as OpenJournal['state'], path: m![3]! }))
    }
  }

  /** The host-side program runs as root (renames keep each file's owner) or as the node's user. */
  private get needsRunuser(): boolean {
    return this.switchToLoginUser !== ''
  }

  /** inspect(), with sudo only when the login user cannot read the files itself (sudo costs a round of PAM). */
  async inspectAsNeeded(): Promise<HostFacts> {
    const facts = await this.inspect(false)
    const blocked =
      facts.dirHidden ||
      (facts.dirExists && !facts.dirAccessible) ||
      STAKING_FILES.some(f => facts.files[f].exists && !facts.files[f].sha256)
    return blocked && this.canSudo ? this.inspect(true) : facts
  }

  /**
   * Refuses, before anything changes, what would fail half-way: sudo that needs a password or is
   * switched off while root is needed, and a staking directory the node's user cannot write.
   */
  async checkPermissions(): Promise<void> {
    if (this.usesSystemd && !this.unitLoaded) {
      throw new HostError(
        `${this.transport.label} has no ${this.settings.serviceName} service (systemctl knows no such unit). ` +
          `Is this the node? Set host to reach it over SSH, service-name to its unit, or stop-command and start-command.`
      )
    }
    if (this.needsRoot && this.settings.sudo === 'false') {
      throw new HostError(
        `${this.usesSystemd ? `stopping the node with systemctl` : `writing as ${this.nodeUser}`} needs root, but sudo is false and ${this.loginUser} is not root. ` +
          `Set sudo: auto, log in as root, or give stop-command and start-command.`
      )
    }
    if (this.needsRoot && !this.sudoOk) {
      throw new HostError(
        `sudo on ${this.transport.label} asks ${this.loginUser} for a password, and a restore cannot type one. ` +
          `Allow it without a password for this user (a sudoers line like '${this.loginUser} ALL=(ALL) NOPASSWD: ALL', or narrower), or log in as a user that has it.`
      )
    }
    // One round trip: the staking directory, or the nearest existing parent it would be made in,
    // must be writable by the node's user.
    const w = await this.run(
      `${this.asNode}sh -c 'p=$1; while [ ! -e "$p" ]; do p=$(dirname "$p"); done; echo "$p"; test -w "$p" && test -x "$p"' sh ${sh(this.stakingDir)}`
    )
    const target = w.stdout.toString().trim() || this.stakingDir
    if (w.code !== 0) {
      throw new HostError(
        `the staking directory is not writable: ${this.nodeUser} (the node's user) cannot write ${target} on ${this.transport.label} (exit ${w.code}${w.stderr.trim() ? `: ${w.stderr.trim()}` : ''}). Fix its owner or mode, or set staking-dir.`
      )
    }
  }

  /** The name an uploaded file has until the host-side program moves it into place. */
  stagedName(file: StakingFile, runId: string): string {
    return `${this.stakingDir}/.${file}.new-${runId}`
  }

  /** Writes a file under its staged name, mode 0400 from creation, as the node's user; checks its sha256 on the host. */
  async upload(file: StakingFile, bytes: Uint8Array, runId: string): Promise<void> {
    const path = this.stagedName(file, runId)
    const r = await this.run(
      `${this.asNode}sh -c 'umask 377 && cat > "$1" && sha256sum "$1"' sh ${sh(path)}`,
      Buffer.from(bytes)
    )
    const onHost = r.stdout.toString().split(' ')[0]
    if (r.code !== 0 || onHost !== sha256Hex(bytes)) {
      throw new HostError(
        `uploading ${file} to ${path} failed${r.code !== 0 ? `: ${r.stderr.trim()}` : ': its sha256 on the host differs (the transfer was damaged)'}`
      )
    }
  }

  /** The staking directory and any missing parent, as the node's user, 0750 like avalanchego. */
  async makeStakingDir(): Promise<void> {
    const r = await this.run(
      `${this.asNode}sh -c 'p=$1; todo=; while [ ! -e "$p" ]; do todo="$p
$todo"; p=$(dirname "$p"); done; printf "%s" "$todo" | while IFS= read -r d; do [ -n "$d" ] && mkdir -m 750 "$d" || exit 1; done' sh ${sh(this.stakingDir)}`
    )
    if (r.code !== 0) throw new HostError(`cannot create ${this.stakingDir}: ${r.stderr.trim()}`)
  }

  async removeStaged(runId: string): Promise<void> {
    await this.run(
      `${this.asNode}rm -f ${STAKING_FILES.map(f => sh(this.stagedName(f, runId))).join(' ')}`
    )
  }

  run(command: string, stdin?: Buffer): Promise<ExecResult> {
    return this.transport.exec(command, stdin)
  }
}

/**
 * Where root keeps its restores' journals and previous files for a staking directory: a directory
 * of root's own. Not beside the staking directory: that lies in a directory the node's user owns,
 * who could swap root's directory for a link and have root write where they choose.
 */
export const ROOT_STATE_DIR = '/var/lib/avalanche-node-backup'

export const stateDirFor = (stakingDir: string) =>
  `${ROOT_STATE_DIR}/${sha256Hex(Buffer.from(stakingDir)).slice(0, 12)}`

/** One line, no control characters: it becomes an output (paths on the host may hold any byte). */
const printable = (text: string) => [...text].map(c => (/\p{Cc}/u.test(c) ? '?' : c)).join('')

/** discover-host.sh's lines as the node's view: the running process's, else the unit's. */
export function nodeView(text: string): NodeView {
  const facts: [string, string][] = text
    .split('\n')
    .filter(Boolean)
    .map(l => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')])
  const one = (k: string) =>
    Buffer.from(facts.find(([n]) => n === k)?.[1] ?? '', 'base64').toString()
  const all = (k: string) => facts.filter(([n]) => n === k).map(([, v]) => v)
  const args = all('arg').map(a => Buffer.from(a, 'base64').toString())
  const home = one('home')
  if (args.length)
    return {
      argv: args,
      env: envOf(all('env').map(e => Buffer.from(e, 'base64').toString())),
      cwd: one('cwd') || '/',
      source: 'process'
    }
  // Not running: the unit's command line and environment (EnvironmentFile= wins over Environment=).
  const exec = one('unit-execstart')
  const argv = (/argv\[\]=([^;]*)/.exec(exec)?.[1] ?? exec).trim().split(/\s+/).filter(Boolean)
  const unitEnv = (one('unit-env').match(/"[^"]*"|\S+/g) ?? []).map(p => p.replace(/^"|"$/g, ''))
  const files = all('envfile').flatMap(f =>
    Buffer.from(f.split(' ')[1] ?? '', 'base64')
      .toString()
      .split('\n')
      .map(l => l.trim())
      .filter(l => l && !l.startsWith('#'))
      .map(l => l.replace(/^export\s+/, '').replace(/^([^=]+)=(["'])(.*)\2$/, '$1=$3'))
  )
  const workdir = one('unit-workdir')
  // systemd sets $HOME only for a unit with User= (systemd.exec(5)): without it, avalanchego's
  // default data directory is "$HOME/.avalanchego" with an empty $HOME, /.avalanchego.
  const userSet = one('unit-user') !== '' || !facts.some(([n]) => n === 'unit-user')
  return {
    argv,
    env: { ...(userSet ? { HOME: home } : {}), ...envOf([...unitEnv, ...files]) },
    cwd: workdir === '~' ? home : workdir || '/',
    source: 'unit'
  }
}

function envOf(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const p of pairs) {
    const eq = p.indexOf('=')
    if (eq > 0) env[p.slice(0, eq)] = p.slice(eq + 1)
  }
  return env
}

function fileFacts(fields: string[] | undefined): FileFacts {
  const [owner, mode, sha256] = fields ?? ['-']
  if (owner === '-' || owner === undefined) return { exists: false }
  return {
    exists: true,
    owner,
    mode: mode!,
    ...(sha256 !== 'unreadable' ? { sha256: sha256! } : {})
  }
}
