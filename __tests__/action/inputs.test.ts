// The action's InputReader (src/action/inputs.ts): it reads only what action.yml declares. The
// runner passes an undeclared `with:` key all the same (with a warning), and the shared settings
// parser also reads CLI-only names such as out-dir, the CLI's plain-directory backup: the action
// must never see them.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { actionInputs, DECLARED_INPUTS } from '../../src/action/inputs.js'
import { ROOT } from '../support/prerequisites.js'

const declared = Object.keys(
  (parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> })
    .inputs
)

describe('the action’s inputs', () => {
  it('DECLARED_INPUTS is action.yml’s inputs', () =>
    expect([...DECLARED_INPUTS].sort()).toEqual([...declared].sort()))

  it.each([
    ['out-dir', 'get', '/tmp/plain'],
    ['out-dir', 'secret', '/tmp/plain'],
    ['proof-of-possession', 'bool', 'true']
  ] as const)(
    'an undeclared %s reads as not given (%s), though the runner set it',
    (name, how, value) => {
      const key = `INPUT_${name.toUpperCase()}`
      process.env[key] = value
      try {
        expect(actionInputs[how](name)).toBe(how === 'bool' ? false : '')
      } finally {
        delete process.env[key]
      }
    }
  )

  it('a secret input is masked whole, however short (a passphrase), and line by line', () => {
    const written: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk))
      return true
    }) as typeof process.stdout.write
    process.env['INPUT_SSH-PASSPHRASE'] = 'pw1234'
    process.env['INPUT_SSH-KEY'] = 'first line of a key\nsecond line of a key\n'
    try {
      expect(actionInputs.secret('ssh-passphrase')).toBe('pw1234')
      actionInputs.secret('ssh-key')
    } finally {
      process.stdout.write = write
      delete process.env['INPUT_SSH-PASSPHRASE']
      delete process.env['INPUT_SSH-KEY']
    }
    const masks = written
      .join('')
      .split('\n')
      .filter(l => l.startsWith('::add-mask::'))
    expect(masks).toEqual(
      expect.arrayContaining([
        '::add-mask::pw1234',
        '::add-mask::first line of a key',
        '::add-mask::second line of a key'
      ])
    )
  })

  it('a declared input is read', () => {
    process.env['INPUT_ARCHIVE-PATH'] = ' /tmp/b.tar.age '
    try {
      expect(actionInputs.get('archive-path')).toBe('/tmp/b.tar.age')
    } finally {
      delete process.env['INPUT_ARCHIVE-PATH']
    }
  })
})
