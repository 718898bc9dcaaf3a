// The test node hosts' service manager and node user, as harsh as the real ones: systemctl show in
// systemd's formats (what discovery reads), EnvironmentFile= and drop-ins reaching the node,
// Restart=always crash loops (activating in between, forever with StartLimitIntervalSec=0,
// failed after the burst without it), a graceful stop that takes time, and a node run as root.

import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { probeStakingPort, throwawayClientCertificate } from '../src/node/staking-port.js'
import { hostPrerequisites, type NodeHost } from '../test-hosts/host.js'
import { up } from './support/hosts.js'
import { describeWith } from './support/prerequisites.js'

const missing = hostPrerequisites()

async function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = f()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
}

const show = (host: NodeHost, props: string) =>
  host.exec(`systemctl show avalanchego -p ${props}`).stdout

describeWith(missing ?? 'root, sshd', !missing, 'the test hosts as harsh as real ones', () => {
  it("systemctl show gives User, ExecStart, Environment, EnvironmentFiles, WorkingDirectory, MainPID and ActiveState in systemd's formats, and the node gets that environment", async () => {
    const host = await up(
      {
        startNode: false,
        serviceLines: [
          'Environment="AVAGO_HTTP_ALLOWED_HOSTS=localhost,node.example" LANG=C',
          'EnvironmentFile=/home/ubuntu/avalanchego.env',
          'EnvironmentFile=-/home/ubuntu/optional.env'
        ]
      },
      false
    )
    host.exec('mkdir -p /etc/systemd/system/avalanchego.service.d')
    host.exec(
      'cat > /etc/systemd/system/avalanchego.service.d/override.conf',
      'root',
      '[Service]\nEnvironment=AVAGO_STAKING_SIGNER_KEY_FILE=/home/ubuntu/bls/signer.key\n'
    )
    host.exec(
      'cat > /home/ubuntu/avalanchego.env',
      'root',
      '# the data disk\nAVAGO_DATA_DIR="/home/ubuntu/data"\n'
    )
    // An explicit signer path must exist (no silent new key there): put one in place.
    const sk = randomBytes(32)
    sk[0] = sk[0]! & 0x3f
    host.exec('mkdir -p /home/ubuntu/bls && cat > /home/ubuntu/bls/signer.key', 'root', sk)
    host.exec('chown -R ubuntu: /home/ubuntu/bls && chmod 400 /home/ubuntu/bls/signer.key')
    expect(host.service('start').code).toBe(0)
    await host.waitForNode()
    const pid = Number(show(host, 'MainPID').replace('MainPID=', ''))
    expect(pid).toBeGreaterThan(1)
    const out = show(
      host,
      'User,ExecStart,Environment,EnvironmentFiles,WorkingDirectory,MainPID,ActiveState,SubState'
    )
    const lines = out.split('\n')
    expect(lines[0]).toBe('User=ubuntu')
    expect(lines[1]).toMatch(
      /^ExecStart=\{ path=\/home\/ubuntu\/avalanche-node\/avalanchego ; argv\[\]=\/home\/ubuntu\/avalanche-node\/avalanchego --config-file=\/home\/ubuntu\/\.avalanchego\/configs\/node\.json ; ignore_errors=no ; start_time=\[\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] ; stop_time=\[n\/a\] ; pid=\d+ ; code=\(null\) ; status=0\/0 \}$/
    )
    expect(lines.slice(2)).toEqual([
      'Environment=AVAGO_HTTP_ALLOWED_HOSTS=localhost,node.example LANG=C AVAGO_STAKING_SIGNER_KEY_FILE=/home/ubuntu/bls/signer.key',
      'EnvironmentFiles=/home/ubuntu/avalanchego.env (ignore_errors=no)',
      'EnvironmentFiles=/home/ubuntu/optional.env (ignore_errors=yes)',
      'WorkingDirectory=/home/ubuntu',
      `MainPID=${pid}`,
      'ActiveState=active',
      'SubState=running',
      ''
    ])
    // The node took its data dir from the EnvironmentFile and its signer path from the drop-in.
    expect(host.exec('ls /home/ubuntu/data/staking /home/ubuntu/bls').stdout).toBe(
      '/home/ubuntu/bls:\nsigner.key\n\n/home/ubuntu/data/staking:\nstaker.crt\nstaker.key\n'
    )
    expect(host.exec('test -e /home/ubuntu/.avalanchego/staking').code).not.toBe(0)
    const environ = host.exec(`tr '\\0' '\\n' < /proc/${pid}/environ | sort`).stdout
    expect(environ).toContain('AVAGO_DATA_DIR=/home/ubuntu/data\n')
    expect(environ).toContain('HOME=/home/ubuntu\n')
    expect(host.exec('systemctl cat avalanchego').stdout).toContain(
      '# /etc/systemd/system/avalanchego.service.d/override.conf'
    )
  })

  it('Restart=always: a node failing at start loops forever with activating in between (StartLimitIntervalSec=0), and fails after the burst without it', async () => {
    const host = await up(
      { simulation: { crashOnStart: true }, serviceLines: ['RestartSec=0.2'] },
      false
    )
    const seen = new Set<string>()
    await until('three restarts', () => {
      seen.add(host.service('is-active').stdout.trim())
      return Number(show(host, 'NRestarts').replace('NRestarts=', '')) >= 3
    })
    expect(seen).toContain('activating')
    // Between two attempts: the last one's exit, as systemd records it.
    await until('a show between two attempts', () =>
      /code=exited ; status=1 \}$/m.test(show(host, 'ExecStart'))
    )
    expect(show(host, 'ActiveState')).toMatch(/^ActiveState=(active|activating)\n$/)
    // A drop-in with systemd's default start limit (5 starts in 10 s): the loop ends in failed.
    host.exec('mkdir -p /etc/systemd/system/avalanchego.service.d')
    host.exec(
      'cat > /etc/systemd/system/avalanchego.service.d/limit.conf',
      'root',
      '[Unit]\nStartLimitIntervalSec=10\n[Service]\nRestartSec=0.1\n'
    )
    host.service('restart')
    await until('the unit to fail', () => host.service('is-active').stdout === 'failed\n')
    expect(host.service('status').stdout).toContain('Start request repeated too quickly.')
  })

  it('a graceful stop takes its time, deactivating meanwhile, exits 0 and removes process.json', async () => {
    const host = await up({ simulation: { stopDelayMs: 3000 } })
    const file = '/home/ubuntu/.avalanchego/process.json'
    expect(JSON.parse(host.readFile(file).toString())).toMatchObject({
      uri: 'http://127.0.0.1:9650',
      stakingAddress: '[::]:9651'
    })
    host.exec('systemctl stop avalanchego >/dev/null 2>&1 &')
    await until('deactivating', () => host.service('is-active').stdout === 'deactivating\n')
    await until('inactive', () => host.service('is-active').stdout === 'inactive\n')
    expect(host.exec(`test -e ${file}`).code).not.toBe(0)
    expect(host.service('status').stdout).toContain('main process exited, code=exited, status=0')
  })

  it("the action's probe: a second probe within the node's 10 s window is closed before TLS, and tries again until it gets through", async () => {
    const host = await up()
    const client = throwawayClientCertificate()
    const first = await probeStakingPort(host.address, 9651, client, 5000)
    expect(first.nodeId).toBe(host.nodeInfo()!.nodeID)
    const impatient = await probeStakingPort(host.address, 9651, client, 5000, 1500)
    expect(impatient.error).toMatch(/^closed before the TLS handshake at every try for 2 s/)
    const patient = await probeStakingPort(host.address, 9651, client, 5000)
    expect(patient.nodeId).toBe(first.nodeId)
  })

  it('a root node (User=root, as in Docker): its files are root’s in /root, and the trap overwrites a read-only staker.crt', async () => {
    const host = await up({ rootNode: true })
    expect([host.nodeUser, host.stakingDir]).toEqual(['root', '/root/.avalanchego/staking'])
    const before = host.nodeInfo()!.nodeID
    expect(host.exec(`stat -c '%U %a' ${host.stakingDir}/staker.crt`).stdout).toBe('root 400\n')
    const pid = show(host, 'MainPID').trim().replace('MainPID=', '')
    expect(host.exec(`stat -c %u /proc/${pid}`).stdout).toBe('0\n')
    expect(show(host, 'User')).toBe('User=root\n')
    host.exec(
      `systemctl stop avalanchego && rm ${host.stakingDir}/staker.key && systemctl start avalanchego`
    )
    const after = await host.waitForNode()
    expect(after.nodeID).not.toBe(before)
    expect(host.exec(`stat -c '%U %a' ${host.stakingDir}/staker.crt`).stdout).toBe('root 400\n')
    // The host's /root is its own: the machine running the tests has no such files.
    expect(existsSync(`${host.stakingDir}/staker.crt`)).toBe(false)
  })
})
