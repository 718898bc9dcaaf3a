import { sha256Hex } from '../identity/sha256.js'
import { posix } from 'node:path'
import { STAKING_FILES, type StakingFile, type StakingFiles } from '../identity/errors.js'
import { sh } from '../transport/transport.js'
import {
  HostError,
  ROOT_STATE_DIR,
  stateDirFor,
  type HostFacts,
  type NodeHost
} from './node-host.js'
import { restoreTransactionScript as transactionScript } from './host-scripts.js'

/** What the host-side program is told to do (restore-transaction.sh, its ANB_* environment). */
export interface TransactionPlan {
  runId: string
  /** The new files' bytes (their hashes are checked on the host). */
  files: StakingFiles<Uint8Array>
  /** What the runner saw on the host: the files it expects to replace. */
  facts: HostFacts
  nodeId: string
  blsPublicKey: string
  /** The NodeID the node reported before, to prove it again after a rollback. */
  previousNodeId?: string
  apiUrl: URL
  waitSeconds: number
  lockWaitSeconds: number
}

/** The restore as it runs on the host: where its journal and previous files are. */
export interface Launched {
  previousDir: string
  journalPath: string
}

/** The directory of one staking directory's restores, when they run as root ('' otherwise). */
export function stateDirOf(host: NodeHost): string {
  return host.runsAsRoot ? stateDirFor(host.stakingDir) : ''
}

/** The kept previous files and the journal of a run. */
export function previousDirOf(host: NodeHost, runId: string): string {
  const state = stateDirOf(host)
  return state ? `${state}/previous-${runId}` : `${host.stakingDir}.previous-${runId}`
}

/**
 * One restore at a time on a staking directory. Run as root, the lock lives in a directory of
 * root's own (no other user can hold it first, or plant a link there); otherwise where the
 * program's user can make it.
 */
function lockFile(host: NodeHost, facts: HostFacts): string {
  const id = sha256Hex(Buffer.from(host.stakingDir)).slice(0, 12)
  const dir = host.runsAsRoot ? ROOT_LOCK_DIR : (facts.lockDir ?? '/tmp')
  return `${dir}/avalanche-node-backup-${id}.lock`
}

export const ROOT_LOCK_DIR = '/run/avalanche-node-backup'

/** The program's environment, as `env NAME=VALUE …` words for a shell command line. */
function environment(host: NodeHost, facts: HostFacts, values: Record<string, string>): string {
  const all: Record<string, string> = {
    ANB_DIR: host.stakingDir,
    ANB_LOGIN_USER: host.switchToLoginUser,
    ANB_SERVICE: host.settings.serviceName,
    ANB_STOP: host.settings.stopCommand ?? '',
    ANB_START: host.settings.startCommand ?? '',
    ANB_LOCK: lockFile(host, facts),
    ANB_STATE: stateDirOf(host),
    ...values
  }
  return `env ${Object.entries(all)
    .map(([k, v]) => sh(`${k}=${v}`))
    .join(' ')}`
}

const hashes = (f: (file: StakingFile) => string | null | undefined) =>
  // The program's order: staker.crt staker.key signer.key.
  (['staker.crt', 'staker.key', 'signer.key'] as const).map(x => f(x) ?? '-').join(' ')

/**
 * Starts the transaction on the host, detached from this connection (a new session that ignores
 * SIGHUP): the host finishes it, rollback included, whatever happens to us. Resolves once the
 * program runs; its journal says the rest.
 */
export async function launchTransaction(host: NodeHost, plan: TransactionPlan): Promise<Launched> {
  const previousDir = previousDirOf(host, plan.runId)
  const env = environment(host, plan.facts, {
    ANB_RUN: plan.runId,
    ANB_PREV: previousDir,
    ANB_WAIT: String(plan.waitSeconds),
    ANB_LOCK_WAIT: String(plan.lockWaitSeconds),
    ANB_NODE_ID: plan.nodeId,
    ANB_BLS: plan.blsPublicKey,
    ANB_OLD_NODE_ID: plan.previousNodeId ?? '',
    ANB_API: plan.apiUrl.origin,
    ANB_OLD: hashes(f => plan.facts.files[f].sha256),
    ANB_NEW: hashes(f => sha256Hex(plan.files[f]))
  })
  // The program is kept beside its journal (the operator can read what ran); stdin brings it.
  // The directory is this program's user's (root, mostly), 0750, in the staking directory's group:
  // the kept files are no more readable than they were, and the node's user cannot plant anything
  // in it (its program, its journal) for root to run or trust.
  const start =
    // Two restores may make root's directories at once: a mkdir that loses the race is fine when
    // a real directory (not a link) is
    // there; otherwise mkdir again, for its message.
    `umask 022 && { [ -z "$ANB_STATE" ] || { mkdir -m 755 ${ROOT_STATE_DIR} 2>/dev/null || [ -d ${ROOT_STATE_DIR} ] && [ ! -L ${ROOT_STATE_DIR} ] || mkdir -m 755 ${ROOT_STATE_DIR}; } && ` +
    `{ mkdir -m 755 "$ANB_STATE" 2>/dev/null || [ -d "$ANB_STATE" ] && [ ! -L "$ANB_STATE" ] || mkdir -m 755 "$ANB_STATE"; }; } && mkdir -m 750 "$ANB_PREV" && ` +
    `{ [ ! -d "$ANB_DIR" ] || chgrp "$(stat -c %g "$ANB_DIR")" "$ANB_PREV"; } && ` +
    `cat > "$ANB_PREV/restore.sh" && ` +
    `{ setsid -f sh "$ANB_PREV/restore.sh" run </dev/null >/dev/null 2>&1 || ` +
    `{ setsid sh "$ANB_PREV/restore.sh" run </dev/null >/dev/null 2>&1 & }; }`
  const r = await host.run(
    `${host.rootPrefix}${env} sh -c ${sh(start)}`,
    Buffer.from(transactionScript)
  )
  if (r.code !== 0)
    throw new HostError(
      `starting the restore on ${host.transport.label} failed (nothing was changed): ${r.stderr.trim()}`
    )
  return { previousDir, journalPath: posix.join(previousDir, 'restore.journal') }
}

/**
 * Rolls back every restore whose journal has no end and whose program is gone (a host that lost
 * power mid-restore), as its own rollback would have. Returns one line per journal.
 */
export async function recoverUnfinished(host: NodeHost, facts: HostFacts): Promise<string[]> {
  const env = environment(host, facts, { ANB_WAIT: '60', ANB_LOCK_WAIT: '60' })
  const r = await host.run(`${host.rootPrefix}${env} sh -s recover`, Buffer.from(transactionScript))
  const lines = r.stdout.toString().split('\n').filter(Boolean)
  if (r.code !== 0 || lines.some(l => l.startsWith('stuck') || l === 'busy'))
    throw new HostError(
      `an earlier restore on ${host.transport.label} did not finish, and putting its previous files back failed (${lines.join('; ') || r.stderr.trim()}). ` +
        `Look at its journal (${facts.openJournals.map(j => j.path).join(', ')}) and put the files named there back by hand before restoring again.`
    )
  return lines
}

/** The staking files as the host has them now, compared with the previous and the new set. */
export function compareFiles(
  facts: HostFacts,
  old: StakingFiles<string | null>,
  fresh: StakingFiles<string>
): { set: 'new' | 'old' | 'mixed'; detail: string } {
  const now = (f: StakingFile) =>
    facts.files[f].sha256 ?? (facts.files[f].exists ? 'unreadable' : null)
  const isNew = (f: StakingFile) => now(f) === fresh[f]
  const isOld = (f: StakingFile) => now(f) === old[f]
  const set = STAKING_FILES.every(isNew) ? 'new' : STAKING_FILES.every(isOld) ? 'old' : 'mixed'
  const word = (f: StakingFile) =>
    isNew(f) && isOld(f)
      ? 'same in both'
      : isNew(f)
        ? 'new'
        : isOld(f)
          ? 'previous'
          : now(f) === null
            ? 'missing'
            : 'neither'
  return { set, detail: STAKING_FILES.map(f => `${f} ${word(f)}`).join(', ') }
}
