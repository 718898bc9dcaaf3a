// The CLI's second bundle (dist/remote.js): the modules only some commands need, loaded the first
// time one of them does (scripts/bundle.mjs maps their imports in dist/cli.js here), so that
// node-id and verify start without parsing ssh2, age or the HTTP and TLS clients (npm run bench).
export * from '../archive/archive.js'
export * from '../settings/key-checks.js'
export * from '../operations/backup.js'
export * from '../operations/network.js'
export * from '../operations/probe.js'
export * from '../operations/restore.js'
export * from '../operations/verify-live.js'
export * from '../operations/connect.js'
