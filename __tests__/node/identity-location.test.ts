// Where a node takes its identity from, by avalanchego's rules: fast tables, no host.
import {
  configSource,
  containerFacts,
  hostPath,
  parseConfig,
  throughMounts,
  parseFlags,
  resolveIdentity,
  restoreRefusal,
  type NodeView
} from '../../src/node/identity-location.js'
import { nodeView } from '../../src/node/node-host.js'

const BIN = '/home/ubuntu/avalanche-node/avalanchego'
const view = (
  argv: string[],
  env: Record<string, string> = {},
  cwd = '/home/ubuntu'
): NodeView => ({
  argv: [BIN, ...argv],
  env: { HOME: '/home/ubuntu', ...env },
  cwd,
  source: 'process'
})
const files = (v: NodeView, config?: Record<string, string>) => {
  const loc = resolveIdentity(
    v,
    config ? new Map(Object.entries(config)) : undefined,
    'config file /c.json'
  )
  return {
    crt: loc.tls.kind === 'files' ? loc.tls.cert : loc.tls.kind,
    key: loc.tls.kind === 'files' ? loc.tls.key : loc.tls.kind,
    signer: loc.signer.kind === 'file' ? loc.signer.path : loc.signer.kind,
    dir: loc.stakingDir
  }
}
const inDir = (d: string) => ({
  crt: `${d}/staker.crt`,
  key: `${d}/staker.key`,
  signer: `${d}/signer.key`,
  dir: d
})

describe('flags as pflag reads them', () => {
  it.each([
    [['--data-dir=/a'], { 'data-dir': '/a' }],
    [['--data-dir', '/a'], { 'data-dir': '/a' }],
    [
      ['--staking-ephemeral-cert-enabled', '--data-dir=/b'],
      { 'staking-ephemeral-cert-enabled': 'true', 'data-dir': '/b' }
    ],
    [['--staking-ephemeral-cert-enabled=false'], { 'staking-ephemeral-cert-enabled': 'false' }],
    [['positional', '--x=a=b'], { x: 'a=b' }]
  ])('%j', (argv, want) => {
    expect(Object.fromEntries(parseFlags([BIN, ...argv]))).toEqual(want)
  })
})

describe('the identity files, by precedence and expansion', () => {
  it.each<
    [string, NodeView, Record<string, string> | undefined, ReturnType<typeof inDir> | object]
  >([
    [
      'the installer: defaults under $HOME/.avalanchego',
      view([]),
      undefined,
      inDir('/home/ubuntu/.avalanchego/staking')
    ],
    [
      'data-dir in the config file',
      view([]),
      { 'data-dir': '/data/avax' },
      inDir('/data/avax/staking')
    ],
    [
      'a flag beats the environment, which beats the config file',
      view(['--data-dir=/flag'], { AVAGO_DATA_DIR: '/env' }),
      { 'data-dir': '/cfg' },
      inDir('/flag/staking')
    ],
    [
      'the environment beats the config file',
      view([], { AVAGO_DATA_DIR: '/env' }),
      { 'data-dir': '/cfg' },
      inDir('/env/staking')
    ],
    [
      'an empty AVAGO_ variable counts as unset',
      view([], { AVAGO_DATA_DIR: '' }),
      { 'data-dir': '/cfg' },
      inDir('/cfg/staking')
    ],
    [
      '$AVALANCHEGO_DATA_DIR and ${VAR} expand',
      view(
        [
          '--staking-tls-cert-file=$AVALANCHEGO_DATA_DIR/s/staker.crt',
          '--staking-tls-key-file=${DISK}/s/staker.key',
          '--staking-signer-key-file=$DISK/s/signer.key'
        ],
        { AVAGO_DATA_DIR: '/mnt/disk', DISK: '/mnt/disk' }
      ),
      undefined,
      inDir('/mnt/disk/s')
    ],
    [
      'no ~ expansion: a relative path from the working directory',
      view(['--data-dir=~/.avalanchego'], {}, '/srv'),
      undefined,
      inDir('/srv/~/.avalanchego/staking')
    ],
    [
      'relative paths from the working directory',
      view(['--data-dir=node'], {}, '/var/lib'),
      undefined,
      inDir('/var/lib/node/staking')
    ],
    ['config keys are case-insensitive', view([]), { 'Data-Dir': '/x' }, inDir('/x/staking')],
    [
      'custom TLS paths do not move the signer key',
      view([
        '--staking-tls-cert-file=/etc/a/staker.crt',
        '--staking-tls-key-file=/etc/a/staker.key'
      ]),
      undefined,
      {
        crt: '/etc/a/staker.crt',
        key: '/etc/a/staker.key',
        signer: '/home/ubuntu/.avalanchego/staking/signer.key',
        dir: undefined
      }
    ]
  ])('%s', (_name, v, config, want) => {
    const cfg = config ? Object.fromEntries(parseConfig(JSON.stringify(config))) : undefined
    expect(files(v, cfg)).toEqual(want)
  })
})

describe('identities that are not files', () => {
  it.each([
    [['--staking-ephemeral-cert-enabled'], /new TLS identity at every start/],
    [
      ['--staking-tls-cert-file-content=AAAA', '--staking-tls-key-file-content=AAAA'],
      /TLS identity from base64/
    ],
    [['--staking-rpc-signer-endpoint=10.0.0.5:5000'], /remote signer at 10\.0\.0\.5:5000/],
    [['--staking-ephemeral-signer-enabled'], /new BLS key at every start/],
    [['--staking-signer-key-file-content=AAAA'], /BLS key from base64/],
    [
      ['--staking-tls-cert-file=/a/node.crt'],
      /not staker\.crt, staker\.key and signer\.key in one directory/
    ]
  ])('%j: restore refuses and says why', (argv, why) => {
    expect(restoreRefusal(resolveIdentity(view(argv), undefined))).toMatch(why)
  })

  it('the installer layout restores', () => {
    expect(restoreRefusal(resolveIdentity(view([]), undefined))).toBeUndefined()
  })
})

describe('the config file', () => {
  it('config-file-content (base64) wins over config-file', () => {
    const content = Buffer.from('{"data-dir":"/c"}').toString('base64')
    const src = configSource(view([`--config-file-content=${content}`, '--config-file=/x.json']))
    expect(src).toEqual({ content: '{"data-dir":"/c"}', how: 'config-file-content' })
  })
  it('config-file from AVAGO_CONFIG_FILE, relative to the working directory', () => {
    expect(configSource(view([], { AVAGO_CONFIG_FILE: 'cfg/node.json' }, '/srv'))).toEqual({
      path: '/srv/cfg/node.json',
      how: 'config file /srv/cfg/node.json'
    })
  })
  it('a YAML config file is named, not guessed', () => {
    expect(() => parseConfig('data-dir: /x')).toThrow(/not JSON/)
  })
})

describe("discover-host.sh's lines", () => {
  const b = (s: string) => Buffer.from(s).toString('base64')
  it('the running process wins over the unit', () => {
    const v = nodeView(
      [
        `unit-execstart ${b('{ path=/x ; argv[]=/x --data-dir=/unit ; ignore_errors=no }')}`,
        `arg ${b('/x')}`,
        `arg ${b('--data-dir=/proc')}`,
        `env ${b('HOME=/h')}`,
        `cwd ${b('/w')}`,
        `home ${b('/h')}`
      ].join('\n')
    )
    expect(v).toEqual({
      argv: ['/x', '--data-dir=/proc'],
      env: { HOME: '/h' },
      cwd: '/w',
      source: 'process'
    })
  })
  it("a stopped node: the unit's ExecStart, Environment= and EnvironmentFile= (which wins)", () => {
    const v = nodeView(
      [
        `unit-execstart ${b('{ path=/x ; argv[]=/x --config-file=/c.json ; ignore_errors=no ; start_time=[n/a] }')}`,
        `unit-env ${b('AVAGO_DATA_DIR=/a "AVAGO_LOG_DIR=/l x"')}`,
        `envfile ${b('/etc/default/avalanchego')} ${b('# comment\nexport AVAGO_DATA_DIR="/b"\n')}`,
        `unit-workdir ${b('~')}`,
        `unit-user ${b('avax')}`,
        `home ${b('/home/avax')}`
      ].join('\n')
    )
    expect(v).toEqual({
      argv: ['/x', '--config-file=/c.json'],
      env: { HOME: '/home/avax', AVAGO_DATA_DIR: '/b', AVAGO_LOG_DIR: '/l x' },
      cwd: '/home/avax',
      source: 'unit'
    })
  })
})

describe('a node in Docker', () => {
  const inspect = (mounts: object[], extra: object = {}) =>
    JSON.stringify([
      {
        Config: {
          User: '',
          Env: ['A=1'],
          Cmd: ['/avalanchego/build/avalanchego'],
          Entrypoint: null,
          WorkingDir: '',
          ...extra
        },
        Mounts: mounts
      }
    ])
  it('the container root user, its HOME, its command and mounts', () => {
    const c = containerFacts(inspect([{ Source: '/srv/avax', Destination: '/root/.avalanchego' }]))
    expect(c).toEqual({
      user: 'root',
      view: {
        argv: ['/avalanchego/build/avalanchego'],
        env: { A: '1', HOME: '/root' },
        cwd: '/',
        source: 'container'
      },
      mounts: [{ source: '/srv/avax', destination: '/root/.avalanchego' }]
    })
  })
  it.each([
    ['/root/.avalanchego/staking', '/srv/avax/staking'],
    ['/root/.avalanchego', '/srv/avax'],
    ['/root/.avalanchegox/staking', undefined],
    ['/data/staking/staker.crt', '/mnt/disk/staker.crt'],
    ['/data/other', '/mnt/x/other']
  ])('%s is %s on the host (the longest mount wins)', (inside, onHost) => {
    const mounts = [
      { source: '/srv/avax', destination: '/root/.avalanchego' },
      { source: '/mnt/x', destination: '/data' },
      { source: '/mnt/disk', destination: '/data/staking' }
    ]
    expect(hostPath(inside, mounts)).toBe(onHost)
  })
  it('the staking directory through the mounts, or a refusal when no mount holds it', () => {
    const loc = resolveIdentity(containerFacts(inspect([])).view, undefined)
    expect(loc.stakingDir).toBe('/root/.avalanchego/staking')
    expect(
      throughMounts(loc, [{ source: '/srv/a', destination: '/root/.avalanchego' }]).stakingDir
    ).toBe('/srv/a/staking')
    expect(restoreRefusal(throughMounts(loc, []))).toMatch(
      /inside the container, on no mounted directory/
    )
  })
})

describe('a stopped node whose unit has no User=', () => {
  it('runs as root without $HOME: the default data directory is /.avalanchego', () => {
    const b = (x: string) => Buffer.from(x).toString('base64')
    const v = nodeView(
      [`unit-execstart ${b('/usr/bin/avalanchego')}`, `unit-user `, `home ${b('/root')}`].join('\n')
    )
    expect(v.env.HOME).toBeUndefined()
    expect(resolveIdentity(v, undefined).stakingDir).toBe('/.avalanchego/staking')
  })
})
