// "Where is my node's identity?": the action finds it where the node really reads it, on host
// variants of the layouts operators run, and refuses where files would change nothing.
import { hostPrerequisites, type NodeHost } from '../test-hosts/host.js'
import { measure, sha256 } from './support/faults.js'
import { hostInputs, up } from './support/hosts.js'
import { describeWith, HAVE_VECTORS } from './support/prerequisites.js'
import { runAction } from './support/runner.js'
import { staker } from './support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')
const CONFIG = '/home/ubuntu/.avalanchego/configs/node.json'

type Id = ReturnType<typeof staker>
const inputs = (host: NodeHost, id: Id, mode: string) => hostInputs(host, id, { mode })

/** verify (with the host) and backup of the identity a variant just restored: both pass, and look where restore wrote. */
async function verifyAndBackup(
  host: NodeHost,
  id: Id,
  extra: Record<string, string>,
  where: string
): Promise<void> {
  const verify = await runAction({ ...inputs(host, id, 'verify'), ...extra })
  expect({
    mode: 'verify',
    code: verify.code,
    errors: verify.stdout.split('\n').filter(l => l.startsWith('::error'))
  }).toEqual({ mode: 'verify', code: 0, errors: [] })
  expect(verify.outputs['identity-location']).toContain(where)
  const backup = await runAction({
    ...inputs(host, id, 'backup'),
    ...extra,
    'age-recipients': 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
  })
  expect({
    mode: 'backup',
    code: backup.code,
    errors: backup.stdout.split('\n').filter(l => l.startsWith('::error'))
  }).toEqual({ mode: 'backup', code: 0, errors: [] })
  expect(backup.outputs['identity-location']).toContain(where)
}

/** Rewrites the node's config file and restarts it; resolves once it answers again. */
async function reconfigure(host: NodeHost, config: object, unitEnv?: string): Promise<void> {
  host.exec(`cat > ${CONFIG} && chown ubuntu: ${CONFIG}`, 'root', JSON.stringify(config))
  if (unitEnv)
    host.exec(
      `sed -i 's|^\\[Service\\]$|[Service]\\nEnvironment=${unitEnv}|' /etc/systemd/system/avalanchego.service`
    )
  host.service('restart')
  await host.waitForNode()
}

/** A data disk of its own at /mnt/avax (a tmpfs in the host's own mount namespace). */
function dataDisk(host: NodeHost, dir: string): void {
  const r = host.exec(
    `mount -t tmpfs -o mode=755 tmpfs /mnt && mkdir -p ${dir} && chown ubuntu: ${dir} && chmod 750 ${dir}`
  )
  if (r.code !== 0) throw new Error(r.stderr)
}

describeWith(missing ?? 'root, sshd', !missing, "where is my node's identity", () => {
  it('data-dir on another disk, set in the config file: restore writes there, and says how it knew', async () => {
    const id = staker(1)
    const host = await up()
    dataDisk(host, '/mnt/avax')
    await reconfigure(host, { 'http-host': '127.0.0.1', 'data-dir': '/mnt/avax' })
    const made = host.exec('ls /mnt/avax/staking').stdout
    expect(made).toContain('staker.crt') // the node made its identity on the data disk
    const run = await runAction(inputs(host, id, 'restore'))
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(run.outputs['identity-location']).toContain(
      `/mnt/avax/staking/staker.crt and /mnt/avax/staking/staker.key (the default under data-dir (key data-dir of the config file ${CONFIG}))`
    )
    expect(sha256(host.readFile('/mnt/avax/staking/signer.key'))).toBe(sha256(id.signer))
    expect(run.outputs['previous-files']).toMatch(/^\/var\/lib\/avalanche-node-backup\//)
    // The installer's default place was not touched.
    expect(host.exec('ls /home/ubuntu/.avalanchego/staking 2>/dev/null').stdout).not.toContain(
      '.new-'
    )
    expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
    await verifyAndBackup(host, id, {}, '/mnt/avax/staking/staker.crt')
  }, 90_000)

  it('AVAGO_DATA_DIR in the unit beats the config file: verify and backup look there too', async () => {
    const id = staker(2)
    const host = await up({ identity: staker(2) })
    dataDisk(host, '/mnt/env')
    host.exec('cp -a /home/ubuntu/.avalanchego/staking /mnt/env/ && chown -R ubuntu: /mnt/env')
    await reconfigure(
      host,
      { 'http-host': '127.0.0.1', 'data-dir': '/mnt/elsewhere' },
      'AVAGO_DATA_DIR=/mnt/env'
    )
    const verify = await runAction(inputs(host, id, 'verify'))
    expect(verify.code).toBe(0)
    expect(verify.outputs['identity-location']).toContain('/mnt/env/staking/staker.crt')
    expect(verify.outputs['identity-location']).toContain(
      "AVAGO_DATA_DIR in the node's environment"
    )
    const backup = await runAction({
      ...inputs(host, id, 'backup'),
      'age-recipients': 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
    })
    expect(backup.code).toBe(0)
    expect(backup.outputs['identity-location']).toContain('/mnt/env/staking/signer.key')
  }, 90_000)

  it.each([
    [
      'a remote signer',
      { 'staking-rpc-signer-endpoint': '127.0.0.1:7777' },
      "this node's BLS key lives in a remote signer at 127.0.0.1:7777"
    ],
    [
      'the TLS identity as base64 in the config',
      { 'staking-tls-cert-file-content': 'AAAA', 'staking-tls-key-file-content': 'AAAA' },
      'takes its TLS identity from base64 in its configuration'
    ]
  ])(
    '%s: restore refuses, changes nothing, and says why',
    async (_name, extra, why) => {
      const id = staker(3)
      const host = await up()
      // The simulated node ignores these keys; the action reads them from the config as avalanchego would.
      host.exec(`cat > ${CONFIG}`, 'root', JSON.stringify({ 'http-host': '127.0.0.1', ...extra }))
      const before = measure(host)
      const run = await runAction(inputs(host, id, 'restore'))
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(why)
      expect(run.outputs['host-state']).toBe('unchanged')
      expect(measure(host)).toEqual(before)
    },
    60_000
  )

  it('a remote signer: verify compares the TLS files only and says the BLS key is not in files', async () => {
    const id = staker(4)
    const host = await up({ identity: staker(4) })
    host.exec(
      `cat > ${CONFIG}`,
      'root',
      JSON.stringify({ 'http-host': '127.0.0.1', 'staking-rpc-signer-endpoint': '127.0.0.1:7777' })
    )
    const run = await runAction(inputs(host, id, 'verify'))
    const result = JSON.parse(run.outputs.result!) as {
      checks: { id: string; status: string; detail?: string }[]
    }
    const location = result.checks.find(c => c.id === 'identity-location')!
    expect(location.status).toBe('warn')
    expect(location.detail).toContain('the remote signer at 127.0.0.1:7777')
    expect(result.checks.map(c => c.id)).not.toContain('host-signer.key')
  }, 60_000)
})

describeWith(missing ?? 'root, sshd', !missing, "the node's user is the unit's User=", () => {
  it("login as ubuntu, node run by avax: the identity is found in avax's home and written as avax", async () => {
    const id = staker(0)
    const host = await up()
    const uid = 30000 + Number(host.address.split('.')[2])
    const r = host.exec(
      [
        'set -e',
        `echo 'avax:x:${uid}:${uid}:avax:/home/avax:/bin/sh' >> /etc/passwd`,
        `echo 'avax:x:${uid}:' >> /etc/group`,
        `mkdir -m 750 /home/avax && chown avax: /home/avax`,
        'systemctl stop avalanchego',
        `sed -i 's|^User=ubuntu$|User=avax|; s|^WorkingDirectory=.*|WorkingDirectory=/home/avax|; s| --config-file=.*||' /etc/systemd/system/avalanchego.service`,
        'systemctl start avalanchego'
      ].join('\n')
    )
    expect(r.stderr).toBe('')
    await host.waitForNode()
    const ubuntus = () =>
      host.exec('cd /home/ubuntu/.avalanchego && ls -A staking && sha256sum staking/*').stdout
    const before = ubuntus()
    const run = await runAction(inputs(host, id, 'restore'))
    expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(run.outputs['identity-location']).toContain('/home/avax/.avalanchego/staking/staker.crt')
    expect(
      host.exec(
        'stat -c "%U %a" /home/avax/.avalanchego/staking/staker.key /home/avax/.avalanchego/staking/signer.key'
      ).stdout
    ).toBe('avax 400\navax 400\n')
    expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
    // The login user's own staking directory (from the node's first start as ubuntu) is untouched.
    expect(ubuntus()).toBe(before)
    await verifyAndBackup(host, id, {}, '/home/avax/.avalanchego/staking/staker.crt')
  }, 60_000)
})

/**
 * A node in Docker, as the avaplatform/avalanchego image runs it: as root, with a host directory
 * mounted as the container's /root/.avalanchego. There is no Docker engine here: a stand-in
 * `docker` (root only, like the daemon's socket) answers inspect from the container's
 * configuration and stops and starts a root-run unit whose node reads that host directory.
 */
async function dockerHost(mounts: { Source: string; Destination: string }[]): Promise<NodeHost> {
  const host = await up({ startNode: false })
  const inspect = JSON.stringify([
    {
      Name: '/avax',
      Config: {
        User: '',
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: [
          '/avalanchego/build/avalanchego',
          '--config-file=/root/.avalanchego/configs/node.json'
        ],
        Entrypoint: null,
        WorkingDir: '/avalanchego/build'
      },
      Mounts: mounts.map(m => ({ Type: 'bind', ...m }))
    }
  ])
  const docker = [
    '#!/bin/sh',
    '[ "$(id -u)" = 0 ] || { echo "permission denied while trying to connect to the Docker daemon socket" >&2; exit 1; }',
    'last() { for a; do :; done; echo "$a"; }',
    'name=$(last "$@")',
    '[ "$name" = avax ] || { echo "Error: No such container: $name" >&2; exit 1; }',
    'case $1 in',
    '  inspect) cat /srv/inspect.json ;;',
    '  stop) systemctl stop avax-container >/dev/null && echo avax ;;',
    '  start) systemctl start avax-container >/dev/null && echo avax ;;',
    '  *) exit 1 ;;',
    'esac',
    ''
  ].join('\n')
  const unit = [
    '[Service]',
    'User=root',
    'WorkingDirectory=/',
    'ExecStart=/home/ubuntu/avalanche-node/avalanchego --data-dir=/srv/avax --config-file=/srv/avax/configs/node.json',
    'Restart=always',
    'RestartSec=1',
    ''
  ].join('\n')
  const r = host.exec(
    [
      'set -e',
      'mount -t tmpfs -o mode=755 tmpfs /srv',
      'mkdir -p /srv/avax/configs',
      `echo '{"http-host":"127.0.0.1"}' > /srv/avax/configs/node.json`,
      'cat > /srv/inspect.json <<"EOF"',
      inspect,
      'EOF',
      `printf '%s' '${unit}' > /etc/systemd/system/avax-container.service`,
      `printf '%s' '${docker}' > /usr/local/sbin/docker && chmod 755 /usr/local/sbin/docker`,
      'docker start avax'
    ].join('\n')
  )
  if (r.code !== 0) throw new Error(`docker host: ${r.stderr}`)
  await host.waitForNode()
  return host
}

describeWith(missing ?? 'root, sshd', !missing, 'a node in Docker (input container)', () => {
  it('found through docker inspect and the mounts, restored as root with docker stop/start', async () => {
    const id = staker(2)
    const host = await dockerHost([{ Source: '/srv/avax', Destination: '/root/.avalanchego' }])
    expect(host.exec('stat -c %U /srv/avax/staking/staker.key').stdout.trim()).toBe('root')
    const run = await runAction({ ...inputs(host, id, 'restore'), container: 'avax' })
    expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(run.outputs['identity-location']).toContain(
      '/srv/avax/staking/staker.crt and /srv/avax/staking/staker.key'
    )
    expect(run.outputs['identity-location']).toContain(
      '(/root/.avalanchego/staking in the container)'
    )
    expect(host.exec('stat -c "%U %a" /srv/avax/staking/signer.key').stdout.trim()).toBe('root 400')
    expect(sha256(host.readFile('/srv/avax/staking/staker.crt'))).toBe(sha256(id.crt))
    expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
    await verifyAndBackup(host, id, { container: 'avax' }, '/srv/avax/staking/staker.crt')
  }, 90_000)

  it('an identity on no mounted directory: restore refuses (it would die with the container)', async () => {
    const id = staker(3)
    const host = await dockerHost([
      { Source: '/srv/avax/configs', Destination: '/root/.avalanchego/configs' }
    ])
    const before = host.exec('sha256sum /srv/avax/staking/*').stdout
    const run = await runAction({ ...inputs(host, id, 'restore'), container: 'avax' })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('inside the container, on no mounted directory')
    expect(host.exec('sha256sum /srv/avax/staking/*').stdout).toBe(before)
  }, 90_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'logged in as root, the node run by ubuntu', () => {
  it("root login: the identity is ubuntu's, written as ubuntu (runuser), proven", async () => {
    const id = staker(1)
    const host = await up()
    // Let root log in with ubuntu's key, as many operators do; sshd re-reads its configuration.
    const r = host.exec(
      [
        'set -e',
        'conf=$(tr "\\0" " " < /proc/$(cat /run/sshd.pid)/cmdline | grep -o -- "-f [^ ]*" | cut -d" " -f2)',
        'sed -i "s/^PermitRootLogin no$/PermitRootLogin prohibit-password/; s/^AllowUsers ubuntu$/AllowUsers ubuntu root/" "$conf"',
        'mkdir -p -m 700 /root/.ssh && cp /home/ubuntu/.ssh/authorized_keys /root/.ssh/',
        'kill -HUP $(cat /run/sshd.pid)'
      ].join('\n')
    )
    expect(r.stderr).toBe('')
    const logins = () => (host.sshdLog().match(/Accepted publickey for root/g) ?? []).length
    const run = await runAction({ ...inputs(host, id, 'restore'), username: 'root' })
    expect(logins()).toBeGreaterThan(0)
    expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(run.outputs['identity-location']).toContain(
      '/home/ubuntu/.avalanchego/staking/staker.crt'
    )
    expect(host.exec(`stat -c '%U %a' ${host.stakingDir}/staker.key`).stdout.trim()).toBe(
      'ubuntu 400'
    )
    expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
    await verifyAndBackup(
      host,
      id,
      { username: 'root' },
      '/home/ubuntu/.avalanchego/staking/staker.crt'
    )
  }, 60_000)
})
