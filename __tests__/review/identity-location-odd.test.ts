// From the hostile review of the crash-safe restore (each test was a finding, now fixed): config files with odd JSON values, resolved as avalanchego (viper) resolves them.
//
import { parseConfig, resolveIdentity, type NodeView } from '../../src/node/identity-location.js'

const view: NodeView = {
  argv: ['/home/ubuntu/avalanche-node/avalanchego', '--config-file=/c.json'],
  env: { HOME: '/home/ubuntu' },
  cwd: '/home/ubuntu',
  source: 'process'
}

describe('review: odd JSON in the config file', () => {
  // viper: a key whose value is null is not set (IsSet false, the default applies); avalanchego
  // then uses $HOME/.avalanchego, not a directory named "null" under the working directory.
  it.each([
    ['data-dir', null, '/home/ubuntu/.avalanchego/staking'],
    ['staking-tls-cert-file', null, '/home/ubuntu/.avalanchego/staking']
  ])('"%s": %s is unset, the default applies', (key, value, dir) => {
    const config = parseConfig(JSON.stringify({ [key]: value }))
    expect(resolveIdentity(view, config, 'config file /c.json').stakingDir).toBe(dir)
  })
})
