import { errorMessage } from '../log.js'
import { connector } from '../operations/connect.js'
import { operate } from '../operations/operate.js'
import { failureMessage } from '../render/failure.js'
import { keyChecks } from '../settings/key-checks.js'
import { parseMode, parseSettings } from '../settings/modes.js'
import { readPathInput } from '../operations/source.js'
import { actionInputs, defaultArchivePath } from './inputs.js'
import { actionLog, failOnCrash, failStep } from './log.js'
import { publish } from './report.js'

/**
 * The action: read the mode's settings, run its operation, publish the outcome. The only place
 * that fails the step. A cancelled job (the runner sends SIGINT, then SIGTERM) stops a restore's
 * watch; the restore on the host goes on by itself, and the outcome says so.
 */
export async function run(): Promise<void> {
  failOnCrash()
  const cancel = new AbortController()
  const onSignal = () => cancel.abort()
  try {
    const mode = parseMode(actionInputs.get('mode'))
    actionLog.debug(`mode: ${mode}`)
    const settings = parseSettings(mode, actionInputs, {
      readPath: readPathInput,
      defaultArchivePath,
      needsExpectation: true,
      alwaysProofOfPossession: true,
      keys: keyChecks,
      log: actionLog
    })
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const outcome = await operate(settings, actionLog, connector, cancel.signal)
    await publish(outcome)
    const failure = failureMessage(outcome)
    if (failure) failStep(failure)
  } catch (e) {
    failStep(errorMessage(e))
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
