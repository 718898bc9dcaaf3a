import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import { STAKING_FILES, type StakingFile } from '../identity/errors.js'
import { sh, type ExecResult, type Held, type HostTransport } from '../host/transport.js'

export type SudoMode = 'auto' | 'true' | 'false'

export interface NodeHostSettings {
  /** The staking directory; a leading `~/` is the login user's home. */
  stakingDir: string
  serviceName: string
  sudo: SudoMode
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

/** What is on the host before anything changes. */
export interface HostFacts {
  loginUser: string
  stakingDir: string
  dirExists: boolean
  /** We could look inside the directory (search permission); otherwise its files show as missing. */
  dirAccessible: boolean
  dirOwner?: string
  dirMode?: string
  files: Record<StakingFile, FileFacts>
  /** User= of the service unit, when systemd runs the node. */
  serviceUser?: string
  /** The user that owns (or will own) the node's files. */
  nodeUser: string
}

/** A step on the host failed in a way the operator must act on; the message says how. */
export class HostError extends Error {
  override readonly name = 'HostError'
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

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
    private readonly settings: NodeHostSettings
  ) {}

  /** Who we are, where the staking directory is, and whether sudo works without a password. */
  async probe(): Promise<void> {
    const r = await this.run(
      `printf '%s\\n' "$(id -un)" "$(id -u)" "$HOME"; if sudo -n true 2>/dev/null; then echo sudo; else echo nosudo; fi`
    )
    const [user, uid, home, sudo] = r.stdout.toString().split('\n')
    this.loginUser = user ?? ''
    this.loginUid = Number(uid)
    this.sudoOk = sudo === 'sudo'
    const dir = this.settings.stakingDir.replace(/^~(?=\/|$)/, home ?? '~')
    if (!dir.startsWith('/'))
      throw new HostError(
        `staking-dir must be absolute or start with ~/ (got '${this.settings.stakingDir}')`
      )
    this.stakingDir = posix.normalize(dir).replace(/\/$/, '')
  }

  private get usesSystemd(): boolean {
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
  private get needsRoot(): boolean {
    return this.loginUid !== 0 && (this.usesSystemd || this.nodeUser !== this.loginUser)
  }

  private get root(): string {
    return this.loginUid === 0 ? '' : 'sudo -n '
  }

  private get asNode(): string {
    if (this.nodeUser === this.loginUser) return ''
    return this.loginUid === 0
      ? `runuser -u ${sh(this.nodeUser)} -- `
      : `sudo -n -u ${sh(this.nodeUser)} -- `
  }

  /** Reads the staking directory (hashes, owners, modes) and the service's user. Changes nothing. */
  async inspect(privileged = true): Promise<HostFacts> {
    const script = [
      'dir=$1; svc=$2',
      'if [ -d "$dir" ]; then echo "dir $(stat -c "%U %a" "$dir") $([ -x "$dir" ] && echo open || echo closed)"; else echo "dir -"; fi',
      'for f in staker.crt staker.key signer.key; do',
      '  p="$dir/$f"',
      '  if [ ! -f "$p" ]; then echo "$f -"',
      '  elif [ -r "$p" ]; then echo "$f $(stat -c "%U %a" "$p") $(sha256sum < "$p" | cut -d" " -f1)"',
      '  else echo "$f $(stat -c "%U %a" "$p") unreadable"; fi',
      'done',
      'if command -v systemctl >/dev/null 2>&1; then',
      '  echo "unit $(systemctl show -p LoadState --value "$svc" 2>/dev/null)"',
      '  echo "service $(systemctl show -p User --value "$svc" 2>/dev/null)"',
      'fi'
    ].join('\n')
    // Reading the 0400 files needs their owner or root: with privileged, sudo when it works.
    const prefix = privileged && this.loginUid !== 0 && this.sudoOk ? 'sudo -n ' : ''
    const r = await this.run(
      `${prefix}sh -s -- ${sh(this.stakingDir)} ${sh(this.settings.serviceName)}`,
      Buffer.from(script)
    )
    const lines = new Map(
      r.stdout
        .toString()
        .split('\n')
        .filter(Boolean)
        .map(l => [l.split(' ')[0]!, l.split(' ').slice(1)])
    )
    const files = {} as Record<StakingFile, FileFacts>
    for (const f of STAKING_FILES) {
      const [owner, mode, sha256] = lines.get(f) ?? ['-']
      files[f] =
        owner === '-' || owner === undefined
          ? { exists: false }
          : {
              exists: true,
              owner,
              mode: mode!,
              ...(sha256 !== 'unreadable' ? { sha256: sha256! } : {})
            }
    }
    const [dirOwner, dirMode, dirAccess] = lines.get('dir') ?? ['-']
    const dirExists = dirOwner !== '-' && dirOwner !== undefined
    const serviceUser = this.usesSystemd
      ? (lines.get('service')?.[0] ?? '') || undefined
      : undefined
    this.unitLoaded = lines.get('unit')?.[0] === 'loaded'
    this.nodeUser = dirExists ? dirOwner! : (serviceUser ?? this.loginUser)
    return {
      loginUser: this.loginUser,
      stakingDir: this.stakingDir,
      dirExists,
      dirAccessible: dirAccess === 'open',
      ...(dirExists ? { dirOwner: dirOwner!, dirMode: dirMode! } : {}),
      files,
      ...(serviceUser ? { serviceUser } : {}),
      nodeUser: this.nodeUser
    }
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
        `the staking directory is not writable: ${this.nodeUser} cannot write ${target} on ${this.transport.label} (exit ${w.code}${w.stderr.trim() ? `: ${w.stderr.trim()}` : ''}). Fix its owner or mode, or set staking-dir.`
      )
    }
  }

  /**
   * One restore at a time: an flock held by a command that lives as long as this run's session,
   * so a lost connection releases it too. Waits up to waitSeconds for another run to finish. The
   * lock file lives in /run/lock (a tmpfs), so the host's own directories are left as they were.
   */
  async lock(waitSeconds: number): Promise<Held | undefined> {
    const id = sha256Hex(Buffer.from(this.stakingDir)).slice(0, 12)
    const where = await this.run(
      `command -v flock >/dev/null || exit 3; test -d /run/lock && test -w /run/lock && echo /run/lock || echo ${sh(posix.dirname(this.stakingDir))}`
    )
    if (where.code === 3) return undefined
    const lockFile = `${where.stdout.toString().trim()}/avalanche-node-backup-${id}.lock`
    try {
      return await this.transport.hold(
        `flock -w ${waitSeconds} -E 75 ${sh(lockFile)} sh -c 'echo locked; exec cat >/dev/null'`
      )
    } catch (e) {
      const code = (e as { result?: ExecResult }).result?.code
      if (code === 75) {
        throw new HostError(
          `another restore is running on ${this.transport.label} (it holds ${lockFile}); waited ${waitSeconds} s. Let it finish, then run again.`
        )
      }
      throw e
    }
  }

  tempName(file: StakingFile, runId: string): string {
    return `${this.stakingDir}/.${file}.restore-${runId}`
  }

  /** Writes a file under a temporary name, mode 0400 from creation, as the node's user; returns its sha256 on the host. */
  async upload(file: StakingFile, bytes: Uint8Array, runId: string): Promise<void> {
    const path = this.tempName(file, runId)
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

  async makeStakingDir(): Promise<void> {
    const r = await this.run(`${this.asNode}mkdir -p -m 750 ${sh(this.stakingDir)}`)
    if (r.code !== 0) throw new HostError(`cannot create ${this.stakingDir}: ${r.stderr.trim()}`)
  }

  async removeTemp(runId: string): Promise<void> {
    await this.run(
      `${this.asNode}rm -f ${STAKING_FILES.map(f => sh(this.tempName(f, runId))).join(' ')}`
    )
  }

  /**
   * Keeps the current files in `previous` (hard links: the originals, untouched) and moves the
   * uploaded ones into place, each rename atomic; the directory ends 0750.
   */
  async swap(previous: string, runId: string): Promise<void> {
    const script = [
      'set -e',
      'dir=$1; prev=$2; run=$3',
      'mkdir -m 700 "$prev"',
      'for f in staker.crt staker.key signer.key; do',
      '  if [ -e "$dir/$f" ]; then ln "$dir/$f" "$prev/$f" 2>/dev/null || cp -p "$dir/$f" "$prev/$f"; fi',
      'done',
      'for f in staker.crt staker.key signer.key; do mv -f "$dir/.$f.restore-$run" "$dir/$f"; done',
      'chmod 750 "$dir"'
    ].join('\n')
    const r = await this.run(
      `${this.asNode}sh -s -- ${sh(this.stakingDir)} ${sh(previous)} ${sh(runId)}`,
      Buffer.from(script)
    )
    if (r.code !== 0) throw new HostError(`putting the files in place failed: ${r.stderr.trim()}`)
  }

  /**
   * Puts the kept files back (copies: `previous` stays as it is). A file that did not exist before
   * is moved aside into `previous`/restored-…, never deleted.
   */
  async rollback(previous: string): Promise<void> {
    const script = [
      'set -e',
      'dir=$1; prev=$2',
      'for f in staker.crt staker.key signer.key; do',
      '  if [ -e "$prev/$f" ]; then cp -p "$prev/$f" "$dir/.$f.rollback" && mv -f "$dir/.$f.rollback" "$dir/$f";',
      '  elif [ -e "$dir/$f" ]; then mkdir -p "$prev/not-restored" && mv -f "$dir/$f" "$prev/not-restored/$f"; fi',
      'done'
    ].join('\n')
    const r = await this.run(
      `${this.asNode}sh -s -- ${sh(this.stakingDir)} ${sh(previous)}`,
      Buffer.from(script)
    )
    if (r.code !== 0)
      throw new HostError(`putting the previous files back failed: ${r.stderr.trim()}`)
  }

  async stopNode(): Promise<void> {
    await this.control('stop', this.settings.stopCommand)
  }

  async startNode(): Promise<void> {
    await this.control('start', this.settings.startCommand)
  }

  private async control(verb: 'stop' | 'start', custom?: string): Promise<void> {
    const cmd = custom ?? `${this.root}systemctl ${verb} ${sh(this.settings.serviceName)}`
    const r = await this.run(cmd)
    if (r.code !== 0)
      throw new HostError(
        `${verb} the node failed (${custom ? `${verb}-command` : cmd} exited ${r.code}): ${r.stderr.trim()}`
      )
  }

  private run(command: string, stdin?: Buffer): Promise<ExecResult> {
    return this.transport.exec(command, stdin)
  }
}
