/* eslint-disable no-control-regex -- looking for control characters in the output is the point */
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { generateIdentity, identityToRecipient } from 'age-encryption'
import { hostPrerequisites, type NodeHost } from '../test-hosts/host.js'
import { cliHostFlags, up } from './support/hosts.js'
import { describeWith, HAVE_VECTORS, NODE24, ROOT } from './support/prerequisites.js'
import { leaks, runAction, secretForms, type ActionRun } from './support/runner.js'
import { tempDir } from './support/tmp.js'
import { staker } from './support/vectors.js'
import { workflowCommands } from './support/workflow-commands.js'

// Strings from outside (a node's answer, an input, a file, a port's bytes) fed through every mode
// of the built action and the CLI. Each carries workflow commands in both of the runner's forms,
// a CR, an ANSI escape and HTML; none of them may be executed, shown raw, or cost a secret.

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

/** Every injected command's value starts with INJECTED: ours never do. */
const PAYLOAD =
  '\n::warning::INJECTED-WARNING\n  ::add-mask::INJECTED-MASK\n##[add-mask]INJECTED-OLD-FORM\r::error::INJECTED-AFTER-CR\n\x1b[31m<img src=x onerror=alert(1)>INJECTED-HTML\x1b[0m'
const HOSTILE_NODE_ID = `NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg${PAYLOAD}`

/** The commands the action itself issues; anything else in its stdout was injected. */
const OURS = new Set(['add-mask', 'group', 'endgroup', 'warning', 'error', 'debug'])

const STACK = /\n\s+at .+:\d+:\d+\)?/

const id = staker(0)
const forms = () => secretForms(id.key, id.signer)

/** The assertions every run must pass, whatever it was fed. */
function expectClean(run: ActionRun, what: string): void {
  const commands = workflowCommands(run.stdout)
  const foreign = commands.filter(
    c =>
      !OURS.has(c.name) ||
      c.value.startsWith('INJECTED') ||
      (c.name === 'add-mask' && c.value.includes('INJECTED'))
  )
  expect({ what, foreign: foreign.map(c => c.line) }).toEqual({ what, foreign: [] })
  // Nothing reaches the runner's log raw: no control character but the line ends.
  expect({ what, raw: /[\x1b\x07\x00]/.test(run.stdout + run.stderr) }).toEqual({
    what,
    raw: false
  })
  expect({ what, lone: /\r(?!\n)/.test(run.stdout) }).toEqual({ what, lone: false })
  // Outputs of their own go into workflow scripts: nothing from outside but shaped values.
  const own = Object.entries(run.outputs).filter(([k]) => k !== 'result')
  expect({ what, outputs: own.filter(([, v]) => /INJECTED|[\r\n\x1b]/.test(v)) }).toEqual({
    what,
    outputs: []
  })
  const everything = run.visibleLog + run.summary + JSON.stringify(run.outputs)
  expect({ what, leaks: leaks(everything, forms()) }).toEqual({ what, leaks: [] })
  expect({ what, stack: STACK.exec(run.stdout + run.stderr)?.[0] }).toEqual({
    what,
    stack: undefined
  })
  // The summary's HTML: the payload's markup as text, no blank line that would start Markdown.
  expect({ what, img: run.summary.includes('<img') }).toEqual({ what, img: false })
  expect({ what, blank: /\n\s*\n(?!$)/.test(run.summary.replace(/\n+$/, '')) }).toEqual({
    what,
    blank: false
  })
}

const ssh = (host: NodeHost) => ({
  host: host.address,
  username: 'ubuntu',
  'ssh-key': host.userKeys.ed25519.privateKey,
  'host-key': host.knownHosts
})

const backupInputs = {
  'staker-crt': id.crt.toString(),
  'staker-key': id.key.toString(),
  'signer-key': id.signer.toString('base64')
}

/** A TCP port on loopback that answers every connection with the payload and closes. */
async function garbagePort(): Promise<{ port: number; server: Server }> {
  const server = createServer(s =>
    s.write(`HTTP/1.0 200 OK${PAYLOAD}\r\n\r\n${PAYLOAD}`, () => s.destroy())
  )
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, server }
}

function cli(args: string[]) {
  const r = spawnSync(NODE24, [join(ROOT, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** As cli(), without blocking this process (which serves the garbage port). */
async function cliAsync(args: string[]): Promise<ReturnType<typeof cli>> {
  const child = spawn(NODE24, [join(ROOT, 'dist/cli.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  return { code, stdout, stderr }
}

function expectCleanTerminal(r: ReturnType<typeof cli>, what: string): void {
  const text = r.stdout + r.stderr
  expect({ what, raw: /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.exec(text)?.[0] }).toEqual({
    what,
    raw: undefined
  })
  expect({ what, leaks: leaks(text, forms()) }).toEqual({ what, leaks: [] })
  expect({ what, stack: STACK.exec(text)?.[0] }).toEqual({ what, stack: undefined })
  // The CLI may run in a workflow step: it issues no workflow command, injected or not.
  expect({ what, commands: workflowCommands(text).map(c => c.line) }).toEqual({
    what,
    commands: []
  })
}

describeWith(
  missing ?? 'root, sshd',
  !missing,
  'strings from outside reach no log raw (built action and CLI)',
  () => {
    let node: NodeHost
    beforeAll(async () => {
      // The node runs staker 0 and answers info.getNodeID with the payload.
      node = await up({ identity: id, simulation: { reportNodeId: HOSTILE_NODE_ID } })
    })

    it('the node reports a NodeID carrying commands: verify, backup and restore render it', async () => {
      const debug = { RUNNER_DEBUG: '1' }
      const verify = await runAction(
        { mode: 'verify', ...backupInputs, 'expected-node-id': id.nodeId, ...ssh(node) },
        debug
      )
      expect(verify.code).toBe(1)
      // The NodeID was read and shown (escaped), so the payload really went through the log.
      expect(verify.stdout).toContain('INJECTED-WARNING')
      expectClean(verify, 'verify')

      const recipient = await identityToRecipient(await generateIdentity())
      const backup = await runAction(
        {
          mode: 'backup',
          ...ssh(node),
          'age-recipients': recipient,
          'archive-path': join(tempDir('hostile-backup'), 'b.tar.age')
        },
        debug
      )
      expect(backup.code).toBe(1)
      expect(backup.stdout + backup.summary).toContain('INJECTED-WARNING')
      expectClean(backup, 'backup')

      const restore = await runAction(
        {
          mode: 'restore',
          ...backupInputs,
          'expected-node-id': id.nodeId,
          ...ssh(node),
          'wait-timeout': '3'
        },
        debug
      )
      expect(restore.code).toBe(1)
      expectClean(restore, 'restore')
    })

    it('inputs carrying commands: staking-dir, service-name, username, expected-node-id, host, archive, hosts', async () => {
      const runs: [string, Record<string, string>][] = [
        [
          'staking-dir',
          {
            mode: 'verify',
            ...backupInputs,
            'expected-node-id': id.nodeId,
            ...ssh(node),
            'staking-dir': `/home/ubuntu/.avalanchego/staking${PAYLOAD}`
          }
        ],
        [
          'service-name',
          {
            mode: 'restore',
            ...backupInputs,
            'expected-node-id': id.nodeId,
            ...ssh(node),
            'service-name': `avalanchego${PAYLOAD}`,
            'wait-timeout': '3'
          }
        ],
        [
          'username',
          {
            mode: 'verify',
            ...backupInputs,
            'expected-node-id': id.nodeId,
            ...ssh(node),
            username: `ubuntu${PAYLOAD}`
          }
        ],
        [
          'expected-node-id',
          { mode: 'verify', ...backupInputs, 'expected-node-id': HOSTILE_NODE_ID }
        ],
        [
          // Refused before any connection (keystore-users is not JSON): no name is looked up.
          'host',
          {
            mode: 'restore',
            ...backupInputs,
            'expected-node-id': id.nodeId,
            ...ssh(node),
            host: `node.invalid${PAYLOAD}`,
            'keystore-users': 'not json'
          }
        ],
        [
          'archive',
          {
            mode: 'verify',
            archive: `/nonexistent${PAYLOAD}`,
            'age-identity':
              'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ',
            'expected-node-id': id.nodeId
          }
        ],
        // A token of hosts holds no blank space, but can hold the old ##[ form and escapes.
        ['hosts', { mode: 'probe', hosts: '##[add-mask]INJECTED-HOSTS\x1b[31m:port' }],
        // Key material in the wrong input is refused without being echoed (checked by leaks).
        [
          'api-url',
          {
            mode: 'restore',
            ...backupInputs,
            'expected-node-id': id.nodeId,
            ...ssh(node),
            'api-url': id.key.toString('base64')
          }
        ],
        [
          'sudo',
          {
            mode: 'restore',
            ...backupInputs,
            'expected-node-id': id.nodeId,
            ...ssh(node),
            sudo: id.signer.toString('base64')
          }
        ]
      ]
      for (const [what, inputs] of runs) {
        const run = await runAction(inputs, { RUNNER_DEBUG: '1' })
        expect({ what, code: run.code }).toEqual({ what, code: 1 })
        expectClean(run, what)
      }
    })

    it.each([
      ['as age-keygen writes it', true],
      ['the key line alone (the library quoted it whole)', false]
    ])(
      'an archive input pointing at an age identity file, %s: says so, never quotes the key',
      async (_what, comments) => {
        const identity = await generateIdentity()
        const file = join(tempDir('hostile-age'), 'key.txt')
        writeFileSync(
          file,
          comments
            ? `# created: 2026-01-01T00:00:00Z\n# public key: ${await identityToRecipient(identity)}\n${identity}\n`
            : `${identity}\n`
        )
        // Given as the archive and (by a second mistake) its text as the identity too.
        const run = await runAction({
          mode: 'restore',
          archive: file,
          'age-identity': identity,
          'expected-node-id': id.nodeId,
          ...ssh(node)
        })
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('the file is an age identity (a secret key), not an archive')
        // The key is masked (its add-mask line), but the log never needs the mask: it is not there.
        expect(run.masked).toContain(identity)
        expect(run.visibleLog).not.toContain(identity.slice(16))
        expectClean(run, 'age identity as archive')
      }
    )

    it('a probe target answering garbage', async () => {
      const g = await garbagePort()
      try {
        const run = await runAction({
          mode: 'probe',
          hosts: `127.0.0.1:${g.port}`,
          'expected-node-id': id.nodeId,
          'probe-timeout': '3'
        })
        expect(run.code).toBe(1)
        // It was probed (not refused as input): the garbage was read, and is not TLS.
        expect(run.outputs.result).toContain(
          `"port":${g.port},"error":"port ${g.port} does not speak TLS 1.3`
        )
        expectClean(run, 'probe')
        const c = await cliAsync(['probe', '--timeout', '3', `127.0.0.1:${g.port}`])
        expect(c.stderr).toContain('does not speak TLS 1.3')
        expect(c.code).toBe(1)
        expectCleanTerminal(c, 'cli probe')
      } finally {
        g.server.close()
      }
    })

    it('the CLI: a node answer with escapes stays on its line; no flag value is echoed', async () => {
      const dir = tempDir('hostile-cli')
      writeFileSync(join(dir, 'staker.crt'), id.crt)
      writeFileSync(join(dir, 'staker.key'), id.key)
      writeFileSync(join(dir, 'signer.key'), id.signer)
      const flags = cliHostFlags(node, dir)
      const live = cli(['verify', '--staking-dir', dir, ...flags, '--expected-node-id', id.nodeId])
      expect(live.code).toBe(1)
      expect(live.stdout + live.stderr).toContain('INJECTED-WARNING')
      expectCleanTerminal(live, 'cli verify --host')

      const b64 = (b: Buffer) => b.toString('base64')
      const valueAsPath = cli([
        'verify',
        '--staker-crt',
        b64(id.crt),
        '--staker-key',
        b64(id.key),
        '--signer-key',
        b64(id.signer)
      ])
      // The CLI reads its file flags as the action reads its inputs: base64 is one of the forms.
      expect(valueAsPath.code).toBe(0)
      expect(valueAsPath.stdout).toContain('All checks passed.')
      expectCleanTerminal(valueAsPath, 'base64 values given to the file flags')

      const signerOnly = cli([
        'verify',
        '--staker-crt',
        join(dir, 'staker.crt'),
        '--staker-key',
        join(dir, 'staker.key'),
        '--signer-key',
        b64(id.signer)
      ])
      expect(signerOnly.code).toBe(0)
      expect(signerOnly.stderr).toBe('')
      expectCleanTerminal(signerOnly, 'signer key given as base64')

      // A value that is no form at all: the check fails naming the flag, the value not echoed.
      const neither = cli([
        'verify',
        '--staker-crt',
        join(dir, 'staker.crt'),
        '--staker-key',
        join(dir, 'staker.key'),
        '--signer-key',
        '0x' + id.signer.toString('hex').slice(2)
      ])
      expect(neither.code).toBe(1)
      expect(neither.stdout).toContain(
        'the --signer-key input starts with 0x but is not 64 hex digits'
      )
      expectCleanTerminal(neither, 'a signer key that is no form')

      for (const [what, args] of [
        ['PEM as a flag value', ['verify', '--staker-key', id.key.toString()]],
        ['PEM as a positional', ['verify', '--staking-dir', dir, id.key.toString()]],
        ['PEM as a command', [id.key.toString()]],
        ['escapes in a path', ['node-id', `${dir}/x\x1b[31m\n::warning::INJECTED`]],
        ['escapes in a command', [`\x1b[2J${PAYLOAD}`]],
        ['hostile --out', ['backup', ...flags, '--out', dir]],
        // Refused by validation before anything runs (restore without --host is this machine).
        [
          'a key given to --sudo',
          ['restore', '--backup-dir', dir, '--expected-node-id', id.nodeId, '--sudo', b64(id.key)]
        ],
        [
          'a key given to --wait-timeout',
          [
            'restore',
            '--backup-dir',
            dir,
            '--expected-node-id',
            id.nodeId,
            '--wait-timeout',
            b64(id.signer)
          ]
        ],
        [
          'hostile host',
          [
            'restore',
            '--backup-dir',
            dir,
            '--expected-node-id',
            id.nodeId,
            '--host',
            `node.invalid${PAYLOAD}`
          ]
        ]
      ] as [string, string[]][]) {
        const r = cli(args)
        expect({ what, code: r.code }).toEqual({ what, code: expect.any(Number) })
        expect({ what, ok: r.code !== 0 }).toEqual({ what, ok: true })
        expectCleanTerminal(r, what)
      }
    })
  }
)
