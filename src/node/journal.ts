import { STAKING_FILES, type StakingFile, type StakingFiles } from '../identity/errors.js'

/** How a host-side restore ended (restore-transaction.sh, `end RESULT`). */
export type JournalResult = 'restored' | 'rolled-back' | 'refused' | 'stuck' | 'recovered'

export interface JournalStep {
  /** stop, swap, start, check, rollback, restart, recheck */
  name: string
  status: 'running' | 'done' | 'failed'
  /** Host clock, milliseconds since the epoch. */
  beganAt: number
  endedAt?: number
}

/** What the journal of one restore says, line by line; everything optional while it is young. */
export interface Journal {
  run?: string
  pid?: number
  lockHeld: boolean
  activeBefore?: boolean
  old: Partial<StakingFiles<string | null>>
  new: Partial<StakingFiles<string>>
  /** Where each file stands: the new file in place, the old one back, or removed. */
  files: Partial<StakingFiles<'new' | 'old' | 'removed'>>
  steps: JournalStep[]
  /** The node's answers while waiting: NodeID, BLS key (undefined before v1.8.6), during which step. */
  answers: { nodeId: string; bls?: string; step?: string }[]
  failures: string[]
  end?: { result: JournalResult; detail: string; at: number }
  /** Lines read so far (to tell new events from old ones). */
  lines: number
}

const RESULTS: readonly string[] = ['restored', 'rolled-back', 'refused', 'stuck', 'recovered']

const isFile = (s: string | undefined): s is StakingFile =>
  (STAKING_FILES as readonly string[]).includes(s ?? '')

/**
 * Parses a journal (format in restore-transaction.sh's header). Unknown or damaged lines are
 * skipped: a journal cut short by a power loss ends with a partial line.
 */
export function parseJournal(text: string): Journal {
  const j: Journal = {
    lockHeld: false,
    old: {},
    new: {},
    files: {},
    steps: [],
    answers: [],
    failures: [],
    lines: 0
  }
  const lines = text.split('\n')
  // The last piece has no newline yet: it may be a line still being written.
  lines.pop()
  for (const line of lines) {
    j.lines++
    const e = eventOf(line)
    if (e) apply(j, e.at, e.event, e.rest)
  }
  return j
}

export interface JournalEvent {
  /** Host clock, milliseconds since the epoch. */
  at: number
  event: string
  rest: string
}

/** One journal line: `TIME EVENT REST…`; undefined for a damaged line. */
export function eventOf(line: string): JournalEvent | undefined {
  const m = /^(\d+) (\S+) ?(.*)$/.exec(line)
  return m ? { at: Number(m[1]), event: m[2]!, rest: m[3]! } : undefined
}

function apply(j: Journal, at: number, event: string, rest: string): void {
  const [a, b] = rest.split(' ')
  switch (event) {
    case 'run':
      j.run = a
      break
    case 'pid':
      j.pid = Number(a)
      break
    case 'lock':
      j.lockHeld = a === 'held'
      break
    case 'active-before':
      j.activeBefore = a === 'yes'
      break
    case 'old':
    case 'new':
      if (isFile(a) && b) {
        if (event === 'old') j.old[a] = b === '-' ? null : b
        else j.new[a] = b
      }
      break
    case 'file':
      if (isFile(a) && (b === 'new' || b === 'old' || b === 'removed')) j.files[a] = b
      break
    case 'step':
      step(j, at, a ?? '', b ?? '')
      break
    case 'answer':
      if (a) {
        const step = j.steps.at(-1)?.name
        j.answers.push({
          nodeId: a,
          ...(b && b !== '-' ? { bls: b } : {}),
          ...(step ? { step } : {})
        })
      }
      break
    case 'fail':
      j.failures.push(rest)
      break
    case 'end':
      if (a && RESULTS.includes(a))
        j.end = { result: a as JournalResult, detail: rest.slice(a.length + 1), at }
      break
  }
}

function step(j: Journal, at: number, name: string, what: string): void {
  if (what === 'begin') {
    j.steps.push({ name, status: 'running', beganAt: at })
    return
  }
  const s = [...j.steps].reverse().find(x => x.name === name && x.status === 'running')
  if (s && (what === 'done' || what === 'failed')) {
    s.status = what
    s.endedAt = at
  }
}

/** The step names of the journal as the log and the summary show them. */
export const STEP_TITLES: Record<string, string> = {
  stop: 'Stop the node',
  swap: 'Swap the files',
  start: 'Start the node',
  check: 'Check the NodeID',
  rollback: 'Roll back',
  restart: 'Start the node again',
  recheck: 'Check the previous NodeID'
}
