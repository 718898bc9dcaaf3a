import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { NODE24, ROOT } from './prerequisites.js'
import { tempDir } from './tmp.js'

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

export const actionYml: ActionYml = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** stdout without the ::add-mask:: commands, which the runner consumes and never shows. */
  visibleLog: string
  /** The values the action asked the runner to mask. */
  masked: string[]
}

/**
 * Runs the built action the way the GitHub Actions runner does: the runtime named in action.yml
 * (node24), `runs.main`, inputs as INPUT_* variables with action.yml's defaults applied, and
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files read back afterwards.
 */
export function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return startAction(inputs, env).done
}

/** runAction, with the runner's process at hand (to cancel it as the runner would). */
export function startAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): { child: ReturnType<typeof spawn>; done: Promise<ActionRun> } {
  if (actionYml.runs.using !== 'node24')
    throw new Error(`action.yml runs.using is ${actionYml.runs.using}`)
  const work = tempDir('runner')
  const outputFile = join(work, 'output')
  const summaryFile = join(work, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const inputEnv: Record<string, string> = {}
  for (const [name, spec] of Object.entries(actionYml.inputs)) {
    if (spec.default !== undefined) inputEnv[inputVar(name)] = String(spec.default)
  }
  for (const [name, value] of Object.entries(inputs)) {
    if (!(name in actionYml.inputs))
      throw new Error(`input '${name}' is not declared in action.yml`)
    inputEnv[inputVar(name)] = value
  }
  const child = spawn(NODE24, [join(ROOT, actionYml.runs.main)], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputEnv,
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const done = new Promise<number | null>(resolve => child.on('close', resolve)).then(code =>
    collect(code, stdout, stderr, outputFile, summaryFile)
  )
  return { child, done }
}

function collect(
  code: number | null,
  stdout: string,
  stderr: string,
  outputFile: string,
  summaryFile: string
): ActionRun {
  const lines = stdout.split('\n')
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readIfThere(outputFile)),
    summary: readIfThere(summaryFile),
    visibleLog: lines.filter(l => !l.startsWith('::add-mask::')).join('\n') + stderr,
    masked: lines.filter(l => l.startsWith('::add-mask::')).map(l => l.slice('::add-mask::'.length))
  }
}

/** A run outlived by its test (a failed assertion) may find its temporary folder gone. */
function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function inputVar(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Parses the `name<<delimiter` heredoc format @actions/core writes to GITHUB_OUTPUT. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '')
    out[m[1]!] = value.join('\n')
  }
  return out
}

/**
 * Every form in which key material could leak: each line of each secret file's text (PEM armour
 * excepted) and the base64 and hex of its bytes.
 */
export function secretForms(...secrets: Buffer[]): string[] {
  const forms = new Set<string>()
  for (const s of secrets) {
    forms.add(s.toString('base64'))
    forms.add(s.toString('hex'))
    for (const line of s.toString('latin1').split(/\r?\n/)) {
      const t = line.trim()
      if (t.length >= 16 && !t.startsWith('-----')) forms.add(t)
    }
  }
  return [...forms]
}

/** The forms found in the text (an empty list when nothing leaked). */
export function leaks(text: string, forms: string[]): string[] {
  return forms.filter(f => text.includes(f)).map(f => `${f.slice(0, 6)}… (${f.length} chars)`)
}
