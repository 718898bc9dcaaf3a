// Builds dist/: the action (dist/index.js) and the CLI (dist/cli.js). The sources are ES modules;
// the bundles are CommonJS (dist/package.json says so). See README, "Development", for why.
import { build } from 'esbuild'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
const results = await Promise.all([
  build({ ...common, entryPoints: ['src/index.ts'], outfile: `${outdir}/index.js` }),
  // The CLI's SSH commands are a bundle of their own, loaded only when run, so that `verify` and
  // `node-id` do not parse the SSH stack at every start (see npm run bench).
  build({
    ...common,
    entryPoints: ['src/cli/entry.ts'],
    outfile: `${outdir}/cli.js`,
    external: [...common.external, './remote.js']
  }),
  build({ ...common, entryPoints: ['src/cli/remote.ts'], outfile: `${outdir}/remote.js` })
])
chmodSync(`${outdir}/cli.js`, 0o755)
const metafiles = results.map(r => r.metafile)
writeFileSync(`${outdir}/licenses.txt`, licenseNotices(root, metafiles))
