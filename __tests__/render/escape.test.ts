import { jest } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@actions/core'
import { actionLog, failOnCrash, failStep } from '../../src/action/log.js'
import { commandValue, html, logLine, terminal, terminalValue } from '../../src/render/escape.js'
import { workflowCommands } from '../support/workflow-commands.js'
import { tempDir } from '../support/tmp.js'

/** Strings a node, a host, a file or an input could hand us. */
const HOSTILE = [
  'NodeID-x\n::warning::fake\n::add-mask::NodeID',
  '::error::at the start',
  '   ::warning::after blank space',
  '\t::set-output name=x::y',
  '\u00a0::warning::after a no-break space',
  '\u2028::warning::after a line separator',
  '\u0085::warning::after NEL',
  'x\r::warning::after a lone CR',
  'x\r\n::warning::after CRLF',
  'x\n  ::stop-commands::token',
  'old form ##[add-mask]secret in the middle',
  'old form\n##[warning]on its own line',
  '::WARNING::upper case',
  '%0A::warning::already escaped',
  'ANSI \x1b[31mred\x1b[0m and a bell \x07',
  'right-to-left \u202e override',
  'NUL \x00 and DEL \x7f and C1 \x9b',
  '<script>alert(1)</script> & "quotes" \'single\' `tick`',
  'a\n\n![img](https://example.invalid/x.png)\n\n[link](https://example.invalid)'
]

/** Runs an async fn with process.stdout.write captured until it settles. */
async function capturedAsync(fn: () => Promise<unknown>): Promise<string> {
  let text = ''
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    text += String(chunk)
    return true
  })
  try {
    await fn()
  } finally {
    spy.mockRestore()
  }
  return text
}

/** Runs fn with process.stdout.write captured. */
function captured(fn: () => void): string {
  let text = ''
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    text += String(chunk)
    return true
  })
  try {
    fn()
  } finally {
    spy.mockRestore()
  }
  return text
}

describe('logLine: one line of the action log, never a command', () => {
  it.each([
    ['plain text stays', 'All checks passed', 'All checks passed'],
    ['LF and CR as the toolkit escapes them', 'a\nb\rc', 'a%0Ab%0Dc'],
    ['% first, so escapes stay readable', '100% %0A', '100%25 %250A'],
    ['a leading :: is broken', '::warning::x', '%3A:warning::x'],
    ['also after blank space', '  ::warning::x', '  %3A:warning::x'],
    ['a single leading : stays', ':x', ':x'],
    [':: later in the line stays', 'a ::warning::x', 'a ::warning::x'],
    ['the old ##[ form is broken anywhere', 'a ##[add-mask]x', 'a ##%5Badd-mask]x'],
    ['ANSI escapes', '\x1b[31m', '%1B[31m'],
    ['C1 and separators as UTF-8 bytes', '\u0085\u2028', '%C2%85%E2%80%A8'],
    ['bidi overrides', '\u202e', '%E2%80%AE'],
    ['tabs stay', 'a\tb', 'a\tb']
  ])('%s', (_what, input, rendered) => {
    expect(logLine(input)).toBe(rendered)
  })

  it.each(HOSTILE)('core.info(logLine(%j)) prints one line the runner does not execute', s => {
    const out = captured(() => core.info(logLine(s)))
    expect(out.split(/\r\n|\r|\n/).filter(Boolean)).toHaveLength(1)
    expect(workflowCommands(out)).toEqual([])
  })

  it('without it, core.info would let the runner execute the hostile lines (the harm is real)', () => {
    const out = captured(() => core.info(HOSTILE[0]!))
    expect(workflowCommands(out).map(c => c.name)).toEqual(['warning', 'add-mask'])
  })
})

describe('the action Log: every message rendered at the seam', () => {
  it.each(HOSTILE)(
    '%j: info issues nothing; warning, debug, group issue only their own command',
    async s => {
      expect(workflowCommands(captured(() => actionLog.info(s)))).toEqual([])
      const warning = workflowCommands(captured(() => actionLog.warning(s)))
      expect(warning.map(c => [c.name, c.value])).toEqual([['warning', commandValue(s)]])
      const debug = workflowCommands(captured(() => actionLog.debug(s)))
      expect(debug.map(c => [c.name, c.value])).toEqual([['debug', commandValue(s)]])
      const group = workflowCommands(
        await capturedAsync(() => actionLog.group(s, async () => actionLog.info(s)))
      )
      expect(group.map(c => [c.name, c.value])).toEqual([
        ['group', commandValue(s)],
        ['endgroup', '']
      ])
    }
  )

  it.each(HOSTILE)('%j: failing the step issues one error, its value whole', s => {
    const code = process.exitCode
    const cmds = workflowCommands(captured(() => failStep(`Restore failed: ${s}`)))
    process.exitCode = code
    expect(cmds.map(c => [c.name, c.value])).toEqual([
      ['error', commandValue(`Restore failed: ${s}`)]
    ])
  })

  it('a crash fails the step with one rendered error and no stack', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never)
    const code = process.exitCode
    const remove = failOnCrash()
    try {
      const out = captured(() => {
        process.emit('uncaughtException', new Error(`lost${HOSTILE[0]}`))
      })
      expect(workflowCommands(out).map(c => c.name)).toEqual(['error'])
      expect(out).not.toMatch(/\n\s+at /)
      expect(exit).toHaveBeenCalledWith(1)
    } finally {
      process.exitCode = code
      remove()
      exit.mockRestore()
    }
  })

  it('@actions/core itself escapes %, CR and LF in warning, error, debug and group names (checked, not assumed)', () => {
    const s = 'a%b\r\n::warning::c'
    for (const [fn, name] of [
      [() => core.warning(s), 'warning'],
      [() => core.error(s), 'error'],
      [() => core.debug(s), 'debug'],
      [() => core.startGroup(s), 'group']
    ] as const) {
      const out = captured(fn)
      expect(out).toBe(`::${name}::a%25b%0D%0A::warning::c\n`)
      expect(workflowCommands(out).map(c => [c.name, c.value])).toEqual([[name, s]])
    }
  })

  it('commandValue escapes what the toolkit passes through: control characters, not CR or LF', () => {
    expect(commandValue('a\x1b[2Kb\r\nc\u2028d\x00')).toBe('a%1B[2Kb\r\nc%E2%80%A8d%00')
  })
})

describe('html: a value in the job summary', () => {
  it.each([
    ['markup', '<b>x</b>', '&lt;b&gt;x&lt;/b&gt;'],
    ['entities and quotes', `& " ' \``, '&amp; &quot; &#39; &#96;'],
    ['line breaks, so no blank line ends the HTML block', 'a\n\nb\r\nc', 'a<br><br>b<br>c'],
    ['control characters', '\x1b[31m', '%1B[31m']
  ])('%s', (_what, input, rendered) => {
    expect(html(input)).toBe(rendered)
  })

  it.each(HOSTILE)('%j: no tag, no line break, no blank line', s => {
    const h = html(s)
    expect(h.replace(/<br>/g, '')).not.toMatch(/[<>\r\n"'`]/)
  })
})

describe('terminal: text for a person', () => {
  it('keeps our own line breaks and tabs, escapes ANSI, lone CR and other controls', () => {
    expect(terminal('a\n\tb\r\nc\rd\x1b[31me\x07')).toBe('a\n\tb\nc%0Dd%1B[31me%07')
  })
  it('no line a runner would execute, should the CLI run in a workflow step', () => {
    expect(terminal('a\n::warning::x\n  ::error::y ##[add-mask]z')).toBe(
      'a\n%3A:warning::x\n  %3A:error::y ##%5Badd-mask]z'
    )
    for (const s of HOSTILE) {
      expect(workflowCommands(terminal(s))).toEqual([])
      expect(workflowCommands(terminalValue(s))).toEqual([])
    }
  })
  it('a value from outside stays on its line', () => {
    expect(terminalValue('NodeID-x\n\x1b]0;title\x07')).toBe('NodeID-x%0A%1B]0;title%07')
  })
  it.each(HOSTILE)('%j: no escape character reaches the terminal', s => {
    /* eslint-disable no-control-regex -- looking for control characters is the point */
    expect(terminal(s)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/)
    expect(terminalValue(s)).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/)
    /* eslint-enable no-control-regex */
  })
})

describe('outputs: GITHUB_OUTPUT is safe for any value (checked, not assumed)', () => {
  it('a value with line breaks and a forged heredoc stays one value', () => {
    const file = join(tempDir('output'), 'output')
    writeFileSync(file, '')
    const before = process.env.GITHUB_OUTPUT
    process.env.GITHUB_OUTPUT = file
    const forged = 'NodeID-x\nnode-id<<EOF\nforged\nEOF\nresult=forged\r\nghadelimiter_\n'
    try {
      core.setOutput('previous-node-id', forged)
    } finally {
      if (before === undefined) delete process.env.GITHUB_OUTPUT
      else process.env.GITHUB_OUTPUT = before
    }
    // The runner's reading (SetOutputFileCommand): NAME<<DELIMITER, lines up to DELIMITER alone.
    const lines = readFileSync(file, 'utf8').split('\n')
    const head = /^([^<]+)<<(ghadelimiter_[0-9a-f-]{36})$/.exec(lines[0]!)
    expect(head?.[1]).toBe('previous-node-id')
    const end = lines.indexOf(head![2]!, 1)
    expect(lines.slice(1, end).join('\n')).toBe(forged)
    expect(lines.slice(end + 1)).toEqual([''])
  })
})
