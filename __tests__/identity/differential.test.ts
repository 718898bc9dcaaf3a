// Our verdict on staker.crt / staker.key against Go's, case by case, over a seeded corpus of
// damaged and reshaped real identities. The reference (__tests__/support/go-reference) is a small
// Go program using the standard library as avalanchego does; it is built and run by this test.
//
// Go versions. avalanchego builds with Go 1.25; Debian's golang-go is Go 1.19. The differences
// that these inputs can reach are settled as follows:
// - RSA private keys: since Go 1.24 the stored CRT values (dP, dQ, qInv) are used and checked and
//   d is no longer checked against e. The reference applies Go 1.25's checks itself (main.go
//   check125) instead of calling Go 1.19's Validate.
// - Negative serial numbers: refused by x509 since Go 1.23; the reference refuses them itself.
// - encoding/pem: Go 1.25 finds a block from its END line back to the last "-----BEGIN " before
//   it, which must start a line; Go 1.19 searched forward from the first BEGIN. On this corpus they
//   differ in one class only: a header line holding "-----BEGIN " inside the block
//   (kind `*:header-with-begin`). Go 1.19 decodes that block, Go 1.25 skips it. The test asserts
//   exactly that: the reference (1.19) accepts it, and we refuse it as 1.25 does.
// - EC private keys: Go 1.25 reads the scalar with ecdsa.ParseRawPrivateKey, which refuses zero;
//   Go 1.19 accepted it. The reference refuses it itself (kind `key-zero-scalar`, and bit flips
//   that empty the scalar).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { IdentityError } from '../../src/identity/errors.js'
import { checkIdentity } from '../../src/identity/checks.js'
import {
  generateCorpus,
  prng,
  structuralCases,
  type CorpusCase,
  type KeyForms
} from '../support/corpus.js'
import { GO, runReference, type ReferenceVerdict } from '../support/go-reference.js'
import { generateIdentity, openssl } from '../support/identities.js'
import { describeWith, HAVE_VECTORS } from '../support/prerequisites.js'
import { vectorPath, vectors } from '../support/vectors.js'

const SEED = 0x5eed_a7a1
/** Mutations drawn per file (staker.crt and staker.key) of each identity. */
const PER_FILE = 110

function keyForms(): KeyForms[] {
  const out: KeyForms[] = []
  for (const s of vectors.stakers) {
    const key = readFileSync(vectorPath(s.key))
    out.push({
      name: s.cert.replace('.crt', ''),
      crt: readFileSync(vectorPath(s.cert)),
      forms: [
        { label: 'RSA PRIVATE KEY', pem: key },
        { label: 'PRIVATE KEY', pem: openssl(['pkey', '-in', vectorPath(s.key)]) }
      ]
    })
  }
  const made: [string, string, string[][]][] = [
    [
      'ec-p256',
      'ec',
      [
        ['ec', '-in'],
        ['ec', '-no_public', '-in']
      ]
    ],
    ['rsa-2048', 'rsa2048', [['rsa', '-traditional', '-in']]],
    ['ec-p384', '-algorithm EC -pkeyopt ec_paramgen_curve:P-384', [['ec', '-in']]],
    ['ed25519', '-algorithm ED25519', []]
  ]
  for (const [name, spec, conversions] of made) {
    const id = generateIdentity(spec)
    const forms = [{ label: 'PRIVATE KEY', pem: id.key }]
    for (const c of conversions) {
      const pem = openssl([...c, id.keyPath])
      forms.push({ label: /BEGIN ([A-Z ]+)-----/.exec(pem.toString())![1]!, pem })
    }
    out.push({ name, crt: id.crt, forms })
  }
  return out
}

interface Ours {
  cert: boolean
  key: boolean
  pair: boolean
  certSha256?: string
}

/** `verify`'s own entry point; signer.key is left out (not Go's business, and slow to derive). */
function ours(c: CorpusCase): Ours {
  const signer = new IdentityError('signer.key', 'not part of this test')
  const { report, parsed } = checkIdentity(
    { 'staker.crt': c.crt, 'staker.key': c.key, 'signer.key': signer },
    {}
  )
  const status = (id: string) => report.checks.find(k => k.id === id)?.status === 'pass'
  const der = parsed.certificate?.der
  return {
    cert: status('certificate'),
    key: status('private-key'),
    pair: status('key-pair'),
    ...(der && { certSha256: createHash('sha256').update(der).digest('hex') })
  }
}

/** Go 1.25's verdict from the reference's (Go 1.19) one, per the header comment. */
function go125(c: CorpusCase, ref: ReferenceVerdict): Ours {
  const cert = ref.cert === '' && c.kind !== 'crt:header-with-begin'
  const key = ref.key === '' && c.kind !== 'key:header-with-begin'
  return {
    cert,
    key,
    pair: cert && key && ref.pair === '',
    ...(cert && ref.certSha256 && { certSha256: ref.certSha256 })
  }
}

describeWith(
  'Go (Debian golang-go) and ../shared/vectors',
  GO !== undefined && HAVE_VECTORS,
  'staker.crt and staker.key judged as avalanchego (Go) judges them',
  () => {
    let corpus: CorpusCase[] = []
    let reference: ReferenceVerdict[] = []

    beforeAll(() => {
      const ids = keyForms()
      corpus = [
        ...generateCorpus(
          ids.map(i => ({ name: i.name, crt: i.crt, key: i.forms[0]!.pem })),
          SEED,
          PER_FILE
        ),
        ...structuralCases(ids, prng(SEED + 1))
      ]
      reference = runReference(
        corpus.map(c => ({
          id: c.id,
          crt: c.crt,
          key: c.key,
          crtIsDer: !c.crt.includes('-----BEGIN ')
        }))
      )
      console.log(
        `differential corpus: ${corpus.length} cases (seed 0x${SEED.toString(16)}), ${GO}`
      )
    }, 120_000)

    it('the corpus is a few thousand cases, and Go refuses and accepts some of each kind', () => {
      expect(corpus.length).toBeGreaterThan(2000)
      expect(reference).toHaveLength(corpus.length)
      const accepted = reference.filter(r => r.pair === '').length
      expect(accepted).toBeGreaterThan(100)
      expect(corpus.length - accepted).toBeGreaterThan(100)
    })

    it('every case gets the verdict Go 1.25 gives', () => {
      const wrong: string[] = []
      corpus.forEach((c, i) => {
        const ref = reference[i]!
        expect(ref.id).toBe(c.id)
        const want = go125(c, ref)
        const got = ours(c)
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          wrong.push(
            `${c.id} ${c.kind}: ours ${JSON.stringify(got)}, Go ${JSON.stringify(want)} (${ref.cert || ref.key || ref.pair})`
          )
        }
      })
      expect(wrong.slice(0, 25)).toEqual([])
      expect(wrong).toHaveLength(0)
    })

    it('the one Go 1.19/1.25 difference is exercised: a header holding "-----BEGIN "', () => {
      // Only where the identity itself is one Go accepts (not the P-384 or Ed25519 ones).
      const intact = new Set(
        corpus
          .filter((c, i) => c.kind === 'intact' && reference[i]!.pair === '')
          .map(c => c.id.split('#')[0])
      )
      const settled = corpus.filter(
        c => c.kind.endsWith(':header-with-begin') && intact.has(c.id.split('#')[0])
      )
      expect(settled.length).toBeGreaterThanOrEqual(10)
      for (const c of settled) {
        const ref = reference[corpus.indexOf(c)]!
        // Go 1.19 reads the block; Go 1.25 (and we) do not.
        expect(c.kind === 'crt:header-with-begin' ? ref.cert : ref.key).toBe('')
        const got = ours(c)
        expect(c.kind === 'crt:header-with-begin' ? got.cert : got.key).toBe(false)
      }
    })
  }
)
