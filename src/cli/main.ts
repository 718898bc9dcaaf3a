import { InputError } from '../errors.js'
import { parseStakingCertificate } from '../identity/certificate.js'
import { IdentityError } from '../identity/errors.js'
import { parseNodeId } from '../identity/node-id.js'
import { errorMessage, type Log } from '../log.js'
import { verify } from '../operations/verify.js'
import { probeResult, resultObject } from '../render/result.js'

import {
  err,
  expectationsFrom,
  HOST_FLAGS,
  NAME,
  out,
  parse,
  quiet,
  readBackupFiles,
  readInput
} from './flags.js'
import { terminalValue } from '../render/escape.js'
declare const PACKAGE_VERSION: string

const HELP: Record<string, string> = {
  main: `Usage: ${NAME} <command> [options]

Keep an AvalancheGo node's identity (staker.crt, staker.key, signer.key) safe.

Commands:
  node-id FILE...   print the NodeID of each certificate (PEM or DER), one per line ('-': stdin)
  verify            check a backup offline: whole, a pair, accepted by avalanchego, the expected identity
  probe HOST...      print each node's NodeID as its staking port proves it (TLS, no SSH or secret)
  backup            take the files off a node (over SSH or here), check them against it, store them
  restore           put a backup on a node host over SSH (or this machine), restart it, prove the NodeID

Run '${NAME} <command> --help' for a command's options.
Exit codes: 0 all checks pass, 1 a check failed, 2 bad usage or unreadable input.`,
  'node-id': `Usage: ${NAME} node-id FILE...

Prints the NodeID of each certificate, one per line, in the order given: "NodeID-" +
cb58(ripemd160(sha256(DER))). Files may be PEM (the first certificate of a chain counts) or DER;
'-' reads standard input (ssh HOST cat .avalanchego/staking/staker.crt | ${NAME} node-id -).
A certificate avalanchego would refuse is reported on stderr and makes the exit code 1.`,
  probe: `Usage: ${NAME} probe [--expected-node-id ID]... [--timeout SECONDS] [--json] HOST[:PORT]...

Connects to each node's staking port (default 9651) with TLS 1.3 and a throwaway client
certificate, and prints the NodeID of the certificate the node presents, one line per host in the
order given. All hosts are probed at once, one connection each. With --expected-node-id (once per
host, in order), a node that proves another NodeID makes the exit code 1, as does an unreachable one.`,
  verify: `Usage: ${NAME} verify (--staking-dir DIR | --staker-crt F --staker-key F --signer-key F)
                 [--expected-node-id ID] [--expected-bls-public-key HEX]
                 [--proof-of-possession] [--json]

Checks the three files as avalanchego reads them: the certificate and key are a pair of a type the
node accepts, signer.key is a valid BLS key, and (when given) they give the expected NodeID and BLS
public key. Prints each check and the identity; --json prints the same object as the action's
'result' output.

  --staking-dir DIR              a directory holding staker.crt, staker.key and signer.key
  --staker-crt, --staker-key, --signer-key FILE   the files one by one
  --expected-node-id ID          the NodeID the backup must give
  --expected-bls-public-key HEX  the BLS public key (0x + 96 hex digits) it must give
  --proof-of-possession         also derive the BLS proof of possession (for registering a
                                 validator; slower: it hashes to the curve)
  --json                         print the result as JSON
  --host HOST ...                also compare with the live node on that host (the files there, by
                                 hash, and the NodeID and BLS key it reports); the host flags are
                                 restore's (see restore --help), but the staking directory on the
                                 host is --host-staking-dir (default ~/.avalanchego/staking).
                                 Changes nothing on the host.`
}

/** The CLI: exit code 0 when every check passes, 1 when a check fails, 2 on bad usage or input. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  // A crash would print Node's stack trace with its message raw: say it in one line instead.
  const crash = (e: unknown) => {
    err(`${NAME}: unexpected failure: ${errorMessage(e)} (a bug; please report it)`)
    process.exit(1)
  }
  process.once('uncaughtException', crash)
  process.once('unhandledRejection', crash)
  try {
    switch (command) {
      case 'node-id':
        return nodeIdCommand(rest)
      case 'verify':
        return await verifyCommand(rest)
      case 'probe':
        return await probeCommand(rest)
      case 'restore':
        // The SSH stack loads only for the commands that need it.
        return await (await import('./remote.js')).restoreCommand(rest)
      case 'backup':
        return await (await import('./remote.js')).backupCommand(rest)
      case '--version':
      case '-V':
        console.log(PACKAGE_VERSION)
        return 0
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP.main)
        return command === undefined ? 2 : 0
      default:
        // Quoted only when it is a word: a value typed first by mistake is not echoed.
        throw new InputError(
          `unknown command${/^[a-z][a-z-]{0,19}$/.test(command) ? ` '${command}'` : ''}. Run '${NAME} --help'.`
        )
    }
  } catch (e) {
    err(`${NAME}: ${errorMessage(e)}`)
    // By name: the SSH commands' bundle has its own copies of these classes.
    return e instanceof Error && ['InputError', 'IdentityError'].includes(e.name) ? 2 : 1
  }
}

function wantsHelp(args: string[], command: string): boolean {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP[command])
    return true
  }
  return false
}

function nodeIdCommand(args: string[]): number {
  if (wantsHelp(args, 'node-id')) return 0
  const { positionals } = parse(args, {})
  if (positionals.length === 0)
    throw new InputError(
      `node-id needs at least one certificate file. Run '${NAME} node-id --help'.`
    )
  let code = 0
  // A file that cannot be read is named by its place among the arguments, never by its value
  // (it may be a key pasted where a path belongs); one that was read is a path, and named.
  for (const [i, path] of positionals.entries()) {
    const bytes = readInput(path, `argument ${i + 1}`)
    try {
      out(parseStakingCertificate(bytes).nodeId)
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e
      err(`${terminalValue(path)}: ${e.reason}`)
      code = 1
    }
  }
  return code
}

async function verifyCommand(args: string[]): Promise<number> {
  if (wantsHelp(args, 'verify')) return 0
  const { values, positionals } = parse(args, {
    'staking-dir': { type: 'string' },
    'staker-crt': { type: 'string' },
    'staker-key': { type: 'string' },
    'signer-key': { type: 'string' },
    'expected-node-id': { type: 'string' },
    'expected-bls-public-key': { type: 'string' },
    'proof-of-possession': { type: 'boolean' },
    json: { type: 'boolean' },
    ...Object.fromEntries(
      HOST_FLAGS.filter(f => f !== 'staking-dir').map(f => [f, { type: 'string' as const }])
    ),
    'host-staking-dir': { type: 'string' },
    'insecure-skip-host-key-check': { type: 'boolean' }
  })
  if (positionals.length)
    throw new InputError(
      `unexpected argument (not after a flag that takes it). Run '${NAME} verify --help'.`
    )
  // Checked before any file is read: a mistyped NodeID is bad input, whatever the files say.
  const expected = expectationsFrom(values['expected-node-id'], values['expected-bls-public-key'])
  const files = readBackupFiles(
    'staking-dir',
    values['staking-dir'],
    [values['staker-crt'], values['staker-key'], values['signer-key']],
    'verify'
  )

  if ((values as { host?: string }).host) {
    // Against the live node too: the SSH commands' bundle.
    const remote = await import('./remote.js')
    return remote.verifyLiveCommand(
      values as Record<string, string | boolean | undefined>,
      files,
      expected,
      !!values.json
    )
  }
  const report = await verify(
    { files, expected, proofOfPossession: !!values['proof-of-possession'] },
    values.json ? silentLog : stdoutLog
  )
  if (values.json) {
    out(JSON.stringify(resultObject('verify', report), null, 2))
  } else {
    out('')
    if (report.nodeId) out(`NodeID               ${report.nodeId}`)
    if (report.keyType) out(`Key type             ${report.keyType}`)
    if (report.blsPublicKey) out(`BLS public key       ${report.blsPublicKey}`)
    if (report.proofOfPossession) out(`Proof of possession  ${report.proofOfPossession}`)
    const failed = report.checks.filter(c => c.status === 'fail').length
    out(failed ? `\n${failed} check${failed > 1 ? 's' : ''} failed.` : '\nAll checks passed.')
  }
  return report.ok ? 0 : 1
}

const stdoutLog: Log = {
  info: m => console.log(terminalValue(m)),
  debug: () => {},
  warning: m => console.error(`warning: ${terminalValue(m)}`),
  group: (_name, fn) => fn()
}

const silentLog: Log = quiet(stdoutLog)

async function probeCommand(args: string[]): Promise<number> {
  if (wantsHelp(args, 'probe')) return 0
  const { values, positionals } = parse(args, {
    'expected-node-id': { type: 'string', multiple: true },
    timeout: { type: 'string' },
    json: { type: 'boolean' }
  })
  // Loaded only for probe: the TLS stack is not needed to start verify or node-id.
  const { parseProbeTargets, probe } = await import('../operations/probe.js')
  const targets = parseProbeTargets(
    positionals.join(' '),
    (values['expected-node-id'] ?? []).join(' '),
    (s, what) => parseNodeId(s, what),
    m => new InputError(m),
    true
  )
  const timeout = Number(values.timeout ?? 5)
  if (!(timeout > 0)) throw new InputError('--timeout must be a number of seconds')
  const report = await probe(targets, timeout * 1000, silentLog)
  if (values.json) out(JSON.stringify(probeResult(report), null, 2))
  // One line per host: what a node answered is shown on its line, never as lines of its own.
  for (const n of report.nodes) {
    const where = terminalValue(`${n.host}:${n.port}`)
    if (!values.json && n.nodeId) out(terminalValue(n.nodeId))
    if (!n.nodeId) err(`${where}: ${terminalValue(n.error ?? 'no answer')}`)
    else if (n.match === false)
      err(`${where}: reports ${terminalValue(n.nodeId)}, expected ${n.expected}`)
  }
  return report.nodes.every(n => n.nodeId && n.match !== false) ? 0 : 1
}
