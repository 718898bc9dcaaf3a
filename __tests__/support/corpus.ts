// The mutation corpus of the differential test: real identities (avalanchego's local stakers, and
// openssl-made EC and RSA keys in PKCS#8, PKCS#1 and SEC1), damaged and reshaped the ways stored
// secrets get damaged. The mutations are drawn from a fixed seed: the same cases every run.

export interface Identity {
  name: string
  crt: Buffer
  key: Buffer
}

export interface CorpusCase {
  id: string
  /** What was done, for the failure message and the per-class settlement in the test. */
  kind: string
  crt: Buffer
  key: Buffer
}

/** mulberry32: a small seeded PRNG, enough to pick mutations reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Bytes a damaged or hand-edited secret can hold; the first ones are outside base64. */
const STRAY = [
  '.',
  '*',
  '-',
  '!',
  '#',
  '=',
  ' ',
  '\t',
  '\r',
  '\n',
  '\v',
  '\f',
  '\0',
  ':',
  '_',
  '\xc3\xa9',
  '%'
]

const latin1 = (b: Buffer) => b.toString('latin1')
const bytes = (s: string) => Buffer.from(s, 'latin1')

/** Where the base64 body of the first block lies: after the BEGIN line, before "\n-----END ". */
function bodyRange(s: string): [number, number] | undefined {
  const begin = s.indexOf('-----BEGIN ')
  if (begin < 0) return undefined
  const start = s.indexOf('\n', begin) + 1
  const end = s.indexOf('\n-----END ', start)
  return start > 0 && end > start ? [start, end] : undefined
}

function armourRanges(s: string): [number, number][] {
  const out: [number, number][] = []
  for (const m of s.matchAll(/-----(BEGIN|END) [^\n]*/g)) out.push([m.index, m.index + m[0].length])
  return out
}

export function generateCorpus(
  identities: Identity[],
  seed: number,
  perFile: number
): CorpusCase[] {
  const rand = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const int = (n: number) => Math.floor(rand() * n)
  const cases: CorpusCase[] = []
  const add = (id: Identity, kind: string, crt: Buffer, key: Buffer) =>
    cases.push({ id: `${id.name}#${cases.length}`, kind, crt, key })

  for (const id of identities) {
    add(id, 'intact', id.crt, id.key)
    for (const slot of ['crt', 'key'] as const) {
      const file = latin1(id[slot])
      const put = (kind: string, text: string) =>
        slot === 'crt'
          ? add(id, `crt:${kind}`, bytes(text), id.key)
          : add(id, `key:${kind}`, id.crt, bytes(text))
      for (const [kind, text] of textMutations(file, rand, pick, int, perFile)) put(kind, text)
    }
  }
  return cases
}

type Mutation = [string, string]

function textMutations(
  s: string,
  rand: () => number,
  pick: <T>(xs: readonly T[]) => T,
  int: (n: number) => number,
  count: number
): Mutation[] {
  const out: Mutation[] = []
  const range = bodyRange(s)
  if (!range) return out
  const [b0, b1] = range
  const char = () => (rand() < 0.6 ? pick(STRAY) : pick([...B64]))
  const at = (lo: number, hi: number) => lo + int(Math.max(1, hi - lo))
  const splice = (i: number, del: number, ins: string) => s.slice(0, i) + ins + s.slice(i + del)
  const ops: [string, () => string][] = [
    ['body-insert', () => splice(at(b0, b1), 0, char())],
    ['body-delete', () => splice(at(b0, b1), 1, '')],
    ['body-replace', () => splice(at(b0, b1), 1, char())],
    [
      'armour-edit',
      () => {
        const [a0, a1] = pick(armourRanges(s))
        const i = at(a0, a1 + 1)
        const r = rand()
        return r < 0.33 ? splice(i, 0, char()) : r < 0.66 ? splice(i, 1, '') : splice(i, 1, char())
      }
    ],
    ['crlf-some', () => s.replace(/\n/g, () => (rand() < 0.3 ? '\r\n' : '\n'))],
    [
      'line-edge-space',
      () => s.replace(/\n/g, () => (rand() < 0.1 ? pick([' \n', '\t\n', ' \r\n']) : '\n'))
    ],
    [
      'trailing-garbage',
      () =>
        s +
        pick([
          'junk',
          '\n\nnot pem\n',
          '\0\0',
          '-----BEGIN X-----\nAAAA\n',
          '-----END CERTIFICATE-----\n'
        ])
    ],
    ['leading-garbage', () => pick(['x', ' ', '\n\n', 'garbage\n', '\t', '\xef\xbb\xbf']) + s]
  ]
  for (let i = 0; i < count; i++) {
    const [kind, op] = pick(ops)
    out.push([kind, op()])
  }
  // The structured ones: every file gets each of these once.
  const body = s.slice(b0, b1)
  const flat = body.replace(/[\r\n]/g, '')
  const wrap = (n: number) => (flat.match(new RegExp(`.{1,${n}}`, 'g')) ?? []).join('\n')
  const withBody = (b: string) => s.slice(0, b0) + b + s.slice(b1)
  const stripPad = flat.replace(/=+$/, '')
  const pads = flat.length - stripPad.length
  out.push(
    ['wrap-76', withBody(wrap(76))],
    ['wrap-1', withBody(wrap(1))],
    ['wrap-single-line', withBody(flat)],
    ['wrap-63', withBody(wrap(63))],
    ['crlf-all', s.replace(/\n/g, '\r\n')],
    ['crlf-all-no-final-lf', s.replace(/\n/g, '\r\n').replace(/\n$/, '')],
    ['cr-cr-lf', s.replace(/\n/g, '\r\r\n')],
    ['lone-cr', s.replace(/\n/g, '\r')],
    ['no-final-newline', s.replace(/\n$/, '')],
    ['padding-removed', withBody(stripPad)],
    ['padding-extra', withBody(flat + '=')],
    ['padding-doubled', withBody(flat + (pads ? '' : 'AA=='))],
    ['padding-then-data', withBody(flat + (pads ? 'AAAA' : '=AAA'))],
    ['padding-on-own-line', withBody(stripPad + '\n' + '='.repeat(pads))],
    ['body-empty', withBody('')],
    ['end-line-missing', s.slice(0, b1 + 1)],
    ['begin-line-missing', s.slice(b0)],
    ['end-type-changed', s.replace(/-----END ([A-Z ]+)-----/, '-----END $1X-----')],
    ['end-text-after', s.replace(/(-----END [A-Z ]+-----)/, '$1 trailing')],
    ['begin-text-after', s.replace(/(-----BEGIN [A-Z ]+-----)/, '$1 x')],
    ['begin-lowercase', s.replace('-----BEGIN ', '-----begin ')],
    [
      'header-proc-type',
      s.replace(
        /(-----BEGIN [A-Z ]+-----\n)/,
        '$1Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n'
      )
    ],
    ['header-comment', s.replace(/(-----BEGIN [A-Z ]+-----\n)/, '$1Comment: backup of 2024\n')],
    ['header-then-end', s.slice(0, b0) + 'Comment: x\n' + s.slice(b1 + 1)],
    ['header-with-begin', s.replace(/(-----BEGIN [A-Z ]+-----\n)/, '$1Comment: -----BEGIN NOTE\n')],
    ['base64-only', flat],
    ['spaces-in-body', withBody(body.replace(/(.{8})/g, '$1 '))],
    ['tab-indented', s.replace(/\n(?=[A-Za-z0-9+/])/g, '\n\t')],
    ['blocks-doubled', s + s],
    ['nested-begin', s.slice(0, b0) + s.slice(0, b0) + s.slice(b0)]
  )
  return out
}

const pemOf = (type: string, der: Buffer) =>
  `-----BEGIN ${type}-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${type}-----\n`

/** The DER of the first PEM block (for cases built at the DER level). */
export function derOf(pem: Buffer): Buffer {
  const s = latin1(pem)
  const r = bodyRange(s)!
  return Buffer.from(s.slice(r[0], r[1]).replace(/\s/g, ''), 'base64')
}

/** A TLV's header length and body length at offset i. */
function tlvAt(der: Buffer, i: number): { head: number; len: number } {
  const first = der[i + 1]!
  if (first < 0x80) return { head: 2, len: first }
  const n = first & 0x7f
  return { head: 2 + n, len: der.readUIntBE(i + 2, n) }
}

const encodeLen = (n: number) =>
  n < 0x80
    ? Buffer.from([n])
    : n < 0x100
      ? Buffer.from([0x81, n])
      : Buffer.from([0x82, n >> 8, n & 0xff])

/** Replaces the element at the given path (child indexes from the top) and fixes every length. */
export function replaceAt(der: Buffer, path: number[], make: (old: Buffer) => Buffer): Buffer {
  const { head, len } = tlvAt(der, 0)
  if (path.length === 0) return make(der.subarray(0, head + len))
  const kids: Buffer[] = []
  for (let i = head; i < head + len;) {
    const t = tlvAt(der, i)
    kids.push(der.subarray(i, i + t.head + t.len))
    i += t.head + t.len
  }
  const [k, ...rest] = path
  kids[k!] = replaceAt(kids[k!]!, rest, make)
  const body = Buffer.concat(kids)
  return Buffer.concat([Buffer.from([der[0]!]), encodeLen(body.length), body])
}

export interface KeyForms {
  name: string
  crt: Buffer
  /** The same key in each form openssl writes it: PKCS#8, and PKCS#1 or SEC1. */
  forms: { label: string; pem: Buffer }[]
}

/** Cases built from whole files: confusions, chains, labels, key forms, DER-level edits. */
export function structuralCases(ids: KeyForms[], rand: () => number): CorpusCase[] {
  const cases: CorpusCase[] = []
  const add = (name: string, kind: string, crt: Buffer, key: Buffer) =>
    cases.push({ id: `${name}#s${cases.length}`, kind, crt, key })
  const other = ids[ids.length - 1]!
  for (const id of ids) {
    const key = id.forms[0]!.pem
    const certDer = derOf(id.crt)
    for (const f of id.forms) {
      add(id.name, `form:${f.label}`, id.crt, f.pem)
      const der = derOf(f.pem)
      for (const label of [
        'PRIVATE KEY',
        'RSA PRIVATE KEY',
        'EC PRIVATE KEY',
        'ENCRYPTED PRIVATE KEY',
        'FOO PRIVATE KEY',
        'PRIVATEKEY',
        'XPRIVATE KEY'
      ])
        add(id.name, `label:${f.label}-as-${label}`, id.crt, bytes(pemOf(label, der)))
      add(id.name, 'key-as-der', id.crt, der)
      if (f.label === 'EC PRIVATE KEY') {
        // SEC1: version, private key, [0] curve, [1] public key.
        const zero = replaceAt(der, [1], old =>
          Buffer.concat([old.subarray(0, 2), Buffer.alloc(old[1]!)])
        )
        add(id.name, 'key-zero-scalar', id.crt, bytes(pemOf(f.label, zero)))
      }
      add(id.name, 'key-base64-only', id.crt, Buffer.from(der.toString('base64')))
      add(id.name, 'key-truncated', id.crt, bytes(pemOf(f.label, der.subarray(0, der.length - 7))))
      add(
        id.name,
        'key-trailing-byte',
        id.crt,
        bytes(pemOf(f.label, Buffer.concat([der, Buffer.from([0])])))
      )
      for (let i = 0; i < 12; i++) {
        // One byte of the key's DER changed: CRT values, the stored EC public key, lengths, tags.
        const j = Math.floor(rand() * der.length)
        const bad = Buffer.from(der)
        bad[j] = bad[j]! ^ (1 << Math.floor(rand() * 8))
        add(id.name, 'key-der-bitflip', id.crt, bytes(pemOf(f.label, bad)))
      }
    }
    add(id.name, 'crt-as-der', certDer, key)
    add(id.name, 'crt-base64-of-der', Buffer.from(certDer.toString('base64')), key)
    add(
      id.name,
      'crt-der-trailing-byte',
      bytes(pemOf('CERTIFICATE', Buffer.concat([certDer, Buffer.from([0])]))),
      key
    )
    add(id.name, 'crt-labelled-x509', bytes(pemOf('X509 CERTIFICATE', certDer)), key)
    add(id.name, 'crt-holds-key', key, key)
    add(id.name, 'key-holds-crt', id.crt, id.crt)
    add(id.name, 'crt-then-key-in-crt', Buffer.concat([id.crt, key]), key)
    add(id.name, 'key-after-crt-in-key', id.crt, Buffer.concat([id.crt, key]))
    add(id.name, 'chain-own-first', Buffer.concat([id.crt, other.crt]), key)
    add(id.name, 'chain-other-first', Buffer.concat([other.crt, id.crt]), key)
    const broken = bytes(latin1(id.crt).replace(/\n([A-Za-z0-9+/]{20})/, '\n$1.'))
    add(id.name, 'chain-broken-first', Buffer.concat([broken, other.crt]), key)
    add(id.name, 'chain-broken-first-own-second', Buffer.concat([broken, id.crt]), key)
    add(
      id.name,
      'serial-negative',
      bytes(
        pemOf(
          'CERTIFICATE',
          replaceAt(certDer, [0, serialIndex(certDer)], () => Buffer.from([2, 1, 0xfb]))
        )
      ),
      key
    )
    add(
      id.name,
      'serial-zero',
      bytes(
        pemOf(
          'CERTIFICATE',
          replaceAt(certDer, [0, serialIndex(certDer)], () => Buffer.from([2, 1, 0]))
        )
      ),
      key
    )
    add(
      id.name,
      'serial-non-minimal',
      bytes(
        pemOf(
          'CERTIFICATE',
          replaceAt(certDer, [0, serialIndex(certDer)], () => Buffer.from([2, 2, 0, 5]))
        )
      ),
      key
    )
    for (let i = 0; i < 25; i++) {
      const j = Math.floor(rand() * certDer.length)
      const bad = Buffer.from(certDer)
      bad[j] = bad[j]! ^ (1 << Math.floor(rand() * 8))
      add(id.name, 'crt-der-bitflip', bytes(pemOf('CERTIFICATE', bad)), key)
    }
  }
  return cases
}

/** Index of the serial number among the TBS's children (after the optional [0] version). */
function serialIndex(certDer: Buffer): number {
  const t = tlvAt(certDer, 0)
  const tbsStart = t.head
  const tbs = tlvAt(certDer, tbsStart)
  return certDer[tbsStart + tbs.head] === 0xa0 ? 1 : 0
}
