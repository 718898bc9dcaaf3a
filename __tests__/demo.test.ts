import { spawnSync } from 'node:child_process'
import { hostPrerequisites, HOST_NODE } from '../test-hosts/host.js'
import { describeWith, HAVE_VECTORS, ROOT } from './support/prerequisites.js'
import { vectors } from './support/vectors.js'

const missing = hostPrerequisites()

describeWith(missing ?? 'root, sshd', !missing, 'npm run demo', () => {
  it('tells the backup and restore story on two hosts and leaves nothing behind', () => {
    const r = spawnSync('npm', ['run', '-s', 'demo'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const ids = [...r.stdout.matchAll(/(old|new) host: (NodeID-\w+)/g)].map(m => [m[1], m[2]])
    expect(ids.map(i => i[0])).toEqual(['old', 'new', 'new'])
    const [old, fresh, after] = ids.map(i => i[1])
    if (HAVE_VECTORS) expect(old).toBe(vectors.stakers[0]!.nodeID)
    expect(fresh).not.toBe(old)
    expect(after).toBe(old)
    expect(r.stdout).toContain('All checks passed.')
    expect(r.stdout).toContain('Restored.')
    expect(r.stdout).toContain('The new host runs the old identity.')
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
