// The simulated avalanchego resolves its configuration by avalanchego's rules (config/viper.go,
// config/flags.go, config/config.go): table tests, no host, no root.

import {
  goExpand,
  NodeStartError,
  parseFlags,
  resolveConfig,
  signerSource,
  tlsSource
} from '../test-hosts/avalanchego-config.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')
const files: Record<string, string> = {
  '/etc/avalanchego/node.json': JSON.stringify({
    'data-dir': '/data/avalanchego',
    'staking-tls-cert-file': '/from-file/staker.crt',
    'http-port': 9652,
    'staking-ephemeral-cert-enabled': false
  })
}
const read = (p: string) => {
  if (p in files) return files[p]!
  throw Object.assign(new Error('missing'), { code: 'ENOENT' })
}
const HOME = { HOME: '/home/ubuntu' }
const config = (argv: string[], env: Record<string, string> = {}) =>
  resolveConfig(argv, { ...HOME, ...env }, read)

describe('the simulated node resolves its configuration like avalanchego', () => {
  it.each([
    ['defaults under $HOME/.avalanchego', [], {}, '/home/ubuntu/.avalanchego/staking/staker.crt'],
    ['--data-dir moves the defaults', ['--data-dir=/srv/ava'], {}, '/srv/ava/staking/staker.crt'],
    ['--data-dir VALUE (two words)', ['--data-dir', '/srv/ava'], {}, '/srv/ava/staking/staker.crt'],
    ['AVAGO_DATA_DIR', [], { AVAGO_DATA_DIR: '/env' }, '/env/staking/staker.crt'],
    [
      'an empty AVAGO_* counts as unset',
      [],
      { AVAGO_DATA_DIR: '' },
      '/home/ubuntu/.avalanchego/staking/staker.crt'
    ],
    ['the config file', ['--config-file=/etc/avalanchego/node.json'], {}, '/from-file/staker.crt'],
    [
      'env beats the config file',
      ['--config-file=/etc/avalanchego/node.json'],
      { AVAGO_STAKING_TLS_CERT_FILE: '/env/c' },
      '/env/c'
    ],
    [
      'a flag beats env',
      ['--staking-tls-cert-file=/flag/c'],
      { AVAGO_STAKING_TLS_CERT_FILE: '/env/c' },
      '/flag/c'
    ],
    [
      'AVAGO_CONFIG_FILE names the file',
      [],
      { AVAGO_CONFIG_FILE: '/etc/avalanchego/node.json' },
      '/from-file/staker.crt'
    ],
    [
      '$VAR and ${VAR} expand',
      ['--staking-tls-cert-file=$KEYS/${NAME}.crt'],
      { KEYS: '/k', NAME: 'n' },
      '/k/n.crt'
    ],
    [
      '$AVALANCHEGO_DATA_DIR is the data dir',
      ['--data-dir=/d', '--staking-tls-cert-file=$AVALANCHEGO_DATA_DIR/x.crt'],
      {},
      '/d/x.crt'
    ],
    ['no ~ expansion', ['--staking-tls-cert-file=~/staker.crt'], {}, '~/staker.crt'],
    [
      'a relative path stays relative (to the working directory)',
      ['--staking-tls-cert-file=keys/staker.crt'],
      {},
      'keys/staker.crt'
    ],
    ['an unset variable expands to nothing', ['--staking-tls-cert-file=$NOPE/c'], {}, '/c']
  ])('%s', (_, argv, env, certPath) => {
    const c = config(argv as string[], env as Record<string, string>)
    expect(c.path('staking-tls-cert-file')).toBe(certPath)
  })

  it('--config-file-content (base64) wins over --config-file; keys are read with their JSON types', () => {
    const c = config([
      '--config-file=/etc/avalanchego/node.json',
      `--config-file-content=${b64(JSON.stringify({ 'data-dir': '/content' }))}`
    ])
    expect(c.dataDir).toBe('/content')
    expect(c.source('staking-tls-cert-file')).toBe('default')
    const f = config(['--config-file=/etc/avalanchego/node.json'])
    expect([
      f.get('http-port'),
      f.bool('staking-ephemeral-cert-enabled'),
      f.source('http-port')
    ]).toEqual(['9652', false, 'config'])
  })

  it.each([
    [
      'a missing config file',
      ['--config-file=/etc/avalanchego/none.json'],
      'open /etc/avalanchego/none.json: no such file or directory'
    ],
    [
      'a config file that is not .json',
      ['--config-file=/etc/avalanchego/node'],
      'Unsupported Config Type ""'
    ],
    [
      'config content that is not base64',
      ['--config-file-content=%%%'],
      'unable to decode base64 content'
    ],
    ['a flag without its value', ['--data-dir'], 'flag needs an argument: --data-dir'],
    ['a shorthand flag', ['-d'], "unknown shorthand flag: 'd' in -d"]
  ])('is fatal: %s', (_, argv, message) => {
    expect(() => config(argv)).toThrow(NodeStartError)
    expect(() => config(argv)).toThrow(message)
  })

  it('a boolean flag alone is true and does not swallow the next argument', () => {
    expect([
      ...parseFlags(['--staking-ephemeral-cert-enabled', '--data-dir', '/x']).entries()
    ]).toEqual([
      ['staking-ephemeral-cert-enabled', 'true'],
      ['data-dir', '/x']
    ])
  })

  it.each([
    ['$A/$B', '1/2'],
    ['${A}x', '1x'],
    ['$', '$'],
    ['a$', 'a$'],
    ['$/x', '$/x'],
    ['${}x', 'x'],
    ['${A', 'A'],
    ['~/x', '~/x']
  ])("Go's os.Expand: %s → %s", (input, output) => {
    expect(goExpand(input, n => ({ A: '1', B: '2' })[n] ?? '')).toBe(output)
  })
})

describe('where the simulated node takes its identity from', () => {
  const cert = b64('CERT')
  const key = b64('KEY')
  it.each([
    ['files at the default paths', [], { kind: 'files', explicit: false }],
    [
      'files at a path set in a flag',
      ['--staking-tls-key-file=/k'],
      { kind: 'files', explicit: true, keyPath: '/k' }
    ],
    [
      'an ephemeral certificate (files ignored)',
      ['--staking-ephemeral-cert-enabled', `--staking-tls-cert-file-content=${cert}`],
      { kind: 'ephemeral' }
    ],
    [
      'both content flags',
      [`--staking-tls-cert-file-content=${cert}`, `--staking-tls-key-file-content=${key}`],
      { kind: 'content' }
    ]
  ])('TLS: %s', (_, argv, expected) => {
    expect(tlsSource(config(argv as string[]))).toMatchObject(expected)
  })

  it('TLS: one content flag without the other is an error', () => {
    expect(() => tlsSource(config([`--staking-tls-cert-file-content=${cert}`]))).toThrow(
      'staking-tls-key-file-content key not set but staking-tls-cert-file-content set'
    )
    expect(() => tlsSource(config([`--staking-tls-key-file-content=${key}`]))).toThrow(
      'staking-tls-key-file-content key set but staking-tls-cert-file-content not set'
    )
  })

  it.each([
    [
      'signer.key at the default path',
      [],
      {},
      { kind: 'file', explicit: false, path: '/home/ubuntu/.avalanchego/staking/signer.key' }
    ],
    [
      'signer.key at a path set in env',
      [],
      { AVAGO_STAKING_SIGNER_KEY_FILE: '/s' },
      { kind: 'file', explicit: true, path: '/s' }
    ],
    [
      'custom TLS paths do not move signer.key',
      ['--staking-tls-key-file=/k'],
      {},
      { kind: 'file', path: '/home/ubuntu/.avalanchego/staking/signer.key' }
    ],
    ['an ephemeral signer', ['--staking-ephemeral-signer-enabled'], {}, { kind: 'ephemeral' }],
    [
      'a remote signer',
      ['--staking-rpc-signer-endpoint=127.0.0.1:7000'],
      {},
      { kind: 'rpc', endpoint: '127.0.0.1:7000' }
    ],
    [
      'signer content',
      [`--staking-signer-key-file-content=${b64('x'.repeat(32))}`],
      {},
      { kind: 'content' }
    ]
  ])('BLS: %s', (_, argv, env, expected) => {
    expect(signerSource(config(argv as string[], env as Record<string, string>))).toMatchObject(
      expected
    )
  })

  it('BLS: more than one signer option is an error, wherever each is set', () => {
    expect(() =>
      signerSource(
        config(['--staking-ephemeral-signer-enabled'], { AVAGO_STAKING_SIGNER_KEY_FILE: '/s' })
      )
    ).toThrow('only one of the following flags can be set')
  })
})
