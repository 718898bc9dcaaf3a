// How the simulated avalanchego resolves its configuration, by avalanchego v1.14's own rules
// (config/viper.go BuildViper, config/flags.go getExpandedArg, config/config.go getStakingTLSCert
// and getStakingSignerConfig): a flag given > AVAGO_* environment (empty = unset) > config file
// (--config-file-content, base64, wins over --config-file) > default. Paths are expanded like Go's
// os.Expand ($VAR, ${VAR}, $AVALANCHEGO_DATA_DIR → the data dir), never `~`; a relative path stays
// relative, so it resolves against the process's working directory. Pure: the caller passes the
// environment and a file reader, so the rules are table-tested without a host.

/** A start-up error, printed the way avalanchego's main.go prints it before exiting 1. */
export class NodeStartError extends Error {
  override readonly name = 'NodeStartError'
}

/** Flags that pflag treats as booleans: `--flag` alone means true, `--flag value` does not consume value. */
const BOOLEAN_FLAGS = new Set([
  'staking-ephemeral-cert-enabled',
  'staking-ephemeral-signer-enabled',
  'api-info-enabled',
  'api-keystore-enabled',
  'api-admin-enabled',
  'api-health-enabled',
  'http-tls-enabled',
  'sybil-protection-enabled',
  'version',
  'version-json'
])

const DATA_DIR = '$AVALANCHEGO_DATA_DIR'
const DEFAULTS: Record<string, string> = {
  'data-dir': '$HOME/.avalanchego',
  'staking-tls-cert-file': `${DATA_DIR}/staking/staker.crt`,
  'staking-tls-key-file': `${DATA_DIR}/staking/staker.key`,
  'staking-signer-key-file': `${DATA_DIR}/staking/signer.key`,
  'process-context-file': `${DATA_DIR}/process.json`,
  'http-host': '127.0.0.1',
  'http-port': '9650',
  'staking-host': '',
  'staking-port': '9651',
  'http-allowed-hosts': 'localhost',
  'api-info-enabled': 'true',
  'config-file-content-type': 'json',
  'network-inbound-connection-throttling-cooldown': '10s'
}

/** pflag's parsing of the command line: `--k=v`, `--k v`, a boolean `--k`; `--` ends the flags. */
export function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') break
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a.length > 1)
        throw new NodeStartError(`unknown shorthand flag: '${a[1]}' in ${a}`)
      continue // a positional argument: avalanchego ignores it
    }
    const eq = a.indexOf('=')
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2)
    if (eq > 0) flags.set(name, a.slice(eq + 1))
    else if (BOOLEAN_FLAGS.has(name)) flags.set(name, 'true')
    else if (i + 1 < argv.length) flags.set(name, argv[++i]!)
    else throw new NodeStartError(`flag needs an argument: ${a}`)
  }
  return flags
}

const isAlnum = (c: string) => /^[A-Za-z0-9_]$/.test(c)
const isSpecial = (c: string) => '*#$@!?-0123456789'.includes(c)

/** Go's os.Expand: `$NAME`, `${NAME}`, shell specials; bad syntax is eaten, a lone `$` kept. */
export function goExpand(s: string, mapping: (name: string) => string): string {
  let out = ''
  let i = 0
  for (let j = 0; j < s.length; j++) {
    if (s[j] !== '$' || j + 1 >= s.length) continue
    out += s.slice(i, j)
    const [name, width] = shellName(s.slice(j + 1))
    if (name === '' && width > 0) {
      // invalid syntax: eaten
    } else if (name === '') out += '$'
    else out += mapping(name)
    j += width
    i = j + 1
  }
  return i === 0 ? s : out + s.slice(i)
}

function shellName(s: string): [string, number] {
  if (s[0] === '{') {
    if (s.length > 2 && isSpecial(s[1]!) && s[2] === '}') return [s[1]!, 3]
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '}') return i === 1 ? ['', 2] : [s.slice(1, i), i + 1]
    }
    return ['', 1]
  }
  if (isSpecial(s[0]!)) return [s[0]!, 1]
  let i = 0
  while (i < s.length && isAlnum(s[i]!)) i++
  return [s.slice(0, i), i]
}

export interface NodeConfig {
  /** The value by precedence (flag > env > config file > default), unexpanded. */
  get(key: string): string
  /** viper's IsSet: given as a flag, a non-empty AVAGO_* variable or a config-file key. */
  isSet(key: string): boolean
  bool(key: string): boolean
  /** getExpandedArg: the value with $VAR and $AVALANCHEGO_DATA_DIR expanded. */
  path(key: string): string
  /** Where each set key came from, for tests and logs: flag, env, config or default. */
  source(key: string): 'flag' | 'env' | 'config' | 'default'
  /** The data directory: --data-dir with the environment expanded (what $AVALANCHEGO_DATA_DIR means). */
  dataDir: string
}

const envName = (key: string) => 'AVAGO_' + key.toUpperCase().replace(/-/g, '_')

/** Builds the node's configuration as BuildViper does; throws NodeStartError where it fails. */
export function resolveConfig(
  argv: string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string
): NodeConfig {
  const flags = parseFlags(argv)
  const fromEnv = (key: string) => {
    const v = env[envName(key)]
    return v === undefined || v === '' ? undefined : v
  }
  const early = (key: string) => flags.get(key) ?? fromEnv(key)
  const file = readConfigFile(early, env, readFile)
  const source = (key: string) =>
    flags.has(key)
      ? 'flag'
      : fromEnv(key) !== undefined
        ? 'env'
        : file.has(key)
          ? 'config'
          : 'default'
  const get = (key: string): string =>
    flags.get(key) ?? fromEnv(key) ?? file.get(key) ?? DEFAULTS[key] ?? ''
  const expandEnv = (s: string) => goExpand(s, n => env[n] ?? '')
  const config: NodeConfig = {
    get,
    isSet: key => source(key) !== 'default',
    bool: key => /^(1|t|true)$/i.test(get(key)),
    path: key =>
      goExpand(get(key), n =>
        n === 'AVALANCHEGO_DATA_DIR' ? expandEnv(get('data-dir')) : (env[n] ?? '')
      ),
    source,
    dataDir: expandEnv(get('data-dir'))
  }
  return config
}

/** The config file's keys: --config-file-content (base64) wins over --config-file; a missing file is fatal. */
function readConfigFile(
  early: (key: string) => string | undefined,
  env: Record<string, string | undefined>,
  readFile: (path: string) => string
): Map<string, string> {
  let text: string
  const content = early('config-file-content')
  const path = early('config-file')
  if (content !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0)
      throw new NodeStartError(
        'unable to decode base64 content: illegal base64 data at input byte 0'
      )
    const type = early('config-file-content-type') ?? 'json'
    if (type !== 'json')
      throw new NodeStartError(`Unsupported Config Type "${type}" (not simulated)`)
    text = Buffer.from(content, 'base64').toString('utf8')
  } else if (path !== undefined) {
    const name = goExpand(path, n => env[n] ?? '')
    const ext = /\.([^./]*)$/.exec(name)?.[1] ?? ''
    if (ext !== 'json') throw new NodeStartError(`Unsupported Config Type "${ext}"`)
    try {
      text = readFile(name)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      const why =
        code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code)
      throw new NodeStartError(`open ${name}: ${why}`)
    }
  } else {
    return new Map()
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    throw new NodeStartError(`While parsing config: ${(e as Error).message}`)
  }
  const keys = new Map<string, string>()
  for (const [k, v] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
    keys.set(k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v))
  }
  return keys
}

export type TlsSource =
  | { kind: 'ephemeral' }
  | { kind: 'content'; cert: Buffer; key: Buffer }
  | { kind: 'files'; certPath: string; keyPath: string; explicit: boolean }

export type SignerSource =
  | { kind: 'ephemeral' }
  | { kind: 'content'; key: Buffer }
  | { kind: 'rpc'; endpoint: string }
  | { kind: 'file'; path: string; explicit: boolean }

const base64 = (s: string, what: string): Buffer => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
    throw new NodeStartError(
      `${what}unable to decode base64 content: illegal base64 data at input byte 0`
    )
  return Buffer.from(s, 'base64')
}

/** getStakingTLSCert's choice: ephemeral > both content flags > files (explicit or default paths). */
export function tlsSource(c: NodeConfig): TlsSource {
  if (c.bool('staking-ephemeral-cert-enabled')) return { kind: 'ephemeral' }
  const key = c.isSet('staking-tls-key-file-content')
  const cert = c.isSet('staking-tls-cert-file-content')
  if (key && !cert)
    throw new NodeStartError(
      'staking-tls-key-file-content key set but staking-tls-cert-file-content not set'
    )
  if (!key && cert)
    throw new NodeStartError(
      'staking-tls-key-file-content key not set but staking-tls-cert-file-content set'
    )
  if (key && cert) {
    return {
      kind: 'content',
      key: base64(c.get('staking-tls-key-file-content'), ''),
      cert: base64(c.get('staking-tls-cert-file-content'), '')
    }
  }
  return {
    kind: 'files',
    certPath: c.path('staking-tls-cert-file'),
    keyPath: c.path('staking-tls-key-file'),
    explicit: c.isSet('staking-tls-key-file') || c.isSet('staking-tls-cert-file')
  }
}

/** getStakingSignerConfig and node.newStakingSigner: at most one of the four signer options. */
export function signerSource(c: NodeConfig): SignerSource {
  const set = [
    c.bool('staking-ephemeral-signer-enabled'),
    c.isSet('staking-signer-key-file-content'),
    c.isSet('staking-signer-key-file'),
    c.isSet('staking-rpc-signer-endpoint')
  ].filter(Boolean).length
  if (set > 1) {
    throw new NodeStartError(
      'only one of the following flags can be set: staking-ephemeral-signer-enabled, staking-signer-key-file-content, staking-signer-key-file, staking-rpc-signer-endpoint'
    )
  }
  if (c.bool('staking-ephemeral-signer-enabled')) return { kind: 'ephemeral' }
  if (c.isSet('staking-signer-key-file-content'))
    return { kind: 'content', key: base64(c.path('staking-signer-key-file-content'), '') }
  if (c.isSet('staking-rpc-signer-endpoint'))
    return { kind: 'rpc', endpoint: c.path('staking-rpc-signer-endpoint') }
  return {
    kind: 'file',
    path: c.path('staking-signer-key-file'),
    explicit: c.isSet('staking-signer-key-file')
  }
}

/** A Go duration as the throttle flags take it (`10s`, `500ms`, `1m`, `0`), in milliseconds. */
export function durationMs(text: string): number {
  if (text === '0') return 0
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text)
  if (!m) throw new NodeStartError(`time: invalid duration "${text}"`)
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
}
