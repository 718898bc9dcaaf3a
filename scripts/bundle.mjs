// Builds dist/: the action (dist/index.js) and the CLI (dist/cli.js). The sources are ES modules;
// the bundles are CommonJS (dist/package.json says so). See README, "Development", for why.
import { build } from 'esbuild'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { licenseNotices } from './licenses.mjs'
import { hostScriptsModule } from './host-scripts.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
const outdir = process.argv[2] ?? `${root}dist`

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { PACKAGE_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'eof',
  metafile: true,
  // ssh2's optional native speed-ups are built (or not) per machine: left out of the bundle, they
  // fail to load at run time and ssh2 uses its pure JavaScript code, the same everywhere.
  external: ['*.node', 'cpu-features'],
  logLevel: 'warning'
}

// The host-side programs as a module (src/node/host-scripts.ts), fresh from their .sh files.
writeFileSync(`${root}src/node/host-scripts.ts`, hostScriptsModule())
rmSync(outdir, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })
writeFileSync(`${outdir}/package.json`, JSON.stringify({ type: 'commonjs' }, null, 2) + '\n')
// The CLI is two bundles: dist/cli.js starts node-id and verify without parsing what only the
// other commands need (ssh2, age, the TLS and HTTP clients: see npm run bench), and dist/remote.js
// (src/cli/remote.ts) holds those modules. In cli.js an import of one of them becomes a require of
// ./remote.js, which re-exports them all; the source imports each of them only with import(), so
// remote.js loads when a command first needs it.
// Its modules are the ones src/cli/remote.ts re-exports: one list, read from there.
const REMOTE = [
  ...readFileSync(`${root}src/cli/remote.ts`, 'utf8').matchAll(/^export \* from '([^']+)'$/gm)
].map(m => join(`${root}src/cli`, m[1]).replace(/\.js$/, '.ts'))
const toRemote = {
  name: 'to-remote',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, args => {
      const file = join(args.resolveDir, args.path).replace(/\.js$/, '.ts')
      return REMOTE.includes(file) ? { path: './remote.js', external: true } : undefined
    })
  }
}
const results = await Promise.all([
  build({ ...common, entryPoints: ['src/index.ts'], outfile: `${outdir}/index.js` }),
  build({
    ...common,
    entryPoints: ['src/cli/entry.ts'],
    outfile: `${outdir}/cli.js`,
    external: [...common.external, './remote.js'],
    plugins: [toRemote]
  }),
  build({ ...common, entryPoints: ['src/cli/remote.ts'], outfile: `${outdir}/remote.js` })
])
chmodSync(`${outdir}/cli.js`, 0o755)
const metafiles = results.map(r => r.metafile)
writeFileSync(`${outdir}/licenses.txt`, licenseNotices(root, metafiles))
