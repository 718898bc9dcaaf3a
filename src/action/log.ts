import * as core from '@actions/core'
import { errorMessage, type Log } from '../log.js'
import { commandValue, logLine } from '../render/escape.js'
import { maskAll } from './inputs.js'

/**
 * The action's log. Every message of the action passes through here and is rendered for the
 * runner (render.ts): core.info writes its text raw, so a node's answer or an input could
 * otherwise start a workflow command. core.debug, core.warning, core.setFailed and group names
 * are escaped by @actions/core itself (`%`, CR, LF); the other control characters are escaped here.
 */
export const actionLog: Log = {
  info: m => core.info(logLine(m)),
  debug: m => core.debug(commandValue(m)),
  warning: m => core.warning(commandValue(m)),
  group: (name, fn) => core.group(commandValue(name), fn),
  secret: (values, whole) =>
    whole ? values.filter(Boolean).forEach(v => core.setSecret(v)) : maskAll(values)
}

/** Fails the step, the message rendered like every other. */
export function failStep(message: string): void {
  core.setFailed(commandValue(message))
  // setFailed sets it on the runner; @github/local-action's stand-in does not.
  process.exitCode = 1
}

/**
 * A crash (an 'error' event nobody listens for, a rejection nobody awaits) would end the step with
 * Node's stack trace and the error's message raw. Fail the step in the usual way instead. Installed
 * by run(), not on import; returns its removal.
 */
export function failOnCrash(): () => void {
  const crash = (e: unknown) => {
    failStep(`unexpected failure: ${errorMessage(e)} (a bug in the action; please report it)`)
    process.exit(1)
  }
  process.once('uncaughtException', crash)
  process.once('unhandledRejection', crash)
  return () => {
    process.off('uncaughtException', crash)
    process.off('unhandledRejection', crash)
  }
}
