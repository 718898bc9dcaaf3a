import * as core from '@actions/core'
import { connectSsh } from './host/ssh.js'
import { localTransport } from './host/local.js'
import { errorMessage, type Log } from './log.js'
import { restore } from './modes/restore.js'
import { verify } from './modes/verify.js'
import { failureMessage, reportRestore, setIdentityOutputs, writeChecksSummary } from './report.js'
import { readSettings, type HostSettings, type Settings } from './settings.js'

const actionLog: Log = {
  info: m => core.info(m),
  debug: m => core.debug(m),
  warning: m => core.warning(m),
  group: (name, fn) => core.group(name, fn)
}

/** The action: read the settings, run the mode, report. The only place that fails the step. */
export async function run(): Promise<void> {
  try {
    const settings = readSettings()
    const failure = settings.host
      ? await runRestore(settings, settings.host)
      : await runVerify(settings)
    if (failure) core.setFailed(failure)
  } catch (e) {
    core.setFailed(errorMessage(e))
  }
}

async function runVerify(settings: Settings): Promise<string | undefined> {
  const report = await verify(
    { files: settings.files, expected: settings.expected, proofOfPossession: true },
    actionLog
  )
  setIdentityOutputs(settings.mode, report)
  await writeChecksSummary('Backup verification', report)
  return report.ok ? undefined : failureMessage(report)
}

async function runRestore(settings: Settings, host: HostSettings): Promise<string | undefined> {
  const target = host.target
  const outcome = await restore(
    {
      files: settings.files,
      expected: settings.expected,
      connect: () =>
        target.kind === 'ssh'
          ? connectSsh(target.ssh, actionLog)
          : Promise.resolve(localTransport()),
      host: host.node,
      apiUrl: host.apiUrl,
      waitTimeoutMs: host.waitTimeoutMs,
      force: host.force,
      lockWaitSeconds: 60
    },
    actionLog
  )
  await reportRestore(outcome)
  return outcome.ok ? undefined : outcome.error
}
