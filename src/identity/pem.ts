export interface PemBlock {
  type: string
  headers: Record<string, string>
  der: Buffer
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*?)\n?-----END \1-----/g

/** True when the bytes are (mostly) text that contains PEM armour. */
export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ')
}

/** Every PEM block in the text, in order, with RFC 1421 headers (Proc-Type, DEK-Info) split off. */
export function pemBlocks(text: string): PemBlock[] {
  const normal = text.replace(/\r\n?/g, '\n')
  const blocks: PemBlock[] = []
  for (const m of normal.matchAll(BLOCK)) {
    const type = m[1] ?? ''
    const lines = (m[2] ?? '').split('\n')
    const headers: Record<string, string> = {}
    while (lines.length > 0 && /^[A-Za-z-]+:/.test(lines[0] ?? '')) {
      const line = lines.shift() ?? ''
      const i = line.indexOf(':')
      headers[line.slice(0, i)] = line.slice(i + 1).trim()
    }
    const der = Buffer.from(lines.join('').replace(/\s+/g, ''), 'base64')
    blocks.push({ type, headers, der })
  }
  return blocks
}

export function toPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`
}
