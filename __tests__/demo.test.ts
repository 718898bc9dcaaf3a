import { spawnSync } from 'node:child_process'
import { hostPrerequisites, HOST_NODE } from '../test-hosts/host.js'
import { describeWith, HAVE_VECTORS, ROOT } from './support/prerequisites.js'
import { vectors } from './support/vectors.js'

const missing = hostPrerequisites()

describeWith(missing ?? 'root, sshd', !missing, 'npm run demo', () => {
  it('tells the backup story on two hosts and leaves nothing behind', () => {
    const r = spawnSync('npm', ['run', '-s', 'demo'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const ids = [...r.stdout.matchAll(/(old|new) host: (NodeID-\w+)/g)].map(m => `${m[1]} ${m[2]}`)
    expect(ids).toHaveLength(4)
    const old = ids.filter(l => l.startsWith('old')).map(l => l.slice(4))
    const fresh = ids.filter(l => l.startsWith('new')).map(l => l.slice(4))
    if (HAVE_VECTORS) expect(old[0]).toBe(vectors.stakers[0]!.nodeID)
    expect(new Set(old).size).toBe(1)
    expect(new Set(fresh).size).toBe(1)
    expect(fresh[0]).not.toBe(old[0])
    expect(r.stdout).toContain('All checks passed.')
    expect(r.stdout).toContain('no host, no key file left behind')
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toMatch(/^anb-/m)
  })

  it('says clearly that it needs root when run without', () => {
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', HOST_NODE, 'test-hosts/demo.ts'],
      { cwd: ROOT, encoding: 'utf8' }
    )
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('needs: root (network and mount namespaces)')
    expect(r.stderr).toContain('sudo npm run demo')
  })
})
