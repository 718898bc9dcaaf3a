// A stand-in for systemctl on the test node hosts, where no systemd runs. It understands the unit
// files the avalanchego installer writes (User=, WorkingDirectory=, ExecStart=, Environment=,
// Restart=, RestartSec=) and the verbs an operator uses: start, stop, restart, is-active, status,
// show, cat. Like systemd, changing a unit's state needs root (so sudo is really exercised), `stop`
// sends SIGTERM and waits for the process to exit, and Restart=always restarts a process that died.
//
// State lives in /run/anb-systemd (the host's own /run). Each started unit has a supervisor process
// (this file, run with `__supervise UNIT`) that owns the service's main process.

import { spawn, spawnSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { basename } from 'node:path'

const UNIT_DIR = process.env.ANB_UNIT_DIR ?? '/etc/systemd/system'
const STATE = '/run/anb-systemd'
const STOP_TIMEOUT_MS = 90_000

interface Unit {
  name: string
  user: string
  workingDirectory: string
  execStart: string[]
  environment: Record<string, string>
  restart: string
  restartSec: number
  text: string
}

function unitName(arg: string | undefined): string {
  if (!arg) fail('Too few arguments.', 1)
  return arg.endsWith('.service') ? arg : `${arg}.service`
}

function fail(message: string, code: number): never {
  process.stderr.write(message + '\n')
  process.exit(code)
}

function loadUnit(name: string): Unit {
  const path = `${UNIT_DIR}/${name}`
  if (!existsSync(path)) fail(`Unit ${name} could not be found.`, 4)
  const text = readFileSync(path, 'utf8')
  const get = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1]?.trim()
  const environment: Record<string, string> = {}
  for (const m of text.matchAll(/^Environment=(.*)$/gm)) {
    for (const pair of m[1]!.match(/"[^"]*"|\S+/g) ?? []) {
      const [k, ...v] = pair.replace(/^"|"$/g, '').split('=')
      environment[k!] = v.join('=')
    }
  }
  return {
    name,
    user: get('User') ?? 'root',
    workingDirectory: get('WorkingDirectory') ?? '/',
    execStart: (get('ExecStart') ?? '').split(/\s+/).filter(Boolean),
    environment,
    restart: get('Restart') ?? 'no',
    restartSec: Number(get('RestartSec') ?? 0.1),
    text
  }
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

function state(unit: string): 'active' | 'activating' | 'inactive' | 'failed' {
  if (!alive(readPid(file(unit, 'supervisor')))) {
    return existsSync(file(unit, 'failed')) ? 'failed' : 'inactive'
  }
  return alive(readPid(file(unit, 'main'))) ? 'active' : 'activating'
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
  if (state(unit) === 'active' || state(unit) === 'activating') return
  mkdirSync(STATE, { recursive: true })
  rmSync(file(unit, 'stopping'), { force: true })
  rmSync(file(unit, 'failed'), { force: true })
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
  while (!existsSync(file(unit, 'main')) && Date.now() < until) sleep(10)
}

function stop(unit: string): void {
  loadUnit(unit)
  const supervisor = readPid(file(unit, 'supervisor'))
  if (!alive(supervisor)) return
  writeFileSync(file(unit, 'stopping'), '')
  const main = readPid(file(unit, 'main'))
  if (alive(main)) process.kill(main, 'SIGTERM')
  const until = Date.now() + STOP_TIMEOUT_MS
  while ((alive(main) || alive(supervisor)) && Date.now() < until) sleep(10)
  if (alive(main)) process.kill(main, 'SIGKILL')
  if (alive(supervisor)) process.kill(supervisor, 'SIGKILL')
  rmSync(file(unit, 'main'), { force: true })
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** The supervisor: runs ExecStart as User=, restarts it per Restart=, until told to stop. */
async function supervise(unitArg: string): Promise<void> {
  const unit = loadUnit(unitArg)
  const id = spawnSync('id', ['-u', unit.user], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', unit.user], { encoding: 'utf8' })
  const home = spawnSync('sh', ['-c', `getent passwd ${unit.user} | cut -d: -f6`], {
    encoding: 'utf8'
  }).stdout.trim()
  for (;;) {
    const child = spawn(unit.execStart[0]!, unit.execStart.slice(1), {
      cwd: unit.workingDirectory,
      uid: Number(id.stdout),
      gid: Number(gid.stdout),
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        USER: unit.user,
        LOGNAME: unit.user,
        ...unit.environment
      },
      stdio: ['ignore', 'inherit', 'inherit']
    })
    writeFileSync(file(unit.name, 'main'), String(child.pid))
    const code = await new Promise<number | null>(resolve => child.on('exit', c => resolve(c)))
    rmSync(file(unit.name, 'main'), { force: true })
    const stopping = existsSync(file(unit.name, 'stopping'))
    process.stdout.write(`[systemd] ${unit.name}: main process exited, code=${code}\n`)
    if (stopping) return
    if (unit.restart !== 'always' && !(unit.restart === 'on-failure' && code !== 0)) {
      if (code !== 0) writeFileSync(file(unit.name, 'failed'), String(code))
      return
    }
    await new Promise(r => setTimeout(r, unit.restartSec * 1000))
    if (existsSync(file(unit.name, 'stopping'))) return
  }
}

function status(unit: string): number {
  const u = loadUnit(unit)
  const s = state(unit)
  const main = readPid(file(unit, 'main'))
  const journal = existsSync(file(unit, 'journal'))
    ? readFileSync(file(unit, 'journal'), 'utf8').trimEnd().split('\n').slice(-10)
    : []
  const shown =
    s === 'active' ? 'active (running)' : s === 'activating' ? 'activating (auto-restart)' : s
  process.stdout.write(
    [
      `● ${unit}`,
      `     Loaded: loaded (${UNIT_DIR}/${unit}; enabled)`,
      `     Active: ${shown}`,
      ...(alive(main) ? [`   Main PID: ${main} (${basename(u.execStart[0] ?? '')})`] : []),
      '',
      ...journal
    ].join('\n') + '\n'
  )
  return s === 'active' ? 0 : 3
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
  const show = (props: Record<string, string>) => {
    for (const k of wanted.length ? wanted : Object.keys(props)) {
      process.stdout.write(valueOnly ? `${props[k] ?? ''}\n` : `${k}=${props[k] ?? ''}\n`)
    }
  }
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
      process.stdout.write(
        `# ${UNIT_DIR}/${unitName(unitArg)}\n${loadUnit(unitName(unitArg)).text}`
      )
      return 0
    case 'show': {
      const unit = unitName(unitArg)
      if (!existsSync(`${UNIT_DIR}/${unit}`)) {
        show({ LoadState: 'not-found', ActiveState: 'inactive', User: '' })
        return 0
      }
      const u = loadUnit(unit)
      show({
        LoadState: 'loaded',
        User: u.user,
        WorkingDirectory: u.workingDirectory,
        ExecStart: u.execStart.join(' '),
        MainPID: String(readPid(file(unit, 'main')) || 0),
        ActiveState: state(unit)
      })
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
