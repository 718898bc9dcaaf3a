/**
 * The workflow commands the GitHub Actions runner would execute in a step's stdout, found the way
 * the runner finds them (actions/runner src/Runner.Common/ActionCommand.cs, TryParseV2 then
 * TryParse, and src/Runner.Sdk/ProcessInvoker.cs reading lines with StreamReader.ReadLine):
 * a line ends at LF, CR or CRLF; a line is a command when, after leading white space, it starts
 * with `::NAME` followed by another `::`, or when it holds `##[NAME` followed by `]` anywhere;
 * NAME must be a registered command, compared without case.
 */
export const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'internal-set-repo-path',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning'
]

export interface WorkflowCommand {
  name: string
  /** The value as the runner reads it (its %-escapes undone). */
  value: string
  line: string
}

// .NET's Char.IsWhiteSpace: JavaScript's \s and NEL (U+0085).
const LEADING_SPACE = /^[\s\u0085]+/

export function workflowCommands(stdout: string): WorkflowCommand[] {
  const found: WorkflowCommand[] = []
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    const v2 = v2Command(line.replace(LEADING_SPACE, ''))
    const v1 = v2 ? undefined : v1Command(line)
    const c = v2 ?? v1
    if (c) found.push({ ...c, line })
  }
  return found
}

function v2Command(line: string): Omit<WorkflowCommand, 'line'> | undefined {
  if (!line.startsWith('::')) return undefined
  const end = line.indexOf('::', 2)
  if (end < 0) return undefined
  const name = line.slice(2, end).split(' ')[0]!
  if (!RUNNER_COMMANDS.includes(name.toLowerCase())) return undefined
  return { name: name.toLowerCase(), value: unescapeData(line.slice(end + 2)) }
}

function v1Command(line: string): Omit<WorkflowCommand, 'line'> | undefined {
  const start = line.indexOf('##[')
  if (start < 0) return undefined
  const end = line.indexOf(']', start)
  if (end < 0) return undefined
  const name = line.slice(start + 3, end).split(' ')[0]!
  if (!RUNNER_COMMANDS.includes(name.toLowerCase())) return undefined
  return { name: name.toLowerCase(), value: line.slice(end + 1) }
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}
