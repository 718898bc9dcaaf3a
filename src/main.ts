import * as core from '@actions/core'
import { errorMessage, type Log } from './log.js'
import { verify } from './modes/verify.js'
import { failureMessage, setIdentityOutputs, writeChecksSummary } from './report.js'
import { readSettings } from './settings.js'

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
    const report = await verify(
      { files: settings.files, expected: settings.expected, proofOfPossession: true },
      actionLog
    )
    setIdentityOutputs(settings.mode, report)
    await writeChecksSummary('Backup verification', report)
    if (!report.ok) core.setFailed(failureMessage(report))
  } catch (e) {
    core.setFailed(errorMessage(e))
  }
}
