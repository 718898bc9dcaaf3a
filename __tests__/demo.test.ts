import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    expect(r.stdout).toContain('Restored: the node reports')
    expect(r.stdout).toContain('The new host runs the old identity.')
    expect(r.stdout).toContain('no host, no key file left behind')
    // The demo's own hosts are gone. Other test files may bring up hosts meanwhile, even in a slot
    // the demo used: a namespace still there must belong to a live owner, not to the demo (which
    // has exited).
    const slots = [...r.stdout.matchAll(/host 169\.254\.(\d+)\.2/g)].map(m => m[1]!)
    expect(slots.length).toBeGreaterThan(0)
    const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout
    for (const n of slots.filter(n => new RegExp(`^anb-h${n} `, 'm').test(namespaces))) {
      const ownerFile = join(tmpdir(), 'anb-host-slots', n, 'owner')
      if (!existsSync(ownerFile)) continue // torn down between the two looks
      const owner = Number(readFileSync(ownerFile, 'utf8'))
      expect({
        slot: n,
        ownerAlive: spawnSync('kill', ['-0', String(owner)]).status === 0
      }).toEqual({ slot: n, ownerAlive: true })
    }
    const work = /(\/\S+\/anb-demo-\w+)\//.exec(r.stdout)?.[1]
    expect(work && existsSync(work)).toBe(false) // the backup the demo took is gone too
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
