import { randomBytes } from 'node:crypto'
import { Encrypter, generateIdentity, identityToRecipient } from 'age-encryption'
import { ArchiveError, openArchive, sealArchive } from '../../src/archive/archive.js'
import { writeTar } from '../../src/archive/tar.js'

// Opening an archive: every refusal in our own words, never a line of the file or of the key.

async function ageKey(): Promise<{ identity: string; recipient: string; file: string }> {
  const identity = await generateIdentity()
  const recipient = await identityToRecipient(identity)
  // As age-keygen writes it.
  const file = `# created: 2026-01-01T00:00:00Z\n# public key: ${recipient}\n${identity}\n`
  return { identity, recipient, file }
}

const files = {
  'staker.crt': randomBytes(600),
  'staker.key': randomBytes(200),
  'signer.key': randomBytes(32)
}

async function sealedTar(
  entries: { name: string; data: string | Buffer }[],
  recipient: string
): Promise<Uint8Array> {
  const e = new Encrypter()
  e.addRecipient(recipient)
  return e.encrypt(
    writeTar(
      entries.map(x => ({ name: x.name, data: Buffer.from(x.data) })),
      new Date(0)
    )
  )
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(e).toBeInstanceOf(ArchiveError)
  return (e as Error).message
}

describe('openArchive refuses in its own words', () => {
  it('an age identity file given as the archive: says so, and never prints the key', async () => {
    const key = await ageKey()
    const message = await refusal(openArchive(Buffer.from(key.file), key.identity))
    expect(message).toMatch(/is an age identity \(a secret key\), not an archive/)
    expect(message).not.toContain('AGE-SECRET-KEY')
    expect(message).not.toContain(key.identity.slice(16))
  })

  it.each([
    ['a text file', Buffer.from('hello\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQ is not here\n')],
    ['random bytes', randomBytes(300)],
    ['an empty file', Buffer.alloc(0)],
    [
      'a PEM private key',
      Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n')
    ]
  ])('%s: not an age file, nothing of it quoted', async (_what, bytes) => {
    const key = await ageKey()
    const message = await refusal(openArchive(bytes, key.identity))
    expect(message).toMatch(/not an age-encrypted archive|is an age identity/)
    for (const line of bytes
      .toString('latin1')
      .split('\n')
      .filter(l => l.length > 4))
      expect(message).not.toContain(line)
  })

  it('a damaged age file: our words, not the library’s', async () => {
    const key = await ageKey()
    const sealed = Buffer.from(await sealArchive(files, manifestFields, [key.recipient]))
    sealed[sealed.length - 20] = sealed[sealed.length - 20]! ^ 0xff
    expect(await refusal(openArchive(sealed, key.identity))).toBe(
      'the archive cannot be decrypted: it is damaged, or not an avalanche-node-backup archive.'
    )
  })

  it('another key', async () => {
    const [a, b] = [await ageKey(), await ageKey()]
    const sealed = await sealArchive(files, manifestFields, [a.recipient])
    expect(await refusal(openArchive(sealed, b.file))).toMatch(
      /does not open the archive: it was encrypted to other recipients/
    )
  })

  it('a malformed AGE-SECRET-KEY line', async () => {
    const key = await ageKey()
    const sealed = await sealArchive(files, manifestFields, [key.recipient])
    const bad = 'AGE-SECRET-KEY-1NOTAKEY' + 'Q'.repeat(40)
    const message = await refusal(openArchive(sealed, bad))
    expect(message).toMatch(/not a valid age key/)
    expect(message).not.toContain(bad)
  })

  it.each([
    ['null', 'null'],
    ['a number', '42'],
    ['not JSON, quoting a would-be secret', '{"nodeId": SECRET-IN-THE-FILE'],
    ['another format', '{"format": "other/1"}'],
    ['no sha256', JSON.stringify({ format: 'avalanche-node-backup/1', nodeId: 'x' })]
  ])('a manifest that is %s', async (_what, manifest) => {
    const key = await ageKey()
    const sealed = await sealedTar([{ name: 'manifest.json', data: manifest }], key.recipient)
    const message = await refusal(openArchive(sealed, key.identity))
    expect(message).toMatch(/manifest.json is not an avalanche-node-backup\/1 manifest/)
    expect(message).not.toContain('SECRET')
  })

  it('a keystore export that is not JSON: named, not quoted', async () => {
    const key = await ageKey()
    const good = await openArchive(
      await sealArchive(files, manifestFields, [key.recipient]),
      key.identity
    )
    const sealed = await sealedTar(
      [
        { name: 'manifest.json', data: JSON.stringify(good.manifest) },
        ...Object.entries(files).map(([f, data]) => ({ name: `staking/${f}`, data })),
        { name: 'keystore/alice.json', data: '{"username":"alice","user": PASSWORD-ISH' }
      ],
      key.recipient
    )
    const message = await refusal(openArchive(sealed, key.identity))
    expect(message).toBe(
      'keystore/alice.json in the archive is not a keystore export: the archive is damaged.'
    )
  })

  it('an archive it sealed opens (the refusals above are not everything refused)', async () => {
    const key = await ageKey()
    const opened = await openArchive(
      await sealArchive(files, manifestFields, [key.recipient]),
      key.file
    )
    expect(Buffer.from(opened.files['signer.key']).equals(files['signer.key'])).toBe(true)
    expect(opened.manifest.nodeId).toBe(manifestFields.nodeId)
  })
})

describe('sealArchive', () => {
  it('a secret key given as a recipient: named by position, never printed', async () => {
    const key = await ageKey()
    const message = await refusal(sealArchive(files, manifestFields, [key.recipient, key.identity]))
    expect(message).toMatch(/recipient 2 of 2 is not an age recipient/)
    expect(message).toMatch(/it is an age secret key; give its public key/)
    expect(message).not.toContain(key.identity.slice(0, 20))
  })
})

const manifestFields = {
  nodeId: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg',
  blsPublicKey: '0x' + '00'.repeat(48),
  keyType: 'RSA 4096',
  takenAt: '2026-01-01T00:00:00.000Z',
  host: 'ubuntu@203.0.113.7:22'
}
