// The CLI's SSH stack, a bundle of its own (dist/cli/remote.js): loaded by the first command that
// connects, so that verify, node-id and probe start without parsing it (see npm run bench).
export { connector } from '../operations/connect.js'
