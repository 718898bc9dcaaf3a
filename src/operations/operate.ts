import type { Log } from '../log.js'
import type { Connector } from './connect.js'
import type { Settings } from '../settings/modes.js'
import type { BackupOutcome } from './backup.js'
import type { ProbeOutcome } from './probe.js'
import type { RestoreOutcome } from './restore.js'
import type { VerifyOutcome } from './verify.js'

export type Outcome = VerifyOutcome | RestoreOutcome | BackupOutcome | ProbeOutcome

/**
 * Runs the operation a mode's settings ask for: the one entry the action and the CLI share.
 * `signal`: the job (or the terminal) asked to stop; a restore stops watching and says so.
 */
export async function operate(
  settings: Settings,
  log: Log,
  connect: Connector,
  signal?: AbortSignal
): Promise<Outcome> {
  // Each operation loads when its mode runs: the CLI's verify starts without the HTTP, TLS and
  // SSH stacks the others need (see npm run bench).
  switch (settings.mode) {
    case 'verify':
      return (await import('./verify.js')).verifyBackup(settings, log, connect)
    case 'restore':
      return (await import('./restore.js')).restoreBackup(settings, log, connect, signal)
    case 'backup':
      return (await import('./backup.js')).takeBackup(settings, log, connect)
    case 'probe':
      return (await import('./probe.js')).probe(settings, log)
  }
}
