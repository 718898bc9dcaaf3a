import type { Log } from '../log.js'
import { errorMessage } from '../log.js'

export interface StepRecord {
  name: string
  status: 'done' | 'failed' | 'skipped'
  ms: number
  detail?: string
}

/** The steps of an operation as they happened, each a log group, with its duration. */
export class Steps {
  readonly records: StepRecord[] = []

  constructor(private readonly log: Log) {}

  async step<T>(name: string, fn: (note: (detail: string) => void) => Promise<T>): Promise<T> {
    const started = performance.now()
    let detail: string | undefined
    const note = (d: string) => {
      detail = d
      this.log.info(d)
    }
    try {
      const value = await this.log.group(name, () => fn(note))
      this.records.push({
        name,
        status: 'done',
        ms: Math.round(performance.now() - started),
        ...(detail ? { detail } : {})
      })
      return value
    } catch (e) {
      this.records.push({
        name,
        status: 'failed',
        ms: Math.round(performance.now() - started),
        detail: errorMessage(e)
      })
      throw e
    }
  }

  skipped(name: string, detail: string): void {
    this.records.push({ name, status: 'skipped', ms: 0, detail })
  }
}
