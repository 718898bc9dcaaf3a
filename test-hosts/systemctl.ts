// A stand-in for systemctl on the test node hosts, where no systemd runs. It reads unit files as
// systemd does where the node's identity depends on it: the unit and its drop-ins
// (`NAME.service.d/*.conf`, later ones win), User=, WorkingDirectory= (`-` and `~`), ExecStart=
// (quotes, `$VAR`/`${VAR}` from the unit's environment, `-`/`@` prefixes), Environment= (quoted
// words, accumulating, an empty one resets), EnvironmentFile= (`-` for optional; overrides
// Environment=), Restart=, RestartSec=, StartLimitIntervalSec= and StartLimitBurst=. Verbs: start,
// stop, restart, is-active, status, show (systemd's formats for User, ExecStart, Environment,
// EnvironmentFiles, WorkingDirectory, MainPID, ActiveState, SubState, NRestarts…), cat,
// daemon-reload. Like systemd, changing a unit's state needs root (so sudo is really exercised),
// `stop` sends SIGTERM and waits for the process (deactivating meanwhile), Restart=always restarts
// a process that died (activating, auto-restart in between), and more than StartLimitBurst starts
// within StartLimitIntervalSec (default 5 in 10 s; 0 turns it off) leave the unit failed.
// HOME, USER, LOGNAME and SHELL are set only when User= is (systemd.exec(5)).
//
// State lives in /run/anb-systemd (the host's own /run). Each started unit has a supervisor process
// (this file, run with `__supervise UNIT`) that owns the service's main process.

import { spawn, spawnSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { constants as osConstants } from 'node:os'
import { basename } from 'node:path'

const UNIT_DIR = process.env.ANB_UNIT_DIR ?? '/etc/systemd/system'
const STATE = '/run/anb-systemd'
const STOP_TIMEOUT_MS = 90_000
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

interface Unit {
  name: string
  /** User= as written ('' when unset: the service runs as root without HOME and USER). */
  user: string
  workingDirectory: string
  execStart: string
  environment: string[]
  environmentFiles: string[]
  restart: string
  restartSec: number
  startLimitIntervalSec: number
  startLimitBurst: number
  files: string[]
}

function unitName(arg: string | undefined): string {
  if (!arg) fail('Too few arguments.', 1)
  return arg.endsWith('.service') ? arg : `${arg}.service`
}

function fail(message: string, code: number): never {
  process.stderr.write(message + '\n')
  process.exit(code)
}

/** systemd's word splitting: whitespace-separated, double or single quotes, backslash escapes. */
function words(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:[^\s"'\\]|\\.)+))+/g)) {
    out.push(
      m[0].replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'|\\(.)/g, (_, d, s, e) =>
        d !== undefined ? d.replace(/\\(.)/g, '$1') : s !== undefined ? s : e
      )
    )
  }
  return out
}

/** The unit file and its drop-ins, in the order systemd applies them. */
function unitFiles(name: string): string[] {
  const main = `${UNIT_DIR}/${name}`
  if (!existsSync(main)) fail(`Unit ${name} could not be found.`, 4)
  const dropDir = `${main}.d`
  const drops = existsSync(dropDir)
    ? readdirSync(dropDir)
        .filter(f => f.endsWith('.conf'))
        .sort()
        .map(f => `${dropDir}/${f}`)
    : []
  return [main, ...drops]
}

function loadUnit(name: string): Unit {
  const files = unitFiles(name)
  const one: Record<string, string> = {}
  let environment: string[] = []
  let environmentFiles: string[] = []
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').replace(/\\\n/g, ' ').split('\n')
    for (const line of lines) {
      const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line)
      if (!m || /^\s*[#;]/.test(line)) continue
      const [, key, value] = m as unknown as [string, string, string]
      if (key === 'Environment') environment = value ? [...environment, ...words(value)] : []
      else if (key === 'EnvironmentFile')
        environmentFiles = value ? [...environmentFiles, value] : []
      else one[key] = value
    }
  }
  return {
    name,
    user: one.User ?? '',
    workingDirectory: one.WorkingDirectory ?? '',
    execStart: one.ExecStart ?? '',
    environment,
    environmentFiles,
    restart: one.Restart ?? 'no',
    restartSec: Number((one.RestartSec ?? '0.1').replace(/s$/, '')),
    startLimitIntervalSec: Number((one.StartLimitIntervalSec ?? '10').replace(/s$/, '')),
    startLimitBurst: Number(one.StartLimitBurst ?? 5),
    files
  }
}

/** An EnvironmentFile's assignments (KEY=VALUE lines, quotes removed, # and ; comments). */
function readEnvironmentFile(spec: string): [string, string][] {
  const path = spec.replace(/^-/, '')
  if (!existsSync(path)) {
    if (spec.startsWith('-')) return []
    throw new Error(`Failed to load environment files: ${path}: No such file or directory`)
  }
  const out: [string, string][] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (!m || /^\s*[#;]/.test(line)) continue
    out.push([m[1]!, m[2]!.replace(/^"(.*)"$|^'(.*)'$/, (_, d, s) => d ?? s)])
  }
  return out
}

/** ExecStart's argv: `${VAR}` is one word, `$VAR` splits at whitespace (systemd.service(5)). */
function execArgv(unit: Unit, env: Record<string, string>): { argv: string[]; flags: string } {
  let line = unit.execStart
  const flags = /^[-@:+!]*/.exec(line)![0]
  line = line.slice(flags.length)
  const argv: string[] = []
  for (const w of words(line)) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w)
    if (whole) argv.push(...(env[whole[1]!] ?? '').split(/\s+/).filter(Boolean))
    else argv.push(w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => env[n] ?? ''))
  }
  if (flags.includes('@')) argv.splice(1, 1)
  return { argv, flags }
}

const file = (unit: string, what: string) => `${STATE}/${unit}.${what}`
const readPid = (path: string) => (existsSync(path) ? Number(readFileSync(path, 'utf8')) : 0)
const alive = (pid: number) => {
  if (!pid) return false
  try {
    // Readable by any user (unlike kill(pid, 0) on another user's process); a zombie counts as dead.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

type ActiveState = 'active' | 'activating' | 'deactivating' | 'inactive' | 'failed'

function state(unit: string): ActiveState {
  if (!alive(readPid(file(unit, 'supervisor')))) {
    return existsSync(file(unit, 'failed')) ? 'failed' : 'inactive'
  }
  if (existsSync(file(unit, 'stopping'))) return 'deactivating'
  return alive(readPid(file(unit, 'main'))) ? 'active' : 'activating'
}

function subState(unit: string, s: ActiveState): string {
  return {
    active: 'running',
    activating: 'auto-restart',
    deactivating: 'stop-sigterm',
    inactive: 'dead',
    failed: 'failed'
  }[s]
}

function requireRoot(verb: string, unit: string): void {
  if (process.getuid?.() !== 0) {
    fail(
      `Failed to ${verb} ${unit}: Interactive authentication required.\nSee system logs and 'systemctl status ${unit}' for details.`,
      1
    )
  }
}

function start(unit: string): void {
  loadUnit(unit)
  if (['active', 'activating'].includes(state(unit))) return
  mkdirSync(STATE, { recursive: true })
  for (const f of ['stopping', 'failed', 'restarts', 'starts'])
    rmSync(file(unit, f), { force: true })
  const log = openSync(file(unit, 'journal'), 'a')
  const supervisor = spawn(process.execPath, [process.argv[1]!, '__supervise', unit], {
    detached: true,
    stdio: ['ignore', log, log]
  })
  writeFileSync(file(unit, 'supervisor'), String(supervisor.pid))
  supervisor.unref()
  closeSync(log)
  // Type=simple: start returns once the process is forked. Wait for the fork to be on record.
  const until = Date.now() + 5000
  while (!existsSync(file(unit, 'main')) && !existsSync(file(unit, 'failed')) && Date.now() < until)
    sleep(10)
}

function stop(unit: string): void {
  loadUnit(unit)
  const supervisor = readPid(file(unit, 'supervisor'))
  if (!alive(supervisor)) return
  writeFileSync(file(unit, 'stopping'), '')
  const main = readPid(file(unit, 'main'))
  if (alive(main)) signal(main, 'SIGTERM')
  const until = Date.now() + STOP_TIMEOUT_MS
  while ((alive(main) || alive(supervisor)) && Date.now() < until) sleep(10)
  if (alive(main)) signal(main, 'SIGKILL')
  if (alive(supervisor)) signal(supervisor, 'SIGKILL')
  rmSync(file(unit, 'main'), { force: true })
  rmSync(file(unit, 'stopping'), { force: true })
}

/** A signal to a process that may have exited since it was seen alive (as systemd, not failing on ESRCH). */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** The service's environment as systemd builds it: base, Environment=, then EnvironmentFile=. */
function serviceEnvironment(unit: Unit, home: string, shell: string): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH }
  if (unit.user)
    Object.assign(env, { HOME: home, USER: unit.user, LOGNAME: unit.user, SHELL: shell })
  for (const pair of unit.environment) {
    const eq = pair.indexOf('=')
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  for (const spec of unit.environmentFiles) {
    for (const [k, v] of readEnvironmentFile(spec)) env[k] = v
  }
  return env
}

/** One start of the main process; resolves with its exit code (null: killed by a signal). */
async function runOnce(unit: Unit): Promise<number | null> {
  const user = unit.user || 'root'
  const [, , uid, gid, , home, shell] = spawnSync('getent', ['passwd', user], { encoding: 'utf8' })
    .stdout.trim()
    .split(':')
  const env = serviceEnvironment(unit, home ?? '/', shell ?? '/bin/sh')
  const cwd = unit.workingDirectory.replace(/^-/, '').replace(/^~$/, home ?? '/') || '/'
  const { argv } = execArgv(unit, env)
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd,
    uid: Number(uid),
    gid: Number(gid),
    env,
    stdio: ['ignore', 'inherit', 'inherit']
  })
  child.on('error', e => process.stdout.write(`[systemd] ${unit.name}: ${e.message}\n`))
  writeFileSync(file(unit.name, 'main'), String(child.pid ?? 0))
  const started = Date.now()
  writeFileSync(file(unit.name, 'exec'), JSON.stringify({ pid: child.pid, started }))
  const [code, signal] = await new Promise<[number | null, string | null]>(resolve => {
    child.once('exit', (c, s) => resolve([c, s]))
    child.once('error', () => resolve([203, null])) // systemd's status=203/EXEC
  })
  rmSync(file(unit.name, 'main'), { force: true })
  const stopped = Date.now()
  writeFileSync(
    file(unit.name, 'exec'),
    JSON.stringify({ pid: child.pid, started, stopped, code, signal })
  )
  process.stdout.write(
    `[systemd] ${unit.name}: main process exited, ${signal ? `code=killed, status=${signal}` : `code=exited, status=${code}`}\n`
  )
  return code
}

/** The supervisor: runs ExecStart as User=, restarts it per Restart=, until told to stop. */
async function supervise(unitArg: string): Promise<void> {
  const unit = loadUnit(unitArg)
  const starts: number[] = []
  for (;;) {
    const now = Date.now()
    starts.push(now)
    const window = unit.startLimitIntervalSec * 1000
    if (window > 0 && starts.filter(t => now - t < window).length > unit.startLimitBurst) {
      process.stdout.write(`[systemd] ${unit.name}: Start request repeated too quickly.\n`)
      writeFileSync(file(unit.name, 'failed'), 'start-limit-hit')
      return
    }
    let code: number | null
    try {
      code = await runOnce(unit)
    } catch (e) {
      process.stdout.write(`[systemd] ${unit.name}: ${(e as Error).message}\n`)
      writeFileSync(file(unit.name, 'failed'), 'resources')
      return
    }
    if (existsSync(file(unit.name, 'stopping'))) return
    if (unit.restart !== 'always' && !(unit.restart === 'on-failure' && code !== 0)) {
      if (code !== 0) writeFileSync(file(unit.name, 'failed'), String(code))
      return
    }
    await new Promise(r => setTimeout(r, unit.restartSec * 1000))
    if (existsSync(file(unit.name, 'stopping'))) return
    writeFileSync(file(unit.name, 'restarts'), String(readPid(file(unit.name, 'restarts')) + 1))
  }
}

function status(unit: string): number {
  const u = loadUnit(unit)
  const s = state(unit)
  const main = readPid(file(unit, 'main'))
  const journal = existsSync(file(unit, 'journal'))
    ? readFileSync(file(unit, 'journal'), 'utf8').trimEnd().split('\n').slice(-10)
    : []
  const shown = `${s} (${subState(unit, s)})`
  process.stdout.write(
    [
      `● ${unit}`,
      `     Loaded: loaded (${u.files[0]}; enabled)`,
      ...(u.files.length > 1 ? [`    Drop-In: ${u.files.slice(1).join(', ')}`] : []),
      `     Active: ${shown}`,
      ...(alive(main) ? [`   Main PID: ${main} (${basename(execArgv(u, {}).argv[0] ?? '')})`] : []),
      '',
      ...journal
    ].join('\n') + '\n'
  )
  return s === 'active' ? 0 : 3
}

/** systemd's FORMAT_TIMESTAMP, in UTC: `Thu 2026-11-26 23:53:50 UTC`. */
function timestamp(ms: number): string {
  const d = new Date(ms)
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]
  return `${day} ${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A signal as ExecStart's status shows it: number/NAME, e.g. 15/TERM. */
const signalStatus = (name: string) =>
  `${(osConstants.signals as Record<string, number>)[name] ?? 0}/${name.replace(/^SIG/, '')}`

/** `systemctl show` properties in systemd's own formats (one line each; EnvironmentFiles repeats). */
function showProperties(unit: string): [string, string][] {
  if (!existsSync(`${UNIT_DIR}/${unit}`)) {
    return [
      ['LoadState', 'not-found'],
      ['ActiveState', 'inactive'],
      ['SubState', 'dead'],
      ['User', ''],
      ['MainPID', '0']
    ]
  }
  const u = loadUnit(unit)
  const s = state(unit)
  const main = readPid(file(unit, 'main'))
  const exec = existsSync(file(unit, 'exec'))
    ? (JSON.parse(readFileSync(file(unit, 'exec'), 'utf8')) as Record<
        string,
        string | number | null
      >)
    : {}
  const flags = /^[-@:+!]*/.exec(u.execStart)![0]
  const argv = words(u.execStart.slice(flags.length))
  // shell_maybe_quote(): double quotes when needed, with " \ ` $ escaped.
  const quote = (w: string) =>
    /[\s"\\`$*?['()<>|&;!]/.test(w) ? `"${w.replace(/(["\\`$])/g, '\\$1')}"` : w
  const running = alive(main)
  const execStart =
    `{ path=${argv[0] ?? ''} ; argv[]=${argv.join(' ')} ; ignore_errors=${flags.includes('-') ? 'yes' : 'no'} ; ` +
    `start_time=[${exec.started ? timestamp(Number(exec.started)) : 'n/a'}] ; ` +
    `stop_time=[${!running && exec.stopped ? timestamp(Number(exec.stopped)) : 'n/a'}] ; ` +
    `pid=${exec.pid ?? 0} ; code=${running || !exec.stopped ? '(null)' : exec.signal ? 'killed' : 'exited'} ; ` +
    `status=${running || !exec.stopped ? '0/0' : exec.signal ? signalStatus(String(exec.signal)) : exec.code} }`
  const wd = u.workingDirectory.startsWith('-')
    ? `!${u.workingDirectory.slice(1)}`
    : u.workingDirectory
  return [
    ['Type', 'simple'],
    ['Restart', u.restart],
    ['MainPID', String(running ? main : 0)],
    ['NRestarts', String(readPid(file(unit, 'restarts')))],
    ['ExecStart', execStart],
    ['Environment', u.environment.map(quote).join(' ')],
    ...u.environmentFiles.map(
      f =>
        [
          'EnvironmentFiles',
          `${f.replace(/^-/, '')} (ignore_errors=${f.startsWith('-') ? 'yes' : 'no'})`
        ] as [string, string]
    ),
    ['WorkingDirectory', wd],
    ['User', u.user],
    ['LoadState', 'loaded'],
    ['ActiveState', s],
    ['SubState', subState(unit, s)],
    ['FragmentPath', u.files[0]!],
    ['DropInPaths', u.files.slice(1).join(' ')]
  ]
}

async function main(): Promise<number> {
  // Options may stand anywhere, as with systemctl: -p/--property NAME[,NAME], --value, -q/--quiet.
  const argv = process.argv.slice(2)
  const positional: string[] = []
  const wanted: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '-p' || a === '--property') wanted.push(...(argv[++i] ?? '').split(','))
    else if (a.startsWith('--property=')) wanted.push(...a.slice(11).split(','))
    else if (!a.startsWith('-')) positional.push(a)
  }
  const quiet = argv.includes('-q') || argv.includes('--quiet')
  const valueOnly = argv.includes('--value')
  const [verb, unitArg] = positional
  switch (verb) {
    case '__supervise':
      await supervise(unitName(unitArg))
      return 0
    case 'start':
    case 'stop':
    case 'restart': {
      const unit = unitName(unitArg)
      requireRoot(verb, unit)
      if (verb !== 'start') stop(unit)
      if (verb !== 'stop') start(unit)
      return 0
    }
    case 'is-active': {
      const st = state(unitName(unitArg))
      if (!quiet) process.stdout.write(st + '\n')
      return st === 'active' ? 0 : 3
    }
    case 'status':
      return status(unitName(unitArg))
    case 'cat':
      for (const f of loadUnit(unitName(unitArg)).files)
        process.stdout.write(`# ${f}\n${readFileSync(f, 'utf8')}\n`)
      return 0
    case 'show': {
      const props = showProperties(unitName(unitArg))
      // Asked-for properties print even when empty; unknown ones print nothing.
      // Without -p, empty ones are left out, as without --all.
      const shown = wanted.length
        ? props.filter(([k]) => wanted.includes(k))
        : props.filter(([, v]) => v !== '')
      const order = wanted.length ? wanted : [...new Set(props.map(([k]) => k))]
      for (const k of order)
        for (const [, v] of shown.filter(([key]) => key === k))
          process.stdout.write(valueOnly ? `${v}\n` : `${k}=${v}\n`)
      return 0
    }
    case 'daemon-reload':
      requireRoot('reload', 'daemon')
      return 0
    default:
      fail(`Unknown command verb ${verb ?? ''}.`, 1)
  }
}

void main().then(code => process.exit(code))
