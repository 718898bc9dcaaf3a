// The CLI's flags as the one InputReader (src/cli/flags.ts): each command's flags read by the
// action's input names, so that the CLI's settings are parsed exactly as the action's. Pure: the
// only files read are a temporary key file.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkBackupFlags, flagReader, FLAGS, parse } from '../../src/cli/flags.js'
import type { Mode } from '../../src/settings/modes.js'

// A backup directory with its three files (the reader reads a path first, to refuse a missing one).
const B = mkdtempSync(join(tmpdir(), 'anb-flags-b-'))
for (const f of ['staker.crt', 'staker.key', 'signer.key']) writeFileSync(join(B, f), 'x')

const read = (command: Mode, args: string[]) => {
  const { values, positionals } = parse(args, FLAGS[command])
  return flagReader(command, values, positionals)
}

describe('flagReader: flags by the action’s input names', () => {
  it.each<[string, Mode, string[], string, string]>([
    [
      'verify: the local backup directory stands for its files',
      'verify',
      ['--staking-dir', B],
      'staker-crt',
      join(B, 'staker.crt')
    ],
    [
      'verify: the host’s staking directory is --host-staking-dir',
      'verify',
      ['--staking-dir', '/b', '--host-staking-dir', '/h'],
      'staking-dir',
      '/h'
    ],
    [
      'restore: --staking-dir is the host’s',
      'restore',
      ['--backup-dir', '/b', '--staking-dir', '/h'],
      'staking-dir',
      '/h'
    ],
    [
      'restore: --backup-dir stands for the files',
      'restore',
      ['--backup-dir', B],
      'signer-key',
      join(B, 'signer.key')
    ],
    [
      'restore: a file flag as given (a path or the text)',
      'restore',
      ['--staker-key', 'LS0tLS1CRUdJTg=='],
      'staker-key',
      'LS0tLS1CRUdJTg=='
    ],
    [
      'backup: every --age-recipient, one a line',
      'backup',
      ['--age-recipient', 'age1a', '--age-recipient', 'age1b'],
      'age-recipients',
      'age1a\nage1b'
    ],
    [
      'backup: --archive is archive-path',
      'backup',
      ['--archive', '/x.age'],
      'archive-path',
      '/x.age'
    ],
    ['backup: --out is out-dir', 'backup', ['--out', '/new'], 'out-dir', '/new'],
    ['probe: the positionals are the hosts', 'probe', ['a:1', 'b'], 'hosts', 'a:1 b'],
    [
      'probe: every --expected-node-id, in order',
      'probe',
      ['--expected-node-id', 'X', '--expected-node-id', 'Y', 'a'],
      'expected-node-id',
      'X Y'
    ],
    ['probe: --timeout is probe-timeout', 'probe', ['--timeout', '7', 'a'], 'probe-timeout', '7'],
    [
      'restore: --old-hosts repeated',
      'restore',
      ['--old-hosts', 'a', '--old-hosts', 'b:2'],
      'old-hosts',
      'a\nb:2'
    ],
    ['a flag not given reads empty', 'restore', [], 'host', ''],
    ['restore never takes an archive (the action’s input)', 'restore', [], 'archive', '']
  ])('%s', (_what, command, args, name, value) => {
    const r = read(command, args)
    const got = ['staker-crt', 'staker-key', 'signer-key'].includes(name)
      ? r.secret(name)
      : r.get(name)
    expect(got).toBe(value)
  })

  it.each<[Mode, string[], string, string]>([
    ['verify', ['--staking-dir', '/b'], 'staker-crt', 'staker.crt in --staking-dir'],
    ['restore', ['--backup-dir', '/b'], 'signer-key', 'signer.key in --backup-dir'],
    ['verify', [], 'staker-key', '--staker-key'],
    ['probe', [], 'probe-timeout', '--timeout'],
    ['backup', [], 'age-recipients', '--age-recipient'],
    ['backup', [], 'archive-path', '--archive'],
    ['restore', [], 'expected-node-id', '--expected-node-id']
  ])('%s %j labels %s as %s', (command, args, name, label) =>
    expect(read(command, args).label(name)).toBe(label)
  )

  it('an SSH key is read from its file; an unreadable one is named by its flag, never its value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anb-flags-'))
    writeFileSync(join(dir, 'id'), 'KEY TEXT\n')
    expect(read('restore', ['--ssh-key', join(dir, 'id')]).secret('ssh-key')).toBe('KEY TEXT\n')
    expect(() =>
      read('restore', ['--ssh-key', 'b3BlbnNzaC1rZXktdjEAAAAA']).secret('ssh-key')
    ).toThrow(/^cannot read --ssh-key: no such file$/)
  })

  it('a backup directory without the files: refused as its file is read, named, not read twice', () => {
    expect(() => read('verify', ['--staking-dir', '/nonexistent']).secret('staker-crt')).toThrow(
      /^cannot read staker\.crt in --staking-dir: no such file$/
    )
    expect(() => read('verify', ['--staker-crt', B]).secret('staker-crt')).toThrow(
      /^cannot read --staker-crt: it is a directory$/
    )
  })

  it('booleans are the flags given', () => {
    expect(read('restore', ['--force']).bool('force')).toBe(true)
    expect(read('restore', []).bool('force')).toBe(false)
  })
})

describe('checkBackupFlags', () => {
  it.each<[string, 'verify' | 'restore', string[], RegExp]>([
    [
      'neither',
      'verify',
      [],
      /^give --staking-dir DIR, or all of --staker-crt, --staker-key and --signer-key/
    ],
    [
      'both',
      'restore',
      ['--backup-dir', '/b', '--staker-crt', 'x'],
      /^give either --backup-dir or the three files, not both$/
    ],
    [
      'two of three files',
      'verify',
      ['--staker-crt', 'a', '--staker-key', 'b'],
      /^give --staking-dir DIR/
    ]
  ])('%s: refused', (_what, command, args, message) => {
    const { values } = parse(args, FLAGS[command])
    expect(() => checkBackupFlags(command, values)).toThrow(message)
  })
})
