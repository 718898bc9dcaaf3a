import { NAME } from './flags.js'

const RESTORE_HELP = `Usage: ${NAME} restore (--backup-dir DIR | --staker-crt F --staker-key F --signer-key F)
                 --expected-node-id ID [--expected-bls-public-key HEX]
                 [--host HOST --username USER --ssh-key FILE --host-key KEY|FILE [--port 22]]
                 [--connect-timeout SECONDS] [--proxy-host HOST --proxy-host-key KEY|FILE ...]
                 [--staking-dir DIR] [--service-name NAME] [--sudo auto|true|false]
                 [--container NAME] [--stop-command CMD --start-command CMD] [--api-url URL]
                 [--wait-timeout SECONDS] [--force] [--json]
                 [--network-api URL [--require-network-checks]] [--old-hosts HOST[:PORT] ...]
                 [--allow-running-elsewhere] [--wait-healthy SECONDS]

Puts the backup on the node host and proves it: checks the files offline, connects once (the host
key must match --host-key), uploads them under temporary names, stops the node, keeps the current
files in a directory beside the staking directory, moves the new ones in, starts the node and
waits until it reports the expected NodeID and BLS key. Any failure after the stop puts the
previous files back and starts the node again. Without --host, restores on this machine.

  --backup-dir DIR            the backup: a directory with staker.crt, staker.key, signer.key
  --staker-crt, --staker-key, --signer-key FILE   or the files one by one (as for verify)
  --host, --port, --username  the node host over SSH
  --ssh-key FILE              the private key to log in with; its passphrase, if any, from the
                              environment variable AVALANCHE_SSH_PASSPHRASE
  --host-key KEY|FILE         known_hosts lines or SHA256 fingerprints, or a file of them; a
                              known_hosts line counts for the host names it lists, as in OpenSSH
  --connect-timeout SECONDS   how long each SSH connection may take to be ready (default 20)
  --proxy-host HOST           a jump host: the connection to --host runs through it
  --proxy-port, --proxy-username   its port (default 22) and user (default --username)
  --proxy-ssh-key FILE        its login key (default --ssh-key); passphrase from the environment
                              variable AVALANCHE_PROXY_SSH_PASSPHRASE
  --proxy-host-key KEY|FILE   its host key(s), as --host-key (required with --proxy-host)
  --insecure-skip-host-key-check   do not verify the host keys (throwaway tests only)
  --staking-dir DIR           on the host (default: where the node is found to read it)
  --service-name NAME         the systemd unit (default avalanchego)
  --sudo auto|true|false      sudo -n for service control (default auto: when not root)
  --container NAME            the Docker container that runs the node (found through docker inspect)
  --stop-command, --start-command CMD   instead of systemctl (e.g. docker stop/start)
  --api-url URL               the node's API as seen on the host (default http://127.0.0.1:9650)
  --wait-timeout SECONDS      how long the node may take to answer after start (default 120)
  --force                     restart even if the host already runs these files
  --json                      print the result as JSON (the action's result output)
  --network-api URL           an avalanchego API on the same network (https://, or http:// on
                              loopback): the BLS key registered on the P-chain must be the
                              backup's, and the NodeID must not be connected from elsewhere
  --require-network-checks    fail when --network-api cannot be asked (default: a warning)
  --old-hosts HOST[:PORT]     an old machine's staking port (default 9651), repeatable: one that
                              still answers with this NodeID stops the restore
  --allow-running-elsewhere   warn instead of refusing when the NodeID runs elsewhere
  --wait-healthy SECONDS      afterwards, wait for /ext/health and report its checks (default 0)

Exit codes: 0 restored (or already in place), 1 the restore failed, 2 bad usage or input.`

const BACKUP_HELP = `Usage: ${NAME} backup [--host HOST --username USER --ssh-key FILE --host-key KEY|FILE]
                 [--staking-dir DIR] [--expected-node-id ID]
                 (--out DIR | --archive FILE --age-recipient AGE1... [--age-recipient ...])

Takes staker.crt, staker.key and signer.key off the node (over SSH, or this machine without
--host), checks them offline and against the NodeID and BLS key the running node reports, and
refuses to call them a backup when they disagree. Then stores them:

  --out DIR                a new directory (0700) with the three files (0600), as the backup guide's
                           scp -r does; prints the gh secret set commands to put them into secrets
  --archive FILE           an age-encrypted archive instead (opens with: age -d -i KEY FILE | tar x),
  --age-recipient AGE1...  encrypted to these recipients
  --force                  take the files even when the node's API does not answer

The host flags are restore's (see restore --help). Exit codes: 0 stored, 1 refused or failed, 2 bad usage.`

export const HELP: Record<string, string> = {
  main: `Usage: ${NAME} <command> [options]

Keep an AvalancheGo node's identity (staker.crt, staker.key, signer.key) safe.

Commands:
  node-id FILE...   print the NodeID of each certificate (PEM or DER), one per line ('-': stdin)
  verify            check a backup offline: whole, a pair, accepted by avalanchego, the expected identity
  probe HOST...      print each node's NodeID as its staking port proves it (TLS, no SSH or secret)
  backup            take the files off a node (over SSH or here), check them against it, store them
  restore           put a backup on a node host over SSH (or this machine), restart it, prove the NodeID

Run '${NAME} <command> --help' for a command's options.
Exit codes: 0 all checks pass, 1 a check failed, 2 bad usage or unreadable input.`,
  'node-id': `Usage: ${NAME} node-id FILE...

Prints the NodeID of each certificate, one per line, in the order given: "NodeID-" +
cb58(ripemd160(sha256(DER))). Files may be PEM (the first certificate of a chain counts) or DER;
'-' reads standard input (ssh HOST cat .avalanchego/staking/staker.crt | ${NAME} node-id -).
A certificate avalanchego would refuse is reported on stderr and makes the exit code 1.`,
  probe: `Usage: ${NAME} probe [--expected-node-id ID]... [--timeout SECONDS] [--json] HOST[:PORT]...

Connects to each node's staking port (default 9651) with TLS 1.3 and a throwaway client
certificate, and prints the NodeID of the certificate the node presents, one line per host in the
order given. All hosts are probed at once, one connection each. With --expected-node-id (once per
host, in order), a node that proves another NodeID makes the exit code 1, as does an unreachable one.`,
  verify: `Usage: ${NAME} verify (--staking-dir DIR | --staker-crt F --staker-key F --signer-key F)
                 [--expected-node-id ID] [--expected-bls-public-key HEX]
                 [--proof-of-possession] [--json]

Checks the three files as avalanchego reads them: the certificate and key are a pair of a type the
node accepts, signer.key is a valid BLS key, and (when given) they give the expected NodeID and BLS
public key. Prints each check and the identity; --json prints the same object as the action's
'result' output.

  --staking-dir DIR              a directory holding staker.crt, staker.key and signer.key
  --staker-crt, --staker-key, --signer-key FILE   the files one by one: a path, or (as the
                                 action's inputs) the PEM text, base64, or for signer.key hex;
                                 a value on the command line is seen by other users (ps): prefer
                                 paths. Nothing given is ever printed back.
  --expected-node-id ID          the NodeID the backup must give
  --expected-bls-public-key HEX  the BLS public key (0x + 96 hex digits) it must give
  --proof-of-possession         also derive the BLS proof of possession (for registering a
                                 validator; slower: it hashes to the curve)
  --json                         print the result as JSON
  --host HOST ...                also compare with the live node on that host (the files there, by
                                 hash, and the NodeID and BLS key it reports); the host flags are
                                 restore's (see restore --help), but the staking directory on the
                                 host is --host-staking-dir (default ~/.avalanchego/staking).
                                 Changes nothing on the host.`,
  restore: RESTORE_HELP,
  backup: BACKUP_HELP
}
