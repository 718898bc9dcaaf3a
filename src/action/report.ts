import * as core from '@actions/core'
import type { Outcome } from '../operations/operate.js'
import { outputsOf } from '../render/outputs.js'
import { summaryOf } from '../render/summary.js'

/** Sets the mode's outputs and writes its job summary (both rendered by the pure renderers). */
export async function publish(outcome: Outcome): Promise<void> {
  for (const [name, value] of Object.entries(outputsOf(outcome))) core.setOutput(name, value)
  await core.summary.addRaw(summaryOf(outcome)).write()
}
