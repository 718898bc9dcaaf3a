import { posix } from 'node:path'

// Where a node takes its identity from, worked out by avalanchego's own rules (config/flags.go,
// config/viper.go, config/config.go of v1.14): a flag on the command line > its AVAGO_* variable
// (empty counts as unset) > the config file (--config-file-content, base64, wins over
// --config-file) > the default. Paths expand $VAR and ${VAR} from the process environment, and
// $AVALANCHEGO_DATA_DIR to the data directory; there is no ~ expansion; a relative path is taken
// from the process's working directory. Pure: the facts come from discover-host.sh.

/** The node as its process (or, when it does not run, its unit) shows it. */
export interface NodeView {
  argv: string[]
  /** The process environment we could see: AVAGO_* and HOME. */
  env: Record<string, string>
  cwd: string
  /** Where argv and env came from: the running process, the unit (the node is not running), or a container's configuration. */
  source: 'process' | 'unit' | 'container'
}

export type TlsSource =
  | { kind: 'files'; cert: string; key: string; how: string }
  | { kind: 'ephemeral'; how: string }
  | { kind: 'content'; how: string }

export type SignerSource =
  | { kind: 'file'; path: string; how: string }
  | { kind: 'ephemeral' | 'content'; how: string }
  | { kind: 'rpc'; endpoint: string; how: string }

export interface IdentityLocation {
  dataDir: string
  tls: TlsSource
  signer: SignerSource
  /** A sentence for the log and the output identity-location. */
  description: string
  /** The one staking directory restore can write, when the three files are the usual names in one. */
  stakingDir?: string
  /** Why the files cannot be handled as one staking directory (restore refuses with this). */
  notOneDirectory?: string
}

const BOOLEAN_FLAGS = new Set([
  'staking-ephemeral-cert-enabled',
  'staking-ephemeral-signer-enabled'
])

/** pflag's forms: --key=value, --key value, and a bare --key for the boolean flags. */
export function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 1; i < argv.length; i++) {
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(argv[i]!)
    if (!m) continue
    const key = m[1]!
    if (m[2] !== undefined) flags.set(key, m[2])
    else if (BOOLEAN_FLAGS.has(key)) flags.set(key, 'true')
    else if (i + 1 < argv.length) flags.set(key, argv[++i]!)
  }
  return flags
}

const envName = (key: string) => `AVAGO_${key.toUpperCase().replace(/-/g, '_')}`

/** The config file the node reads, if any: its content (base64 flag) or its path (to be read). */
export function configSource(
  view: NodeView
): { content: string; how: string } | { path: string; how: string } | undefined {
  const flags = parseFlags(view.argv)
  const get = (key: string) => flags.get(key) ?? (view.env[envName(key)] || undefined)
  const content = get('config-file-content')
  if (content !== undefined)
    return { content: Buffer.from(content, 'base64').toString('utf8'), how: 'config-file-content' }
  const file = get('config-file')
  if (!file) return undefined
  const path = absolute(
    expand(file, view.env, () => ''),
    view.cwd
  )
  return { path, how: `config file ${path}` }
}

/** The config file's keys (JSON; viper's keys are case-insensitive). */
export function parseConfig(text: string): Map<string, string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(
      'the config file is not JSON (YAML and TOML config files are not read here): set staking-dir to the staking directory'
    )
  }
  const out = new Map<string, string>()
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
    for (const [k, v] of Object.entries(parsed))
      // A null or a nested value is no path: as good as unset here.
      if (v !== null && typeof v !== 'object') out.set(k.toLowerCase(), String(v))
  return out
}

/** os.Expand with avalanchego's mapping: $AVALANCHEGO_DATA_DIR is the data directory. */
function expand(value: string, env: Record<string, string>, dataDir: () => string): string {
  return value.replace(
    /\$(\{([^}]*)\}|([A-Za-z0-9_]+))/g,
    (_m, _b, braced: string, bare: string) => {
      const name = braced ?? bare
      return name === 'AVALANCHEGO_DATA_DIR' ? dataDir() : (env[name] ?? '')
    }
  )
}

const absolute = (p: string, cwd: string) =>
  p.startsWith('/') ? posix.normalize(p) : posix.join(cwd || '/', p)

/**
 * Resolves the identity's location. `config` is the config file's keys (parseConfig), when the
 * node has one; `configHow` says where they came from.
 */
export function resolveIdentity(
  view: NodeView,
  config: Map<string, string> | undefined,
  configHow = ''
): IdentityLocation {
  const flags = parseFlags(view.argv)
  const lookup = (key: string): { value: string; how: string } | undefined => {
    const f = flags.get(key)
    if (f !== undefined)
      return {
        value: f,
        how: `${view.source === 'process' ? 'the running node' : 'ExecStart'} --${key}`
      }
    const e = view.env[envName(key)]
    if (e) return { value: e, how: `${envName(key)} in the node's environment` }
    const c = config?.get(key)
    if (c !== undefined) return { value: c, how: `key ${key} of the ${configHow}` }
    return undefined
  }
  const isTrue = (key: string) => /^(1|t|true)$/i.test(lookup(key)?.value ?? '')
  const dataDirRaw = lookup('data-dir')
  const dataDir = absolute(
    expand(dataDirRaw?.value ?? '$HOME/.avalanchego', view.env, () => ''),
    view.cwd
  )
  const path = (key: string, file: string) => {
    const found = lookup(key)
    return {
      path: absolute(
        expand(found?.value ?? `$AVALANCHEGO_DATA_DIR/staking/${file}`, view.env, () => dataDir),
        view.cwd
      ),
      how:
        found?.how ??
        (dataDirRaw
          ? `the default under data-dir (${dataDirRaw.how})`
          : 'the default ($HOME/.avalanchego/staking)')
    }
  }
  const tls = tlsSource(lookup, isTrue, path)
  const signer = signerSource(lookup, isTrue, path)
  return { dataDir, tls, signer, ...layout(tls, signer), description: describe(tls, signer) }
}

type Lookup = (key: string) => { value: string; how: string } | undefined
type PathOf = (key: string, file: string) => { path: string; how: string }

function tlsSource(lookup: Lookup, isTrue: (k: string) => boolean, path: PathOf): TlsSource {
  if (isTrue('staking-ephemeral-cert-enabled'))
    return { kind: 'ephemeral', how: lookup('staking-ephemeral-cert-enabled')!.how }
  const content = lookup('staking-tls-cert-file-content') ?? lookup('staking-tls-key-file-content')
  if (content) return { kind: 'content', how: content.how }
  const cert = path('staking-tls-cert-file', 'staker.crt')
  const key = path('staking-tls-key-file', 'staker.key')
  return {
    kind: 'files',
    cert: cert.path,
    key: key.path,
    how: cert.how === key.how ? cert.how : `${cert.how}; ${key.how}`
  }
}

function signerSource(lookup: Lookup, isTrue: (k: string) => boolean, path: PathOf): SignerSource {
  if (isTrue('staking-ephemeral-signer-enabled'))
    return { kind: 'ephemeral', how: lookup('staking-ephemeral-signer-enabled')!.how }
  const content = lookup('staking-signer-key-file-content')
  if (content) return { kind: 'content', how: content.how }
  const rpc = lookup('staking-rpc-signer-endpoint')
  if (rpc) return { kind: 'rpc', endpoint: rpc.value, how: rpc.how }
  const p = path('staking-signer-key-file', 'signer.key')
  return { kind: 'file', path: p.path, how: p.how }
}

function layout(
  tls: TlsSource,
  signer: SignerSource
): Pick<IdentityLocation, 'stakingDir' | 'notOneDirectory'> {
  if (tls.kind !== 'files' || signer.kind !== 'file') return {}
  const dir = posix.dirname(tls.cert)
  const usual =
    tls.cert === `${dir}/staker.crt` &&
    tls.key === `${dir}/staker.key` &&
    signer.path === `${dir}/signer.key`
  return usual
    ? { stakingDir: dir }
    : {
        notOneDirectory: `the node reads ${tls.cert}, ${tls.key} and ${signer.path}: not staker.crt, staker.key and signer.key in one directory, which is what a restore writes`
      }
}

function describe(tls: TlsSource, signer: SignerSource): string {
  const t =
    tls.kind === 'files'
      ? `TLS identity from ${tls.cert} and ${tls.key} (${tls.how})`
      : tls.kind === 'ephemeral'
        ? `a new TLS identity at every start (${tls.how})`
        : `the TLS identity from base64 in its configuration (${tls.how})`
  const s =
    signer.kind === 'file'
      ? `BLS key from ${signer.path} (${signer.how})`
      : signer.kind === 'rpc'
        ? `BLS key in a remote signer at ${signer.endpoint} (${signer.how})`
        : signer.kind === 'ephemeral'
          ? `a new BLS key at every start (${signer.how})`
          : `the BLS key from base64 in its configuration (${signer.how})`
  return `${t}; ${s}`
}

/** Why a file-based restore cannot carry this identity, or undefined when it can. */
export function restoreRefusal(loc: IdentityLocation): string | undefined {
  const tls = loc.tls
  const signer = loc.signer
  if (tls.kind === 'ephemeral')
    return `this node makes a new TLS identity at every start (${tls.how}): files would change nothing. Remove that setting, restart the node, then restore.`
  if (tls.kind === 'content')
    return `this node takes its TLS identity from base64 in its configuration (${tls.how}), which wins over any file: files would change nothing. Put the backup's staker.crt and staker.key there (base64), or remove those settings and restore again.`
  if (signer.kind === 'rpc')
    return `this node's BLS key lives in a remote signer at ${signer.endpoint} (${signer.how}), not in signer.key: a restore of files would not change it. Restore staker.crt and staker.key by hand and the BLS key in the signer.`
  if (signer.kind === 'ephemeral')
    return `this node makes a new BLS key at every start (${signer.how}): signer.key would change nothing. Remove that setting, then restore.`
  if (signer.kind === 'content')
    return `this node takes its BLS key from base64 in its configuration (${signer.how}): signer.key would change nothing. Put the backup's signer.key there (base64), or remove that setting and restore again.`
  return loc.notOneDirectory
    ? `${loc.notOneDirectory}. Copy the files by hand, or point the node at one staking directory.`
    : undefined
}

/** What a backup of files cannot take from this node, or undefined when it takes all three. */
export function backupRefusal(loc: IdentityLocation): string | undefined {
  const notFile = [
    loc.tls.kind !== 'files' && `its TLS identity (${loc.tls.how})`,
    loc.signer.kind !== 'file' &&
      (loc.signer.kind === 'rpc'
        ? `its BLS key, which lives in the remote signer at ${loc.signer.endpoint}`
        : `its BLS key (${loc.signer.how})`)
  ].filter(Boolean)
  if (notFile.length)
    return `not taken: this node does not keep ${notFile.join(' nor ')} in files, and a backup takes files. Back that up where it lives (the signer's own backup, the configuration that holds the base64).`
  return loc.notOneDirectory
    ? `not taken: ${loc.notOneDirectory}. Set staking-dir to take one directory.`
    : undefined
}

/** What `docker inspect` says of a container (the fields we read). */
export interface ContainerFacts {
  user: string
  view: NodeView
  mounts: { source: string; destination: string }[]
}

/** Parses `docker inspect CONTAINER` (a JSON array of one). */
export function containerFacts(json: string): ContainerFacts {
  let c: {
    Config?: {
      User?: string
      Env?: string[] | null
      Cmd?: string[] | null
      Entrypoint?: string[] | null
      WorkingDir?: string
    }
    Mounts?: { Source?: string; Destination?: string }[] | null
  }
  try {
    c = (JSON.parse(json) as (typeof c)[])[0] ?? {}
  } catch {
    throw new Error('docker inspect did not answer with JSON')
  }
  const user = (c.Config?.User ?? '').split(':')[0] || 'root'
  const env: Record<string, string> = {}
  for (const e of c.Config?.Env ?? []) {
    const eq = e.indexOf('=')
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1)
  }
  env.HOME ??= user === 'root' || user === '0' ? '/root' : `/home/${user}`
  return {
    user,
    view: {
      argv: [...(c.Config?.Entrypoint ?? []), ...(c.Config?.Cmd ?? [])],
      env,
      cwd: c.Config?.WorkingDir || '/',
      source: 'container'
    },
    mounts: (c.Mounts ?? [])
      .filter(m => m.Source && m.Destination)
      .map(m => ({ source: m.Source!, destination: m.Destination! }))
  }
}

/** A path inside the container as the host has it: through the mount that holds it, if any. */
export function hostPath(path: string, mounts: ContainerFacts['mounts']): string | undefined {
  const m = mounts
    .filter(x => path === x.destination || path.startsWith(`${x.destination.replace(/\/$/, '')}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0]
  return m ? posix.join(m.source, path.slice(m.destination.length)) : undefined
}

/** The location with the container's paths turned into the host's; refused where no mount holds them. */
export function throughMounts(
  loc: IdentityLocation,
  mounts: ContainerFacts['mounts']
): IdentityLocation {
  if (!loc.stakingDir) return loc
  const dir = hostPath(loc.stakingDir, mounts)
  if (!dir)
    return {
      ...loc,
      stakingDir: undefined,
      notOneDirectory: `the node keeps its identity in ${loc.stakingDir} inside the container, on no mounted directory: it lives and dies with the container, out of reach of the host`
    }
  const tls =
    loc.tls.kind === 'files'
      ? { ...loc.tls, cert: `${dir}/staker.crt`, key: `${dir}/staker.key` }
      : loc.tls
  const signer =
    loc.signer.kind === 'file' ? { ...loc.signer, path: `${dir}/signer.key` } : loc.signer
  return {
    ...loc,
    tls,
    signer,
    stakingDir: dir,
    description: `${describe(tls, signer)} (${loc.stakingDir} in the container)`
  }
}
