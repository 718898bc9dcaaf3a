import * as core from '@actions/core'
import type { Log } from './log.js'
import { commandValue, logLine } from './render.js'

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
  group: (name, fn) => core.group(commandValue(name), fn)
}

/** Fails the step, the message rendered like every other. */
export function failStep(message: string): void {
  core.setFailed(commandValue(message))
}
