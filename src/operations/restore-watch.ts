import { sh } from '../transport/transport.js'
import type { Log } from '../log.js'
import {
  eventOf,
  parseJournal,
  STEP_TITLES,
  type Journal,
  type JournalEvent
} from '../node/journal.js'
import type { NodeHost } from '../node/node-host.js'
import type { Steps } from './steps.js'

/** The host-side program is gone without an end line (killed, or its session was ended). */
export class ProgramGone extends Error {
  override readonly name = 'ProgramGone'
}

/** The job was cancelled while we watched (SIGINT/SIGTERM from the runner). */
export class Cancelled extends Error {
  override readonly name = 'Cancelled'
}

export interface Watch {
  host: NodeHost
  journalPath: string
  log: Log
  steps: Steps
  /** How long the host may wait for another restore's lock. */
  lockWaitMs: number
  /** How long the host may take once it holds the lock, rollback included. */
  workMs: number
  /** Reconnects after a lost connection (or rethrows), trying until the given time. */
  reconnect: (e: unknown, until: number) => Promise<void>
  signal?: AbortSignal
}

const POLL_MS = 50
const START_MS = 20_000

/** Reads the journal's new lines as they come, over whatever connection is current. */
class JournalFeed {
  private pending: JournalEvent[] = []
  private seen = 0
  text = ''
  private readonly started = Date.now()
  /** Until when we keep watching (and reconnecting): later once the host holds the lock. */
  until: number

  constructor(private readonly w: Watch) {
    this.until = this.started + w.lockWaitMs + w.workMs
  }

  unread(e: JournalEvent): void {
    this.pending.unshift(e)
  }

  async next(): Promise<JournalEvent> {
    for (;;) {
      const e = this.pending.shift()
      if (e) return e
      if (this.w.signal?.aborted) throw new Cancelled('cancelled')
      if (Date.now() > this.until)
        throw new Error(
          `the host did not report the restore's end in time (${Math.round((Date.now() - this.started) / 1000)} s)`
        )
      if (this.seen === 0 && Date.now() - this.started > START_MS)
        throw new Error(
          `the host-side restore wrote nothing to ${this.w.journalPath} in ${START_MS / 1000} s`
        )
      await this.poll()
    }
  }

  private pollCommand(): string {
    return pollCommandFor(this.w, this.pid)
  }

  /** The program's pid, once the journal names it. */
  private pid?: number
  /** Polls since the program was last seen alive without an end line. */
  private goneFor = 0

  private async poll(): Promise<void> {
    let text: string
    try {
      text = (await this.w.host.run(this.pollCommand())).stdout.toString()
    } catch (e) {
      return this.w.reconnect(e, this.until)
    }
    // Gone without an end, twice in a row (the end may have been written between the two reads).
    this.goneFor = text.endsWith('@@gone\n') && !/^\d+ end /m.test(text) ? this.goneFor + 1 : 0
    if (this.goneFor >= 2)
      throw new ProgramGone('the restore program on the host stopped before it ended')
    text = text.replace(/@@(alive|gone)\n$/, '')
    const lines = text.split('\n')
    lines.pop() // a line still being written
    for (const line of lines.slice(this.seen)) {
      const e = eventOf(line)
      if (e) this.pending.push(e)
      if (e?.event === 'lock') this.until = Date.now() + this.w.workMs
      if (e?.event === 'pid') this.pid = Number(e.rest)
    }
    this.seen = Math.max(this.seen, lines.length)
    this.text = lines.join('\n') + '\n'
    if (!this.pending.length) await sleep(POLL_MS, this.w.signal)
  }
}

/**
 * The journal (in the node's home, which the login user may not be able to enter: then with sudo),
 * then whether the program still runs.
 */
function pollCommandFor(w: Watch, pid: number | undefined): string {
  const read = `p=${sh(w.journalPath)}; if [ -r "$p" ]; then cat "$p"; else ${w.host.canSudo ? 'sudo -n cat "$p" 2>/dev/null; ' : ''}true; fi`
  if (!pid || !Number.isInteger(pid)) return read
  return `${read}; if grep -q restore.sh /proc/${pid}/cmdline 2>/dev/null; then echo @@alive; else echo @@gone; fi`
}

/**
 * Follows the host-side restore to its end: each step of the journal a log group as it happens,
 * reconnecting as often as needed. Returns the whole journal; throws Cancelled, or an error when
 * the host cannot be reached again in time (the host goes on either way).
 */
export async function watchTransaction(w: Watch): Promise<Journal> {
  const feed = new JournalFeed(w)
  for (;;) {
    const e = await feed.next()
    if (e.event === 'end') break
    if (e.event === 'step' && e.rest.endsWith(' begin')) {
      await stepGroup(w.log, feed, e.rest.split(' ')[0]!)
      continue
    }
    logEvent(w.log, e)
  }
  const journal = parseJournal(feed.text)
  recordSteps(w.steps, journal)
  return journal
}

async function stepGroup(log: Log, feed: JournalFeed, name: string): Promise<void> {
  await log.group(STEP_TITLES[name] ?? name, async () => {
    for (;;) {
      const e = await feed.next()
      const [step, what] = e.rest.split(' ')
      if (e.event === 'end' || (e.event === 'step' && what === 'begin')) return feed.unread(e)
      if (e.event === 'step' && step === name) return log.info(what === 'done' ? 'done' : 'failed')
      logEvent(log, e)
    }
  })
}

function logEvent(log: Log, e: JournalEvent): void {
  const [a, b] = e.rest.split(' ')
  switch (e.event) {
    case 'file':
      return log.info(
        `${a}: ${b === 'new' ? 'the new file is in place' : b === 'old' ? 'the previous file is back' : 'removed (there was none before)'}`
      )
    case 'answer':
      return log.info(`the node answers ${a}${b && b !== '-' ? `, BLS ${b}` : ''}`)
    case 'fail':
      return log.info(e.rest)
    case 'lock':
      return log.debug('holding the host restore lock')
    default:
      return log.debug(`journal: ${e.event} ${e.rest}`)
  }
}

/** The journal's steps as the summary shows them, timed by the host's clock. */
function recordSteps(steps: Steps, journal: Journal): void {
  journal.steps.forEach((s, i) => {
    const end = s.endedAt ?? journal.steps[i + 1]?.beganAt ?? journal.end?.at ?? s.beganAt
    steps.records.push({
      name: STEP_TITLES[s.name] ?? s.name,
      status: s.status === 'done' ? 'done' : 'failed',
      ms: Math.max(0, end - s.beganAt)
    })
  })
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
