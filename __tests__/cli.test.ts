import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { derOf, generateIdentity } from './support/identities.js'
import { describeWith, HAVE_NODE24, HAVE_VECTORS, NODE24, ROOT } from './support/prerequisites.js'
import { runAction } from './support/runner.js'
import { vectorFile, vectorPath, vectors } from './support/vectors.js'
import { tempDir } from './support/tmp.js'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>
  version: string
}
const BIN = join(ROOT, pkg.bin['avalanche-node-backup']!)

/** Runs the committed CLI bundle, as `npx avalanche-node-backup …` would. */
function cli(...args: string[]) {
  const r = spawnSync(NODE24, [BIN, ...args], { encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function stakingDir(staker = vectors.stakers[0]!): string {
  const dir = tempDir('staking')
  copyFileSync(vectorPath(staker.cert), join(dir, 'staker.crt'))
  copyFileSync(vectorPath(staker.key), join(dir, 'staker.key'))
  copyFileSync(vectorPath(staker.signer), join(dir, 'signer.key'))
  return dir
}

describeWith(
  'node24 and ../shared/vectors',
  HAVE_NODE24 && HAVE_VECTORS,
  'the avalanche-node-backup CLI (built bundle)',
  () => {
    const s1 = vectors.stakers[0]!

    it('is the package bin, runnable as a script', () => {
      expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
      expect(cli('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
    })

    it('node-id prints one NodeID per line, in order, for PEM and DER certificates', () => {
      const ec = generateIdentity('ec')
      const derPath = join(ec.dir, 'staker.der')
      writeFileSync(derPath, derOf(ec.crtPath))
      const args = [...vectors.stakers.map(s => vectorPath(s.cert)), derPath, ec.crtPath]
      const r = cli('node-id', ...args)
      expect(r.code).toBe(0)
      const lines = r.stdout.trimEnd().split('\n')
      expect(lines.slice(0, 5)).toEqual(vectors.stakers.map(s => s.nodeID))
      expect(lines[5]).toMatch(/^NodeID-[1-9A-HJ-NP-Za-km-z]+$/)
      expect(lines[6]).toBe(lines[5])
    })

    it('node-id refuses a certificate avalanchego refuses (exit 1) and a missing file (exit 2)', () => {
      const refused = cli('node-id', vectorPath('large_rsa_key.cert'), vectorPath(s1.cert))
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe(`${s1.nodeID}\n`)
      expect(refused.stderr).toContain(
        'large_rsa_key.cert: certificate of 4257 bytes (DER); avalanchego refuses certificates over 2048 bytes'
      )
      const missing = cli('node-id', '/nonexistent/staker.crt')
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain('cannot read argument 1: no such file')
    })

    it('verify --staking-dir passes on a good backup, prints each check and the identity', () => {
      const r = cli(
        'verify',
        '--staking-dir',
        stakingDir(),
        '--expected-node-id',
        s1.nodeID,
        '--expected-bls-public-key',
        s1.blsPublicKey
      )
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('ok    staker.key belongs to staker.crt')
      expect(r.stdout).toContain(`NodeID               ${s1.nodeID}`)
      expect(r.stdout).toContain(`BLS public key       ${s1.blsPublicKey}`)
      expect(r.stdout).not.toContain('Proof of possession')
      expect(r.stdout).toContain('All checks passed.')
    })

    it('verify --proof-of-possession adds the proof', () => {
      const r = cli('verify', '--staking-dir', stakingDir(), '--proof-of-possession')
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`Proof of possession  ${s1.proofOfPossession}`)
    })

    it('verify exits 1 when a check fails, naming it', () => {
      const s2 = vectors.stakers[1]!
      const r = cli(
        'verify',
        '--staker-crt',
        vectorPath(s1.cert),
        '--staker-key',
        vectorPath(s2.key),
        '--signer-key',
        vectorPath(s1.signer),
        '--expected-node-id',
        s1.nodeID
      )
      expect(r.code).toBe(1)
      expect(r.stdout).toContain(
        'FAIL  staker.key belongs to staker.crt: staker.key: does not belong to staker.crt'
      )
      expect(r.stdout).toContain('1 check failed.')
    })

    it("verify --json prints the same object as the action's result output", async () => {
      const dir = stakingDir()
      const r = cli(
        'verify',
        '--staking-dir',
        dir,
        '--expected-node-id',
        s1.nodeID,
        '--proof-of-possession',
        '--json'
      )
      expect(r.code).toBe(0)
      const action = await runAction({
        'staker-crt': join(dir, 'staker.crt'),
        'staker-key': join(dir, 'staker.key'),
        'signer-key': join(dir, 'signer.key'),
        'expected-node-id': s1.nodeID
      })
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(action.outputs.result!))
    })

    it('verify starts without the TLS or SSH stack (they load only for the commands that need them)', () => {
      const dir = tempDir('loaded')
      const probe = join(dir, 'probe.cjs')
      const out = join(dir, 'loaded.json')
      writeFileSync(
        probe,
        `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })))`
      )
      const r = spawnSync(
        NODE24,
        [
          '--require',
          probe,
          BIN,
          'verify',
          '--staking-dir',
          stakingDir(),
          '--expected-node-id',
          s1.nodeID
        ],
        { encoding: 'utf8' }
      )
      expect(r.status).toBe(0)
      const loaded = JSON.parse(readFileSync(out, 'utf8')) as {
        builtins: string[]
        files: string[]
      }
      expect(loaded.builtins.filter(m => /\b(tls|_tls_wrap|http)$/.test(m))).toEqual([])
      expect(loaded.files.filter(f => f.includes('remote.js'))).toEqual([])
    })

    it.each([
      [['verify'], /give --staking-dir DIR, or all of --staker-crt, --staker-key and --signer-key/],
      [
        ['verify', '--staking-dir', '/tmp', '--staker-crt', 'x'],
        /either --staking-dir or the three files, not both/
      ],
      [['verify', '--staking-dir'], /--staking-dir/],
      [['verify', '--bogus'], /Unknown option '--bogus'/],
      [
        ['verify', '--staking-dir', '/nonexistent'],
        /cannot read staker\.crt in --staking-dir: no such file/
      ],
      [
        [
          'verify',
          '--staker-crt',
          'a',
          '--staker-key',
          'b',
          '--signer-key',
          'c',
          '--expected-node-id',
          'NodeID-abc'
        ],
        /too short|wrong checksum/
      ],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['node-id'], /node-id needs at least one certificate file/]
    ])('bad usage %j exits 2 with a message', (args, message) => {
      const r = cli(...args)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
    })

    it('the file flags take what the action’s inputs take; a path that cannot be read is bad input', () => {
      const dir = stakingDir()
      const files = (key: string) => [
        '--staker-crt',
        join(dir, 'staker.crt'),
        '--staker-key',
        key,
        '--signer-key',
        join(dir, 'signer.key')
      ]
      const missing = cli('verify', ...files(join(dir, 'nope.key')))
      expect(missing).toMatchObject({ code: 2, stdout: '' })
      expect(missing.stderr).toBe('avalanche-node-backup: cannot read --staker-key: no such file\n')
      const directory = cli('verify', ...files(dir))
      expect(directory.code).toBe(2)
      expect(directory.stderr).toContain('cannot read --staker-key: it is a directory')
      // Standard input, as `ssh host sudo cat …/staker.key | avalanche-node-backup verify --staker-key -`.
      const piped = spawnSync(NODE24, [BIN, 'verify', ...files('-')], {
        input: readFileSync(join(dir, 'staker.key')),
        encoding: 'utf8'
      })
      expect(piped.status).toBe(0)
      expect(piped.stdout).toContain('All checks passed.')
    })

    it('restore refuses a backup whose file cannot be decoded, before anything changes (the checks run in the second bundle)', () => {
      const dir = stakingDir()
      const r = cli(
        'restore',
        '--staker-crt',
        join(dir, 'staker.crt'),
        '--staker-key',
        join(dir, 'staker.key'),
        '--signer-key',
        '0x12',
        '--expected-node-id',
        vectors.stakers[0]!.nodeID,
        '--staking-dir',
        join(dir, 'never-touched')
      )
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(
        'Restore failed: The backup does not pass its checks; nothing on the host was touched'
      )
      expect(r.stderr).toContain('the --signer-key input starts with 0x but is not 64 hex digits')
      expect(r.stdout + r.stderr).not.toMatch(/must be of type|TypeError|Received an instance/)
    })

    it.each([
      [['probe'], /^avalanche-node-backup: probe needs at least one HOST\[:PORT\]/],
      [
        ['probe', 'a:99999'],
        /^avalanche-node-backup: HOST arguments: entry 1 is not host\[:port\]/
      ],
      [
        [
          'backup',
          '--archive',
          '/etc/hostname',
          '--age-recipient',
          'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
        ],
        /^avalanche-node-backup: --archive: a file exists there/
      ],
      [
        ['backup', '--out', '/etc/hostname'],
        /^avalanche-node-backup: --out: a file exists there: give a new directory\./
      ],
      [
        ['backup', '--archive', '/tmp/anb-x.age', '--age-recipient', 'age1nope'],
        /^avalanche-node-backup: --age-recipient: recipient 1 of 1 is not an age recipient/
      ],
      [
        [
          'restore',
          '--backup-dir',
          '/etc',
          '--expected-node-id',
          'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg',
          '--host-key',
          'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
        ],
        /cannot read staker\.crt in --backup-dir|--host-key is given but --host is empty/
      ]
    ])('%j: bad usage (exit 2), named by the CLI’s own flags', (args, message) => {
      const r = cli(...args)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
    })

    it('restore with SSH flags but no --host refuses instead of restoring this machine', () => {
      const dir = stakingDir()
      const r = cli(
        'restore',
        '--backup-dir',
        dir,
        '--expected-node-id',
        vectors.stakers[0]!.nodeID,
        '--host-key',
        'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
      )
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(
        /--host-key is given but --host is empty: set --host to reach the node host/
      )
      expect(r.stdout).not.toContain('== Connect')
    })

    it.each([['--help'], ['node-id', '--help'], ['verify', '--help']])(
      '%s prints usage and exits 0',
      (...args) => {
        const r = cli(...args)
        expect(r.code).toBe(0)
        expect(r.stdout).toMatch(/^Usage: avalanche-node-backup/)
      }
    )

    it('never prints key material, even when a check fails', () => {
      const dir = stakingDir()
      copyFileSync(vectorPath(vectors.stakers[2]!.key), join(dir, 'staker.key'))
      const r = cli('verify', '--staking-dir', dir, '--json')
      const out = r.stdout + r.stderr
      for (const f of [vectorFile(vectors.stakers[2]!.key), vectorFile(s1.signer)]) {
        for (const line of f
          .toString('latin1')
          .split('\n')
          .filter(l => l.length > 16 && !l.startsWith('-----'))) {
          expect(out).not.toContain(line)
        }
        expect(out).not.toContain(f.toString('base64').slice(0, 40))
      }
    })
  }
)
