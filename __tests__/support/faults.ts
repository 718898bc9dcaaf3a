// Fault injection for restores: the host-side program (src/node/restore-transaction.sh) pauses at
// a named point when the test host's /run/avalanche-node-backup-test/pause names it; the test then
// breaks something real (the SSH connection, the runner, the disk, a rename) and lets it go on.

import { createHash } from 'node:crypto'
import type { NodeHost } from '../../test-hosts/host.js'

const CONTROL = '/run/avalanche-node-backup-test'
export const FILES = ['staker.crt', 'staker.key', 'signer.key'] as const

export type Point =
  'after-stop' | 'between-renames' | 'before-start' | 'during-wait' | 'during-rollback'
export const POINTS: Point[] = [
  'after-stop',
  'between-renames',
  'before-start',
  'during-wait',
  'during-rollback'
]

export function armPause(host: NodeHost, point: Point): void {
  const r = host.exec(
    `mkdir -p ${CONTROL} && rm -f ${CONTROL}/* && echo ${point} > ${CONTROL}/pause`
  )
  if (r.code !== 0) throw new Error(`cannot arm ${point} on ${host.name}: ${r.stderr}`)
}

export async function reached(host: NodeHost, point: Point): Promise<void> {
  await until(
    () => host.exec(`test -e ${CONTROL}/reached-${point}`).code === 0,
    60_000,
    `the restore on ${host.name} to reach ${point}`
  )
}

export function resume(host: NodeHost, point: Point): void {
  host.exec(`touch ${CONTROL}/continue-${point}`)
}

/** Polls a condition; never a fixed sleep. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 50))
  }
}

/**
 * The previous-files directories of a host's restores, as a shell glob: run as root (as on the test
 * hosts, through sudo) they are root's, under /var/lib/avalanche-node-backup; otherwise beside the
 * staking directory.
 */
export const previousDirs = (host: NodeHost) =>
  `/var/lib/avalanche-node-backup/*/previous-* ${host.stakingDir}.previous-*`

/** The journal of the newest restore on the host (empty when there is none). */
export function journalOf(host: NodeHost): string {
  return host.exec(
    `cat "$(ls -d ${previousDirs(host)} 2>/dev/null | tail -n1)/restore.journal" 2>/dev/null`
  ).stdout
}

/** Waits until the host-side restore wrote its end line and its program is gone. */
export async function hostFinished(host: NodeHost): Promise<string> {
  await until(
    () => /^\d+ end /m.test(journalOf(host)) && host.exec("pgrep -f '[r]estore.sh run'").code !== 0,
    120_000,
    `the restore on ${host.name} to end`
  )
  return /^\d+ end (\S+)/m.exec(journalOf(host))![1]!
}

export interface Measured {
  files: Record<(typeof FILES)[number], string | null>
  nodeId?: string
  bls?: string
  unit: string
  /** Anything in the staking directory besides the three files. */
  leftovers: string[]
  /** Processes that still have a restore journal open. */
  journalOpen: string
}

/** The host as a separate login sees it (here: from inside, not through the action). */
export function measure(host: NodeHost): Measured {
  const sums = host
    .exec(
      `cd ${host.stakingDir} && for f in ${FILES.join(' ')}; do if [ -e $f ]; then sha256sum < $f | cut -d' ' -f1; else echo -; fi; done`
    )
    .stdout.split('\n')
  const files = Object.fromEntries(
    FILES.map((f, i) => [f, sums[i] && sums[i] !== '-' ? sums[i] : null])
  ) as Measured['files']
  const info = host.nodeInfo()
  return {
    files,
    ...(info ? { nodeId: info.nodeID } : {}),
    ...(info?.nodePOP ? { bls: info.nodePOP.publicKey } : {}),
    unit: host.service('is-active').stdout.trim(),
    leftovers: host
      .exec(`ls -A ${host.stakingDir}`)
      .stdout.split('\n')
      .filter(l => l && !(FILES as readonly string[]).includes(l) && l !== '.fill'),
    journalOpen: host
      .exec(`ls -l /proc/[0-9]*/fd 2>/dev/null | grep restore.journal || true`)
      .stdout.trim()
  }
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** Puts the staking directory on a small filesystem of its own, which a test can fill up. */
export function smallDisk(host: NodeHost): void {
  const d = host.stakingDir
  const r = host.exec(
    `set -e; cp -a ${d} /run/staking-copy; mount -t tmpfs -o size=64k,mode=750 tmpfs ${d}; cp -a /run/staking-copy/. ${d}/; chown ubuntu:ubuntu ${d}; rm -rf /run/staking-copy`
  )
  if (r.code !== 0) throw new Error(`small disk on ${host.name}: ${r.stderr}`)
}

export function fillDisk(host: NodeHost): void {
  host.exec(
    `dd if=/dev/zero of=${host.stakingDir}/.fill bs=1k 2>/dev/null; df -k ${host.stakingDir} | tail -n1`
  )
}

/** A file that refuses to be replaced by a rename (EBUSY: a mount point), like chattr +i. */
export function refuseRenames(host: NodeHost, file: string): void {
  const r = host.exec(`mount --bind ${host.stakingDir}/${file} ${host.stakingDir}/${file}`)
  if (r.code !== 0) throw new Error(`bind mount on ${host.name}: ${r.stderr}`)
}

/** Cuts every SSH session of the login user on the host (the connection drops mid-run). */
export function dropConnections(host: NodeHost): void {
  host.exec(`pkill -KILL -f 'sshd: ubuntu'`)
}
