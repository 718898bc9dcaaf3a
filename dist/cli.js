#!/usr/bin/env node
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res, err2) => function __init() {
  if (err2) throw err2[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err2 = [e], e;
  }
};
var __commonJS = (cb, mod6) => function __require() {
  try {
    return mod6 || (0, cb[__getOwnPropNames(cb)[0]])((mod6 = { exports: {} }).exports, mod6), mod6.exports;
  } catch (e) {
    throw mod6 = 0, e;
  }
};
var __export = (target, all) => {
  for (var name2 in all)
    __defProp(target, name2, { get: all[name2], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod6, isNodeMode, target) => (target = mod6 != null ? __create(__getProtoOf(mod6)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod6 || !mod6.__esModule ? __defProp(target, "default", { value: mod6, enumerable: true }) : target,
  mod6
));

// src/errors.ts
var InputError;
var init_errors = __esm({
  "src/errors.ts"() {
    "use strict";
    InputError = class extends Error {
      name = "InputError";
    };
  }
});

// src/identity/der.ts
function integer(body) {
  const [b0, b1] = body;
  if (b0 === void 0) throw new DerError("empty integer");
  if (b1 !== void 0 && (b0 === 0 && b1 < 128 || b0 === 255 && b1 >= 128)) {
    throw new DerError("non-minimal integer");
  }
  let n = 0n;
  for (const b of body) n = n << 8n | BigInt(b);
  return b0 & 128 ? n - (1n << BigInt(body.length * 8)) : n;
}
function smallInteger(body) {
  if (body.length > 8) throw new DerError("integer too large");
  return integer(body);
}
function oid(body) {
  if (body.length === 0) throw new DerError("empty OID");
  const parts = [];
  let v = 0;
  let digits = 0;
  for (const b of body) {
    if (digits === 0 && b === 128) throw new DerError("non-minimal OID");
    if (++digits > 5 || v >= 1 << 24) throw new DerError("OID part too large");
    v = v * 128 + (b & 127);
    if (!(b & 128)) {
      parts.push(v);
      v = 0;
      digits = 0;
    }
  }
  if (digits !== 0) throw new DerError("truncated OID");
  const first = parts.shift();
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}
function bitString(body) {
  const unused = body[0];
  if (unused === void 0 || unused > 7) throw new DerError("bad BIT STRING");
  const last = body[body.length - 1];
  if (body.length === 1 && unused > 0 || (last & (1 << unused) - 1) !== 0) {
    throw new DerError("bad BIT STRING padding");
  }
  if (unused === 0) return body.subarray(1);
  const out2 = new Uint8Array(body.length - 1);
  let carry = 0;
  for (let i = 1; i < body.length; i++) {
    out2[i - 1] = carry << 8 - unused | body[i] >> unused;
    carry = body[i] & (1 << unused) - 1;
  }
  return out2;
}
function boolean(body) {
  if (body.length !== 1 || body[0] !== 0 && body[0] !== 255) throw new DerError("bad BOOLEAN");
  return body[0] === 255;
}
function unsigned(body) {
  let n = 0n;
  for (const b of body) n = n << 8n | BigInt(b);
  return n;
}
function bitLength(n) {
  return n <= 0n ? 0 : n.toString(2).length;
}
var DerError, TAG, Der;
var init_der = __esm({
  "src/identity/der.ts"() {
    "use strict";
    DerError = class extends Error {
    };
    TAG = {
      BOOLEAN: 1,
      INTEGER: 2,
      BIT_STRING: 3,
      OCTET_STRING: 4,
      NULL: 5,
      OID: 6,
      UTF8_STRING: 12,
      NUMERIC_STRING: 18,
      PRINTABLE_STRING: 19,
      T61_STRING: 20,
      IA5_STRING: 22,
      UTC_TIME: 23,
      GENERALIZED_TIME: 24,
      BMP_STRING: 30,
      SEQUENCE: 48,
      SET: 49
    };
    Der = class _Der {
      constructor(buf) {
        this.buf = buf;
      }
      buf;
      pos = 0;
      get empty() {
        return this.pos >= this.buf.length;
      }
      /** The bytes not read yet. */
      rest() {
        return this.buf.subarray(this.pos);
      }
      /** Moves on by n bytes (after reading them through another cursor over rest()). */
      skip(n) {
        this.pos += n;
      }
      peek() {
        return this.buf[this.pos];
      }
      /** Tag and length at `start`, by DER's rules; the contents are not looked at. */
      header(start) {
        const buf = this.buf;
        const tag = buf[start];
        const first = buf[start + 1];
        if (tag === void 0 || first === void 0) throw new DerError("truncated");
        if ((tag & 31) === 31) throw new DerError("multi-byte tag");
        if (!(first & 128)) return { head: 2, len: first };
        const n = first & 127;
        if (n === 0) throw new DerError("indefinite length");
        if (n > 4) throw new DerError("length too large");
        let len2 = 0;
        for (let i = 0; i < n; i++) {
          const b = buf[start + 2 + i];
          if (b === void 0) throw new DerError("truncated");
          if (i === 0 && b === 0) throw new DerError("non-minimal length");
          len2 = len2 * 256 + b;
        }
        if (len2 < 128) throw new DerError("non-minimal length");
        return { head: 2 + n, len: len2 };
      }
      /** The next element, whatever its tag. */
      any() {
        const start = this.pos;
        const { head, len: len2 } = this.header(start);
        const end = start + head + len2;
        if (end > this.buf.length) throw new DerError("truncated");
        this.pos = end;
        const tag = this.buf[start];
        return { tag, body: this.buf.subarray(start + head, end), full: this.buf.subarray(start, end) };
      }
      /**
       * Steps past the header of the next element (it must have this tag), so that what follows is
       * read as if the header were not there: how encoding/asn1 reads an EXPLICIT tag, whose stated
       * length it never holds the inner element to. Returns that stated length.
       */
      enter(tag) {
        if (this.peek() !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
        const { head, len: len2 } = this.header(this.pos);
        this.pos += head;
        return len2;
      }
      /** The next element, which must have this tag. */
      read(tag) {
        if (this.peek() !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
        return this.any();
      }
      /** The next element if it has this tag (cryptobyte's ReadOptionalASN1). */
      optional(tag) {
        return this.peek() === tag ? this.any() : void 0;
      }
      /** The elements of a constructed value, in order. */
      static children(body) {
        const d = new _Der(body);
        const out2 = [];
        while (!d.empty) out2.push(d.any());
        return out2;
      }
    };
  }
});

// src/identity/errors.ts
var IdentityError, STAKING_FILES;
var init_errors2 = __esm({
  "src/identity/errors.ts"() {
    "use strict";
    IdentityError = class extends Error {
      constructor(file, reason) {
        super(`${file}: ${reason}`);
        this.file = file;
        this.reason = reason;
      }
      file;
      reason;
      name = "IdentityError";
    };
    STAKING_FILES = ["staker.crt", "staker.key", "signer.key"];
  }
});

// src/identity/cb58.ts
function base58Encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = n << 8n | BigInt(b);
  let out2 = "";
  while (n > 0n) {
    out2 = ALPHABET[Number(n % 58n)] + out2;
    n /= 58n;
  }
  return "1".repeat(zeros) + out2;
}
function base58Decode(text) {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === "1") zeros++;
  let n = 0n;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === void 0) return { badChar: c };
    n = n * 58n + BigInt(v);
  }
  const body = [];
  while (n > 0n) {
    body.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from([...new Array(zeros).fill(0), ...body]);
}
function checksum(payload) {
  return (0, import_node_crypto.createHash)("sha256").update(payload).digest().subarray(-CHECKSUM_LEN);
}
function cb58Encode(payload) {
  return base58Encode(Buffer.concat([payload, checksum(payload)]));
}
function cb58Decode(text) {
  const raw = base58Decode(text);
  if (!(raw instanceof Uint8Array)) return { ok: false, reason: "alphabet", badChar: raw.badChar };
  if (raw.length < CHECKSUM_LEN) return { ok: false, reason: "short" };
  const payload = raw.subarray(0, raw.length - CHECKSUM_LEN);
  if (!checksum(payload).equals(raw.subarray(raw.length - CHECKSUM_LEN))) {
    return { ok: false, reason: "checksum" };
  }
  return { ok: true, payload };
}
var import_node_crypto, ALPHABET, INDEX, CHECKSUM_LEN;
var init_cb58 = __esm({
  "src/identity/cb58.ts"() {
    "use strict";
    import_node_crypto = require("node:crypto");
    ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));
    CHECKSUM_LEN = 4;
  }
});

// src/identity/node-id.ts
function formatNodeId(shortId) {
  return PREFIX + cb58Encode(shortId);
}
function nodeIdFromCertificate(der) {
  const sha = (0, import_node_crypto2.createHash)("sha256").update(der).digest();
  return formatNodeId((0, import_node_crypto2.createHash)("ripemd160").update(sha).digest());
}
function parseNodeId(input, what = "NodeID") {
  const text = input.trim();
  const hint = `Copy it from info.getNodeID or from \`avalanche-node-backup node-id staker.crt\`.`;
  if (!text.startsWith(PREFIX)) {
    throw new IdentityError(
      "NodeID",
      `${what} does not start with '${PREFIX}'. A NodeID looks like NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg. ${hint}`
    );
  }
  const quoted = /^NodeID-[1-9A-HJ-NP-Za-km-z]{1,50}$/.test(text) ? ` '${text}'` : "";
  const decoded = cb58Decode(text.slice(PREFIX.length));
  if (!decoded.ok) {
    const why = decoded.reason === "alphabet" ? `contains '${decoded.badChar}', which is not in the base58 alphabet (no 0, O, I or l)` : decoded.reason === "short" ? "is too short to be a NodeID" : "has a wrong checksum: a character was mistyped, dropped or swapped";
    throw new IdentityError("NodeID", `${what}${quoted} ${why}. ${hint}`);
  }
  if (decoded.payload.length !== NODE_ID_LEN) {
    throw new IdentityError(
      "NodeID",
      `${what}${quoted} holds ${decoded.payload.length} bytes; a NodeID holds ${NODE_ID_LEN}. ${hint}`
    );
  }
  return text;
}
var import_node_crypto2, PREFIX, NODE_ID_LEN;
var init_node_id = __esm({
  "src/identity/node-id.ts"() {
    "use strict";
    import_node_crypto2 = require("node:crypto");
    init_cb58();
    init_errors2();
    PREFIX = "NodeID-";
    NODE_ID_LEN = 20;
  }
});

// src/identity/p256.ts
function onP256(x, y) {
  if (x >= P || y >= P) return false;
  const r = (y * y - (x * x * x - 3n * x + B)) % P;
  return r === 0n;
}
function p256PublicPoint(d) {
  const ecdh3 = (0, import_node_crypto3.createECDH)("prime256v1");
  ecdh3.setPrivateKey(Buffer.from(d.toString(16).padStart(64, "0"), "hex"));
  const hex = ecdh3.getPublicKey("hex", "uncompressed");
  return { x: BigInt("0x" + hex.slice(2, 66)), y: BigInt("0x" + hex.slice(66)) };
}
var import_node_crypto3, P, B, P256_N;
var init_p256 = __esm({
  "src/identity/p256.ts"() {
    "use strict";
    import_node_crypto3 = require("node:crypto");
    P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
    B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
    P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  }
});

// src/identity/pem.ts
function looksLikePem(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(BEGIN);
}
function getLine(s, from) {
  const nl = s.indexOf("\n", from);
  let end = nl < 0 ? s.length : nl;
  const next = nl < 0 ? s.length : nl + 1;
  if (nl > from && s[nl - 1] === "\r") end--;
  let e = end;
  while (e > from && (s[e - 1] === " " || s[e - 1] === "	")) e--;
  return { line: s.slice(from, e), next };
}
function decodeOne(s, from) {
  let pos = from;
  for (; ; ) {
    const endAt = s.indexOf(END, pos);
    if (endAt < 0) return void 0;
    const trailer = endAt + END.length;
    const attempt = blockBefore(s, pos, endAt, trailer);
    if (attempt) return attempt;
    pos = trailer;
  }
}
function blockBefore(s, pos, endAt, trailer) {
  const found = s.slice(pos, endAt).lastIndexOf(BEGIN);
  const begin = pos + found;
  if (found < 0 || found > 0 && s[begin - 1] !== "\n") return void 0;
  const typeLine = getLine(s, begin + BEGIN.length);
  if (!typeLine.line.endsWith(DASHES)) return void 0;
  const type = typeLine.line.slice(0, -DASHES.length);
  const headers = {};
  let body = typeLine.next;
  for (; ; ) {
    const { line, next } = getLine(s, body);
    const colon = line.indexOf(":");
    if (colon < 0) break;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    body = next;
    if (body > endAt + 1) return void 0;
  }
  const hasHeaders = Object.keys(headers).length > 0;
  if (hasHeaders && body > endAt) return void 0;
  const endType = s.slice(trailer, trailer + type.length + DASHES.length);
  if (endType !== type + DASHES) return void 0;
  if (getLine(s, trailer + type.length + DASHES.length).line !== "") return void 0;
  const der = body <= endAt ? decodeBase64Std(removeSpacesAndTabs(s.slice(body, endAt))) : Buffer.alloc(0);
  if (!der) return void 0;
  return { block: { type, headers, der }, next: getLine(s, trailer).next };
}
function removeSpacesAndTabs(s) {
  return s.includes(" ") || s.includes("	") ? s.replace(/[ \t]/g, "") : s;
}
function decodeBase64Std(text) {
  const s = text.includes("\r") || text.includes("\n") ? text.replace(/[\r\n]/g, "") : text;
  const pad = s.indexOf("=");
  const data = pad < 0 ? s : s.slice(0, pad);
  if (!ALPHABET2.test(data)) return void 0;
  if (pad >= 0) {
    const padding = s.slice(pad);
    const rem = data.length % 4;
    if (!(rem === 2 && padding === "==" || rem === 3 && padding === "=")) return void 0;
  } else if (data.length % 4 !== 0) {
    return void 0;
  }
  return Buffer.from(data, "base64");
}
function pemBlocks(bytes) {
  const s = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("latin1");
  const blocks = [];
  let pos = 0;
  for (; ; ) {
    const found = decodeOne(s, pos);
    if (!found) return blocks;
    blocks.push(found.block);
    pos = found.next;
  }
}
function shownType(type) {
  const printable2 = type.replace(/[^\x20-\x7e]/g, "?");
  return printable2.length > 40 ? printable2.slice(0, 40) + "\u2026" : printable2;
}
function toPem(type, der) {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----
${lines.map((l) => l + "\n").join("")}-----END ${type}-----
`;
}
var BEGIN, END, DASHES, ALPHABET2;
var init_pem = __esm({
  "src/identity/pem.ts"() {
    "use strict";
    BEGIN = "-----BEGIN ";
    END = "\n-----END ";
    DASHES = "-----";
    ALPHABET2 = /^[A-Za-z0-9+/]*$/;
  }
});

// src/identity/x509.ts
function parseX509(der) {
  const top = new Der(der);
  const cert = top.read(TAG.SEQUENCE);
  if (!top.empty) throw new DerError("trailing data after the certificate");
  const outer = new Der(cert.body);
  const tbs = new Der(outer.read(TAG.SEQUENCE).body);
  const version = readVersion(tbs);
  const serial = integer(tbs.read(TAG.INTEGER).body);
  if (serial < 0n) throw new DerError("negative serial number");
  const sigAlg = tbs.read(TAG.SEQUENCE);
  algorithmIdentifier(sigAlg.body);
  name(tbs.read(TAG.SEQUENCE).body);
  validity(tbs.read(TAG.SEQUENCE).body);
  name(tbs.read(TAG.SEQUENCE).body);
  const spki = new Der(tbs.read(TAG.SEQUENCE).body);
  const ai = algorithmIdentifier(spki.read(TAG.SEQUENCE).body);
  const publicKey = bitString(spki.read(TAG.BIT_STRING).body);
  if (version > 1) {
    tbs.optional(ctx(1, false));
    tbs.optional(ctx(2, false));
    if (version === 3) {
      const exts = tbs.optional(ctx(3, true));
      if (exts) extensions(exts.body);
    }
  }
  const outerAlg = outer.read(TAG.SEQUENCE);
  if (Buffer.compare(outerAlg.full, sigAlg.full) !== 0) {
    throw new DerError("inner and outer signature algorithms differ");
  }
  bitString(outer.read(TAG.BIT_STRING).body);
  return {
    keyAlgorithm: ai.algorithm,
    ...ai.parameters && { keyParameters: ai.parameters },
    publicKey
  };
}
function readVersion(tbs) {
  const v = tbs.optional(ctx(0, true));
  if (!v) return 1;
  const inner = new Der(v.body);
  const n = smallInteger(inner.read(TAG.INTEGER).body);
  if (!inner.empty) throw new DerError("malformed version");
  if (n < 0n || n > 2n) throw new DerError("invalid version");
  return Number(n) + 1;
}
function algorithmIdentifier(body) {
  const d = new Der(body);
  const algorithm = oid(d.read(TAG.OID).body);
  if (d.empty) return { algorithm };
  return { algorithm, parameters: d.any().full };
}
function name(body) {
  for (const set of Der.children(body)) {
    if (set.tag !== TAG.SET) throw new DerError("invalid RDNSequence");
    const atvs = new Der(set.body);
    while (!atvs.empty) {
      const atv = new Der(atvs.read(TAG.SEQUENCE).body);
      oid(atv.read(TAG.OID).body);
      const value = atv.any();
      asn1String(value.tag, value.body);
    }
  }
}
function asn1String(tag, body) {
  const latin1 = Buffer.from(body).toString("latin1");
  const ok = (() => {
    switch (tag) {
      case TAG.T61_STRING:
        return true;
      case TAG.PRINTABLE_STRING:
        return PRINTABLE.test(latin1);
      case TAG.UTF8_STRING:
        return isUtf8(body);
      case TAG.BMP_STRING:
        return body.length % 2 === 0;
      case TAG.IA5_STRING:
        return isAscii(body);
      case TAG.NUMERIC_STRING:
        return /^[0-9 ]*$/.test(latin1);
      default:
        return false;
    }
  })();
  if (!ok) throw new DerError(`invalid string (tag 0x${tag.toString(16)})`);
}
function isUtf8(body) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}
function validity(body) {
  const d = new Der(body);
  for (let i = 0; i < 2; i++) {
    const t = d.any();
    const s = Buffer.from(t.body).toString("latin1");
    const ok = t.tag === TAG.UTC_TIME ? utcTime(s) : t.tag === TAG.GENERALIZED_TIME ? generalizedTime(s) : false;
    if (!ok) throw new DerError("malformed time");
  }
}
function utcTime(s) {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s);
  if (!m) return false;
  const yy = Number(m[1]);
  return validDate(yy >= 69 ? 1900 + yy : 2e3 + yy, m.slice(2, 7));
}
function generalizedTime(s) {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d*[1-9])?Z$/.exec(s);
  if (!m) return false;
  return validDate(Number(m[1]), m.slice(2, 7));
}
function validDate(year, parts) {
  const [mo, d, h, mi, se] = parts.map((p) => p === void 0 ? 0 : Number(p));
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return false;
  const leap = year % 4 === 0 && year % 100 !== 0 || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d >= 1 && d <= days;
}
function extensions(body) {
  const list = new Der(new Der(body).read(TAG.SEQUENCE).body);
  const seen = /* @__PURE__ */ new Set();
  while (!list.empty) {
    const ext = new Der(list.read(TAG.SEQUENCE).body);
    const id = oid(ext.read(TAG.OID).body);
    const critical = ext.peek() === TAG.BOOLEAN ? boolean(ext.any().body) : false;
    const value = ext.read(TAG.OCTET_STRING).body;
    if (seen.has(id)) throw new DerError(`duplicate extension ${id}`);
    seen.add(id);
    knownExtension(id, critical, value);
  }
}
function knownExtension(id, critical, value) {
  const d = new Der(value);
  switch (id) {
    case "2.5.29.15":
      bitString(d.read(TAG.BIT_STRING).body);
      return;
    case "2.5.29.19": {
      const bc = new Der(d.read(TAG.SEQUENCE).body);
      if (bc.peek() === TAG.BOOLEAN) boolean(bc.any().body);
      if (bc.peek() === TAG.INTEGER) smallInteger(bc.any().body);
      return;
    }
    case "2.5.29.14":
      d.read(TAG.OCTET_STRING);
      return;
    case "2.5.29.35": {
      if (critical) throw new DerError("authority key identifier marked critical");
      const akid = new Der(d.read(TAG.SEQUENCE).body);
      if (akid.peek() === 128) akid.any();
      return;
    }
    case "2.5.29.17":
      subjectAltName(d.read(TAG.SEQUENCE).body);
      return;
    case "2.5.29.37": {
      const eku = new Der(d.read(TAG.SEQUENCE).body);
      while (!eku.empty) oid(eku.read(TAG.OID).body);
      return;
    }
    case "2.5.29.30":
    case "2.5.29.31":
    case "2.5.29.32":
    case "1.3.6.1.5.5.7.1.1":
      d.read(TAG.SEQUENCE);
      return;
  }
}
function subjectAltName(body) {
  for (const gn of Der.children(body)) {
    if ((gn.tag === 129 || gn.tag === 130 || gn.tag === 134) && !isAscii(gn.body)) {
      throw new DerError("SAN name is not IA5");
    }
    if (gn.tag === 135 && gn.body.length !== 4 && gn.body.length !== 16) {
      throw new DerError("SAN IP address of a wrong length");
    }
  }
}
var ctx, PRINTABLE, isAscii;
var init_x509 = __esm({
  "src/identity/x509.ts"() {
    "use strict";
    init_der();
    ctx = (n, constructed) => 128 | (constructed ? 32 : 0) | n;
    PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/;
    isAscii = (body) => body.every((b) => b < 128);
  }
});

// src/identity/certificate.ts
function parseStakingCertificate(bytes) {
  assertSize("staker.crt", bytes);
  let der;
  let encoding;
  let chain2 = 0;
  if (looksLikePem(bytes)) {
    const blocks = pemBlocks(bytes);
    const certs = blocks.filter((b) => b.type === "CERTIFICATE");
    const first = certs[0];
    if (!first) throw new IdentityError("staker.crt", noCertificate(bytes, blocks));
    der = first.der;
    encoding = "pem";
    chain2 = certs.length - 1;
  } else {
    der = Buffer.from(bytes);
    encoding = "der";
  }
  if (der.length > MAX_CERTIFICATE_DER) {
    throw new IdentityError(
      "staker.crt",
      `certificate of ${der.length} bytes (DER); avalanchego refuses certificates over ${MAX_CERTIFICATE_DER} bytes`
    );
  }
  const x509 = readX509(der);
  const { keyType, publicKey } = acceptedKey(x509);
  return {
    der,
    pem: encoding === "pem" ? Buffer.from(bytes) : Buffer.from(toPem("CERTIFICATE", der)),
    encoding,
    ignoredChainCertificates: chain2,
    keyType,
    publicKey,
    nodeId: nodeIdFromCertificate(der)
  };
}
function assertSize(file, bytes) {
  if (bytes.length > MAX_FILE_BYTES) {
    throw new IdentityError(
      file,
      `${bytes.length} bytes; a ${file} is a few KB (avalanchego's are under 4 KB), so anything over ${MAX_FILE_BYTES} bytes is refused unread`
    );
  }
}
function noCertificate(bytes, blocks) {
  if (blocks.length === 0) {
    const armour = Buffer.from(bytes).includes("-----BEGIN CERTIFICATE-----");
    return armour ? "its CERTIFICATE block cannot be decoded the way avalanchego (Go encoding/pem) decodes it: a character outside base64 (A-Z a-z 0-9 + /), wrong = padding, or a BEGIN/END line that is damaged or missing. Store the file exactly as the node wrote it." : "no PEM block avalanchego can decode; avalanchego reads a PEM CERTIFICATE";
  }
  const found = blocks.map((b) => shownType(b.type)).join(", ");
  const swapped = blocks.some((b) => b.type.endsWith("PRIVATE KEY")) ? " It holds a private key: were staker.crt and staker.key swapped?" : "";
  return `no PEM CERTIFICATE block (found: ${found}); avalanchego reads a PEM CERTIFICATE.${swapped}`;
}
function readX509(der) {
  try {
    return parseX509(der);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    throw new IdentityError(
      "staker.crt",
      `not a well-formed X.509 certificate (${e.message}); avalanchego reads a PEM CERTIFICATE`
    );
  }
}
function acceptedKey(cert) {
  try {
    if (cert.keyAlgorithm === OID.rsaEncryption) return rsaKey(cert);
    if (cert.keyAlgorithm === OID.ecPublicKey) return ecKey(cert);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    throw new IdentityError("staker.crt", `malformed public key (${e.message}); ${NEEDS}`);
  }
  const algo = cert.keyAlgorithm;
  throw new IdentityError(
    "staker.crt",
    `${KNOWN_OIDS[algo] ?? `key algorithm ${algo}`} key; ${NEEDS}`
  );
}
function rsaKey(cert) {
  if (!cert.keyParameters || Buffer.compare(Buffer.from(cert.keyParameters), NULL) !== 0) {
    throw new DerError("RSA key without NULL parameters");
  }
  const key = new Der(new Der(cert.publicKey).read(TAG.SEQUENCE).body);
  const n = integer(key.read(TAG.INTEGER).body);
  const e = smallInteger(key.read(TAG.INTEGER).body);
  if (n <= 0n) throw new IdentityError("staker.crt", `RSA modulus is not positive; ${NEEDS}`);
  const size = bitLength(n);
  if (size !== 2048 && size !== 4096) {
    throw new IdentityError("staker.crt", `RSA key of ${size} bits; ${NEEDS}`);
  }
  if ((n & 1n) === 0n) {
    throw new IdentityError("staker.crt", `RSA modulus is even; ${NEEDS} with an odd modulus`);
  }
  if (e !== 65537n) {
    throw new IdentityError(
      "staker.crt",
      `RSA public exponent ${e}; avalanchego accepts only 65537`
    );
  }
  return { keyType: size === 2048 ? "RSA-2048" : "RSA-4096", publicKey: { kind: "rsa", n } };
}
function ecKey(cert) {
  const params = cert.keyParameters;
  const curve = params ? oid(new Der(params).read(TAG.OID).body) : "unnamed";
  const point = cert.publicKey;
  if (curve !== OID.p256) {
    throw new IdentityError(
      "staker.crt",
      `ECDSA key on curve ${KNOWN_OIDS[curve] ?? curve}; ${NEEDS}`
    );
  }
  if (point.length !== 65 || point[0] !== 4) {
    throw new IdentityError(
      "staker.crt",
      "ECDSA P-256 point is not in uncompressed form; avalanchego reads only uncompressed points"
    );
  }
  const x = unsigned(point.subarray(1, 33));
  const y = unsigned(point.subarray(33));
  if (!onP256(x, y)) {
    throw new IdentityError("staker.crt", "the ECDSA P-256 public key is not a point of the curve");
  }
  return { keyType: "ECDSA-P256", publicKey: { kind: "ec", x, y } };
}
var MAX_CERTIFICATE_DER, NEEDS, OID, KNOWN_OIDS, MAX_FILE_BYTES, NULL;
var init_certificate = __esm({
  "src/identity/certificate.ts"() {
    "use strict";
    init_der();
    init_errors2();
    init_node_id();
    init_p256();
    init_pem();
    init_x509();
    MAX_CERTIFICATE_DER = 2048;
    NEEDS = "avalanchego accepts RSA-2048, RSA-4096 or ECDSA P-256";
    OID = {
      rsaEncryption: "1.2.840.113549.1.1.1",
      ecPublicKey: "1.2.840.10045.2.1",
      p256: "1.2.840.10045.3.1.7"
    };
    KNOWN_OIDS = {
      "1.3.101.112": "Ed25519",
      "1.3.101.113": "Ed448",
      "1.2.840.113549.1.1.10": "RSA-PSS",
      "1.2.840.10040.4.1": "DSA",
      "1.3.132.0.33": "P-224",
      "1.3.132.0.34": "P-384",
      "1.3.132.0.35": "P-521",
      "1.3.132.0.10": "secp256k1"
    };
    MAX_FILE_BYTES = 64 * 1024;
    NULL = Buffer.from([5, 0]);
  }
});

// src/log.ts
function errorMessage(e) {
  return e instanceof Error ? e.message : String(e);
}
function fileErrorMessage(e, what) {
  const code = e?.code;
  if (typeof code !== "string" || !(e instanceof Error) || !("syscall" in e)) return errorMessage(e);
  const why = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EEXIST: "a file already exists there (nothing is written over)",
    EISDIR: "it is a directory",
    ENOTDIR: "a part of the path is not a directory",
    ENOSPC: "no space left on the device",
    EROFS: "the file system is read-only"
  };
  return `${what}: ${why[code] ?? `the file operation failed (${code})`}`;
}
var init_log = __esm({
  "src/log.ts"() {
    "use strict";
  }
});

// src/identity/g1.ts
function powMod(base, exp) {
  let r = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = mod(r * b);
    b = mod(b * b);
  }
  return r;
}
function double([X, Y, Z]) {
  if (Z === 0n) return INFINITY;
  const A = mod(X * X);
  const B2 = mod(Y * Y);
  const C = mod(B2 * B2);
  const D = mod(2n * (mod((X + B2) * (X + B2)) - A - C));
  const E = mod(3n * A);
  const X3 = mod(E * E - 2n * D);
  return [X3, mod(E * (D - X3) - 8n * C), mod(2n * Y * Z)];
}
function addAffine(p, x2, y2) {
  const [X1, Y1, Z1] = p;
  if (Z1 === 0n) return [x2, y2, 1n];
  const Z1Z1 = mod(Z1 * Z1);
  const H = mod(x2 * Z1Z1 - X1);
  const r = mod(2n * (mod(y2 * Z1 * Z1Z1) - Y1));
  if (H === 0n) return r === 0n ? double(p) : INFINITY;
  const HH = mod(H * H);
  const I = 4n * HH;
  const J = mod(H * I);
  const V = mod(X1 * I);
  const X3 = mod(r * r - J - 2n * V);
  return [X3, mod(r * (V - X3) - 2n * Y1 * J), mod((Z1 + H) * (Z1 + H) - Z1Z1 - HH)];
}
function g1PublicKey(sk) {
  let acc = INFINITY;
  for (let i = 255; i >= 0; i--) {
    acc = double(acc);
    const sum = addAffine(acc, GX, GY);
    acc = sk >> BigInt(i) & 1n ? sum : acc;
  }
  const [X, Y, Z] = acc;
  const zInv = powMod(Z, P2 - 2n);
  const zInv2 = mod(zInv * zInv);
  const x = mod(X * zInv2);
  const y = mod(Y * zInv2 * zInv);
  const out2 = Buffer.from(x.toString(16).padStart(96, "0"), "hex");
  out2[0] |= 128 | (y > (P2 - 1n) / 2n ? 32 : 0);
  return new Uint8Array(out2);
}
var P2, GX, GY, INFINITY, mod;
var init_g1 = __esm({
  "src/identity/g1.ts"() {
    "use strict";
    P2 = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
    GX = 0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bbn;
    GY = 0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1n;
    INFINITY = [1n, 1n, 0n];
    mod = (a) => {
      const r = a % P2;
      return r < 0n ? r + P2 : r;
    };
  }
});

// src/identity/bls.ts
function parseSignerKey(bytes) {
  if (bytes.length !== SIGNER_KEY_LEN) {
    const text = Buffer.from(bytes).toString("latin1").trim();
    const hint = /^[A-Za-z0-9+/]{43}=?$/.test(text) ? " It looks like base64 text: decode it (base64 -d) to the 32 raw bytes." : /^(0x)?[0-9a-fA-F]{64}$/.test(text) ? " It looks like hex text: decode it (xxd -r -p) to the 32 raw bytes." : "";
    throw new IdentityError(
      "signer.key",
      `${bytes.length} bytes; avalanchego reads exactly ${SIGNER_KEY_LEN} raw bytes (a BLS12-381 secret key).${hint}`
    );
  }
  let sk = 0n;
  for (const b of bytes) sk = sk << 8n | BigInt(b);
  if (sk === 0n || sk >= R) {
    throw new IdentityError(
      "signer.key",
      `the 32 bytes are ${sk === 0n ? "zero" : "not below the BLS12-381 group order"}; avalanchego requires 0 < key < r`
    );
  }
  return sk;
}
function blsPublicKey(sk) {
  return g1PublicKey(sk);
}
function toHex0x(bytes) {
  return "0x" + Buffer.from(bytes).toString("hex");
}
function parseBlsPublicKey(input) {
  const text = input.trim().toLowerCase();
  const hex = text.startsWith("0x") ? text.slice(2) : text;
  if (!/^[0-9a-f]*$/.test(hex)) {
    throw new IdentityError(
      "BLS public key",
      `expected BLS public key is not hex. It looks like 0x followed by 96 hex digits, as info.getNodeID's nodePOP.publicKey shows it`
    );
  }
  if (hex.length !== 96) {
    throw new IdentityError(
      "BLS public key",
      `expected BLS public key has ${hex.length} hex digits; a BLS public key has 96 (48 bytes), as info.getNodeID's nodePOP.publicKey shows it`
    );
  }
  return "0x" + hex;
}
var SIGNER_KEY_LEN, R;
var init_bls = __esm({
  "src/identity/bls.ts"() {
    "use strict";
    init_errors2();
    init_g1();
    SIGNER_KEY_LEN = 32;
    R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
  }
});

// src/identity/private-key-der.ts
function checkHeader(buf) {
  let i = 1;
  if (buf[0] === void 0) return;
  if ((buf[0] & 31) === 31) {
    let tag = 0;
    for (; ; ) {
      const b = buf[i++];
      if (b === void 0) throw new DerError("truncated tag");
      if (tag === 0 && b === 128) throw new DerError("non-minimal tag");
      tag = tag * 128 + (b & 127);
      if (tag > 2147483647) throw new DerError("tag too large");
      if (!(b & 128)) break;
    }
    if (tag < 31) throw new DerError("non-minimal tag");
  }
  const first = buf[i++];
  if (first === void 0) throw new DerError("truncated length");
  if (!(first & 128)) return;
  const n = first & 127;
  if (n === 0) throw new DerError("indefinite length");
  let len2 = 0;
  for (let k = 0; k < n; k++) {
    const b = buf[i++];
    if (b === void 0) throw new DerError("truncated length");
    if (len2 >= 1 << 23) throw new DerError("length too large");
    len2 = len2 * 256 + b;
    if (len2 === 0) throw new DerError("non-minimal length");
  }
  if (len2 < 128) throw new DerError("non-minimal length");
}
function optional(d, tag) {
  if (d.empty) return void 0;
  if (d.peek() === tag) return d.any().body;
  checkHeader(d.rest());
  return void 0;
}
function explicit(d, tag, innerTag, read2) {
  if (d.empty) return void 0;
  if (d.peek() !== tag) {
    checkHeader(d.rest());
    return void 0;
  }
  const probe2 = new Der(d.rest());
  if (probe2.enter(tag) === 0) throw new DerError("empty explicit tag");
  if (probe2.empty) throw new DerError("explicit tag has no child");
  checkHeader(probe2.rest());
  if (probe2.peek() !== innerTag) return void 0;
  const value = read2(probe2);
  d.skip(d.rest().length - probe2.rest().length);
  return value;
}
function parsePkcs1(der) {
  const top = new Der(der);
  const seq = top.read(TAG.SEQUENCE);
  if (!top.empty) throw new DerError("trailing data");
  const d = new Der(seq.body);
  const version = smallInteger(d.read(TAG.INTEGER).body);
  const n = integer(d.read(TAG.INTEGER).body);
  const e = smallInteger(d.read(TAG.INTEGER).body);
  const [priv, p, q] = [0, 1, 2].map(() => integer(d.read(TAG.INTEGER).body));
  const crt = [0, 1, 2].map(() => {
    const body = optional(d, TAG.INTEGER);
    return body === void 0 ? void 0 : integer(body);
  });
  const more = optional(d, TAG.SEQUENCE);
  if (version > 1n) throw new DerError("unsupported version");
  if (n <= 0n || priv <= 0n || p <= 0n || q <= 0n || crt.some((v) => v !== void 0 && v <= 0n)) {
    throw new DerError("zero or negative value");
  }
  if (more !== void 0 && more.length > 0) throw new DerError("multi-prime key");
  validateRsa({ n, e, d: priv, p, q, dp: crt[0], dq: crt[1], qinv: crt[2] });
  return { kind: "rsa", n, bits: bitLength(n) };
}
function modInverse(a, m) {
  let [r0, r1, s0, s1] = [mod2(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const k = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1];
  }
  return r0 === 1n ? mod2(s0, m) : 0n;
}
function validateRsa(k) {
  const { n, e, d, p, q } = k;
  const fail = (why) => {
    throw new DerError(why);
  };
  if ((n & 1n) === 0n) fail("even modulus");
  if (e < 2n || (e & 1n) === 0n || e > 0x7fffffffn) fail("bad public exponent");
  if (p < 2n || q < 2n || p >= n || q >= n || d >= n) fail("invalid prime");
  const dp = k.dp ?? d % (p - 1n);
  const dq = k.dq ?? d % (q - 1n);
  const qinv = k.qinv ?? modInverse(q, p);
  if (p * q % n !== 0n) fail("p * q != n");
  if (dp >= p - 1n || dp * e % (p - 1n) !== 1n % (p - 1n)) fail("invalid CRT exponent");
  if (dq >= q - 1n || dq * e % (q - 1n) !== 1n % (q - 1n)) fail("invalid CRT exponent");
  if (qinv >= p || qinv * q % p !== 1n) fail("invalid CRT coefficient");
  const diff = p > q ? p - q : q - p;
  if (diff === 0n || bitLength(diff) <= Math.floor(bitLength(n) / 2) - 100)
    fail("|p - q| too small");
  if (bitLength(d) <= Math.floor(bitLength(n) / 2)) fail("d too small");
}
function parsePkcs8(der) {
  const d = new Der(new Der(der).read(TAG.SEQUENCE).body);
  smallInteger(d.read(TAG.INTEGER).body);
  const algo = new Der(d.read(TAG.SEQUENCE).body);
  const algorithm = oid(algo.read(TAG.OID).body);
  const params = algo.empty ? void 0 : algo.any().full;
  const inner = d.read(TAG.OCTET_STRING).body;
  if (algorithm === OIDS.rsa) return parsePkcs1(inner);
  if (algorithm === OIDS.ec) {
    let curve;
    try {
      curve = params ? oid(new Der(params).read(TAG.OID).body) : void 0;
    } catch {
      curve = void 0;
    }
    return parseSec1(inner, curve);
  }
  if (algorithm === OIDS.ed25519) {
    if (params !== void 0) throw new DerError("Ed25519 key with parameters");
    if (new Der(inner).read(TAG.OCTET_STRING).body.length !== 32) {
      throw new DerError("Ed25519 seed of a wrong length");
    }
    return { kind: "ed25519" };
  }
  throw new DerError(`PKCS#8 key of algorithm ${algorithm}`);
}
function parseSec1(der, wrapperCurve) {
  const d = new Der(new Der(der).read(TAG.SEQUENCE).body);
  const version = smallInteger(d.read(TAG.INTEGER).body);
  let scalar = d.read(TAG.OCTET_STRING).body;
  const innerCurve = explicit(d, 160, TAG.OID, (inner) => oid(inner.read(TAG.OID).body));
  explicit(d, 161, TAG.BIT_STRING, (inner) => bitString(inner.read(TAG.BIT_STRING).body));
  if (version !== 1n) throw new DerError("unknown EC key version");
  const curve = CURVES[wrapperCurve ?? innerCurve ?? ""];
  if (!curve) throw new DerError("unknown elliptic curve");
  const value = BigInt("0x0" + Buffer.from(scalar).toString("hex"));
  if (value >= curve.n) throw new DerError("private key value out of range");
  const size = Math.ceil(bitLength(curve.n) / 8);
  while (scalar.length > size) {
    if (scalar[0] !== 0) throw new DerError("invalid private key length");
    scalar = scalar.subarray(1);
  }
  if (value === 0n) throw new DerError("zero private key");
  return { kind: "ec", curve: curve.name, d: value };
}
var CURVES, mod2, OIDS;
var init_private_key_der = __esm({
  "src/identity/private-key-der.ts"() {
    "use strict";
    init_der();
    init_p256();
    CURVES = {
      "1.3.132.0.33": {
        name: "P-224",
        n: 0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3dn
      },
      "1.2.840.10045.3.1.7": { name: "P-256", n: P256_N },
      "1.3.132.0.34": {
        name: "P-384",
        n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n
      },
      "1.3.132.0.35": {
        name: "P-521",
        n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n
      }
    };
    mod2 = (a, m) => (a % m + m) % m;
    OIDS = {
      rsa: "1.2.840.113549.1.1.1",
      ec: "1.2.840.10045.2.1",
      ed25519: "1.3.101.112"
    };
  }
});

// src/identity/private-key.ts
function parseStakingKey(bytes) {
  assertSize("staker.key", bytes);
  if (!looksLikePem(bytes)) {
    throw new IdentityError(
      "staker.key",
      `no PEM data (${bytes.length} bytes); avalanchego reads a PEM PRIVATE KEY (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY`
    );
  }
  const blocks = pemBlocks(bytes);
  const block = blocks.find((b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"));
  if (!block)
    throw new IdentityError(
      "staker.key",
      noKeyBlock(
        bytes,
        blocks.map((b) => b.type)
      )
    );
  const parsed = readKey(block.der);
  if (!parsed) {
    const encrypted = block.type === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/.test(block.headers["Proc-Type"] ?? "");
    if (encrypted) throw new IdentityError("staker.key", ENCRYPTED);
    const hint = block.type === "OPENSSH PRIVATE KEY" ? " This looks like an SSH key, not a staking key." : "";
    throw new IdentityError(
      "staker.key",
      `PEM block '${shownType(block.type)}' (${block.der.length} bytes) is not a PKCS#1, PKCS#8 or SEC1 key avalanchego can read; the file is damaged or truncated.${hint}`
    );
  }
  return {
    ...parsed,
    pem: Buffer.from(bytes),
    description: `${describeKey(parsed.key)} (${parsed.container})`
  };
}
function noKeyBlock(bytes, types) {
  if (types.length === 0) {
    return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(Buffer.from(bytes).toString("latin1")) ? "its PRIVATE KEY block cannot be decoded the way avalanchego (Go encoding/pem) decodes it: a character outside base64 (A-Z a-z 0-9 + /), wrong = padding, or a BEGIN/END line that is damaged or missing. Store the file exactly as the node wrote it." : "no PEM block avalanchego can decode; avalanchego reads a PEM PRIVATE KEY";
  }
  const swapped = types.includes("CERTIFICATE") ? " It holds a certificate: were staker.crt and staker.key swapped?" : "";
  return `no PEM private key (found: ${types.map(shownType).join(", ")}); avalanchego reads a PEM PRIVATE KEY.${swapped}`;
}
function readKey(der) {
  const attempts = [
    ["PKCS#1", parsePkcs1],
    ["PKCS#8", parsePkcs8],
    ["SEC1", (d) => parseSec1(d, void 0)]
  ];
  for (const [container, parse2] of attempts) {
    try {
      return { key: parse2(der), container };
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
    }
  }
  return void 0;
}
function describeKey(key) {
  switch (key.kind) {
    case "rsa":
      return `RSA-${key.bits}`;
    case "ec":
      return `ECDSA ${key.curve}`;
    case "ed25519":
      return "Ed25519";
  }
}
function assertKeyPair(key, cert) {
  const pub = cert.publicKey;
  const k = key.key;
  const sameType = pub.kind === "rsa" && k.kind === "rsa" || pub.kind === "ec" && k.kind === "ec";
  if (!sameType || k.kind === "ec" && k.curve !== "P-256") {
    throw new IdentityError(
      "staker.key",
      `${describeKey(k)} key, but the key in staker.crt is ${cert.keyType}: they are not a pair`
    );
  }
  let match;
  if (pub.kind === "rsa" && k.kind === "rsa") match = pub.n === k.n;
  else if (pub.kind === "ec" && k.kind === "ec") {
    const point = p256PublicPoint(k.d);
    match = point.x === pub.x && point.y === pub.y;
  } else match = false;
  if (!match) {
    throw new IdentityError(
      "staker.key",
      `does not belong to staker.crt (its public key is not the certificate's); avalanchego refuses to start with them`
    );
  }
}
var ENCRYPTED;
var init_private_key = __esm({
  "src/identity/private-key.ts"() {
    "use strict";
    init_certificate();
    init_der();
    init_errors2();
    init_p256();
    init_pem();
    init_private_key_der();
    ENCRYPTED = "is encrypted with a passphrase; avalanchego cannot read encrypted keys either. Store the decrypted key (openssl pkey -in staker.key -out staker.key.plain).";
  }
});

// src/identity/checks.ts
function bytesOf(file) {
  if (file instanceof IdentityError) throw file;
  return file;
}
function checkIdentity(files, expected) {
  const checks = [];
  const parsed = {};
  const attempt = (id, title, fn, found) => {
    try {
      const v = fn();
      checks.push({ id, title, status: "pass", found: found(v) });
      return v;
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e;
      checks.push({ id, title, status: "fail", detail: e.message });
      return void 0;
    }
  };
  const cert = attempt(
    "certificate",
    "staker.crt is a certificate avalanchego accepts",
    () => parseStakingCertificate(bytesOf(files["staker.crt"])),
    (c) => `${c.keyType}, ${c.der.length}-byte DER${c.encoding === "der" ? " (given as DER; written as PEM)" : ""}` + (c.ignoredChainCertificates ? `, ${c.ignoredChainCertificates} chain certificate(s) ignored` : "")
  );
  const key = attempt(
    "private-key",
    "staker.key is a private key avalanchego can read",
    () => parseStakingKey(bytesOf(files["staker.key"])),
    (k) => k.description
  );
  if (cert && key) {
    attempt(
      "key-pair",
      "staker.key belongs to staker.crt",
      () => assertKeyPair(key, cert),
      () => "the public key of staker.key is the one in staker.crt"
    );
  } else {
    checks.push(
      skipped("key-pair", "staker.key belongs to staker.crt", "needs both files readable")
    );
  }
  const sk = attempt(
    "signer-key",
    "signer.key is a BLS key avalanchego accepts",
    () => parseSignerKey(bytesOf(files["signer.key"])),
    () => "32 bytes, 0 < key < r"
  );
  Object.assign(parsed, { certificate: cert, key, signer: sk });
  const nodeId = cert?.nodeId;
  checks.push(
    compare("node-id", "NodeID is the expected one", expected.nodeId, nodeId, "staker.crt")
  );
  const blsHex = sk === void 0 ? void 0 : toHex0x(blsPublicKey(sk));
  checks.push(
    compare(
      "bls-public-key",
      "BLS public key is the expected one",
      expected.blsPublicKey,
      blsHex,
      "signer.key"
    )
  );
  if (expected.registeredBlsPublicKey)
    checks.push(registeredKeyCheck(expected.registeredBlsPublicKey, blsHex));
  const report = {
    ok: checks.every((c) => c.status !== "fail"),
    ...nodeId && { nodeId },
    ...blsHex && { blsPublicKey: blsHex },
    ...cert && { keyType: cert.keyType },
    checks
  };
  return { report, parsed };
}
function registeredKeyCheck(registered, found) {
  const id = "registered-bls-public-key";
  const title = "BLS key is the one registered on the P-chain";
  if (found === void 0) return skipped(id, title, "signer.key could not be read");
  return registered === found ? { id, title, status: "pass", expected: registered, found } : {
    id,
    title,
    status: "fail",
    expected: registered,
    found,
    detail: `signer.key gives ${found}, but the P-chain has ${registered} registered for this validator. A node running this signer.key keeps its NodeID, but its peers disconnect it (they check its BLS signatures against the registered key) and its bls health check fails ("node has BLS key ${found}, but is registered to the validator set with ${registered}"). Find the signer.key that gives ${registered}`
  };
}
function skipped(id, title, detail) {
  return { id, title, status: "skip", detail };
}
function compare(id, title, expected, found, source) {
  if (found === void 0) return skipped(id, title, `${source} could not be read`);
  if (expected === void 0) {
    return { id, title, status: "skip", found, detail: "no expected value given" };
  }
  return expected === found ? { id, title, status: "pass", expected, found } : {
    id,
    title,
    status: "fail",
    expected,
    found,
    detail: `${source} gives ${found}, not ${expected}`
  };
}
function failedChecks(report) {
  return report.checks.filter((c) => c.status === "fail");
}
var init_checks = __esm({
  "src/identity/checks.ts"() {
    "use strict";
    init_bls();
    init_certificate();
    init_errors2();
    init_private_key();
  }
});

// node_modules/@noble/hashes/utils.js
function isBytes(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array" && "BYTES_PER_ELEMENT" in a && a.BYTES_PER_ELEMENT === 1;
}
function anumber(n, title = "") {
  if (typeof n !== "number")
    throw new TypeError(atitle(title) + "expected number, got " + typeof n);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(atitle(title) + "expected integer >= 0, got " + n);
  return n;
}
function abytes(value, length, title = "") {
  if (isBytes(value) && (length === void 0 || value.length === length))
    return value;
  if (length !== void 0)
    anumber(length, "length");
  const bytes = isBytes(value);
  const ofLen = length !== void 0 ? ` of length ${length}` : "";
  const got = bytes ? `length=${value.length}` : `type=${typeof value}`;
  const message = atitle(title) + "expected Uint8Array" + ofLen + ", got " + got;
  if (!bytes)
    throw new TypeError(message);
  throw new RangeError(message);
}
function ahash(h) {
  if (typeof h !== "function" || typeof h.create !== "function")
    throw new TypeError("expected hash wrapped by utils.createHasher");
  anumber(h.outputLen);
  anumber(h.blockLen);
  if (h.outputLen < 1 || h.blockLen < 1)
    throw new Error("hash blockLen / outputLen must be >= 1");
}
function aexists(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("hash was destroyed");
  if (checkFinished && instance.finished)
    throw new Error("digest() was already called");
}
function aoutput(out2, instance) {
  abytes(out2, void 0, "output");
  const min = instance.outputLen;
  if (!(out2.length >= min)) {
    throw new RangeError('"output" expected length >= ' + min);
  }
}
function u32(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
function createView(arr) {
  return new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
}
function rotr(word, shift) {
  return word << 32 - shift | word >>> shift;
}
function rotl(word, shift) {
  return word << shift | word >>> 32 - shift >>> 0;
}
function byteSwap(word) {
  return word << 24 & 4278190080 | word << 8 & 16711680 | word >>> 8 & 65280 | word >>> 24 & 255;
}
function byteSwap32(arr) {
  for (let i = 0; i < arr.length; i++) {
    arr[i] = byteSwap(arr[i]);
  }
  return arr;
}
function bytesToHex(bytes) {
  abytes(bytes);
  if (hasHexBuiltin)
    return bytes.toHex();
  let hex = "";
  for (let i = 0; i < bytes.length; i++) {
    hex += hexes[bytes[i]];
  }
  return hex;
}
function asciiToBase16(ch) {
  return ch >= 48 && ch <= 57 ? ch - 48 : ch >= 65 && ch <= 70 ? ch - (65 - 10) : ch >= 97 && ch <= 102 ? ch - (97 - 10) : void 0;
}
function hexToBytes(hex) {
  if (typeof hex !== "string")
    throw new TypeError("hex string expected, got " + typeof hex);
  if (hasHexBuiltin) {
    try {
      return Uint8Array.fromHex(hex);
    } catch (error) {
      if (error instanceof SyntaxError)
        throw new RangeError(error.message);
      throw error;
    }
  }
  const hl = hex.length;
  const al = hl / 2;
  if (hl % 2)
    throw new RangeError("hex string expected, got unpadded hex of length " + hl);
  const array = new Uint8Array(al);
  for (let ai = 0, hi = 0; ai < al; ai++, hi += 2) {
    const n1 = asciiToBase16(hex.charCodeAt(hi));
    const n2 = asciiToBase16(hex.charCodeAt(hi + 1));
    if (n1 === void 0 || n2 === void 0) {
      const char = hex[hi] + hex[hi + 1];
      throw new RangeError('hex string expected, got non-hex character "' + char + '" at index ' + hi);
    }
    array[ai] = n1 * 16 + n2;
  }
  return array;
}
function utf8ToBytes(str2) {
  if (typeof str2 !== "string")
    throw new TypeError("string expected");
  const encoded = new TextEncoder().encode(str2);
  try {
    return new Uint8Array(encoded);
  } finally {
    clean(encoded);
  }
}
function kdfInputToBytes(data, errorTitle = "") {
  if (typeof data === "string")
    return utf8ToBytes(data);
  return abytes(data, void 0, errorTitle);
}
function concatBytes(...arrays) {
  let sum = 0;
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i];
    abytes(a);
    sum += a.length;
  }
  const res = new Uint8Array(sum);
  for (let i = 0, pad = 0; i < arrays.length; i++) {
    const a = arrays[i];
    res.set(a, pad);
    pad += a.length;
  }
  return res;
}
function checkOpts(defaults, opts2, title = "opts") {
  aopts(defaults, "defaults");
  if (opts2 !== void 0)
    aopts(opts2, title);
  const merged = Object.assign(/* @__PURE__ */ Object.create(null), defaults, opts2);
  return merged;
}
function createHasher(hashCons, info = {}) {
  if (typeof hashCons !== "function")
    throw new TypeError('"hashCons" expected function, got type=' + typeof hashCons);
  info = checkOpts({}, info, "info");
  const hashC = (msg, opts2) => hashCons(opts2).update(msg).digest();
  const tmp = hashCons(void 0);
  hashC.outputLen = tmp.outputLen;
  hashC.blockLen = tmp.blockLen;
  hashC.canXOF = tmp.canXOF;
  hashC.create = (opts2) => hashCons(opts2);
  Object.assign(hashC, info);
  return Object.freeze(hashC);
}
function randomBytes(bytesLength = 32) {
  anumber(bytesLength, "bytesLength");
  const cr = typeof globalThis === "object" ? globalThis.crypto : null;
  if (typeof cr?.getRandomValues !== "function")
    throw new Error("crypto.getRandomValues must be defined");
  if (bytesLength > 65536)
    throw new RangeError(`"bytesLength" expected <= 65536, got ${bytesLength}`);
  return cr.getRandomValues(new Uint8Array(bytesLength));
}
var atitle, aobject, aopts, isLE, swap32IfBE, hasHexBuiltin, hexes, oidNist;
var init_utils = __esm({
  "node_modules/@noble/hashes/utils.js"() {
    atitle = (title) => title ? `"${title}" ` : "";
    aobject = (value, label) => {
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new TypeError((label === "object" ? "" : `"${label}" `) + "expected object, got type=" + typeof value);
    };
    aopts = (value, label) => {
      aobject(value, label);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError(`"${label}" expected plain object`);
      if (Object.hasOwn(value, "__proto__"))
        throw new TypeError(`"${label}.__proto__" is not allowed`);
    };
    isLE = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([287454020]).buffer)[0] === 68)();
    swap32IfBE = isLE ? (u) => u : byteSwap32;
    hasHexBuiltin = /* @__PURE__ */ (() => (
      // @ts-ignore
      typeof Uint8Array.from([]).toHex === "function" && typeof Uint8Array.fromHex === "function"
    ))();
    hexes = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
    oidNist = (suffix) => ({
      // Current NIST hashAlgs suffixes used here fit in one DER subidentifier octet.
      // Larger suffix values would need base-128 OID encoding and a different length byte.
      oid: Uint8Array.from([6, 9, 96, 134, 72, 1, 101, 3, 4, 2, suffix])
    });
  }
});

// node_modules/@noble/hashes/hmac.js
var _HMAC, hmac;
var init_hmac = __esm({
  "node_modules/@noble/hashes/hmac.js"() {
    init_utils();
    _HMAC = class {
      oHash;
      iHash;
      blockLen;
      outputLen;
      canXOF = false;
      finished = false;
      destroyed = false;
      constructor(hash, key) {
        ahash(hash);
        abytes(key, void 0, "key");
        this.iHash = hash.create();
        if (typeof this.iHash.update !== "function")
          throw new Error("expected Hash instance");
        this.blockLen = this.iHash.blockLen;
        this.outputLen = this.iHash.outputLen;
        const blockLen = this.blockLen;
        const pad = new Uint8Array(blockLen);
        pad.set(key.length > blockLen ? hash.create().update(key).digest() : key);
        for (let i = 0; i < pad.length; i++)
          pad[i] ^= 54;
        this.iHash.update(pad);
        this.oHash = hash.create();
        for (let i = 0; i < pad.length; i++)
          pad[i] ^= 54 ^ 92;
        this.oHash.update(pad);
        clean(pad);
      }
      update(buf) {
        aexists(this);
        this.iHash.update(buf);
        return this;
      }
      digestInto(out2) {
        aexists(this);
        aoutput(out2, this);
        this.finished = true;
        const buf = out2.subarray(0, this.outputLen);
        this.iHash.digestInto(buf);
        this.oHash.update(buf);
        this.oHash.digestInto(buf);
        this.destroy();
      }
      digest() {
        const out2 = new Uint8Array(this.oHash.outputLen);
        this.digestInto(out2);
        return out2;
      }
      _cloneInto(to) {
        to ||= Object.create(Object.getPrototypeOf(this), {});
        const { oHash, iHash, finished: finished2, destroyed, blockLen, outputLen, canXOF } = this;
        to = to;
        to.finished = finished2;
        to.destroyed = destroyed;
        to.blockLen = blockLen;
        to.outputLen = outputLen;
        to.canXOF = canXOF;
        to.oHash = oHash._cloneInto(to.oHash);
        to.iHash = iHash._cloneInto(to.iHash);
        return to;
      }
      clone() {
        return this._cloneInto();
      }
      destroy() {
        this.destroyed = true;
        this.oHash.destroy();
        this.iHash.destroy();
      }
    };
    hmac = /* @__PURE__ */ (() => {
      const hmac_ = ((hash, key, message) => new _HMAC(hash, key).update(message).digest());
      hmac_.create = (hash, key) => new _HMAC(hash, key);
      return hmac_;
    })();
  }
});

// node_modules/@noble/hashes/hkdf.js
function extract(hash, ikm, salt) {
  ahash(hash);
  if (salt === void 0)
    salt = new Uint8Array(hash.outputLen);
  return hmac(hash, salt, ikm);
}
function expand(hash, prk, info, length = 32, _recycled) {
  ahash(hash);
  anumber(length, "length");
  abytes(prk, void 0, "prk");
  const olen = hash.outputLen;
  if (prk.length < olen)
    throw new Error('"prk" must be at least HashLen octets');
  if (length > 255 * olen)
    throw new Error("Length must be <= 255*HashLen");
  const blocks = Math.ceil(length / olen);
  if (info === void 0)
    info = EMPTY_BUFFER;
  else
    abytes(info, void 0, "info");
  if (!blocks) {
    if (_recycled)
      clean(prk);
    return new Uint8Array();
  }
  const okm = _recycled && blocks === 1 ? prk : new Uint8Array(blocks * olen);
  const { iHash, oHash } = hmac.create(hash, prk);
  const T = _recycled ? prk : new Uint8Array(olen);
  const worker = blocks > 1 ? _recycled?.iHash || hash.create() : void 0;
  for (let counter = 0; counter < blocks - 1; counter++) {
    HKDF_COUNTER[0] = counter + 1;
    const iWork = iHash._cloneInto(worker);
    if (counter)
      iWork.update(T);
    iWork.update(info).update(HKDF_COUNTER).digestInto(T);
    oHash._cloneInto(worker).update(T).digestInto(T);
    okm.set(T, olen * counter);
  }
  HKDF_COUNTER[0] = blocks;
  if (blocks > 1)
    iHash.update(T);
  iHash.update(info).update(HKDF_COUNTER).digestInto(T);
  oHash.update(T).digestInto(T);
  okm.set(T, olen * (blocks - 1));
  iHash.destroy();
  oHash.destroy();
  worker?.destroy();
  if (T !== okm)
    clean(T);
  clean(HKDF_COUNTER);
  if (length === okm.length)
    return okm;
  const res = okm.slice(0, length);
  clean(okm);
  return res;
}
var HKDF_COUNTER, EMPTY_BUFFER, hkdf;
var init_hkdf = __esm({
  "node_modules/@noble/hashes/hkdf.js"() {
    init_hmac();
    init_utils();
    HKDF_COUNTER = /* @__PURE__ */ Uint8Array.of(0);
    EMPTY_BUFFER = /* @__PURE__ */ Uint8Array.of();
    hkdf = (hash, ikm, salt, info, length) => {
      ahash(hash);
      if (salt === void 0)
        salt = new Uint8Array(hash.outputLen);
      const HMAC = hmac.create(hash, salt).update(ikm);
      return expand(hash, HMAC.digest(), info, length, HMAC);
    };
  }
});

// node_modules/@noble/hashes/_u64.js
function setU64FromNum(view, byteOffset, n, isLE4) {
  const h = fromNumH(n);
  const l = fromNumL(n);
  view.setUint32(byteOffset, isLE4 ? l : h, isLE4);
  view.setUint32(byteOffset + 4, isLE4 ? h : l, isLE4);
}
var fromNumH, fromNumL;
var init_u64 = __esm({
  "node_modules/@noble/hashes/_u64.js"() {
    fromNumH = (n) => n / 2 ** 32 | 0;
    fromNumL = (n) => n >>> 0;
  }
});

// node_modules/@noble/hashes/_md.js
function Chi(a, b, c) {
  return a & b ^ ~a & c;
}
function Maj(a, b, c) {
  return a & b ^ a & c ^ b & c;
}
var HashMD, SHA256_IV;
var init_md = __esm({
  "node_modules/@noble/hashes/_md.js"() {
    init_u64();
    init_utils();
    HashMD = class {
      blockLen;
      outputLen;
      canXOF = false;
      padOffset;
      isLE;
      // For partial updates less than block size
      buffer;
      view;
      finished = false;
      length = 0;
      pos = 0;
      destroyed = false;
      constructor(blockLen, outputLen, padOffset, isLE4) {
        this.blockLen = blockLen;
        this.outputLen = outputLen;
        this.padOffset = padOffset;
        this.isLE = isLE4;
        this.buffer = new Uint8Array(blockLen);
        this.view = createView(this.buffer);
      }
      update(data) {
        aexists(this);
        abytes(data);
        const { view, buffer, blockLen } = this;
        const len2 = data.length;
        let processed = false;
        for (let pos = 0; pos < len2; ) {
          const take = Math.min(blockLen - this.pos, len2 - pos);
          if (take === blockLen) {
            const dataView = createView(data);
            for (; blockLen <= len2 - pos; pos += blockLen)
              this.process(dataView, pos);
            processed = true;
            continue;
          }
          buffer.set(pos === 0 && take === len2 ? data : data.subarray(pos, pos + take), this.pos);
          this.pos += take;
          pos += take;
          if (this.pos === blockLen) {
            this.process(view, 0);
            this.pos = 0;
            processed = true;
          }
        }
        this.length += data.length;
        if (processed)
          this.roundClean();
        return this;
      }
      digestInto(out2) {
        aexists(this);
        aoutput(out2, this);
        this.finished = true;
        const { buffer, view, blockLen, isLE: isLE4 } = this;
        let { pos } = this;
        buffer[pos++] = 128;
        buffer.fill(0, pos);
        if (this.padOffset > blockLen - pos) {
          this.process(view, 0);
          buffer.fill(0);
        }
        setU64FromNum(view, blockLen - 8, this.length * 8, isLE4);
        this.process(view, 0);
        this.roundClean();
        const oview = out2 === buffer ? view : createView(out2);
        const len2 = this.outputLen;
        const outLen = len2 / 4;
        const state = this.get();
        if (len2 % 4 || outLen > state.length)
          throw new Error("invalid outputLen");
        for (let i = 0; i < outLen; i++)
          oview.setUint32(4 * i, state[i], isLE4);
      }
      digest() {
        const { buffer, outputLen } = this;
        this.digestInto(buffer);
        const res = buffer.slice(0, outputLen);
        this.destroy();
        return res;
      }
      _cloneIntoMeta(to) {
        const { buffer, length, finished: finished2, destroyed, pos } = this;
        to.destroyed = destroyed;
        to.finished = finished2;
        to.length = length;
        to.pos = pos;
        if (pos)
          to.buffer.set(buffer);
        return to;
      }
      clone() {
        return this._cloneInto();
      }
    };
    SHA256_IV = /* @__PURE__ */ Uint32Array.from([
      1779033703,
      3144134277,
      1013904242,
      2773480762,
      1359893119,
      2600822924,
      528734635,
      1541459225
    ]);
  }
});

// node_modules/@noble/hashes/sha2.js
var SHA256_K, SHA256_W, SHA2_32B, _SHA256, sha256;
var init_sha2 = __esm({
  "node_modules/@noble/hashes/sha2.js"() {
    init_md();
    init_utils();
    SHA256_K = /* @__PURE__ */ Uint32Array.from([
      1116352408,
      1899447441,
      3049323471,
      3921009573,
      961987163,
      1508970993,
      2453635748,
      2870763221,
      3624381080,
      310598401,
      607225278,
      1426881987,
      1925078388,
      2162078206,
      2614888103,
      3248222580,
      3835390401,
      4022224774,
      264347078,
      604807628,
      770255983,
      1249150122,
      1555081692,
      1996064986,
      2554220882,
      2821834349,
      2952996808,
      3210313671,
      3336571891,
      3584528711,
      113926993,
      338241895,
      666307205,
      773529912,
      1294757372,
      1396182291,
      1695183700,
      1986661051,
      2177026350,
      2456956037,
      2730485921,
      2820302411,
      3259730800,
      3345764771,
      3516065817,
      3600352804,
      4094571909,
      275423344,
      430227734,
      506948616,
      659060556,
      883997877,
      958139571,
      1322822218,
      1537002063,
      1747873779,
      1955562222,
      2024104815,
      2227730452,
      2361852424,
      2428436474,
      2756734187,
      3204031479,
      3329325298
    ]);
    SHA256_W = /* @__PURE__ */ new Uint32Array(64);
    SHA2_32B = class extends HashMD {
      // We cannot use array here since array allows indexing by variable
      // which means optimizer/compiler cannot use registers.
      // Numeric initializers matter: starting the fields as `undefined` changes
      // V8's field representation and makes sha256 3x slower (measured).
      A = 0;
      B = 0;
      C = 0;
      D = 0;
      E = 0;
      F = 0;
      G = 0;
      H = 0;
      constructor(outputLen, IV) {
        super(64, outputLen, 8, false);
        this.A = IV[0] | 0;
        this.B = IV[1] | 0;
        this.C = IV[2] | 0;
        this.D = IV[3] | 0;
        this.E = IV[4] | 0;
        this.F = IV[5] | 0;
        this.G = IV[6] | 0;
        this.H = IV[7] | 0;
      }
      get() {
        const { A, B: B2, C, D, E, F: F2, G, H } = this;
        return [A, B2, C, D, E, F2, G, H];
      }
      // prettier-ignore
      set(A, B2, C, D, E, F2, G, H) {
        this.A = A | 0;
        this.B = B2 | 0;
        this.C = C | 0;
        this.D = D | 0;
        this.E = E | 0;
        this.F = F2 | 0;
        this.G = G | 0;
        this.H = H | 0;
      }
      _cloneInto(to) {
        (to ||= new this.constructor()).set(...this.get());
        return this._cloneIntoMeta(to);
      }
      process(view, offset) {
        for (let i = 0; i < 16; i++, offset += 4)
          SHA256_W[i] = view.getUint32(offset, false);
        for (let i = 16; i < 64; i++) {
          const W15 = SHA256_W[i - 15];
          const W2 = SHA256_W[i - 2];
          const s0 = rotr(W15, 7) ^ rotr(W15, 18) ^ W15 >>> 3;
          const s1 = rotr(W2, 17) ^ rotr(W2, 19) ^ W2 >>> 10;
          SHA256_W[i] = s1 + SHA256_W[i - 7] + s0 + SHA256_W[i - 16] | 0;
        }
        let { A, B: B2, C, D, E, F: F2, G, H } = this;
        for (let i = 0; i < 64; i++) {
          const sigma1 = rotr(E, 6) ^ rotr(E, 11) ^ rotr(E, 25);
          const T1 = H + sigma1 + Chi(E, F2, G) + SHA256_K[i] + SHA256_W[i] | 0;
          const sigma0 = rotr(A, 2) ^ rotr(A, 13) ^ rotr(A, 22);
          const T2 = sigma0 + Maj(A, B2, C) | 0;
          H = G;
          G = F2;
          F2 = E;
          E = D + T1 | 0;
          D = C;
          C = B2;
          B2 = A;
          A = T1 + T2 | 0;
        }
        A = A + this.A | 0;
        B2 = B2 + this.B | 0;
        C = C + this.C | 0;
        D = D + this.D | 0;
        E = E + this.E | 0;
        F2 = F2 + this.F | 0;
        G = G + this.G | 0;
        H = H + this.H | 0;
        this.set(A, B2, C, D, E, F2, G, H);
      }
      roundClean() {
        clean(SHA256_W);
      }
      destroy() {
        this.destroyed = true;
        this.set(0, 0, 0, 0, 0, 0, 0, 0);
        clean(this.buffer);
      }
    };
    _SHA256 = class extends SHA2_32B {
      constructor() {
        super(32, SHA256_IV);
      }
    };
    sha256 = /* @__PURE__ */ createHasher(
      () => new _SHA256(),
      /* @__PURE__ */ oidNist(1)
    );
  }
});

// node_modules/@scure/base/index.js
function isBytes2(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array" && "BYTES_PER_ELEMENT" in a && a.BYTES_PER_ELEMENT === 1;
}
function abytes2(b) {
  if (!isBytes2(b))
    throw new TypeError("Uint8Array expected");
}
function isArrayOf(isString, arr) {
  if (!Array.isArray(arr))
    return false;
  if (arr.length === 0)
    return true;
  if (isString) {
    return arr.every((item) => typeof item === "string");
  } else {
    return arr.every((item) => Number.isSafeInteger(item));
  }
}
function afn(input) {
  if (typeof input !== "function")
    throw new TypeError("function expected");
  return true;
}
function astr(label, input) {
  if (typeof input !== "string")
    throw new TypeError(`${label}: string expected`);
  return true;
}
function anumber2(n, title = "number") {
  if (typeof n !== "number")
    throw new TypeError(`${title}: expected number, got ${typeof n}`);
  if (!Number.isSafeInteger(n))
    throw new RangeError(`${title}: expected safe integer, got ${n}`);
}
function anumArr(label, input) {
  if (!isArrayOf(false, input))
    throw new TypeError(`${label}: array of numbers expected`);
}
function chain(...args) {
  const id = (a) => a;
  const wrap = (a, b) => (c) => a(b(c));
  const encode = args.map((x) => x.encode).reduceRight(wrap, id);
  const decode = args.map((x) => x.decode).reduce(wrap, id);
  return { encode, decode };
}
function u8ToNumArr(u8, len2 = u8.length) {
  const res = new Array(len2);
  for (let i = 0; i < len2; i++)
    res[i] = u8[i];
  return res;
}
function charcodesToString(codes) {
  const len2 = codes.length;
  if (asciiDecoder !== void 0 && len2 >= 12)
    return asciiDecoder.decode(codes);
  if (len2 <= B2S_CHUNK)
    return String.fromCharCode.apply(null, codes);
  let res = "";
  for (let i = 0; i < len2; i += B2S_CHUNK)
    res += String.fromCharCode.apply(null, codes.subarray(i, i + B2S_CHUNK));
  return res;
}
function radix2(bits) {
  anumber2(bits);
  if (bits <= 0 || bits > 8)
    throw new RangeError("radix2: bits should be in (0..8]");
  const mask = powers[bits] - 1;
  return {
    encode: (bytes) => {
      abytes2(bytes);
      const len2 = bytes.length;
      const res = new Uint8Array(Math.ceil(len2 * 8 / bits));
      let carry = 0;
      let pos = 0;
      let j = 0;
      for (let i = 0; i < len2; ) {
        if (i + 2 < len2) {
          carry = carry << 24 | bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
          pos += 24;
          i += 3;
        } else {
          carry = (carry << 8 | bytes[i]) & 65535;
          pos += 8;
          i++;
        }
        for (; ; ) {
          pos -= bits;
          res[j++] = carry >> pos & mask;
          if (pos < bits)
            break;
        }
      }
      if (pos > 0)
        res[j] = carry << bits - pos & mask;
      return res;
    },
    decode: (digits) => {
      const len2 = digits.length;
      const res = new Uint8Array(Math.floor(len2 * bits / 8));
      let carry = 0;
      let pos = 0;
      let j = 0;
      for (let i = 0; i < len2; i++) {
        carry = (carry << bits | digits[i]) & 65535;
        pos += bits;
        for (; pos >= 8; pos -= 8)
          res[j++] = carry >> pos - 8 & 255;
      }
      carry = carry << 8 - pos & 255;
      if (pos >= bits)
        throw new Error("Excess padding");
      if (carry > 0)
        throw new Error(`Non-zero padding: ${carry}`);
      return res;
    }
  };
}
function alphabet(letters, aliases) {
  const len2 = letters.length;
  if (len2 > 128)
    throw new Error("alphabet: max 128 letters");
  const encTable = new Uint8Array(len2);
  const decTable = new Int8Array(128).fill(-1);
  for (let i = 0; i < len2; i++) {
    const code = letters.charCodeAt(i);
    if (letters.codePointAt(i) !== code || code > 127)
      throw new Error("alphabet: single-char ASCII letters only");
    encTable[i] = code;
    decTable[code] = i;
  }
  if (aliases !== void 0) {
    for (const alias of Object.keys(aliases)) {
      const code = alias.charCodeAt(0);
      const target = decTable[aliases[alias].charCodeAt(0)];
      if (alias.length !== 1 || code > 127 || target === void 0 || target === -1)
        throw new Error(`alphabet: invalid alias ${alias}`);
      decTable[code] = target;
    }
  }
  return {
    encode: (digits) => {
      const codes = new Uint8Array(digits.length);
      for (let i = 0; i < digits.length; i++) {
        const d = digits[i];
        const code = encTable[d];
        if (code === void 0)
          throw new Error(`alphabet.encode: invalid digit ${d}`);
        codes[i] = code;
      }
      return charcodesToString(codes);
    },
    decode: (input) => {
      astr("decode", input);
      const slen = input.length;
      const digits = new Uint8Array(slen);
      for (let i = 0; i < slen; i++) {
        const code = input.charCodeAt(i);
        const digit = code < 128 ? decTable[code] : -1;
        if (digit === -1)
          throw new Error(`Unknown letter "${input[i]}". Allowed: ${letters}`);
        digits[i] = digit;
      }
      return digits;
    }
  };
}
function unsafeWrapper(fn) {
  afn(fn);
  return function(...args) {
    try {
      return fn.apply(null, args);
    } catch (e) {
    }
  };
}
function assertBech32Printable(label, value) {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 33 || c > 126)
      throw new Error(`${label}: printable ASCII expected`);
  }
}
function wordsToU8(words) {
  const len2 = words.length;
  const res = new Uint8Array(len2);
  for (let i = 0; i < len2; i++) {
    const w = words[i];
    if (w < 0 || w >= 32)
      throw new Error(`alphabet.encode: invalid digit ${w}`);
    res[i] = w;
  }
  return res;
}
function bech32Polymod(pre) {
  const b = pre >> 25;
  let chk = (pre & 33554431) << 5;
  for (let i = 0; i < POLYMOD_GENERATORS.length; i++) {
    if ((b >> i & 1) === 1)
      chk ^= POLYMOD_GENERATORS[i];
  }
  return chk;
}
function bechChecksum(prefix, words, encodingConst = 1) {
  const len2 = prefix.length;
  let chk = 1;
  for (let i = 0; i < len2; i++) {
    const c = prefix.charCodeAt(i);
    if (c < 33 || c > 126)
      throw new Error(`Invalid prefix (${prefix})`);
    chk = bech32Polymod(chk) ^ c >> 5;
  }
  chk = bech32Polymod(chk);
  for (let i = 0; i < len2; i++)
    chk = bech32Polymod(chk) ^ prefix.charCodeAt(i) & 31;
  for (let v of words)
    chk = bech32Polymod(chk) ^ v;
  for (let i = 0; i < 6; i++)
    chk = bech32Polymod(chk);
  chk ^= encodingConst;
  const sum = new Uint8Array(6);
  for (let i = 0; i < 6; i++)
    sum[i] = chk >>> 5 * (5 - i) & 31;
  return BECH_ALPHABET.encode(sum);
}
function genBech32(encoding) {
  const ENCODING_CONST = encoding === "bech32" ? 1 : 734539939;
  const _words = radix2(5);
  const toWords = (from) => {
    abytes2(from);
    const len2 = from.length;
    const res = new Array(Math.ceil(len2 * 8 / 5));
    let carry = 0;
    let pos = 0;
    let j = 0;
    for (let i = 0; i < len2; i++) {
      carry = carry << 8 | from[i];
      pos += 8;
      for (; pos >= 5; pos -= 5)
        res[j++] = carry >> pos - 5 & 31;
    }
    if (pos > 0)
      res[j] = carry << 5 - pos & 31;
    return res;
  };
  const fromWords = (to) => {
    anumArr("radix2.decode", to);
    const len2 = to.length;
    const digits = new Uint8Array(len2);
    for (let i = 0; i < len2; i++) {
      const w = to[i];
      if (w < 0 || w >= 32)
        throw new Error(`convertRadix2: invalid word=${w}`);
      digits[i] = w;
    }
    return _words.decode(digits);
  };
  const fromWordsUnsafe = unsafeWrapper(fromWords);
  function encode(prefix, words, limit = 90) {
    astr("bech32.encode prefix", prefix);
    if (limit !== false)
      anumber2(limit, "limit");
    if (isBytes2(words))
      words = u8ToNumArr(words);
    anumArr("bech32.encode", words);
    const plen = prefix.length;
    if (plen === 0)
      throw new TypeError(`Invalid prefix length ${plen}`);
    const actualLength = plen + 7 + words.length;
    if (limit !== false && actualLength > limit)
      throw new TypeError(`Length ${actualLength} exceeds limit ${limit}`);
    assertBech32Printable("bech32.encode prefix", prefix);
    const lowered = prefix.toLowerCase();
    const sum = bechChecksum(lowered, words, ENCODING_CONST);
    return `${lowered}1${BECH_ALPHABET.encode(wordsToU8(words))}${sum}`;
  }
  function decode(str2, limit = 90) {
    astr("bech32.decode input", str2);
    if (limit !== false)
      anumber2(limit, "limit");
    const slen = str2.length;
    if (slen < 8 || limit !== false && slen > limit)
      throw new TypeError(`invalid string length ${slen}, expected (8..${limit})`);
    const lowered = str2.toLowerCase();
    if (str2 !== lowered) {
      if (!BECH_UPPERCASE_PRINTABLE.test(str2)) {
        assertBech32Printable("bech32.decode input", str2);
        throw new Error(`mixed-case string not allowed`);
      }
    }
    const sepIndex = lowered.lastIndexOf("1");
    if (sepIndex === 0 || sepIndex === -1)
      throw new Error(`invalid separator "1"`);
    const prefix = lowered.slice(0, sepIndex);
    const data = lowered.slice(sepIndex + 1);
    if (data.length < 6)
      throw new Error("invalid data length");
    const digits = BECH_ALPHABET.decode(data);
    const words = u8ToNumArr(digits, digits.length - 6);
    const sum = bechChecksum(prefix, words, ENCODING_CONST);
    if (!data.endsWith(sum))
      throw new Error(`Invalid checksum in ${str2}`);
    return { prefix, words };
  }
  const decodeUnsafe = unsafeWrapper(decode);
  function decodeToBytes(str2, limit = 90) {
    const { prefix, words } = decode(str2, limit);
    return {
      prefix,
      words,
      bytes: fromWords(words)
    };
  }
  function encodeFromBytes(prefix, bytes) {
    return encode(prefix, toWords(bytes));
  }
  return {
    encode,
    decode,
    encodeFromBytes,
    decodeToBytes,
    decodeUnsafe,
    fromWords,
    fromWordsUnsafe,
    toWords
  };
}
var freeze, powers, asciiDecoder, B2S_CHUNK, base64nopad, BECH_ALPHABET, BECH_UPPERCASE_PRINTABLE, POLYMOD_GENERATORS, bech32;
var init_base = __esm({
  "node_modules/@scure/base/index.js"() {
    freeze = (fn) => Object.freeze(fn());
    powers = /* @__PURE__ */ (() => {
      let res = [];
      for (let i = 0; i < 40; i++)
        res.push(2 ** i);
      return res;
    })();
    asciiDecoder = /* @__PURE__ */ (() => {
      try {
        const decoder = new TextDecoder();
        return decoder.decode(Uint8Array.of(65, 48, 43, 127)) === "A0+\x7F" ? decoder : void 0;
      } catch (e) {
        return void 0;
      }
    })();
    B2S_CHUNK = 8192;
    base64nopad = /* @__PURE__ */ freeze(() => chain(radix2(6), alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")));
    BECH_ALPHABET = /* @__PURE__ */ alphabet("qpzry9x8gf2tvdw0s3jn54khce6mua7l");
    BECH_UPPERCASE_PRINTABLE = /^[\x21-\x60\x7b-\x7e]+$/;
    POLYMOD_GENERATORS = [996825010, 642813549, 513874426, 1027748829, 705979059];
    bech32 = /* @__PURE__ */ freeze(() => genBech32("bech32"));
  }
});

// node_modules/@noble/hashes/pbkdf2.js
function pbkdf2Init(hash, _password, _salt, _opts) {
  ahash(hash);
  const opts2 = checkOpts({ dkLen: 32, asyncTick: 10 }, _opts);
  const { c, dkLen, asyncTick } = opts2;
  anumber(c, "c");
  anumber(dkLen, "dkLen");
  anumber(asyncTick, "asyncTick");
  if (c < 1)
    throw new Error('"c" (iterations) must be >= 1');
  if (dkLen < 1)
    throw new Error('"dkLen" must be >= 1');
  if (dkLen > (2 ** 32 - 1) * hash.outputLen)
    throw new Error("derived key too long");
  const p = kdfInputToBytes(_password, "password");
  try {
    const s = kdfInputToBytes(_salt, "salt");
    try {
      const DK = new Uint8Array(dkLen);
      const { iHash, oHash, outputLen } = hmac.create(hash, p);
      const u = new Uint8Array(outputLen);
      const eng = pbkdf2Engine(iHash, oHash, s, u);
      return { c, dkLen, asyncTick, DK, outputLen, eng };
    } finally {
      if (typeof _salt === "string")
        clean(s);
    }
  } finally {
    if (typeof _password === "string")
      clean(p);
  }
}
function pbkdf2Engine(iHash, oHash, salt, u) {
  const counter = new Uint8Array(4);
  const view = createView(counter);
  const salted = iHash._cloneInto().update(salt);
  const work = oHash._cloneInto();
  const iClone = iHash._cloneInto;
  const oClone = oHash._cloneInto;
  return {
    u1: (ti, Ti) => {
      view.setInt32(0, ti, false);
      salted._cloneInto(work).update(counter).digestInto(u);
      oHash._cloneInto(work).update(u).digestInto(u);
      Ti.set(u.subarray(0, Ti.length));
    },
    // Whole `F` inner loop for the sync variant: one optimized function owns the hot loop.
    rounds: (c, Ti) => {
      for (let ui = 1; ui < c; ui++) {
        iClone.call(iHash, work).update(u).digestInto(u);
        oClone.call(oHash, work).update(u).digestInto(u);
        for (let i = 0; i < Ti.length; i++)
          Ti[i] ^= u[i];
      }
    },
    output: (DK) => {
      iHash.destroy();
      oHash.destroy();
      salted.destroy();
      work.destroy();
      clean(u);
      return DK;
    }
  };
}
function pbkdf2(hash, password, salt, opts2) {
  const { c, dkLen, DK, outputLen, eng } = pbkdf2Init(hash, password, salt, opts2);
  for (let ti = 1, pos = 0; pos < dkLen; ti++, pos += outputLen) {
    const Ti = DK.subarray(pos, pos + outputLen);
    eng.u1(ti, Ti);
    eng.rounds(c, Ti);
  }
  return eng.output(DK);
}
var init_pbkdf2 = __esm({
  "node_modules/@noble/hashes/pbkdf2.js"() {
    init_hmac();
    init_utils();
  }
});

// node_modules/@noble/hashes/scrypt.js
function XorAndSalsa(prev, pi, input, ii, out2, oi) {
  let y00 = prev[pi++] ^ input[ii++], y01 = prev[pi++] ^ input[ii++];
  let y02 = prev[pi++] ^ input[ii++], y03 = prev[pi++] ^ input[ii++];
  let y04 = prev[pi++] ^ input[ii++], y05 = prev[pi++] ^ input[ii++];
  let y06 = prev[pi++] ^ input[ii++], y07 = prev[pi++] ^ input[ii++];
  let y08 = prev[pi++] ^ input[ii++], y09 = prev[pi++] ^ input[ii++];
  let y10 = prev[pi++] ^ input[ii++], y11 = prev[pi++] ^ input[ii++];
  let y12 = prev[pi++] ^ input[ii++], y13 = prev[pi++] ^ input[ii++];
  let y14 = prev[pi++] ^ input[ii++], y15 = prev[pi++] ^ input[ii++];
  let x00 = y00, x01 = y01, x02 = y02, x03 = y03, x04 = y04, x05 = y05, x06 = y06, x07 = y07, x08 = y08, x09 = y09, x10 = y10, x11 = y11, x12 = y12, x13 = y13, x14 = y14, x15 = y15;
  for (let i = 0; i < 8; i += 2) {
    x04 ^= rotl(x00 + x12 | 0, 7);
    x08 ^= rotl(x04 + x00 | 0, 9);
    x12 ^= rotl(x08 + x04 | 0, 13);
    x00 ^= rotl(x12 + x08 | 0, 18);
    x09 ^= rotl(x05 + x01 | 0, 7);
    x13 ^= rotl(x09 + x05 | 0, 9);
    x01 ^= rotl(x13 + x09 | 0, 13);
    x05 ^= rotl(x01 + x13 | 0, 18);
    x14 ^= rotl(x10 + x06 | 0, 7);
    x02 ^= rotl(x14 + x10 | 0, 9);
    x06 ^= rotl(x02 + x14 | 0, 13);
    x10 ^= rotl(x06 + x02 | 0, 18);
    x03 ^= rotl(x15 + x11 | 0, 7);
    x07 ^= rotl(x03 + x15 | 0, 9);
    x11 ^= rotl(x07 + x03 | 0, 13);
    x15 ^= rotl(x11 + x07 | 0, 18);
    x01 ^= rotl(x00 + x03 | 0, 7);
    x02 ^= rotl(x01 + x00 | 0, 9);
    x03 ^= rotl(x02 + x01 | 0, 13);
    x00 ^= rotl(x03 + x02 | 0, 18);
    x06 ^= rotl(x05 + x04 | 0, 7);
    x07 ^= rotl(x06 + x05 | 0, 9);
    x04 ^= rotl(x07 + x06 | 0, 13);
    x05 ^= rotl(x04 + x07 | 0, 18);
    x11 ^= rotl(x10 + x09 | 0, 7);
    x08 ^= rotl(x11 + x10 | 0, 9);
    x09 ^= rotl(x08 + x11 | 0, 13);
    x10 ^= rotl(x09 + x08 | 0, 18);
    x12 ^= rotl(x15 + x14 | 0, 7);
    x13 ^= rotl(x12 + x15 | 0, 9);
    x14 ^= rotl(x13 + x12 | 0, 13);
    x15 ^= rotl(x14 + x13 | 0, 18);
  }
  out2[oi++] = y00 + x00 | 0;
  out2[oi++] = y01 + x01 | 0;
  out2[oi++] = y02 + x02 | 0;
  out2[oi++] = y03 + x03 | 0;
  out2[oi++] = y04 + x04 | 0;
  out2[oi++] = y05 + x05 | 0;
  out2[oi++] = y06 + x06 | 0;
  out2[oi++] = y07 + x07 | 0;
  out2[oi++] = y08 + x08 | 0;
  out2[oi++] = y09 + x09 | 0;
  out2[oi++] = y10 + x10 | 0;
  out2[oi++] = y11 + x11 | 0;
  out2[oi++] = y12 + x12 | 0;
  out2[oi++] = y13 + x13 | 0;
  out2[oi++] = y14 + x14 | 0;
  out2[oi++] = y15 + x15 | 0;
}
function BlockMix(input, ii, out2, oi, r) {
  let head = oi + 0;
  let tail = oi + 16 * r;
  for (let i = 0; i < 16; i++)
    out2[tail + i] = input[ii + (2 * r - 1) * 16 + i];
  for (let i = 0; i < r; i++, head += 16, ii += 16) {
    XorAndSalsa(out2, tail, input, ii, out2, head);
    if (i > 0)
      tail += 16;
    XorAndSalsa(out2, head, input, ii += 16, out2, tail);
  }
}
function scryptInit(password, salt, _opts) {
  const opts2 = checkOpts({
    dkLen: 32,
    asyncTick: 10,
    maxmem: SCRYPT_DEFAULT_MAXMEM
  }, _opts);
  const { N: N2, r, p, dkLen, asyncTick, maxmem, onProgress } = opts2;
  anumber(N2, "N");
  anumber(r, "r");
  anumber(p, "p");
  anumber(dkLen, "dkLen");
  anumber(asyncTick, "asyncTick");
  anumber(maxmem, "maxmem");
  if (onProgress !== void 0 && typeof onProgress !== "function")
    throw new Error('"onProgress" must be a function');
  if (r < 1)
    throw new Error('"r" expected integer >= 1');
  const blockSize = 128 * r;
  const blockSize32 = blockSize / 4;
  const pow32 = Math.pow(2, 32);
  if (N2 <= 1 || (N2 & N2 - 1) !== 0 || N2 > pow32)
    throw new Error('"N" expected a power of 2, and 2^1 <= N <= 2^32');
  if (p < 1 || p > (pow32 - 1) * 32 / blockSize)
    throw new Error('"p" expected integer 1..((2^32 - 1) * 32) / (128 * r)');
  if (dkLen < 1 || dkLen > (pow32 - 1) * 32)
    throw new Error('"dkLen" expected integer 1..(2^32 - 1) * 32');
  const memUsed = blockSize * (N2 + p + 1);
  if (memUsed > maxmem)
    throw new Error('"maxmem" limit was hit: memUsed(128*r*(N+p+1))=' + memUsed + ", maxmem=" + maxmem);
  const B2 = pbkdf2(sha256, password, salt, { c: 1, dkLen: blockSize * p });
  const B32 = u32(B2);
  const V = u32(new Uint8Array(blockSize * N2));
  const tmp = u32(new Uint8Array(blockSize));
  let blockMixCb = () => {
  };
  if (onProgress) {
    const totalBlockMix = 2 * N2 * p;
    const callbackPer = Math.max(Math.floor(totalBlockMix / 1e4), 1);
    let blockMixCnt = 0;
    blockMixCb = () => {
      blockMixCnt++;
      if (onProgress && (!(blockMixCnt % callbackPer) || blockMixCnt === totalBlockMix)) {
        try {
          onProgress(blockMixCnt / totalBlockMix);
        } catch (e) {
          clean(B2, V, tmp);
          throw e;
        }
      }
    };
  }
  return { N: N2, r, p, dkLen, blockSize32, V, B32, B: B2, tmp, blockMixCb, asyncTick };
}
function scryptOutput(password, dkLen, B2, V, tmp) {
  const res = pbkdf2(sha256, password, B2, { c: 1, dkLen });
  clean(B2, V, tmp);
  return res;
}
function scrypt(password, salt, opts2) {
  const { N: N2, r, p, dkLen, blockSize32, V, B32, B: B2, tmp, blockMixCb } = scryptInit(password, salt, opts2);
  swap32IfBE(B32);
  for (let pi = 0; pi < p; pi++) {
    const Pi = blockSize32 * pi;
    for (let i = 0; i < blockSize32; i++)
      V[i] = B32[Pi + i];
    for (let i = 0, pos = 0; i < N2 - 1; i++) {
      BlockMix(V, pos, V, pos += blockSize32, r);
      blockMixCb();
    }
    BlockMix(V, (N2 - 1) * blockSize32, B32, Pi, r);
    blockMixCb();
    for (let i = 0; i < N2; i++) {
      const j = (B32[Pi + blockSize32 - 16] & N2 - 1) >>> 0;
      for (let k = 0; k < blockSize32; k++)
        tmp[k] = B32[Pi + k] ^ V[j * blockSize32 + k];
      BlockMix(tmp, 0, B32, Pi, r);
      blockMixCb();
    }
  }
  swap32IfBE(B32);
  return scryptOutput(password, dkLen, B2, V, tmp);
}
var SCRYPT_DEFAULT_MAXMEM;
var init_scrypt = __esm({
  "node_modules/@noble/hashes/scrypt.js"() {
    init_pbkdf2();
    init_sha2();
    init_utils();
    SCRYPT_DEFAULT_MAXMEM = 128 * 8 * (2 ** 20 + 1 + 1);
  }
});

// node_modules/@noble/ciphers/utils.js
function isBytes3(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array" && "BYTES_PER_ELEMENT" in a && a.BYTES_PER_ELEMENT === 1;
}
function abool(value, title = "") {
  if (typeof value !== "boolean")
    throw new TypeError(atitle2(title) + "expected boolean, got type=" + typeof value);
  return value;
}
function anumber3(n, title = "") {
  if (typeof n !== "number")
    throw new TypeError(atitle2(title) + "expected number, got " + typeof n);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(atitle2(title) + "expected integer >= 0, got " + n);
  return n;
}
function abytes3(value, length, title = "") {
  if (isBytes3(value) && (length === void 0 || value.length === length))
    return value;
  if (length !== void 0)
    anumber3(length, "length");
  const bytes = isBytes3(value);
  const ofLen = length !== void 0 ? ` of length ${length}` : "";
  const got = bytes ? `length=${value.length}` : `type=${typeof value}`;
  const message = atitle2(title) + "expected Uint8Array" + ofLen + ", got " + got;
  if (!bytes)
    throw new TypeError(message);
  throw new RangeError(message);
}
function aexists2(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("hash was destroyed");
  if (checkFinished && instance.finished)
    throw new Error("digest() was already called");
}
function aoutput2(out2, instance) {
  abytes3(out2, void 0, "output");
  const min = instance.outputLen;
  if (!(out2.length >= min)) {
    throw new RangeError('"output" expected length >= ' + min);
  }
}
function u322(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean2(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
function createView2(arr) {
  return new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
}
function byteSwap2(word) {
  return word << 24 & 4278190080 | word << 8 & 16711680 | word >>> 8 & 65280 | word >>> 24 & 255;
}
function byteSwap322(arr) {
  for (let i = 0; i < arr.length; i++) {
    arr[i] = byteSwap2(arr[i]);
  }
  return arr;
}
function overlapBytes(a, b) {
  if (!a.byteLength || !b.byteLength)
    return false;
  return a.buffer === b.buffer && // best we can do, may fail with an obscure Proxy
  a.byteOffset < b.byteOffset + b.byteLength && // a starts before b end
  b.byteOffset < a.byteOffset + a.byteLength;
}
function complexOverlapBytes(input, output) {
  if (overlapBytes(input, output) && input.byteOffset < output.byteOffset)
    throw new Error("complex overlap of input and output is not supported");
}
function checkOpts2(defaults, opts2) {
  aobject2(defaults, "defaults");
  aobject2(opts2, "opts");
  const merged = Object.assign(defaults, opts2);
  return merged;
}
function equalBytes(a, b) {
  a = abytes3(a);
  b = abytes3(b);
  if (a.length !== b.length)
    return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++)
    diff |= a[i] ^ b[i];
  return diff === 0;
}
function wrapMacConstructor(keyLen, macCons, fromMsg) {
  const mac = macCons;
  const getArgs = fromMsg || (() => []);
  const macC = (msg, key) => mac(key, ...getArgs(msg)).update(msg).digest();
  const tmp = mac(new Uint8Array(keyLen), ...getArgs(new Uint8Array(0)));
  macC.outputLen = tmp.outputLen;
  macC.blockLen = tmp.blockLen;
  macC.create = (key, ...args) => mac(key, ...args);
  return macC;
}
function getOutput(expectedLength, out2, onlyAligned = true) {
  if (out2 === void 0)
    return new Uint8Array(expectedLength);
  abytes3(out2, expectedLength, "output");
  if (onlyAligned && !isAligned32(out2))
    throw new Error("invalid output, must be aligned");
  return out2;
}
function u64Lengths(dataLength, aadLength, isLE4) {
  anumber3(dataLength);
  anumber3(aadLength);
  abool(isLE4);
  const num = new Uint8Array(16);
  const view = createView2(num);
  view.setBigUint64(0, BigInt(aadLength), isLE4);
  view.setBigUint64(8, BigInt(dataLength), isLE4);
  return num;
}
function isAligned32(bytes) {
  return bytes.byteOffset % 4 === 0;
}
function copyBytes(bytes) {
  return Uint8Array.from(abytes3(bytes));
}
var atitle2, aobject2, isLE2, swap32IfBE2, wrapCipher;
var init_utils2 = __esm({
  "node_modules/@noble/ciphers/utils.js"() {
    atitle2 = (title) => title ? `"${title}" ` : "";
    aobject2 = (value, label) => {
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new TypeError(label === "object" ? "expected valid options object" : `"${label}" expected object, got type=${typeof value}`);
    };
    isLE2 = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([287454020]).buffer)[0] === 68)();
    swap32IfBE2 = isLE2 ? (u) => u : byteSwap322;
    wrapCipher = /* @__NO_SIDE_EFFECTS__ */ (params, constructor) => {
      function wrappedCipher(key, ...args) {
        abytes3(key, void 0, "key");
        if (params.nonceLength !== void 0) {
          const nonce = args[0];
          abytes3(nonce, params.varSizeNonce ? void 0 : params.nonceLength, "nonce");
        }
        const tagl = params.tagLength;
        const aadStart = params.nonceLength !== void 0 ? 1 : 0;
        if (!params.withAAD) {
          for (let i = aadStart; i < args.length; i++)
            if (isBytes3(args[i]))
              throw new Error("AAD not supported");
        }
        if (params.withAAD && args[aadStart] !== void 0)
          abytes3(args[aadStart], void 0, "AAD");
        const cipher = constructor(key, ...args);
        const checkOutput = (fnLength, output) => {
          if (output !== void 0) {
            if (fnLength !== 2)
              throw new Error("cipher output not supported");
            abytes3(output, void 0, "output");
          }
        };
        let called = false;
        const wrCipher = {
          encrypt(data, output) {
            if (called)
              throw new Error("cannot encrypt() twice with same key + nonce");
            called = true;
            abytes3(data, void 0, "data");
            checkOutput(cipher.encrypt.length, output);
            return cipher.encrypt(data, output);
          },
          decrypt(data, output) {
            abytes3(data, void 0, "data");
            if (tagl && data.length < tagl)
              throw new Error('"ciphertext" expected length >= tagLength=' + tagl);
            checkOutput(cipher.decrypt.length, output);
            return cipher.decrypt(data, output);
          }
        };
        return wrCipher;
      }
      Object.assign(wrappedCipher, params);
      return wrappedCipher;
    };
  }
});

// node_modules/@noble/ciphers/_arx.js
function rotl2(a, b) {
  return a << b | a >>> 32 - b;
}
function runCipher(core, sigma, key, nonce, data, output, counter, rounds) {
  const len2 = data.length;
  const block = new Uint8Array(BLOCK_LEN);
  const b32 = u322(block);
  const isAligned = isLE2 && isAligned32(data) && isAligned32(output);
  const d32 = isAligned ? u322(data) : U32_EMPTY;
  const o32 = isAligned ? u322(output) : U32_EMPTY;
  if (!isLE2) {
    for (let pos = 0; pos < len2; counter++) {
      core(sigma, key, nonce, b32, counter, rounds);
      swap32IfBE2(b32);
      if (counter >= MAX_COUNTER)
        throw new Error("arx: counter overflow");
      const take = Math.min(BLOCK_LEN, len2 - pos);
      for (let j = 0, posj; j < take; j++) {
        posj = pos + j;
        output[posj] = data[posj] ^ block[j];
      }
      pos += take;
    }
    return;
  }
  for (let pos = 0; pos < len2; counter++) {
    core(sigma, key, nonce, b32, counter, rounds);
    if (counter >= MAX_COUNTER)
      throw new Error("arx: counter overflow");
    const take = Math.min(BLOCK_LEN, len2 - pos);
    if (isAligned && take === BLOCK_LEN) {
      const pos32 = pos / 4;
      if (pos % 4 !== 0)
        throw new Error("arx: invalid block position");
      for (let j = 0, posj; j < BLOCK_LEN32; j++) {
        posj = pos32 + j;
        o32[posj] = d32[posj] ^ b32[j];
      }
      pos += BLOCK_LEN;
      continue;
    }
    for (let j = 0, posj; j < take; j++) {
      posj = pos + j;
      output[posj] = data[posj] ^ block[j];
    }
    pos += take;
  }
}
function createCipher(core, opts2) {
  const { allowShortKeys, extendNonceFn, counterLength, counterRight, rounds } = checkOpts2({ allowShortKeys: false, counterLength: 8, counterRight: false, rounds: 20 }, opts2);
  if (typeof core !== "function")
    throw new Error("core must be a function");
  anumber3(counterLength);
  anumber3(rounds);
  abool(counterRight);
  abool(allowShortKeys);
  return (key, nonce, data, output, counter = 0) => {
    abytes3(key, void 0, "key");
    abytes3(nonce, void 0, "nonce");
    abytes3(data, void 0, "data");
    const len2 = data.length;
    const hasOutput = output !== void 0;
    output = getOutput(len2, output, false);
    if (hasOutput)
      complexOverlapBytes(data, output);
    anumber3(counter);
    if (counter < 0 || counter >= MAX_COUNTER)
      throw new Error("arx: counter overflow");
    const toClean = [];
    let l = key.length;
    let k;
    let sigma;
    if (l === 32) {
      toClean.push(k = copyBytes(key));
      sigma = sigma32_32;
    } else if (l === 16 && allowShortKeys) {
      k = new Uint8Array(32);
      k.set(key);
      k.set(key, 16);
      sigma = sigma16_32;
      toClean.push(k);
    } else {
      abytes3(key, 32, "arx key");
      throw new Error("invalid key size");
    }
    if (!isLE2 || !isAligned32(nonce))
      toClean.push(nonce = copyBytes(nonce));
    let k32 = u322(k);
    if (extendNonceFn) {
      if (nonce.length !== 24)
        throw new Error("arx: extended nonce must be 24 bytes");
      const n16 = nonce.subarray(0, 16);
      if (isLE2)
        extendNonceFn(sigma, k32, u322(n16), k32);
      else {
        const sigmaRaw = swap32IfBE2(Uint32Array.from(sigma));
        extendNonceFn(sigmaRaw, k32, u322(n16), k32);
        clean2(sigmaRaw);
        swap32IfBE2(k32);
      }
      nonce = nonce.subarray(16);
    } else if (!isLE2)
      swap32IfBE2(k32);
    const nonceNcLen = 16 - counterLength;
    if (nonceNcLen !== nonce.length)
      throw new Error(`arx: nonce must be ${nonceNcLen} or 16 bytes`);
    if (nonceNcLen !== 12) {
      const nc = new Uint8Array(12);
      nc.set(nonce, counterRight ? 0 : 12 - nonce.length);
      nonce = nc;
      toClean.push(nonce);
    }
    const n32 = swap32IfBE2(u322(nonce));
    try {
      runCipher(core, sigma, k32, n32, data, output, counter, rounds);
      return output;
    } finally {
      clean2(...toClean);
    }
  };
}
var encodeStr, sigma16_32, sigma32_32, BLOCK_LEN, BLOCK_LEN32, MAX_COUNTER, U32_EMPTY;
var init_arx = __esm({
  "node_modules/@noble/ciphers/_arx.js"() {
    init_utils2();
    encodeStr = (str2) => Uint8Array.from(str2.split(""), (c) => c.charCodeAt(0));
    sigma16_32 = /* @__PURE__ */ (() => swap32IfBE2(u322(encodeStr("expand 16-byte k"))))();
    sigma32_32 = /* @__PURE__ */ (() => swap32IfBE2(u322(encodeStr("expand 32-byte k"))))();
    BLOCK_LEN = 64;
    BLOCK_LEN32 = 16;
    MAX_COUNTER = /* @__PURE__ */ (() => 2 ** 32 - 1)();
    U32_EMPTY = /* @__PURE__ */ Uint32Array.of();
  }
});

// node_modules/@noble/ciphers/_poly1305.js
function u8to16(a, i) {
  return a[i++] & 255 | (a[i++] & 255) << 8;
}
var Poly1305, poly1305;
var init_poly1305 = __esm({
  "node_modules/@noble/ciphers/_poly1305.js"() {
    init_utils2();
    Poly1305 = class {
      blockLen = 16;
      outputLen = 16;
      buffer = new Uint8Array(16);
      r = new Uint16Array(10);
      // Allocating 1 array with .subarray() here is slower than 3
      h = new Uint16Array(10);
      pad = new Uint16Array(8);
      pos = 0;
      finished = false;
      destroyed = false;
      // Can be speed-up using BigUint64Array, at the cost of complexity
      constructor(key) {
        key = copyBytes(abytes3(key, 32, "key"));
        const t0 = u8to16(key, 0);
        const t1 = u8to16(key, 2);
        const t2 = u8to16(key, 4);
        const t3 = u8to16(key, 6);
        const t4 = u8to16(key, 8);
        const t5 = u8to16(key, 10);
        const t6 = u8to16(key, 12);
        const t7 = u8to16(key, 14);
        this.r[0] = t0 & 8191;
        this.r[1] = (t0 >>> 13 | t1 << 3) & 8191;
        this.r[2] = (t1 >>> 10 | t2 << 6) & 7939;
        this.r[3] = (t2 >>> 7 | t3 << 9) & 8191;
        this.r[4] = (t3 >>> 4 | t4 << 12) & 255;
        this.r[5] = t4 >>> 1 & 8190;
        this.r[6] = (t4 >>> 14 | t5 << 2) & 8191;
        this.r[7] = (t5 >>> 11 | t6 << 5) & 8065;
        this.r[8] = (t6 >>> 8 | t7 << 8) & 8191;
        this.r[9] = t7 >>> 5 & 127;
        for (let i = 0; i < 8; i++)
          this.pad[i] = u8to16(key, 16 + 2 * i);
      }
      process(data, offset, isLast = false) {
        const hibit = isLast ? 0 : 1 << 11;
        const { h, r } = this;
        const r0 = r[0];
        const r1 = r[1];
        const r2 = r[2];
        const r3 = r[3];
        const r4 = r[4];
        const r5 = r[5];
        const r6 = r[6];
        const r7 = r[7];
        const r8 = r[8];
        const r9 = r[9];
        const t0 = u8to16(data, offset + 0);
        const t1 = u8to16(data, offset + 2);
        const t2 = u8to16(data, offset + 4);
        const t3 = u8to16(data, offset + 6);
        const t4 = u8to16(data, offset + 8);
        const t5 = u8to16(data, offset + 10);
        const t6 = u8to16(data, offset + 12);
        const t7 = u8to16(data, offset + 14);
        let h0 = h[0] + (t0 & 8191);
        let h1 = h[1] + ((t0 >>> 13 | t1 << 3) & 8191);
        let h2 = h[2] + ((t1 >>> 10 | t2 << 6) & 8191);
        let h3 = h[3] + ((t2 >>> 7 | t3 << 9) & 8191);
        let h4 = h[4] + ((t3 >>> 4 | t4 << 12) & 8191);
        let h5 = h[5] + (t4 >>> 1 & 8191);
        let h6 = h[6] + ((t4 >>> 14 | t5 << 2) & 8191);
        let h7 = h[7] + ((t5 >>> 11 | t6 << 5) & 8191);
        let h8 = h[8] + ((t6 >>> 8 | t7 << 8) & 8191);
        let h9 = h[9] + (t7 >>> 5 | hibit);
        let c = 0;
        let d0 = c + h0 * r0 + h1 * (5 * r9) + h2 * (5 * r8) + h3 * (5 * r7) + h4 * (5 * r6);
        c = d0 >>> 13;
        d0 &= 8191;
        d0 += h5 * (5 * r5) + h6 * (5 * r4) + h7 * (5 * r3) + h8 * (5 * r2) + h9 * (5 * r1);
        c += d0 >>> 13;
        d0 &= 8191;
        let d1 = c + h0 * r1 + h1 * r0 + h2 * (5 * r9) + h3 * (5 * r8) + h4 * (5 * r7);
        c = d1 >>> 13;
        d1 &= 8191;
        d1 += h5 * (5 * r6) + h6 * (5 * r5) + h7 * (5 * r4) + h8 * (5 * r3) + h9 * (5 * r2);
        c += d1 >>> 13;
        d1 &= 8191;
        let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * (5 * r9) + h4 * (5 * r8);
        c = d2 >>> 13;
        d2 &= 8191;
        d2 += h5 * (5 * r7) + h6 * (5 * r6) + h7 * (5 * r5) + h8 * (5 * r4) + h9 * (5 * r3);
        c += d2 >>> 13;
        d2 &= 8191;
        let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * (5 * r9);
        c = d3 >>> 13;
        d3 &= 8191;
        d3 += h5 * (5 * r8) + h6 * (5 * r7) + h7 * (5 * r6) + h8 * (5 * r5) + h9 * (5 * r4);
        c += d3 >>> 13;
        d3 &= 8191;
        let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
        c = d4 >>> 13;
        d4 &= 8191;
        d4 += h5 * (5 * r9) + h6 * (5 * r8) + h7 * (5 * r7) + h8 * (5 * r6) + h9 * (5 * r5);
        c += d4 >>> 13;
        d4 &= 8191;
        let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
        c = d5 >>> 13;
        d5 &= 8191;
        d5 += h5 * r0 + h6 * (5 * r9) + h7 * (5 * r8) + h8 * (5 * r7) + h9 * (5 * r6);
        c += d5 >>> 13;
        d5 &= 8191;
        let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
        c = d6 >>> 13;
        d6 &= 8191;
        d6 += h5 * r1 + h6 * r0 + h7 * (5 * r9) + h8 * (5 * r8) + h9 * (5 * r7);
        c += d6 >>> 13;
        d6 &= 8191;
        let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
        c = d7 >>> 13;
        d7 &= 8191;
        d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * (5 * r9) + h9 * (5 * r8);
        c += d7 >>> 13;
        d7 &= 8191;
        let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
        c = d8 >>> 13;
        d8 &= 8191;
        d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * (5 * r9);
        c += d8 >>> 13;
        d8 &= 8191;
        let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
        c = d9 >>> 13;
        d9 &= 8191;
        d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
        c += d9 >>> 13;
        d9 &= 8191;
        c = (c << 2) + c | 0;
        c = c + d0 | 0;
        d0 = c & 8191;
        c = c >>> 13;
        d1 += c;
        h[0] = d0;
        h[1] = d1;
        h[2] = d2;
        h[3] = d3;
        h[4] = d4;
        h[5] = d5;
        h[6] = d6;
        h[7] = d7;
        h[8] = d8;
        h[9] = d9;
      }
      finalize() {
        const { h, pad } = this;
        const g = new Uint16Array(10);
        let c = h[1] >>> 13;
        h[1] &= 8191;
        for (let i = 2; i < 10; i++) {
          h[i] += c;
          c = h[i] >>> 13;
          h[i] &= 8191;
        }
        h[0] += c * 5;
        c = h[0] >>> 13;
        h[0] &= 8191;
        h[1] += c;
        c = h[1] >>> 13;
        h[1] &= 8191;
        h[2] += c;
        g[0] = h[0] + 5;
        c = g[0] >>> 13;
        g[0] &= 8191;
        for (let i = 1; i < 10; i++) {
          g[i] = h[i] + c;
          c = g[i] >>> 13;
          g[i] &= 8191;
        }
        g[9] -= 1 << 13;
        let mask = (c ^ 1) - 1;
        for (let i = 0; i < 10; i++)
          g[i] &= mask;
        mask = ~mask;
        for (let i = 0; i < 10; i++)
          h[i] = h[i] & mask | g[i];
        h[0] = (h[0] | h[1] << 13) & 65535;
        h[1] = (h[1] >>> 3 | h[2] << 10) & 65535;
        h[2] = (h[2] >>> 6 | h[3] << 7) & 65535;
        h[3] = (h[3] >>> 9 | h[4] << 4) & 65535;
        h[4] = (h[4] >>> 12 | h[5] << 1 | h[6] << 14) & 65535;
        h[5] = (h[6] >>> 2 | h[7] << 11) & 65535;
        h[6] = (h[7] >>> 5 | h[8] << 8) & 65535;
        h[7] = (h[8] >>> 8 | h[9] << 5) & 65535;
        let f = h[0] + pad[0];
        h[0] = f & 65535;
        for (let i = 1; i < 8; i++) {
          f = (h[i] + pad[i] | 0) + (f >>> 16) | 0;
          h[i] = f & 65535;
        }
        clean2(g);
      }
      update(data) {
        aexists2(this);
        abytes3(data);
        data = copyBytes(data);
        const { buffer, blockLen } = this;
        const len2 = data.length;
        for (let pos = 0; pos < len2; ) {
          const take = Math.min(blockLen - this.pos, len2 - pos);
          if (take === blockLen) {
            for (; blockLen <= len2 - pos; pos += blockLen)
              this.process(data, pos);
            continue;
          }
          buffer.set(data.subarray(pos, pos + take), this.pos);
          this.pos += take;
          pos += take;
          if (this.pos === blockLen) {
            this.process(buffer, 0, false);
            this.pos = 0;
          }
        }
        return this;
      }
      destroy() {
        this.destroyed = true;
        clean2(this.h, this.r, this.buffer, this.pad);
      }
      digestInto(out2) {
        aexists2(this);
        aoutput2(out2, this);
        this.finished = true;
        const { buffer, h } = this;
        let { pos } = this;
        if (pos) {
          buffer[pos++] = 1;
          for (; pos < 16; pos++)
            buffer[pos] = 0;
          this.process(buffer, 0, true);
        }
        this.finalize();
        let opos = 0;
        for (let i = 0; i < 8; i++) {
          out2[opos++] = h[i] >>> 0;
          out2[opos++] = h[i] >>> 8;
        }
      }
      digest() {
        const { buffer, outputLen } = this;
        this.digestInto(buffer);
        const res = buffer.slice(0, outputLen);
        this.destroy();
        return res;
      }
    };
    poly1305 = /* @__PURE__ */ wrapMacConstructor(32, (key) => new Poly1305(key));
  }
});

// node_modules/@noble/ciphers/chacha.js
function chachaCore(s, k, n, out2, cnt, rounds = 20) {
  let y00 = s[0], y01 = s[1], y02 = s[2], y03 = s[3], y04 = k[0], y05 = k[1], y06 = k[2], y07 = k[3], y08 = k[4], y09 = k[5], y10 = k[6], y11 = k[7], y12 = cnt, y13 = n[0], y14 = n[1], y15 = n[2];
  let x00 = y00, x01 = y01, x02 = y02, x03 = y03, x04 = y04, x05 = y05, x06 = y06, x07 = y07, x08 = y08, x09 = y09, x10 = y10, x11 = y11, x12 = y12, x13 = y13, x14 = y14, x15 = y15;
  for (let r = 0; r < rounds; r += 2) {
    x00 = x00 + x04 | 0;
    x12 = rotl2(x12 ^ x00, 16);
    x08 = x08 + x12 | 0;
    x04 = rotl2(x04 ^ x08, 12);
    x00 = x00 + x04 | 0;
    x12 = rotl2(x12 ^ x00, 8);
    x08 = x08 + x12 | 0;
    x04 = rotl2(x04 ^ x08, 7);
    x01 = x01 + x05 | 0;
    x13 = rotl2(x13 ^ x01, 16);
    x09 = x09 + x13 | 0;
    x05 = rotl2(x05 ^ x09, 12);
    x01 = x01 + x05 | 0;
    x13 = rotl2(x13 ^ x01, 8);
    x09 = x09 + x13 | 0;
    x05 = rotl2(x05 ^ x09, 7);
    x02 = x02 + x06 | 0;
    x14 = rotl2(x14 ^ x02, 16);
    x10 = x10 + x14 | 0;
    x06 = rotl2(x06 ^ x10, 12);
    x02 = x02 + x06 | 0;
    x14 = rotl2(x14 ^ x02, 8);
    x10 = x10 + x14 | 0;
    x06 = rotl2(x06 ^ x10, 7);
    x03 = x03 + x07 | 0;
    x15 = rotl2(x15 ^ x03, 16);
    x11 = x11 + x15 | 0;
    x07 = rotl2(x07 ^ x11, 12);
    x03 = x03 + x07 | 0;
    x15 = rotl2(x15 ^ x03, 8);
    x11 = x11 + x15 | 0;
    x07 = rotl2(x07 ^ x11, 7);
    x00 = x00 + x05 | 0;
    x15 = rotl2(x15 ^ x00, 16);
    x10 = x10 + x15 | 0;
    x05 = rotl2(x05 ^ x10, 12);
    x00 = x00 + x05 | 0;
    x15 = rotl2(x15 ^ x00, 8);
    x10 = x10 + x15 | 0;
    x05 = rotl2(x05 ^ x10, 7);
    x01 = x01 + x06 | 0;
    x12 = rotl2(x12 ^ x01, 16);
    x11 = x11 + x12 | 0;
    x06 = rotl2(x06 ^ x11, 12);
    x01 = x01 + x06 | 0;
    x12 = rotl2(x12 ^ x01, 8);
    x11 = x11 + x12 | 0;
    x06 = rotl2(x06 ^ x11, 7);
    x02 = x02 + x07 | 0;
    x13 = rotl2(x13 ^ x02, 16);
    x08 = x08 + x13 | 0;
    x07 = rotl2(x07 ^ x08, 12);
    x02 = x02 + x07 | 0;
    x13 = rotl2(x13 ^ x02, 8);
    x08 = x08 + x13 | 0;
    x07 = rotl2(x07 ^ x08, 7);
    x03 = x03 + x04 | 0;
    x14 = rotl2(x14 ^ x03, 16);
    x09 = x09 + x14 | 0;
    x04 = rotl2(x04 ^ x09, 12);
    x03 = x03 + x04 | 0;
    x14 = rotl2(x14 ^ x03, 8);
    x09 = x09 + x14 | 0;
    x04 = rotl2(x04 ^ x09, 7);
  }
  let oi = 0;
  out2[oi++] = y00 + x00 | 0;
  out2[oi++] = y01 + x01 | 0;
  out2[oi++] = y02 + x02 | 0;
  out2[oi++] = y03 + x03 | 0;
  out2[oi++] = y04 + x04 | 0;
  out2[oi++] = y05 + x05 | 0;
  out2[oi++] = y06 + x06 | 0;
  out2[oi++] = y07 + x07 | 0;
  out2[oi++] = y08 + x08 | 0;
  out2[oi++] = y09 + x09 | 0;
  out2[oi++] = y10 + x10 | 0;
  out2[oi++] = y11 + x11 | 0;
  out2[oi++] = y12 + x12 | 0;
  out2[oi++] = y13 + x13 | 0;
  out2[oi++] = y14 + x14 | 0;
  out2[oi++] = y15 + x15 | 0;
}
function computeTag(fn, key, nonce, ciphertext, AAD) {
  if (AAD !== void 0)
    abytes3(AAD, void 0, "AAD");
  const authKey = fn(key, nonce, ZEROS32);
  const lengths = u64Lengths(ciphertext.length, AAD ? AAD.length : 0, true);
  const h = poly1305.create(authKey);
  if (AAD)
    updatePadded(h, AAD);
  updatePadded(h, ciphertext);
  h.update(lengths);
  const res = h.digest();
  clean2(authKey, lengths);
  return res;
}
var chacha20, ZEROS16, updatePadded, ZEROS32, _poly1305_aead, chacha20poly1305;
var init_chacha = __esm({
  "node_modules/@noble/ciphers/chacha.js"() {
    init_arx();
    init_poly1305();
    init_utils2();
    chacha20 = /* @__PURE__ */ createCipher(chachaCore, {
      counterRight: false,
      counterLength: 4,
      allowShortKeys: false
    });
    ZEROS16 = /* @__PURE__ */ new Uint8Array(16);
    updatePadded = (h, msg) => {
      h.update(msg);
      const leftover = msg.length % 16;
      if (leftover)
        h.update(ZEROS16.subarray(leftover));
    };
    ZEROS32 = /* @__PURE__ */ new Uint8Array(32);
    _poly1305_aead = (xorStream) => (key, nonce, AAD) => {
      const tagLength = 16;
      return {
        encrypt(plaintext, output) {
          const plength = plaintext.length;
          output = getOutput(plength + tagLength, output, false);
          output.set(plaintext);
          const oPlain = output.subarray(0, -tagLength);
          xorStream(key, nonce, oPlain, oPlain, 1);
          const tag = computeTag(xorStream, key, nonce, oPlain, AAD);
          output.set(tag, plength);
          clean2(tag);
          return output;
        },
        decrypt(ciphertext, output) {
          output = getOutput(ciphertext.length - tagLength, output, false);
          const data = ciphertext.subarray(0, -tagLength);
          const passedTag = ciphertext.subarray(-tagLength);
          const tag = computeTag(xorStream, key, nonce, data, AAD);
          if (!equalBytes(passedTag, tag)) {
            clean2(tag);
            throw new Error("invalid tag");
          }
          output.set(ciphertext.subarray(0, -tagLength));
          xorStream(key, nonce, output, output, 1);
          clean2(tag);
          return output;
        }
      };
    };
    chacha20poly1305 = /* @__PURE__ */ wrapCipher(
      { blockSize: 64, nonceLength: 12, tagLength: 16, withAAD: true },
      /* @__PURE__ */ _poly1305_aead(chacha20)
    );
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/utils.js
function isBytes4(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function anumber4(n, title = "") {
  if (!Number.isSafeInteger(n) || n < 0) {
    const prefix = title && `"${title}" `;
    throw new Error(`${prefix}expected integer >= 0, got ${n}`);
  }
}
function abytes4(value, length, title = "") {
  const bytes = isBytes4(value);
  const len2 = value?.length;
  const needsLen = length !== void 0;
  if (!bytes || needsLen && len2 !== length) {
    const prefix = title && `"${title}" `;
    const ofLen = needsLen ? ` of length ${length}` : "";
    const got = bytes ? `length=${len2}` : `type=${typeof value}`;
    throw new Error(prefix + "expected Uint8Array" + ofLen + ", got " + got);
  }
  return value;
}
function ahash2(h) {
  if (typeof h !== "function" || typeof h.create !== "function")
    throw new Error("Hash must wrapped by utils.createHasher");
  anumber4(h.outputLen);
  anumber4(h.blockLen);
}
function aexists3(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("Hash instance has been destroyed");
  if (checkFinished && instance.finished)
    throw new Error("Hash#digest() has already been called");
}
function aoutput3(out2, instance) {
  abytes4(out2, void 0, "digestInto() output");
  const min = instance.outputLen;
  if (out2.length < min) {
    throw new Error('"digestInto() output" expected to be of length >=' + min);
  }
}
function u323(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean3(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
function createView3(arr) {
  return new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
}
function rotr2(word, shift) {
  return word << 32 - shift | word >>> shift;
}
function byteSwap3(word) {
  return word << 24 & 4278190080 | word << 8 & 16711680 | word >>> 8 & 65280 | word >>> 24 & 255;
}
function byteSwap323(arr) {
  for (let i = 0; i < arr.length; i++) {
    arr[i] = byteSwap3(arr[i]);
  }
  return arr;
}
function bytesToHex2(bytes) {
  abytes4(bytes);
  if (hasHexBuiltin2)
    return bytes.toHex();
  let hex = "";
  for (let i = 0; i < bytes.length; i++) {
    hex += hexes2[bytes[i]];
  }
  return hex;
}
function asciiToBase162(ch) {
  if (ch >= asciis._0 && ch <= asciis._9)
    return ch - asciis._0;
  if (ch >= asciis.A && ch <= asciis.F)
    return ch - (asciis.A - 10);
  if (ch >= asciis.a && ch <= asciis.f)
    return ch - (asciis.a - 10);
  return;
}
function hexToBytes2(hex) {
  if (typeof hex !== "string")
    throw new Error("hex string expected, got " + typeof hex);
  if (hasHexBuiltin2)
    return Uint8Array.fromHex(hex);
  const hl = hex.length;
  const al = hl / 2;
  if (hl % 2)
    throw new Error("hex string expected, got unpadded hex of length " + hl);
  const array = new Uint8Array(al);
  for (let ai = 0, hi = 0; ai < al; ai++, hi += 2) {
    const n1 = asciiToBase162(hex.charCodeAt(hi));
    const n2 = asciiToBase162(hex.charCodeAt(hi + 1));
    if (n1 === void 0 || n2 === void 0) {
      const char = hex[hi] + hex[hi + 1];
      throw new Error('hex string expected, got non-hex character "' + char + '" at index ' + hi);
    }
    array[ai] = n1 * 16 + n2;
  }
  return array;
}
function concatBytes2(...arrays) {
  let sum = 0;
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i];
    abytes4(a);
    sum += a.length;
  }
  const res = new Uint8Array(sum);
  for (let i = 0, pad = 0; i < arrays.length; i++) {
    const a = arrays[i];
    res.set(a, pad);
    pad += a.length;
  }
  return res;
}
function createHasher2(hashCons, info = {}) {
  const hashC = (msg, opts2) => hashCons(opts2).update(msg).digest();
  const tmp = hashCons(void 0);
  hashC.outputLen = tmp.outputLen;
  hashC.blockLen = tmp.blockLen;
  hashC.create = (opts2) => hashCons(opts2);
  Object.assign(hashC, info);
  return Object.freeze(hashC);
}
function randomBytes3(bytesLength = 32) {
  const cr = typeof globalThis === "object" ? globalThis.crypto : null;
  if (typeof cr?.getRandomValues !== "function")
    throw new Error("crypto.getRandomValues must be defined");
  return cr.getRandomValues(new Uint8Array(bytesLength));
}
var isLE3, swap32IfBE3, hasHexBuiltin2, hexes2, asciis, oidNist2;
var init_utils3 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/utils.js"() {
    isLE3 = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([287454020]).buffer)[0] === 68)();
    swap32IfBE3 = isLE3 ? (u) => u : byteSwap323;
    hasHexBuiltin2 = /* @__PURE__ */ (() => (
      // @ts-ignore
      typeof Uint8Array.from([]).toHex === "function" && typeof Uint8Array.fromHex === "function"
    ))();
    hexes2 = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
    asciis = { _0: 48, _9: 57, A: 65, F: 70, a: 97, f: 102 };
    oidNist2 = (suffix) => ({
      oid: Uint8Array.from([6, 9, 96, 134, 72, 1, 101, 3, 4, 2, suffix])
    });
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/utils.js
function abool2(value, title = "") {
  if (typeof value !== "boolean") {
    const prefix = title && `"${title}" `;
    throw new Error(prefix + "expected boolean, got type=" + typeof value);
  }
  return value;
}
function abignumber(n) {
  if (typeof n === "bigint") {
    if (!isPosBig(n))
      throw new Error("positive bigint expected, got " + n);
  } else
    anumber4(n);
  return n;
}
function numberToHexUnpadded(num) {
  const hex = abignumber(num).toString(16);
  return hex.length & 1 ? "0" + hex : hex;
}
function hexToNumber(hex) {
  if (typeof hex !== "string")
    throw new Error("hex string expected, got " + typeof hex);
  return hex === "" ? _0n : BigInt("0x" + hex);
}
function bytesToNumberBE(bytes) {
  return hexToNumber(bytesToHex2(bytes));
}
function bytesToNumberLE(bytes) {
  return hexToNumber(bytesToHex2(copyBytes2(abytes4(bytes)).reverse()));
}
function numberToBytesBE(n, len2) {
  anumber4(len2);
  n = abignumber(n);
  const res = hexToBytes2(n.toString(16).padStart(len2 * 2, "0"));
  if (res.length !== len2)
    throw new Error("number too large");
  return res;
}
function numberToBytesLE(n, len2) {
  return numberToBytesBE(n, len2).reverse();
}
function copyBytes2(bytes) {
  return Uint8Array.from(bytes);
}
function asciiToBytes(ascii) {
  return Uint8Array.from(ascii, (c, i) => {
    const charCode = c.charCodeAt(0);
    if (c.length !== 1 || charCode > 127) {
      throw new Error(`string contains non-ASCII character "${ascii[i]}" with code ${charCode} at position ${i}`);
    }
    return charCode;
  });
}
function inRange(n, min, max) {
  return isPosBig(n) && isPosBig(min) && isPosBig(max) && min <= n && n < max;
}
function aInRange(title, n, min, max) {
  if (!inRange(n, min, max))
    throw new Error("expected valid " + title + ": " + min + " <= n < " + max + ", got " + n);
}
function bitLen(n) {
  let len2;
  for (len2 = 0; n > _0n; n >>= _1n, len2 += 1)
    ;
  return len2;
}
function createHmacDrbg(hashLen, qByteLen, hmacFn) {
  anumber4(hashLen, "hashLen");
  anumber4(qByteLen, "qByteLen");
  if (typeof hmacFn !== "function")
    throw new Error("hmacFn must be a function");
  const u8n = (len2) => new Uint8Array(len2);
  const NULL2 = Uint8Array.of();
  const byte0 = Uint8Array.of(0);
  const byte1 = Uint8Array.of(1);
  const _maxDrbgIters = 1e3;
  let v = u8n(hashLen);
  let k = u8n(hashLen);
  let i = 0;
  const reset = () => {
    v.fill(1);
    k.fill(0);
    i = 0;
  };
  const h = (...msgs) => hmacFn(k, concatBytes2(v, ...msgs));
  const reseed = (seed = NULL2) => {
    k = h(byte0, seed);
    v = h();
    if (seed.length === 0)
      return;
    k = h(byte1, seed);
    v = h();
  };
  const gen = () => {
    if (i++ >= _maxDrbgIters)
      throw new Error("drbg: tried max amount of iterations");
    let len2 = 0;
    const out2 = [];
    while (len2 < qByteLen) {
      v = h();
      const sl = v.slice();
      out2.push(sl);
      len2 += v.length;
    }
    return concatBytes2(...out2);
  };
  const genUntil = (seed, pred) => {
    reset();
    reseed(seed);
    let res = void 0;
    while (!(res = pred(gen())))
      reseed();
    reset();
    return res;
  };
  return genUntil;
}
function validateObject(object, fields2 = {}, optFields = {}) {
  if (!object || typeof object !== "object")
    throw new Error("expected valid options object");
  function checkField(fieldName, expectedType, isOpt) {
    const val = object[fieldName];
    if (isOpt && val === void 0)
      return;
    const current = typeof val;
    if (current !== expectedType || val === null)
      throw new Error(`param "${fieldName}" is invalid: expected ${expectedType}, got ${current}`);
  }
  const iter = (f, isOpt) => Object.entries(f).forEach(([k, v]) => checkField(k, v, isOpt));
  iter(fields2, false);
  iter(optFields, true);
}
function memoized(fn) {
  const map = /* @__PURE__ */ new WeakMap();
  return (arg, ...args) => {
    const val = map.get(arg);
    if (val !== void 0)
      return val;
    const computed = fn(arg, ...args);
    map.set(arg, computed);
    return computed;
  };
}
var _0n, _1n, isPosBig, bitMask;
var init_utils4 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/utils.js"() {
    init_utils3();
    init_utils3();
    _0n = /* @__PURE__ */ BigInt(0);
    _1n = /* @__PURE__ */ BigInt(1);
    isPosBig = (n) => typeof n === "bigint" && _0n <= n;
    bitMask = (n) => (_1n << BigInt(n)) - _1n;
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/modular.js
function mod3(a, b) {
  const result = a % b;
  return result >= _0n2 ? result : b + result;
}
function pow2(x, power, modulo) {
  let res = x;
  while (power-- > _0n2) {
    res *= res;
    res %= modulo;
  }
  return res;
}
function invert(number, modulo) {
  if (number === _0n2)
    throw new Error("invert: expected non-zero number");
  if (modulo <= _0n2)
    throw new Error("invert: expected positive modulus, got " + modulo);
  let a = mod3(number, modulo);
  let b = modulo;
  let x = _0n2, y = _1n2, u = _1n2, v = _0n2;
  while (a !== _0n2) {
    const q = b / a;
    const r = b % a;
    const m = x - u * q;
    const n = y - v * q;
    b = a, a = r, x = u, y = v, u = m, v = n;
  }
  const gcd = b;
  if (gcd !== _1n2)
    throw new Error("invert: does not exist");
  return mod3(x, modulo);
}
function assertIsSquare(Fp3, root, n) {
  if (!Fp3.eql(Fp3.sqr(root), n))
    throw new Error("Cannot find square root");
}
function sqrt3mod4(Fp3, n) {
  const p1div4 = (Fp3.ORDER + _1n2) / _4n;
  const root = Fp3.pow(n, p1div4);
  assertIsSquare(Fp3, root, n);
  return root;
}
function sqrt5mod8(Fp3, n) {
  const p5div8 = (Fp3.ORDER - _5n) / _8n;
  const n2 = Fp3.mul(n, _2n);
  const v = Fp3.pow(n2, p5div8);
  const nv = Fp3.mul(n, v);
  const i = Fp3.mul(Fp3.mul(nv, _2n), v);
  const root = Fp3.mul(nv, Fp3.sub(i, Fp3.ONE));
  assertIsSquare(Fp3, root, n);
  return root;
}
function sqrt9mod16(P3) {
  const Fp_ = Field(P3);
  const tn = tonelliShanks(P3);
  const c1 = tn(Fp_, Fp_.neg(Fp_.ONE));
  const c2 = tn(Fp_, c1);
  const c3 = tn(Fp_, Fp_.neg(c1));
  const c4 = (P3 + _7n) / _16n;
  return (Fp3, n) => {
    let tv1 = Fp3.pow(n, c4);
    let tv2 = Fp3.mul(tv1, c1);
    const tv3 = Fp3.mul(tv1, c2);
    const tv4 = Fp3.mul(tv1, c3);
    const e1 = Fp3.eql(Fp3.sqr(tv2), n);
    const e2 = Fp3.eql(Fp3.sqr(tv3), n);
    tv1 = Fp3.cmov(tv1, tv2, e1);
    tv2 = Fp3.cmov(tv4, tv3, e2);
    const e3 = Fp3.eql(Fp3.sqr(tv2), n);
    const root = Fp3.cmov(tv1, tv2, e3);
    assertIsSquare(Fp3, root, n);
    return root;
  };
}
function tonelliShanks(P3) {
  if (P3 < _3n)
    throw new Error("sqrt is not defined for small field");
  let Q2 = P3 - _1n2;
  let S = 0;
  while (Q2 % _2n === _0n2) {
    Q2 /= _2n;
    S++;
  }
  let Z = _2n;
  const _Fp = Field(P3);
  while (FpLegendre(_Fp, Z) === 1) {
    if (Z++ > 1e3)
      throw new Error("Cannot find square root: probably non-prime P");
  }
  if (S === 1)
    return sqrt3mod4;
  let cc = _Fp.pow(Z, Q2);
  const Q1div2 = (Q2 + _1n2) / _2n;
  return function tonelliSlow(Fp3, n) {
    if (Fp3.is0(n))
      return n;
    if (FpLegendre(Fp3, n) !== 1)
      throw new Error("Cannot find square root");
    let M = S;
    let c = Fp3.mul(Fp3.ONE, cc);
    let t = Fp3.pow(n, Q2);
    let R2 = Fp3.pow(n, Q1div2);
    while (!Fp3.eql(t, Fp3.ONE)) {
      if (Fp3.is0(t))
        return Fp3.ZERO;
      let i = 1;
      let t_tmp = Fp3.sqr(t);
      while (!Fp3.eql(t_tmp, Fp3.ONE)) {
        i++;
        t_tmp = Fp3.sqr(t_tmp);
        if (i === M)
          throw new Error("Cannot find square root");
      }
      const exponent = _1n2 << BigInt(M - i - 1);
      const b = Fp3.pow(c, exponent);
      M = i;
      c = Fp3.sqr(b);
      t = Fp3.mul(t, c);
      R2 = Fp3.mul(R2, b);
    }
    return R2;
  };
}
function FpSqrt(P3) {
  if (P3 % _4n === _3n)
    return sqrt3mod4;
  if (P3 % _8n === _5n)
    return sqrt5mod8;
  if (P3 % _16n === _9n)
    return sqrt9mod16(P3);
  return tonelliShanks(P3);
}
function validateField(field) {
  const initial = {
    ORDER: "bigint",
    BYTES: "number",
    BITS: "number"
  };
  const opts2 = FIELD_FIELDS.reduce((map, val) => {
    map[val] = "function";
    return map;
  }, initial);
  validateObject(field, opts2);
  return field;
}
function FpPow(Fp3, num, power) {
  if (power < _0n2)
    throw new Error("invalid exponent, negatives unsupported");
  if (power === _0n2)
    return Fp3.ONE;
  if (power === _1n2)
    return num;
  let p = Fp3.ONE;
  let d = num;
  while (power > _0n2) {
    if (power & _1n2)
      p = Fp3.mul(p, d);
    d = Fp3.sqr(d);
    power >>= _1n2;
  }
  return p;
}
function FpInvertBatch(Fp3, nums, passZero = false) {
  const inverted = new Array(nums.length).fill(passZero ? Fp3.ZERO : void 0);
  const multipliedAcc = nums.reduce((acc, num, i) => {
    if (Fp3.is0(num))
      return acc;
    inverted[i] = acc;
    return Fp3.mul(acc, num);
  }, Fp3.ONE);
  const invertedAcc = Fp3.inv(multipliedAcc);
  nums.reduceRight((acc, num, i) => {
    if (Fp3.is0(num))
      return acc;
    inverted[i] = Fp3.mul(acc, inverted[i]);
    return Fp3.mul(acc, num);
  }, invertedAcc);
  return inverted;
}
function FpLegendre(Fp3, n) {
  const p1mod2 = (Fp3.ORDER - _1n2) / _2n;
  const powered = Fp3.pow(n, p1mod2);
  const yes = Fp3.eql(powered, Fp3.ONE);
  const zero = Fp3.eql(powered, Fp3.ZERO);
  const no = Fp3.eql(powered, Fp3.neg(Fp3.ONE));
  if (!yes && !zero && !no)
    throw new Error("invalid Legendre symbol result");
  return yes ? 1 : zero ? 0 : -1;
}
function nLength(n, nBitLength) {
  if (nBitLength !== void 0)
    anumber4(nBitLength);
  const _nBitLength = nBitLength !== void 0 ? nBitLength : n.toString(2).length;
  const nByteLength = Math.ceil(_nBitLength / 8);
  return { nBitLength: _nBitLength, nByteLength };
}
function Field(ORDER, opts2 = {}) {
  return new _Field(ORDER, opts2);
}
function getFieldBytesLength(fieldOrder) {
  if (typeof fieldOrder !== "bigint")
    throw new Error("field order must be bigint");
  const bitLength2 = fieldOrder.toString(2).length;
  return Math.ceil(bitLength2 / 8);
}
function getMinHashLength(fieldOrder) {
  const length = getFieldBytesLength(fieldOrder);
  return length + Math.ceil(length / 2);
}
function mapHashToField(key, fieldOrder, isLE4 = false) {
  abytes4(key);
  const len2 = key.length;
  const fieldLen = getFieldBytesLength(fieldOrder);
  const minLen = getMinHashLength(fieldOrder);
  if (len2 < 16 || len2 < minLen || len2 > 1024)
    throw new Error("expected " + minLen + "-1024 bytes of input, got " + len2);
  const num = isLE4 ? bytesToNumberLE(key) : bytesToNumberBE(key);
  const reduced = mod3(num, fieldOrder - _1n2) + _1n2;
  return isLE4 ? numberToBytesLE(reduced, fieldLen) : numberToBytesBE(reduced, fieldLen);
}
var _0n2, _1n2, _2n, _3n, _4n, _5n, _7n, _8n, _9n, _16n, FIELD_FIELDS, _Field;
var init_modular = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/modular.js"() {
    init_utils4();
    _0n2 = /* @__PURE__ */ BigInt(0);
    _1n2 = /* @__PURE__ */ BigInt(1);
    _2n = /* @__PURE__ */ BigInt(2);
    _3n = /* @__PURE__ */ BigInt(3);
    _4n = /* @__PURE__ */ BigInt(4);
    _5n = /* @__PURE__ */ BigInt(5);
    _7n = /* @__PURE__ */ BigInt(7);
    _8n = /* @__PURE__ */ BigInt(8);
    _9n = /* @__PURE__ */ BigInt(9);
    _16n = /* @__PURE__ */ BigInt(16);
    FIELD_FIELDS = [
      "create",
      "isValid",
      "is0",
      "neg",
      "inv",
      "sqrt",
      "sqr",
      "eql",
      "add",
      "sub",
      "mul",
      "pow",
      "div",
      "addN",
      "subN",
      "mulN",
      "sqrN"
    ];
    _Field = class {
      ORDER;
      BITS;
      BYTES;
      isLE;
      ZERO = _0n2;
      ONE = _1n2;
      _lengths;
      _sqrt;
      // cached sqrt
      _mod;
      constructor(ORDER, opts2 = {}) {
        if (ORDER <= _0n2)
          throw new Error("invalid field: expected ORDER > 0, got " + ORDER);
        let _nbitLength = void 0;
        this.isLE = false;
        if (opts2 != null && typeof opts2 === "object") {
          if (typeof opts2.BITS === "number")
            _nbitLength = opts2.BITS;
          if (typeof opts2.sqrt === "function")
            this.sqrt = opts2.sqrt;
          if (typeof opts2.isLE === "boolean")
            this.isLE = opts2.isLE;
          if (opts2.allowedLengths)
            this._lengths = opts2.allowedLengths?.slice();
          if (typeof opts2.modFromBytes === "boolean")
            this._mod = opts2.modFromBytes;
        }
        const { nBitLength, nByteLength } = nLength(ORDER, _nbitLength);
        if (nByteLength > 2048)
          throw new Error("invalid field: expected ORDER of <= 2048 bytes");
        this.ORDER = ORDER;
        this.BITS = nBitLength;
        this.BYTES = nByteLength;
        this._sqrt = void 0;
        Object.preventExtensions(this);
      }
      create(num) {
        return mod3(num, this.ORDER);
      }
      isValid(num) {
        if (typeof num !== "bigint")
          throw new Error("invalid field element: expected bigint, got " + typeof num);
        return _0n2 <= num && num < this.ORDER;
      }
      is0(num) {
        return num === _0n2;
      }
      // is valid and invertible
      isValidNot0(num) {
        return !this.is0(num) && this.isValid(num);
      }
      isOdd(num) {
        return (num & _1n2) === _1n2;
      }
      neg(num) {
        return mod3(-num, this.ORDER);
      }
      eql(lhs, rhs) {
        return lhs === rhs;
      }
      sqr(num) {
        return mod3(num * num, this.ORDER);
      }
      add(lhs, rhs) {
        return mod3(lhs + rhs, this.ORDER);
      }
      sub(lhs, rhs) {
        return mod3(lhs - rhs, this.ORDER);
      }
      mul(lhs, rhs) {
        return mod3(lhs * rhs, this.ORDER);
      }
      pow(num, power) {
        return FpPow(this, num, power);
      }
      div(lhs, rhs) {
        return mod3(lhs * invert(rhs, this.ORDER), this.ORDER);
      }
      // Same as above, but doesn't normalize
      sqrN(num) {
        return num * num;
      }
      addN(lhs, rhs) {
        return lhs + rhs;
      }
      subN(lhs, rhs) {
        return lhs - rhs;
      }
      mulN(lhs, rhs) {
        return lhs * rhs;
      }
      inv(num) {
        return invert(num, this.ORDER);
      }
      sqrt(num) {
        if (!this._sqrt)
          this._sqrt = FpSqrt(this.ORDER);
        return this._sqrt(this, num);
      }
      toBytes(num) {
        return this.isLE ? numberToBytesLE(num, this.BYTES) : numberToBytesBE(num, this.BYTES);
      }
      fromBytes(bytes, skipValidation = false) {
        abytes4(bytes);
        const { _lengths: allowedLengths, BYTES, isLE: isLE4, ORDER, _mod: modFromBytes } = this;
        if (allowedLengths) {
          if (!allowedLengths.includes(bytes.length) || bytes.length > BYTES) {
            throw new Error("Field.fromBytes: expected " + allowedLengths + " bytes, got " + bytes.length);
          }
          const padded = new Uint8Array(BYTES);
          padded.set(bytes, isLE4 ? 0 : padded.length - bytes.length);
          bytes = padded;
        }
        if (bytes.length !== BYTES)
          throw new Error("Field.fromBytes: expected " + BYTES + " bytes, got " + bytes.length);
        let scalar = isLE4 ? bytesToNumberLE(bytes) : bytesToNumberBE(bytes);
        if (modFromBytes)
          scalar = mod3(scalar, ORDER);
        if (!skipValidation) {
          if (!this.isValid(scalar))
            throw new Error("invalid field element: outside of range 0..ORDER");
        }
        return scalar;
      }
      // TODO: we don't need it here, move out to separate fn
      invertBatch(lst) {
        return FpInvertBatch(this, lst);
      }
      // We can't move this out because Fp6, Fp12 implement it
      // and it's unclear what to return in there.
      cmov(a, b, condition) {
        return condition ? b : a;
      }
    };
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/curve.js
function negateCt(condition, item) {
  const neg = item.negate();
  return condition ? neg : item;
}
function normalizeZ(c, points) {
  const invertedZs = FpInvertBatch(c.Fp, points.map((p) => p.Z));
  return points.map((p, i) => c.fromAffine(p.toAffine(invertedZs[i])));
}
function validateW(W, bits) {
  if (!Number.isSafeInteger(W) || W <= 0 || W > bits)
    throw new Error("invalid window size, expected [1.." + bits + "], got W=" + W);
}
function calcWOpts(W, scalarBits) {
  validateW(W, scalarBits);
  const windows = Math.ceil(scalarBits / W) + 1;
  const windowSize = 2 ** (W - 1);
  const maxNumber = 2 ** W;
  const mask = bitMask(W);
  const shiftBy = BigInt(W);
  return { windows, windowSize, mask, maxNumber, shiftBy };
}
function calcOffsets(n, window2, wOpts) {
  const { windowSize, mask, maxNumber, shiftBy } = wOpts;
  let wbits = Number(n & mask);
  let nextN = n >> shiftBy;
  if (wbits > windowSize) {
    wbits -= maxNumber;
    nextN += _1n3;
  }
  const offsetStart = window2 * windowSize;
  const offset = offsetStart + Math.abs(wbits) - 1;
  const isZero = wbits === 0;
  const isNeg = wbits < 0;
  const isNegF = window2 % 2 !== 0;
  const offsetF = offsetStart;
  return { nextN, offset, isZero, isNeg, isNegF, offsetF };
}
function getW(P3) {
  return pointWindowSizes.get(P3) || 1;
}
function assert0(n) {
  if (n !== _0n3)
    throw new Error("invalid wNAF");
}
function mulEndoUnsafe(Point, point, k1, k2) {
  let acc = point;
  let p1 = Point.ZERO;
  let p2 = Point.ZERO;
  while (k1 > _0n3 || k2 > _0n3) {
    if (k1 & _1n3)
      p1 = p1.add(acc);
    if (k2 & _1n3)
      p2 = p2.add(acc);
    acc = acc.double();
    k1 >>= _1n3;
    k2 >>= _1n3;
  }
  return { p1, p2 };
}
function createField(order, field, isLE4) {
  if (field) {
    if (field.ORDER !== order)
      throw new Error("Field.ORDER must match order: Fp == p, Fn == n");
    validateField(field);
    return field;
  } else {
    return Field(order, { isLE: isLE4 });
  }
}
function createCurveFields(type, CURVE, curveOpts = {}, FpFnLE) {
  if (FpFnLE === void 0)
    FpFnLE = type === "edwards";
  if (!CURVE || typeof CURVE !== "object")
    throw new Error(`expected valid ${type} CURVE object`);
  for (const p of ["p", "n", "h"]) {
    const val = CURVE[p];
    if (!(typeof val === "bigint" && val > _0n3))
      throw new Error(`CURVE.${p} must be positive bigint`);
  }
  const Fp3 = createField(CURVE.p, curveOpts.Fp, FpFnLE);
  const Fn = createField(CURVE.n, curveOpts.Fn, FpFnLE);
  const _b = type === "weierstrass" ? "b" : "d";
  const params = ["Gx", "Gy", "a", _b];
  for (const p of params) {
    if (!Fp3.isValid(CURVE[p]))
      throw new Error(`CURVE.${p} must be valid field element of CURVE.Fp`);
  }
  CURVE = Object.freeze(Object.assign({}, CURVE));
  return { CURVE, Fp: Fp3, Fn };
}
function createKeygen(randomSecretKey, getPublicKey) {
  return function keygen(seed) {
    const secretKey = randomSecretKey(seed);
    return { secretKey, publicKey: getPublicKey(secretKey) };
  };
}
var _0n3, _1n3, pointPrecomputes, pointWindowSizes, wNAF;
var init_curve = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/curve.js"() {
    init_utils4();
    init_modular();
    _0n3 = /* @__PURE__ */ BigInt(0);
    _1n3 = /* @__PURE__ */ BigInt(1);
    pointPrecomputes = /* @__PURE__ */ new WeakMap();
    pointWindowSizes = /* @__PURE__ */ new WeakMap();
    wNAF = class {
      BASE;
      ZERO;
      Fn;
      bits;
      // Parametrized with a given Point class (not individual point)
      constructor(Point, bits) {
        this.BASE = Point.BASE;
        this.ZERO = Point.ZERO;
        this.Fn = Point.Fn;
        this.bits = bits;
      }
      // non-const time multiplication ladder
      _unsafeLadder(elm, n, p = this.ZERO) {
        let d = elm;
        while (n > _0n3) {
          if (n & _1n3)
            p = p.add(d);
          d = d.double();
          n >>= _1n3;
        }
        return p;
      }
      /**
       * Creates a wNAF precomputation window. Used for caching.
       * Default window size is set by `utils.precompute()` and is equal to 8.
       * Number of precomputed points depends on the curve size:
       * 2^(𝑊−1) * (Math.ceil(𝑛 / 𝑊) + 1), where:
       * - 𝑊 is the window size
       * - 𝑛 is the bitlength of the curve order.
       * For a 256-bit curve and window size 8, the number of precomputed points is 128 * 33 = 4224.
       * @param point Point instance
       * @param W window size
       * @returns precomputed point tables flattened to a single array
       */
      precomputeWindow(point, W) {
        const { windows, windowSize } = calcWOpts(W, this.bits);
        const points = [];
        let p = point;
        let base = p;
        for (let window2 = 0; window2 < windows; window2++) {
          base = p;
          points.push(base);
          for (let i = 1; i < windowSize; i++) {
            base = base.add(p);
            points.push(base);
          }
          p = base.double();
        }
        return points;
      }
      /**
       * Implements ec multiplication using precomputed tables and w-ary non-adjacent form.
       * More compact implementation:
       * https://github.com/paulmillr/noble-secp256k1/blob/47cb1669b6e506ad66b35fe7d76132ae97465da2/index.ts#L502-L541
       * @returns real and fake (for const-time) points
       */
      wNAF(W, precomputes, n) {
        if (!this.Fn.isValid(n))
          throw new Error("invalid scalar");
        let p = this.ZERO;
        let f = this.BASE;
        const wo = calcWOpts(W, this.bits);
        for (let window2 = 0; window2 < wo.windows; window2++) {
          const { nextN, offset, isZero, isNeg, isNegF, offsetF } = calcOffsets(n, window2, wo);
          n = nextN;
          if (isZero) {
            f = f.add(negateCt(isNegF, precomputes[offsetF]));
          } else {
            p = p.add(negateCt(isNeg, precomputes[offset]));
          }
        }
        assert0(n);
        return { p, f };
      }
      /**
       * Implements ec unsafe (non const-time) multiplication using precomputed tables and w-ary non-adjacent form.
       * @param acc accumulator point to add result of multiplication
       * @returns point
       */
      wNAFUnsafe(W, precomputes, n, acc = this.ZERO) {
        const wo = calcWOpts(W, this.bits);
        for (let window2 = 0; window2 < wo.windows; window2++) {
          if (n === _0n3)
            break;
          const { nextN, offset, isZero, isNeg } = calcOffsets(n, window2, wo);
          n = nextN;
          if (isZero) {
            continue;
          } else {
            const item = precomputes[offset];
            acc = acc.add(isNeg ? item.negate() : item);
          }
        }
        assert0(n);
        return acc;
      }
      getPrecomputes(W, point, transform) {
        let comp = pointPrecomputes.get(point);
        if (!comp) {
          comp = this.precomputeWindow(point, W);
          if (W !== 1) {
            if (typeof transform === "function")
              comp = transform(comp);
            pointPrecomputes.set(point, comp);
          }
        }
        return comp;
      }
      cached(point, scalar, transform) {
        const W = getW(point);
        return this.wNAF(W, this.getPrecomputes(W, point, transform), scalar);
      }
      unsafe(point, scalar, transform, prev) {
        const W = getW(point);
        if (W === 1)
          return this._unsafeLadder(point, scalar, prev);
        return this.wNAFUnsafe(W, this.getPrecomputes(W, point, transform), scalar, prev);
      }
      // We calculate precomputes for elliptic curve point multiplication
      // using windowed method. This specifies window size and
      // stores precomputed values. Usually only base point would be precomputed.
      createCache(P3, W) {
        validateW(W, this.bits);
        pointWindowSizes.set(P3, W);
        pointPrecomputes.delete(P3);
      }
      hasCache(elm) {
        return getW(elm) !== 1;
      }
    };
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/montgomery.js
function validateOpts(curve) {
  validateObject(curve, {
    adjustScalarBytes: "function",
    powPminus2: "function"
  });
  return Object.freeze({ ...curve });
}
function montgomery(curveDef) {
  const CURVE = validateOpts(curveDef);
  const { P: P3, type, adjustScalarBytes: adjustScalarBytes3, powPminus2, randomBytes: rand } = CURVE;
  const is25519 = type === "x25519";
  if (!is25519 && type !== "x448")
    throw new Error("invalid type");
  const randomBytes_ = rand || randomBytes3;
  const montgomeryBits = is25519 ? 255 : 448;
  const fieldLen = is25519 ? 32 : 56;
  const Gu = is25519 ? BigInt(9) : BigInt(5);
  const a24 = is25519 ? BigInt(121665) : BigInt(39081);
  const minScalar = is25519 ? _2n2 ** BigInt(254) : _2n2 ** BigInt(447);
  const maxAdded = is25519 ? BigInt(8) * _2n2 ** BigInt(251) - _1n4 : BigInt(4) * _2n2 ** BigInt(445) - _1n4;
  const maxScalar = minScalar + maxAdded + _1n4;
  const modP = (n) => mod3(n, P3);
  const GuBytes = encodeU(Gu);
  function encodeU(u) {
    return numberToBytesLE(modP(u), fieldLen);
  }
  function decodeU(u) {
    const _u = copyBytes2(abytes4(u, fieldLen, "uCoordinate"));
    if (is25519)
      _u[31] &= 127;
    return modP(bytesToNumberLE(_u));
  }
  function decodeScalar(scalar) {
    return bytesToNumberLE(adjustScalarBytes3(copyBytes2(abytes4(scalar, fieldLen, "scalar"))));
  }
  function scalarMult2(scalar, u) {
    const pu = montgomeryLadder(decodeU(u), decodeScalar(scalar));
    if (pu === _0n4)
      throw new Error("invalid private or public key received");
    return encodeU(pu);
  }
  function scalarMultBase2(scalar) {
    return scalarMult2(scalar, GuBytes);
  }
  const getPublicKey = scalarMultBase2;
  const getSharedSecret = scalarMult2;
  function cswap2(swap, x_2, x_3) {
    const dummy = modP(swap * (x_2 - x_3));
    x_2 = modP(x_2 - dummy);
    x_3 = modP(x_3 + dummy);
    return { x_2, x_3 };
  }
  function montgomeryLadder(u, scalar) {
    aInRange("u", u, _0n4, P3);
    aInRange("scalar", scalar, minScalar, maxScalar);
    const k = scalar;
    const x_1 = u;
    let x_2 = _1n4;
    let z_2 = _0n4;
    let x_3 = u;
    let z_3 = _1n4;
    let swap = _0n4;
    for (let t = BigInt(montgomeryBits - 1); t >= _0n4; t--) {
      const k_t = k >> t & _1n4;
      swap ^= k_t;
      ({ x_2, x_3 } = cswap2(swap, x_2, x_3));
      ({ x_2: z_2, x_3: z_3 } = cswap2(swap, z_2, z_3));
      swap = k_t;
      const A = x_2 + z_2;
      const AA = modP(A * A);
      const B2 = x_2 - z_2;
      const BB = modP(B2 * B2);
      const E = AA - BB;
      const C = x_3 + z_3;
      const D = x_3 - z_3;
      const DA = modP(D * A);
      const CB = modP(C * B2);
      const dacb = DA + CB;
      const da_cb = DA - CB;
      x_3 = modP(dacb * dacb);
      z_3 = modP(x_1 * modP(da_cb * da_cb));
      x_2 = modP(AA * BB);
      z_2 = modP(E * (AA + modP(a24 * E)));
    }
    ({ x_2, x_3 } = cswap2(swap, x_2, x_3));
    ({ x_2: z_2, x_3: z_3 } = cswap2(swap, z_2, z_3));
    const z2 = powPminus2(z_2);
    return modP(x_2 * z2);
  }
  const lengths = {
    secretKey: fieldLen,
    publicKey: fieldLen,
    seed: fieldLen
  };
  const randomSecretKey = (seed = randomBytes_(fieldLen)) => {
    abytes4(seed, lengths.seed, "seed");
    return seed;
  };
  const utils = { randomSecretKey };
  return Object.freeze({
    keygen: createKeygen(randomSecretKey, getPublicKey),
    getSharedSecret,
    getPublicKey,
    scalarMult: scalarMult2,
    scalarMultBase: scalarMultBase2,
    utils,
    GuBytes: GuBytes.slice(),
    lengths
  });
}
var _0n4, _1n4, _2n2;
var init_montgomery = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/montgomery.js"() {
    init_utils4();
    init_curve();
    init_modular();
    _0n4 = BigInt(0);
    _1n4 = BigInt(1);
    _2n2 = BigInt(2);
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/hmac.js
var _HMAC2, hmac2;
var init_hmac2 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/hmac.js"() {
    init_utils3();
    _HMAC2 = class {
      oHash;
      iHash;
      blockLen;
      outputLen;
      finished = false;
      destroyed = false;
      constructor(hash, key) {
        ahash2(hash);
        abytes4(key, void 0, "key");
        this.iHash = hash.create();
        if (typeof this.iHash.update !== "function")
          throw new Error("Expected instance of class which extends utils.Hash");
        this.blockLen = this.iHash.blockLen;
        this.outputLen = this.iHash.outputLen;
        const blockLen = this.blockLen;
        const pad = new Uint8Array(blockLen);
        pad.set(key.length > blockLen ? hash.create().update(key).digest() : key);
        for (let i = 0; i < pad.length; i++)
          pad[i] ^= 54;
        this.iHash.update(pad);
        this.oHash = hash.create();
        for (let i = 0; i < pad.length; i++)
          pad[i] ^= 54 ^ 92;
        this.oHash.update(pad);
        clean3(pad);
      }
      update(buf) {
        aexists3(this);
        this.iHash.update(buf);
        return this;
      }
      digestInto(out2) {
        aexists3(this);
        abytes4(out2, this.outputLen, "output");
        this.finished = true;
        this.iHash.digestInto(out2);
        this.oHash.update(out2);
        this.oHash.digestInto(out2);
        this.destroy();
      }
      digest() {
        const out2 = new Uint8Array(this.oHash.outputLen);
        this.digestInto(out2);
        return out2;
      }
      _cloneInto(to) {
        to ||= Object.create(Object.getPrototypeOf(this), {});
        const { oHash, iHash, finished: finished2, destroyed, blockLen, outputLen } = this;
        to = to;
        to.finished = finished2;
        to.destroyed = destroyed;
        to.blockLen = blockLen;
        to.outputLen = outputLen;
        to.oHash = oHash._cloneInto(to.oHash);
        to.iHash = iHash._cloneInto(to.iHash);
        return to;
      }
      clone() {
        return this._cloneInto();
      }
      destroy() {
        this.destroyed = true;
        this.oHash.destroy();
        this.iHash.destroy();
      }
    };
    hmac2 = (hash, key, message) => new _HMAC2(hash, key).update(message).digest();
    hmac2.create = (hash, key) => new _HMAC2(hash, key);
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/weierstrass.js
function _splitEndoScalar(k, basis, n) {
  const [[a1, b1], [a2, b2]] = basis;
  const c1 = divNearest(b2 * k, n);
  const c2 = divNearest(-b1 * k, n);
  let k1 = k - c1 * a1 - c2 * a2;
  let k2 = -c1 * b1 - c2 * b2;
  const k1neg = k1 < _0n5;
  const k2neg = k2 < _0n5;
  if (k1neg)
    k1 = -k1;
  if (k2neg)
    k2 = -k2;
  const MAX_NUM = bitMask(Math.ceil(bitLen(n) / 2)) + _1n5;
  if (k1 < _0n5 || k1 >= MAX_NUM || k2 < _0n5 || k2 >= MAX_NUM) {
    throw new Error("splitScalar (endomorphism): failed, k=" + k);
  }
  return { k1neg, k1, k2neg, k2 };
}
function validateSigFormat(format) {
  if (!["compact", "recovered", "der"].includes(format))
    throw new Error('Signature format must be "compact", "recovered", or "der"');
  return format;
}
function validateSigOpts(opts2, def) {
  const optsn = {};
  for (let optName of Object.keys(def)) {
    optsn[optName] = opts2[optName] === void 0 ? def[optName] : opts2[optName];
  }
  abool2(optsn.lowS, "lowS");
  abool2(optsn.prehash, "prehash");
  if (optsn.format !== void 0)
    validateSigFormat(optsn.format);
  return optsn;
}
function weierstrass(params, extraOpts = {}) {
  const validated = createCurveFields("weierstrass", params, extraOpts);
  const { Fp: Fp3, Fn } = validated;
  let CURVE = validated.CURVE;
  const { h: cofactor, n: CURVE_ORDER } = CURVE;
  validateObject(extraOpts, {}, {
    allowInfinityPoint: "boolean",
    clearCofactor: "function",
    isTorsionFree: "function",
    fromBytes: "function",
    toBytes: "function",
    endo: "object"
  });
  const { endo } = extraOpts;
  if (endo) {
    if (!Fp3.is0(CURVE.a) || typeof endo.beta !== "bigint" || !Array.isArray(endo.basises)) {
      throw new Error('invalid endo: expected "beta": bigint and "basises": array');
    }
  }
  const lengths = getWLengths(Fp3, Fn);
  function assertCompressionIsSupported() {
    if (!Fp3.isOdd)
      throw new Error("compression is not supported: Field does not have .isOdd()");
  }
  function pointToBytes(_c, point, isCompressed) {
    const { x, y } = point.toAffine();
    const bx = Fp3.toBytes(x);
    abool2(isCompressed, "isCompressed");
    if (isCompressed) {
      assertCompressionIsSupported();
      const hasEvenY = !Fp3.isOdd(y);
      return concatBytes2(pprefix(hasEvenY), bx);
    } else {
      return concatBytes2(Uint8Array.of(4), bx, Fp3.toBytes(y));
    }
  }
  function pointFromBytes(bytes) {
    abytes4(bytes, void 0, "Point");
    const { publicKey: comp, publicKeyUncompressed: uncomp } = lengths;
    const length = bytes.length;
    const head = bytes[0];
    const tail = bytes.subarray(1);
    if (length === comp && (head === 2 || head === 3)) {
      const x = Fp3.fromBytes(tail);
      if (!Fp3.isValid(x))
        throw new Error("bad point: is not on curve, wrong x");
      const y2 = weierstrassEquation(x);
      let y;
      try {
        y = Fp3.sqrt(y2);
      } catch (sqrtError) {
        const err2 = sqrtError instanceof Error ? ": " + sqrtError.message : "";
        throw new Error("bad point: is not on curve, sqrt error" + err2);
      }
      assertCompressionIsSupported();
      const evenY = Fp3.isOdd(y);
      const evenH = (head & 1) === 1;
      if (evenH !== evenY)
        y = Fp3.neg(y);
      return { x, y };
    } else if (length === uncomp && head === 4) {
      const L = Fp3.BYTES;
      const x = Fp3.fromBytes(tail.subarray(0, L));
      const y = Fp3.fromBytes(tail.subarray(L, L * 2));
      if (!isValidXY(x, y))
        throw new Error("bad point: is not on curve");
      return { x, y };
    } else {
      throw new Error(`bad point: got length ${length}, expected compressed=${comp} or uncompressed=${uncomp}`);
    }
  }
  const encodePoint = extraOpts.toBytes || pointToBytes;
  const decodePoint = extraOpts.fromBytes || pointFromBytes;
  function weierstrassEquation(x) {
    const x2 = Fp3.sqr(x);
    const x3 = Fp3.mul(x2, x);
    return Fp3.add(Fp3.add(x3, Fp3.mul(x, CURVE.a)), CURVE.b);
  }
  function isValidXY(x, y) {
    const left = Fp3.sqr(y);
    const right = weierstrassEquation(x);
    return Fp3.eql(left, right);
  }
  if (!isValidXY(CURVE.Gx, CURVE.Gy))
    throw new Error("bad curve params: generator point");
  const _4a3 = Fp3.mul(Fp3.pow(CURVE.a, _3n2), _4n2);
  const _27b2 = Fp3.mul(Fp3.sqr(CURVE.b), BigInt(27));
  if (Fp3.is0(Fp3.add(_4a3, _27b2)))
    throw new Error("bad curve params: a or b");
  function acoord(title, n, banZero = false) {
    if (!Fp3.isValid(n) || banZero && Fp3.is0(n))
      throw new Error(`bad point coordinate ${title}`);
    return n;
  }
  function aprjpoint(other) {
    if (!(other instanceof Point))
      throw new Error("Weierstrass Point expected");
  }
  function splitEndoScalarN(k) {
    if (!endo || !endo.basises)
      throw new Error("no endo");
    return _splitEndoScalar(k, endo.basises, Fn.ORDER);
  }
  const toAffineMemo = memoized((p, iz) => {
    const { X, Y, Z } = p;
    if (Fp3.eql(Z, Fp3.ONE))
      return { x: X, y: Y };
    const is0 = p.is0();
    if (iz == null)
      iz = is0 ? Fp3.ONE : Fp3.inv(Z);
    const x = Fp3.mul(X, iz);
    const y = Fp3.mul(Y, iz);
    const zz = Fp3.mul(Z, iz);
    if (is0)
      return { x: Fp3.ZERO, y: Fp3.ZERO };
    if (!Fp3.eql(zz, Fp3.ONE))
      throw new Error("invZ was invalid");
    return { x, y };
  });
  const assertValidMemo = memoized((p) => {
    if (p.is0()) {
      if (extraOpts.allowInfinityPoint && !Fp3.is0(p.Y))
        return;
      throw new Error("bad point: ZERO");
    }
    const { x, y } = p.toAffine();
    if (!Fp3.isValid(x) || !Fp3.isValid(y))
      throw new Error("bad point: x or y not field elements");
    if (!isValidXY(x, y))
      throw new Error("bad point: equation left != right");
    if (!p.isTorsionFree())
      throw new Error("bad point: not in prime-order subgroup");
    return true;
  });
  function finishEndo(endoBeta, k1p, k2p, k1neg, k2neg) {
    k2p = new Point(Fp3.mul(k2p.X, endoBeta), k2p.Y, k2p.Z);
    k1p = negateCt(k1neg, k1p);
    k2p = negateCt(k2neg, k2p);
    return k1p.add(k2p);
  }
  class Point {
    // base / generator point
    static BASE = new Point(CURVE.Gx, CURVE.Gy, Fp3.ONE);
    // zero / infinity / identity point
    static ZERO = new Point(Fp3.ZERO, Fp3.ONE, Fp3.ZERO);
    // 0, 1, 0
    // math field
    static Fp = Fp3;
    // scalar field
    static Fn = Fn;
    X;
    Y;
    Z;
    /** Does NOT validate if the point is valid. Use `.assertValidity()`. */
    constructor(X, Y, Z) {
      this.X = acoord("x", X);
      this.Y = acoord("y", Y, true);
      this.Z = acoord("z", Z);
      Object.freeze(this);
    }
    static CURVE() {
      return CURVE;
    }
    /** Does NOT validate if the point is valid. Use `.assertValidity()`. */
    static fromAffine(p) {
      const { x, y } = p || {};
      if (!p || !Fp3.isValid(x) || !Fp3.isValid(y))
        throw new Error("invalid affine point");
      if (p instanceof Point)
        throw new Error("projective point not allowed");
      if (Fp3.is0(x) && Fp3.is0(y))
        return Point.ZERO;
      return new Point(x, y, Fp3.ONE);
    }
    static fromBytes(bytes) {
      const P3 = Point.fromAffine(decodePoint(abytes4(bytes, void 0, "point")));
      P3.assertValidity();
      return P3;
    }
    static fromHex(hex) {
      return Point.fromBytes(hexToBytes2(hex));
    }
    get x() {
      return this.toAffine().x;
    }
    get y() {
      return this.toAffine().y;
    }
    /**
     *
     * @param windowSize
     * @param isLazy true will defer table computation until the first multiplication
     * @returns
     */
    precompute(windowSize = 8, isLazy = true) {
      wnaf.createCache(this, windowSize);
      if (!isLazy)
        this.multiply(_3n2);
      return this;
    }
    // TODO: return `this`
    /** A point on curve is valid if it conforms to equation. */
    assertValidity() {
      assertValidMemo(this);
    }
    hasEvenY() {
      const { y } = this.toAffine();
      if (!Fp3.isOdd)
        throw new Error("Field doesn't support isOdd");
      return !Fp3.isOdd(y);
    }
    /** Compare one point to another. */
    equals(other) {
      aprjpoint(other);
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const { X: X2, Y: Y2, Z: Z2 } = other;
      const U1 = Fp3.eql(Fp3.mul(X1, Z2), Fp3.mul(X2, Z1));
      const U2 = Fp3.eql(Fp3.mul(Y1, Z2), Fp3.mul(Y2, Z1));
      return U1 && U2;
    }
    /** Flips point to one corresponding to (x, -y) in Affine coordinates. */
    negate() {
      return new Point(this.X, Fp3.neg(this.Y), this.Z);
    }
    // Renes-Costello-Batina exception-free doubling formula.
    // There is 30% faster Jacobian formula, but it is not complete.
    // https://eprint.iacr.org/2015/1060, algorithm 3
    // Cost: 8M + 3S + 3*a + 2*b3 + 15add.
    double() {
      const { a, b } = CURVE;
      const b3 = Fp3.mul(b, _3n2);
      const { X: X1, Y: Y1, Z: Z1 } = this;
      let X3 = Fp3.ZERO, Y3 = Fp3.ZERO, Z3 = Fp3.ZERO;
      let t0 = Fp3.mul(X1, X1);
      let t1 = Fp3.mul(Y1, Y1);
      let t2 = Fp3.mul(Z1, Z1);
      let t3 = Fp3.mul(X1, Y1);
      t3 = Fp3.add(t3, t3);
      Z3 = Fp3.mul(X1, Z1);
      Z3 = Fp3.add(Z3, Z3);
      X3 = Fp3.mul(a, Z3);
      Y3 = Fp3.mul(b3, t2);
      Y3 = Fp3.add(X3, Y3);
      X3 = Fp3.sub(t1, Y3);
      Y3 = Fp3.add(t1, Y3);
      Y3 = Fp3.mul(X3, Y3);
      X3 = Fp3.mul(t3, X3);
      Z3 = Fp3.mul(b3, Z3);
      t2 = Fp3.mul(a, t2);
      t3 = Fp3.sub(t0, t2);
      t3 = Fp3.mul(a, t3);
      t3 = Fp3.add(t3, Z3);
      Z3 = Fp3.add(t0, t0);
      t0 = Fp3.add(Z3, t0);
      t0 = Fp3.add(t0, t2);
      t0 = Fp3.mul(t0, t3);
      Y3 = Fp3.add(Y3, t0);
      t2 = Fp3.mul(Y1, Z1);
      t2 = Fp3.add(t2, t2);
      t0 = Fp3.mul(t2, t3);
      X3 = Fp3.sub(X3, t0);
      Z3 = Fp3.mul(t2, t1);
      Z3 = Fp3.add(Z3, Z3);
      Z3 = Fp3.add(Z3, Z3);
      return new Point(X3, Y3, Z3);
    }
    // Renes-Costello-Batina exception-free addition formula.
    // There is 30% faster Jacobian formula, but it is not complete.
    // https://eprint.iacr.org/2015/1060, algorithm 1
    // Cost: 12M + 0S + 3*a + 3*b3 + 23add.
    add(other) {
      aprjpoint(other);
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const { X: X2, Y: Y2, Z: Z2 } = other;
      let X3 = Fp3.ZERO, Y3 = Fp3.ZERO, Z3 = Fp3.ZERO;
      const a = CURVE.a;
      const b3 = Fp3.mul(CURVE.b, _3n2);
      let t0 = Fp3.mul(X1, X2);
      let t1 = Fp3.mul(Y1, Y2);
      let t2 = Fp3.mul(Z1, Z2);
      let t3 = Fp3.add(X1, Y1);
      let t4 = Fp3.add(X2, Y2);
      t3 = Fp3.mul(t3, t4);
      t4 = Fp3.add(t0, t1);
      t3 = Fp3.sub(t3, t4);
      t4 = Fp3.add(X1, Z1);
      let t5 = Fp3.add(X2, Z2);
      t4 = Fp3.mul(t4, t5);
      t5 = Fp3.add(t0, t2);
      t4 = Fp3.sub(t4, t5);
      t5 = Fp3.add(Y1, Z1);
      X3 = Fp3.add(Y2, Z2);
      t5 = Fp3.mul(t5, X3);
      X3 = Fp3.add(t1, t2);
      t5 = Fp3.sub(t5, X3);
      Z3 = Fp3.mul(a, t4);
      X3 = Fp3.mul(b3, t2);
      Z3 = Fp3.add(X3, Z3);
      X3 = Fp3.sub(t1, Z3);
      Z3 = Fp3.add(t1, Z3);
      Y3 = Fp3.mul(X3, Z3);
      t1 = Fp3.add(t0, t0);
      t1 = Fp3.add(t1, t0);
      t2 = Fp3.mul(a, t2);
      t4 = Fp3.mul(b3, t4);
      t1 = Fp3.add(t1, t2);
      t2 = Fp3.sub(t0, t2);
      t2 = Fp3.mul(a, t2);
      t4 = Fp3.add(t4, t2);
      t0 = Fp3.mul(t1, t4);
      Y3 = Fp3.add(Y3, t0);
      t0 = Fp3.mul(t5, t4);
      X3 = Fp3.mul(t3, X3);
      X3 = Fp3.sub(X3, t0);
      t0 = Fp3.mul(t3, t1);
      Z3 = Fp3.mul(t5, Z3);
      Z3 = Fp3.add(Z3, t0);
      return new Point(X3, Y3, Z3);
    }
    subtract(other) {
      return this.add(other.negate());
    }
    is0() {
      return this.equals(Point.ZERO);
    }
    /**
     * Constant time multiplication.
     * Uses wNAF method. Windowed method may be 10% faster,
     * but takes 2x longer to generate and consumes 2x memory.
     * Uses precomputes when available.
     * Uses endomorphism for Koblitz curves.
     * @param scalar by which the point would be multiplied
     * @returns New point
     */
    multiply(scalar) {
      const { endo: endo2 } = extraOpts;
      if (!Fn.isValidNot0(scalar))
        throw new Error("invalid scalar: out of range");
      let point, fake;
      const mul = (n) => wnaf.cached(this, n, (p) => normalizeZ(Point, p));
      if (endo2) {
        const { k1neg, k1, k2neg, k2 } = splitEndoScalarN(scalar);
        const { p: k1p, f: k1f } = mul(k1);
        const { p: k2p, f: k2f } = mul(k2);
        fake = k1f.add(k2f);
        point = finishEndo(endo2.beta, k1p, k2p, k1neg, k2neg);
      } else {
        const { p, f } = mul(scalar);
        point = p;
        fake = f;
      }
      return normalizeZ(Point, [point, fake])[0];
    }
    /**
     * Non-constant-time multiplication. Uses double-and-add algorithm.
     * It's faster, but should only be used when you don't care about
     * an exposed secret key e.g. sig verification, which works over *public* keys.
     */
    multiplyUnsafe(sc) {
      const { endo: endo2 } = extraOpts;
      const p = this;
      if (!Fn.isValid(sc))
        throw new Error("invalid scalar: out of range");
      if (sc === _0n5 || p.is0())
        return Point.ZERO;
      if (sc === _1n5)
        return p;
      if (wnaf.hasCache(this))
        return this.multiply(sc);
      if (endo2) {
        const { k1neg, k1, k2neg, k2 } = splitEndoScalarN(sc);
        const { p1, p2 } = mulEndoUnsafe(Point, p, k1, k2);
        return finishEndo(endo2.beta, p1, p2, k1neg, k2neg);
      } else {
        return wnaf.unsafe(p, sc);
      }
    }
    /**
     * Converts Projective point to affine (x, y) coordinates.
     * @param invertedZ Z^-1 (inverted zero) - optional, precomputation is useful for invertBatch
     */
    toAffine(invertedZ) {
      return toAffineMemo(this, invertedZ);
    }
    /**
     * Checks whether Point is free of torsion elements (is in prime subgroup).
     * Always torsion-free for cofactor=1 curves.
     */
    isTorsionFree() {
      const { isTorsionFree } = extraOpts;
      if (cofactor === _1n5)
        return true;
      if (isTorsionFree)
        return isTorsionFree(Point, this);
      return wnaf.unsafe(this, CURVE_ORDER).is0();
    }
    clearCofactor() {
      const { clearCofactor } = extraOpts;
      if (cofactor === _1n5)
        return this;
      if (clearCofactor)
        return clearCofactor(Point, this);
      return this.multiplyUnsafe(cofactor);
    }
    isSmallOrder() {
      return this.multiplyUnsafe(cofactor).is0();
    }
    toBytes(isCompressed = true) {
      abool2(isCompressed, "isCompressed");
      this.assertValidity();
      return encodePoint(Point, this, isCompressed);
    }
    toHex(isCompressed = true) {
      return bytesToHex2(this.toBytes(isCompressed));
    }
    toString() {
      return `<Point ${this.is0() ? "ZERO" : this.toHex()}>`;
    }
  }
  const bits = Fn.BITS;
  const wnaf = new wNAF(Point, extraOpts.endo ? Math.ceil(bits / 2) : bits);
  Point.BASE.precompute(8);
  return Point;
}
function pprefix(hasEvenY) {
  return Uint8Array.of(hasEvenY ? 2 : 3);
}
function getWLengths(Fp3, Fn) {
  return {
    secretKey: Fn.BYTES,
    publicKey: 1 + Fp3.BYTES,
    publicKeyUncompressed: 1 + 2 * Fp3.BYTES,
    publicKeyHasPrefix: true,
    signature: 2 * Fn.BYTES
  };
}
function ecdh(Point, ecdhOpts = {}) {
  const { Fn } = Point;
  const randomBytes_ = ecdhOpts.randomBytes || randomBytes3;
  const lengths = Object.assign(getWLengths(Point.Fp, Fn), { seed: getMinHashLength(Fn.ORDER) });
  function isValidSecretKey(secretKey) {
    try {
      const num = Fn.fromBytes(secretKey);
      return Fn.isValidNot0(num);
    } catch (error) {
      return false;
    }
  }
  function isValidPublicKey(publicKey, isCompressed) {
    const { publicKey: comp, publicKeyUncompressed } = lengths;
    try {
      const l = publicKey.length;
      if (isCompressed === true && l !== comp)
        return false;
      if (isCompressed === false && l !== publicKeyUncompressed)
        return false;
      return !!Point.fromBytes(publicKey);
    } catch (error) {
      return false;
    }
  }
  function randomSecretKey(seed = randomBytes_(lengths.seed)) {
    return mapHashToField(abytes4(seed, lengths.seed, "seed"), Fn.ORDER);
  }
  function getPublicKey(secretKey, isCompressed = true) {
    return Point.BASE.multiply(Fn.fromBytes(secretKey)).toBytes(isCompressed);
  }
  function isProbPub(item) {
    const { secretKey, publicKey, publicKeyUncompressed } = lengths;
    if (!isBytes4(item))
      return void 0;
    if ("_lengths" in Fn && Fn._lengths || secretKey === publicKey)
      return void 0;
    const l = abytes4(item, void 0, "key").length;
    return l === publicKey || l === publicKeyUncompressed;
  }
  function getSharedSecret(secretKeyA, publicKeyB, isCompressed = true) {
    if (isProbPub(secretKeyA) === true)
      throw new Error("first arg must be private key");
    if (isProbPub(publicKeyB) === false)
      throw new Error("second arg must be public key");
    const s = Fn.fromBytes(secretKeyA);
    const b = Point.fromBytes(publicKeyB);
    return b.multiply(s).toBytes(isCompressed);
  }
  const utils = {
    isValidSecretKey,
    isValidPublicKey,
    randomSecretKey
  };
  const keygen = createKeygen(randomSecretKey, getPublicKey);
  return Object.freeze({ getPublicKey, getSharedSecret, keygen, Point, utils, lengths });
}
function ecdsa(Point, hash, ecdsaOpts = {}) {
  ahash2(hash);
  validateObject(ecdsaOpts, {}, {
    hmac: "function",
    lowS: "boolean",
    randomBytes: "function",
    bits2int: "function",
    bits2int_modN: "function"
  });
  ecdsaOpts = Object.assign({}, ecdsaOpts);
  const randomBytes7 = ecdsaOpts.randomBytes || randomBytes3;
  const hmac3 = ecdsaOpts.hmac || ((key, msg) => hmac2(hash, key, msg));
  const { Fp: Fp3, Fn } = Point;
  const { ORDER: CURVE_ORDER, BITS: fnBits } = Fn;
  const { keygen, getPublicKey, getSharedSecret, utils, lengths } = ecdh(Point, ecdsaOpts);
  const defaultSigOpts = {
    prehash: true,
    lowS: typeof ecdsaOpts.lowS === "boolean" ? ecdsaOpts.lowS : true,
    format: "compact",
    extraEntropy: false
  };
  const hasLargeCofactor = CURVE_ORDER * _2n3 < Fp3.ORDER;
  function isBiggerThanHalfOrder(number) {
    const HALF = CURVE_ORDER >> _1n5;
    return number > HALF;
  }
  function validateRS(title, num) {
    if (!Fn.isValidNot0(num))
      throw new Error(`invalid signature ${title}: out of range 1..Point.Fn.ORDER`);
    return num;
  }
  function assertSmallCofactor() {
    if (hasLargeCofactor)
      throw new Error('"recovered" sig type is not supported for cofactor >2 curves');
  }
  function validateSigLength(bytes, format) {
    validateSigFormat(format);
    const size = lengths.signature;
    const sizer = format === "compact" ? size : format === "recovered" ? size + 1 : void 0;
    return abytes4(bytes, sizer);
  }
  class Signature {
    r;
    s;
    recovery;
    constructor(r, s, recovery) {
      this.r = validateRS("r", r);
      this.s = validateRS("s", s);
      if (recovery != null) {
        assertSmallCofactor();
        if (![0, 1, 2, 3].includes(recovery))
          throw new Error("invalid recovery id");
        this.recovery = recovery;
      }
      Object.freeze(this);
    }
    static fromBytes(bytes, format = defaultSigOpts.format) {
      validateSigLength(bytes, format);
      let recid;
      if (format === "der") {
        const { r: r2, s: s2 } = DER.toSig(abytes4(bytes));
        return new Signature(r2, s2);
      }
      if (format === "recovered") {
        recid = bytes[0];
        format = "compact";
        bytes = bytes.subarray(1);
      }
      const L = lengths.signature / 2;
      const r = bytes.subarray(0, L);
      const s = bytes.subarray(L, L * 2);
      return new Signature(Fn.fromBytes(r), Fn.fromBytes(s), recid);
    }
    static fromHex(hex, format) {
      return this.fromBytes(hexToBytes2(hex), format);
    }
    assertRecovery() {
      const { recovery } = this;
      if (recovery == null)
        throw new Error("invalid recovery id: must be present");
      return recovery;
    }
    addRecoveryBit(recovery) {
      return new Signature(this.r, this.s, recovery);
    }
    recoverPublicKey(messageHash) {
      const { r, s } = this;
      const recovery = this.assertRecovery();
      const radj = recovery === 2 || recovery === 3 ? r + CURVE_ORDER : r;
      if (!Fp3.isValid(radj))
        throw new Error("invalid recovery id: sig.r+curve.n != R.x");
      const x = Fp3.toBytes(radj);
      const R2 = Point.fromBytes(concatBytes2(pprefix((recovery & 1) === 0), x));
      const ir = Fn.inv(radj);
      const h = bits2int_modN(abytes4(messageHash, void 0, "msgHash"));
      const u1 = Fn.create(-h * ir);
      const u2 = Fn.create(s * ir);
      const Q2 = Point.BASE.multiplyUnsafe(u1).add(R2.multiplyUnsafe(u2));
      if (Q2.is0())
        throw new Error("invalid recovery: point at infinify");
      Q2.assertValidity();
      return Q2;
    }
    // Signatures should be low-s, to prevent malleability.
    hasHighS() {
      return isBiggerThanHalfOrder(this.s);
    }
    toBytes(format = defaultSigOpts.format) {
      validateSigFormat(format);
      if (format === "der")
        return hexToBytes2(DER.hexFromSig(this));
      const { r, s } = this;
      const rb = Fn.toBytes(r);
      const sb = Fn.toBytes(s);
      if (format === "recovered") {
        assertSmallCofactor();
        return concatBytes2(Uint8Array.of(this.assertRecovery()), rb, sb);
      }
      return concatBytes2(rb, sb);
    }
    toHex(format) {
      return bytesToHex2(this.toBytes(format));
    }
  }
  const bits2int = ecdsaOpts.bits2int || function bits2int_def(bytes) {
    if (bytes.length > 8192)
      throw new Error("input is too large");
    const num = bytesToNumberBE(bytes);
    const delta = bytes.length * 8 - fnBits;
    return delta > 0 ? num >> BigInt(delta) : num;
  };
  const bits2int_modN = ecdsaOpts.bits2int_modN || function bits2int_modN_def(bytes) {
    return Fn.create(bits2int(bytes));
  };
  const ORDER_MASK = bitMask(fnBits);
  function int2octets(num) {
    aInRange("num < 2^" + fnBits, num, _0n5, ORDER_MASK);
    return Fn.toBytes(num);
  }
  function validateMsgAndHash(message, prehash) {
    abytes4(message, void 0, "message");
    return prehash ? abytes4(hash(message), void 0, "prehashed message") : message;
  }
  function prepSig(message, secretKey, opts2) {
    const { lowS, prehash, extraEntropy } = validateSigOpts(opts2, defaultSigOpts);
    message = validateMsgAndHash(message, prehash);
    const h1int = bits2int_modN(message);
    const d = Fn.fromBytes(secretKey);
    if (!Fn.isValidNot0(d))
      throw new Error("invalid private key");
    const seedArgs = [int2octets(d), int2octets(h1int)];
    if (extraEntropy != null && extraEntropy !== false) {
      const e = extraEntropy === true ? randomBytes7(lengths.secretKey) : extraEntropy;
      seedArgs.push(abytes4(e, void 0, "extraEntropy"));
    }
    const seed = concatBytes2(...seedArgs);
    const m = h1int;
    function k2sig(kBytes) {
      const k = bits2int(kBytes);
      if (!Fn.isValidNot0(k))
        return;
      const ik = Fn.inv(k);
      const q = Point.BASE.multiply(k).toAffine();
      const r = Fn.create(q.x);
      if (r === _0n5)
        return;
      const s = Fn.create(ik * Fn.create(m + r * d));
      if (s === _0n5)
        return;
      let recovery = (q.x === r ? 0 : 2) | Number(q.y & _1n5);
      let normS = s;
      if (lowS && isBiggerThanHalfOrder(s)) {
        normS = Fn.neg(s);
        recovery ^= 1;
      }
      return new Signature(r, normS, hasLargeCofactor ? void 0 : recovery);
    }
    return { seed, k2sig };
  }
  function sign2(message, secretKey, opts2 = {}) {
    const { seed, k2sig } = prepSig(message, secretKey, opts2);
    const drbg = createHmacDrbg(hash.outputLen, Fn.BYTES, hmac3);
    const sig = drbg(seed, k2sig);
    return sig.toBytes(opts2.format);
  }
  function verify(signature, message, publicKey, opts2 = {}) {
    const { lowS, prehash, format } = validateSigOpts(opts2, defaultSigOpts);
    publicKey = abytes4(publicKey, void 0, "publicKey");
    message = validateMsgAndHash(message, prehash);
    if (!isBytes4(signature)) {
      const end = signature instanceof Signature ? ", use sig.toBytes()" : "";
      throw new Error("verify expects Uint8Array signature" + end);
    }
    validateSigLength(signature, format);
    try {
      const sig = Signature.fromBytes(signature, format);
      const P3 = Point.fromBytes(publicKey);
      if (lowS && sig.hasHighS())
        return false;
      const { r, s } = sig;
      const h = bits2int_modN(message);
      const is = Fn.inv(s);
      const u1 = Fn.create(h * is);
      const u2 = Fn.create(r * is);
      const R2 = Point.BASE.multiplyUnsafe(u1).add(P3.multiplyUnsafe(u2));
      if (R2.is0())
        return false;
      const v = Fn.create(R2.x);
      return v === r;
    } catch (e) {
      return false;
    }
  }
  function recoverPublicKey(signature, message, opts2 = {}) {
    const { prehash } = validateSigOpts(opts2, defaultSigOpts);
    message = validateMsgAndHash(message, prehash);
    return Signature.fromBytes(signature, "recovered").recoverPublicKey(message).toBytes();
  }
  return Object.freeze({
    keygen,
    getPublicKey,
    getSharedSecret,
    utils,
    lengths,
    Point,
    sign: sign2,
    verify,
    recoverPublicKey,
    Signature,
    hash
  });
}
var divNearest, DERErr, DER, _0n5, _1n5, _2n3, _3n2, _4n2;
var init_weierstrass = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/weierstrass.js"() {
    init_hmac2();
    init_utils3();
    init_utils4();
    init_curve();
    init_modular();
    divNearest = (num, den) => (num + (num >= 0 ? den : -den) / _2n3) / den;
    DERErr = class extends Error {
      constructor(m = "") {
        super(m);
      }
    };
    DER = {
      // asn.1 DER encoding utils
      Err: DERErr,
      // Basic building block is TLV (Tag-Length-Value)
      _tlv: {
        encode: (tag, data) => {
          const { Err: E } = DER;
          if (tag < 0 || tag > 256)
            throw new E("tlv.encode: wrong tag");
          if (data.length & 1)
            throw new E("tlv.encode: unpadded data");
          const dataLen = data.length / 2;
          const len2 = numberToHexUnpadded(dataLen);
          if (len2.length / 2 & 128)
            throw new E("tlv.encode: long form length too big");
          const lenLen = dataLen > 127 ? numberToHexUnpadded(len2.length / 2 | 128) : "";
          const t = numberToHexUnpadded(tag);
          return t + lenLen + len2 + data;
        },
        // v - value, l - left bytes (unparsed)
        decode(tag, data) {
          const { Err: E } = DER;
          let pos = 0;
          if (tag < 0 || tag > 256)
            throw new E("tlv.encode: wrong tag");
          if (data.length < 2 || data[pos++] !== tag)
            throw new E("tlv.decode: wrong tlv");
          const first = data[pos++];
          const isLong = !!(first & 128);
          let length = 0;
          if (!isLong)
            length = first;
          else {
            const lenLen = first & 127;
            if (!lenLen)
              throw new E("tlv.decode(long): indefinite length not supported");
            if (lenLen > 4)
              throw new E("tlv.decode(long): byte length is too big");
            const lengthBytes = data.subarray(pos, pos + lenLen);
            if (lengthBytes.length !== lenLen)
              throw new E("tlv.decode: length bytes not complete");
            if (lengthBytes[0] === 0)
              throw new E("tlv.decode(long): zero leftmost byte");
            for (const b of lengthBytes)
              length = length << 8 | b;
            pos += lenLen;
            if (length < 128)
              throw new E("tlv.decode(long): not minimal encoding");
          }
          const v = data.subarray(pos, pos + length);
          if (v.length !== length)
            throw new E("tlv.decode: wrong value length");
          return { v, l: data.subarray(pos + length) };
        }
      },
      // https://crypto.stackexchange.com/a/57734 Leftmost bit of first byte is 'negative' flag,
      // since we always use positive integers here. It must always be empty:
      // - add zero byte if exists
      // - if next byte doesn't have a flag, leading zero is not allowed (minimal encoding)
      _int: {
        encode(num) {
          const { Err: E } = DER;
          if (num < _0n5)
            throw new E("integer: negative integers are not allowed");
          let hex = numberToHexUnpadded(num);
          if (Number.parseInt(hex[0], 16) & 8)
            hex = "00" + hex;
          if (hex.length & 1)
            throw new E("unexpected DER parsing assertion: unpadded hex");
          return hex;
        },
        decode(data) {
          const { Err: E } = DER;
          if (data[0] & 128)
            throw new E("invalid signature integer: negative");
          if (data[0] === 0 && !(data[1] & 128))
            throw new E("invalid signature integer: unnecessary leading zero");
          return bytesToNumberBE(data);
        }
      },
      toSig(bytes) {
        const { Err: E, _int: int, _tlv: tlv2 } = DER;
        const data = abytes4(bytes, void 0, "signature");
        const { v: seqBytes, l: seqLeftBytes } = tlv2.decode(48, data);
        if (seqLeftBytes.length)
          throw new E("invalid signature: left bytes after parsing");
        const { v: rBytes, l: rLeftBytes } = tlv2.decode(2, seqBytes);
        const { v: sBytes, l: sLeftBytes } = tlv2.decode(2, rLeftBytes);
        if (sLeftBytes.length)
          throw new E("invalid signature: left bytes after parsing");
        return { r: int.decode(rBytes), s: int.decode(sBytes) };
      },
      hexFromSig(sig) {
        const { _tlv: tlv2, _int: int } = DER;
        const rs = tlv2.encode(2, int.encode(sig.r));
        const ss = tlv2.encode(2, int.encode(sig.s));
        const seq = rs + ss;
        return tlv2.encode(48, seq);
      }
    };
    _0n5 = BigInt(0);
    _1n5 = BigInt(1);
    _2n3 = BigInt(2);
    _3n2 = BigInt(3);
    _4n2 = BigInt(4);
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/_md.js
function Chi2(a, b, c) {
  return a & b ^ ~a & c;
}
function Maj2(a, b, c) {
  return a & b ^ a & c ^ b & c;
}
var HashMD2, SHA256_IV2, SHA384_IV2;
var init_md2 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/_md.js"() {
    init_utils3();
    HashMD2 = class {
      blockLen;
      outputLen;
      padOffset;
      isLE;
      // For partial updates less than block size
      buffer;
      view;
      finished = false;
      length = 0;
      pos = 0;
      destroyed = false;
      constructor(blockLen, outputLen, padOffset, isLE4) {
        this.blockLen = blockLen;
        this.outputLen = outputLen;
        this.padOffset = padOffset;
        this.isLE = isLE4;
        this.buffer = new Uint8Array(blockLen);
        this.view = createView3(this.buffer);
      }
      update(data) {
        aexists3(this);
        abytes4(data);
        const { view, buffer, blockLen } = this;
        const len2 = data.length;
        for (let pos = 0; pos < len2; ) {
          const take = Math.min(blockLen - this.pos, len2 - pos);
          if (take === blockLen) {
            const dataView = createView3(data);
            for (; blockLen <= len2 - pos; pos += blockLen)
              this.process(dataView, pos);
            continue;
          }
          buffer.set(data.subarray(pos, pos + take), this.pos);
          this.pos += take;
          pos += take;
          if (this.pos === blockLen) {
            this.process(view, 0);
            this.pos = 0;
          }
        }
        this.length += data.length;
        this.roundClean();
        return this;
      }
      digestInto(out2) {
        aexists3(this);
        aoutput3(out2, this);
        this.finished = true;
        const { buffer, view, blockLen, isLE: isLE4 } = this;
        let { pos } = this;
        buffer[pos++] = 128;
        clean3(this.buffer.subarray(pos));
        if (this.padOffset > blockLen - pos) {
          this.process(view, 0);
          pos = 0;
        }
        for (let i = pos; i < blockLen; i++)
          buffer[i] = 0;
        view.setBigUint64(blockLen - 8, BigInt(this.length * 8), isLE4);
        this.process(view, 0);
        const oview = createView3(out2);
        const len2 = this.outputLen;
        if (len2 % 4)
          throw new Error("_sha2: outputLen must be aligned to 32bit");
        const outLen = len2 / 4;
        const state = this.get();
        if (outLen > state.length)
          throw new Error("_sha2: outputLen bigger than state");
        for (let i = 0; i < outLen; i++)
          oview.setUint32(4 * i, state[i], isLE4);
      }
      digest() {
        const { buffer, outputLen } = this;
        this.digestInto(buffer);
        const res = buffer.slice(0, outputLen);
        this.destroy();
        return res;
      }
      _cloneInto(to) {
        to ||= new this.constructor();
        to.set(...this.get());
        const { blockLen, buffer, length, finished: finished2, destroyed, pos } = this;
        to.destroyed = destroyed;
        to.finished = finished2;
        to.length = length;
        to.pos = pos;
        if (length % blockLen)
          to.buffer.set(buffer);
        return to;
      }
      clone() {
        return this._cloneInto();
      }
    };
    SHA256_IV2 = /* @__PURE__ */ Uint32Array.from([
      1779033703,
      3144134277,
      1013904242,
      2773480762,
      1359893119,
      2600822924,
      528734635,
      1541459225
    ]);
    SHA384_IV2 = /* @__PURE__ */ Uint32Array.from([
      3418070365,
      3238371032,
      1654270250,
      914150663,
      2438529370,
      812702999,
      355462360,
      4144912697,
      1731405415,
      4290775857,
      2394180231,
      1750603025,
      3675008525,
      1694076839,
      1203062813,
      3204075428
    ]);
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/_u64.js
function fromBig(n, le = false) {
  if (le)
    return { h: Number(n & U32_MASK64), l: Number(n >> _32n & U32_MASK64) };
  return { h: Number(n >> _32n & U32_MASK64) | 0, l: Number(n & U32_MASK64) | 0 };
}
function split(lst, le = false) {
  const len2 = lst.length;
  let Ah = new Uint32Array(len2);
  let Al = new Uint32Array(len2);
  for (let i = 0; i < len2; i++) {
    const { h, l } = fromBig(lst[i], le);
    [Ah[i], Al[i]] = [h, l];
  }
  return [Ah, Al];
}
function add(Ah, Al, Bh, Bl) {
  const l = (Al >>> 0) + (Bl >>> 0);
  return { h: Ah + Bh + (l / 2 ** 32 | 0) | 0, l: l | 0 };
}
var U32_MASK64, _32n, shrSH, shrSL, rotrSH, rotrSL, rotrBH, rotrBL, rotlSH, rotlSL, rotlBH, rotlBL, add3L, add3H, add4L, add4H, add5L, add5H;
var init_u642 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/_u64.js"() {
    U32_MASK64 = /* @__PURE__ */ BigInt(2 ** 32 - 1);
    _32n = /* @__PURE__ */ BigInt(32);
    shrSH = (h, _l, s) => h >>> s;
    shrSL = (h, l, s) => h << 32 - s | l >>> s;
    rotrSH = (h, l, s) => h >>> s | l << 32 - s;
    rotrSL = (h, l, s) => h << 32 - s | l >>> s;
    rotrBH = (h, l, s) => h << 64 - s | l >>> s - 32;
    rotrBL = (h, l, s) => h >>> s - 32 | l << 64 - s;
    rotlSH = (h, l, s) => h << s | l >>> 32 - s;
    rotlSL = (h, l, s) => l << s | h >>> 32 - s;
    rotlBH = (h, l, s) => l << s - 32 | h >>> 64 - s;
    rotlBL = (h, l, s) => h << s - 32 | l >>> 64 - s;
    add3L = (Al, Bl, Cl) => (Al >>> 0) + (Bl >>> 0) + (Cl >>> 0);
    add3H = (low, Ah, Bh, Ch) => Ah + Bh + Ch + (low / 2 ** 32 | 0) | 0;
    add4L = (Al, Bl, Cl, Dl) => (Al >>> 0) + (Bl >>> 0) + (Cl >>> 0) + (Dl >>> 0);
    add4H = (low, Ah, Bh, Ch, Dh) => Ah + Bh + Ch + Dh + (low / 2 ** 32 | 0) | 0;
    add5L = (Al, Bl, Cl, Dl, El) => (Al >>> 0) + (Bl >>> 0) + (Cl >>> 0) + (Dl >>> 0) + (El >>> 0);
    add5H = (low, Ah, Bh, Ch, Dh, Eh) => Ah + Bh + Ch + Dh + Eh + (low / 2 ** 32 | 0) | 0;
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/sha2.js
var SHA256_K2, SHA256_W2, SHA2_32B2, _SHA2562, K512, SHA512_Kh, SHA512_Kl, SHA512_W_H, SHA512_W_L, SHA2_64B, _SHA384, sha2562, sha384;
var init_sha22 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/sha2.js"() {
    init_md2();
    init_u642();
    init_utils3();
    SHA256_K2 = /* @__PURE__ */ Uint32Array.from([
      1116352408,
      1899447441,
      3049323471,
      3921009573,
      961987163,
      1508970993,
      2453635748,
      2870763221,
      3624381080,
      310598401,
      607225278,
      1426881987,
      1925078388,
      2162078206,
      2614888103,
      3248222580,
      3835390401,
      4022224774,
      264347078,
      604807628,
      770255983,
      1249150122,
      1555081692,
      1996064986,
      2554220882,
      2821834349,
      2952996808,
      3210313671,
      3336571891,
      3584528711,
      113926993,
      338241895,
      666307205,
      773529912,
      1294757372,
      1396182291,
      1695183700,
      1986661051,
      2177026350,
      2456956037,
      2730485921,
      2820302411,
      3259730800,
      3345764771,
      3516065817,
      3600352804,
      4094571909,
      275423344,
      430227734,
      506948616,
      659060556,
      883997877,
      958139571,
      1322822218,
      1537002063,
      1747873779,
      1955562222,
      2024104815,
      2227730452,
      2361852424,
      2428436474,
      2756734187,
      3204031479,
      3329325298
    ]);
    SHA256_W2 = /* @__PURE__ */ new Uint32Array(64);
    SHA2_32B2 = class extends HashMD2 {
      constructor(outputLen) {
        super(64, outputLen, 8, false);
      }
      get() {
        const { A, B: B2, C, D, E, F: F2, G, H } = this;
        return [A, B2, C, D, E, F2, G, H];
      }
      // prettier-ignore
      set(A, B2, C, D, E, F2, G, H) {
        this.A = A | 0;
        this.B = B2 | 0;
        this.C = C | 0;
        this.D = D | 0;
        this.E = E | 0;
        this.F = F2 | 0;
        this.G = G | 0;
        this.H = H | 0;
      }
      process(view, offset) {
        for (let i = 0; i < 16; i++, offset += 4)
          SHA256_W2[i] = view.getUint32(offset, false);
        for (let i = 16; i < 64; i++) {
          const W15 = SHA256_W2[i - 15];
          const W2 = SHA256_W2[i - 2];
          const s0 = rotr2(W15, 7) ^ rotr2(W15, 18) ^ W15 >>> 3;
          const s1 = rotr2(W2, 17) ^ rotr2(W2, 19) ^ W2 >>> 10;
          SHA256_W2[i] = s1 + SHA256_W2[i - 7] + s0 + SHA256_W2[i - 16] | 0;
        }
        let { A, B: B2, C, D, E, F: F2, G, H } = this;
        for (let i = 0; i < 64; i++) {
          const sigma1 = rotr2(E, 6) ^ rotr2(E, 11) ^ rotr2(E, 25);
          const T1 = H + sigma1 + Chi2(E, F2, G) + SHA256_K2[i] + SHA256_W2[i] | 0;
          const sigma0 = rotr2(A, 2) ^ rotr2(A, 13) ^ rotr2(A, 22);
          const T2 = sigma0 + Maj2(A, B2, C) | 0;
          H = G;
          G = F2;
          F2 = E;
          E = D + T1 | 0;
          D = C;
          C = B2;
          B2 = A;
          A = T1 + T2 | 0;
        }
        A = A + this.A | 0;
        B2 = B2 + this.B | 0;
        C = C + this.C | 0;
        D = D + this.D | 0;
        E = E + this.E | 0;
        F2 = F2 + this.F | 0;
        G = G + this.G | 0;
        H = H + this.H | 0;
        this.set(A, B2, C, D, E, F2, G, H);
      }
      roundClean() {
        clean3(SHA256_W2);
      }
      destroy() {
        this.set(0, 0, 0, 0, 0, 0, 0, 0);
        clean3(this.buffer);
      }
    };
    _SHA2562 = class extends SHA2_32B2 {
      // We cannot use array here since array allows indexing by variable
      // which means optimizer/compiler cannot use registers.
      A = SHA256_IV2[0] | 0;
      B = SHA256_IV2[1] | 0;
      C = SHA256_IV2[2] | 0;
      D = SHA256_IV2[3] | 0;
      E = SHA256_IV2[4] | 0;
      F = SHA256_IV2[5] | 0;
      G = SHA256_IV2[6] | 0;
      H = SHA256_IV2[7] | 0;
      constructor() {
        super(32);
      }
    };
    K512 = /* @__PURE__ */ (() => split([
      "0x428a2f98d728ae22",
      "0x7137449123ef65cd",
      "0xb5c0fbcfec4d3b2f",
      "0xe9b5dba58189dbbc",
      "0x3956c25bf348b538",
      "0x59f111f1b605d019",
      "0x923f82a4af194f9b",
      "0xab1c5ed5da6d8118",
      "0xd807aa98a3030242",
      "0x12835b0145706fbe",
      "0x243185be4ee4b28c",
      "0x550c7dc3d5ffb4e2",
      "0x72be5d74f27b896f",
      "0x80deb1fe3b1696b1",
      "0x9bdc06a725c71235",
      "0xc19bf174cf692694",
      "0xe49b69c19ef14ad2",
      "0xefbe4786384f25e3",
      "0x0fc19dc68b8cd5b5",
      "0x240ca1cc77ac9c65",
      "0x2de92c6f592b0275",
      "0x4a7484aa6ea6e483",
      "0x5cb0a9dcbd41fbd4",
      "0x76f988da831153b5",
      "0x983e5152ee66dfab",
      "0xa831c66d2db43210",
      "0xb00327c898fb213f",
      "0xbf597fc7beef0ee4",
      "0xc6e00bf33da88fc2",
      "0xd5a79147930aa725",
      "0x06ca6351e003826f",
      "0x142929670a0e6e70",
      "0x27b70a8546d22ffc",
      "0x2e1b21385c26c926",
      "0x4d2c6dfc5ac42aed",
      "0x53380d139d95b3df",
      "0x650a73548baf63de",
      "0x766a0abb3c77b2a8",
      "0x81c2c92e47edaee6",
      "0x92722c851482353b",
      "0xa2bfe8a14cf10364",
      "0xa81a664bbc423001",
      "0xc24b8b70d0f89791",
      "0xc76c51a30654be30",
      "0xd192e819d6ef5218",
      "0xd69906245565a910",
      "0xf40e35855771202a",
      "0x106aa07032bbd1b8",
      "0x19a4c116b8d2d0c8",
      "0x1e376c085141ab53",
      "0x2748774cdf8eeb99",
      "0x34b0bcb5e19b48a8",
      "0x391c0cb3c5c95a63",
      "0x4ed8aa4ae3418acb",
      "0x5b9cca4f7763e373",
      "0x682e6ff3d6b2b8a3",
      "0x748f82ee5defb2fc",
      "0x78a5636f43172f60",
      "0x84c87814a1f0ab72",
      "0x8cc702081a6439ec",
      "0x90befffa23631e28",
      "0xa4506cebde82bde9",
      "0xbef9a3f7b2c67915",
      "0xc67178f2e372532b",
      "0xca273eceea26619c",
      "0xd186b8c721c0c207",
      "0xeada7dd6cde0eb1e",
      "0xf57d4f7fee6ed178",
      "0x06f067aa72176fba",
      "0x0a637dc5a2c898a6",
      "0x113f9804bef90dae",
      "0x1b710b35131c471b",
      "0x28db77f523047d84",
      "0x32caab7b40c72493",
      "0x3c9ebe0a15c9bebc",
      "0x431d67c49c100d4c",
      "0x4cc5d4becb3e42b6",
      "0x597f299cfc657e2a",
      "0x5fcb6fab3ad6faec",
      "0x6c44198c4a475817"
    ].map((n) => BigInt(n))))();
    SHA512_Kh = /* @__PURE__ */ (() => K512[0])();
    SHA512_Kl = /* @__PURE__ */ (() => K512[1])();
    SHA512_W_H = /* @__PURE__ */ new Uint32Array(80);
    SHA512_W_L = /* @__PURE__ */ new Uint32Array(80);
    SHA2_64B = class extends HashMD2 {
      constructor(outputLen) {
        super(128, outputLen, 16, false);
      }
      // prettier-ignore
      get() {
        const { Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl } = this;
        return [Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl];
      }
      // prettier-ignore
      set(Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl) {
        this.Ah = Ah | 0;
        this.Al = Al | 0;
        this.Bh = Bh | 0;
        this.Bl = Bl | 0;
        this.Ch = Ch | 0;
        this.Cl = Cl | 0;
        this.Dh = Dh | 0;
        this.Dl = Dl | 0;
        this.Eh = Eh | 0;
        this.El = El | 0;
        this.Fh = Fh | 0;
        this.Fl = Fl | 0;
        this.Gh = Gh | 0;
        this.Gl = Gl | 0;
        this.Hh = Hh | 0;
        this.Hl = Hl | 0;
      }
      process(view, offset) {
        for (let i = 0; i < 16; i++, offset += 4) {
          SHA512_W_H[i] = view.getUint32(offset);
          SHA512_W_L[i] = view.getUint32(offset += 4);
        }
        for (let i = 16; i < 80; i++) {
          const W15h = SHA512_W_H[i - 15] | 0;
          const W15l = SHA512_W_L[i - 15] | 0;
          const s0h = rotrSH(W15h, W15l, 1) ^ rotrSH(W15h, W15l, 8) ^ shrSH(W15h, W15l, 7);
          const s0l = rotrSL(W15h, W15l, 1) ^ rotrSL(W15h, W15l, 8) ^ shrSL(W15h, W15l, 7);
          const W2h = SHA512_W_H[i - 2] | 0;
          const W2l = SHA512_W_L[i - 2] | 0;
          const s1h = rotrSH(W2h, W2l, 19) ^ rotrBH(W2h, W2l, 61) ^ shrSH(W2h, W2l, 6);
          const s1l = rotrSL(W2h, W2l, 19) ^ rotrBL(W2h, W2l, 61) ^ shrSL(W2h, W2l, 6);
          const SUMl = add4L(s0l, s1l, SHA512_W_L[i - 7], SHA512_W_L[i - 16]);
          const SUMh = add4H(SUMl, s0h, s1h, SHA512_W_H[i - 7], SHA512_W_H[i - 16]);
          SHA512_W_H[i] = SUMh | 0;
          SHA512_W_L[i] = SUMl | 0;
        }
        let { Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl } = this;
        for (let i = 0; i < 80; i++) {
          const sigma1h = rotrSH(Eh, El, 14) ^ rotrSH(Eh, El, 18) ^ rotrBH(Eh, El, 41);
          const sigma1l = rotrSL(Eh, El, 14) ^ rotrSL(Eh, El, 18) ^ rotrBL(Eh, El, 41);
          const CHIh = Eh & Fh ^ ~Eh & Gh;
          const CHIl = El & Fl ^ ~El & Gl;
          const T1ll = add5L(Hl, sigma1l, CHIl, SHA512_Kl[i], SHA512_W_L[i]);
          const T1h = add5H(T1ll, Hh, sigma1h, CHIh, SHA512_Kh[i], SHA512_W_H[i]);
          const T1l = T1ll | 0;
          const sigma0h = rotrSH(Ah, Al, 28) ^ rotrBH(Ah, Al, 34) ^ rotrBH(Ah, Al, 39);
          const sigma0l = rotrSL(Ah, Al, 28) ^ rotrBL(Ah, Al, 34) ^ rotrBL(Ah, Al, 39);
          const MAJh = Ah & Bh ^ Ah & Ch ^ Bh & Ch;
          const MAJl = Al & Bl ^ Al & Cl ^ Bl & Cl;
          Hh = Gh | 0;
          Hl = Gl | 0;
          Gh = Fh | 0;
          Gl = Fl | 0;
          Fh = Eh | 0;
          Fl = El | 0;
          ({ h: Eh, l: El } = add(Dh | 0, Dl | 0, T1h | 0, T1l | 0));
          Dh = Ch | 0;
          Dl = Cl | 0;
          Ch = Bh | 0;
          Cl = Bl | 0;
          Bh = Ah | 0;
          Bl = Al | 0;
          const All = add3L(T1l, sigma0l, MAJl);
          Ah = add3H(All, T1h, sigma0h, MAJh);
          Al = All | 0;
        }
        ({ h: Ah, l: Al } = add(this.Ah | 0, this.Al | 0, Ah | 0, Al | 0));
        ({ h: Bh, l: Bl } = add(this.Bh | 0, this.Bl | 0, Bh | 0, Bl | 0));
        ({ h: Ch, l: Cl } = add(this.Ch | 0, this.Cl | 0, Ch | 0, Cl | 0));
        ({ h: Dh, l: Dl } = add(this.Dh | 0, this.Dl | 0, Dh | 0, Dl | 0));
        ({ h: Eh, l: El } = add(this.Eh | 0, this.El | 0, Eh | 0, El | 0));
        ({ h: Fh, l: Fl } = add(this.Fh | 0, this.Fl | 0, Fh | 0, Fl | 0));
        ({ h: Gh, l: Gl } = add(this.Gh | 0, this.Gl | 0, Gh | 0, Gl | 0));
        ({ h: Hh, l: Hl } = add(this.Hh | 0, this.Hl | 0, Hh | 0, Hl | 0));
        this.set(Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl);
      }
      roundClean() {
        clean3(SHA512_W_H, SHA512_W_L);
      }
      destroy() {
        clean3(this.buffer);
        this.set(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      }
    };
    _SHA384 = class extends SHA2_64B {
      Ah = SHA384_IV2[0] | 0;
      Al = SHA384_IV2[1] | 0;
      Bh = SHA384_IV2[2] | 0;
      Bl = SHA384_IV2[3] | 0;
      Ch = SHA384_IV2[4] | 0;
      Cl = SHA384_IV2[5] | 0;
      Dh = SHA384_IV2[6] | 0;
      Dl = SHA384_IV2[7] | 0;
      Eh = SHA384_IV2[8] | 0;
      El = SHA384_IV2[9] | 0;
      Fh = SHA384_IV2[10] | 0;
      Fl = SHA384_IV2[11] | 0;
      Gh = SHA384_IV2[12] | 0;
      Gl = SHA384_IV2[13] | 0;
      Hh = SHA384_IV2[14] | 0;
      Hl = SHA384_IV2[15] | 0;
      constructor() {
        super(48);
      }
    };
    sha2562 = /* @__PURE__ */ createHasher2(
      () => new _SHA2562(),
      /* @__PURE__ */ oidNist2(1)
    );
    sha384 = /* @__PURE__ */ createHasher2(
      () => new _SHA384(),
      /* @__PURE__ */ oidNist2(2)
    );
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/ed25519.js
function ed25519_pow_2_252_3(x) {
  const _10n = BigInt(10), _20n = BigInt(20), _40n = BigInt(40), _80n = BigInt(80);
  const P3 = ed25519_CURVE_p;
  const x2 = x * x % P3;
  const b2 = x2 * x % P3;
  const b4 = pow2(b2, _2n4, P3) * b2 % P3;
  const b5 = pow2(b4, _1n6, P3) * x % P3;
  const b10 = pow2(b5, _5n2, P3) * b5 % P3;
  const b20 = pow2(b10, _10n, P3) * b10 % P3;
  const b40 = pow2(b20, _20n, P3) * b20 % P3;
  const b80 = pow2(b40, _40n, P3) * b40 % P3;
  const b160 = pow2(b80, _80n, P3) * b80 % P3;
  const b240 = pow2(b160, _80n, P3) * b80 % P3;
  const b250 = pow2(b240, _10n, P3) * b10 % P3;
  const pow_p_5_8 = pow2(b250, _2n4, P3) * x % P3;
  return { pow_p_5_8, b2 };
}
function adjustScalarBytes(bytes) {
  bytes[0] &= 248;
  bytes[31] &= 127;
  bytes[31] |= 64;
  return bytes;
}
var _1n6, _2n4, _3n3, _5n2, _8n2, ed25519_CURVE_p, x25519;
var init_ed25519 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/ed25519.js"() {
    init_modular();
    init_montgomery();
    _1n6 = BigInt(1);
    _2n4 = BigInt(2);
    _3n3 = /* @__PURE__ */ BigInt(3);
    _5n2 = BigInt(5);
    _8n2 = BigInt(8);
    ed25519_CURVE_p = BigInt("0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed");
    x25519 = /* @__PURE__ */ (() => {
      const P3 = ed25519_CURVE_p;
      return montgomery({
        P: P3,
        type: "x25519",
        powPminus2: (x) => {
          const { pow_p_5_8, b2 } = ed25519_pow_2_252_3(x);
          return mod3(pow2(pow_p_5_8, _3n3, P3) * b2, P3);
        },
        adjustScalarBytes
      });
    })();
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/nist.js
var p256_CURVE, p384_CURVE, p256_Point, p256, p384_Point, p384;
var init_nist = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/nist.js"() {
    init_sha22();
    init_weierstrass();
    p256_CURVE = /* @__PURE__ */ (() => ({
      p: BigInt("0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
      n: BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
      h: BigInt(1),
      a: BigInt("0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc"),
      b: BigInt("0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
      Gx: BigInt("0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
      Gy: BigInt("0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
    }))();
    p384_CURVE = /* @__PURE__ */ (() => ({
      p: BigInt("0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff"),
      n: BigInt("0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"),
      h: BigInt(1),
      a: BigInt("0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc"),
      b: BigInt("0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef"),
      Gx: BigInt("0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7"),
      Gy: BigInt("0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f")
    }))();
    p256_Point = /* @__PURE__ */ weierstrass(p256_CURVE);
    p256 = /* @__PURE__ */ ecdsa(p256_Point, sha2562);
    p384_Point = /* @__PURE__ */ weierstrass(p384_CURVE);
    p384 = /* @__PURE__ */ ecdsa(p384_Point, sha384);
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/hkdf.js
function extract2(hash, ikm, salt) {
  ahash2(hash);
  if (salt === void 0)
    salt = new Uint8Array(hash.outputLen);
  return hmac2(hash, salt, ikm);
}
function expand2(hash, prk, info, length = 32) {
  ahash2(hash);
  anumber4(length, "length");
  const olen = hash.outputLen;
  if (length > 255 * olen)
    throw new Error("Length must be <= 255*HashLen");
  const blocks = Math.ceil(length / olen);
  if (info === void 0)
    info = EMPTY_BUFFER2;
  else
    abytes4(info, void 0, "info");
  const okm = new Uint8Array(blocks * olen);
  const HMAC = hmac2.create(hash, prk);
  const HMACTmp = HMAC._cloneInto();
  const T = new Uint8Array(HMAC.outputLen);
  for (let counter = 0; counter < blocks; counter++) {
    HKDF_COUNTER2[0] = counter + 1;
    HMACTmp.update(counter === 0 ? EMPTY_BUFFER2 : T).update(info).update(HKDF_COUNTER2).digestInto(T);
    okm.set(T, olen * counter);
    HMAC._cloneInto(HMACTmp);
  }
  HMAC.destroy();
  HMACTmp.destroy();
  clean3(T, HKDF_COUNTER2);
  return okm.slice(0, length);
}
var HKDF_COUNTER2, EMPTY_BUFFER2;
var init_hkdf2 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/hkdf.js"() {
    init_hmac2();
    init_utils3();
    HKDF_COUNTER2 = /* @__PURE__ */ Uint8Array.of(0);
    EMPTY_BUFFER2 = /* @__PURE__ */ Uint8Array.of();
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/hashes/sha3.js
function keccakP(s, rounds = 24) {
  const B2 = new Uint32Array(5 * 2);
  for (let round = 24 - rounds; round < 24; round++) {
    for (let x = 0; x < 10; x++)
      B2[x] = s[x] ^ s[x + 10] ^ s[x + 20] ^ s[x + 30] ^ s[x + 40];
    for (let x = 0; x < 10; x += 2) {
      const idx1 = (x + 8) % 10;
      const idx0 = (x + 2) % 10;
      const B0 = B2[idx0];
      const B1 = B2[idx0 + 1];
      const Th = rotlH(B0, B1, 1) ^ B2[idx1];
      const Tl = rotlL(B0, B1, 1) ^ B2[idx1 + 1];
      for (let y = 0; y < 50; y += 10) {
        s[x + y] ^= Th;
        s[x + y + 1] ^= Tl;
      }
    }
    let curH = s[2];
    let curL = s[3];
    for (let t = 0; t < 24; t++) {
      const shift = SHA3_ROTL[t];
      const Th = rotlH(curH, curL, shift);
      const Tl = rotlL(curH, curL, shift);
      const PI = SHA3_PI[t];
      curH = s[PI];
      curL = s[PI + 1];
      s[PI] = Th;
      s[PI + 1] = Tl;
    }
    for (let y = 0; y < 50; y += 10) {
      for (let x = 0; x < 10; x++)
        B2[x] = s[y + x];
      for (let x = 0; x < 10; x++)
        s[y + x] ^= ~B2[(x + 2) % 10] & B2[(x + 4) % 10];
    }
    s[0] ^= SHA3_IOTA_H[round];
    s[1] ^= SHA3_IOTA_L[round];
  }
  clean3(B2);
}
var _0n6, _1n7, _2n5, _7n2, _256n, _0x71n, SHA3_PI, SHA3_ROTL, _SHA3_IOTA, IOTAS, SHA3_IOTA_H, SHA3_IOTA_L, rotlH, rotlL, Keccak, genKeccak, sha3_256, sha3_512, genShake, shake128, shake256;
var init_sha3 = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/hashes/sha3.js"() {
    init_u642();
    init_utils3();
    _0n6 = BigInt(0);
    _1n7 = BigInt(1);
    _2n5 = BigInt(2);
    _7n2 = BigInt(7);
    _256n = BigInt(256);
    _0x71n = BigInt(113);
    SHA3_PI = [];
    SHA3_ROTL = [];
    _SHA3_IOTA = [];
    for (let round = 0, R2 = _1n7, x = 1, y = 0; round < 24; round++) {
      [x, y] = [y, (2 * x + 3 * y) % 5];
      SHA3_PI.push(2 * (5 * y + x));
      SHA3_ROTL.push((round + 1) * (round + 2) / 2 % 64);
      let t = _0n6;
      for (let j = 0; j < 7; j++) {
        R2 = (R2 << _1n7 ^ (R2 >> _7n2) * _0x71n) % _256n;
        if (R2 & _2n5)
          t ^= _1n7 << (_1n7 << BigInt(j)) - _1n7;
      }
      _SHA3_IOTA.push(t);
    }
    IOTAS = split(_SHA3_IOTA, true);
    SHA3_IOTA_H = IOTAS[0];
    SHA3_IOTA_L = IOTAS[1];
    rotlH = (h, l, s) => s > 32 ? rotlBH(h, l, s) : rotlSH(h, l, s);
    rotlL = (h, l, s) => s > 32 ? rotlBL(h, l, s) : rotlSL(h, l, s);
    Keccak = class _Keccak {
      state;
      pos = 0;
      posOut = 0;
      finished = false;
      state32;
      destroyed = false;
      blockLen;
      suffix;
      outputLen;
      enableXOF = false;
      rounds;
      // NOTE: we accept arguments in bytes instead of bits here.
      constructor(blockLen, suffix, outputLen, enableXOF = false, rounds = 24) {
        this.blockLen = blockLen;
        this.suffix = suffix;
        this.outputLen = outputLen;
        this.enableXOF = enableXOF;
        this.rounds = rounds;
        anumber4(outputLen, "outputLen");
        if (!(0 < blockLen && blockLen < 200))
          throw new Error("only keccak-f1600 function is supported");
        this.state = new Uint8Array(200);
        this.state32 = u323(this.state);
      }
      clone() {
        return this._cloneInto();
      }
      keccak() {
        swap32IfBE3(this.state32);
        keccakP(this.state32, this.rounds);
        swap32IfBE3(this.state32);
        this.posOut = 0;
        this.pos = 0;
      }
      update(data) {
        aexists3(this);
        abytes4(data);
        const { blockLen, state } = this;
        const len2 = data.length;
        for (let pos = 0; pos < len2; ) {
          const take = Math.min(blockLen - this.pos, len2 - pos);
          for (let i = 0; i < take; i++)
            state[this.pos++] ^= data[pos++];
          if (this.pos === blockLen)
            this.keccak();
        }
        return this;
      }
      finish() {
        if (this.finished)
          return;
        this.finished = true;
        const { state, suffix, pos, blockLen } = this;
        state[pos] ^= suffix;
        if ((suffix & 128) !== 0 && pos === blockLen - 1)
          this.keccak();
        state[blockLen - 1] ^= 128;
        this.keccak();
      }
      writeInto(out2) {
        aexists3(this, false);
        abytes4(out2);
        this.finish();
        const bufferOut = this.state;
        const { blockLen } = this;
        for (let pos = 0, len2 = out2.length; pos < len2; ) {
          if (this.posOut >= blockLen)
            this.keccak();
          const take = Math.min(blockLen - this.posOut, len2 - pos);
          out2.set(bufferOut.subarray(this.posOut, this.posOut + take), pos);
          this.posOut += take;
          pos += take;
        }
        return out2;
      }
      xofInto(out2) {
        if (!this.enableXOF)
          throw new Error("XOF is not possible for this instance");
        return this.writeInto(out2);
      }
      xof(bytes) {
        anumber4(bytes);
        return this.xofInto(new Uint8Array(bytes));
      }
      digestInto(out2) {
        aoutput3(out2, this);
        if (this.finished)
          throw new Error("digest() was already called");
        this.writeInto(out2);
        this.destroy();
        return out2;
      }
      digest() {
        return this.digestInto(new Uint8Array(this.outputLen));
      }
      destroy() {
        this.destroyed = true;
        clean3(this.state);
      }
      _cloneInto(to) {
        const { blockLen, suffix, outputLen, rounds, enableXOF } = this;
        to ||= new _Keccak(blockLen, suffix, outputLen, enableXOF, rounds);
        to.state32.set(this.state32);
        to.pos = this.pos;
        to.posOut = this.posOut;
        to.finished = this.finished;
        to.rounds = rounds;
        to.suffix = suffix;
        to.outputLen = outputLen;
        to.enableXOF = enableXOF;
        to.destroyed = this.destroyed;
        return to;
      }
    };
    genKeccak = (suffix, blockLen, outputLen, info = {}) => createHasher2(() => new Keccak(blockLen, suffix, outputLen), info);
    sha3_256 = /* @__PURE__ */ genKeccak(
      6,
      136,
      32,
      /* @__PURE__ */ oidNist2(8)
    );
    sha3_512 = /* @__PURE__ */ genKeccak(
      6,
      72,
      64,
      /* @__PURE__ */ oidNist2(10)
    );
    genShake = (suffix, blockLen, outputLen, info = {}) => createHasher2((opts2 = {}) => new Keccak(blockLen, suffix, opts2.dkLen === void 0 ? outputLen : opts2.dkLen, true), info);
    shake128 = /* @__PURE__ */ genShake(31, 168, 16, /* @__PURE__ */ oidNist2(11));
    shake256 = /* @__PURE__ */ genShake(31, 136, 32, /* @__PURE__ */ oidNist2(12));
  }
});

// node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/fft.js
function checkU32(n) {
  if (!Number.isSafeInteger(n) || n < 0 || n > 4294967295)
    throw new Error("wrong u32 integer:" + n);
  return n;
}
function isPowerOfTwo(x) {
  checkU32(x);
  return (x & x - 1) === 0 && x !== 0;
}
function reverseBits(n, bits) {
  checkU32(n);
  let reversed = 0;
  for (let i = 0; i < bits; i++, n >>>= 1)
    reversed = reversed << 1 | n & 1;
  return reversed;
}
function log2(n) {
  checkU32(n);
  return 31 - Math.clz32(n);
}
function bitReversalInplace(values) {
  const n = values.length;
  if (n < 2 || !isPowerOfTwo(n))
    throw new Error("n must be a power of 2 and greater than 1. Got " + n);
  const bits = log2(n);
  for (let i = 0; i < n; i++) {
    const j = reverseBits(i, bits);
    if (i < j) {
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
  }
  return values;
}
var FFTCore;
var init_fft = __esm({
  "node_modules/@noble/post-quantum/node_modules/@noble/curves/abstract/fft.js"() {
    FFTCore = (F2, coreOpts) => {
      const { N: N2, roots, dit, invertButterflies = false, skipStages = 0, brp = true } = coreOpts;
      const bits = log2(N2);
      if (!isPowerOfTwo(N2))
        throw new Error("FFT: Polynomial size should be power of two");
      const isDit = dit !== invertButterflies;
      isDit;
      return (values) => {
        if (values.length !== N2)
          throw new Error("FFT: wrong Polynomial length");
        if (dit && brp)
          bitReversalInplace(values);
        for (let i = 0, g = 1; i < bits - skipStages; i++) {
          const s = dit ? i + 1 + skipStages : bits - i;
          const m = 1 << s;
          const m2 = m >> 1;
          const stride = N2 >> s;
          for (let k = 0; k < N2; k += m) {
            for (let j = 0, grp = g++; j < m2; j++) {
              const rootPos = invertButterflies ? dit ? N2 - grp : grp : j * stride;
              const i0 = k + j;
              const i1 = k + j + m2;
              const omega = roots[rootPos];
              const b = values[i1];
              const a = values[i0];
              if (isDit) {
                const t = F2.mul(b, omega);
                values[i0] = F2.add(a, t);
                values[i1] = F2.sub(a, t);
              } else if (invertButterflies) {
                values[i0] = F2.add(b, a);
                values[i1] = F2.mul(F2.sub(b, a), omega);
              } else {
                values[i0] = F2.add(a, b);
                values[i1] = F2.mul(F2.sub(a, b), omega);
              }
            }
          }
        }
        if (!dit && brp)
          bitReversalInplace(values);
        return values;
      };
    };
  }
});

// node_modules/@noble/post-quantum/utils.js
function equalBytes2(a, b) {
  if (a.length !== b.length)
    return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++)
    diff |= a[i] ^ b[i];
  return diff === 0;
}
function copyBytes3(bytes) {
  return Uint8Array.from(bytes);
}
function splitCoder(label, ...lengths) {
  const getLength = (c) => typeof c === "number" ? c : c.bytesLen;
  const bytesLen = lengths.reduce((sum, a) => sum + getLength(a), 0);
  return {
    bytesLen,
    encode: (bufs) => {
      const res = new Uint8Array(bytesLen);
      for (let i = 0, pos = 0; i < lengths.length; i++) {
        const c = lengths[i];
        const l = getLength(c);
        const b = typeof c === "number" ? bufs[i] : c.encode(bufs[i]);
        abytes4(b, l, label);
        res.set(b, pos);
        if (typeof c !== "number")
          b.fill(0);
        pos += l;
      }
      return res;
    },
    decode: (buf) => {
      abytes4(buf, bytesLen, label);
      const res = [];
      for (const c of lengths) {
        const l = getLength(c);
        const b = buf.subarray(0, l);
        res.push(typeof c === "number" ? b : c.decode(b));
        buf = buf.subarray(l);
      }
      return res;
    }
  };
}
function vecCoder(c, vecLen) {
  const bytesLen = vecLen * c.bytesLen;
  return {
    bytesLen,
    encode: (u) => {
      if (u.length !== vecLen)
        throw new Error(`vecCoder.encode: wrong length=${u.length}. Expected: ${vecLen}`);
      const res = new Uint8Array(bytesLen);
      for (let i = 0, pos = 0; i < u.length; i++) {
        const b = c.encode(u[i]);
        res.set(b, pos);
        b.fill(0);
        pos += b.length;
      }
      return res;
    },
    decode: (a) => {
      abytes4(a, bytesLen);
      const r = [];
      for (let i = 0; i < a.length; i += c.bytesLen)
        r.push(c.decode(a.subarray(i, i + c.bytesLen)));
      return r;
    }
  };
}
function cleanBytes(...list) {
  for (const t of list) {
    if (Array.isArray(t))
      for (const b of t)
        b.fill(0);
    else
      t.fill(0);
  }
}
function getMask(bits) {
  return (1 << bits) - 1;
}
var randomBytes4, EMPTY;
var init_utils5 = __esm({
  "node_modules/@noble/post-quantum/utils.js"() {
    init_utils3();
    init_utils3();
    randomBytes4 = randomBytes3;
    EMPTY = Uint8Array.of();
  }
});

// node_modules/@noble/post-quantum/_crystals.js
var genCrystals, createXofShake, XOF128;
var init_crystals = __esm({
  "node_modules/@noble/post-quantum/_crystals.js"() {
    init_fft();
    init_sha3();
    init_utils5();
    genCrystals = (opts2) => {
      const { newPoly, N: N2, Q: Q2, F: F2, ROOT_OF_UNITY: ROOT_OF_UNITY2, brvBits, isKyber } = opts2;
      const mod6 = (a, modulo = Q2) => {
        const result = a % modulo | 0;
        return (result >= 0 ? result | 0 : modulo + result | 0) | 0;
      };
      const smod = (a, modulo = Q2) => {
        const r = mod6(a, modulo) | 0;
        return (r > modulo >> 1 ? r - modulo | 0 : r) | 0;
      };
      function getZettas() {
        const out2 = newPoly(N2);
        for (let i = 0; i < N2; i++) {
          const b = reverseBits(i, brvBits);
          const p = BigInt(ROOT_OF_UNITY2) ** BigInt(b) % BigInt(Q2);
          out2[i] = Number(p) | 0;
        }
        return out2;
      }
      const nttZetas2 = getZettas();
      const field = {
        add: (a, b) => mod6((a | 0) + (b | 0)) | 0,
        sub: (a, b) => mod6((a | 0) - (b | 0)) | 0,
        mul: (a, b) => mod6((a | 0) * (b | 0)) | 0,
        inv: (_a) => {
          throw new Error("not implemented");
        }
      };
      const nttOpts = {
        N: N2,
        roots: nttZetas2,
        invertButterflies: true,
        skipStages: isKyber ? 1 : 0,
        brp: false
      };
      const dif = FFTCore(field, { dit: false, ...nttOpts });
      const dit = FFTCore(field, { dit: true, ...nttOpts });
      const NTT2 = {
        encode: (r) => {
          return dif(r);
        },
        decode: (r) => {
          dit(r);
          for (let i = 0; i < r.length; i++)
            r[i] = mod6(F2 * r[i]);
          return r;
        }
      };
      const bitsCoder2 = (d, c) => {
        const mask = getMask(d);
        const bytesLen = d * (N2 / 8);
        return {
          bytesLen,
          encode: (poly) => {
            const r = new Uint8Array(bytesLen);
            for (let i = 0, buf = 0, bufLen = 0, pos = 0; i < poly.length; i++) {
              buf |= (c.encode(poly[i]) & mask) << bufLen;
              bufLen += d;
              for (; bufLen >= 8; bufLen -= 8, buf >>= 8)
                r[pos++] = buf & getMask(bufLen);
            }
            return r;
          },
          decode: (bytes) => {
            const r = newPoly(N2);
            for (let i = 0, buf = 0, bufLen = 0, pos = 0; i < bytes.length; i++) {
              buf |= bytes[i] << bufLen;
              bufLen += 8;
              for (; bufLen >= d; bufLen -= d, buf >>= d)
                r[pos++] = c.decode(buf & mask);
            }
            return r;
          }
        };
      };
      return { mod: mod6, smod, nttZetas: nttZetas2, NTT: NTT2, bitsCoder: bitsCoder2 };
    };
    createXofShake = (shake) => (seed, blockLen) => {
      if (!blockLen)
        blockLen = shake.blockLen;
      const _seed = new Uint8Array(seed.length + 2);
      _seed.set(seed);
      const seedLen = seed.length;
      const buf = new Uint8Array(blockLen);
      let h = shake.create({});
      let calls = 0;
      let xofs = 0;
      return {
        stats: () => ({ calls, xofs }),
        get: (x, y) => {
          _seed[seedLen + 0] = x;
          _seed[seedLen + 1] = y;
          h.destroy();
          h = shake.create({}).update(_seed);
          calls++;
          return () => {
            xofs++;
            return h.xofInto(buf);
          };
        },
        clean: () => {
          h.destroy();
          cleanBytes(buf, _seed);
        }
      };
    };
    XOF128 = /* @__PURE__ */ createXofShake(shake128);
  }
});

// node_modules/@noble/post-quantum/ml-kem.js
function polyAdd(a, b) {
  for (let i = 0; i < N; i++)
    a[i] = mod4(a[i] + b[i]);
}
function polySub(a, b) {
  for (let i = 0; i < N; i++)
    a[i] = mod4(a[i] - b[i]);
}
function BaseCaseMultiply(a0, a1, b0, b1, zeta) {
  const c0 = mod4(a1 * b1 * zeta + a0 * b0);
  const c1 = mod4(a0 * b1 + a1 * b0);
  return { c0, c1 };
}
function MultiplyNTTs(f, g) {
  for (let i = 0; i < N / 2; i++) {
    let z = nttZetas[64 + (i >> 1)];
    if (i & 1)
      z = -z;
    const { c0, c1 } = BaseCaseMultiply(f[2 * i + 0], f[2 * i + 1], g[2 * i + 0], g[2 * i + 1], z);
    f[2 * i + 0] = c0;
    f[2 * i + 1] = c1;
  }
  return f;
}
function SampleNTT(xof) {
  const r = new Uint16Array(N);
  for (let j = 0; j < N; ) {
    const b = xof();
    if (b.length % 3)
      throw new Error("SampleNTT: unaligned block");
    for (let i = 0; j < N && i + 3 <= b.length; i += 3) {
      const d1 = (b[i + 0] >> 0 | b[i + 1] << 8) & 4095;
      const d2 = (b[i + 1] >> 4 | b[i + 2] << 4) & 4095;
      if (d1 < Q)
        r[j++] = d1;
      if (j < N && d2 < Q)
        r[j++] = d2;
    }
  }
  return r;
}
function sampleCBD(PRF, seed, nonce, eta) {
  const buf = PRF(eta * N / 4, seed, nonce);
  const r = new Uint16Array(N);
  const b32 = u323(buf);
  let len2 = 0;
  for (let i = 0, p = 0, bb = 0, t0 = 0; i < b32.length; i++) {
    let b = b32[i];
    for (let j = 0; j < 32; j++) {
      bb += b & 1;
      b >>= 1;
      len2 += 1;
      if (len2 === eta) {
        t0 = bb;
        bb = 0;
      } else if (len2 === 2 * eta) {
        r[p++] = mod4(t0 - bb);
        bb = 0;
        len2 = 0;
      }
    }
  }
  if (len2)
    throw new Error(`sampleCBD: leftover bits: ${len2}`);
  return r;
}
function createKyber(opts2) {
  const KPKE = genKPKE(opts2);
  const { HASH256, HASH512, KDF } = opts2;
  const { secretCoder: KPKESecretCoder, lengths } = KPKE;
  const secretCoder = splitCoder("secretKey", lengths.secretKey, lengths.publicKey, 32, 32);
  const msgLen = 32;
  const seedLen = 64;
  return {
    info: { type: "ml-kem" },
    lengths: {
      ...lengths,
      seed: 64,
      msg: msgLen,
      msgRand: msgLen,
      secretKey: secretCoder.bytesLen
    },
    keygen: (seed = randomBytes4(seedLen)) => {
      abytes4(seed, seedLen, "seed");
      const { publicKey, secretKey: sk } = KPKE.keygen(seed.subarray(0, 32));
      const publicKeyHash = HASH256(publicKey);
      const secretKey = secretCoder.encode([sk, publicKey, publicKeyHash, seed.subarray(32)]);
      cleanBytes(sk, publicKeyHash);
      return { publicKey, secretKey };
    },
    getPublicKey: (secretKey) => {
      const [_sk, publicKey, _publicKeyHash, _z] = secretCoder.decode(secretKey);
      return Uint8Array.from(publicKey);
    },
    encapsulate: (publicKey, msg = randomBytes4(msgLen)) => {
      abytes4(publicKey, lengths.publicKey, "publicKey");
      abytes4(msg, msgLen, "message");
      const eke = publicKey.subarray(0, 384 * opts2.K);
      const ek = KPKESecretCoder.encode(KPKESecretCoder.decode(copyBytes3(eke)));
      if (!equalBytes2(ek, eke)) {
        cleanBytes(ek);
        throw new Error("ML-KEM.encapsulate: wrong publicKey modulus");
      }
      cleanBytes(ek);
      const kr = HASH512.create().update(msg).update(HASH256(publicKey)).digest();
      const cipherText = KPKE.encrypt(publicKey, msg, kr.subarray(32, 64));
      cleanBytes(kr.subarray(32));
      return { cipherText, sharedSecret: kr.subarray(0, 32) };
    },
    decapsulate: (cipherText, secretKey) => {
      abytes4(secretKey, secretCoder.bytesLen, "secretKey");
      abytes4(cipherText, lengths.cipherText, "cipherText");
      const k768 = secretCoder.bytesLen - 96;
      const start = k768 + 32;
      const test = HASH256(secretKey.subarray(k768 / 2, start));
      if (!equalBytes2(test, secretKey.subarray(start, start + 32)))
        throw new Error("invalid secretKey: hash check failed");
      const [sk, publicKey, publicKeyHash, z] = secretCoder.decode(secretKey);
      const msg = KPKE.decrypt(cipherText, sk);
      const kr = HASH512.create().update(msg).update(publicKeyHash).digest();
      const Khat = kr.subarray(0, 32);
      const cipherText2 = KPKE.encrypt(publicKey, msg, kr.subarray(32, 64));
      const isValid = equalBytes2(cipherText, cipherText2);
      const Kbar = KDF.create({ dkLen: 32 }).update(z).update(cipherText).digest();
      cleanBytes(msg, cipherText2, !isValid ? Khat : Kbar);
      return isValid ? Khat : Kbar;
    }
  };
}
function shakePRF(dkLen, key, nonce) {
  return shake256.create({ dkLen }).update(key).update(new Uint8Array([nonce])).digest();
}
var N, Q, F, ROOT_OF_UNITY, mod4, nttZetas, NTT, bitsCoder, PARAMS, compress, polyCoder, genKPKE, opts, ml_kem512, ml_kem768, ml_kem1024;
var init_ml_kem = __esm({
  "node_modules/@noble/post-quantum/ml-kem.js"() {
    init_sha3();
    init_utils3();
    init_crystals();
    init_utils5();
    N = 256;
    Q = 3329;
    F = 3303;
    ROOT_OF_UNITY = 17;
    ({ mod: mod4, nttZetas, NTT, bitsCoder } = genCrystals({
      N,
      Q,
      F,
      ROOT_OF_UNITY,
      newPoly: (n) => new Uint16Array(n),
      brvBits: 7,
      isKyber: true
    }));
    PARAMS = {
      512: { N, Q, K: 2, ETA1: 3, ETA2: 2, du: 10, dv: 4, RBGstrength: 128 },
      768: { N, Q, K: 3, ETA1: 2, ETA2: 2, du: 10, dv: 4, RBGstrength: 192 },
      1024: { N, Q, K: 4, ETA1: 2, ETA2: 2, du: 11, dv: 5, RBGstrength: 256 }
    };
    compress = (d) => {
      if (d >= 12)
        return { encode: (i) => i, decode: (i) => i };
      const a = 2 ** (d - 1);
      return {
        // const compress = (i: number) => round((2 ** d / Q) * i) % 2 ** d;
        encode: (i) => ((i << d) + Q / 2) / Q,
        // const decompress = (i: number) => round((Q / 2 ** d) * i);
        decode: (i) => i * Q + a >>> d
      };
    };
    polyCoder = (d) => bitsCoder(d, compress(d));
    genKPKE = (opts2) => {
      const { K, PRF, XOF, HASH512, ETA1, ETA2, du, dv } = opts2;
      const poly1 = polyCoder(1);
      const polyV = polyCoder(dv);
      const polyU = polyCoder(du);
      const publicCoder = splitCoder("publicKey", vecCoder(polyCoder(12), K), 32);
      const secretCoder = vecCoder(polyCoder(12), K);
      const cipherCoder = splitCoder("ciphertext", vecCoder(polyU, K), polyV);
      const seedCoder = splitCoder("seed", 32, 32);
      return {
        secretCoder,
        lengths: {
          secretKey: secretCoder.bytesLen,
          publicKey: publicCoder.bytesLen,
          cipherText: cipherCoder.bytesLen
        },
        keygen: (seed) => {
          abytes4(seed, 32, "seed");
          const seedDst = new Uint8Array(33);
          seedDst.set(seed);
          seedDst[32] = K;
          const seedHash = HASH512(seedDst);
          const [rho, sigma] = seedCoder.decode(seedHash);
          const sHat = [];
          const tHat = [];
          for (let i = 0; i < K; i++)
            sHat.push(NTT.encode(sampleCBD(PRF, sigma, i, ETA1)));
          const x = XOF(rho);
          for (let i = 0; i < K; i++) {
            const e = NTT.encode(sampleCBD(PRF, sigma, K + i, ETA1));
            for (let j = 0; j < K; j++) {
              const aji = SampleNTT(x.get(j, i));
              polyAdd(e, MultiplyNTTs(aji, sHat[j]));
            }
            tHat.push(e);
          }
          x.clean();
          const res = {
            publicKey: publicCoder.encode([tHat, rho]),
            secretKey: secretCoder.encode(sHat)
          };
          cleanBytes(rho, sigma, sHat, tHat, seedDst, seedHash);
          return res;
        },
        encrypt: (publicKey, msg, seed) => {
          const [tHat, rho] = publicCoder.decode(publicKey);
          const rHat = [];
          for (let i = 0; i < K; i++)
            rHat.push(NTT.encode(sampleCBD(PRF, seed, i, ETA1)));
          const x = XOF(rho);
          const tmp2 = new Uint16Array(N);
          const u = [];
          for (let i = 0; i < K; i++) {
            const e1 = sampleCBD(PRF, seed, K + i, ETA2);
            const tmp = new Uint16Array(N);
            for (let j = 0; j < K; j++) {
              const aij = SampleNTT(x.get(i, j));
              polyAdd(tmp, MultiplyNTTs(aij, rHat[j]));
            }
            polyAdd(e1, NTT.decode(tmp));
            u.push(e1);
            polyAdd(tmp2, MultiplyNTTs(tHat[i], rHat[i]));
            cleanBytes(tmp);
          }
          x.clean();
          const e2 = sampleCBD(PRF, seed, 2 * K, ETA2);
          polyAdd(e2, NTT.decode(tmp2));
          const v = poly1.decode(msg);
          polyAdd(v, e2);
          cleanBytes(tHat, rHat, tmp2, e2);
          return cipherCoder.encode([u, v]);
        },
        decrypt: (cipherText, privateKey) => {
          const [u, v] = cipherCoder.decode(cipherText);
          const sk = secretCoder.decode(privateKey);
          const tmp = new Uint16Array(N);
          for (let i = 0; i < K; i++)
            polyAdd(tmp, MultiplyNTTs(sk[i], NTT.encode(u[i])));
          polySub(v, NTT.decode(tmp));
          cleanBytes(tmp, sk, u);
          return poly1.encode(v);
        }
      };
    };
    opts = {
      HASH256: sha3_256,
      HASH512: sha3_512,
      KDF: shake256,
      XOF: XOF128,
      PRF: shakePRF
    };
    ml_kem512 = /* @__PURE__ */ createKyber({
      ...opts,
      ...PARAMS[512]
    });
    ml_kem768 = /* @__PURE__ */ createKyber({
      ...opts,
      ...PARAMS[768]
    });
    ml_kem1024 = /* @__PURE__ */ createKyber({
      ...opts,
      ...PARAMS[1024]
    });
  }
});

// node_modules/@noble/post-quantum/hybrid.js
function ecKeygen(curve, allowZeroKey = false) {
  const lengths = curve.lengths;
  let keygen = curve.keygen;
  if (allowZeroKey) {
    const wCurve = curve;
    const Fn = wCurve.Point.Fn;
    if (!Fn)
      throw new Error("No Point.Fn");
    keygen = (seed = randomBytes4(lengths.seed)) => {
      abytes4(seed, lengths.seed, "seed");
      const seedScalar = Fn.isLE ? bytesToNumberLE(seed) : bytesToNumberBE(seed);
      const secretKey = Fn.toBytes(Fn.create(seedScalar));
      return { secretKey, publicKey: curve.getPublicKey(secretKey) };
    };
  }
  return {
    lengths: { secretKey: lengths.secretKey, publicKey: lengths.publicKey, seed: lengths.seed },
    keygen,
    getPublicKey: (secretKey) => curve.getPublicKey(secretKey)
  };
}
function ecdhKem(curve, allowZeroKey = false) {
  const kg = ecKeygen(curve, allowZeroKey);
  if (!curve.getSharedSecret)
    throw new Error("wrong curve");
  return {
    lengths: { ...kg.lengths, msg: kg.lengths.seed, cipherText: kg.lengths.publicKey },
    keygen: kg.keygen,
    getPublicKey: kg.getPublicKey,
    encapsulate(publicKey, rand = randomBytes4(curve.lengths.seed)) {
      const ek = this.keygen(rand).secretKey;
      const sharedSecret = this.decapsulate(publicKey, ek);
      const cipherText = curve.getPublicKey(ek);
      cleanBytes(ek);
      return { sharedSecret, cipherText };
    },
    decapsulate(cipherText, secretKey) {
      const res = curve.getSharedSecret(secretKey, cipherText);
      return curve.lengths.publicKeyHasPrefix ? res.subarray(1) : res;
    }
  };
}
function splitLengths(lst, name2) {
  return splitCoder(name2, ...lst.map((i) => {
    if (typeof i.lengths[name2] !== "number")
      throw new Error("wrong length: " + name2);
    return i.lengths[name2];
  }));
}
function expandSeedXof(xof) {
  return (seed, seedLen) => xof(seed, { dkLen: seedLen });
}
function combineKeys(realSeedLen, expandSeed, ...ck) {
  const seedCoder = splitLengths(ck, "seed");
  const pkCoder = splitLengths(ck, "publicKey");
  if (realSeedLen === void 0)
    realSeedLen = seedCoder.bytesLen;
  anumber4(realSeedLen);
  function expandDecapsulationKey(seed) {
    abytes4(seed, realSeedLen);
    const expanded = seedCoder.decode(expandSeed(seed, seedCoder.bytesLen));
    const keys = ck.map((i, j) => i.keygen(expanded[j]));
    const secretKey = keys.map((i) => i.secretKey);
    const publicKey = keys.map((i) => i.publicKey);
    return { secretKey, publicKey };
  }
  return {
    info: { lengths: { seed: realSeedLen, publicKey: pkCoder.bytesLen, secretKey: realSeedLen } },
    getPublicKey(secretKey) {
      return this.keygen(secretKey).publicKey;
    },
    keygen(seed = randomBytes4(realSeedLen)) {
      const { publicKey: pk, secretKey } = expandDecapsulationKey(seed);
      const publicKey = pkCoder.encode(pk);
      cleanBytes(pk);
      cleanBytes(secretKey);
      return { secretKey: seed, publicKey };
    },
    expandDecapsulationKey,
    realSeedLen
  };
}
function combineKEMS(realSeedLen, realMsgLen, expandSeed, combiner, ...kems) {
  const keys = combineKeys(realSeedLen, expandSeed, ...kems);
  const ctCoder = splitLengths(kems, "cipherText");
  const pkCoder = splitLengths(kems, "publicKey");
  const msgCoder = splitLengths(kems, "msg");
  if (realMsgLen === void 0)
    realMsgLen = msgCoder.bytesLen;
  anumber4(realMsgLen);
  return {
    lengths: {
      ...keys.info.lengths,
      msg: realMsgLen,
      msgRand: msgCoder.bytesLen,
      cipherText: ctCoder.bytesLen
    },
    getPublicKey: keys.getPublicKey,
    keygen: keys.keygen,
    encapsulate(pk, randomness = randomBytes4(msgCoder.bytesLen)) {
      const pks = pkCoder.decode(pk);
      const rand = msgCoder.decode(randomness);
      const enc = kems.map((i, j) => i.encapsulate(pks[j], rand[j]));
      const sharedSecret = enc.map((i) => i.sharedSecret);
      const cipherText = enc.map((i) => i.cipherText);
      const res = {
        sharedSecret: combiner(pks, cipherText, sharedSecret),
        cipherText: ctCoder.encode(cipherText)
      };
      cleanBytes(sharedSecret, cipherText);
      return res;
    },
    decapsulate(ct, seed) {
      const cts = ctCoder.decode(ct);
      const { publicKey, secretKey } = keys.expandDecapsulationKey(seed);
      const sharedSecret = kems.map((i, j) => i.decapsulate(cts[j], secretKey[j]));
      return combiner(publicKey, cts, sharedSecret);
    }
  };
}
function QSF(label, pqc, curveKEM, xof, kdf) {
  ahash2(xof);
  ahash2(kdf);
  return combineKEMS(32, 32, expandSeedXof(xof), (pk, ct, ss) => kdf(concatBytes2(ss[0], ss[1], ct[1], pk[1], asciiToBytes(label))), pqc, curveKEM);
}
function createKitchenSink(label, pqc, curveKEM, xof, hash) {
  ahash2(xof);
  ahash2(hash);
  return combineKEMS(32, 32, expandSeedXof(xof), (pk, ct, ss) => {
    const preimage = concatBytes2(ss[0], ss[1], ct[0], pk[0], ct[1], pk[1], asciiToBytes(label));
    const len2 = 32;
    const ikm = concatBytes2(asciiToBytes("hybrid_prk"), preimage);
    const prk = extract2(hash, ikm);
    const info = concatBytes2(numberToBytesBE(len2, 2), asciiToBytes("shared_secret"), asciiToBytes(""));
    const res = expand2(hash, prk, info, len2);
    cleanBytes(prk, info, ikm, preimage);
    return res;
  }, pqc, curveKEM);
}
function nistCurveKem(curve, scalarLen, elemLen, nseed) {
  const Fn = curve.Point.Fn;
  if (!Fn)
    throw new Error("no Point.Fn");
  function rejectionSampling(seed) {
    let sk;
    for (let start = 0, end = scalarLen; ; start = end, end += scalarLen) {
      if (end > seed.length)
        throw new Error("rejection sampling failed");
      sk = Fn.fromBytes(seed.subarray(start, end), true);
      if (Fn.isValidNot0(sk))
        break;
    }
    const secretKey = Fn.toBytes(Fn.create(sk));
    const publicKey = curve.getPublicKey(secretKey, false);
    return { secretKey, publicKey };
  }
  return {
    lengths: {
      secretKey: scalarLen,
      publicKey: elemLen,
      seed: nseed,
      msg: nseed,
      cipherText: elemLen
    },
    keygen(seed = randomBytes4(nseed)) {
      abytes4(seed, nseed, "seed");
      return rejectionSampling(seed);
    },
    getPublicKey(secretKey) {
      return curve.getPublicKey(secretKey, false);
    },
    encapsulate(publicKey, rand = randomBytes4(nseed)) {
      abytes4(rand, nseed, "rand");
      const { secretKey: ek } = rejectionSampling(rand);
      const sharedSecret = this.decapsulate(publicKey, ek);
      const cipherText = curve.getPublicKey(ek, false);
      cleanBytes(ek);
      return { sharedSecret, cipherText };
    },
    decapsulate(cipherText, secretKey) {
      const full = curve.getSharedSecret(secretKey, cipherText);
      return full.subarray(1);
    }
  };
}
function concreteHybridKem(label, mlkem, curve, nseed) {
  const { secretKey: scalarLen, publicKeyUncompressed: elemLen } = curve.lengths;
  if (!scalarLen || !elemLen)
    throw new Error("wrong curve");
  const curveKem = nistCurveKem(curve, scalarLen, elemLen, nseed);
  const mlkemSeedLen = 64;
  const totalSeedLen = mlkemSeedLen + nseed;
  return combineKEMS(32, 32, (seed) => {
    abytes4(seed, 32);
    const expanded = shake256(seed, { dkLen: totalSeedLen });
    const mlkemSeed = expanded.subarray(0, mlkemSeedLen);
    const curveSeed = expanded.subarray(mlkemSeedLen, totalSeedLen);
    return concatBytes2(mlkemSeed, curveSeed);
  }, (pk, ct, ss) => sha3_256(concatBytes2(ss[0], ss[1], ct[1], pk[1], asciiToBytes(label))), mlkem, curveKem);
}
var QSF_ml_kem768_p256, QSF_ml_kem1024_p384, x25519kem, KitchenSink_ml_kem768_x25519, ml_kem768_x25519, ml_kem768_p256, MLKEM768X25519, MLKEM768P256;
var init_hybrid = __esm({
  "node_modules/@noble/post-quantum/hybrid.js"() {
    init_ed25519();
    init_nist();
    init_utils4();
    init_hkdf2();
    init_sha22();
    init_sha3();
    init_utils3();
    init_ml_kem();
    init_utils5();
    QSF_ml_kem768_p256 = QSF("QSF-KEM(ML-KEM-768,P-256)-XOF(SHAKE256)-KDF(SHA3-256)", ml_kem768, ecdhKem(p256, true), shake256, sha3_256);
    QSF_ml_kem1024_p384 = QSF("QSF-KEM(ML-KEM-1024,P-384)-XOF(SHAKE256)-KDF(SHA3-256)", ml_kem1024, ecdhKem(p384, true), shake256, sha3_256);
    x25519kem = ecdhKem(x25519);
    KitchenSink_ml_kem768_x25519 = createKitchenSink("KitchenSink-KEM(ML-KEM-768,X25519)-XOF(SHAKE256)-KDF(HKDF-SHA-256)", ml_kem768, x25519kem, shake256, sha2562);
    ml_kem768_x25519 = /* @__PURE__ */ (() => combineKEMS(
      32,
      32,
      expandSeedXof(shake256),
      // Awesome label, so much escaping hell in a single line.
      (pk, ct, ss) => sha3_256(concatBytes2(ss[0], ss[1], ct[1], pk[1], asciiToBytes("\\.//^\\"))),
      ml_kem768,
      x25519kem
    ))();
    ml_kem768_p256 = /* @__PURE__ */ (() => concreteHybridKem("MLKEM768-P256", ml_kem768, p256, 128))();
    MLKEM768X25519 = ml_kem768_x25519;
    MLKEM768P256 = ml_kem768_p256;
  }
});

// node_modules/@noble/curves/utils.js
function aarray(item, title, inner = () => {
}) {
  if (!Array.isArray(item))
    throw new TypeError(`"${title}" expected array, got type=${typeof item}`);
  for (let i = 0; i < item.length; i++)
    inner(item[i], `${title}[${i}]`);
  return item;
}
function astring(value, title = "") {
  if (typeof value !== "string") {
    const prefix = title && `"${title}" `;
    throw new TypeError(prefix + "expected string, got type=" + typeof value);
  }
  return value;
}
function aobject3(value, title = "object") {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new TypeError(title === "object" ? "expected valid options object" : `"${title}" expected object, got type=${typeof value}`);
  return value;
}
function afunction(value, title) {
  if (typeof value !== "function")
    throw new TypeError(`"${title}" is invalid: expected function, got ${typeof value}`);
  return value;
}
function abool3(value, title = "") {
  if (typeof value !== "boolean")
    throw new TypeError(atitle3(title) + "expected boolean, got type=" + typeof value);
  return value;
}
function abignumber2(n) {
  if (typeof n === "bigint") {
    if (!isPosBig2(n))
      throw new RangeError("positive bigint expected, got " + n);
  } else
    anumber5(n);
  return n;
}
function asafenumber(value, title = "") {
  if (typeof value !== "number") {
    const prefix = title && `"${title}" `;
    throw new TypeError(prefix + "expected number, got type=" + typeof value);
  }
  if (!Number.isSafeInteger(value)) {
    const prefix = title && `"${title}" `;
    throw new RangeError(prefix + "expected safe integer, got " + value);
  }
}
function numberToHexUnpadded2(num) {
  const hex = abignumber2(num).toString(16);
  return hex.length & 1 ? "0" + hex : hex;
}
function hexToNumber2(hex) {
  if (typeof hex !== "string")
    throw new TypeError("hex string expected, got " + typeof hex);
  return hex === "" ? _0n7 : BigInt("0x" + hex);
}
function bytesToNumberBE2(bytes) {
  return hexToNumber2(bytesToHex(bytes));
}
function bytesToNumberLE2(bytes) {
  return hexToNumber2(bytesToHex(copyBytes4(abytes(bytes)).reverse()));
}
function numberToBytesBE2(n, len2) {
  anumber(len2);
  if (len2 === 0)
    throw new Error("zero output length is invalid");
  n = abignumber2(n);
  const expectedLen = len2 * 2;
  const hex = n.toString(16);
  if (hex.length > expectedLen)
    throw new RangeError("number is too large");
  return hexToBytes(hex.padStart(expectedLen, "0"));
}
function numberToBytesLE2(n, len2) {
  return numberToBytesBE2(n, len2).reverse();
}
function copyBytes4(bytes) {
  return Uint8Array.from(abytes5(bytes));
}
function asciiToBytes2(ascii) {
  if (typeof ascii !== "string")
    throw new TypeError("ascii string expected, got " + typeof ascii);
  return Uint8Array.from(ascii, (c, i) => {
    const charCode = c.charCodeAt(0);
    if (c.length !== 1 || charCode > 127) {
      throw new RangeError(`string contains non-ASCII character "${ascii[i]}" with code ${charCode} at position ${i}`);
    }
    return charCode;
  });
}
function isPosBig2(n) {
  return typeof n === "bigint" && _0n7 <= n;
}
function inRange2(n, min, max) {
  return isPosBig2(n) && isPosBig2(min) && isPosBig2(max) && min <= n && n < max;
}
function aInRange2(title, n, min, max) {
  if (!inRange2(n, min, max))
    throw new RangeError("expected valid " + title + ": " + min + " <= n < " + max + ", got " + n);
}
function bitLen2(n) {
  if (n < _0n7)
    throw new Error("expected non-negative bigint, got " + n);
  return n === _0n7 ? 0 : n.toString(2).length;
}
function bitGet(n, pos) {
  if (typeof n !== "bigint")
    throw new TypeError('"n" expected bigint, got type=' + typeof n);
  asafenumber(pos, "pos");
  return n >> BigInt(pos) & _1n8;
}
function createHmacDrbg2(hashLen, qByteLen, hmacFn) {
  anumber(hashLen, "hashLen");
  anumber(qByteLen, "qByteLen");
  if (typeof hmacFn !== "function")
    throw new TypeError("hmacFn must be a function");
  const u8n = (len2) => new Uint8Array(len2);
  const NULL2 = Uint8Array.of();
  const byte0 = Uint8Array.of(0);
  const byte1 = Uint8Array.of(1);
  const _maxDrbgIters = 1e3;
  let v = u8n(hashLen);
  let k = u8n(hashLen);
  let i = 0;
  const reset = () => {
    v.fill(1);
    k.fill(0);
    i = 0;
  };
  const h = (...msgs) => hmacFn(k, concatBytes3(v, ...msgs));
  const reseed = (seed = NULL2) => {
    k = h(byte0, seed);
    v = h();
    if (seed.length === 0)
      return;
    k = h(byte1, seed);
    v = h();
  };
  const gen = () => {
    if (i++ >= _maxDrbgIters)
      throw new Error("drbg: tried max amount of iterations");
    let len2 = 0;
    const out2 = [];
    while (len2 < qByteLen) {
      v = h();
      const sl = v.slice();
      out2.push(sl);
      len2 += v.length;
    }
    return concatBytes3(...out2);
  };
  const genUntil = (seed, pred) => {
    reset();
    reseed(seed);
    let res = void 0;
    while ((res = pred(gen())) === void 0)
      reseed();
    reset();
    return res;
  };
  return genUntil;
}
function validateObject2(object, fields2 = {}, optFields = {}, title = "object") {
  aobject3(object, title);
  aobject3(fields2, "fields");
  aobject3(optFields, "optFields");
  function checkField(fieldName, expectedType, isOpt) {
    const label = title === "object" ? `param "${String(fieldName)}"` : `"${title}.${String(fieldName)}"`;
    const val = object[fieldName];
    if (!Object.hasOwn(object, fieldName) && (isOpt ? val !== void 0 : expectedType !== "function")) {
      throw new TypeError(`${label} is invalid: expected own property`);
    }
    if (isOpt && val === void 0)
      return;
    const current = typeof val;
    if (current !== expectedType || val === null)
      throw new TypeError(`${label} is invalid: expected ${expectedType}, got ${current}`);
  }
  const iter = (f, isOpt) => Object.entries(f).forEach(([k, v]) => checkField(k, v, isOpt));
  iter(fields2, false);
  iter(optFields, true);
}
var abytes5, anumber5, bytesToHex3, concatBytes3, hexToBytes3, isBytes5, randomBytes5, _0n7, _1n8, atitle3, bitMask2, notImplemented;
var init_utils6 = __esm({
  "node_modules/@noble/curves/utils.js"() {
    init_utils();
    abytes5 = (value, length, title) => abytes(value, length, title);
    anumber5 = anumber;
    bytesToHex3 = bytesToHex;
    concatBytes3 = (...arrays) => concatBytes(...arrays);
    hexToBytes3 = (hex) => hexToBytes(hex);
    isBytes5 = isBytes;
    randomBytes5 = (bytesLength) => randomBytes(bytesLength);
    _0n7 = /* @__PURE__ */ BigInt(0);
    _1n8 = /* @__PURE__ */ BigInt(1);
    atitle3 = (title) => title ? `"${title}" ` : "";
    bitMask2 = (n) => {
      asafenumber(n, "n");
      return (_1n8 << BigInt(n)) - _1n8;
    };
    notImplemented = () => {
      throw new Error("not implemented");
    };
  }
});

// node_modules/@noble/curves/abstract/modular.js
function mod5(a, b) {
  if (b <= _0n8)
    throw new Error("mod: expected positive modulus, got " + b);
  const result = a % b;
  return result >= _0n8 ? result : b + result;
}
function pow(num, power, modulo) {
  if (modulo <= _1n9)
    throw new Error("pow: expected modulus > 1, got " + modulo);
  if (typeof power !== "bigint")
    throw new TypeError("invalid exponent: expected bigint, got " + typeof power);
  if (power < _0n8)
    throw new Error("invalid exponent, negatives unsupported");
  if (power === _0n8)
    return _1n9;
  if (power === _1n9)
    return num;
  let d = num % modulo;
  if (d < _0n8)
    d += modulo;
  if (power < POW_WINDOWED_MIN) {
    let p2 = _1n9;
    while (power > _0n8) {
      if (power & _1n9)
        p2 = p2 * d % modulo;
      d = d * d % modulo;
      power >>= _1n9;
    }
    return p2;
  }
  const digits = [];
  while (power > _0n8) {
    digits.push(Number(power & _15n));
    power >>= _4n3;
  }
  const table = new Array(16);
  table[0] = _1n9;
  table[1] = d;
  for (let i = 2; i < 16; i++)
    table[i] = table[i - 1] * d % modulo;
  let p = table[digits[digits.length - 1]];
  for (let w = digits.length - 2; w >= 0; w--) {
    p = p * p % modulo;
    p = p * p % modulo;
    p = p * p % modulo;
    p = p * p % modulo;
    const digit = digits[w];
    if (digit !== 0)
      p = p * table[digit] % modulo;
  }
  return p;
}
function pow22(x, power, modulo) {
  if (modulo <= _1n9)
    throw new Error("pow2: expected modulus > 1, got " + modulo);
  if (power < _0n8)
    throw new Error("pow2: expected non-negative exponent, got " + power);
  let res = x;
  while (power-- > _0n8) {
    res *= res;
    res %= modulo;
  }
  return res;
}
function invert2(number, modulo) {
  if (number === _0n8)
    throw new Error("invert: expected non-zero number");
  if (modulo <= _1n9)
    throw new Error("invert: expected modulus > 1, got " + modulo);
  let a = mod5(number, modulo);
  let b = modulo;
  let x = _0n8, u = _1n9;
  while (a !== _0n8) {
    const q = b / a;
    const r = b - a * q;
    const m = x - u * q;
    b = a, a = r, x = u, u = m;
  }
  const gcd = b;
  if (gcd !== _1n9)
    throw new Error("invert: does not exist");
  return mod5(x, modulo);
}
function invertCt(a, prime) {
  if (prime <= _1n9)
    throw new Error("invertCt: expected prime modulus > 1, got " + prime);
  const an = mod5(a, prime);
  if (an === _0n8)
    throw new Error("invertCt: expected non-zero number");
  const inverse = pow(an, prime - _2n6, prime);
  if (mod5(an * inverse, prime) !== _1n9)
    throw new Error("invertCt: does not exist");
  return inverse;
}
function assertIsSquare2(Fp3, root, n) {
  const F2 = Fp3;
  if (!F2.eql(F2.sqr(root), n))
    throw new Error("Cannot find square root");
}
function aoddModulus(order, fnName) {
  if ((order & _1n9) === _0n8)
    throw new Error(fnName + ": expected odd modulus, got " + order);
}
function sqrt3mod42(Fp3, n) {
  const F2 = Fp3;
  const p1div4 = (F2.ORDER + _1n9) / _4n3;
  const root = F2.pow(n, p1div4);
  assertIsSquare2(F2, root, n);
  return root;
}
function sqrt5mod82(Fp3, n) {
  const F2 = Fp3;
  const p5div8 = (F2.ORDER - _5n3) / _8n3;
  const n2 = F2.mul(n, _2n6);
  const v = F2.pow(n2, p5div8);
  const nv = F2.mul(n, v);
  const i = F2.mul(F2.mul(nv, _2n6), v);
  const root = F2.mul(nv, F2.sub(i, F2.ONE));
  assertIsSquare2(F2, root, n);
  return root;
}
function sqrt9mod162(P3) {
  const Fp_ = Field2(P3);
  const tn = tonelliShanks2(P3);
  const c1 = tn(Fp_, Fp_.neg(Fp_.ONE));
  const c2 = tn(Fp_, c1);
  const c3 = tn(Fp_, Fp_.neg(c1));
  const c4 = (P3 + _7n3) / _16n2;
  return ((Fp3, n) => {
    const F2 = Fp3;
    let tv1 = F2.pow(n, c4);
    let tv2 = F2.mul(tv1, c1);
    const tv3 = F2.mul(tv1, c2);
    const tv4 = F2.mul(tv1, c3);
    const e1 = F2.eql(F2.sqr(tv2), n);
    const e2 = F2.eql(F2.sqr(tv3), n);
    tv1 = F2.cmov(tv1, tv2, e1);
    tv2 = F2.cmov(tv4, tv3, e2);
    const e3 = F2.eql(F2.sqr(tv2), n);
    const root = F2.cmov(tv1, tv2, e3);
    assertIsSquare2(F2, root, n);
    return root;
  });
}
function tonelliShanks2(P3) {
  if (P3 < _3n4)
    throw new Error("sqrt is not defined for small field");
  aoddModulus(P3, "tonelliShanks");
  let Q2 = P3 - _1n9;
  let S = 0;
  while (Q2 % _2n6 === _0n8) {
    Q2 /= _2n6;
    S++;
  }
  let Z = _2n6;
  const _Fp = Field2(P3);
  while (FpLegendre2(_Fp, Z) === 1) {
    if (Z++ > 1e3)
      throw new Error("Cannot find square root: probably non-prime P");
  }
  if (S === 1)
    return sqrt3mod42;
  let cc = _Fp.pow(Z, Q2);
  const Q1div2 = (Q2 + _1n9) / _2n6;
  return function tonelliSlow(Fp3, n) {
    const F2 = Fp3;
    if (F2.is0(n))
      return n;
    if (FpLegendre2(F2, n) !== 1)
      throw new Error("Cannot find square root");
    let M = S;
    let c = F2.mul(F2.ONE, cc);
    let t = F2.pow(n, Q2);
    let R2 = F2.pow(n, Q1div2);
    while (!F2.eql(t, F2.ONE)) {
      if (F2.is0(t))
        throw new Error("Cannot find square root: probably non-prime P");
      let i = 1;
      let t_tmp = F2.sqr(t);
      while (!F2.eql(t_tmp, F2.ONE)) {
        i++;
        t_tmp = F2.sqr(t_tmp);
        if (i === M)
          throw new Error("Cannot find square root");
      }
      const exponent = _1n9 << BigInt(M - i - 1);
      const b = F2.pow(c, exponent);
      M = i;
      c = F2.sqr(b);
      t = F2.mul(t, c);
      R2 = F2.mul(R2, b);
    }
    return R2;
  };
}
function FpSqrt2(P3) {
  aoddModulus(P3, "Fp.sqrt");
  if (P3 % _4n3 === _3n4)
    return sqrt3mod42;
  if (P3 % _8n3 === _5n3)
    return sqrt5mod82;
  if (P3 % _16n2 === _9n2)
    return sqrt9mod162(P3);
  return tonelliShanks2(P3);
}
function validateField2(field) {
  aobject3(field, "field");
  if (typeof field.ORDER !== "bigint")
    throw new TypeError('param "ORDER" is invalid: expected bigint, got ' + typeof field.ORDER);
  asafenumber(field.BYTES, "BYTES");
  asafenumber(field.BITS, "BITS");
  for (const name2 of FIELD_FIELDS2)
    afunction(field[name2], "field." + name2);
  if (field.BYTES < 1 || field.BITS < 1)
    throw new Error("invalid field: expected BYTES/BITS > 0");
  if (field.ORDER <= _1n9)
    throw new Error("invalid field: expected ORDER > 1, got " + field.ORDER);
  return field;
}
function FpPow2(Fp3, num, power) {
  validateField2(Fp3);
  const F2 = Fp3;
  if (typeof power !== "bigint")
    throw new TypeError("invalid exponent: expected bigint, got " + typeof power);
  if (power < _0n8)
    throw new Error("invalid exponent, negatives unsupported");
  if (power === _0n8)
    return F2.ONE;
  if (power === _1n9)
    return num;
  if (power < POW_WINDOWED_MIN) {
    let p2 = F2.ONE;
    let d = num;
    while (power > _0n8) {
      if (power & _1n9)
        p2 = F2.mul(p2, d);
      d = F2.sqr(d);
      power >>= _1n9;
    }
    return p2;
  }
  const digits = [];
  while (power > _0n8) {
    digits.push(Number(power & _15n));
    power >>= _4n3;
  }
  const table = new Array(16);
  table[0] = F2.ONE;
  table[1] = num;
  for (let i = 2; i < 16; i++)
    table[i] = F2.mul(table[i - 1], num);
  let p = table[digits[digits.length - 1]];
  for (let w = digits.length - 2; w >= 0; w--) {
    p = F2.sqr(F2.sqr(F2.sqr(F2.sqr(p))));
    const digit = digits[w];
    if (digit !== 0)
      p = F2.mul(p, table[digit]);
  }
  return p;
}
function FpInvertBatch2(Fp3, nums, passZero = false) {
  validateField2(Fp3);
  aarray(nums, "nums");
  abool3(passZero, "passZero");
  const F2 = Fp3;
  const inverted = new Array(nums.length).fill(passZero ? F2.ZERO : void 0);
  const multipliedAcc = nums.reduce((acc, num, i) => {
    if (F2.is0(num))
      return acc;
    inverted[i] = acc;
    return F2.mul(acc, num);
  }, F2.ONE);
  const invertedAcc = F2.inv(multipliedAcc);
  nums.reduceRight((acc, num, i) => {
    if (F2.is0(num))
      return acc;
    inverted[i] = F2.mul(acc, inverted[i]);
    return F2.mul(acc, num);
  }, invertedAcc);
  return inverted;
}
function FpLegendre2(Fp3, n) {
  validateField2(Fp3);
  const F2 = Fp3;
  aoddModulus(F2.ORDER, "FpLegendre");
  const p1mod2 = (F2.ORDER - _1n9) / _2n6;
  const powered = F2.pow(n, p1mod2);
  const yes = F2.eql(powered, F2.ONE);
  const zero = F2.eql(powered, F2.ZERO);
  const no = F2.eql(powered, F2.neg(F2.ONE));
  if (!yes && !zero && !no)
    throw new Error("invalid Legendre symbol result");
  return yes ? 1 : zero ? 0 : -1;
}
function FpIsSquare(Fp3, n) {
  const l = FpLegendre2(Fp3, n);
  return l !== -1;
}
function nLength2(n, nBitLength) {
  if (nBitLength !== void 0)
    anumber5(nBitLength);
  if (n <= _0n8)
    throw new Error("invalid n length: expected positive n, got " + n);
  if (nBitLength !== void 0 && nBitLength < 1)
    throw new Error("invalid n length: expected positive bit length, got " + nBitLength);
  const bits = bitLen2(n);
  if (nBitLength !== void 0 && nBitLength < bits)
    throw new Error(`invalid n length: expected nBitLength (${nBitLength}) >= bitLen(n) (${bits})`);
  const _nBitLength = nBitLength !== void 0 ? nBitLength : bits;
  const nByteLength = Math.ceil(_nBitLength / 8);
  return { nBitLength: _nBitLength, nByteLength };
}
function Field2(ORDER, opts2 = {}) {
  Object.freeze(_Field2.prototype);
  return new _Field2(ORDER, opts2);
}
function getFieldBytesLength2(fieldOrder) {
  if (typeof fieldOrder !== "bigint")
    throw new Error("field order must be bigint");
  if (fieldOrder <= _1n9)
    throw new Error("field order must be greater than 1");
  const bitLength2 = bitLen2(fieldOrder - _1n9);
  return Math.ceil(bitLength2 / 8);
}
function getMinHashLength2(fieldOrder) {
  const length = getFieldBytesLength2(fieldOrder);
  return length + Math.ceil(length / 2);
}
function mapHashToField2(key, fieldOrder, isLE4 = false) {
  abytes5(key);
  const len2 = key.length;
  const fieldLen = getFieldBytesLength2(fieldOrder);
  const minLen = Math.max(getMinHashLength2(fieldOrder), 16);
  if (len2 < minLen || len2 > 1024)
    throw new Error("expected " + minLen + "-1024 bytes of input, got " + len2);
  const num = isLE4 ? bytesToNumberLE2(key) : bytesToNumberBE2(key);
  const reduced = mod5(num, fieldOrder - _1n9) + _1n9;
  return isLE4 ? numberToBytesLE2(reduced, fieldLen) : numberToBytesBE2(reduced, fieldLen);
}
var _0n8, _1n9, _2n6, _3n4, _4n3, _5n3, _7n3, _8n3, _9n2, _15n, _16n2, POW_WINDOWED_MIN, isNegativeLE2, FIELD_FIELDS2, FIELD_SQRT, _Field2;
var init_modular2 = __esm({
  "node_modules/@noble/curves/abstract/modular.js"() {
    init_utils6();
    _0n8 = /* @__PURE__ */ BigInt(0);
    _1n9 = /* @__PURE__ */ BigInt(1);
    _2n6 = /* @__PURE__ */ BigInt(2);
    _3n4 = /* @__PURE__ */ BigInt(3);
    _4n3 = /* @__PURE__ */ BigInt(4);
    _5n3 = /* @__PURE__ */ BigInt(5);
    _7n3 = /* @__PURE__ */ BigInt(7);
    _8n3 = /* @__PURE__ */ BigInt(8);
    _9n2 = /* @__PURE__ */ BigInt(9);
    _15n = /* @__PURE__ */ BigInt(15);
    _16n2 = /* @__PURE__ */ BigInt(16);
    POW_WINDOWED_MIN = /* @__PURE__ */ BigInt("0x10000000000000000");
    isNegativeLE2 = (num, modulo) => (mod5(num, modulo) & _1n9) === _1n9;
    FIELD_FIELDS2 = [
      "create",
      "isValid",
      "is0",
      "neg",
      "inv",
      "sqrt",
      "sqr",
      "eql",
      "add",
      "sub",
      "mul",
      "pow",
      "div",
      "addN",
      "subN",
      "mulN",
      "sqrN"
    ];
    FIELD_SQRT = /* @__PURE__ */ new WeakMap();
    _Field2 = class {
      ORDER;
      BITS;
      BYTES;
      isLE;
      ZERO = _0n8;
      ONE = _1n9;
      _lengths;
      _mod;
      constructor(ORDER, opts2 = {}) {
        if (ORDER <= _1n9)
          throw new Error("invalid field: expected ORDER > 1, got " + ORDER);
        let _nbitLength = void 0;
        this.isLE = false;
        if (opts2 != null && typeof opts2 === "object") {
          if (typeof opts2.BITS === "number")
            _nbitLength = opts2.BITS;
          if (typeof opts2.sqrt === "function")
            Object.defineProperty(this, "sqrt", { value: opts2.sqrt, enumerable: true });
          if (typeof opts2.isLE === "boolean")
            this.isLE = opts2.isLE;
          if (opts2.allowedLengths)
            this._lengths = Object.freeze(opts2.allowedLengths.slice());
          if (typeof opts2.modFromBytes === "boolean")
            this._mod = opts2.modFromBytes;
        }
        const { nBitLength, nByteLength } = nLength2(ORDER, _nbitLength);
        if (nByteLength > 2048)
          throw new Error("invalid field: expected ORDER of <= 2048 bytes");
        this.ORDER = ORDER;
        this.BITS = nBitLength;
        this.BYTES = nByteLength;
        Object.freeze(this);
      }
      create(num) {
        return mod5(num, this.ORDER);
      }
      isValid(num) {
        if (typeof num !== "bigint")
          throw new TypeError("invalid field element: expected bigint, got " + typeof num);
        return _0n8 <= num && num < this.ORDER;
      }
      is0(num) {
        return num === _0n8;
      }
      // is valid and invertible
      isValidNot0(num) {
        return !this.is0(num) && this.isValid(num);
      }
      isOdd(num) {
        return (num & _1n9) === _1n9;
      }
      neg(num) {
        return mod5(-num, this.ORDER);
      }
      eql(lhs, rhs) {
        return lhs === rhs;
      }
      sqr(num) {
        return mod5(num * num, this.ORDER);
      }
      add(lhs, rhs) {
        return mod5(lhs + rhs, this.ORDER);
      }
      sub(lhs, rhs) {
        return mod5(lhs - rhs, this.ORDER);
      }
      mul(lhs, rhs) {
        return mod5(lhs * rhs, this.ORDER);
      }
      pow(num, power) {
        return pow(num, power, this.ORDER);
      }
      div(lhs, rhs) {
        return mod5(lhs * invert2(rhs, this.ORDER), this.ORDER);
      }
      // Same as above, but doesn't normalize
      sqrN(num) {
        return num * num;
      }
      addN(lhs, rhs) {
        return lhs + rhs;
      }
      subN(lhs, rhs) {
        return lhs - rhs;
      }
      mulN(lhs, rhs) {
        return lhs * rhs;
      }
      inv(num) {
        return invert2(num, this.ORDER);
      }
      sqrt(num) {
        let sqrt = FIELD_SQRT.get(this);
        if (!sqrt)
          FIELD_SQRT.set(this, sqrt = FpSqrt2(this.ORDER));
        return sqrt(this, num);
      }
      toBytes(num) {
        return this.isLE ? numberToBytesLE2(num, this.BYTES) : numberToBytesBE2(num, this.BYTES);
      }
      fromBytes(bytes, skipValidation = false) {
        abytes5(bytes);
        const { _lengths: allowedLengths, BYTES, isLE: isLE4, ORDER, _mod: modFromBytes } = this;
        if (allowedLengths) {
          if (bytes.length < 1 || !allowedLengths.includes(bytes.length) || bytes.length > BYTES) {
            throw new Error("Field.fromBytes: expected " + allowedLengths + " bytes, got " + bytes.length);
          }
          const padded = new Uint8Array(BYTES);
          padded.set(bytes, isLE4 ? 0 : padded.length - bytes.length);
          bytes = padded;
        }
        if (bytes.length !== BYTES)
          throw new Error("Field.fromBytes: expected " + BYTES + " bytes, got " + bytes.length);
        let scalar = isLE4 ? bytesToNumberLE2(bytes) : bytesToNumberBE2(bytes);
        if (modFromBytes)
          scalar = mod5(scalar, ORDER);
        if (!skipValidation) {
          if (!this.isValid(scalar))
            throw new Error("invalid field element: outside of range 0..ORDER");
        }
        return scalar;
      }
      // TODO: we don't need it here, move out to separate fn
      invertBatch(lst) {
        return FpInvertBatch2(this, lst, true);
      }
      // We can't move this out because Fp6, Fp12 implement it
      // and it's unclear what to return in there.
      cmov(a, b, condition) {
        abool3(condition, "condition");
        return condition ? b : a;
      }
    };
  }
});

// node_modules/@noble/curves/abstract/curve.js
function validatePointCons(Point) {
  const pc = Point;
  if (typeof pc !== "function")
    throw new TypeError('"Point" expected constructor, got type=' + typeof Point);
  afunction(pc.fromAffine, "Point.fromAffine");
  afunction(pc.fromBytes, "Point.fromBytes");
  afunction(pc.fromHex, "Point.fromHex");
  aobject3(pc.BASE, "Point.BASE");
  aobject3(pc.ZERO, "Point.ZERO");
  validateField2(pc.Fp);
  validateField2(pc.Fn);
}
function normalizeZ2(c, points) {
  validatePointCons(c);
  validateMSMPoints(points, c);
  const invertedZs = FpInvertBatch2(c.Fp, points.map((p) => p.Z));
  return points.map((p, i) => c.fromAffine(p.toAffine(invertedZs[i])));
}
function validateW2(W, bits, min = 1) {
  if (!Number.isSafeInteger(W) || W < min || W > bits)
    throw new Error("invalid window size, expected [" + min + ".." + bits + "], got W=" + W);
}
function validateTableBytes(numPoints, fpBytes) {
  const bytes = numPoints * (4 * fpBytes + 128);
  if (bytes > TABLE_BYTES_MAX)
    throw new Error("invalid window size: table would need ~" + Math.ceil(bytes / 2 ** 20) + " MiB, max " + TABLE_BYTES_MAX / 2 ** 20 + " MiB");
}
function probeRandomBytes(randomBytes7, length) {
  if (randomBytes7 === void 0)
    return void 0;
  afunction(randomBytes7, "randomBytes");
  try {
    const probe2 = randomBytes7(length);
    if (!isBytes5(probe2) || probe2.length !== length)
      return void 0;
  } catch {
    return void 0;
  }
  return randomBytes7;
}
function validateMSMPoints(points, c) {
  aarray(points, "points");
  points.forEach((p, i) => {
    if (!(p instanceof c))
      throw new Error("invalid point at index " + i);
  });
}
function validateMSMScalars(scalars, field, maxScalar) {
  if (!Array.isArray(scalars))
    throw new Error("array of scalars expected");
  scalars.forEach((s, i) => {
    const ok = maxScalar === void 0 ? field.isValid(s) : isPosBig2(s) && s < maxScalar;
    if (!ok)
      throw new Error("invalid scalar at index " + i);
  });
}
function getWindowSize(P3) {
  return pointWindowSizes2.get(P3) || 1;
}
function oddMultiples(p, size) {
  const dbl = p.double();
  const t = [p];
  for (let j = 1; j < size; j++)
    t.push(t[j - 1].add(dbl));
  return t;
}
function wnafDigits(n, W) {
  const size = 2 ** W;
  const half = size / 2;
  const mask = BigInt(size - 1);
  const d = [];
  while (n > _0n9) {
    let w = 0;
    if (n & _1n10) {
      w = Number(n & mask);
      if (w >= half)
        w -= size;
      n -= BigInt(w);
    }
    d.push(w);
    n >>= _1n10;
  }
  return d;
}
function signedWindowDigits(n, W, windows) {
  const size = 2 ** W;
  const half = size / 2;
  const mask = BigInt(size - 1);
  const shiftBy = BigInt(W);
  const d = [];
  for (let w = 0; w < windows; w++) {
    let v = Number(n & mask);
    n >>= shiftBy;
    if (v > half) {
      v -= size;
      n += _1n10;
    }
    d.push(v);
  }
  if (n !== _0n9)
    throw new Error("invalid wnaf");
  return d;
}
function wnafWalk(zero, tables, digits) {
  let max = 0;
  for (const d of digits)
    max = Math.max(max, d.length);
  let acc = zero;
  for (let bit = max - 1; bit >= 0; bit--) {
    if (bit !== max - 1)
      acc = acc.double();
    for (let i = 0; i < digits.length; i++) {
      const w = digits[i][bit];
      if (w) {
        const item = tables[i][Math.abs(w) - 1 >> 1];
        acc = acc.add(w < 0 ? item.negate() : item);
      }
    }
  }
  return acc;
}
function mulAddUnsafe(c, points, scalars, allowOversized = false) {
  validatePointCons(c);
  validateMSMPoints(points, c);
  abool3(allowOversized, "allowOversized");
  validateMSMScalars(scalars, c.Fn, allowOversized ? c.Fn.ORDER ** _4n4 : void 0);
  if (points.length !== scalars.length)
    throw new Error("arrays of points and scalars must have equal length");
  const tables = points.map((p) => oddMultiples(p, 4));
  const digits = scalars.map((n) => wnafDigits(n, 4));
  return wnafWalk(c.ZERO, tables, digits);
}
function createField2(order, field, isLE4) {
  if (field) {
    if (field.ORDER !== order)
      throw new Error("Field.ORDER must match order: Fp == p, Fn == n");
    validateField2(field);
    return field;
  } else {
    return Field2(order, { isLE: isLE4 });
  }
}
function createCurveFields2(type, CURVE, curveOpts = {}, FpFnLE) {
  if (type !== "weierstrass" && type !== "edwards")
    throw new Error('expected curve type "weierstrass" or "edwards"');
  if (FpFnLE === void 0)
    FpFnLE = type === "edwards";
  if (!CURVE || typeof CURVE !== "object")
    throw new Error(`expected valid ${type} CURVE object`);
  validateObject2(curveOpts);
  for (const p of ["p", "n", "h"]) {
    const val = CURVE[p];
    if (!(isPosBig2(val) && val !== _0n9))
      throw new Error(`CURVE.${p} must be positive bigint`);
  }
  const Fp3 = createField2(CURVE.p, curveOpts.Fp, FpFnLE);
  const Fn = createField2(CURVE.n, curveOpts.Fn, FpFnLE);
  const _b = type === "weierstrass" ? "b" : "d";
  const params = ["Gx", "Gy", "a", _b];
  for (const p of params) {
    if (!Fp3.isValid(CURVE[p]))
      throw new Error(`CURVE.${p} must be valid field element of CURVE.Fp`);
  }
  CURVE = Object.freeze(Object.assign({}, CURVE));
  return { CURVE, Fp: Fp3, Fn };
}
function createKeygen2(randomSecretKey, getPublicKey) {
  return function keygen(seed) {
    const secretKey = randomSecretKey(seed);
    return { secretKey, publicKey: getPublicKey(secretKey) };
  };
}
var _0n9, _1n10, _4n4, BLIND_BYTES, BLIND_BITS, FW_WINDOW, TABLE_BYTES_MAX, pointWindowSizes2, ScalarMultiplier;
var init_curve2 = __esm({
  "node_modules/@noble/curves/abstract/curve.js"() {
    init_utils6();
    init_modular2();
    _0n9 = /* @__PURE__ */ BigInt(0);
    _1n10 = /* @__PURE__ */ BigInt(1);
    _4n4 = /* @__PURE__ */ BigInt(4);
    BLIND_BYTES = 16;
    BLIND_BITS = 128;
    FW_WINDOW = 5;
    TABLE_BYTES_MAX = /* @__PURE__ */ (() => 2 ** 31)();
    pointWindowSizes2 = /* @__PURE__ */ new WeakMap();
    ScalarMultiplier = class {
      Point;
      BASE;
      ZERO;
      randomBytes;
      wnafPrecomputes = /* @__PURE__ */ new WeakMap();
      baseCanBeBlinded;
      bits;
      // Parametrized with a given Point class (not individual point)
      constructor(Point, randomBytes7) {
        validatePointCons(Point);
        this.randomBytes = probeRandomBytes(randomBytes7, BLIND_BYTES);
        this.Point = Point;
        this.BASE = Point.BASE;
        this.ZERO = Point.ZERO;
        this.bits = Point.Fn.BITS;
      }
      /**
       * Creates a signed fixed-window wNAF precomputation table: for every window w, the
       * multiples `[1..2^(W−1)]⋅2^(w⋅W)⋅P`, flattened. All doublings are baked into the table,
       * so cached multiplication is additions-only. `windows = ceil(bits/W) + 1`: the extra
       * window absorbs the final carry of signed-digit recoding.
       * For a 256-bit curve and W=6, the table is 44⋅32 = 1408 points.
       * @param point - Point instance
       * @param W - window size
       * @param bits - scalar bitlength the table must cover
       */
      buildWnafTable(point, W, bits) {
        const windows = Math.ceil(bits / W) + 1;
        const half = 2 ** (W - 1);
        const comp = [];
        let base = point;
        for (let w = 0; w < windows; w++) {
          let acc = base;
          for (let i = 0; i < half; i++) {
            comp.push(acc);
            acc = acc.add(base);
          }
          base = comp[comp.length - 1].double();
        }
        return { W, bits, windows, comp };
      }
      /**
       * Implements ec multiplication using precomputed signed fixed-window wNAF tables.
       * Constant-time: fixed window count with one table addition per window — zero digits feed
       * the fake accumulator — and no doublings; the lookup scans the whole window slice.
       * Scalar bounds are validated by the public entry points ({@link ScalarMultiplier.mulCT},
       * {@link ScalarMultiplier.mulCTBlinded}, {@link ScalarMultiplier.mulUnsafe});
       * signedWindowDigits throws if `n` exceeds the table.
       * @returns real and fake (for const-time) points
       */
      wnafCachedCT(precomputes, n) {
        const { W, windows, comp } = precomputes;
        const half = 2 ** (W - 1);
        const digits = signedWindowDigits(n, W, windows);
        let p = this.ZERO;
        let f = this.BASE;
        for (let w = 0; w < windows; w++) {
          const digit = digits[w];
          const start = w * half;
          const idx = Math.abs(digit) - 1;
          let sel = comp[start];
          for (let i = 1; i < half; i++)
            sel = i === idx ? comp[start + i] : sel;
          const neg = sel.negate();
          if (digit === 0)
            f = f.add(comp[start]);
          else
            p = p.add(digit < 0 ? neg : sel);
        }
        return { p, f };
      }
      // Cache key is point identity plus (W, bits); at most two entries exist per point (public-width
      // `Fn.BITS` and blinded `Fn.BITS + BLIND_BITS`). Callers must not reuse the same point with
      // incompatible `transform(...)` layouts and expect a separate cache entry.
      getWnafPrecomputes(W, point, bits, transform) {
        let entries = this.wnafPrecomputes.get(point);
        let comp = entries?.find((entry) => entry.W === W && entry.bits === bits);
        if (!comp) {
          comp = this.buildWnafTable(point, W, bits);
          if (typeof transform === "function")
            comp = { ...comp, comp: transform(comp.comp) };
          if (!entries) {
            entries = [];
            this.wnafPrecomputes.set(point, entries);
          }
          entries.push(comp);
        }
        return comp;
      }
      assertPoint(point) {
        if (!(point instanceof this.Point))
          throw new TypeError('"point" expected Point instance, got type=' + typeof point);
      }
      // Shared prologue of the constant-time entry points. Rejects scalar 0: in key/signature-style
      // callers a zero scalar means broken upstream plumbing, and concrete Points already reject it.
      // Uses inRange instead of Fn.isValidNot0: validateField() only certifies the arithmetic subset.
      validateMulInput(point, scalar) {
        this.assertPoint(point);
        if (!inRange2(scalar, _1n10, this.Point.Fn.ORDER))
          throw new Error("invalid scalar");
      }
      // Constant-time dispatch shared by mulCT / mulCTBlinded. Un-precomputed points (W===1, e.g.
      // ECDH peer keys) skip building a throwaway cached table in favor of a small fixed-window
      // multiply. `n` must be < 2^bits.
      runCT(point, n, bits, transform) {
        const W = getWindowSize(point);
        if (W === 1)
          return this.fixedWindowCT(point, n, bits);
        return this.wnafCachedCT(this.getWnafPrecomputes(W, point, bits, transform), n);
      }
      mulCT(point, scalar, transform) {
        this.validateMulInput(point, scalar);
        return this.runCT(point, scalar, this.bits, transform);
      }
      mulCTBlinded(point, scalar, transform) {
        this.validateMulInput(point, scalar);
        if (this.randomBytes === void 0)
          throw new Error("randomBytes is required for scalar blinding");
        const bits = this.Point.Fn.BITS + BLIND_BITS;
        const blind = this.randomBytes(BLIND_BYTES);
        if (!isBytes5(blind) || blind.length !== BLIND_BYTES)
          throw new Error("randomBytes returned invalid byte array");
        blind[0] = blind[0] & 63 | 128;
        const n = scalar + bytesToNumberBE2(blind) * this.Point.Fn.ORDER;
        return this.runCT(point, n, bits, transform);
      }
      /**
       * Constant-time multiplication `n*point` for an un-precomputed point, via a small fixed window.
       * A cached wNAF table only pays off when reused; a flat 2^FW_WINDOW table (`size-1` adds) is
       * far cheaper to build for a single use. The point-operation sequence is independent of `n`:
       * build the table, then per window exactly FW_WINDOW doublings, a data-oblivious scan over
       * every table entry, and one addition (adds the identity when the window digit is 0 — never
       * skipped).
       *
       * `n` must be `< 2^bits`. Assumes complete addition (adding the identity costs the same as any
       * add), which holds for the Weierstrass/Edwards point types used here. The table is left in
       * projective form (no normalizeZ): normalizing this small a table costs more than the
       * mixed-add savings it would buy for a single multiply.
       * @returns real point `p`; `f` duplicates it only to match {@link wnafCachedCT}'s return shape
       * (this path needs no fake accumulator — its op-count is already scalar-independent).
       */
      fixedWindowCT(point, n, bits) {
        const W = FW_WINDOW;
        const size = 1 << W;
        const mask = bitMask2(W);
        const table = new Array(size);
        table[0] = this.ZERO;
        for (let i = 1; i < size; i++)
          table[i] = table[i - 1].add(point);
        const windows = Math.ceil(bits / W);
        let acc = this.ZERO;
        for (let window2 = windows - 1; window2 >= 0; window2--) {
          if (window2 !== windows - 1)
            for (let d = 0; d < W; d++)
              acc = acc.double();
          const digit = Number(n >> BigInt(window2 * W) & mask);
          let sel = table[0];
          for (let i = 1; i < size; i++)
            sel = i === digit ? table[i] : sel;
          acc = acc.add(sel);
        }
        return { p: acc, f: acc };
      }
      shouldBlind(point, cofactor) {
        if (this.randomBytes === void 0)
          return false;
        if (cofactor === _1n10)
          return true;
        if (point !== this.BASE)
          return false;
        if (this.baseCanBeBlinded === void 0)
          this.baseCanBeBlinded = this.mulUnsafe(this.BASE, this.Point.Fn.ORDER).is0();
        return this.baseCanBeBlinded;
      }
      mulSecret(point, scalar, cofactor, transform) {
        return this.shouldBlind(point, cofactor) ? this.mulCTBlinded(point, scalar, transform) : this.mulCT(point, scalar, transform);
      }
      mulUnsafe(point, scalar, transform) {
        this.assertPoint(point);
        if (!isPosBig2(scalar))
          throw new Error("invalid scalar");
        const W = getWindowSize(point);
        if (W === 1 || scalar >= this.Point.Fn.ORDER)
          return mulAddUnsafe(this.Point, [point], [scalar], true);
        const precomputes = this.getWnafPrecomputes(W, point, this.bits, transform);
        return this.wnafCachedCT(precomputes, scalar).p;
      }
      // Remembers the window size used for precomputed wNAF multiplication of the given point
      // and drops any previously built tables. Usually only the base point is precomputed.
      // W=1 resets the point to the un-precomputed (table-less) paths.
      // W is additionally capped so tables stay under ~2 GiB ({@link TABLE_BYTES_MAX}).
      setWindowSize(point, W) {
        this.assertPoint(point);
        validateW2(W, this.bits);
        const windows = Math.ceil((this.bits + BLIND_BITS) / W) + 1;
        validateTableBytes(windows * 2 ** (W - 1), this.Point.Fp.BYTES);
        pointWindowSizes2.set(point, W);
        this.wnafPrecomputes.delete(point);
      }
      // True when a window size is set: tables themselves are built lazily on first multiply.
      hasWindowSize(point) {
        return getWindowSize(point) !== 1;
      }
    };
  }
});

// node_modules/@noble/curves/abstract/hash-to-curve.js
function i2osp(value, length) {
  asafenumber(value);
  asafenumber(length);
  if (length < 0 || length > 4)
    throw new Error("invalid I2OSP length: " + length);
  if (value < 0 || value > 2 ** (8 * length) - 1)
    throw new Error("invalid I2OSP input: " + value);
  const res = Array.from({ length }).fill(0);
  for (let i = length - 1; i >= 0; i--) {
    res[i] = value & 255;
    value >>>= 8;
  }
  return new Uint8Array(res);
}
function strxor(a, b) {
  const arr = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    arr[i] = a[i] ^ b[i];
  }
  return arr;
}
function normDST(DST) {
  if (!isBytes5(DST) && typeof DST !== "string")
    throw new Error("DST must be Uint8Array or ascii string");
  const dst = typeof DST === "string" ? asciiToBytes2(DST) : DST;
  if (dst.length === 0)
    throw new Error("DST must be non-empty");
  return dst;
}
function expand_message_xmd(msg, DST, lenInBytes, H) {
  abytes5(msg);
  asafenumber(lenInBytes);
  if (typeof H !== "function")
    throw new Error("expand_message_xmd: expected hash function");
  asafenumber(H.outputLen, "hash.outputLen");
  asafenumber(H.blockLen, "hash.blockLen");
  DST = normDST(DST);
  if (DST.length > 255)
    DST = H(concatBytes3(asciiToBytes2("H2C-OVERSIZE-DST-"), DST));
  const { outputLen: b_in_bytes, blockLen: r_in_bytes } = H;
  const ell = Math.ceil(lenInBytes / b_in_bytes);
  if (lenInBytes > 65535 || ell > 255)
    throw new Error("expand_message_xmd: invalid lenInBytes");
  const DST_prime = concatBytes3(DST, i2osp(DST.length, 1));
  const Z_pad = new Uint8Array(r_in_bytes);
  const l_i_b_str = i2osp(lenInBytes, 2);
  const b = new Array(ell);
  const b_0 = H(concatBytes3(Z_pad, msg, l_i_b_str, i2osp(0, 1), DST_prime));
  b[0] = H(concatBytes3(b_0, i2osp(1, 1), DST_prime));
  for (let i = 1; i < ell; i++) {
    const args = [strxor(b_0, b[i - 1]), i2osp(i + 1, 1), DST_prime];
    b[i] = H(concatBytes3(...args));
  }
  const pseudo_random_bytes = concatBytes3(...b);
  return pseudo_random_bytes.slice(0, lenInBytes);
}
function expand_message_xof(msg, DST, lenInBytes, k, H) {
  abytes5(msg);
  asafenumber(lenInBytes);
  asafenumber(k, "k");
  if (k < 0)
    throw new Error("expand_message_xof: invalid k");
  if (typeof H !== "function")
    throw new Error("expand_message_xof: expected XOF function");
  if (typeof H.create !== "function")
    throw new Error("expand_message_xof: expected XOF create");
  DST = normDST(DST);
  if (lenInBytes < 0 || lenInBytes > 65535)
    throw new Error("expand_message_xof: invalid lenInBytes");
  if (DST.length > 255) {
    const dkLen = Math.ceil(2 * k / 8);
    DST = H.create({ dkLen }).update(asciiToBytes2("H2C-OVERSIZE-DST-")).update(DST).digest();
  }
  if (DST.length > 255)
    throw new Error("expand_message_xof: invalid DST");
  return H.create({ dkLen: lenInBytes }).update(msg).update(i2osp(lenInBytes, 2)).update(DST).update(i2osp(DST.length, 1)).digest();
}
function hash_to_field(msg, count, options) {
  validateObject2(options, {
    p: "bigint",
    m: "number",
    k: "number",
    hash: "function"
  });
  const { p, k, m, hash, expand: expand4, DST } = options;
  asafenumber(hash.outputLen, "valid hash");
  abytes5(msg);
  asafenumber(count);
  asafenumber(m, "m");
  asafenumber(k, "k");
  if (p <= BigInt(1))
    throw new Error("hash_to_field: expected valid field characteristic");
  if (count < 1)
    throw new Error("hash_to_field: expected count >= 1");
  if (m < 1)
    throw new Error("hash_to_field: expected m >= 1");
  if (k < 0)
    throw new Error("hash_to_field: invalid k");
  const log2p = p.toString(2).length;
  const L = Math.ceil((log2p + k) / 8);
  const len_in_bytes = count * m * L;
  let prb;
  if (expand4 === "xmd") {
    prb = expand_message_xmd(msg, DST, len_in_bytes, hash);
  } else if (expand4 === "xof") {
    prb = expand_message_xof(msg, DST, len_in_bytes, k, hash);
  } else if (expand4 === "_internal_pass") {
    prb = msg;
  } else {
    throw new Error('expand must be "xmd" or "xof"');
  }
  const u = new Array(count);
  for (let i = 0; i < count; i++) {
    const e = new Array(m);
    for (let j = 0; j < m; j++) {
      const elm_offset = L * (j + i * m);
      const tv = prb.subarray(elm_offset, elm_offset + L);
      e[j] = mod5(os2ip(tv), p);
    }
    u[i] = e;
  }
  return u;
}
function isogenyMap(field, map) {
  validateField2(field);
  aarray(map, "map");
  const coeff = map.map((i, row2) => {
    aarray(i, "map[" + row2 + "]");
    if (i.length < 1)
      throw new Error("isogenyMap: expected non-empty coefficients");
    return Array.from(i).reverse();
  });
  return (x, y) => {
    const [xn, xd, yn, yd] = coeff.map((val) => val.reduce((acc, i) => field.add(field.mul(acc, x), i)));
    const isZero = field.is0(xd) || field.is0(yd);
    const [xd_inv, yd_inv] = FpInvertBatch2(field, [xd, yd], true);
    x = field.mul(xn, xd_inv);
    y = field.mul(y, field.mul(yn, yd_inv));
    return isZero ? { x: field.ZERO, y: field.ZERO } : { x, y };
  };
}
function createHasher3(Point, mapToCurve, defaults) {
  if (typeof mapToCurve !== "function")
    throw new Error("mapToCurve() must be defined");
  validateObject2(defaults);
  const snapshot = (src) => Object.freeze({
    ...src,
    DST: isBytes5(src.DST) ? copyBytes4(src.DST) : src.DST,
    ...src.encodeDST === void 0 ? {} : { encodeDST: isBytes5(src.encodeDST) ? copyBytes4(src.encodeDST) : src.encodeDST }
  });
  const safeDefaults = snapshot(defaults);
  const dstOverride = (options) => options && options.DST !== void 0 ? { DST: options.DST } : void 0;
  function map(num) {
    return Point.fromAffine(mapToCurve(num));
  }
  function clear(initial) {
    const P3 = initial.clearCofactor();
    if (P3.equals(Point.ZERO))
      return Point.ZERO;
    P3.assertValidity();
    return P3;
  }
  return Object.freeze({
    get defaults() {
      return snapshot(safeDefaults);
    },
    Point,
    hashToCurve(msg, options) {
      const opts2 = Object.assign({}, safeDefaults, dstOverride(options));
      const u = hash_to_field(msg, 2, opts2);
      const u0 = map(u[0]);
      const u1 = map(u[1]);
      return clear(u0.add(u1));
    },
    encodeToCurve(msg, options) {
      const optsDst = safeDefaults.encodeDST === void 0 ? {} : { DST: safeDefaults.encodeDST };
      const opts2 = Object.assign({}, safeDefaults, optsDst, dstOverride(options));
      const u = hash_to_field(msg, 1, opts2);
      const u0 = map(u[0]);
      return clear(u0);
    },
    /** See {@link H2CHasher} */
    mapToCurve(scalars) {
      if (safeDefaults.m === 1) {
        if (typeof scalars !== "bigint")
          throw new Error("expected bigint (m=1)");
        return clear(map([scalars]));
      }
      if (!Array.isArray(scalars))
        throw new Error("expected array of bigints");
      if (scalars.length !== safeDefaults.m)
        throw new Error(`expected array of ${safeDefaults.m} bigints`);
      for (const i of scalars)
        if (typeof i !== "bigint")
          throw new Error("expected array of bigints");
      return clear(map(scalars));
    },
    // hash_to_scalar can produce 0: https://www.rfc-editor.org/errata/eid8393
    // RFC 9380, draft-irtf-cfrg-bbs-signatures-08. Default scalar DST is the shared generic
    // `HashToScalar-` prefix above unless the caller overrides it per invocation.
    hashToScalar(msg, options) {
      const N2 = Point.Fn.ORDER;
      const opts2 = Object.assign({}, safeDefaults, { DST: _DST_scalar }, dstOverride(options), {
        p: N2,
        m: 1
      });
      return hash_to_field(msg, 1, opts2)[0][0];
    }
  });
}
function SWUFpSqrtRatio(Fp3, Z) {
  const F2 = validateField2(Fp3);
  const q = F2.ORDER;
  let l = _0n10;
  for (let o = q - _1n11; o % _2n7 === _0n10; o /= _2n7)
    l += _1n11;
  const c1 = l;
  const _2n_pow_c1_1 = _2n7 << c1 - _1n11 - _1n11;
  const _2n_pow_c1 = _2n_pow_c1_1 * _2n7;
  const c2 = (q - _1n11) / _2n_pow_c1;
  const c3 = (c2 - _1n11) / _2n7;
  const c4 = _2n_pow_c1 - _1n11;
  const c5 = _2n_pow_c1_1;
  const c6 = F2.pow(Z, c2);
  const c7 = F2.pow(Z, (c2 + _1n11) / _2n7);
  let sqrtRatio = (u, v) => {
    let tv1 = c6;
    let tv2 = F2.pow(v, c4);
    let tv3 = F2.sqr(tv2);
    tv3 = F2.mul(tv3, v);
    let tv5 = F2.mul(u, tv3);
    tv5 = F2.pow(tv5, c3);
    tv5 = F2.mul(tv5, tv2);
    tv2 = F2.mul(tv5, v);
    tv3 = F2.mul(tv5, u);
    let tv4 = F2.mul(tv3, tv2);
    tv5 = F2.pow(tv4, c5);
    let isQR = F2.eql(tv5, F2.ONE);
    tv2 = F2.mul(tv3, c7);
    tv5 = F2.mul(tv4, tv1);
    tv3 = F2.cmov(tv2, tv3, isQR);
    tv4 = F2.cmov(tv5, tv4, isQR);
    for (let i = c1; i > _1n11; i--) {
      let tv52 = i - _2n7;
      tv52 = _2n7 << tv52 - _1n11;
      let tvv5 = F2.pow(tv4, tv52);
      const e1 = F2.eql(tvv5, F2.ONE);
      tv2 = F2.mul(tv3, tv1);
      tv1 = F2.mul(tv1, tv1);
      tvv5 = F2.mul(tv4, tv1);
      tv3 = F2.cmov(tv2, tv3, e1);
      tv4 = F2.cmov(tvv5, tv4, e1);
    }
    return { isValid: !F2.is0(v) && (isQR || F2.is0(u)), value: tv3 };
  };
  if (F2.ORDER % _4n5 === _3n5) {
    const c12 = (F2.ORDER - _3n5) / _4n5;
    const c22 = F2.sqrt(F2.neg(Z));
    sqrtRatio = (u, v) => {
      let tv1 = F2.sqr(v);
      const tv2 = F2.mul(u, v);
      tv1 = F2.mul(tv1, tv2);
      let y1 = F2.pow(tv1, c12);
      y1 = F2.mul(y1, tv2);
      const y2 = F2.mul(y1, c22);
      const tv3 = F2.mul(F2.sqr(y1), v);
      const isQR = F2.eql(tv3, u);
      let y = F2.cmov(y2, y1, isQR);
      return { isValid: !F2.is0(v) && isQR, value: y };
    };
  }
  return sqrtRatio;
}
function mapToCurveSimpleSWU2(Fp3, opts2) {
  const F2 = validateField2(Fp3);
  validateObject2(opts2, {}, {}, "opts");
  const { A, B: B2, Z } = opts2;
  if (!F2.isValidNot0(A) || !F2.isValidNot0(B2) || !F2.isValid(Z))
    throw new Error("mapToCurveSimpleSWU: invalid opts");
  if (F2.eql(Z, F2.neg(F2.ONE)) || FpIsSquare(F2, Z))
    throw new Error("mapToCurveSimpleSWU: invalid opts");
  const x = F2.mul(B2, F2.inv(F2.mul(Z, A)));
  const gx = F2.add(F2.add(F2.mul(F2.sqr(x), x), F2.mul(A, x)), B2);
  if (!FpIsSquare(F2, gx))
    throw new Error("mapToCurveSimpleSWU: invalid opts");
  const sqrtRatio = SWUFpSqrtRatio(F2, Z);
  if (!F2.isOdd)
    throw new Error("Field does not have .isOdd()");
  return (u) => {
    let tv1, tv2, tv3, tv4, tv5, tv6, x2, y;
    tv1 = F2.sqr(u);
    tv1 = F2.mul(tv1, Z);
    tv2 = F2.sqr(tv1);
    tv2 = F2.add(tv2, tv1);
    tv3 = F2.add(tv2, F2.ONE);
    tv3 = F2.mul(tv3, B2);
    tv4 = F2.cmov(Z, F2.neg(tv2), !F2.eql(tv2, F2.ZERO));
    tv4 = F2.mul(tv4, A);
    tv2 = F2.sqr(tv3);
    tv6 = F2.sqr(tv4);
    tv5 = F2.mul(tv6, A);
    tv2 = F2.add(tv2, tv5);
    tv2 = F2.mul(tv2, tv3);
    tv6 = F2.mul(tv6, tv4);
    tv5 = F2.mul(tv6, B2);
    tv2 = F2.add(tv2, tv5);
    x2 = F2.mul(tv1, tv3);
    const { isValid, value } = sqrtRatio(tv2, tv6);
    y = F2.mul(tv1, u);
    y = F2.mul(y, value);
    x2 = F2.cmov(x2, tv3, isValid);
    y = F2.cmov(y, value, isValid);
    const e1 = F2.isOdd(u) === F2.isOdd(y);
    y = F2.cmov(F2.neg(y), y, e1);
    const tv4_inv = FpInvertBatch2(F2, [tv4], true)[0];
    x2 = F2.mul(x2, tv4_inv);
    return { x: x2, y };
  };
}
var _0n10, _1n11, _2n7, _3n5, _4n5, os2ip, _DST_scalar;
var init_hash_to_curve = __esm({
  "node_modules/@noble/curves/abstract/hash-to-curve.js"() {
    init_utils6();
    init_modular2();
    _0n10 = /* @__PURE__ */ BigInt(0);
    _1n11 = /* @__PURE__ */ BigInt(1);
    _2n7 = /* @__PURE__ */ BigInt(2);
    _3n5 = /* @__PURE__ */ BigInt(3);
    _4n5 = /* @__PURE__ */ BigInt(4);
    os2ip = bytesToNumberBE2;
    _DST_scalar = "HashToScalar-";
  }
});

// node_modules/@noble/curves/abstract/der.js
var _0n11, DERErr2, _DER, DER2;
var init_der2 = __esm({
  "node_modules/@noble/curves/abstract/der.js"() {
    init_utils6();
    _0n11 = /* @__PURE__ */ BigInt(0);
    DERErr2 = class extends Error {
      constructor(m = "") {
        super(m);
      }
    };
    _DER = {
      // asn.1 DER encoding utils
      Err: DERErr2,
      // Basic building block is TLV (Tag-Length-Value)
      _tlv: {
        encode: (tag, data) => {
          const { Err: E } = _DER;
          asafenumber(tag, "tag");
          if (tag < 0 || tag > 255)
            throw new E("tlv.encode: wrong tag");
          astring(data, "data");
          if (data.length & 1)
            throw new E("tlv.encode: unpadded data");
          const dataLen = data.length / 2;
          const len2 = numberToHexUnpadded2(dataLen);
          if (len2.length / 2 & 128)
            throw new E("tlv.encode: long form length too big");
          const lenLen = dataLen > 127 ? numberToHexUnpadded2(len2.length / 2 | 128) : "";
          const t = numberToHexUnpadded2(tag);
          return t + lenLen + len2 + data;
        },
        // v - value, l - left bytes (unparsed)
        decode(tag, data) {
          const { Err: E } = _DER;
          data = abytes5(data, void 0, "DER data");
          let pos = 0;
          if (tag < 0 || tag > 255)
            throw new E("tlv.decode: wrong tag");
          if (data.length < 2 || data[pos++] !== tag)
            throw new E("tlv.decode: wrong tlv");
          const first = data[pos++];
          const isLong = !!(first & 128);
          let length = 0;
          if (!isLong)
            length = first;
          else {
            const lenLen = first & 127;
            if (!lenLen)
              throw new E("tlv.decode(long): indefinite length not supported");
            if (lenLen > 4)
              throw new E("tlv.decode(long): byte length is too big");
            const lengthBytes = data.subarray(pos, pos + lenLen);
            if (lengthBytes.length !== lenLen)
              throw new E("tlv.decode: length bytes not complete");
            if (lengthBytes[0] === 0)
              throw new E("tlv.decode(long): zero leftmost byte");
            for (const b of lengthBytes)
              length = length << 8 | b;
            pos += lenLen;
            if (length < 128)
              throw new E("tlv.decode(long): not minimal encoding");
          }
          const v = data.subarray(pos, pos + length);
          if (v.length !== length)
            throw new E("tlv.decode: wrong value length");
          return { v, l: data.subarray(pos + length) };
        }
      },
      // https://crypto.stackexchange.com/a/57734 Leftmost bit of first byte is 'negative' flag,
      // since we always use positive integers here. It must always be empty:
      // - add zero byte if exists
      // - if next byte doesn't have a flag, leading zero is not allowed (minimal encoding)
      _int: {
        encode(num) {
          const { Err: E } = _DER;
          abignumber2(num);
          if (num < _0n11)
            throw new E("integer: negative integers are not allowed");
          let hex = numberToHexUnpadded2(num);
          if (Number.parseInt(hex[0], 16) & 8)
            hex = "00" + hex;
          if (hex.length & 1)
            throw new E("unexpected DER parsing assertion: unpadded hex");
          return hex;
        },
        decode(data) {
          const { Err: E } = _DER;
          if (data.length < 1)
            throw new E("invalid signature integer: empty");
          if (data[0] & 128)
            throw new E("invalid signature integer: negative");
          if (data.length > 1 && data[0] === 0 && !(data[1] & 128))
            throw new E("invalid signature integer: unnecessary leading zero");
          return bytesToNumberBE2(data);
        }
      },
      toSig(bytes, maxScalarBytes) {
        const { Err: E, _int: int, _tlv: tlv2 } = _DER;
        if (maxScalarBytes !== void 0) {
          asafenumber(maxScalarBytes, "maxScalarBytes");
          if (maxScalarBytes < 1)
            throw new E("invalid signature: maxScalarBytes must be positive");
        }
        const data = abytes5(bytes, void 0, "signature");
        const { v: seqBytes, l: seqLeftBytes } = tlv2.decode(48, data);
        if (seqLeftBytes.length)
          throw new E("invalid signature: left bytes after parsing");
        const { v: rBytes, l: rLeftBytes } = tlv2.decode(2, seqBytes);
        const { v: sBytes, l: sLeftBytes } = tlv2.decode(2, rLeftBytes);
        if (sLeftBytes.length)
          throw new E("invalid signature: left bytes after parsing");
        if (maxScalarBytes !== void 0 && (rBytes.length > maxScalarBytes || sBytes.length > maxScalarBytes))
          throw new E("invalid signature: integer too large");
        return { r: int.decode(rBytes), s: int.decode(sBytes) };
      },
      hexFromSig(sig) {
        const { _tlv: tlv2, _int: int } = _DER;
        validateObject2(sig, { r: "bigint", s: "bigint" }, {}, "sig");
        const rs = tlv2.encode(2, int.encode(sig.r));
        const ss = tlv2.encode(2, int.encode(sig.s));
        const seq = rs + ss;
        return tlv2.encode(48, seq);
      }
    };
    DER2 = /* @__PURE__ */ (() => {
      Object.freeze(_DER._tlv);
      Object.freeze(_DER._int);
      return Object.freeze(_DER);
    })();
  }
});

// node_modules/@noble/curves/abstract/weierstrass.js
function _splitEndoScalar2(k, basis, n) {
  aInRange2("scalar", k, _0n12, n);
  const [[a1, b1], [a2, b2]] = basis;
  const c1 = divNearest2(b2 * k, n);
  const c2 = divNearest2(-b1 * k, n);
  let k1 = k - c1 * a1 - c2 * a2;
  let k2 = -c1 * b1 - c2 * b2;
  const k1neg = k1 < _0n12;
  const k2neg = k2 < _0n12;
  if (k1neg)
    k1 = -k1;
  if (k2neg)
    k2 = -k2;
  const MAX_NUM = bitMask2(Math.ceil(bitLen2(n) / 2)) + _1n12;
  if (k1 < _0n12 || k1 >= MAX_NUM || k2 < _0n12 || k2 >= MAX_NUM) {
    throw new Error("splitScalar (endomorphism): failed for k");
  }
  return { k1neg, k1, k2neg, k2 };
}
function validateSigFormat2(format) {
  if (!["compact", "recovered", "der"].includes(format))
    throw new Error('Signature format must be "compact", "recovered", or "der"');
  return format;
}
function validateSigOpts2(opts2, def) {
  validateObject2(opts2);
  const optsn = {};
  for (let optName of Object.keys(def)) {
    optsn[optName] = opts2[optName] === void 0 ? def[optName] : opts2[optName];
  }
  abool3(optsn.lowS, "lowS");
  abool3(optsn.prehash, "prehash");
  if (optsn.format !== void 0)
    validateSigFormat2(optsn.format);
  return optsn;
}
function weierstrass2(params, extraOpts = {}) {
  const validated = createCurveFields2("weierstrass", params, extraOpts);
  const Fp3 = validated.Fp;
  const Fn = validated.Fn;
  let CURVE = validated.CURVE;
  const { h: cofactor, n: CURVE_ORDER } = CURVE;
  validateObject2(extraOpts, {}, {
    allowInfinityPoint: "boolean",
    clearCofactor: "function",
    isTorsionFree: "function",
    fromBytes: "function",
    toBytes: "function",
    endo: "object",
    randomBytes: "function"
  });
  const { endo: endoOpts, allowInfinityPoint, clearCofactor, isTorsionFree, fromBytes, toBytes } = extraOpts;
  const randomBytes7 = extraOpts.randomBytes === void 0 ? randomBytes5 : extraOpts.randomBytes;
  if (endoOpts) {
    if (!Fp3.is0(CURVE.a) || typeof endoOpts.beta !== "bigint" || !Array.isArray(endoOpts.basises)) {
      throw new Error('invalid endo: expected "beta": bigint and "basises": array');
    }
  }
  const endo = endoOpts ? {
    beta: endoOpts.beta,
    basises: endoOpts.basises.map((basis) => [...basis])
  } : void 0;
  const lengths = getWLengths2(Fp3, Fn);
  function assertCompressionIsSupported() {
    if (!Fp3.isOdd)
      throw new Error("compression is not supported: Field does not have .isOdd()");
  }
  function pointToBytes(_c, point, isCompressed) {
    if (point.is0()) {
      if (!allowInfinityPoint)
        throw new Error("bad point: ZERO");
      return Uint8Array.of(0);
    }
    const { x, y } = point.toAffine();
    const bx = Fp3.toBytes(x);
    abool3(isCompressed, "isCompressed");
    if (isCompressed) {
      assertCompressionIsSupported();
      const hasEvenY = !Fp3.isOdd(y);
      return concatBytes3(pprefix2(hasEvenY), bx);
    } else {
      return concatBytes3(Uint8Array.of(4), bx, Fp3.toBytes(y));
    }
  }
  function pointFromBytes(bytes) {
    abytes5(bytes, void 0, "Point");
    const { publicKey: comp, publicKeyUncompressed: uncomp } = lengths;
    const length = bytes.length;
    const head = bytes[0];
    const tail = bytes.subarray(1);
    if (allowInfinityPoint && length === 1 && head === 0)
      return { x: Fp3.ZERO, y: Fp3.ZERO };
    if (length === comp && (head === 2 || head === 3)) {
      const x = Fp3.fromBytes(tail);
      if (!Fp3.isValid(x))
        throw new Error("bad point: is not on curve, wrong x");
      const y2 = weierstrassEquation(x);
      let y;
      try {
        y = Fp3.sqrt(y2);
      } catch (sqrtError) {
        const err2 = sqrtError instanceof Error ? ": " + sqrtError.message : "";
        throw new Error("bad point: is not on curve, sqrt error" + err2);
      }
      assertCompressionIsSupported();
      const evenY = Fp3.isOdd(y);
      const evenH = (head & 1) === 1;
      if (evenH !== evenY)
        y = Fp3.neg(y);
      return { x, y };
    } else if (length === uncomp && head === 4) {
      const L = Fp3.BYTES;
      const x = Fp3.fromBytes(tail.subarray(0, L));
      const y = Fp3.fromBytes(tail.subarray(L, L * 2));
      if (!isValidXY(x, y))
        throw new Error("bad point: is not on curve");
      return { x, y };
    } else {
      throw new Error(`bad point: got length ${length}, expected compressed=${comp} or uncompressed=${uncomp}`);
    }
  }
  const encodePoint = toBytes === void 0 ? pointToBytes : toBytes;
  const decodePoint = fromBytes === void 0 ? pointFromBytes : fromBytes;
  const b3 = Fp3.mul(CURVE.b, _3n6);
  const mulA = Fp3.is0(CURVE.a) ? (_) => Fp3.ZERO : (x) => Fp3.mul(CURVE.a, x);
  function weierstrassEquation(x) {
    const x2 = Fp3.sqr(x);
    const x3 = Fp3.mul(x2, x);
    return Fp3.add(Fp3.add(x3, Fp3.mul(x, CURVE.a)), CURVE.b);
  }
  function isValidXY(x, y) {
    const left = Fp3.sqr(y);
    const right = weierstrassEquation(x);
    return Fp3.eql(left, right);
  }
  if (!isValidXY(CURVE.Gx, CURVE.Gy))
    throw new Error("bad curve params: generator point");
  const _4a3 = Fp3.mul(Fp3.pow(CURVE.a, _3n6), _4n6);
  const _27b2 = Fp3.mul(Fp3.sqr(CURVE.b), BigInt(27));
  if (Fp3.is0(Fp3.add(_4a3, _27b2)))
    throw new Error("bad curve params: a or b");
  function acoord(title, n, banZero = false) {
    if (!Fp3.isValid(n) || banZero && Fp3.is0(n))
      throw new Error(`bad point coordinate ${title}`);
    return typeof n === "object" && n !== null ? Fp3.create(n) : n;
  }
  function aprjpoint(other) {
    if (!(other instanceof Point))
      throw new Error("Weierstrass Point expected");
  }
  function splitEndoScalarN(k) {
    if (!endo || !endo.basises)
      throw new Error("no endo");
    return _splitEndoScalar2(k, endo.basises, Fn.ORDER);
  }
  function pushWnafPair(points, scalars, p, k) {
    if (!Fn.isValid(k))
      throw new RangeError("invalid scalar: out of range");
    if (endo) {
      const { k1neg, k1, k2neg, k2 } = splitEndoScalarN(k);
      const psi = new Point(Fp3.mul(p.X, endo.beta), p.Y, p.Z);
      points.push(k1neg ? p.negate() : p, k2neg ? psi.negate() : psi);
      scalars.push(k1, k2);
    } else {
      points.push(p);
      scalars.push(k);
    }
  }
  const validityCache = /* @__PURE__ */ new WeakSet();
  class Point {
    static BASE = new Point(CURVE.Gx, CURVE.Gy, Fp3.ONE);
    static ZERO = new Point(Fp3.ZERO, Fp3.ONE, Fp3.ZERO);
    static Fp = Fp3;
    static Fn = Fn;
    X;
    Y;
    Z;
    /** Does NOT validate if the point is valid. Use `.assertValidity()`. */
    constructor(X, Y, Z) {
      this.X = acoord("x", X);
      this.Y = acoord("y", Y, true);
      this.Z = acoord("z", Z);
      Object.freeze(this);
    }
    static CURVE() {
      return CURVE;
    }
    /** Does NOT validate if the point is valid. Use `.assertValidity()`. */
    static fromAffine(p) {
      const { x, y } = p || {};
      if (!p || !Fp3.isValid(x) || !Fp3.isValid(y))
        throw new Error("invalid affine point");
      if (p instanceof Point)
        throw new Error("projective point not allowed");
      if (Fp3.is0(x) && Fp3.is0(y))
        return Point.ZERO;
      return new Point(x, y, Fp3.ONE);
    }
    static fromBytes(bytes) {
      const P3 = Point.fromAffine(decodePoint(abytes5(bytes, void 0, "point")));
      P3.assertValidity();
      return P3;
    }
    static fromHex(hex) {
      return Point.fromBytes(hexToBytes3(hex));
    }
    get x() {
      return this.toAffine().x;
    }
    get y() {
      return this.toAffine().y;
    }
    /**
     * @param isLazy - true will defer table computation until the first multiplication
     */
    precompute(windowSize = 6, isLazy = true) {
      wnaf.setWindowSize(this, windowSize);
      if (!isLazy)
        this.multiply(_3n6);
      return this;
    }
    // TODO: return `this`
    /** A point on curve is valid if it conforms to equation. */
    assertValidity() {
      const p = this;
      if (p.is0()) {
        if (allowInfinityPoint && Fp3.is0(p.X) && Fp3.eql(p.Y, Fp3.ONE) && Fp3.is0(p.Z))
          return;
        throw new Error("bad point: ZERO");
      }
      if (validityCache.has(p))
        return;
      const { x, y } = p.toAffine();
      if (!Fp3.isValid(x) || !Fp3.isValid(y))
        throw new Error("bad point: x or y not field elements");
      if (!isValidXY(x, y))
        throw new Error("bad point: equation left != right");
      if (!p.isTorsionFree())
        throw new Error("bad point: not in prime-order subgroup");
      validityCache.add(p);
    }
    hasEvenY() {
      const { y } = this.toAffine();
      if (!Fp3.isOdd)
        throw new Error("Field doesn't support isOdd");
      return !Fp3.isOdd(y);
    }
    /** Compare one point to another. */
    equals(other) {
      aprjpoint(other);
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const { X: X2, Y: Y2, Z: Z2 } = other;
      const U1 = Fp3.eql(Fp3.mul(X1, Z2), Fp3.mul(X2, Z1));
      const U2 = Fp3.eql(Fp3.mul(Y1, Z2), Fp3.mul(Y2, Z1));
      return U1 && U2;
    }
    /** Flips point to one corresponding to (x, -y) in Affine coordinates. */
    negate() {
      return new Point(this.X, Fp3.neg(this.Y), this.Z);
    }
    // Renes-Costello-Batina exception-free doubling formula.
    // There is 30% faster Jacobian formula, but it is not complete.
    // https://eprint.iacr.org/2015/1060, algorithm 3
    // Cost: 8M + 3S + 3*a + 2*b3 + 15add.
    double() {
      const { X: X1, Y: Y1, Z: Z1 } = this;
      let X3 = Fp3.ZERO, Y3 = Fp3.ZERO, Z3 = Fp3.ZERO;
      let t0 = Fp3.mul(X1, X1);
      let t1 = Fp3.mul(Y1, Y1);
      let t2 = Fp3.mul(Z1, Z1);
      let t3 = Fp3.mul(X1, Y1);
      t3 = Fp3.add(t3, t3);
      Z3 = Fp3.mul(X1, Z1);
      Z3 = Fp3.add(Z3, Z3);
      X3 = mulA(Z3);
      Y3 = Fp3.mul(b3, t2);
      Y3 = Fp3.add(X3, Y3);
      X3 = Fp3.sub(t1, Y3);
      Y3 = Fp3.add(t1, Y3);
      Y3 = Fp3.mul(X3, Y3);
      X3 = Fp3.mul(t3, X3);
      Z3 = Fp3.mul(b3, Z3);
      t2 = mulA(t2);
      t3 = Fp3.sub(t0, t2);
      t3 = mulA(t3);
      t3 = Fp3.add(t3, Z3);
      Z3 = Fp3.add(t0, t0);
      t0 = Fp3.add(Z3, t0);
      t0 = Fp3.add(t0, t2);
      t0 = Fp3.mul(t0, t3);
      Y3 = Fp3.add(Y3, t0);
      t2 = Fp3.mul(Y1, Z1);
      t2 = Fp3.add(t2, t2);
      t0 = Fp3.mul(t2, t3);
      X3 = Fp3.sub(X3, t0);
      Z3 = Fp3.mul(t2, t1);
      Z3 = Fp3.add(Z3, Z3);
      Z3 = Fp3.add(Z3, Z3);
      return new Point(X3, Y3, Z3);
    }
    // Renes-Costello-Batina exception-free addition formula.
    // There is 30% faster Jacobian formula, but it is not complete.
    // https://eprint.iacr.org/2015/1060, algorithm 1
    // Cost: 12M + 0S + 3*a + 3*b3 + 23add.
    add(other) {
      aprjpoint(other);
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const { X: X2, Y: Y2, Z: Z2 } = other;
      let X3 = Fp3.ZERO, Y3 = Fp3.ZERO, Z3 = Fp3.ZERO;
      let t0 = Fp3.mul(X1, X2);
      let t1 = Fp3.mul(Y1, Y2);
      let t2 = Fp3.mul(Z1, Z2);
      let t3 = Fp3.add(X1, Y1);
      let t4 = Fp3.add(X2, Y2);
      t3 = Fp3.mul(t3, t4);
      t4 = Fp3.add(t0, t1);
      t3 = Fp3.sub(t3, t4);
      t4 = Fp3.add(X1, Z1);
      let t5 = Fp3.add(X2, Z2);
      t4 = Fp3.mul(t4, t5);
      t5 = Fp3.add(t0, t2);
      t4 = Fp3.sub(t4, t5);
      t5 = Fp3.add(Y1, Z1);
      X3 = Fp3.add(Y2, Z2);
      t5 = Fp3.mul(t5, X3);
      X3 = Fp3.add(t1, t2);
      t5 = Fp3.sub(t5, X3);
      Z3 = mulA(t4);
      X3 = Fp3.mul(b3, t2);
      Z3 = Fp3.add(X3, Z3);
      X3 = Fp3.sub(t1, Z3);
      Z3 = Fp3.add(t1, Z3);
      Y3 = Fp3.mul(X3, Z3);
      t1 = Fp3.add(t0, t0);
      t1 = Fp3.add(t1, t0);
      t2 = mulA(t2);
      t4 = Fp3.mul(b3, t4);
      t1 = Fp3.add(t1, t2);
      t2 = Fp3.sub(t0, t2);
      t2 = mulA(t2);
      t4 = Fp3.add(t4, t2);
      t0 = Fp3.mul(t1, t4);
      Y3 = Fp3.add(Y3, t0);
      t0 = Fp3.mul(t5, t4);
      X3 = Fp3.mul(t3, X3);
      X3 = Fp3.sub(X3, t0);
      t0 = Fp3.mul(t3, t1);
      Z3 = Fp3.mul(t5, Z3);
      Z3 = Fp3.add(Z3, t0);
      return new Point(X3, Y3, Z3);
    }
    subtract(other) {
      aprjpoint(other);
      return this.add(other.negate());
    }
    is0() {
      return this.equals(Point.ZERO);
    }
    /**
     * Constant time multiplication.
     * Uses precomputed tables (signed fixed-window wNAF) when available.
     * Uses scalar blinding and avoids endomorphism splitting in the secret-scalar path.
     * @param scalar - by which the point would be multiplied
     * @returns New point
     */
    multiply(scalar) {
      if (!Fn.isValidNot0(scalar))
        throw new RangeError("invalid scalar: out of range");
      const { p, f } = wnaf.mulSecret(this, scalar, cofactor, normalize);
      return normalize([p, f])[0];
    }
    /**
     * Non-constant-time multiplication. Uses width-4 wNAF with GLV endomorphism splitting
     * when available (two half-width scalars sharing one halved doubling chain).
     * It's faster, but should only be used when you don't care about
     * an exposed secret key e.g. sig verification, which works over *public* keys.
     */
    multiplyUnsafe(scalar) {
      const p = this;
      const sc = scalar;
      if (!Fn.isValid(sc))
        throw new RangeError("invalid scalar: out of range");
      if (sc === _0n12 || p.is0())
        return Point.ZERO;
      if (sc === _1n12)
        return p;
      if (wnaf.hasWindowSize(this))
        return wnaf.mulUnsafe(p, sc, normalize);
      const points = [];
      const scalars = [];
      pushWnafPair(points, scalars, p, sc);
      return mulAddUnsafe(Point, points, scalars);
    }
    /**
     * Non-constant-time double-scalar multiplication `a⋅this + b⋅other` (Strauss–Shamir).
     * Both walks share one doubling chain via {@link mulAddUnsafe}, and GLV endomorphism
     * (when available) halves the chain again by splitting each scalar into two half-width
     * parts. Used by ECDSA verification and public-key recovery for `R = u1⋅G + u2⋅P`.
     * Only for public scalars.
     */
    mulAddUnsafe(a, other, b) {
      aprjpoint(other);
      const points = [];
      const scalars = [];
      pushWnafPair(points, scalars, this, a);
      pushWnafPair(points, scalars, other, b);
      return mulAddUnsafe(Point, points, scalars);
    }
    /**
     * Converts Projective point to affine (x, y) coordinates.
     * (X, Y, Z) ∋ (x=X/Z, y=Y/Z).
     * @param invertedZ - Z^-1 (inverted zero) - optional, precomputation is useful for invertBatch
     */
    toAffine(invertedZ) {
      const p = this;
      let iz = invertedZ;
      if (iz != null && !Fp3.isValid(iz))
        throw new RangeError('"invertedZ" expected valid field element');
      const { X, Y, Z } = p;
      if (Fp3.eql(Z, Fp3.ONE))
        return { x: X, y: Y };
      const is0 = p.is0();
      if (iz == null)
        iz = is0 ? Fp3.ONE : Fp3.inv(Z);
      const x = Fp3.mul(X, iz);
      const y = Fp3.mul(Y, iz);
      const zz = Fp3.mul(Z, iz);
      if (is0)
        return { x: Fp3.ZERO, y: Fp3.ZERO };
      if (!Fp3.eql(zz, Fp3.ONE))
        throw new Error("invZ was invalid");
      return { x, y };
    }
    /**
     * Checks whether Point is free of torsion elements (is in prime subgroup).
     * Always torsion-free for cofactor=1 curves.
     */
    isTorsionFree() {
      if (cofactor === _1n12)
        return true;
      if (isTorsionFree)
        return isTorsionFree(Point, this);
      return wnaf.mulUnsafe(this, CURVE_ORDER).is0();
    }
    clearCofactor() {
      if (cofactor === _1n12)
        return this;
      if (clearCofactor)
        return clearCofactor(Point, this);
      return this.multiplyUnsafe(cofactor);
    }
    isSmallOrder() {
      if (cofactor === _1n12)
        return this.is0();
      return this.clearCofactor().is0();
    }
    toBytes(isCompressed = true) {
      abool3(isCompressed, "isCompressed");
      this.assertValidity();
      return encodePoint(Point, this, isCompressed);
    }
    toHex(isCompressed = true) {
      return bytesToHex3(this.toBytes(isCompressed));
    }
    toString() {
      return `<Point ${this.is0() ? "ZERO" : this.toHex()}>`;
    }
  }
  const normalize = (points) => normalizeZ2(Point, points);
  const wnaf = new ScalarMultiplier(Point, randomBytes7);
  if (wnaf.bits >= 6)
    Point.BASE.precompute(6);
  Object.freeze(Point.prototype);
  Object.freeze(Point);
  return Point;
}
function pprefix2(hasEvenY) {
  return Uint8Array.of(hasEvenY ? 2 : 3);
}
function getWLengths2(Fp3, Fn) {
  return {
    secretKey: Fn.BYTES,
    publicKey: 1 + Fp3.BYTES,
    publicKeyUncompressed: 1 + 2 * Fp3.BYTES,
    publicKeyHasPrefix: true,
    // Raw compact `(r || s)` signature width; DER and recovered signatures use
    // different lengths outside this helper.
    signature: 2 * Fn.BYTES
  };
}
function ecdh2(Point, ecdhOpts = {}) {
  validatePointCons(Point);
  const { Fn } = Point;
  const randomBytes_ = ecdhOpts.randomBytes === void 0 ? randomBytes5 : ecdhOpts.randomBytes;
  const lengths = Object.assign(getWLengths2(Point.Fp, Fn), {
    seed: Math.max(getMinHashLength2(Fn.ORDER), 16)
  });
  function isValidSecretKey(secretKey) {
    try {
      const num = Fn.fromBytes(secretKey);
      return Fn.isValidNot0(num);
    } catch (error) {
      return false;
    }
  }
  function isValidPublicKey(publicKey, isCompressed) {
    const { publicKey: comp, publicKeyUncompressed } = lengths;
    try {
      const l = publicKey.length;
      if (isCompressed === true && l !== comp)
        return false;
      if (isCompressed === false && l !== publicKeyUncompressed)
        return false;
      return !Point.fromBytes(publicKey).is0();
    } catch (error) {
      return false;
    }
  }
  function randomSecretKey(seed) {
    seed = seed === void 0 ? randomBytes_(lengths.seed) : seed;
    return mapHashToField2(abytes5(seed, lengths.seed, "seed"), Fn.ORDER);
  }
  function getPublicKey(secretKey, isCompressed = true) {
    return Point.BASE.multiply(Fn.fromBytes(secretKey)).toBytes(isCompressed);
  }
  function isProbPub(item) {
    const { secretKey, publicKey, publicKeyUncompressed } = lengths;
    const allowedLengths = Fn._lengths;
    if (!isBytes5(item))
      return void 0;
    const l = abytes5(item, void 0, "key").length;
    const isPub = l === publicKey || l === publicKeyUncompressed;
    const isSec = l === secretKey || !!allowedLengths?.includes(l);
    if (isPub && isSec)
      return void 0;
    return isPub;
  }
  function getSharedSecret(secretKeyA, publicKeyB, isCompressed = true) {
    if (isProbPub(secretKeyA) === true)
      throw new Error("first arg must be private key");
    if (isProbPub(publicKeyB) === false)
      throw new Error("second arg must be public key");
    const s = Fn.fromBytes(secretKeyA);
    const b = Point.fromBytes(publicKeyB);
    if (b.is0())
      throw new Error("invalid public key: point at infinity");
    return b.multiply(s).toBytes(isCompressed);
  }
  const utils = {
    isValidSecretKey,
    isValidPublicKey,
    randomSecretKey
  };
  const keygen = createKeygen2(randomSecretKey, getPublicKey);
  Object.freeze(utils);
  Object.freeze(lengths);
  return Object.freeze({ getPublicKey, getSharedSecret, keygen, Point, utils, lengths });
}
function ecdsa2(Point, hash, ecdsaOpts = {}) {
  validatePointCons(Point);
  const hash_ = hash;
  ahash(hash_);
  validateObject2(ecdsaOpts, {}, {
    hmac: "function",
    lowS: "boolean",
    randomBytes: "function",
    bits2int: "function",
    bits2int_modN: "function"
  });
  const opts2 = Object.assign({}, ecdsaOpts);
  const randomBytes7 = opts2.randomBytes === void 0 ? randomBytes5 : opts2.randomBytes;
  const hmac3 = opts2.hmac === void 0 ? (key, msg) => hmac(hash_, key, msg) : opts2.hmac;
  const { Fp: Fp3, Fn } = Point;
  const { ORDER: CURVE_ORDER, BITS: fnBits } = Fn;
  const blindLength = getMinHashLength2(CURVE_ORDER);
  const csprng = probeRandomBytes(randomBytes7, blindLength);
  const { keygen, getPublicKey, getSharedSecret, utils, lengths } = ecdh2(Point, opts2);
  const defaultSigOpts = {
    prehash: true,
    lowS: typeof opts2.lowS === "boolean" ? opts2.lowS : true,
    format: "compact",
    extraEntropy: false
  };
  const hasLargeRecoveryLifts = CURVE_ORDER * _2n8 + _1n12 < Fp3.ORDER;
  function isBiggerThanHalfOrder(number) {
    const HALF = CURVE_ORDER >> _1n12;
    return number > HALF;
  }
  function validateRS(title, num) {
    if (!Fn.isValidNot0(num))
      throw new Error(`invalid signature ${title}: out of range 1..Point.Fn.ORDER`);
    return num;
  }
  function assertFieldSignIsSupported() {
    if (!Fp3.isOdd)
      throw new Error("Field doesn't support isOdd");
  }
  function getRecoveryBit(x, y, r) {
    assertFieldSignIsSupported();
    return (x === r ? 0 : 2) | Number(Fp3.isOdd(y));
  }
  function assertRecoverableCurve() {
    if (hasLargeRecoveryLifts)
      throw new Error('"recovered" sig type is not supported for cofactor >2 curves');
  }
  function validateSigLength(bytes, format) {
    validateSigFormat2(format);
    const size = lengths.signature;
    const sizer = format === "compact" ? size : format === "recovered" ? size + 1 : void 0;
    return abytes5(bytes, sizer);
  }
  class Signature {
    r;
    s;
    recovery;
    constructor(r, s, recovery) {
      this.r = validateRS("r", r);
      this.s = validateRS("s", s);
      if (recovery != null) {
        assertRecoverableCurve();
        if (![0, 1, 2, 3].includes(recovery))
          throw new Error("invalid recovery id");
        this.recovery = recovery;
      }
      Object.freeze(this);
    }
    static fromBytes(bytes, format = defaultSigOpts.format) {
      validateSigLength(bytes, format);
      let recid;
      if (format === "der") {
        if (bytes.length > 2 * Fn.BYTES + 16)
          throw new DER2.Err("invalid signature: DER signature too long");
        const { r: r2, s: s2 } = DER2.toSig(abytes5(bytes), Fn.BYTES + 1);
        return new Signature(r2, s2);
      }
      if (format === "recovered") {
        recid = bytes[0];
        format = "compact";
        bytes = bytes.subarray(1);
      }
      const L = lengths.signature / 2;
      const r = bytes.subarray(0, L);
      const s = bytes.subarray(L, L * 2);
      return new Signature(Fn.fromBytes(r), Fn.fromBytes(s), recid);
    }
    static fromHex(hex, format) {
      return this.fromBytes(hexToBytes3(hex), format);
    }
    assertRecovery() {
      const { recovery } = this;
      if (recovery == null)
        throw new Error("invalid recovery id: must be present");
      return recovery;
    }
    addRecoveryBit(recovery) {
      return new Signature(this.r, this.s, recovery);
    }
    // Unlike the top-level helper below, this method expects a digest that has
    // already been hashed to the curve's message representative.
    recoverPublicKey(messageHash) {
      const { r, s } = this;
      const recovery = this.assertRecovery();
      const radj = recovery === 2 || recovery === 3 ? r + CURVE_ORDER : r;
      if (!Fp3.isValid(radj))
        throw new Error("invalid recovery id: sig.r+curve.n != R.x");
      const x = Fp3.toBytes(radj);
      const R2 = Point.fromBytes(concatBytes3(pprefix2((recovery & 1) === 0), x));
      const ir = Fn.inv(radj);
      const h = bits2int_modN(abytes5(messageHash, void 0, "msgHash"));
      const u1 = Fn.create(-h * ir);
      const u2 = Fn.create(s * ir);
      const Q2 = Point.BASE.mulAddUnsafe(u1, R2, u2);
      if (Q2.is0())
        throw new Error("invalid recovery: point at infinify");
      Q2.assertValidity();
      return Q2;
    }
    // Signatures should be low-s, to prevent malleability.
    hasHighS() {
      return isBiggerThanHalfOrder(this.s);
    }
    toBytes(format = defaultSigOpts.format) {
      validateSigFormat2(format);
      if (format === "der")
        return hexToBytes3(DER2.hexFromSig(this));
      const { r, s } = this;
      const rb = Fn.toBytes(r);
      const sb = Fn.toBytes(s);
      if (format === "recovered") {
        assertRecoverableCurve();
        return concatBytes3(Uint8Array.of(this.assertRecovery()), rb, sb);
      }
      return concatBytes3(rb, sb);
    }
    toHex(format) {
      return bytesToHex3(this.toBytes(format));
    }
  }
  Object.freeze(Signature.prototype);
  Object.freeze(Signature);
  const bits2int = opts2.bits2int === void 0 ? function bits2int_def(bytes) {
    if (bytes.length > 8192)
      throw new Error("input is too large");
    const num = bytesToNumberBE2(bytes);
    const delta = bytes.length * 8 - fnBits;
    return delta > 0 ? num >> BigInt(delta) : num;
  } : opts2.bits2int;
  const bits2int_modN = opts2.bits2int_modN === void 0 ? function bits2int_modN_def(bytes) {
    return Fn.create(bits2int(bytes));
  } : opts2.bits2int_modN;
  const ORDER_MASK = bitMask2(fnBits);
  function int2octets(num) {
    aInRange2("num < 2^" + fnBits, num, _0n12, ORDER_MASK);
    return Fn.toBytes(num);
  }
  function validateMsgAndHash(message, prehash) {
    abytes5(message, void 0, "message");
    return prehash ? abytes5(hash_(message), void 0, "prehashed message") : message;
  }
  function prepSig(message, secretKey, opts3) {
    const { lowS, prehash, extraEntropy } = validateSigOpts2(opts3, defaultSigOpts);
    message = validateMsgAndHash(message, prehash);
    const h1int = bits2int_modN(message);
    const d = Fn.fromBytes(secretKey);
    if (!Fn.isValidNot0(d))
      throw new Error("invalid private key");
    const seedArgs = [int2octets(d), int2octets(h1int)];
    if (extraEntropy != null && extraEntropy !== false) {
      const e = extraEntropy === true ? randomBytes7(lengths.secretKey) : extraEntropy;
      seedArgs.push(abytes5(e, void 0, "extraEntropy"));
    }
    const seed = concatBytes3(...seedArgs);
    const m = h1int;
    function k2sig(kBytes) {
      const k = bits2int(kBytes);
      if (!Fn.isValidNot0(k))
        return;
      const q = Point.BASE.multiply(k).toAffine();
      const r = Fn.create(q.x);
      if (r === _0n12)
        return;
      let s;
      if (csprng !== void 0) {
        const b = bytesToNumberBE2(mapHashToField2(csprng(blindLength), CURVE_ORDER));
        const ibk = Fn.inv(Fn.mul(b, k));
        const bm = Fn.mul(b, m);
        const bd = Fn.mul(b, d);
        s = Fn.create(ibk * Fn.create(bm + bd * r));
      } else {
        const ik = invertCt(k, CURVE_ORDER);
        s = Fn.create(ik * Fn.create(m + r * d));
      }
      if (s === _0n12)
        return;
      let recovery = getRecoveryBit(q.x, q.y, r);
      let normS = s;
      if (lowS && isBiggerThanHalfOrder(s)) {
        normS = Fn.neg(s);
        recovery ^= 1;
      }
      return new Signature(r, normS, hasLargeRecoveryLifts ? void 0 : recovery);
    }
    return { seed, k2sig };
  }
  function sign2(message, secretKey, opts3 = {}) {
    const { seed, k2sig } = prepSig(message, secretKey, opts3);
    const drbg = createHmacDrbg2(hash_.outputLen, Fn.BYTES, hmac3);
    const sig = drbg(seed, k2sig);
    return sig.toBytes(opts3.format);
  }
  function verify(signature, message, publicKey, opts3 = {}) {
    const { lowS, prehash, format } = validateSigOpts2(opts3, defaultSigOpts);
    publicKey = abytes5(publicKey, void 0, "publicKey");
    message = validateMsgAndHash(message, prehash);
    if (!isBytes5(signature)) {
      const end = signature instanceof Signature ? ", use sig.toBytes()" : "";
      throw new Error("verify expects Uint8Array signature" + end);
    }
    validateSigLength(signature, format);
    try {
      const sig = Signature.fromBytes(signature, format);
      const P3 = Point.fromBytes(publicKey);
      if (P3.is0())
        return false;
      if (lowS && sig.hasHighS())
        return false;
      const { r, s } = sig;
      const h = bits2int_modN(message);
      const is = Fn.inv(s);
      const u1 = Fn.create(h * is);
      const u2 = Fn.create(r * is);
      const R2 = Point.BASE.mulAddUnsafe(u1, P3, u2);
      if (R2.is0())
        return false;
      const q = R2.toAffine();
      const v = Fn.create(q.x);
      if (v !== r)
        return false;
      if (format === "recovered" && sig.recovery !== getRecoveryBit(q.x, q.y, r))
        return false;
      return true;
    } catch (e) {
      return false;
    }
  }
  function recoverPublicKey(signature, message, opts3 = {}) {
    const { prehash } = validateSigOpts2(opts3, defaultSigOpts);
    message = validateMsgAndHash(message, prehash);
    return Signature.fromBytes(signature, "recovered").recoverPublicKey(message).toBytes();
  }
  return Object.freeze({
    keygen,
    getPublicKey,
    getSharedSecret,
    utils,
    lengths,
    Point,
    sign: sign2,
    verify,
    recoverPublicKey,
    Signature,
    hash: hash_
  });
}
var divNearest2, _0n12, _1n12, _2n8, _3n6, _4n6;
var init_weierstrass2 = __esm({
  "node_modules/@noble/curves/abstract/weierstrass.js"() {
    init_hmac();
    init_utils();
    init_utils6();
    init_curve2();
    init_der2();
    init_modular2();
    divNearest2 = (num, den) => (num + (num >= 0 ? den : -den) / _2n8) / den;
    _0n12 = /* @__PURE__ */ BigInt(0);
    _1n12 = /* @__PURE__ */ BigInt(1);
    _2n8 = /* @__PURE__ */ BigInt(2);
    _3n6 = /* @__PURE__ */ BigInt(3);
    _4n6 = /* @__PURE__ */ BigInt(4);
  }
});

// node_modules/@noble/curves/nist.js
var p256_CURVE2, p256_Point2, p2562;
var init_nist2 = __esm({
  "node_modules/@noble/curves/nist.js"() {
    init_sha2();
    init_weierstrass2();
    p256_CURVE2 = /* @__PURE__ */ (() => ({
      p: BigInt("0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
      n: BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
      h: BigInt(1),
      a: BigInt("0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc"),
      b: BigInt("0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
      Gx: BigInt("0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
      Gy: BigInt("0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
    }))();
    p256_Point2 = /* @__PURE__ */ weierstrass2(p256_CURVE2);
    p2562 = /* @__PURE__ */ ecdsa2(p256_Point2, sha256);
  }
});

// node_modules/@noble/curves/abstract/edwards.js
function isEdValidXY(Fp3, CURVE, x, y) {
  const x2 = Fp3.sqr(x);
  const y2 = Fp3.sqr(y);
  const left = Fp3.add(Fp3.mul(CURVE.a, x2), y2);
  const right = Fp3.add(Fp3.ONE, Fp3.mul(CURVE.d, Fp3.mul(x2, y2)));
  return Fp3.eql(left, right);
}
function edwards(params, extraOpts = {}) {
  validateObject2(extraOpts, {}, {}, "extraOpts");
  const opts2 = extraOpts;
  const validated = createCurveFields2("edwards", params, opts2, opts2.FpFnLE);
  const { Fp: Fp3, Fn } = validated;
  let CURVE = validated.CURVE;
  const { h: cofactor } = CURVE;
  if (FpLegendre2(Fp3, CURVE.a) !== 1)
    throw new Error("edwards: CURVE.a must be a square in Fp for complete addition formulas");
  if (FpLegendre2(Fp3, CURVE.d) !== -1)
    throw new Error("edwards: CURVE.d must be a non-square in Fp for complete addition formulas");
  validateObject2(opts2, {}, { uvRatio: "function", randomBytes: "function" });
  const randomBytes7 = opts2.randomBytes === void 0 ? randomBytes5 : opts2.randomBytes;
  const MASK = _2n9 << BigInt(Fp3.BYTES * 8) - _1n13;
  function isOdd(n) {
    if (!Fp3.isOdd)
      throw new Error("Field does not have .isOdd()");
    return Fp3.isOdd(n);
  }
  const uvRatio2 = opts2.uvRatio === void 0 ? (u, v) => {
    try {
      return { isValid: true, value: Fp3.sqrt(Fp3.div(u, v)) };
    } catch (e) {
      return { isValid: false, value: _0n13 };
    }
  } : opts2.uvRatio;
  if (!isEdValidXY(Fp3, CURVE, CURVE.Gx, CURVE.Gy))
    throw new Error("bad curve params: generator point");
  const mulA = Fp3.eql(CURVE.a, Fp3.neg(Fp3.ONE)) ? (x) => Fp3.neg(x) : Fp3.eql(CURVE.a, Fp3.ONE) ? (x) => x : (x) => Fp3.mul(CURVE.a, x);
  function acoord(title, n, banZero = false) {
    const min = banZero ? _1n13 : _0n13;
    aInRange2("coordinate " + title, n, min, MASK);
    return n;
  }
  function aedpoint(other) {
    if (!(other instanceof Point))
      throw new Error("EdwardsPoint expected");
  }
  class Point {
    static BASE = new Point(CURVE.Gx, CURVE.Gy, Fp3.ONE, Fp3.mul(CURVE.Gx, CURVE.Gy));
    static ZERO = new Point(Fp3.ZERO, Fp3.ONE, Fp3.ONE, Fp3.ZERO);
    static Fp = Fp3;
    static Fn = Fn;
    X;
    Y;
    Z;
    T;
    constructor(X, Y, Z, T) {
      this.X = acoord("x", X);
      this.Y = acoord("y", Y);
      this.Z = acoord("z", Z, true);
      this.T = acoord("t", T);
      Object.freeze(this);
    }
    static CURVE() {
      return CURVE;
    }
    /**
     * Create one extended Edwards point from affine coordinates.
     * Does NOT validate that the point is on-curve or torsion-free.
     * Use `.assertValidity()` on adversarial inputs.
     */
    static fromAffine(p) {
      if (p instanceof Point)
        throw new Error("extended point not allowed");
      const { x, y } = p || {};
      acoord("x", x);
      acoord("y", y);
      return new Point(x, y, Fp3.ONE, Fp3.mul(x, y));
    }
    // Uses algo from RFC8032 5.1.3.
    static fromBytes(bytes, zip215 = false) {
      const len2 = Fp3.BYTES;
      const { a, d } = CURVE;
      bytes = copyBytes4(abytes5(bytes, len2, "point"));
      abool3(zip215, "zip215");
      const normed = copyBytes4(bytes);
      const lastByte = bytes[len2 - 1];
      normed[len2 - 1] = lastByte & ~128;
      const y = bytesToNumberLE2(normed);
      const max = zip215 ? MASK : Fp3.ORDER;
      aInRange2("point.y", y, _0n13, max);
      const y2 = Fp3.sqr(y);
      const u = Fp3.sub(y2, Fp3.ONE);
      const v = Fp3.sub(Fp3.mulN(d, y2), a);
      let { isValid, value: x } = uvRatio2(u, v);
      if (!isValid)
        throw new Error("bad point: invalid y coordinate");
      const isXOdd = isOdd(x);
      const isLastByteOdd = (lastByte & 128) !== 0;
      if (!zip215 && Fp3.is0(x) && isLastByteOdd)
        throw new Error("bad point: x=0 and x_0=1");
      if (isLastByteOdd !== isXOdd)
        x = Fp3.neg(x);
      return Point.fromAffine({ x, y });
    }
    static fromHex(hex, zip215 = false) {
      return Point.fromBytes(hexToBytes3(hex), zip215);
    }
    get x() {
      return this.toAffine().x;
    }
    get y() {
      return this.toAffine().y;
    }
    precompute(windowSize = 6, isLazy = true) {
      wnaf.setWindowSize(this, windowSize);
      if (!isLazy)
        this.multiply(_2n9);
      return this;
    }
    // Useful in fromAffine() - not for fromBytes(), which always created valid points.
    assertValidity() {
      const p = this;
      const { a, d } = CURVE;
      if (p.is0())
        throw new Error("bad point: ZERO");
      const { X, Y, Z, T } = p;
      const X2 = Fp3.sqr(X);
      const Y2 = Fp3.sqr(Y);
      const Z2 = Fp3.sqr(Z);
      const Z4 = Fp3.sqr(Z2);
      const aX2 = Fp3.mul(X2, a);
      const left = Fp3.mul(Fp3.add(aX2, Y2), Z2);
      const right = Fp3.add(Z4, Fp3.mul(d, Fp3.mul(X2, Y2)));
      if (!Fp3.eql(left, right))
        throw new Error("bad point: equation left != right (1)");
      const XY = Fp3.mul(X, Y);
      const ZT = Fp3.mul(Z, T);
      if (!Fp3.eql(XY, ZT))
        throw new Error("bad point: equation left != right (2)");
    }
    // Compare one point to another.
    equals(other) {
      aedpoint(other);
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const { X: X2, Y: Y2, Z: Z2 } = other;
      const X1Z2 = Fp3.mul(X1, Z2);
      const X2Z1 = Fp3.mul(X2, Z1);
      const Y1Z2 = Fp3.mul(Y1, Z2);
      const Y2Z1 = Fp3.mul(Y2, Z1);
      return Fp3.eql(X1Z2, X2Z1) && Fp3.eql(Y1Z2, Y2Z1);
    }
    is0() {
      return this.equals(Point.ZERO);
    }
    negate() {
      return new Point(Fp3.neg(this.X), this.Y, this.Z, Fp3.neg(this.T));
    }
    // Fast algo for doubling Extended Point.
    // https://hyperelliptic.org/EFD/g1p/auto-twisted-extended.html#doubling-dbl-2008-hwcd
    // Cost: 4M + 4S + 1*a + 6add + 1*2.
    double() {
      const { X: X1, Y: Y1, Z: Z1 } = this;
      const A = Fp3.sqr(X1);
      const B2 = Fp3.sqr(Y1);
      const C = Fp3.mul(Fp3.sqr(Z1), _2n9);
      const D = mulA(A);
      const x1y1 = Fp3.addN(X1, Y1);
      const E = Fp3.sub(Fp3.subN(Fp3.sqr(x1y1), A), B2);
      const G = Fp3.addN(D, B2);
      const F2 = Fp3.subN(G, C);
      const H = Fp3.subN(D, B2);
      const X3 = Fp3.mul(E, F2);
      const Y3 = Fp3.mul(G, H);
      const T3 = Fp3.mul(E, H);
      const Z3 = Fp3.mul(F2, G);
      return new Point(X3, Y3, Z3, T3);
    }
    // Fast algo for adding 2 Extended Points.
    // https://hyperelliptic.org/EFD/g1p/auto-twisted-extended.html#addition-add-2008-hwcd
    // Cost: 9M + 1*a + 1*d + 7add.
    add(other) {
      aedpoint(other);
      const { d } = CURVE;
      const { X: X1, Y: Y1, Z: Z1, T: T1 } = this;
      const { X: X2, Y: Y2, Z: Z2, T: T2 } = other;
      const A = Fp3.mul(X1, X2);
      const B2 = Fp3.mul(Y1, Y2);
      const C = Fp3.mul(Fp3.mulN(T1, d), T2);
      const D = Fp3.mul(Z1, Z2);
      const E = Fp3.sub(Fp3.subN(Fp3.mulN(Fp3.addN(X1, Y1), Fp3.addN(X2, Y2)), A), B2);
      const F2 = Fp3.subN(D, C);
      const G = Fp3.addN(D, C);
      const H = Fp3.sub(B2, mulA(A));
      const X3 = Fp3.mul(E, F2);
      const Y3 = Fp3.mul(G, H);
      const T3 = Fp3.mul(E, H);
      const Z3 = Fp3.mul(F2, G);
      return new Point(X3, Y3, Z3, T3);
    }
    subtract(other) {
      aedpoint(other);
      return this.add(other.negate());
    }
    // Constant-time multiplication.
    multiply(scalar) {
      if (!Fn.isValidNot0(scalar))
        throw new RangeError("invalid scalar: expected 1 <= sc < curve.n");
      const { p, f } = wnaf.mulSecret(this, scalar, cofactor, normalize);
      return normalize([p, f])[0];
    }
    // Non-constant-time multiplication. Uses double-and-add algorithm.
    // It's faster, but should only be used when you don't care about
    // an exposed private key e.g. sig verification.
    // Keeps the same subgroup-scalar contract: 0 is allowed for public-scalar callers, but
    // n and larger values are rejected instead of being reduced mod n to the identity point.
    multiplyUnsafe(scalar) {
      if (!Fn.isValid(scalar))
        throw new RangeError("invalid scalar: expected 0 <= sc < curve.n");
      if (scalar === _0n13)
        return Point.ZERO;
      if (this.is0() || scalar === _1n13)
        return this;
      return wnaf.mulUnsafe(this, scalar, normalize);
    }
    // Checks if point is of small order.
    // If you add something to small order point, you will have "dirty"
    // point with torsion component.
    // Clears cofactor and checks if the result is 0.
    isSmallOrder() {
      return this.clearCofactor().is0();
    }
    // Multiplies point by curve order and checks if the result is 0.
    // Returns `false` is the point is dirty.
    isTorsionFree() {
      return wnaf.mulUnsafe(this, CURVE.n).is0();
    }
    // Converts Extended point to default (x, y) coordinates.
    // Can accept precomputed Z^-1 - for example, from invertBatch.
    toAffine(invertedZ) {
      const p = this;
      let iz = invertedZ;
      if (iz != null && typeof iz !== "bigint")
        throw new TypeError('"invertedZ" expected bigint, got type=' + typeof iz);
      const { X, Y, Z } = p;
      const is0 = p.is0();
      if (iz == null)
        iz = is0 ? Fp3.create(_8n4) : Fp3.inv(Z);
      const x = Fp3.mul(X, iz);
      const y = Fp3.mul(Y, iz);
      const zz = Fp3.mul(Z, iz);
      if (is0)
        return { x: Fp3.ZERO, y: Fp3.ONE };
      if (!Fp3.eql(zz, Fp3.ONE))
        throw new Error("invZ was invalid");
      return { x, y };
    }
    clearCofactor() {
      if (cofactor === _1n13)
        return this;
      if (cofactor === _2n9)
        return this.double();
      if (cofactor === _4n7)
        return this.double().double();
      if (cofactor === _8n4)
        return this.double().double().double();
      return this.multiplyUnsafe(cofactor);
    }
    toBytes() {
      const { x, y } = this.toAffine();
      const bytes = Fp3.toBytes(y);
      bytes[bytes.length - 1] |= isOdd(x) ? 128 : 0;
      return bytes;
    }
    toHex() {
      return bytesToHex3(this.toBytes());
    }
    toString() {
      return `<Point ${this.is0() ? "ZERO" : this.toHex()}>`;
    }
  }
  const normalize = (points) => normalizeZ2(Point, points);
  const wnaf = new ScalarMultiplier(Point, randomBytes7);
  if (wnaf.bits >= 6)
    Point.BASE.precompute(6);
  Object.freeze(Point.prototype);
  Object.freeze(Point);
  return Point;
}
var _0n13, _1n13, _2n9, _4n7, _8n4;
var init_edwards = __esm({
  "node_modules/@noble/curves/abstract/edwards.js"() {
    init_utils6();
    init_curve2();
    init_modular2();
    _0n13 = /* @__PURE__ */ BigInt(0);
    _1n13 = /* @__PURE__ */ BigInt(1);
    _2n9 = /* @__PURE__ */ BigInt(2);
    _4n7 = /* @__PURE__ */ BigInt(4);
    _8n4 = /* @__PURE__ */ BigInt(8);
  }
});

// node_modules/@noble/curves/abstract/montgomery.js
function cmask(P3, swap) {
  return P3 + swap - (swap >> _1n14 << _1n14);
}
function cswap(P3) {
  const offset = BigInt(6) * P3;
  return (mask, x_2, x_3) => {
    const sum = x_2 + x_3;
    const d = offset + x_3 - x_2;
    const a = (d * mask + x_2) % P3;
    return { x_2: a, x_3: sum - a };
  };
}
function validateOpts2(curve) {
  validateObject2(curve, {
    P: "bigint",
    type: "string",
    adjustScalarBytes: "function",
    powPminus2: "function"
  }, {
    randomBytes: "function",
    scalarMultBase: "function"
  });
  return Object.freeze({ ...curve });
}
function montgomery2(curveDef) {
  const CURVE = validateOpts2(curveDef);
  const { P: P3, type, adjustScalarBytes: adjustScalarBytes3, powPminus2, randomBytes: rand } = CURVE;
  const mulBaseHook = CURVE.scalarMultBase;
  const is25519 = type === "x25519";
  if (!is25519 && type !== "x448")
    throw new Error("invalid type");
  const randomBytes_ = rand === void 0 ? randomBytes5 : rand;
  const montgomeryBits = is25519 ? 255 : 448;
  const swap = cswap(P3);
  const fieldLen = is25519 ? 32 : 56;
  const Gu = is25519 ? BigInt(9) : BigInt(5);
  const a24 = is25519 ? BigInt(121665) : BigInt(39081);
  const minScalar = is25519 ? _2n10 ** BigInt(254) : _2n10 ** BigInt(447);
  const maxAdded = is25519 ? BigInt(8) * (_2n10 ** BigInt(251) - _1n14) : BigInt(4) * (_2n10 ** BigInt(445) - _1n14);
  const maxScalar = minScalar + maxAdded + _1n14;
  const modP = (n) => mod5(n, P3);
  const GuBytes = encodeU(Gu);
  function encodeU(u) {
    return numberToBytesLE2(modP(u), fieldLen);
  }
  function decodeU(u) {
    const _u = copyBytes4(abytes5(u, fieldLen, "uCoordinate"));
    if (is25519)
      _u[31] &= 127;
    return modP(bytesToNumberLE2(_u));
  }
  function decodeScalar(scalar) {
    return bytesToNumberLE2(adjustScalarBytes3(copyBytes4(abytes5(scalar, fieldLen, "scalar"))));
  }
  const lowOrderU = new Set(is25519 ? [
    _0n14,
    _1n14,
    P3 - _1n14,
    BigInt("325606250916557431795983626356110631294008115727848805560023387167927233504"),
    BigInt("39382357235489614581723060781553021112529911719440698176882885853963445705823")
  ] : [_0n14, _1n14, P3 - _1n14]);
  function scalarMult2(scalar, u) {
    const pointU = decodeU(u);
    if (lowOrderU.has(pointU))
      throw new Error("invalid private or public key received");
    const pu = montgomeryLadder(pointU, decodeScalar(scalar));
    if (pu === _0n14)
      throw new Error("invalid private or public key received");
    return encodeU(pu);
  }
  function scalarMultBase2(scalar) {
    if (mulBaseHook === void 0)
      return scalarMult2(scalar, GuBytes);
    const k = decodeScalar(scalar);
    aInRange2("scalar", k, minScalar, maxScalar);
    const pu = modP(mulBaseHook(k));
    if (pu === _0n14)
      throw new Error("invalid private or public key received");
    return encodeU(pu);
  }
  const getPublicKey = scalarMultBase2;
  const getSharedSecret = scalarMult2;
  function montgomeryLadder(u, scalar) {
    aInRange2("u", u, _0n14, P3);
    aInRange2("scalar", scalar, minScalar, maxScalar);
    const k = scalar;
    const x_1 = u;
    let x_2 = _1n14;
    let z_2 = _0n14;
    let x_3 = u;
    let z_3 = _1n14;
    const kx = k ^ k >> _1n14;
    for (let t = BigInt(montgomeryBits - 1); t >= _0n14; t--) {
      const mask2 = cmask(P3, kx >> t);
      ({ x_2, x_3 } = swap(mask2, x_2, x_3));
      ({ x_2: z_2, x_3: z_3 } = swap(mask2, z_2, z_3));
      const A = x_2 + z_2;
      const AA = modP(A * A);
      const B2 = x_2 - z_2;
      const BB = modP(B2 * B2);
      const E = AA - BB;
      const C = x_3 + z_3;
      const D = x_3 - z_3;
      const DA = modP(D * A);
      const CB = modP(C * B2);
      const dacb = DA + CB;
      const da_cb = DA - CB;
      x_3 = modP(dacb * dacb);
      z_3 = modP(x_1 * modP(da_cb * da_cb));
      x_2 = modP(AA * BB);
      z_2 = modP(E * (AA + modP(a24 * E)));
    }
    const mask = cmask(P3, k);
    ({ x_2, x_3 } = swap(mask, x_2, x_3));
    ({ x_2: z_2, x_3: z_3 } = swap(mask, z_2, z_3));
    const z2 = powPminus2(z_2);
    return modP(x_2 * z2);
  }
  const lengths = {
    secretKey: fieldLen,
    publicKey: fieldLen,
    seed: fieldLen
  };
  const randomSecretKey = (seed) => {
    seed = seed === void 0 ? randomBytes_(fieldLen) : seed;
    abytes5(seed, lengths.seed, "seed");
    return seed;
  };
  const utils = { randomSecretKey };
  Object.freeze(lengths);
  Object.freeze(utils);
  return Object.freeze({
    keygen: createKeygen2(randomSecretKey, getPublicKey),
    getSharedSecret,
    getPublicKey,
    scalarMult: scalarMult2,
    scalarMultBase: scalarMultBase2,
    utils,
    GuBytes: GuBytes.slice(),
    lengths
  });
}
var _0n14, _1n14, _2n10;
var init_montgomery2 = __esm({
  "node_modules/@noble/curves/abstract/montgomery.js"() {
    init_utils6();
    init_curve2();
    init_modular2();
    _0n14 = /* @__PURE__ */ BigInt(0);
    _1n14 = /* @__PURE__ */ BigInt(1);
    _2n10 = /* @__PURE__ */ BigInt(2);
  }
});

// node_modules/@noble/curves/ed25519.js
function ed25519_pow_2_252_32(x) {
  const _10n = BigInt(10), _20n = BigInt(20), _40n = BigInt(40), _80n = BigInt(80);
  const P3 = ed25519_CURVE_p2;
  const x2 = x * x % P3;
  const b2 = x2 * x % P3;
  const b4 = pow22(b2, _2n11, P3) * b2 % P3;
  const b5 = pow22(b4, _1n15, P3) * x % P3;
  const b10 = pow22(b5, _5n4, P3) * b5 % P3;
  const b20 = pow22(b10, _10n, P3) * b10 % P3;
  const b40 = pow22(b20, _20n, P3) * b20 % P3;
  const b80 = pow22(b40, _40n, P3) * b40 % P3;
  const b160 = pow22(b80, _80n, P3) * b80 % P3;
  const b240 = pow22(b160, _80n, P3) * b80 % P3;
  const b250 = pow22(b240, _10n, P3) * b10 % P3;
  const pow_p_5_8 = pow22(b250, _2n11, P3) * x % P3;
  return { pow_p_5_8, b2 };
}
function adjustScalarBytes2(bytes) {
  bytes[0] &= 248;
  bytes[31] &= 127;
  bytes[31] |= 64;
  return bytes;
}
function uvRatio(u, v) {
  const P3 = ed25519_CURVE_p2;
  const v3 = mod5(v * v * v, P3);
  const v7 = mod5(v3 * v3 * v, P3);
  const pow3 = ed25519_pow_2_252_32(u * v7).pow_p_5_8;
  let x = mod5(u * v3 * pow3, P3);
  const vx2 = mod5(v * x * x, P3);
  const root1 = x;
  const root2 = mod5(x * ED25519_SQRT_M1, P3);
  const useRoot1 = vx2 === u;
  const useRoot2 = vx2 === mod5(-u, P3);
  const noRoot = vx2 === mod5(-u * ED25519_SQRT_M1, P3);
  if (useRoot1)
    x = root1;
  if (useRoot2 || noRoot)
    x = root2;
  if (isNegativeLE2(x, P3))
    x = mod5(-x, P3);
  return { isValid: useRoot1 || useRoot2, value: x };
}
var _0n15, _1n15, _2n11, _3n7, _5n4, _8n5, ed25519_CURVE_p2, ed25519_CURVE, ED25519_SQRT_M1, ed25519_Point, x255192;
var init_ed255192 = __esm({
  "node_modules/@noble/curves/ed25519.js"() {
    init_edwards();
    init_modular2();
    init_montgomery2();
    _0n15 = /* @__PURE__ */ BigInt(0);
    _1n15 = /* @__PURE__ */ BigInt(1);
    _2n11 = /* @__PURE__ */ BigInt(2);
    _3n7 = /* @__PURE__ */ BigInt(3);
    _5n4 = /* @__PURE__ */ BigInt(5);
    _8n5 = /* @__PURE__ */ BigInt(8);
    ed25519_CURVE_p2 = /* @__PURE__ */ BigInt("0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed");
    ed25519_CURVE = /* @__PURE__ */ (() => ({
      p: ed25519_CURVE_p2,
      n: BigInt("0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"),
      h: _8n5,
      a: BigInt("0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffec"),
      d: BigInt("0x52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3"),
      Gx: BigInt("0x216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a"),
      Gy: BigInt("0x6666666666666666666666666666666666666666666666666666666666666658")
    }))();
    ED25519_SQRT_M1 = /* @__PURE__ */ BigInt("19681161376707505956807079304988542015446066515923890162744021073123829784752");
    ed25519_Point = /* @__PURE__ */ edwards(ed25519_CURVE, { uvRatio });
    x255192 = /* @__PURE__ */ (() => {
      const P3 = ed25519_CURVE_p2;
      const powPminus2 = (x) => {
        const { pow_p_5_8, b2 } = ed25519_pow_2_252_32(x);
        return mod5(pow22(pow_p_5_8, _3n7, P3) * b2, P3);
      };
      return montgomery2({
        P: P3,
        type: "x25519",
        powPminus2,
        adjustScalarBytes: adjustScalarBytes2,
        // ~3x faster fixed-base: [k]B on the birationally-equivalent Edwards curve using cached
        // base tables, mapped back via u = (1+y)/(1-y) = (Z+Y)/(Z-Y) with one Fermat inversion.
        // Same construction as libsodium's crypto_scalarmult_curve25519_base.
        scalarMultBase: (k) => {
          const kn = mod5(k, ed25519_Point.Fn.ORDER);
          if (kn === _0n15)
            return _0n15;
          const p = ed25519_Point.BASE.multiply(kn);
          return mod5((p.Z + p.Y) * powPminus2(mod5(p.Z - p.Y, P3)), P3);
        }
      });
    })();
  }
});

// node_modules/age-encryption/dist/x25519.js
async function webCryptoFallback(func, fallback) {
  if (webCryptoOff) {
    return await fallback();
  }
  try {
    return await func();
  } catch (error) {
    if (error instanceof ReferenceError || error instanceof DOMException && error.name === "NotSupportedError") {
      return await fallback();
    } else {
      throw error;
    }
  }
}
async function scalarMult(scalar, u) {
  return await webCryptoFallback(async () => {
    const key = isCryptoKey(scalar) ? scalar : await importX25519Key(scalar);
    const peer = await crypto.subtle.importKey("raw", domBuffer(u), { name: "X25519" }, exportable, []);
    return new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: peer }, key, 256));
  }, () => {
    if (isCryptoKey(scalar)) {
      throw new Error("CryptoKey provided but X25519 WebCrypto is not supported");
    }
    return x255192.scalarMult(scalar, u);
  });
}
async function scalarMultBase(scalar) {
  return await webCryptoFallback(async () => {
    return scalarMult(scalar, x255192.GuBytes);
  }, () => {
    if (isCryptoKey(scalar)) {
      throw new Error("CryptoKey provided but X25519 WebCrypto is not supported");
    }
    return x255192.scalarMultBase(scalar);
  });
}
async function importX25519Key(key) {
  if (key.length !== 32) {
    throw new Error("X25519 private key must be 32 bytes");
  }
  const pkcs8 = new Uint8Array([...pkcs8Prefix, ...key]);
  return crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, exportable, ["deriveBits"]);
}
function isCryptoKey(key) {
  return typeof CryptoKey !== "undefined" && key instanceof CryptoKey;
}
function domBuffer(arr) {
  return arr;
}
var exportable, webCryptoOff, pkcs8Prefix;
var init_x25519 = __esm({
  "node_modules/age-encryption/dist/x25519.js"() {
    init_ed255192();
    exportable = false;
    webCryptoOff = false;
    pkcs8Prefix = /* @__PURE__ */ new Uint8Array([
      48,
      46,
      2,
      1,
      0,
      48,
      5,
      6,
      3,
      43,
      101,
      110,
      4,
      34,
      4,
      32
    ]);
  }
});

// node_modules/age-encryption/dist/io.js
function asciiString(bytes) {
  bytes.forEach((b) => {
    if (b < 32 || b > 126) {
      throw Error("invalid non-ASCII byte in header");
    }
  });
  return new TextDecoder().decode(bytes);
}
function flatten(arr) {
  const len2 = arr.reduce(((sum, line) => sum + line.length), 0);
  const out2 = new Uint8Array(len2);
  let n = 0;
  for (const a of arr) {
    out2.set(a, n);
    n += a.length;
  }
  return out2;
}
function prepend(s, ...prefixes) {
  return s.pipeThrough(new TransformStream({
    start(controller) {
      for (const p of prefixes) {
        controller.enqueue(p);
      }
    }
  }));
}
function stream(a) {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(a);
      controller.close();
    }
  });
}
async function readAll(stream2) {
  if (!(stream2 instanceof ReadableStream)) {
    throw new Error("readAll expects a ReadableStream<Uint8Array>");
  }
  return new Uint8Array(await new Response(stream2).arrayBuffer());
}
async function readAllString(stream2) {
  if (!(stream2 instanceof ReadableStream)) {
    throw new Error("readAllString expects a ReadableStream<Uint8Array>");
  }
  return await new Response(stream2).text();
}
async function read(stream2, n) {
  const reader = stream2.getReader();
  const chunks = [];
  let readBytes = 0;
  while (readBytes < n) {
    const { done, value } = await reader.read();
    if (done) {
      throw Error("stream ended before reading " + n.toString() + " bytes");
    }
    chunks.push(value);
    readBytes += value.length;
  }
  reader.releaseLock();
  const buf = flatten(chunks);
  const data = buf.subarray(0, n);
  const rest = prepend(stream2, buf.subarray(n));
  return { data, rest };
}
var LineReader;
var init_io = __esm({
  "node_modules/age-encryption/dist/io.js"() {
    LineReader = class {
      s;
      transcript = [];
      buf = new Uint8Array(0);
      constructor(stream2) {
        this.s = stream2.getReader();
      }
      async readLine() {
        const line = [];
        while (true) {
          const i = this.buf.indexOf("\n".charCodeAt(0));
          if (i >= 0) {
            line.push(this.buf.subarray(0, i));
            this.transcript.push(this.buf.subarray(0, i + 1));
            this.buf = this.buf.subarray(i + 1);
            return asciiString(flatten(line));
          }
          if (this.buf.length > 0) {
            line.push(this.buf);
            this.transcript.push(this.buf);
          }
          const next = await this.s.read();
          if (next.done) {
            this.buf = flatten(line);
            return null;
          }
          this.buf = next.value;
        }
      }
      close() {
        this.s.releaseLock();
        return { rest: this.buf, transcript: flatten(this.transcript) };
      }
    };
  }
});

// node_modules/age-encryption/dist/format.js
async function parseNextStanza(hdr) {
  const argsLine = await hdr.readLine();
  if (argsLine === null) {
    throw Error("invalid stanza");
  }
  const args = argsLine.split(" ");
  if (args.length < 2 || args.shift() !== "->") {
    return { next: argsLine };
  }
  for (const arg of args) {
    if (arg.length === 0) {
      throw Error("invalid stanza");
    }
  }
  const bodyLines = [];
  for (; ; ) {
    const nextLine = await hdr.readLine();
    if (nextLine === null) {
      throw Error("invalid stanza");
    }
    const line = base64nopad.decode(nextLine);
    if (line.length > 48) {
      throw Error("invalid stanza");
    }
    bodyLines.push(line);
    if (line.length < 48) {
      break;
    }
  }
  const body = flatten(bodyLines);
  return { s: new Stanza(args, body) };
}
async function parseHeader(header) {
  const hdr = new LineReader(header);
  const versionLine = await hdr.readLine();
  if (versionLine !== "age-encryption.org/v1") {
    throw Error("invalid version " + (versionLine ?? "line"));
  }
  const stanzas = [];
  for (; ; ) {
    const { s, next: macLine } = await parseNextStanza(hdr);
    if (s !== void 0) {
      stanzas.push(s);
      continue;
    }
    if (!macLine.startsWith("--- ")) {
      throw Error("invalid header");
    }
    const MAC = base64nopad.decode(macLine.slice(4));
    const { rest, transcript } = hdr.close();
    const headerNoMAC = transcript.slice(0, transcript.length - 1 - macLine.length + 3);
    return { stanzas, headerNoMAC, MAC, headerSize: transcript.length, rest: prepend(header, rest) };
  }
}
function encodeHeaderNoMAC(recipients) {
  const lines = [];
  lines.push("age-encryption.org/v1\n");
  for (const s of recipients) {
    lines.push("-> " + s.args.join(" ") + "\n");
    for (let i = 0; i < s.body.length; i += 48) {
      let end = i + 48;
      if (end > s.body.length)
        end = s.body.length;
      lines.push(base64nopad.encode(s.body.subarray(i, end)) + "\n");
    }
    if (s.body.length % 48 === 0)
      lines.push("\n");
  }
  lines.push("---");
  return new TextEncoder().encode(lines.join(""));
}
function encodeHeader(recipients, MAC) {
  return flatten([
    encodeHeaderNoMAC(recipients),
    new TextEncoder().encode(" " + base64nopad.encode(MAC) + "\n")
  ]);
}
var Stanza;
var init_format = __esm({
  "node_modules/age-encryption/dist/format.js"() {
    init_base();
    init_io();
    Stanza = class {
      /**
       * All space-separated arguments on the first line of the stanza.
       * Each argument is a string that does not contain spaces.
       * The first argument is often a recipient type, which should look like
       * `example.com/...` to avoid collisions.
       */
      args;
      /**
       * The raw body of the stanza. This is automatically base64-encoded and
       * split into lines of 48 characters each.
       */
      body;
      constructor(args, body) {
        this.args = args;
        this.body = body;
      }
    };
  }
});

// node_modules/age-encryption/dist/recipients.js
function hpkeContext(kemID, sharedSecret, info) {
  const suiteID = hpkeSuiteID(kemID);
  const pskIDHash = hpkeLabeledExtract(suiteID, void 0, "psk_id_hash", new Uint8Array(0));
  const infoHash = hpkeLabeledExtract(suiteID, void 0, "info_hash", info);
  const ksContext = new Uint8Array(1 + pskIDHash.length + infoHash.length);
  ksContext[0] = 0;
  ksContext.set(pskIDHash, 1);
  ksContext.set(infoHash, 1 + pskIDHash.length);
  const secret = hpkeLabeledExtract(suiteID, sharedSecret, "secret", new Uint8Array(0));
  const key = hpkeLabeledExpand(suiteID, secret, "key", ksContext, 32);
  const nonce = hpkeLabeledExpand(suiteID, secret, "base_nonce", ksContext, 12);
  return { key, nonce };
}
function hpkeSuiteID(kemID) {
  const suiteID = new Uint8Array(10);
  suiteID.set(new TextEncoder().encode("HPKE"), 0);
  suiteID[4] = kemID >> 8 & 255;
  suiteID[5] = kemID & 255;
  suiteID[6] = 0;
  suiteID[7] = 1;
  suiteID[8] = 0;
  suiteID[9] = 3;
  return suiteID;
}
function hpkeLabeledExtract(suiteID, salt, label, ikm) {
  const labeledIKM = new Uint8Array(7 + suiteID.length + label.length + ikm.length);
  let offset = 0;
  labeledIKM.set(new TextEncoder().encode("HPKE-v1"), offset);
  offset += "HPKE-v1".length;
  labeledIKM.set(suiteID, offset);
  offset += suiteID.length;
  labeledIKM.set(new TextEncoder().encode(label), offset);
  offset += label.length;
  labeledIKM.set(ikm, offset);
  return extract(sha256, labeledIKM, salt);
}
function hpkeLabeledExpand(suiteID, prk, label, info, length) {
  const labeledInfo = new Uint8Array(2 + 7 + suiteID.length + label.length + info.length);
  let offset = 0;
  labeledInfo[offset] = length >> 8 & 255;
  labeledInfo[offset + 1] = length & 255;
  offset += 2;
  labeledInfo.set(new TextEncoder().encode("HPKE-v1"), offset);
  offset += "HPKE-v1".length;
  labeledInfo.set(suiteID, offset);
  offset += suiteID.length;
  labeledInfo.set(new TextEncoder().encode(label), offset);
  offset += label.length;
  labeledInfo.set(info, offset);
  return expand(sha256, prk, labeledInfo, length);
}
function hpkeDHKEMP256Encapsulate(recipient) {
  if (recipient.length !== p2562.lengths.publicKeyUncompressed) {
    recipient = p2562.Point.fromBytes(recipient).toBytes(false);
  }
  const ephemeral = p2562.utils.randomSecretKey();
  const encapsulatedKey = p2562.getPublicKey(ephemeral, false);
  const ss = p2562.getSharedSecret(ephemeral, recipient, true).subarray(1);
  const kemContext = new Uint8Array(encapsulatedKey.length + recipient.length);
  kemContext.set(encapsulatedKey, 0);
  kemContext.set(recipient, encapsulatedKey.length);
  const suiteID = new Uint8Array(5);
  suiteID.set(new TextEncoder().encode("KEM"), 0);
  suiteID[3] = hpkeDHKEMP256 >> 8;
  suiteID[4] = hpkeDHKEMP256 & 255;
  const eaePRK = hpkeLabeledExtract(suiteID, void 0, "eae_prk", ss);
  const sharedSecret = hpkeLabeledExpand(suiteID, eaePRK, "shared_secret", kemContext, 32);
  return { encapsulatedKey, sharedSecret };
}
function encryptFileKey(fileKey, key) {
  const nonce = new Uint8Array(12);
  return chacha20poly1305(key, nonce).encrypt(fileKey);
}
function decryptFileKey(body, key) {
  if (body.length !== 32) {
    throw Error("invalid stanza");
  }
  const nonce = new Uint8Array(12);
  try {
    return chacha20poly1305(key, nonce).decrypt(body);
  } catch {
    return null;
  }
}
function isCryptoKey2(key) {
  return typeof CryptoKey !== "undefined" && key instanceof CryptoKey;
}
var HybridRecipient, HybridIdentity, hpkeMLKEM768X25519, hpkeMLKEM768P256, hpkeDHKEMP256, TagRecipient, HybridTagRecipient, X25519Recipient, X25519Identity, ScryptRecipient, ScryptIdentity;
var init_recipients = __esm({
  "node_modules/age-encryption/dist/recipients.js"() {
    init_base();
    init_hkdf();
    init_sha2();
    init_scrypt();
    init_chacha();
    init_hybrid();
    init_nist2();
    init_utils();
    init_base();
    init_x25519();
    init_format();
    init_dist();
    HybridRecipient = class {
      recipient;
      constructor(s) {
        const { prefix, words } = bech32.decode(s, false);
        const bytes = bech32.fromWords(words);
        if (!s.startsWith("age1pq1") || prefix.toLowerCase() !== "age1pq" || bytes.length !== 1216) {
          throw Error("invalid recipient");
        }
        this.recipient = bytes;
      }
      wrapFileKey(fileKey) {
        const { cipherText: encapsulatedKey, sharedSecret } = MLKEM768X25519.encapsulate(this.recipient);
        const label = new TextEncoder().encode("age-encryption.org/mlkem768x25519");
        const { key, nonce } = hpkeContext(hpkeMLKEM768X25519, sharedSecret, label);
        const ciphertext = chacha20poly1305(key, nonce).encrypt(fileKey);
        return [new Stanza(["mlkem768x25519", base64nopad.encode(encapsulatedKey)], ciphertext)];
      }
    };
    HybridIdentity = class {
      identity;
      constructor(s) {
        const res = bech32.decodeToBytes(s);
        if (!s.startsWith("AGE-SECRET-KEY-PQ-1") || res.prefix.toUpperCase() !== "AGE-SECRET-KEY-PQ-" || res.bytes.length !== 32) {
          throw Error("invalid identity");
        }
        this.identity = res.bytes;
      }
      unwrapFileKey(stanzas) {
        for (const s of stanzas) {
          if (s.args.length < 1 || s.args[0] !== "mlkem768x25519") {
            continue;
          }
          if (s.args.length !== 2) {
            throw Error("invalid mlkem768x25519 stanza");
          }
          const share = base64nopad.decode(s.args[1]);
          if (share.length !== 1120) {
            throw Error("invalid mlkem768x25519 stanza");
          }
          if (s.body.length !== 32) {
            throw Error("invalid mlkem768x25519 stanza");
          }
          const sharedSecret = MLKEM768X25519.decapsulate(share, this.identity);
          const label = new TextEncoder().encode("age-encryption.org/mlkem768x25519");
          const { key, nonce } = hpkeContext(hpkeMLKEM768X25519, sharedSecret, label);
          try {
            return chacha20poly1305(key, nonce).decrypt(s.body);
          } catch {
            continue;
          }
        }
        return null;
      }
    };
    hpkeMLKEM768X25519 = 25722;
    hpkeMLKEM768P256 = 80;
    hpkeDHKEMP256 = 16;
    TagRecipient = class {
      recipient;
      constructor(s) {
        const res = bech32.decodeToBytes(s);
        if (!s.startsWith("age1tag1") || res.prefix.toLowerCase() !== "age1tag" || res.bytes.length !== 33) {
          throw Error("invalid recipient");
        }
        this.recipient = res.bytes;
      }
      wrapFileKey(fileKey) {
        const { encapsulatedKey, sharedSecret } = hpkeDHKEMP256Encapsulate(this.recipient);
        const label = new TextEncoder().encode("age-encryption.org/p256tag");
        const tag = (() => {
          const recipientHash = sha256(this.recipient).subarray(0, 4);
          const ikm = new Uint8Array(encapsulatedKey.length + recipientHash.length);
          ikm.set(encapsulatedKey, 0);
          ikm.set(recipientHash, encapsulatedKey.length);
          return extract(sha256, ikm, label).subarray(0, 4);
        })();
        const { key, nonce } = hpkeContext(hpkeDHKEMP256, sharedSecret, label);
        const ciphertext = chacha20poly1305(key, nonce).encrypt(fileKey);
        return [new Stanza(["p256tag", base64nopad.encode(tag), base64nopad.encode(encapsulatedKey)], ciphertext)];
      }
    };
    HybridTagRecipient = class {
      recipient;
      constructor(s) {
        const { prefix, words } = bech32.decode(s, false);
        const bytes = bech32.fromWords(words);
        if (!s.startsWith("age1tagpq1") || prefix.toLowerCase() !== "age1tagpq" || bytes.length !== 1249) {
          throw Error("invalid recipient");
        }
        this.recipient = bytes;
      }
      wrapFileKey(fileKey) {
        const { cipherText: encapsulatedKey, sharedSecret } = MLKEM768P256.encapsulate(this.recipient);
        const label = new TextEncoder().encode("age-encryption.org/mlkem768p256tag");
        const tag = (() => {
          const recipientHash = sha256(this.recipient.subarray(1184)).subarray(0, 4);
          const ikm = new Uint8Array(encapsulatedKey.length + recipientHash.length);
          ikm.set(encapsulatedKey, 0);
          ikm.set(recipientHash, encapsulatedKey.length);
          return extract(sha256, ikm, label).subarray(0, 4);
        })();
        const { key, nonce } = hpkeContext(hpkeMLKEM768P256, sharedSecret, label);
        const ciphertext = chacha20poly1305(key, nonce).encrypt(fileKey);
        return [new Stanza(["mlkem768p256tag", base64nopad.encode(tag), base64nopad.encode(encapsulatedKey)], ciphertext)];
      }
    };
    X25519Recipient = class {
      recipient;
      constructor(s) {
        const res = bech32.decodeToBytes(s);
        if (!s.startsWith("age1") || res.prefix.toLowerCase() !== "age" || res.bytes.length !== 32) {
          throw Error("invalid recipient");
        }
        this.recipient = res.bytes;
      }
      async wrapFileKey(fileKey) {
        const ephemeral = randomBytes(32);
        const share = await scalarMultBase(ephemeral);
        const secret = await scalarMult(ephemeral, this.recipient);
        const salt = new Uint8Array(share.length + this.recipient.length);
        salt.set(share);
        salt.set(this.recipient, share.length);
        const label = new TextEncoder().encode("age-encryption.org/v1/X25519");
        const key = hkdf(sha256, secret, salt, label, 32);
        return [new Stanza(["X25519", base64nopad.encode(share)], encryptFileKey(fileKey, key))];
      }
    };
    X25519Identity = class {
      identity;
      recipient;
      constructor(s) {
        if (isCryptoKey2(s)) {
          this.identity = s;
          this.recipient = scalarMultBase(s);
          return;
        }
        const res = bech32.decodeToBytes(s);
        if (!s.startsWith("AGE-SECRET-KEY-1") || res.prefix.toUpperCase() !== "AGE-SECRET-KEY-" || res.bytes.length !== 32) {
          throw Error("invalid identity");
        }
        this.identity = res.bytes;
        this.recipient = scalarMultBase(res.bytes);
      }
      async unwrapFileKey(stanzas) {
        for (const s of stanzas) {
          if (s.args.length < 1 || s.args[0] !== "X25519") {
            continue;
          }
          if (s.args.length !== 2) {
            throw Error("invalid X25519 stanza");
          }
          const share = base64nopad.decode(s.args[1]);
          if (share.length !== 32) {
            throw Error("invalid X25519 stanza");
          }
          const secret = await scalarMult(this.identity, share);
          const recipient = await this.recipient;
          const salt = new Uint8Array(share.length + recipient.length);
          salt.set(share);
          salt.set(recipient, share.length);
          const label = new TextEncoder().encode("age-encryption.org/v1/X25519");
          const key = hkdf(sha256, secret, salt, label, 32);
          const fileKey = decryptFileKey(s.body, key);
          if (fileKey !== null)
            return fileKey;
        }
        return null;
      }
    };
    ScryptRecipient = class {
      passphrase;
      logN;
      constructor(passphrase, logN) {
        this.passphrase = passphrase;
        this.logN = logN;
      }
      wrapFileKey(fileKey) {
        const salt = randomBytes(16);
        const label = "age-encryption.org/v1/scrypt";
        const labelAndSalt = new Uint8Array(label.length + 16);
        labelAndSalt.set(new TextEncoder().encode(label));
        labelAndSalt.set(salt, label.length);
        const key = scrypt(this.passphrase, labelAndSalt, { N: 2 ** this.logN, r: 8, p: 1, dkLen: 32 });
        return [new Stanza(["scrypt", base64nopad.encode(salt), this.logN.toString()], encryptFileKey(fileKey, key))];
      }
    };
    ScryptIdentity = class {
      passphrase;
      constructor(passphrase) {
        this.passphrase = passphrase;
      }
      unwrapFileKey(stanzas) {
        for (const s of stanzas) {
          if (s.args.length < 1 || s.args[0] !== "scrypt") {
            continue;
          }
          if (stanzas.length !== 1) {
            throw Error("scrypt recipient is not the only one in the header");
          }
          if (s.args.length !== 3) {
            throw Error("invalid scrypt stanza");
          }
          if (!/^[1-9][0-9]*$/.test(s.args[2])) {
            throw Error("invalid scrypt stanza");
          }
          const salt = base64nopad.decode(s.args[1]);
          if (salt.length !== 16) {
            throw Error("invalid scrypt stanza");
          }
          const logN = Number(s.args[2]);
          if (logN > 20) {
            throw Error("scrypt work factor is too high");
          }
          const label = "age-encryption.org/v1/scrypt";
          const labelAndSalt = new Uint8Array(label.length + 16);
          labelAndSalt.set(new TextEncoder().encode(label));
          labelAndSalt.set(salt, label.length);
          const key = scrypt(this.passphrase, labelAndSalt, { N: 2 ** logN, r: 8, p: 1, dkLen: 32 });
          const fileKey = decryptFileKey(s.body, key);
          if (fileKey !== null)
            return fileKey;
        }
        return null;
      }
    };
  }
});

// node_modules/age-encryption/dist/stream.js
function decryptSTREAM(key) {
  const streamNonce = new Uint8Array(12);
  const incNonce = () => {
    for (let i = streamNonce.length - 2; i >= 0; i--) {
      streamNonce[i]++;
      if (streamNonce[i] !== 0)
        break;
    }
  };
  let firstChunk = true;
  const ciphertextBuffer = new Uint8Array(chunkSizeWithOverhead);
  let ciphertextBufferUsed = 0;
  return new TransformStream({
    transform(chunk, controller) {
      while (chunk.length > 0) {
        if (ciphertextBufferUsed === ciphertextBuffer.length) {
          const decryptedChunk = chacha20poly1305(key, streamNonce).decrypt(ciphertextBuffer);
          controller.enqueue(decryptedChunk);
          incNonce();
          ciphertextBufferUsed = 0;
          firstChunk = false;
        }
        const n = Math.min(ciphertextBuffer.length - ciphertextBufferUsed, chunk.length);
        ciphertextBuffer.set(chunk.subarray(0, n), ciphertextBufferUsed);
        ciphertextBufferUsed += n;
        chunk = chunk.subarray(n);
      }
    },
    flush(controller) {
      streamNonce[11] = 1;
      const decryptedChunk = chacha20poly1305(key, streamNonce).decrypt(ciphertextBuffer.subarray(0, ciphertextBufferUsed));
      if (!firstChunk && decryptedChunk.length === 0) {
        throw new Error("final chunk is empty");
      }
      controller.enqueue(decryptedChunk);
    }
  });
}
function plaintextSize(ciphertextSize2) {
  if (ciphertextSize2 < chacha20poly1305Overhead) {
    throw Error("ciphertext is too small");
  }
  if (ciphertextSize2 === chacha20poly1305Overhead) {
    return 0;
  }
  const fullChunks = Math.floor(ciphertextSize2 / chunkSizeWithOverhead);
  const lastChunk = ciphertextSize2 % chunkSizeWithOverhead;
  if (0 < lastChunk && lastChunk <= chacha20poly1305Overhead) {
    throw Error("ciphertext size is invalid");
  }
  let size = ciphertextSize2;
  size -= fullChunks * chacha20poly1305Overhead;
  size -= lastChunk > 0 ? chacha20poly1305Overhead : 0;
  return size;
}
function encryptSTREAM(key) {
  const streamNonce = new Uint8Array(12);
  const incNonce = () => {
    for (let i = streamNonce.length - 2; i >= 0; i--) {
      streamNonce[i]++;
      if (streamNonce[i] !== 0)
        break;
    }
  };
  const plaintextBuffer = new Uint8Array(chunkSize);
  let plaintextBufferUsed = 0;
  return new TransformStream({
    transform(chunk, controller) {
      while (chunk.length > 0) {
        if (plaintextBufferUsed === plaintextBuffer.length) {
          const encryptedChunk = chacha20poly1305(key, streamNonce).encrypt(plaintextBuffer);
          controller.enqueue(encryptedChunk);
          incNonce();
          plaintextBufferUsed = 0;
        }
        const n = Math.min(plaintextBuffer.length - plaintextBufferUsed, chunk.length);
        plaintextBuffer.set(chunk.subarray(0, n), plaintextBufferUsed);
        plaintextBufferUsed += n;
        chunk = chunk.subarray(n);
      }
    },
    flush(controller) {
      streamNonce[11] = 1;
      const encryptedChunk = chacha20poly1305(key, streamNonce).encrypt(plaintextBuffer.subarray(0, plaintextBufferUsed));
      controller.enqueue(encryptedChunk);
    }
  });
}
function ciphertextSize(plaintextSize2) {
  const chunks = Math.max(1, Math.ceil(plaintextSize2 / chunkSize));
  return plaintextSize2 + chacha20poly1305Overhead * chunks;
}
var chacha20poly1305Overhead, chunkSize, chunkSizeWithOverhead;
var init_stream = __esm({
  "node_modules/age-encryption/dist/stream.js"() {
    init_chacha();
    chacha20poly1305Overhead = 16;
    chunkSize = /* @__PURE__ */ (() => 64 * 1024)();
    chunkSizeWithOverhead = /* @__PURE__ */ (() => chunkSize + chacha20poly1305Overhead)();
  }
});

// node_modules/age-encryption/dist/armor.js
var init_armor = __esm({
  "node_modules/age-encryption/dist/armor.js"() {
    init_dist();
  }
});

// node_modules/age-encryption/dist/cbor.js
var init_cbor = __esm({
  "node_modules/age-encryption/dist/cbor.js"() {
  }
});

// node_modules/age-encryption/dist/webauthn.js
var init_webauthn = __esm({
  "node_modules/age-encryption/dist/webauthn.js"() {
    init_dist();
    init_format();
    init_recipients();
    init_cbor();
    init_dist();
  }
});

// node_modules/age-encryption/dist/index.js
function compareBytes(a, b) {
  if (a.length !== b.length) {
    return false;
  }
  let acc = 0;
  for (let i = 0; i < a.length; i++) {
    acc |= a[i] ^ b[i];
  }
  return acc === 0;
}
function isCryptoKey3(key) {
  return typeof CryptoKey !== "undefined" && key instanceof CryptoKey;
}
var Encrypter, Decrypter;
var init_dist = __esm({
  "node_modules/age-encryption/dist/index.js"() {
    init_hmac();
    init_hkdf();
    init_sha2();
    init_utils();
    init_recipients();
    init_recipients();
    init_recipients();
    init_recipients();
    init_format();
    init_stream();
    init_io();
    init_armor();
    init_webauthn();
    init_recipients();
    Encrypter = class {
      passphrase = null;
      scryptWorkFactor = 18;
      recipients = [];
      /**
       * Set the passphrase to encrypt the file(s) with. This method can only be
       * called once, and can't be called if {@link Encrypter.addRecipient} has
       * been called.
       *
       * The passphrase is passed through the scrypt key derivation function, but
       * it needs to have enough entropy to resist offline brute-force attacks.
       * You should use at least 8-10 random alphanumeric characters, or 4-5
       * random words from a list of at least 2000 words.
       *
       * @param s - The passphrase to encrypt the file with.
       */
      setPassphrase(s) {
        if (this.passphrase !== null) {
          throw new Error("can encrypt to at most one passphrase");
        }
        if (this.recipients.length !== 0) {
          throw new Error("can't encrypt to both recipients and passphrases");
        }
        this.passphrase = s;
      }
      /**
       * Set the scrypt work factor to use when encrypting the file(s) with a
       * passphrase. The default is 18. Using a lower value will require stronger
       * passphrases to resist offline brute-force attacks.
       *
       * @param logN - The base-2 logarithm of the scrypt work factor.
       */
      setScryptWorkFactor(logN) {
        this.scryptWorkFactor = logN;
      }
      /**
       * Add a recipient to encrypt the file(s) for. This method can be called
       * multiple times to encrypt the file(s) for multiple recipients.
       *
       * This version supports native X25519 recipients (`age1...`), hybrid
       * post-quantum recipients (`age1pq1...`), tag recipients (`age1tag1...`),
       * and hybrid tag recipients (`age1tagpq1...`).
       *
       * @param s - The recipient to encrypt the file for. Either a string
       * beginning with `age1...` or an object implementing the {@link Recipient}
       * interface.
       */
      addRecipient(s) {
        if (this.passphrase !== null) {
          throw new Error("can't encrypt to both recipients and passphrases");
        }
        if (typeof s === "string") {
          if (s.startsWith("age1pq1")) {
            this.recipients.push(new HybridRecipient(s));
          } else if (s.startsWith("age1tag1")) {
            this.recipients.push(new TagRecipient(s));
          } else if (s.startsWith("age1tagpq1")) {
            this.recipients.push(new HybridTagRecipient(s));
          } else if (s.startsWith("age1")) {
            this.recipients.push(new X25519Recipient(s));
          } else {
            throw new Error("unrecognized recipient type");
          }
        } else {
          this.recipients.push(s);
        }
      }
      async encrypt(file) {
        const fileKey = randomBytes(16);
        const stanzas = [];
        let recipients = this.recipients;
        if (this.passphrase !== null) {
          recipients = [new ScryptRecipient(this.passphrase, this.scryptWorkFactor)];
        }
        for (const recipient of recipients) {
          stanzas.push(...await recipient.wrapFileKey(fileKey));
        }
        const labelHeader = new TextEncoder().encode("header");
        const hmacKey = hkdf(sha256, fileKey, void 0, labelHeader, 32);
        const mac = hmac(sha256, hmacKey, encodeHeaderNoMAC(stanzas));
        const header = encodeHeader(stanzas, mac);
        const nonce = randomBytes(16);
        const labelPayload = new TextEncoder().encode("payload");
        const streamKey = hkdf(sha256, fileKey, nonce, labelPayload, 32);
        const encrypter = encryptSTREAM(streamKey);
        if (!(file instanceof ReadableStream)) {
          if (typeof file === "string")
            file = new TextEncoder().encode(file);
          return await readAll(prepend(stream(file).pipeThrough(encrypter), header, nonce));
        }
        return Object.assign(prepend(file.pipeThrough(encrypter), header, nonce), {
          size: (size) => ciphertextSize(size) + header.length + nonce.length
        });
      }
    };
    Decrypter = class {
      identities = [];
      /**
       * Add a passphrase to decrypt password-encrypted file(s) with. This method
       * can be called multiple times to try multiple passphrases.
       *
       * @param s - The passphrase to decrypt the file with.
       */
      addPassphrase(s) {
        this.identities.push(new ScryptIdentity(s));
      }
      /**
       * Add an identity to decrypt file(s) with. This method can be called
       * multiple times to try multiple identities.
       *
       * @param s - The identity to decrypt the file with. Either a string
       * beginning with `AGE-SECRET-KEY-PQ-1...` or `AGE-SECRET-KEY-1...`, an
       * X25519 private
       * {@link https://developer.mozilla.org/en-US/docs/Web/API/CryptoKey | CryptoKey}
       * object, or an object implementing the {@link Identity} interface.
       *
       * A CryptoKey object must have
       * {@link https://developer.mozilla.org/en-US/docs/Web/API/CryptoKey/type | type}
       * `private`,
       * {@link https://developer.mozilla.org/en-US/docs/Web/API/CryptoKey/algorithm | algorithm}
       * `{name: 'X25519'}`, and
       * {@link https://developer.mozilla.org/en-US/docs/Web/API/CryptoKey/usages | usages}
       * `["deriveBits"]`. For example:
       * ```js
       * const keyPair = await crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"])
       * decrypter.addIdentity(key.privateKey)
       * ```
       */
      addIdentity(s) {
        if (isCryptoKey3(s)) {
          this.identities.push(new X25519Identity(s));
        } else if (typeof s === "string") {
          if (s.startsWith("AGE-SECRET-KEY-1")) {
            this.identities.push(new X25519Identity(s));
          } else if (s.startsWith("AGE-SECRET-KEY-PQ-1")) {
            this.identities.push(new HybridIdentity(s));
          } else {
            throw new Error("unrecognized identity type");
          }
        } else {
          this.identities.push(s);
        }
      }
      async decrypt(file, outputFormat) {
        const s = file instanceof ReadableStream ? file : stream(file);
        const { fileKey, headerSize, rest } = await this.decryptHeaderInternal(s);
        const { data: nonce, rest: payload } = await read(rest, 16);
        const label = new TextEncoder().encode("payload");
        const streamKey = hkdf(sha256, fileKey, nonce, label, 32);
        const decrypter = decryptSTREAM(streamKey);
        const out2 = payload.pipeThrough(decrypter);
        const outWithSize = Object.assign(out2, {
          size: (size) => plaintextSize(size - headerSize - nonce.length)
        });
        if (file instanceof ReadableStream)
          return outWithSize;
        if (outputFormat === "text")
          return await readAllString(out2);
        return await readAll(out2);
      }
      /**
       * Decrypt the file key from a detached header. This is a low-level
       * function that can be used to implement delegated decryption logic.
       * Most users won't need this.
       *
       * It is the caller's responsibility to keep track of what file the
       * returned file key decrypts, and to ensure the file key is not used
       * for any other purpose.
       *
       * @param header - The file's textual header, including the MAC.
       *
       * @returns The file key used to encrypt the file.
       */
      async decryptHeader(header) {
        return (await this.decryptHeaderInternal(stream(header))).fileKey;
      }
      async decryptHeaderInternal(file) {
        const h = await parseHeader(file);
        const fileKey = await this.unwrapFileKey(h.stanzas);
        if (fileKey === null)
          throw Error("no identity matched any of the file's recipients");
        const label = new TextEncoder().encode("header");
        const hmacKey = hkdf(sha256, fileKey, void 0, label, 32);
        const mac = hmac(sha256, hmacKey, h.headerNoMAC);
        if (!compareBytes(h.MAC, mac))
          throw Error("invalid header HMAC");
        return { fileKey, headerSize: h.headerSize, rest: h.rest };
      }
      async unwrapFileKey(stanzas) {
        for (const identity of this.identities) {
          const fileKey = await identity.unwrapFileKey(stanzas);
          if (fileKey !== null)
            return fileKey;
        }
        return null;
      }
    };
  }
});

// src/identity/sha256.ts
var import_node_crypto4, sha256Hex;
var init_sha256 = __esm({
  "src/identity/sha256.ts"() {
    "use strict";
    import_node_crypto4 = require("node:crypto");
    sha256Hex = (b) => (0, import_node_crypto4.createHash)("sha256").update(b).digest("hex");
  }
});

// src/archive/tar.ts
function octal(n, width) {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}
function writeTar(entries, mtime) {
  const parts = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.name) > 100) throw new Error(`tar: name too long: ${e.name}`);
    const h = Buffer.alloc(BLOCK);
    h.write(e.name, 0, "utf8");
    h.write(octal(384, 8), 100);
    h.write(octal(0, 8), 108);
    h.write(octal(0, 8), 116);
    h.write(octal(e.data.length, 12), 124);
    h.write(octal(Math.floor(mtime.getTime() / 1e3), 12), 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(octal(sum, 7) + " ", 148);
    parts.push(h, Buffer.from(e.data), Buffer.alloc((BLOCK - e.data.length % BLOCK) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
function readTar(buf) {
  const b = Buffer.from(buf);
  const out2 = [];
  for (let pos = 0; pos + BLOCK <= b.length; ) {
    const h = b.subarray(pos, pos + BLOCK);
    if (h.every((x) => x === 0)) return out2;
    const field = (from, to) => h.subarray(from, to).toString("latin1").replace(/\0.*$/s, "").trim();
    let sum = 0;
    for (const [i, x] of h.entries()) sum += i >= 148 && i < 156 ? 32 : x;
    if (!/^[0-7]+$/.test(field(148, 156)) || parseInt(field(148, 156), 8) !== sum)
      throw new Error("tar: a header is damaged (wrong checksum)");
    const sizeField = field(124, 136) || "0";
    if (!/^[0-7]+$/.test(sizeField)) throw new Error("tar: a header is damaged (size)");
    const size = parseInt(sizeField, 8);
    const name2 = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const type = String.fromCharCode(h[156] ?? 48);
    pos += BLOCK;
    if (pos + size > b.length) throw new Error("tar: the archive is cut short");
    if (type === "0" || type === "\0") out2.push({ name: name2, data: b.subarray(pos, pos + size) });
    pos += Math.ceil(size / BLOCK) * BLOCK;
  }
  return out2;
}
var BLOCK;
var init_tar = __esm({
  "src/archive/tar.ts"() {
    "use strict";
    BLOCK = 512;
  }
});

// src/archive/archive.ts
async function sealArchive(files, manifest, recipients, keystore = []) {
  const full = {
    format: "avalanche-node-backup/1",
    ...manifest,
    ...keystore.length ? { keystoreUsers: keystore.map((k) => k.username) } : {},
    sha256: Object.fromEntries(STAKING_FILES.map((f) => [f, sha256Hex(files[f])]))
  };
  const tar = writeTar(
    [
      { name: "manifest.json", data: Buffer.from(JSON.stringify(full, null, 2) + "\n") },
      ...STAKING_FILES.map((f) => ({ name: `staking/${f}`, data: files[f] })),
      // Numbered: two user names that differ only in characters a file name cannot hold stay two.
      ...keystore.map((k, i) => ({
        name: `keystore/${i + 1}-${k.username.replace(/[^\w.-]/g, "_").slice(0, 80)}.json`,
        data: Buffer.from(JSON.stringify(k) + "\n")
      }))
    ],
    new Date(manifest.takenAt)
  );
  return encrypterFor(recipients).encrypt(tar);
}
function encrypterFor(recipients) {
  const e = new Encrypter();
  recipients.forEach((r, i) => {
    try {
      e.addRecipient(r);
    } catch {
      throw new ArchiveError(
        `age-recipients: recipient ${i + 1} of ${recipients.length} is not an age recipient (age1\u2026)${r.startsWith("AGE-SECRET-KEY-") ? ": it is an age secret key; give its public key (age-keygen -y KEYFILE)" : ""}; make one with age-keygen.`
      );
    }
  });
  return e;
}
async function openArchive(sealed, identity) {
  const entries = new Map(readTar(await decrypt(sealed, identity)).map((e) => [e.name, e.data]));
  const manifestBytes = entries.get("manifest.json");
  if (!manifestBytes)
    throw new ArchiveError(
      "the archive has no manifest.json: it was not made by avalanche-node-backup."
    );
  const manifest = parseManifest(manifestBytes);
  const files = {};
  for (const f of STAKING_FILES) {
    const data = entries.get(`staking/${f}`);
    if (!data) throw new ArchiveError(`the archive has no staking/${f}.`);
    if (sha256Hex(data) !== manifest.sha256[f])
      throw new ArchiveError(
        `staking/${f} in the archive does not match its manifest: the archive is damaged.`
      );
    files[f] = data;
  }
  const keystore = [...entries].filter(([name2]) => name2.startsWith("keystore/")).map(([name2, data]) => parseKeystoreExport(name2, data));
  return { files, manifest, keystore };
}
async function decrypt(sealed, identity) {
  const keys = identity.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith("AGE-SECRET-KEY-"));
  if (keys.length === 0)
    throw new ArchiveError(
      "age-identity holds no AGE-SECRET-KEY-1\u2026 line: give the contents of the key file age-keygen wrote."
    );
  const head = Buffer.from(sealed.subarray(0, 256)).toString("latin1");
  if (!head.startsWith(AGE_HEADER)) {
    throw new ArchiveError(
      /AGE-SECRET-KEY-|^# created: /m.test(head) ? "the file is an age identity (a secret key), not an archive. Give the .tar.age file mode backup wrote, and keep the key in a secret for age-identity." : "the file is not an age-encrypted archive (it does not start with the age header). Give the .tar.age file mode backup wrote."
    );
  }
  const d = new Decrypter();
  try {
    keys.forEach((k) => d.addIdentity(k));
  } catch {
    throw new ArchiveError(
      "age-identity holds an AGE-SECRET-KEY-1\u2026 line that is not a valid age key: copy the key file age-keygen wrote whole."
    );
  }
  try {
    return await d.decrypt(sealed);
  } catch (e) {
    throw new ArchiveError(
      /no identity matched/i.test(e.message) ? "age-identity does not open the archive: it was encrypted to other recipients." : "the archive cannot be decrypted: it is damaged, or not an avalanche-node-backup archive."
    );
  }
}
function parseManifest(bytes) {
  const m = parseJson(bytes);
  const strings = ["nodeId", "blsPublicKey", "keyType", "takenAt", "host"];
  if (typeof m !== "object" || m === null || m.format !== "avalanche-node-backup/1" || strings.some((k) => typeof m[k] !== "string") || typeof m.sha256 !== "object" || m.sha256 === null || STAKING_FILES.some((f) => typeof m.sha256[f] !== "string")) {
    throw new ArchiveError(
      "the archive's manifest.json is not an avalanche-node-backup/1 manifest: the archive is damaged or was made by another tool."
    );
  }
  return m;
}
function parseKeystoreExport(name2, data) {
  const k = parseJson(data);
  if (typeof k !== "object" || k === null || typeof k.username !== "string" || typeof k.user !== "string")
    throw new ArchiveError(
      `${name2.replace(/[^\w./-]/g, "_")} in the archive is not a keystore export: the archive is damaged.`
    );
  return {
    username: k.username,
    user: k.user,
    encoding: typeof k.encoding === "string" ? k.encoding : "hex"
  };
}
function parseJson(bytes) {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return void 0;
  }
}
var ArchiveError, AGE_HEADER;
var init_archive = __esm({
  "src/archive/archive.ts"() {
    "use strict";
    init_dist();
    init_errors2();
    init_sha256();
    init_tar();
    ArchiveError = class extends Error {
      name = "ArchiveError";
    };
    AGE_HEADER = "age-encryption.org/v1\n";
  }
});

// src/identity/material.ts
function decodeMaterial(file, input, readPath, label = INPUT_FOR[file]) {
  if (input.length > MAX_INPUT_CHARS) {
    throw new IdentityError(
      file,
      `the ${label} input is ${input.length} characters; the ${file} it should hold is a few KB, so inputs over ${MAX_INPUT_CHARS} characters are refused unread. Set it from the file: ${SECRET_HINT[file]}`
    );
  }
  const text = input.replace(/\r\n/g, "\n").trim();
  const renderings = input.split(/\r?\n/).map((l) => l.trim());
  const done = (bytes, form) => ({
    bytes,
    form,
    renderings: unique([...renderings, ...renderingsOf(bytes)])
  });
  if (text === "") {
    throw new IdentityError(
      file,
      `the ${label} input is empty. Set it from the file: ${SECRET_HINT[file]}`
    );
  }
  if (text.includes("-----BEGIN ")) {
    if (file === "signer.key") {
      throw new IdentityError(
        file,
        `given as PEM text; signer.key is 32 raw bytes, so its secret holds their base64: ${SECRET_HINT[file]}`
      );
    }
    return done(Buffer.from(text + "\n"), "PEM text");
  }
  if (!text.includes("\n") && text.length < 4096) {
    const fromFile = readPath(text);
    if (fromFile && fromFile.length > MAX_FILE_BYTES) {
      throw new IdentityError(
        file,
        `the ${label} input names a file of ${fromFile.length} bytes; a ${file} is a few KB, so files over ${MAX_FILE_BYTES} bytes are refused unread`
      );
    }
    if (fromFile) return done(fromFile, "file path");
  }
  if (file === "signer.key") {
    if (/^0x/i.test(text)) {
      const hex = /^0x([0-9a-fA-F]{64})$/i.exec(text)?.[1];
      if (hex) return done(Buffer.from(hex, "hex"), "hex");
      throw new IdentityError(
        file,
        `the ${label} input starts with 0x but is not 64 hex digits (32 bytes). Or give its base64: ${SECRET_HINT[file]}`
      );
    }
  }
  const b64 = decodeBase64(text);
  if (b64 && !(file === "signer.key" && b64.length !== 32 && /^[0-9a-fA-F]{64}$/.test(text))) {
    return done(b64, "base64");
  }
  if (file === "signer.key" && /^[0-9a-fA-F]{64}$/.test(text)) {
    return done(Buffer.from(text, "hex"), "hex");
  }
  const looksLikePath = /^(\/|\.\.?\/|~\/)/.test(text) || /\.(crt|key|pem)$/.test(text);
  throw new IdentityError(
    file,
    looksLikePath ? `the ${label} input looks like a path, but there is no readable file there` : `the ${label} input is neither PEM text, base64, nor a path to a file${file === "signer.key" ? " (nor 0x-hex)" : ""}. Set it from the file: ${SECRET_HINT[file]}`
  );
}
function decodeBase64(text) {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) || compact.length < 4) return void 0;
  const std = compact.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (std.length % 4 === 1) return void 0;
  const bytes = Buffer.from(std, "base64");
  if (bytes.toString("base64").replace(/=+$/, "") !== std) return void 0;
  return bytes;
}
function renderingsOf(bytes) {
  const out2 = [bytes.toString("base64"), bytes.toString("hex")];
  if (/^[\x20-\x7e]+$/.test(bytes.toString("latin1"))) out2.push(bytes.toString("latin1"));
  if (looksLikePem(bytes)) {
    for (const line of bytes.toString("utf8").split(/\r?\n/)) out2.push(line.trim());
    for (const block of pemBlocks(bytes))
      out2.push(block.der.toString("base64"), block.der.toString("hex"));
  }
  return out2;
}
function unique(values) {
  return [...new Set(values.filter((v) => v.length > 0))];
}
var MAX_INPUT_CHARS, INPUT_FOR, SECRET_HINT;
var init_material = __esm({
  "src/identity/material.ts"() {
    "use strict";
    init_errors2();
    init_certificate();
    init_pem();
    MAX_INPUT_CHARS = 96 * 1024;
    INPUT_FOR = {
      "staker.crt": "staker-crt",
      "staker.key": "staker-key",
      "signer.key": "signer-key"
    };
    SECRET_HINT = {
      "staker.crt": "gh secret set STAKER_CRT < staker.crt",
      "staker.key": "gh secret set STAKER_KEY < staker.key",
      "signer.key": "base64 -w0 signer.key | gh secret set SIGNER_KEY"
    };
  }
});

// src/operations/source.ts
function readPathInput(path) {
  const full = path.startsWith("~/") ? (process.env.HOME || (0, import_node_os.homedir)()) + path.slice(1) : path;
  try {
    if (!(0, import_node_fs.statSync)(full).isFile()) return void 0;
    return (0, import_node_fs.readFileSync)(full);
  } catch {
    return void 0;
  }
}
function hideFiles(files, log) {
  for (const f of ["staker.key", "signer.key"])
    if (files[f]) log.secret(renderingsOf(Buffer.from(files[f])));
}
async function openSource(source, log) {
  if (source.kind === "files") return { files: source.files, keystore: [] };
  const sealed = readPathInput(source.path);
  if (!sealed)
    throw new InputError(
      "archive: there is no readable file at the path given. Give the path of the .tar.age file mode backup wrote (its archive output)."
    );
  let opened;
  try {
    opened = await openArchive(sealed, source.identity);
  } catch (e) {
    throw new InputError(
      `archive: ${e instanceof ArchiveError ? e.message : "the file cannot be opened as an avalanche-node-backup archive."}`
    );
  }
  hideFiles(opened.files, log);
  log.debug(
    `archive: taken ${opened.manifest.takenAt} from ${opened.manifest.host}, ${opened.manifest.nodeId}`
  );
  const files = Object.fromEntries(STAKING_FILES.map((f) => [f, opened.files[f]]));
  return { files, keystore: opened.keystore };
}
var import_node_fs, import_node_os;
var init_source = __esm({
  "src/operations/source.ts"() {
    "use strict";
    import_node_fs = require("node:fs");
    import_node_os = require("node:os");
    init_archive();
    init_errors();
    init_errors2();
    init_material();
  }
});

// src/node/staking-port.ts
function throwawayClientCertificate() {
  const { privateKey, publicKey } = (0, import_node_crypto5.generateKeyPairSync)("ec", { namedCurve: "P-256" });
  const time = (s) => tlv(23, Buffer.from(s));
  const tbs = tlv(
    48,
    tlv(160, tlv(2, Buffer.from([2]))),
    tlv(2, Buffer.from([1])),
    ECDSA_SHA256,
    tlv(48),
    tlv(48, time("000101000000Z"), time("491231000000Z")),
    tlv(48),
    publicKey.export({ type: "spki", format: "der" })
  );
  const signature = (0, import_node_crypto5.sign)("sha256", tbs, privateKey);
  const der = tlv(48, tbs, ECDSA_SHA256, tlv(3, Buffer.from([0]), signature));
  return {
    cert: toPem("CERTIFICATE", der),
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  };
}
async function probeStakingPort(host, port, client, timeoutMs, throttleWaitMs = THROTTLE_COOLDOWN_MS + RETRY_EVERY_MS) {
  const giveUpAt = Date.now() + throttleWaitMs;
  for (; ; ) {
    const a = await handshake(host, port, client, timeoutMs);
    if (!a.closedBeforeTls) return a.answer;
    if (Date.now() + RETRY_EVERY_MS > giveUpAt) {
      return {
        host,
        port,
        error: `closed before the TLS handshake at every try for ${Math.round(throttleWaitMs / 1e3)} s: avalanchego does that to all but one connection per 10 s from one address, so if this is the staking port, something else at this address keeps connecting to it`
      };
    }
    await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
  }
}
function handshake(host, port, client, timeoutMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (a, closedBeforeTls = false) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: { host, port, ...a }, closedBeforeTls });
    };
    const socket = (0, import_node_tls.connect)({
      host,
      port,
      ...client,
      minVersion: "TLSv1.3",
      maxVersion: "TLSv1.3",
      rejectUnauthorized: false,
      // the NodeID is the identity, not a CA chain
      .../^[\d.]+$|:/.test(host) ? {} : { servername: host }
    });
    const timer = setTimeout(
      () => done({ error: `no TLS handshake within ${timeoutMs / 1e3} s` }),
      timeoutMs
    );
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate(true)?.raw;
      if (!raw) return done({ error: "the node presented no certificate" });
      done({ nodeId: nodeIdFromCertificate(raw), tlsMs: Math.round(performance.now() - started) });
    });
    socket.once(
      "error",
      (e) => done({ error: describe(e, port) }, e.code === "ECONNRESET")
    );
  });
}
function describe(e, port) {
  switch (e.code) {
    case "ECONNREFUSED":
      return `connection refused: nothing listens on port ${port}`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "ECONNRESET":
      return "the connection was reset during the TLS handshake";
    default:
      if (/wrong version number|packet length too long|unexpected eof|tlsv1 alert protocol version|unsupported protocol/i.test(
        e.message
      )) {
        return `port ${port} does not speak TLS 1.3 (is it the staking port?)`;
      }
      return e.message;
  }
}
var import_node_crypto5, import_node_tls, len, tlv, ECDSA_SHA256, THROTTLE_COOLDOWN_MS, RETRY_EVERY_MS;
var init_staking_port = __esm({
  "src/node/staking-port.ts"() {
    "use strict";
    import_node_crypto5 = require("node:crypto");
    import_node_tls = require("node:tls");
    init_node_id();
    init_pem();
    len = (n) => n < 128 ? [n] : n < 256 ? [129, n] : [130, n >> 8, n & 255];
    tlv = (tag, ...parts) => {
      const body = Buffer.concat(parts);
      return Buffer.concat([Buffer.from([tag, ...len(body.length)]), body]);
    };
    ECDSA_SHA256 = tlv(48, Buffer.from("06082a8648ce3d040302", "hex"));
    THROTTLE_COOLDOWN_MS = 1e4;
    RETRY_EVERY_MS = 1e3;
  }
});

// src/network/replies.ts
function shown(v, max = 120) {
  const s = String(v).replace(/[^\x20-\x7e]/g, "?");
  return s.length > max ? `${s.slice(0, max)}\u2026` : s;
}
function rpcResult(body, id, method) {
  let reply;
  try {
    reply = JSON.parse(body);
  } catch {
    throw new NetworkReplyError(`${method} answered without JSON`);
  }
  if (!isObject(reply) || reply.jsonrpc !== "2.0" || reply.id !== id)
    throw new NetworkReplyError(`${method} answered without a JSON-RPC 2.0 reply to our call`);
  if (isObject(reply.error)) {
    const code = typeof reply.error.code === "number" ? ` (code ${reply.error.code})` : "";
    throw new NetworkReplyError(`${method} failed${code}: ${shown(reply.error.message ?? "")}`);
  }
  if (!("result" in reply)) throw new NetworkReplyError(`${method} answered without a result`);
  return reply.result;
}
function parsePeers(result, nodeId) {
  if (!isObject(result) || !Array.isArray(result.peers))
    throw new NetworkReplyError("info.peers answered without a list of peers");
  const seen = [];
  for (const p of result.peers) {
    if (!isObject(p) || p.nodeID !== nodeId) continue;
    const ip = typeof p.ip === "string" ? splitAddrPort(p.ip) : void 0;
    if (!ip) throw new NetworkReplyError("info.peers answered a peer without an address");
    const pub = typeof p.publicIP === "string" ? splitAddrPort(p.publicIP) : void 0;
    seen.push({ ...ip, ...pub && pub.ip !== ip.ip ? { publicIp: pub.ip } : {} });
  }
  return seen;
}
function splitAddrPort(text) {
  const m = /^\[([0-9a-fA-F:.]+)(?:%[^\]]*)?\]:(\d{1,5})$/.exec(text) ?? /^([\d.]+):(\d{1,5})$/.exec(text);
  return m ? { ip: m[1].toLowerCase(), port: Number(m[2]) } : void 0;
}
function parseValidator(result, nodeId) {
  if (!isObject(result) || !Array.isArray(result.validators))
    throw new NetworkReplyError(
      "platform.getCurrentValidators answered without a list of validators"
    );
  const v = result.validators.find((x) => isObject(x) && x.nodeID === nodeId);
  if (!v) return void 0;
  const bad = (field) => new NetworkReplyError(
    `platform.getCurrentValidators answered a validator with no valid ${field}`
  );
  const uint = (field) => {
    const x = v[field];
    if (typeof x !== "string" || !/^\d{1,20}$/.test(x)) throw bad(field);
    return x;
  };
  const validator = {
    nodeId,
    startTime: Number(uint("startTime")),
    endTime: Number(uint("endTime")),
    weight: uint("weight")
  };
  if (v.uptime !== void 0) {
    if (typeof v.uptime !== "string" || !/^\d+(\.\d+)?$/.test(v.uptime)) throw bad("uptime");
    validator.uptime = Number(v.uptime);
  }
  if (typeof v.connected === "boolean") validator.connected = v.connected;
  if (v.signer !== void 0 && v.signer !== null) {
    const pk = isObject(v.signer) ? v.signer.publicKey : void 0;
    if (typeof pk !== "string" || !/^0x[0-9a-fA-F]{96}$/.test(pk)) throw bad("signer.publicKey");
    validator.blsPublicKey = pk.toLowerCase();
  }
  return validator;
}
function parseHealth(body) {
  let reply;
  try {
    reply = JSON.parse(body);
  } catch {
    throw new NetworkReplyError("/ext/health answered without JSON");
  }
  if (!isObject(reply) || typeof reply.healthy !== "boolean" || !isObject(reply.checks))
    throw new NetworkReplyError("/ext/health answered without checks and healthy");
  const checks = Object.entries(reply.checks).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([name2, r]) => {
    const error = isObject(r) && typeof r.error === "string" ? r.error : void 0;
    return {
      name: shown(name2, 60),
      ok: error === void 0,
      ...error ? { error: shown(error) } : {}
    };
  });
  return { healthy: reply.healthy, checks };
}
function validatorLine(v) {
  const until = new Date(v.endTime * 1e3).toISOString().slice(0, 10);
  const uptime = v.uptime === void 0 ? "" : `, uptime ${v.uptime.toFixed(1)} %`;
  const connected = v.connected === false ? ", not connected" : "";
  return `validator until ${until}${uptime}${connected}`;
}
function isObject(x) {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
var NetworkReplyError;
var init_replies = __esm({
  "src/network/replies.ts"() {
    "use strict";
    NetworkReplyError = class extends Error {
      name = "NetworkReplyError";
    };
  }
});

// src/network/client.ts
function describe2(e) {
  switch (e.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "ECONNRESET":
      return "the connection was reset";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return "its TLS certificate is not for this host name (the certificate's names do not include it)";
    case "CERT_HAS_EXPIRED":
      return "its TLS certificate has expired";
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return "its TLS certificate is not signed by a trusted authority (a private CA can be given to Node with NODE_EXTRA_CA_CERTS)";
    default:
      return /SSL|TLS|wrong version/i.test(e.message) ? "the TLS handshake failed (is it HTTPS?)" : `the connection failed (${e.code ?? "error"})`;
  }
}
var import_node_http, import_node_https, NetworkUnreachable, MAX_BODY, NetworkApi;
var init_client = __esm({
  "src/network/client.ts"() {
    "use strict";
    import_node_http = require("node:http");
    import_node_https = require("node:https");
    init_replies();
    NetworkUnreachable = class extends Error {
      name = "NetworkUnreachable";
    };
    MAX_BODY = 4 << 20;
    NetworkApi = class {
      constructor(url, timeoutMs = 5e3) {
        this.url = url;
        this.timeoutMs = timeoutMs;
      }
      url;
      timeoutMs;
      nextId = 1;
      /** Where it is, for messages: scheme, host and port only (a path may hold a provider's key). */
      get origin() {
        return this.url.origin;
      }
      /** info.peers for one NodeID: the connections the answering node has with it. */
      async peers(nodeId) {
        return parsePeers(await this.call("/ext/info", "info.peers", { nodeIDs: [nodeId] }), nodeId);
      }
      /** platform.getCurrentValidators for one NodeID (primary network); undefined: not a validator. */
      async validator(nodeId) {
        const result = await this.call("/ext/bc/P", "platform.getCurrentValidators", {
          nodeIDs: [nodeId]
        });
        return parseValidator(result, nodeId);
      }
      async call(path, method, params) {
        const id = this.nextId++;
        const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
        const res = await this.post(path, body);
        if (res.status !== 200)
          throw new NetworkUnreachable(
            `${this.origin} answered ${method} with HTTP ${res.status}${res.status === 404 ? " (is it an avalanchego API? the path is the base URL, without /ext/\u2026)" : ""}`
          );
        try {
          return rpcResult(res.body, id, method);
        } catch (e) {
          throw new NetworkUnreachable(`${this.origin}: ${e.message}`);
        }
      }
      post(path, body) {
        const base = this.url.pathname.replace(/\/+$/, "");
        const request2 = this.url.protocol === "https:" ? import_node_https.request : import_node_http.request;
        return new Promise((resolve, reject) => {
          const fail = (why) => {
            clearTimeout(timer);
            req.destroy();
            reject(new NetworkUnreachable(`${this.origin} cannot be asked: ${why}`));
          };
          const req = request2(
            {
              protocol: this.url.protocol,
              hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
              port: this.url.port || void 0,
              method: "POST",
              path: `${base}${path}`,
              headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
            },
            (res) => {
              const chunks = [];
              let size = 0;
              res.on("data", (c) => {
                size += c.length;
                if (size > MAX_BODY) fail("the answer is larger than 4 MB");
                else chunks.push(c);
              });
              res.on("end", () => {
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
              });
              res.on("error", (e) => fail(describe2(e)));
            }
          );
          const timer = setTimeout(
            () => fail(`no answer within ${this.timeoutMs / 1e3} s`),
            this.timeoutMs
          );
          req.on("error", (e) => fail(describe2(e)));
          req.end(body);
        });
      }
    };
  }
});

// src/operations/network.ts
var network_exports = {};
__export(network_exports, {
  NetworkCheckError: () => NetworkCheckError,
  RestoreNetworkChecks: () => RestoreNetworkChecks,
  addressesOf: () => addressesOf,
  askNetwork: () => askNetwork,
  askRegistration: () => askRegistration,
  judgePeers: () => judgePeers,
  registeredKey: () => registeredKey,
  restoreNetworkChecks: () => restoreNetworkChecks
});
async function askRegistration(settings, nodeId, log) {
  if (!settings.apiUrl) return { state: "not-asked" };
  const api = new NetworkApi(settings.apiUrl);
  {
    try {
      const validator = await api.validator(nodeId);
      if (!validator) {
        log.info(`${nodeId} is not a current validator of the primary network (${api.origin})`);
        return { state: "not-validator", origin: api.origin };
      }
      log.info(
        `${nodeId}: ${validatorLine(validator)}; registered BLS key ${validator.blsPublicKey ?? "(none: a validator added before BLS keys)"} (${api.origin})`
      );
      return { state: "validator", validator, origin: api.origin };
    } catch (e) {
      const why = errorMessage(e);
      unanswered(settings, why, "the BLS key registered on the P-chain", log);
      return { state: "unknown", why };
    }
  }
}
function registeredKey(r) {
  return r.state === "validator" ? r.validator.blsPublicKey : void 0;
}
function unanswered(settings, why, what, log) {
  if (settings.require)
    throw new NetworkCheckError(`${why}. Not checked: ${what} (require-network-checks is true).`);
  log.warning(`${why}. Not checked: ${what}.`);
}
function judgePeers(peers, targetAddresses, targetRunsIt) {
  if (peers.length === 0) return { verdict: "nowhere" };
  const mine = new Set(targetAddresses.map((a) => a.toLowerCase()));
  const other = peers.find((p) => !mine.has(p.ip) && !(p.publicIp && mine.has(p.publicIp)));
  if (!other) return { verdict: "target" };
  const at = shown(other.publicIp ?? other.ip, 60);
  return targetRunsIt ? { verdict: "unsure", at } : { verdict: "elsewhere", at };
}
async function addressesOf(host) {
  const bare = host.replace(/^\[|\]$/g, "");
  if ((0, import_node_net.isIP)(bare)) return [bare.toLowerCase()];
  return (await (0, import_promises.lookup)(bare, { all: true })).map((a) => a.address.toLowerCase());
}
async function askNetwork(network, expected, log) {
  if (!network.apiUrl || !expected.nodeId) return { registration: { state: "not-asked" }, expected };
  const registration = await log.group(
    "Ask the network",
    () => askRegistration(network, expected.nodeId, log)
  );
  const key = registeredKey(registration);
  return { registration, expected: key ? { ...expected, registeredBlsPublicKey: key } : expected };
}
function restoreNetworkChecks(network, target, log) {
  if (!network.apiUrl && network.oldHosts.length === 0 && network.waitHealthyMs === 0) return;
  return new RestoreNetworkChecks(
    network,
    () => target.kind === "ssh" ? addressesOf(target.ssh.host) : Promise.resolve([]),
    log
  );
}
var import_promises, import_node_net, NetworkCheckError, RestoreNetworkChecks;
var init_network = __esm({
  "src/operations/network.ts"() {
    "use strict";
    import_promises = require("node:dns/promises");
    import_node_net = require("node:net");
    init_log();
    init_staking_port();
    init_client();
    init_replies();
    NetworkCheckError = class extends Error {
      name = "NetworkCheckError";
    };
    RestoreNetworkChecks = class {
      constructor(settings, targetAddresses, log) {
        this.settings = settings;
        this.targetAddresses = targetAddresses;
        this.log = log;
      }
      settings;
      targetAddresses;
      log;
      get waitsForHealth() {
        return this.settings.waitHealthyMs > 0;
      }
      /**
       * One NodeID in one place: info.peers (one HTTPS request) and the old hosts' staking ports.
       * Throws NetworkCheckError when it runs elsewhere (a warning with allow-running-elsewhere).
       * Resolves to a line for the step's detail.
       */
      async refuseIfRunningElsewhere(nodeId, targetReports) {
        const found = [];
        const notes = [];
        const [network, probed] = await Promise.all([
          this.peersCheck(nodeId, targetReports === nodeId),
          this.oldHostsCheck(nodeId)
        ]);
        for (const r of [network, probed]) {
          if (r.at) found.push(r.at);
          if (r.note) notes.push(r.note);
        }
        if (found.length === 0) return notes.join("; ");
        const message = `${nodeId} is running at ${found.join(" and at ")} right now; stop that node first (or set allow-running-elsewhere: true if you know it is dying)`;
        if (!this.settings.allowRunningElsewhere)
          throw new NetworkCheckError(`${message}. Nothing on the host was changed.`);
        this.log.warning(`${message}; going on: allow-running-elsewhere is true.`);
        return [...notes, `running elsewhere, allowed: ${found.join(", ")}`].join("; ");
      }
      async peersCheck(nodeId, targetRunsIt) {
        if (!this.settings.apiUrl) return {};
        const api = new NetworkApi(this.settings.apiUrl);
        let peers;
        try {
          peers = await api.peers(nodeId);
        } catch (e) {
          unanswered(this.settings, errorMessage(e), `whether ${nodeId} runs elsewhere`, this.log);
          return { note: "the network could not be asked" };
        }
        const w = judgePeers(peers, await this.targetAddresses().catch(() => []), targetRunsIt);
        switch (w.verdict) {
          case "nowhere":
            return { note: `${api.origin} has no connection with ${nodeId}` };
          case "target":
            return { note: `${api.origin} sees ${nodeId} on this host` };
          case "unsure":
            this.log.warning(
              `${api.origin} sees ${nodeId} connected from ${w.at}, and this host reports ${nodeId} too: it may be this host seen under another address (NAT, a jump host). List the old machines in old-hosts to have their staking ports checked.`
            );
            return { note: `seen from ${w.at} (this host runs it too)` };
          case "elsewhere":
            return { at: w.at };
        }
      }
      async oldHostsCheck(nodeId) {
        const hosts = this.settings.oldHosts;
        if (hosts.length === 0) return {};
        const client = throwawayClientCertificate();
        const answers = await Promise.all(
          hosts.map((h) => probeStakingPort(h.host, h.port, client, 5e3))
        );
        for (const a of answers)
          this.log.info(
            `old host ${a.host}:${a.port}: ${a.nodeId ? `answers ${a.nodeId}` : `no answer (${a.error})`}`
          );
        const running = answers.filter((a) => a.nodeId === nodeId).map((a) => `${a.host}:${a.port}`);
        return running.length ? { at: running.join(", ") } : { note: `${hosts.length} old host(s) do not answer with ${nodeId}` };
      }
      /**
       * After the identity is proven: wait-healthy seconds for /ext/health to say healthy. Not healthy
       * in time is a warning naming the failing checks (health is about bootstrapping).
       */
      async waitHealthy(api, note) {
        const until = Date.now() + this.settings.waitHealthyMs;
        let report = await api.healthReport();
        while (!report?.healthy && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 1e3));
          report = await api.healthReport();
        }
        const bls2 = report?.checks.find((c) => c.name === "bls");
        const blsText = bls2 ? `bls ${bls2.ok ? "ok" : `FAILING: ${bls2.error}`}` : "no bls check";
        if (report?.healthy) {
          note(`healthy; ${blsText}; ${report.checks.map((c) => c.name).join(", ")} pass`);
          return report;
        }
        const failing = report?.checks.filter((c) => !c.ok) ?? [];
        const what = report ? `failing checks: ${failing.map((c) => `${c.name} (${c.error ?? "failed"})`).join(", ") || "none named"}` : "/ext/health does not answer (or not with its checks)";
        note(`not healthy after ${this.settings.waitHealthyMs / 1e3} s; ${blsText}; ${what}`);
        this.log.warning(
          `the node runs the restored identity but is not healthy after wait-healthy (${this.settings.waitHealthyMs / 1e3} s): ${what}. ${bls2 && !bls2.ok ? "The bls check fails: the node runs a BLS key other than the one registered on the P-chain, and its peers disconnect it." : "A node that is still bootstrapping becomes healthy on its own."}`
        );
        return report;
      }
    };
  }
});

// src/transport/transport.ts
function sh(value) {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
var ConnectionLost, ForwardingRefused;
var init_transport = __esm({
  "src/transport/transport.ts"() {
    "use strict";
    ConnectionLost = class extends Error {
      name = "ConnectionLost";
    };
    ForwardingRefused = class extends Error {
      name = "ForwardingRefused";
    };
  }
});

// src/node/api.ts
function httpOver(stream2, url, method, path, body) {
  return new Promise((resolve) => {
    const req = (0, import_node_http2.request)({
      createConnection: () => stream2,
      host: url.hostname,
      port: url.port || 80,
      method,
      path,
      headers: { "content-type": "application/json", connection: "close" },
      timeout: REQUEST_TIMEOUT_MS
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => text += d.toString());
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", () => resolve(void 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(void 0));
    req.end(body);
  });
}
var import_node_http2, REQUEST_TIMEOUT_MS, NodeApi, RpcUnavailable;
var init_api = __esm({
  "src/node/api.ts"() {
    "use strict";
    import_node_http2 = require("node:http");
    init_replies();
    init_transport();
    REQUEST_TIMEOUT_MS = 3e3;
    NodeApi = class {
      constructor(transport, url, log) {
        this.transport = transport;
        this.url = url;
        this.log = log;
      }
      transport;
      url;
      log;
      viaCurl = false;
      /** info.getNodeID; undefined when nothing answers (the node is down or still starting). */
      async getNodeId() {
        try {
          const result = await this.rpc("/ext/info", "info.getNodeID");
          return result?.nodeID ? result : void 0;
        } catch (e) {
          if (e instanceof ConnectionLost) throw e;
          return void 0;
        }
      }
      /**
       * A JSON-RPC call on an API endpoint (e.g. /ext/keystore). Resolves to the result; rejects with
       * the node's error message, or 'not available' when the endpoint does not exist.
       */
      async rpc(path, method, params = {}) {
        const res = await this.call(
          "POST",
          path,
          JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
        );
        if (!res) throw new Error(`the node's API does not answer ${path}`);
        if (res.status === 404)
          throw new RpcUnavailable(`${path} is not served (the API is not enabled)`);
        let body;
        try {
          body = JSON.parse(res.body);
        } catch {
          throw new Error(`${path} answered HTTP ${res.status} without JSON`);
        }
        if (body.error) {
          if (body.error.code === -32601 || /^rpc: can't find (service|method) /.test(body.error.message ?? ""))
            throw new RpcUnavailable(`${method} is not available on this node`);
          throw new Error(body.error.message ?? `${method} failed`);
        }
        return body.result;
      }
      async health() {
        const res = await this.call("GET", "/ext/health");
        if (!res) return void 0;
        try {
          return {
            status: res.status,
            healthy: JSON.parse(res.body).healthy === true
          };
        } catch {
          return { status: res.status, healthy: false };
        }
      }
      /** /ext/health with its checks; undefined when nothing answers (the node is down or starting). */
      async healthReport() {
        const res = await this.call("GET", "/ext/health");
        if (!res) return void 0;
        try {
          return parseHealth(res.body);
        } catch {
          return void 0;
        }
      }
      async call(method, path, body) {
        if (!this.viaCurl) {
          let stream2;
          try {
            stream2 = await this.transport.openTcp(this.url.hostname, Number(this.url.port || 80));
          } catch (e) {
            if (e instanceof ConnectionLost) throw e;
            if (!(e instanceof ForwardingRefused)) return void 0;
            this.viaCurl = true;
            this.log.warning(
              `${e.message}: asking the node's API with curl on the host instead (install curl there if this fails).`
            );
            return this.call(method, path, body);
          }
          return httpOver(stream2, this.url, method, path, body);
        }
        const cmd = `curl -s -m ${REQUEST_TIMEOUT_MS / 1e3} -w '\\n%{http_code}' -X ${method} ` + (body ? `-H 'content-type: application/json' --data-binary @- ` : "") + sh(new URL(path, this.url).toString());
        const r = await this.transport.exec(cmd, body ? Buffer.from(body) : void 0);
        if (r.code !== 0) return void 0;
        const text = r.stdout.toString();
        const cut = text.lastIndexOf("\n");
        return { status: Number(text.slice(cut + 1)), body: text.slice(0, cut) };
      }
    };
    RpcUnavailable = class extends Error {
      name = "RpcUnavailable";
    };
  }
});

// src/node/identity-location.ts
function parseFlags(argv) {
  const flags = /* @__PURE__ */ new Map();
  for (let i = 1; i < argv.length; i++) {
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) continue;
    const key = m[1];
    if (m[2] !== void 0) flags.set(key, m[2]);
    else if (BOOLEAN_FLAGS.has(key)) flags.set(key, "true");
    else if (i + 1 < argv.length) flags.set(key, argv[++i]);
  }
  return flags;
}
function configSource(view) {
  const flags = parseFlags(view.argv);
  const get = (key) => flags.get(key) ?? (view.env[envName(key)] || void 0);
  const content = get("config-file-content");
  if (content !== void 0)
    return { content: Buffer.from(content, "base64").toString("utf8"), how: "config-file-content" };
  const file = get("config-file");
  if (!file) return void 0;
  const path = absolute(
    expand3(file, view.env, () => ""),
    view.cwd
  );
  return { path, how: `config file ${path}` };
}
function parseConfig(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      "the config file is not JSON (YAML and TOML config files are not read here): set staking-dir to the staking directory"
    );
  }
  const out2 = /* @__PURE__ */ new Map();
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    for (const [k, v] of Object.entries(parsed))
      if (v !== null && typeof v !== "object") out2.set(k.toLowerCase(), String(v));
  }
  return out2;
}
function expand3(value, env, dataDir) {
  return value.replace(
    /\$(\{([^}]*)\}|([A-Za-z0-9_]+))/g,
    (_m, _b, braced, bare) => {
      const name2 = braced ?? bare;
      return name2 === "AVALANCHEGO_DATA_DIR" ? dataDir() : env[name2] ?? "";
    }
  );
}
function resolveIdentity(view, config, configHow = "") {
  const flags = parseFlags(view.argv);
  const lookup2 = (key) => {
    const f = flags.get(key);
    if (f !== void 0)
      return {
        value: f,
        how: `${view.source === "process" ? "the running node" : "ExecStart"} --${key}`
      };
    const e = view.env[envName(key)];
    if (e) return { value: e, how: `${envName(key)} in the node's environment` };
    const c = config?.get(key);
    if (c !== void 0) return { value: c, how: `key ${key} of the ${configHow}` };
    return void 0;
  };
  const isTrue = (key) => /^(1|t|true)$/i.test(lookup2(key)?.value ?? "");
  const dataDirRaw = lookup2("data-dir");
  const dataDir = absolute(
    expand3(dataDirRaw?.value ?? "$HOME/.avalanchego", view.env, () => ""),
    view.cwd
  );
  const path = (key, file) => {
    const found = lookup2(key);
    return {
      path: absolute(
        expand3(found?.value ?? `$AVALANCHEGO_DATA_DIR/staking/${file}`, view.env, () => dataDir),
        view.cwd
      ),
      how: found?.how ?? (dataDirRaw ? `the default under data-dir (${dataDirRaw.how})` : "the default ($HOME/.avalanchego/staking)")
    };
  };
  const tls = tlsSource(lookup2, isTrue, path);
  const signer = signerSource(lookup2, isTrue, path);
  return { dataDir, tls, signer, ...layout(tls, signer), description: describe3(tls, signer) };
}
function tlsSource(lookup2, isTrue, path) {
  if (isTrue("staking-ephemeral-cert-enabled"))
    return { kind: "ephemeral", how: lookup2("staking-ephemeral-cert-enabled").how };
  const content = lookup2("staking-tls-cert-file-content") ?? lookup2("staking-tls-key-file-content");
  if (content) return { kind: "content", how: content.how };
  const cert = path("staking-tls-cert-file", "staker.crt");
  const key = path("staking-tls-key-file", "staker.key");
  return {
    kind: "files",
    cert: cert.path,
    key: key.path,
    how: cert.how === key.how ? cert.how : `${cert.how}; ${key.how}`
  };
}
function signerSource(lookup2, isTrue, path) {
  if (isTrue("staking-ephemeral-signer-enabled"))
    return { kind: "ephemeral", how: lookup2("staking-ephemeral-signer-enabled").how };
  const content = lookup2("staking-signer-key-file-content");
  if (content) return { kind: "content", how: content.how };
  const rpc = lookup2("staking-rpc-signer-endpoint");
  if (rpc) return { kind: "rpc", endpoint: rpc.value, how: rpc.how };
  const p = path("staking-signer-key-file", "signer.key");
  return { kind: "file", path: p.path, how: p.how };
}
function layout(tls, signer) {
  if (tls.kind !== "files" || signer.kind !== "file") return {};
  const dir = import_node_path.posix.dirname(tls.cert);
  const usual = tls.cert === `${dir}/staker.crt` && tls.key === `${dir}/staker.key` && signer.path === `${dir}/signer.key`;
  return usual ? { stakingDir: dir } : {
    notOneDirectory: `the node reads ${tls.cert}, ${tls.key} and ${signer.path}: not staker.crt, staker.key and signer.key in one directory, which is what a restore writes`
  };
}
function describe3(tls, signer) {
  const t = tls.kind === "files" ? `TLS identity from ${tls.cert} and ${tls.key} (${tls.how})` : tls.kind === "ephemeral" ? `a new TLS identity at every start (${tls.how})` : `the TLS identity from base64 in its configuration (${tls.how})`;
  const s = signer.kind === "file" ? `BLS key from ${signer.path} (${signer.how})` : signer.kind === "rpc" ? `BLS key in a remote signer at ${signer.endpoint} (${signer.how})` : signer.kind === "ephemeral" ? `a new BLS key at every start (${signer.how})` : `the BLS key from base64 in its configuration (${signer.how})`;
  return `${t}; ${s}`;
}
function restoreRefusal(loc) {
  const tls = loc.tls;
  const signer = loc.signer;
  if (tls.kind === "ephemeral")
    return `this node makes a new TLS identity at every start (${tls.how}): files would change nothing. Remove that setting, restart the node, then restore.`;
  if (tls.kind === "content")
    return `this node takes its TLS identity from base64 in its configuration (${tls.how}), which wins over any file: files would change nothing. Put the backup's staker.crt and staker.key there (base64), or remove those settings and restore again.`;
  if (signer.kind === "rpc")
    return `this node's BLS key lives in a remote signer at ${signer.endpoint} (${signer.how}), not in signer.key: a restore of files would not change it. Restore staker.crt and staker.key by hand and the BLS key in the signer.`;
  if (signer.kind === "ephemeral")
    return `this node makes a new BLS key at every start (${signer.how}): signer.key would change nothing. Remove that setting, then restore.`;
  if (signer.kind === "content")
    return `this node takes its BLS key from base64 in its configuration (${signer.how}): signer.key would change nothing. Put the backup's signer.key there (base64), or remove that setting and restore again.`;
  return loc.notOneDirectory ? `${loc.notOneDirectory}. Copy the files by hand, or point the node at one staking directory.` : void 0;
}
function backupRefusal(loc) {
  const notFile = [
    loc.tls.kind !== "files" && `its TLS identity (${loc.tls.how})`,
    loc.signer.kind !== "file" && (loc.signer.kind === "rpc" ? `its BLS key, which lives in the remote signer at ${loc.signer.endpoint}` : `its BLS key (${loc.signer.how})`)
  ].filter(Boolean);
  if (notFile.length)
    return `not taken: this node does not keep ${notFile.join(" nor ")} in files, and a backup takes files. Back that up where it lives (the signer's own backup, the configuration that holds the base64).`;
  return loc.notOneDirectory ? `not taken: ${loc.notOneDirectory}. Set staking-dir to take one directory.` : void 0;
}
function containerFacts(json) {
  let c;
  try {
    c = JSON.parse(json)[0] ?? {};
  } catch {
    throw new Error("docker inspect did not answer with JSON");
  }
  const user = (c.Config?.User ?? "").split(":")[0] || "root";
  const env = {};
  for (const e of c.Config?.Env ?? []) {
    const eq = e.indexOf("=");
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  env.HOME ??= user === "root" || user === "0" ? "/root" : `/home/${user}`;
  return {
    user,
    view: {
      argv: [...c.Config?.Entrypoint ?? [], ...c.Config?.Cmd ?? []],
      env,
      cwd: c.Config?.WorkingDir || "/",
      source: "container"
    },
    mounts: (c.Mounts ?? []).filter((m) => m.Source && m.Destination).map((m) => ({ source: m.Source, destination: m.Destination }))
  };
}
function hostPath(path, mounts) {
  const m = mounts.filter((x) => path === x.destination || path.startsWith(`${x.destination.replace(/\/$/, "")}/`)).sort((a, b) => b.destination.length - a.destination.length)[0];
  return m ? import_node_path.posix.join(m.source, path.slice(m.destination.length)) : void 0;
}
function throughMounts(loc, mounts) {
  if (!loc.stakingDir) return loc;
  const dir = hostPath(loc.stakingDir, mounts);
  if (!dir)
    return {
      ...loc,
      stakingDir: void 0,
      notOneDirectory: `the node keeps its identity in ${loc.stakingDir} inside the container, on no mounted directory: it lives and dies with the container, out of reach of the host`
    };
  const tls = loc.tls.kind === "files" ? { ...loc.tls, cert: `${dir}/staker.crt`, key: `${dir}/staker.key` } : loc.tls;
  const signer = loc.signer.kind === "file" ? { ...loc.signer, path: `${dir}/signer.key` } : loc.signer;
  return {
    ...loc,
    tls,
    signer,
    stakingDir: dir,
    description: `${describe3(tls, signer)} (${loc.stakingDir} in the container)`
  };
}
var import_node_path, BOOLEAN_FLAGS, envName, absolute;
var init_identity_location = __esm({
  "src/node/identity-location.ts"() {
    "use strict";
    import_node_path = require("node:path");
    BOOLEAN_FLAGS = /* @__PURE__ */ new Set([
      "staking-ephemeral-cert-enabled",
      "staking-ephemeral-signer-enabled"
    ]);
    envName = (key) => `AVAGO_${key.toUpperCase().replace(/-/g, "_")}`;
    absolute = (p, cwd) => p.startsWith("/") ? import_node_path.posix.normalize(p) : import_node_path.posix.join(cwd || "/", p);
  }
});

// src/node/host-scripts.ts
var discoverHostScript, inspectHostScript, restoreTransactionScript;
var init_host_scripts = __esm({
  "src/node/host-scripts.ts"() {
    "use strict";
    discoverHostScript = `#!/bin/sh
# avalanche-node-backup: what a node host's service manager and running node say about where the
# node takes its identity from. Changes nothing. Values are base64 (they may hold any byte).
#
# Usage: sh discover-host.sh SERVICE systemd|commands
# Output, one fact a line:
#   unit-user B64 | unit-workdir B64 | unit-execstart B64 | unit-env B64 | main-pid N
#   envfile B64(path) B64(content)        each EnvironmentFiles= file that can be read
#   arg B64                               the running node's argv, in order (/proc/PID/cmdline)
#   env B64                               the running node's environment, NAME=VALUE (/proc/PID/environ)
#   cwd B64                               the running node's working directory
#   home B64                              the home of the unit's user (or of the login user)

svc=$1 control=$2
b64() { printf '%s' "$1" | base64 | tr -d '\\n'; }

user=
if [ "$control" = systemd ] && command -v systemctl >/dev/null 2>&1; then
  user=$(systemctl show -p User --value "$svc" 2>/dev/null)
  echo "unit-user $(b64 "$user")" # empty: no User= (root, and systemd sets no $HOME)
  [ -n "$user" ] || user=root
  echo "unit-workdir $(b64 "$(systemctl show -p WorkingDirectory --value "$svc" 2>/dev/null)")"
  echo "unit-execstart $(b64 "$(systemctl show -p ExecStart --value "$svc" 2>/dev/null)")"
  echo "unit-env $(b64 "$(systemctl show -p Environment --value "$svc" 2>/dev/null)")"
  systemctl show -p EnvironmentFiles --value "$svc" 2>/dev/null | while read -r file _; do
    f=\${file#-}
    [ -n "$f" ] && [ -r "$f" ] && echo "envfile $(b64 "$f") $(base64 <"$f" | tr -d '\\n')"
  done
  pid=$(systemctl show -p MainPID --value "$svc" 2>/dev/null)
  echo "main-pid \${pid:-0}"
  if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/cmdline" ]; then
    tr '\\0' '\\n' <"/proc/$pid/cmdline" | while IFS= read -r a; do echo "arg $(b64 "$a")"; done
    if [ -r "/proc/$pid/environ" ]; then
      # The whole environment: a path may name any variable. It stays in the runner's memory.
      tr '\\0' '\\n' <"/proc/$pid/environ" | while IFS= read -r e; do echo "env $(b64 "$e")"; done
    fi
    echo "cwd $(b64 "$(readlink "/proc/$pid/cwd" 2>/dev/null)")"
  fi
fi
[ -n "$user" ] || user=$(id -un)
echo "home $(b64 "$(getent passwd "$user" | cut -d: -f6)")"
`;
    inspectHostScript = `#!/bin/sh
# avalanche-node-backup: looks at a node host before a restore, verify or backup. Changes nothing.
#
# Usage: sh inspect-host.sh STAKING_DIR SERVICE STATE_DIR FILE...   (FILE: the staking files' names)
# Output, one fact a line (the runner parses these):
#   dir OWNER MODE open|closed  or  dir -  or  dir ?   the staking directory (? : a parent we cannot enter)
#   FILE OWNER MODE SHA256|unreadable  or  FILE -       for each FILE given
#   unit LOADSTATE | user USER | state ACTIVESTATE      systemd's view of SERVICE (when systemctl exists)
#   missing TOOL...                                     commands a restore needs that are not there
#   lockdir DIR                                         where a lock file can be made
#   journal running|unfinished UID PATH                 a restore journal without an end, its owner

dir=$1 svc=$2 state=\${3:-/nonexistent}
shift 3

# The nearest existing ancestor decides whether "missing" can be told from "cannot see".
up=$(dirname "$dir")
while [ ! -e "$up" ] && [ "$up" != / ]; do up=$(dirname "$up"); done
if [ -d "$dir" ]; then
  echo "dir $(stat -c '%U %a' "$dir") $([ -x "$dir" ] && echo open || echo closed)"
elif [ -x "$up" ]; then
  echo "dir -"
else
  echo "dir ?"
fi

for f in "$@"; do
  p=$dir/$f
  if [ ! -f "$p" ]; then
    echo "$f -"
  elif [ -r "$p" ]; then
    echo "$f $(stat -c '%U %a' "$p") $(sha256sum <"$p" | cut -d' ' -f1)"
  else
    echo "$f $(stat -c '%U %a' "$p") unreadable"
  fi
done

if command -v systemctl >/dev/null 2>&1; then
  echo "unit $(systemctl show -p LoadState --value "$svc" 2>/dev/null)"
  echo "user $(systemctl show -p User --value "$svc" 2>/dev/null)"
  echo "state $(systemctl is-active "$svc" 2>/dev/null)"
fi

missing=
for c in setsid flock sha256sum; do
  command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
# runuser lives in /usr/sbin, outside a login user's PATH; root's (sudo's) PATH has it.
command -v runuser >/dev/null 2>&1 || [ -x /usr/sbin/runuser ] || [ -x /sbin/runuser ] || missing="$missing runuser"
command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || missing="$missing curl"
echo "missing$missing"

for d in /run/lock /var/lock /tmp; do
  if [ -d "$d" ] && [ -w "$d" ]; then
    echo "lockdir $d"
    break
  fi
done

for j in "$dir".previous-*/restore.journal "$state"/previous-*/restore.journal; do
  [ -f "$j" ] || continue
  grep -q '^[0-9]* end ' "$j" && continue
  pid=$(sed -n 's/^[0-9]* pid //p' "$j" | head -n1)
  state=unfinished
  # No pid yet: the journal is being created this instant (nothing was changed before the pid).
  if [ -z "$pid" ] || grep -q restore.sh "/proc/$pid/cmdline" 2>/dev/null; then state=running; fi
  echo "journal $state $(stat -c %u "$j") $j"
done
`;
    restoreTransactionScript = `#!/bin/sh
# avalanche-node-backup: the host side of a restore, run on the node host itself.
#
# The runner uploads the new files as .<file>.new-<run> in the staking directory, then starts this
# program detached from its SSH session (setsid), so that whatever happens to the connection or to
# the runner, the host finishes what it started:
#
#   keep the current files -> stop the node -> put the new files in place -> start the node ->
#   wait for the local API to report the expected NodeID and BLS key -> on anything else, put
#   every previous file back and start the node again.
#
# Usage:  sh restore-transaction.sh run      (detached; everything in the ANB_* environment below)
#         sh restore-transaction.sh recover  (synchronous: rolls back unfinished journals)
#
# Environment (set by the runner):
#   ANB_DIR        the staking directory            ANB_RUN       this run's id
#   ANB_PREV       this run's directory: previous files and this journal (as root under
#                  ANB_STATE, /var/lib/avalanche-node-backup/<id>; else <staking dir>.previous-<run>)
#   ANB_STATE      root's directory of this staking directory's restores ('' when not root)
#   ANB_LOGIN_USER user to run stop/start commands as (empty: this program's user)
#   ANB_SERVICE    systemd unit;  ANB_STOP / ANB_START  commands that replace systemctl
#   ANB_WAIT       seconds to wait for the new identity (the previous one, after a rollback, gets
#                  this or 30 s, whichever is longer: it must be seen back, not assumed)
#   ANB_NODE_ID    NodeID the new files give;   ANB_BLS  BLS public key (0x\u2026)
#   ANB_OLD_NODE_ID  NodeID the node reported before (may be empty)
#   ANB_API        the node's API as seen here (http://127.0.0.1:9650)
#   ANB_OLD / ANB_NEW  sha256 of staker.crt staker.key signer.key, '-' for a missing file:
#                  what the runner saw before, and what it uploaded
#   ANB_LOCK       lock file (one restore at a time);  ANB_LOCK_WAIT  seconds to wait for it
#
# Journal ($ANB_PREV/restore.journal): one event a line, appended and synced before the step it
# announces and after it ends, so that after a crash it says exactly which files are new:
# Each line starts with the time in milliseconds since the epoch, then the event:
#   journal 1 | run ID | pid N | lock held | old FILE SHA|- | new FILE SHA
#   active-before yes|no | step NAME begin|done | file FILE new|old|removed | answer NODEID BLS|-
#   fail REASON | end RESULT [DETAIL]
# RESULT: restored, rolled-back, refused (nothing was changed), stuck (files could not all be
# put back: see the file lines), recovered (a later run rolled this one back).

set -u
trap '' HUP PIPE INT
PATH=$PATH:/usr/sbin:/sbin # runuser, and systemctl on some systems, live there
export PATH

FILES='staker.key signer.key staker.crt' # install order: see install_file
TEST_DIR=/run/avalanche-node-backup-test # exists only on the project's test hosts

dir=\${ANB_DIR:?} run=\${ANB_RUN:-} prev=\${ANB_PREV:-}
journal=$prev/restore.journal

# Milliseconds since the epoch (GNU date; whole seconds elsewhere).
now_ms() {
  t=$(date +%s%3N 2>/dev/null)
  case $t in '' | *[!0-9]*) t=$(($(date +%s) * 1000)) ;; esac
  echo "$t"
}

note() {
  printf '%s %s\\n' "$(now_ms)" "$*" >>"$journal" && sync "$journal" 2>/dev/null
}

# Several events at once, one a line on stdin: one write, one sync.
note_all() {
  t=$(now_ms)
  sed "s/^/$t /" >>"$journal" && sync "$journal" 2>/dev/null
}

# The journal has this event (without its time).
noted() {
  grep -q "^[0-9]* $1\\$" "$journal"
}

# One line, no control characters: error text from commands goes into the journal.
oneline() {
  tr -c '[:print:]' ' ' | cut -c1-300
}

# Tests pause the program at a named point (fault injection); never active on a real host.
pause() {
  [ -f "$TEST_DIR/pause" ] && grep -qx "$1" "$TEST_DIR/pause" || return 0
  : >"$TEST_DIR/reached-$1"
  n=0
  while [ ! -e "$TEST_DIR/continue-$1" ] && [ "$n" -lt 12000 ]; do
    sleep 0.05
    n=$((n + 1))
  done
}

control() {
  if [ -n "\${ANB_STOP:-}" ]; then
    cmd=$ANB_STOP
    [ "$1" = start ] && cmd=$ANB_START
    if [ -n "\${ANB_LOGIN_USER:-}" ]; then
      runuser -u "$ANB_LOGIN_USER" -- sh -c "$cmd" 2>&1
    else
      sh -c "$cmd" 2>&1
    fi
  else
    systemctl "$1" "$ANB_SERVICE" 2>&1
  fi 9>&- # the lock's descriptor stays here, not in the node's processes
}

# systemd's view: active, activating (crash-looping between restarts), failed, inactive.
unit_state() {
  if [ -n "\${ANB_STOP:-}" ]; then echo unknown; else systemctl is-active "$ANB_SERVICE" 2>/dev/null; fi
}

# info.getNodeID on the local API: prints "NODEID BLS" (BLS '-' before v1.8.6), or nothing.
ask() {
  body='{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}'
  if command -v curl >/dev/null 2>&1; then
    out=$(curl -s -m 2 -H 'content-type: application/json' --data "$body" "$ANB_API/ext/info" 2>/dev/null)
  else
    out=$(wget -q -T 2 -t 1 -O - --header='content-type: application/json' --post-data="$body" "$ANB_API/ext/info" 2>/dev/null)
  fi
  out=$(printf '%s' "$out" | tr -d '\\n\\r')
  id=$(printf '%s' "$out" | sed -n 's/.*"nodeID"[[:space:]]*:[[:space:]]*"\\(NodeID-[1-9A-HJ-NP-Za-km-z]\\{1,64\\}\\)".*/\\1/p')
  bls=$(printf '%s' "$out" | sed -n 's/.*"publicKey"[[:space:]]*:[[:space:]]*"\\(0x[0-9a-f]\\{96\\}\\)".*/\\1/p')
  [ -n "$id" ] && printf '%s %s\\n' "$id" "\${bls:--}"
}

# Waits for the node to answer. $1: NodeID wanted (empty: any), $2: BLS key wanted (empty: any),
# $3: seconds (default ANB_WAIT).
# Returns 0 when it answers as wanted, 1 with another identity, 2 on time-out, 3 when it exits.
wait_for() {
  deadline=$(($(date +%s) + \${3:-$ANB_WAIT}))
  seen_active=no
  while :; do
    answer=$(ask)
    if [ -n "$answer" ]; then
      note "answer $answer"
      set -- "\${1:-\${answer% *}}" "\${2:-\${answer#* }}"
      [ "\${answer% *}" = "$1" ] || return 1
      [ "\${answer#* }" = - ] || [ "\${answer#* }" = "$2" ] || return 1
      return 0
    fi
    # Restart=always restarts a node that exits: 'activating' in between is a crash loop.
    case $(unit_state) in
    active) seen_active=yes ;;
    failed | inactive) return 3 ;;
    activating) [ "$seen_active" = yes ] && return 3 ;;
    esac
    [ "$(date +%s)" -ge "$deadline" ] && return 2
    sleep 0.05
  done
}

sha_of() {
  if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo -; fi
}

field() { # field N of a space-separated list
  echo "$2" | cut -d' ' -f"$1"
}

index_of() {
  case $1 in staker.crt) echo 1 ;; staker.key) echo 2 ;; signer.key) echo 3 ;; esac
}

# Puts one file of the new set in place (rename: atomic). Order staker.key, signer.key, staker.crt:
# until staker.crt is new, the old certificate does not match the new key and the node refuses to
# start, so no start in between (a reboot, say) can run a mix of the two identities.
install_file() {
  err=$(mv -f "$dir/.$1.new-$run" "$dir/$1" 2>&1) || {
    note "fail cannot put $1 in place: $(printf '%s' "$err" | oneline)"
    return 1
  }
  note "file $1 new"
}

# The sha256 ('-' for none) a file had before (old) or was uploaded with (new), from ANB_OLD /
# ANB_NEW (in \`recover\`, from the journal's old and new lines).
sha_was() { # old|new FILE
  if [ "$1" = old ]; then field "$(index_of "$2")" "$ANB_OLD"; else field "$(index_of "$2")" "$ANB_NEW"; fi
}

# Puts the previous files back, in the reverse order: staker.crt first, so that while signer.key
# changes the certificate and the key again do not match. What each file is now is measured (its
# hash), not taken from the journal, so this can run again after any interruption: a file that is
# already the previous one stays; a new one goes back to its kept copy (a rename) or is removed when
# there was none before. The first file that cannot be put back stops it there, in a state the
# node refuses to start on: never a mix it could run.
restore_previous() {
  for f in staker.crt signer.key staker.key; do
    now=$(sha_of "$dir/$f")
    old=$(sha_was old "$f")
    [ "$now" = "$old" ] && continue
    if [ "$now" != "$(sha_was new "$f")" ]; then
      note "fail $f is neither the previous nor the new file: left as it is"
      return 1
    fi
    if [ "$old" = - ]; then
      err=$(rm -f "$dir/$f" 2>&1) || {
        note "fail cannot remove the new $f: $(printf '%s' "$err" | oneline)"
        return 1
      }
      note "file $f removed"
    elif [ "$(sha_of "$dir/.$f.old-$run")" = "$old" ]; then
      err=$(mv -f "$dir/.$f.old-$run" "$dir/$f" 2>&1) || {
        note "fail cannot put the previous $f back: $(printf '%s' "$err" | oneline)"
        return 1
      }
      note "file $f old"
    else
      note "fail the kept copy of the previous $f is missing: put it back from $prev"
      return 1
    fi
  done
}

cleanup() {
  for f in $FILES; do rm -f "$dir/.$f.new-$run" "$dir/.$f.old-$run"; done
}

finish() {
  note "end $*"
  exit 0
}

rollback() {
  note "step rollback begin"
  out=$(control stop) || note "fail stopping the node for the rollback: $(printf '%s' "$out" | oneline)"
  pause during-rollback
  if ! restore_previous; then
    note "step rollback failed"
    finish stuck "a previous file could not be put back; the node was not started (see the file lines)"
  fi
  cleanup
  note "step rollback done"
  if [ "$active_before" = yes ]; then
    note "step restart begin"
    out=$(control start) || {
      note "fail starting the node again: $(printf '%s' "$out" | oneline)"
      finish rolled-back "previous files back; the node did not start"
    }
    note "step restart done"
    note "step recheck begin"
    recheck=$((ANB_WAIT > 30 ? ANB_WAIT : 30))
    if wait_for "\${ANB_OLD_NODE_ID:-}" "" "$recheck"; then
      note "step recheck done"
      finish rolled-back "previous files back; the node answers again"
    fi
    note "step recheck failed"
    finish rolled-back "previous files back; the node did not answer again within $recheck s"
  fi
  finish rolled-back "previous files back; the node was not running before and was left stopped"
}

refuse() {
  note "fail $*"
  cleanup
  finish refused "$*"
}

# Keeps the current files twice, before anything stops: as hard links (or copies) beside them,
# .<file>.old-<run>, which a rollback renames back without needing any disk space, and in the
# previous-files directory, which stays for the operator.
keep_current() {
  for f in $FILES; do
    [ -e "$dir/$f" ] || continue
    ln "$dir/$f" "$dir/.$f.old-$run" 2>/dev/null ||
      cp -P -p "$dir/$f" "$dir/.$f.old-$run" 2>/dev/null ||
      refuse "cannot keep a copy of $f beside it (disk full?)"
    # -P: a link in the staking directory is copied as a link, never followed by root.
    ln "$dir/$f" "$prev/$f" 2>/dev/null || cp -P -p "$dir/$f" "$prev/$f" 2>/dev/null ||
      refuse "cannot keep a copy of $f in $prev (disk full?)"
  done
}

check_hashes() {
  for f in $FILES; do
    i=$(index_of "$f")
    want=$(field "$i" "$ANB_OLD")
    [ "$(sha_of "$dir/$f")" = "$want" ] ||
      refuse "host-changed: $f is not what the runner saw (another restore ran meanwhile?)"
    want=$(field "$i" "$ANB_NEW")
    [ "$(sha_of "$dir/.$f.new-$run")" = "$want" ] || refuse "the uploaded $f is damaged or missing"
  done
}

transaction() {
  # One write: a journal is never seen without the pid that tells a running restore from one
  # cut short (another run looking at the host meanwhile would "recover" this one otherwise).
  printf 'journal 1\\nrun %s\\npid %s\\n' "$run" "$$" | note_all
  # Root's lock directory is root's alone (mode 0700): no other user can hold or plant the lock.
  [ "$(id -u)" != 0 ] || [ -d "\${ANB_LOCK%/*}" ] || mkdir -m 700 "\${ANB_LOCK%/*}" 2>/dev/null
  true 2>/dev/null >>"$ANB_LOCK" || refuse "cannot open the lock file $ANB_LOCK"
  exec 9>>"$ANB_LOCK"
  flock -w "\${ANB_LOCK_WAIT:-60}" 9 || refuse "busy: another restore held $ANB_LOCK for \${ANB_LOCK_WAIT:-60} s"
  note "lock held"
  check_hashes
  for f in $FILES; do
    i=$(index_of "$f")
    echo "old $f $(field "$i" "$ANB_OLD")"
    echo "new $f $(field "$i" "$ANB_NEW")"
  done | note_all
  keep_current
  active_before=yes
  case $(unit_state) in inactive | failed) active_before=no ;; esac
  note "active-before $active_before"

  note "step stop begin"
  out=$(control stop) || {
    note "fail stopping the node: $(printf '%s' "$out" | oneline)"
    if [ "$active_before" = yes ]; then control start >/dev/null; fi
    cleanup
    finish refused "the node could not be stopped; nothing was changed"
  }
  note "step stop done"
  pause after-stop

  note "step swap begin"
  first=yes
  for f in $FILES; do
    install_file "$f" || rollback
    [ "$first" = yes ] && pause between-renames
    first=no
  done
  chmod 750 "$dir" 2>/dev/null
  note "step swap done"
  pause before-start

  note "step start begin"
  out=$(control start) || {
    note "fail starting the node: $(printf '%s' "$out" | oneline)"
    rollback
  }
  note "step start done"
  pause during-wait

  note "step check begin"
  wait_for "$ANB_NODE_ID" "$ANB_BLS"
  case $? in
  0)
    note "step check done"
    cleanup
    finish restored
    ;;
  1) note "fail the node answers \${answer% *} / \${answer#* }, not $ANB_NODE_ID / $ANB_BLS" ;;
  2) note "fail the node did not answer info.getNodeID within $ANB_WAIT s" ;;
  3) note "fail the node exited after starting ($(unit_state)): it does not accept these files" ;;
  esac
  note "step check failed"
  rollback
}

# A journal without an end whose program is gone (a host that lost power mid-restore): finish it
# as its own program would have. Proven already (the check step done): the new identity stays.
# Otherwise every file goes back to the previous set, by hash. Only journals this user wrote (in a
# directory it owns) are trusted: the node's user may own the directory they lie in.
recover() {
  # (A failed redirection of \`exec\` would end the shell: try it with \`true\` first.)
  [ "$(id -u)" != 0 ] || [ -d "\${ANB_LOCK%/*}" ] || mkdir -m 700 "\${ANB_LOCK%/*}" 2>/dev/null
  if ! true 2>/dev/null >>"$ANB_LOCK" || ! exec 9>>"$ANB_LOCK" || ! flock -w "\${ANB_LOCK_WAIT:-60}" 9; then
    echo "busy"
    exit 75
  fi
  me=$(id -u)
  for journal in "$dir".previous-*/restore.journal "\${ANB_STATE:-/nonexistent}"/previous-*/restore.journal; do
    [ -f "$journal" ] || continue
    grep -q '^[0-9]* end ' "$journal" && continue
    prev=\${journal%/restore.journal}
    # A restore still running (or writing its journal this instant) is not ours to roll back.
    pid=$(sed -n 's/^[0-9]* pid //p' "$journal" | head -n1)
    if [ -z "$pid" ] || grep -q restore.sh "/proc/$pid/cmdline" 2>/dev/null; then continue; fi
    run=$(sed -n 's/^[0-9]* run //p' "$journal" | head -n1)
    if [ "$(stat -c %u "$journal")" != "$me" ] || [ "$(stat -c %u "$prev")" != "$me" ] ||
      ! printf '%s' "$run" | grep -Eqx '[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}'; then
      echo "untrusted $journal"
      continue
    fi
    # A line cut short by the power loss: the next one starts on a line of its own.
    [ -z "$(tail -c 1 "$journal")" ] || printf '\\n' >>"$journal"
    recover_one
  done
}

recover_one() {
  ANB_OLD=$(for f in staker.crt staker.key signer.key; do sed -n "s/^[0-9]* old $f //p" "$journal" | head -n1; done | tr '\\n' ' ')
  ANB_NEW=$(for f in staker.crt staker.key signer.key; do sed -n "s/^[0-9]* new $f //p" "$journal" | head -n1; done | tr '\\n' ' ')
  if noted "step check done"; then
    cleanup
    note "end restored the new identity was proven before the host went down; finished by a later run"
    echo "finished $run"
    return
  fi
  if [ "$(echo "$ANB_OLD" | wc -w)" -lt 3 ]; then
    # Cut before the hashes were written: nothing had been changed yet.
    cleanup
    note "end refused nothing had been changed; closed by a later run"
    echo "closed $run"
    return
  fi
  if ! restore_previous; then
    echo "stuck $run"
    return
  fi
  cleanup
  if noted "active-before yes"; then
    control stop >/dev/null
    control start >/dev/null
  fi
  note "end recovered previous files put back by a later run"
  echo "recovered $run"
}

case \${1:-} in
run)
  exec </dev/null >/dev/null 2>&1
  transaction
  ;;
recover) recover ;;
*)
  echo "usage: restore-transaction.sh run|recover" >&2
  exit 2
  ;;
esac
`;
  }
});

// src/node/node-host.ts
function openRestoreNotice(facts) {
  const running = facts.openJournals.find((j) => j.state === "running");
  if (running)
    return `a restore is running on this host right now (journal ${running.path}): the files are changing; run again when it has ended.`;
  const cut = facts.openJournals[0];
  if (cut)
    return `a restore on this host did not finish (journal ${cut.path}; the host probably lost power during it): the files may be a mix of two identities. Run the restore again (it puts the previous files back first), or put back the files the journal names by hand.`;
  return void 0;
}
function nodeView(text) {
  const facts = text.split("\n").filter(Boolean).map((l) => [l.split(" ")[0], l.split(" ").slice(1).join(" ")]);
  const one = (k) => Buffer.from(facts.find(([n]) => n === k)?.[1] ?? "", "base64").toString();
  const all = (k) => facts.filter(([n]) => n === k).map(([, v]) => v);
  const args = all("arg").map((a) => Buffer.from(a, "base64").toString());
  const home = one("home");
  if (args.length)
    return {
      argv: args,
      env: envOf(all("env").map((e) => Buffer.from(e, "base64").toString())),
      cwd: one("cwd") || "/",
      source: "process"
    };
  const exec = one("unit-execstart");
  const argv = (/argv\[\]=([^;]*)/.exec(exec)?.[1] ?? exec).trim().split(/\s+/).filter(Boolean);
  const unitEnv = (one("unit-env").match(/"[^"]*"|\S+/g) ?? []).map((p) => p.replace(/^"|"$/g, ""));
  const files = all("envfile").flatMap(
    (f) => Buffer.from(f.split(" ")[1] ?? "", "base64").toString().split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => l.replace(/^export\s+/, "").replace(/^([^=]+)=(["'])(.*)\2$/, "$1=$3"))
  );
  const workdir = one("unit-workdir");
  const userSet = one("unit-user") !== "" || !facts.some(([n]) => n === "unit-user");
  return {
    argv,
    env: { ...userSet ? { HOME: home } : {}, ...envOf([...unitEnv, ...files]) },
    cwd: workdir === "~" ? home : workdir || "/",
    source: "unit"
  };
}
function envOf(pairs) {
  const env = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq > 0) env[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return env;
}
function fileFacts(fields2) {
  const [owner, mode, sha2563] = fields2 ?? ["-"];
  if (owner === "-" || owner === void 0) return { exists: false };
  return {
    exists: true,
    owner,
    mode,
    ...sha2563 !== "unreadable" ? { sha256: sha2563 } : {}
  };
}
var import_node_path2, HostError, NodeHost, ROOT_STATE_DIR, stateDirFor, printable;
var init_node_host = __esm({
  "src/node/node-host.ts"() {
    "use strict";
    init_sha256();
    import_node_path2 = require("node:path");
    init_errors2();
    init_transport();
    init_host_scripts();
    init_identity_location();
    HostError = class extends Error {
      name = "HostError";
    };
    NodeHost = class {
      constructor(transport, settings) {
        this.transport = transport;
        this.settings = settings;
      }
      transport;
      settings;
      loginUser = "";
      loginUid = -1;
      nodeUser = "";
      sudoOk = false;
      unitLoaded = false;
      stakingDir = "";
      /** Who we are, where the staking directory is, and whether sudo works without a password. */
      async locate() {
        const r = await this.run(
          `printf '%s\\n' "$(id -un)" "$(id -u)" "$HOME"; if sudo -n true 2>/dev/null; then echo sudo; else echo nosudo; fi`
        );
        const [user, uid, home, sudo] = r.stdout.toString().split("\n");
        this.loginUser = user ?? "";
        this.loginUid = Number(uid);
        this.sudoOk = sudo === "sudo";
        if (!this.settings.stakingDir) return this.discover();
        const dir = this.settings.stakingDir.replace(/^~(?=\/|$)/, home ?? "~");
        if (!dir.startsWith("/")) throw new HostError(`staking-dir must be absolute or start with ~/.`);
        this.stakingDir = import_node_path2.posix.normalize(dir).replace(/\/$/, "");
        this.locationText = `${this.stakingDir} (staking-dir)`;
      }
      /** A node in Docker: `docker inspect` gives its user, command, environment and mounts. */
      async discoverContainer(prefix, container) {
        const r = await this.run(`${prefix}docker inspect --type container ${sh(container)}`);
        if (r.code !== 0)
          throw new HostError(
            `docker inspect found no container named by the container input on ${this.transport.label} (or docker needs root, and sudo -n does not work). Check the name with docker ps.`
          );
        const c = containerFacts(r.stdout.toString());
        const { config, how } = await this.nodeConfig(
          c.view,
          prefix,
          (path) => hostPath(path, c.mounts),
          "is not on a mounted directory this host can read: set staking-dir to the host path of the staking directory."
        );
        this.location = throughMounts(resolveIdentity(c.view, config, how), c.mounts);
        this.containerUser = /^\d+$/.test(c.user) ? await this.userName(c.user) : c.user;
        this.stakingDir = this.location.stakingDir ?? `${this.location.dataDir}/staking`;
        this.locationText = printable(
          `${this.location.description}; found from docker inspect of the container`
        );
      }
      /**
       * The node's config keys: from --config-file-content, or the config file read on the host (its
       * path as the host sees it: through a container's mounts); `unreadable` ends the refusal.
       */
      async nodeConfig(view, prefix, onHost, unreadable) {
        const source = configSource(view);
        if (!source) return {};
        if ("content" in source) return { config: parseConfig(source.content), how: source.how };
        const path = onHost(source.path);
        const read2 = path ? await this.run(`${prefix}cat ${sh(path)}`) : void 0;
        if (!read2 || read2.code !== 0) throw new HostError(`the node's ${source.how} ${unreadable}`);
        return { config: parseConfig(read2.stdout.toString()), how: source.how };
      }
      /** The container's user as the host names it (files on the host carry its uid). */
      async userName(uid) {
        const r = await this.run(`getent passwd ${sh(uid)} | cut -d: -f1`);
        const name2 = r.stdout.toString().trim();
        if (!name2)
          throw new HostError(
            `the container runs as uid ${uid}, which has no name on the host: give staking-dir, and stop-command and start-command.`
          );
        return name2;
      }
      containerUser;
      /** Where this node's identity lives, by avalanchego's rules; undefined with staking-dir given. */
      location;
      /** Where the identity lives and how that was found, for the log and the output identity-location. */
      locationText = "";
      /**
       * Asks the host where the node takes its identity from: the unit (or the running process), its
       * environment and its config file, resolved as avalanchego resolves them.
       */
      async discover() {
        const prefix = this.loginUid !== 0 && this.sudoOk ? "sudo -n " : "";
        if (this.settings.container) return this.discoverContainer(prefix, this.settings.container);
        const r = await this.run(
          `${prefix}sh -s -- ${sh(this.settings.serviceName)} ${this.usesSystemd ? "systemd" : "commands"}`,
          Buffer.from(discoverHostScript)
        );
        const view = nodeView(r.stdout.toString());
        const { config, how } = await this.nodeConfig(
          view,
          prefix,
          (path) => path,
          "cannot be read (avalanchego would not start with it either). Fix it, or set staking-dir."
        );
        this.location = resolveIdentity(view, config, how);
        this.stakingDir = this.location.stakingDir ?? import_node_path2.posix.dirname(
          this.location.tls.kind === "files" ? this.location.tls.cert : `${this.location.dataDir}/staking/x`
        );
        this.locationText = printable(
          `${this.location.description}; found from ${view.source === "process" ? "the running node" : "the service's unit"}`
        );
      }
      get usesSystemd() {
        return !(this.settings.stopCommand && this.settings.startCommand);
      }
      /** `sudo -n` works for the login user (or it is root). */
      get canSudo() {
        return this.loginUid === 0 || this.sudoOk;
      }
      /** Reads one staking file (for a backup): as root or the node's user when needed. */
      async readStakingFile(file) {
        const path = `${this.stakingDir}/${file}`;
        const prefix = this.loginUid !== 0 && this.sudoOk ? "sudo -n " : "";
        const r = await this.run(`${prefix}cat ${sh(path)}`);
        if (r.code !== 0) {
          throw new HostError(
            `cannot read ${path} on ${this.transport.label} as ${this.loginUser}${prefix ? " with sudo" : ""}: ${r.stderr.trim()}. Log in as the node's user or allow sudo -n.`
          );
        }
        return r.stdout;
      }
      /** Root is needed for systemctl, and to act as another user than the login user. */
      get needsRoot() {
        return this.loginUid !== 0 && (this.usesSystemd || this.nodeUser !== this.loginUser);
      }
      /** The host-side program runs as root (through sudo, or logged in as root). */
      get runsAsRoot() {
        return this.needsRoot || this.loginUid === 0;
      }
      /** How the restore's host-side program is started: as root when needed, else as the login user. */
      get rootPrefix() {
        return this.needsRoot ? "sudo -n " : "";
      }
      /** The user the host-side program runs stop-command and start-command as ('' for itself). */
      get switchToLoginUser() {
        return this.needsRoot && !this.usesSystemd && !this.settings.container ? this.loginUser : "";
      }
      get asNode() {
        if (this.nodeUser === this.loginUser) return "";
        return this.loginUid === 0 ? (
          // runuser is in /usr/sbin, which a root login's PATH over SSH may lack.
          `PATH="$PATH:/usr/sbin:/sbin" runuser -u ${sh(this.nodeUser)} -- `
        ) : `sudo -n -u ${sh(this.nodeUser)} -- `;
      }
      /**
       * Reads the staking directory (hashes, owners, modes), the unit's user and state, the tools a
       * restore needs and any restore journal left open. Changes nothing.
       */
      async inspect(privileged = true) {
        const prefix = privileged && this.loginUid !== 0 && this.sudoOk ? "sudo -n " : "";
        const r = await this.run(
          `${prefix}sh -s -- ${sh(this.stakingDir)} ${sh(this.settings.serviceName)} ${sh(stateDirFor(this.stakingDir))} ${STAKING_FILES.join(" ")}`,
          Buffer.from(inspectHostScript)
        );
        const out2 = r.stdout.toString().split("\n").filter(Boolean);
        const lines = new Map(out2.map((l) => [l.split(" ")[0], l.split(" ").slice(1)]));
        const files = {};
        for (const f of STAKING_FILES) files[f] = fileFacts(lines.get(f));
        const [dirOwner, dirMode, dirAccess] = lines.get("dir") ?? ["-"];
        const dirExists = dirOwner !== "-" && dirOwner !== "?" && dirOwner !== void 0;
        this.unitLoaded = lines.get("unit")?.[0] === "loaded";
        const serviceUser = this.usesSystemd && this.unitLoaded ? lines.get("user")?.[0] || "root" : void 0;
        this.nodeUser = serviceUser ?? this.containerUser ?? (dirExists ? dirOwner : this.loginUser);
        const unitState = this.usesSystemd ? lines.get("state")?.[0] : void 0;
        return {
          loginUser: this.loginUser,
          stakingDir: this.stakingDir,
          dirExists,
          dirAccessible: dirAccess === "open",
          dirHidden: dirOwner === "?",
          ...dirExists ? { dirOwner, dirMode } : {},
          files,
          ...serviceUser ? { serviceUser } : {},
          nodeUser: this.nodeUser,
          ...unitState ? { unitState } : {},
          missingTools: (lines.get("missing") ?? []).filter((t) => t !== "runuser" || this.needsRunuser),
          ...lines.get("lockdir")?.[0] ? { lockDir: lines.get("lockdir")[0] } : {},
          openJournals: out2.map((l) => /^journal (running|unfinished) (\d+) (\/.*)$/.exec(l)).filter((m) => m && (m[2] === "0" || !this.runsAsRoot && Number(m[2]) === this.loginUid)).map((m) => ({ state: m[1], path: m[3] }))
        };
      }
      /** The host-side program runs as root (renames keep each file's owner) or as the node's user. */
      get needsRunuser() {
        return this.switchToLoginUser !== "";
      }
      /** inspect(), with sudo only when the login user cannot read the files itself (sudo costs a round of PAM). */
      async inspectAsNeeded() {
        const facts = await this.inspect(false);
        const blocked = facts.dirHidden || facts.dirExists && !facts.dirAccessible || STAKING_FILES.some((f) => facts.files[f].exists && !facts.files[f].sha256);
        return blocked && this.canSudo ? this.inspect(true) : facts;
      }
      /**
       * Refuses, before anything changes, what would fail half-way: sudo that needs a password or is
       * switched off while root is needed, and a staking directory the node's user cannot write.
       */
      async checkPermissions() {
        if (this.usesSystemd && !this.unitLoaded) {
          throw new HostError(
            `${this.transport.label} has no ${this.settings.serviceName} service (systemctl knows no such unit). Is this the node? Set host to reach it over SSH, service-name to its unit, or stop-command and start-command.`
          );
        }
        if (this.needsRoot && this.settings.sudo === "false") {
          throw new HostError(
            `${this.usesSystemd ? `stopping the node with systemctl` : `writing as ${this.nodeUser}`} needs root, but sudo is false and ${this.loginUser} is not root. Set sudo: auto, log in as root, or give stop-command and start-command.`
          );
        }
        if (this.needsRoot && !this.sudoOk) {
          throw new HostError(
            `sudo on ${this.transport.label} asks ${this.loginUser} for a password, and a restore cannot type one. Allow it without a password for this user (a sudoers line like '${this.loginUser} ALL=(ALL) NOPASSWD: ALL', or narrower), or log in as a user that has it.`
          );
        }
        const w = await this.run(
          `${this.asNode}sh -c 'p=$1; while [ ! -e "$p" ]; do p=$(dirname "$p"); done; echo "$p"; test -w "$p" && test -x "$p"' sh ${sh(this.stakingDir)}`
        );
        const target = w.stdout.toString().trim() || this.stakingDir;
        if (w.code !== 0) {
          throw new HostError(
            `the staking directory is not writable: ${this.nodeUser} (the node's user) cannot write ${target} on ${this.transport.label} (exit ${w.code}${w.stderr.trim() ? `: ${w.stderr.trim()}` : ""}). Fix its owner or mode, or set staking-dir.`
          );
        }
      }
      /** The name an uploaded file has until the host-side program moves it into place. */
      stagedName(file, runId) {
        return `${this.stakingDir}/.${file}.new-${runId}`;
      }
      /** Writes a file under its staged name, mode 0400 from creation, as the node's user; checks its sha256 on the host. */
      async upload(file, bytes, runId) {
        const path = this.stagedName(file, runId);
        const r = await this.run(
          `${this.asNode}sh -c 'umask 377 && cat > "$1" && sha256sum "$1"' sh ${sh(path)}`,
          Buffer.from(bytes)
        );
        const onHost = r.stdout.toString().split(" ")[0];
        if (r.code !== 0 || onHost !== sha256Hex(bytes)) {
          throw new HostError(
            `uploading ${file} to ${path} failed${r.code !== 0 ? `: ${r.stderr.trim()}` : ": its sha256 on the host differs (the transfer was damaged)"}`
          );
        }
      }
      /** The staking directory and any missing parent, as the node's user, 0750 like avalanchego. */
      async makeStakingDir() {
        const r = await this.run(
          `${this.asNode}sh -c 'p=$1; todo=; while [ ! -e "$p" ]; do todo="$p
$todo"; p=$(dirname "$p"); done; printf "%s" "$todo" | while IFS= read -r d; do [ -n "$d" ] && mkdir -m 750 "$d" || exit 1; done' sh ${sh(this.stakingDir)}`
        );
        if (r.code !== 0) throw new HostError(`cannot create ${this.stakingDir}: ${r.stderr.trim()}`);
      }
      async removeStaged(runId) {
        await this.run(
          `${this.asNode}rm -f ${STAKING_FILES.map((f) => sh(this.stagedName(f, runId))).join(" ")}`
        );
      }
      run(command, stdin) {
        return this.transport.exec(command, stdin);
      }
    };
    ROOT_STATE_DIR = "/var/lib/avalanche-node-backup";
    stateDirFor = (stakingDir) => `${ROOT_STATE_DIR}/${sha256Hex(Buffer.from(stakingDir)).slice(0, 12)}`;
    printable = (text) => [...text].map((c) => new RegExp("\\p{Cc}", "u").test(c) ? "?" : c).join("");
  }
});

// src/operations/verify-live.ts
var verify_live_exports = {};
__export(verify_live_exports, {
  verifyOnHost: () => verifyOnHost
});
async function verifyOnHost(report, files, target, log) {
  const add2 = (c) => {
    report.checks.push(c);
    const mark = { pass: "ok  ", fail: "FAIL", skip: "skip", warn: "warn" }[c.status];
    log.info(
      `${mark}  ${c.title}${c.found ? `: ${c.found}` : ""}${c.detail && c.status !== "pass" ? ` (${c.detail})` : ""}`
    );
  };
  let transport;
  try {
    transport = await log.group("Connect", () => target.connect());
  } catch (e) {
    add2({
      id: "host",
      title: "The node host can be reached",
      status: "fail",
      detail: errorMessage(e)
    });
    report.ok = false;
    return;
  }
  try {
    const host = new NodeHost(transport, target.node);
    await log.group(`Compare the files on ${transport.label}`, () => compareFiles(host, files, add2));
    await log.group(
      "Ask the node",
      () => askNode(new NodeApi(transport, target.apiUrl, log), report, target, add2)
    );
  } finally {
    await transport.close();
  }
  report.ok = report.checks.every((c) => c.status !== "fail");
}
async function compareFiles(host, files, add2) {
  await host.locate();
  addLocation(host, add2);
  const facts = await host.inspectAsNeeded();
  const open = openRestoreNotice(facts);
  if (open)
    add2({
      id: "host-restore",
      title: "No restore left open on the host",
      status: "fail",
      detail: open
    });
  for (const f of filesTheNodeReads(host)) add2(compareFile(f, facts, files[f], host.canSudo));
}
async function askNode(api, report, target, add2) {
  const answer = await api.getNodeId();
  if (!answer) {
    add2({
      id: "node-node-id",
      title: "The node reports the expected NodeID",
      status: "fail",
      ...report.nodeId ? { expected: report.nodeId } : {},
      detail: `the node's API (${target.apiUrl.href} on the host) does not answer info.getNodeID`
    });
    return;
  }
  add2(same("node-node-id", "The node reports the expected NodeID", report.nodeId, answer.nodeID));
  add2(
    answer.nodePOP ? same(
      "node-bls-public-key",
      "The node reports the expected BLS key",
      report.blsPublicKey,
      answer.nodePOP.publicKey
    ) : {
      id: "node-bls-public-key",
      title: "The node reports the expected BLS key",
      status: "warn",
      detail: "the node does not report nodePOP (avalanchego before v1.8.6): only the NodeID was compared"
    }
  );
  const health = await api.health();
  add2({
    id: "node-health",
    title: "The node is healthy",
    status: health?.healthy ? "pass" : "warn",
    found: health ? health.healthy ? "healthy" : `healthy-pending (HTTP ${health.status}: bootstrapping or not yet healthy)` : "no answer from /ext/health",
    ...health?.healthy ? {} : {
      detail: "reported, not failed on: a bootstrapping node runs the right identity all the same"
    }
  });
}
function compareFile(file, facts, backup, triedSudo) {
  const id = `host-${file}`;
  const title = `${file} on the host is the backup's`;
  const where = `${facts.stakingDir}/${file}`;
  if (!facts.dirExists)
    return { id, title, status: "fail", detail: `${facts.stakingDir} does not exist on the host` };
  if (!facts.dirAccessible) {
    return {
      id,
      title,
      status: "fail",
      detail: `${facts.loginUser} cannot look inside ${facts.stakingDir} (${facts.dirOwner} ${facts.dirMode})${triedSudo ? "" : "; log in as the node's user, or allow sudo -n"}`
    };
  }
  const f = facts.files[file];
  if (!f.exists)
    return { id, title, status: "fail", found: "missing", detail: `${where} is missing` };
  const perms = `${f.owner} ${f.mode}`;
  if (!f.sha256)
    return {
      id,
      title,
      status: "fail",
      found: perms,
      detail: `${facts.loginUser} cannot read ${where}: log in as ${f.owner}, or allow sudo -n`
    };
  if (!backup)
    return { id, title, status: "skip", found: perms, detail: "the backup file could not be read" };
  if (f.sha256 !== sha256Hex(backup))
    return {
      id,
      title,
      status: "fail",
      found: `different (${perms})`,
      detail: `${where} differs from the backup`
    };
  const exposed = file !== "staker.crt" && (parseInt(f.mode, 8) & 36) !== 0;
  return exposed ? {
    id,
    title,
    status: "warn",
    found: `same (${perms})`,
    detail: `${where} is readable by other users (mode ${f.mode}); the node needs 0400`
  } : { id, title, status: "pass", found: `same (${perms})` };
}
function same(id, title, expected, found) {
  return expected === found ? { id, title, status: "pass", expected, found } : {
    id,
    title,
    status: "fail",
    ...expected ? { expected } : {},
    found,
    detail: `the node reports ${found}, the backup gives ${expected ?? "(unreadable)"}`
  };
}
function addLocation(host, add2) {
  if (!host.location) return;
  const gap = backupRefusal(host.location);
  add2({
    id: "identity-location",
    title: "Where the node takes its identity from",
    status: gap ? "warn" : "pass",
    found: host.locationText,
    ...gap ? { detail: `the files cover only part of it: ${gap.replace(/^not taken: /, "")}` } : {}
  });
}
function filesTheNodeReads(host) {
  const loc = host.location;
  if (!loc) return [...STAKING_FILES];
  return STAKING_FILES.filter(
    (f) => f === "signer.key" ? loc.signer.kind === "file" : loc.tls.kind === "files"
  );
}
var init_verify_live = __esm({
  "src/operations/verify-live.ts"() {
    "use strict";
    init_errors2();
    init_log();
    init_api();
    init_identity_location();
    init_node_host();
  }
});

// node_modules/@noble/curves/abstract/bls.js
function NAfDecomposition(a) {
  const res = [];
  for (; a > _1n16; a >>= _1n16) {
    if ((a & _1n16) === _0n16)
      res.unshift(0);
    else if ((a & _3n8) === _3n8) {
      res.unshift(-1);
      a += _1n16;
    } else
      res.unshift(1);
  }
  return res;
}
function aNonEmpty(arr) {
  if (!Array.isArray(arr) || arr.length === 0)
    throw new Error("expected non-empty array");
}
function createBlsPairing(fields2, G1, G2, params) {
  validateObject2(fields2, { Fp: "object", Fr: "object", Fp2: "object", Fp12: "object" }, { Fp6: "object" }, "fields");
  if (typeof G1 !== "function")
    throw new TypeError('"G1_Point" expected point constructor, got type=' + typeof G1);
  if (typeof G2 !== "function")
    throw new TypeError('"G2_Point" expected point constructor, got type=' + typeof G2);
  validateObject2(params, { ateLoopSize: "bigint", xNegative: "boolean", twistType: "string" }, { randomBytes: "function", postPrecompute: "function" }, "params");
  const { Fp: Fp3, Fr, Fp2: Fp22, Fp12: Fp122 } = fields2;
  const { twistType, ateLoopSize, xNegative, postPrecompute } = params;
  const fp22 = (c0, c1) => ({ c0, c1 });
  const fp2f = ({ c0, c1 }) => Object.freeze({ c0, c1 });
  const add2 = (a, b) => fp22(Fp3.add(a.c0, b.c0), Fp3.add(a.c1, b.c1));
  const sub2 = (a, b) => fp22(Fp3.sub(a.c0, b.c0), Fp3.sub(a.c1, b.c1));
  const mul2 = (a, b) => {
    const t0 = Fp3.mul(a.c0, b.c0);
    const t1 = Fp3.mul(a.c1, b.c1);
    return fp22(Fp3.sub(t0, t1), Fp3.sub(Fp3.mul(Fp3.add(a.c0, a.c1), Fp3.add(b.c0, b.c1)), Fp3.add(t0, t1)));
  };
  const mul2ByFp = (a, rhs) => fp22(Fp3.mul(a.c0, rhs), Fp3.mul(a.c1, rhs));
  const mul2ByNonresidue = (a) => Fp22.mulByNonresidue(a);
  const mul014ByLine = ({ c0: f0, c1: f1 }, o0, l1, l4, Px, Py) => {
    const o1 = mul2ByFp(l1, Px);
    const o4 = mul2ByFp(l4, Py);
    const { c0: a0, c1: a1, c2: a2 } = f0;
    const { c0: b0, c1: b1, c2: b2 } = f1;
    const t0_0 = mul2(a0, o0);
    const t0_1 = mul2(a1, o1);
    const t0_c0 = add2(mul2ByNonresidue(sub2(mul2(add2(a1, a2), o1), t0_1)), t0_0);
    const t0_c1 = sub2(sub2(mul2(add2(o0, o1), add2(a0, a1)), t0_0), t0_1);
    const t0_c2 = add2(sub2(mul2(add2(a0, a2), o0), t0_0), t0_1);
    const t1_c0 = mul2ByNonresidue(mul2(b2, o4));
    const t1_c1 = mul2(b0, o4);
    const t1_c2 = mul2(b1, o4);
    const s0 = add2(a0, b0);
    const s1 = add2(a1, b1);
    const s2 = add2(a2, b2);
    const o14 = add2(o1, o4);
    const t2_0 = mul2(s0, o0);
    const t2_1 = mul2(s1, o14);
    const t2_c0 = add2(mul2ByNonresidue(sub2(mul2(add2(s1, s2), o14), t2_1)), t2_0);
    const t2_c1 = sub2(sub2(mul2(add2(o0, o14), add2(s0, s1)), t2_0), t2_1);
    const t2_c2 = add2(sub2(mul2(add2(s0, s2), o0), t2_0), t2_1);
    return Object.freeze({
      c0: Object.freeze({
        c0: fp2f(add2(mul2ByNonresidue(t1_c2), t0_c0)),
        c1: fp2f(add2(t1_c0, t0_c1)),
        c2: fp2f(add2(t1_c1, t0_c2))
      }),
      c1: Object.freeze({
        c0: fp2f(sub2(sub2(t2_c0, t0_c0), t1_c0)),
        c1: fp2f(sub2(sub2(t2_c1, t0_c1), t1_c1)),
        c2: fp2f(sub2(sub2(t2_c2, t0_c2), t1_c2))
      })
    });
  };
  const mul034ByLine = ({ c0: f0, c1: f1 }, l0, l3, o4, Px, Py) => {
    const o0 = mul2ByFp(l0, Py);
    const o3 = mul2ByFp(l3, Px);
    const { c0: a0, c1: a1, c2: a2 } = f0;
    const { c0: b0, c1: b1, c2: b2 } = f1;
    const a_c0 = mul2(a0, o0);
    const a_c1 = mul2(a1, o0);
    const a_c2 = mul2(a2, o0);
    const b0m = mul2(b0, o3);
    const b1m = mul2(b1, o4);
    const b_c0 = add2(mul2ByNonresidue(sub2(mul2(add2(b1, b2), o4), b1m)), b0m);
    const b_c1 = sub2(sub2(mul2(add2(o3, o4), add2(b0, b1)), b0m), b1m);
    const b_c2 = add2(sub2(mul2(add2(b0, b2), o3), b0m), b1m);
    const s0 = add2(a0, b0);
    const s1 = add2(a1, b1);
    const s2 = add2(a2, b2);
    const o03 = add2(o0, o3);
    const e0m = mul2(s0, o03);
    const e1m = mul2(s1, o4);
    const e_c0 = add2(mul2ByNonresidue(sub2(mul2(add2(s1, s2), o4), e1m)), e0m);
    const e_c1 = sub2(sub2(mul2(add2(o03, o4), add2(s0, s1)), e0m), e1m);
    const e_c2 = add2(sub2(mul2(add2(s0, s2), o03), e0m), e1m);
    return Object.freeze({
      c0: Object.freeze({
        c0: fp2f(add2(mul2ByNonresidue(b_c2), a_c0)),
        c1: fp2f(add2(b_c0, a_c1)),
        c2: fp2f(add2(b_c1, a_c2))
      }),
      c1: Object.freeze({
        c0: fp2f(sub2(sub2(e_c0, a_c0), b_c0)),
        c1: fp2f(sub2(sub2(e_c1, a_c1), b_c1)),
        c2: fp2f(sub2(sub2(e_c2, a_c2), b_c2))
      })
    });
  };
  let lineFunction;
  if (twistType === "multiplicative") {
    lineFunction = (c0, c1, c2, f, Px, Py) => mul014ByLine(f, c0, c1, c2, Px, Py);
  } else if (twistType === "divisive") {
    lineFunction = (c0, c1, c2, f, Px, Py) => mul034ByLine(f, c2, c1, c0, Px, Py);
  } else
    throw new Error("bls: unknown twist type");
  const Fp2div2 = Fp22.div(Fp22.ONE, Fp22.mul(Fp22.ONE, _2n12));
  function pointDouble(ell, Rx, Ry, Rz) {
    const t0 = Fp22.sqr(Ry);
    const t1 = Fp22.sqr(Rz);
    const t2 = Fp22.mulByB(Fp22.mul(t1, _3n8));
    const t3 = Fp22.mul(t2, _3n8);
    const t4 = Fp22.sub(Fp22.sub(Fp22.sqr(Fp22.add(Ry, Rz)), t1), t0);
    const c0 = Fp22.sub(t2, t0);
    const c1 = Fp22.mul(Fp22.sqr(Rx), _3n8);
    const c2 = Fp22.neg(t4);
    ell.push([c0, c1, c2]);
    Rx = Fp22.mul(Fp22.mul(Fp22.mul(Fp22.sub(t0, t3), Rx), Ry), Fp2div2);
    Ry = Fp22.sub(Fp22.sqr(Fp22.mul(Fp22.add(t0, t3), Fp2div2)), Fp22.mul(Fp22.sqr(t2), _3n8));
    Rz = Fp22.mul(t0, t4);
    return { Rx, Ry, Rz };
  }
  function pointAdd(ell, Rx, Ry, Rz, Qx, Qy) {
    const t0 = Fp22.sub(Ry, Fp22.mul(Qy, Rz));
    const t1 = Fp22.sub(Rx, Fp22.mul(Qx, Rz));
    const c0 = Fp22.sub(Fp22.mul(t0, Qx), Fp22.mul(t1, Qy));
    const c1 = Fp22.neg(t0);
    const c2 = t1;
    ell.push([c0, c1, c2]);
    const t2 = Fp22.sqr(t1);
    const t3 = Fp22.mul(t2, t1);
    const t4 = Fp22.mul(t2, Rx);
    const t5 = Fp22.add(Fp22.sub(t3, Fp22.mul(t4, _2n12)), Fp22.mul(Fp22.sqr(t0), Rz));
    Rx = Fp22.mul(t1, t5);
    Ry = Fp22.sub(Fp22.mul(Fp22.sub(t4, t5), t0), Fp22.mul(t3, Ry));
    Rz = Fp22.mul(Rz, t3);
    return { Rx, Ry, Rz };
  }
  const ATE_NAF = NAfDecomposition(ateLoopSize);
  const calcPairingPrecomputes = (point) => {
    if (!(point instanceof G2))
      throw new TypeError('"point" expected G2 point, got type=' + typeof point);
    const p = point;
    const { x, y } = p.toAffine();
    const Qx = x, Qy = y, negQy = Fp22.neg(y);
    let Rx = Qx, Ry = Qy, Rz = Fp22.ONE;
    const ell = [];
    for (const bit of ATE_NAF) {
      const cur = [];
      ({ Rx, Ry, Rz } = pointDouble(cur, Rx, Ry, Rz));
      if (bit)
        ({ Rx, Ry, Rz } = pointAdd(cur, Rx, Ry, Rz, Qx, bit === -1 ? negQy : Qy));
      ell.push(cur);
    }
    if (postPrecompute) {
      const last = ell[ell.length - 1];
      postPrecompute(Rx, Ry, Rz, Qx, Qy, pointAdd.bind(null, last));
    }
    return ell;
  };
  function millerLoopBatch(pairs, withFinalExponent = false) {
    aarray(pairs, "pairs", (pair, title) => {
      aarray(pair, title);
      if (pair.length !== 3)
        throw new TypeError(`"${title}" expected precompute tuple`);
      aarray(pair[0], title + "[0]");
    });
    let f12 = Fp122.ONE;
    if (pairs.length) {
      const ellLen = pairs[0][0].length;
      for (let i = 0; i < ellLen; i++) {
        if (i !== 0)
          f12 = Fp122.sqr(f12);
        for (const [ell, Px, Py] of pairs) {
          for (const [c0, c1, c2] of ell[i])
            f12 = lineFunction(c0, c1, c2, f12, Px, Py);
        }
      }
    }
    if (xNegative)
      f12 = Fp122.conjugate(f12);
    return withFinalExponent ? Fp122.finalExponentiate(f12) : f12;
  }
  function pairingBatch(pairs, withFinalExponent = true) {
    aarray(pairs, "pairs");
    const res = [];
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      validateObject2(pair, { g1: "object", g2: "object" }, {}, "pairs[" + i + "]");
      const { g1: g12, g2: g22 } = pair;
      if (!(g12 instanceof G1))
        throw new TypeError('"pairs[' + i + '].g1" expected G1 point, got type=' + typeof g12);
      if (!(g22 instanceof G2))
        throw new TypeError('"pairs[' + i + '].g2" expected G2 point, got type=' + typeof g22);
      if (g12.is0() || g22.is0())
        throw new Error("pairing is not available for ZERO point");
      g12.assertValidity();
      g22.assertValidity();
      const Qa = g12.toAffine();
      res.push([calcPairingPrecomputes(g22), Qa.x, Qa.y]);
    }
    return millerLoopBatch(res, withFinalExponent);
  }
  function pairing(Q2, P3, withFinalExponent = true) {
    if (!(Q2 instanceof G1))
      throw new TypeError('"Q" expected G1 point, got type=' + typeof Q2);
    if (!(P3 instanceof G2))
      throw new TypeError('"P" expected G2 point, got type=' + typeof P3);
    return pairingBatch([{ g1: Q2, g2: P3 }], withFinalExponent);
  }
  const lengths = {
    seed: getMinHashLength2(Fr.ORDER)
  };
  const rand = params.randomBytes === void 0 ? randomBytes5 : params.randomBytes;
  const randomSecretKey = (seed) => {
    seed = seed === void 0 ? rand(lengths.seed) : seed;
    abytes5(seed, lengths.seed, "seed");
    return mapHashToField2(seed, Fr.ORDER);
  };
  Object.freeze(lengths);
  return {
    lengths,
    Fr,
    Fp12: Fp122,
    // NOTE: we re-export Fp12 here because pairing results are Fp12!
    millerLoopBatch,
    pairing,
    pairingBatch,
    calcPairingPrecomputes,
    randomSecretKey
  };
}
function createBlsSig(blsPairing, PubPoint, SigPoint, isSigG1, hashToSigCurve, SignatureCoder) {
  const { Fr, Fp12: Fp122, pairingBatch, randomSecretKey, lengths } = blsPairing;
  if (!SignatureCoder) {
    SignatureCoder = {
      fromBytes: notImplemented,
      fromHex: notImplemented,
      toBytes: notImplemented,
      toHex: notImplemented
    };
  }
  const sigCoder = Object.freeze({ ...SignatureCoder });
  function normPub(point) {
    return point instanceof PubPoint ? point : PubPoint.fromBytes(point);
  }
  function normSig(point) {
    return point instanceof SigPoint ? point : sigCoder.fromBytes(point);
  }
  function amsg(m) {
    if (!(m instanceof SigPoint))
      throw new Error(`expected valid message hashed to ${!isSigG1 ? "G2" : "G1"} curve`);
    return m;
  }
  const pair = !isSigG1 ? (a, b) => ({ g1: a, g2: b }) : (a, b) => ({ g1: b, g2: a });
  return Object.freeze({
    lengths: Object.freeze({ ...lengths, secretKey: Fr.BYTES }),
    keygen(seed) {
      const secretKey = randomSecretKey(seed);
      const publicKey = this.getPublicKey(secretKey);
      return { secretKey, publicKey };
    },
    // P = pk x G
    getPublicKey(secretKey) {
      let sec;
      try {
        sec = PubPoint.Fn.fromBytes(secretKey);
      } catch (error) {
        throw new Error("invalid private key: " + typeof secretKey, { cause: error });
      }
      return PubPoint.BASE.multiply(sec);
    },
    // S = pk x H(m)
    sign(message, secretKey, unusedArg) {
      if (unusedArg != null)
        throw new Error("sign() expects 2 arguments");
      const sec = PubPoint.Fn.fromBytes(secretKey);
      amsg(message).assertValidity();
      return message.multiply(sec);
    },
    // Checks if pairing of public key & hash is equal to pairing of generator & signature.
    // e(P, H(m)) == e(G, S)
    // e(S, G) == e(H(m), P)
    verify(signature, message, publicKey, unusedArg) {
      if (unusedArg != null)
        throw new Error("verify() expects 3 arguments");
      signature = normSig(signature);
      publicKey = normPub(publicKey);
      const P3 = publicKey.negate();
      const G = PubPoint.BASE;
      const Hm = amsg(message);
      const S = signature;
      try {
        const exp = pairingBatch([pair(P3, Hm), pair(G, S)]);
        return Fp122.eql(exp, Fp122.ONE);
      } catch {
        return false;
      }
    },
    // https://ethresear.ch/t/fast-verification-of-multiple-bls-signatures/5407
    // e(G, S) = e(G, SUM(n)(Si)) = MUL(n)(e(G, Si))
    // TODO: maybe `{message: G2Hex, publicKey: G1Hex}[]` instead?
    verifyBatch(signature, items) {
      aNonEmpty(items);
      const sig = normSig(signature);
      const nMessages = items.map((i) => amsg(i.message));
      const nPublicKeys = items.map((i) => normPub(i.publicKey));
      const messagePubKeyMap = /* @__PURE__ */ new Map();
      for (let i = 0; i < nPublicKeys.length; i++) {
        const pub = nPublicKeys[i];
        const msg = nMessages[i];
        let keys = messagePubKeyMap.get(msg);
        if (keys === void 0) {
          keys = [];
          messagePubKeyMap.set(msg, keys);
        }
        keys.push(pub);
      }
      const paired = [];
      const G = PubPoint.BASE;
      try {
        for (const [msg, keys] of messagePubKeyMap) {
          const groupPublicKey = keys.reduce((acc, msg2) => acc.add(msg2));
          paired.push(pair(groupPublicKey, msg));
        }
        paired.push(pair(G.negate(), sig));
        return Fp122.eql(pairingBatch(paired), Fp122.ONE);
      } catch {
        return false;
      }
    },
    // Adds a bunch of public key points together.
    // pk1 + pk2 + pk3 = pkA
    aggregatePublicKeys(publicKeys) {
      aNonEmpty(publicKeys);
      publicKeys = publicKeys.map((pub) => normPub(pub));
      const agg = publicKeys.reduce((sum, p) => sum.add(p), PubPoint.ZERO);
      agg.assertValidity();
      return agg;
    },
    // Adds a bunch of signature points together.
    // pk1 + pk2 + pk3 = pkA
    aggregateSignatures(signatures) {
      aNonEmpty(signatures);
      signatures = signatures.map((sig) => normSig(sig));
      const agg = signatures.reduce((sum, s) => sum.add(s), SigPoint.ZERO);
      agg.assertValidity();
      return agg;
    },
    hash(messageBytes, DST) {
      abytes5(messageBytes);
      const opts2 = DST === void 0 ? void 0 : { DST };
      return hashToSigCurve(messageBytes, opts2);
    },
    Signature: Object.freeze({ ...sigCoder })
  });
}
function blsBasic(fields2, G1_Point2, G2_Point2, params) {
  const { Fp: Fp3, Fr, Fp2: Fp22, Fp6: Fp62, Fp12: Fp122 } = fields2;
  const G1 = { Point: G1_Point2 };
  const G2 = { Point: G2_Point2 };
  const pairingRes = createBlsPairing(fields2, G1_Point2, G2_Point2, params);
  const { millerLoopBatch, pairing, pairingBatch, calcPairingPrecomputes, randomSecretKey, lengths } = pairingRes;
  G1.Point.BASE.precompute(4);
  Object.freeze(G1);
  Object.freeze(G2);
  return Object.freeze({
    lengths: Object.freeze(lengths),
    millerLoopBatch,
    pairing,
    pairingBatch,
    G1,
    G2,
    fields: Object.freeze({ Fr, Fp: Fp3, Fp2: Fp22, Fp6: Fp62, Fp12: Fp122 }),
    params: Object.freeze({
      ateLoopSize: params.ateLoopSize,
      xNegative: params.xNegative,
      twistType: params.twistType,
      postPrecompute: params.postPrecompute
    }),
    utils: Object.freeze({
      randomSecretKey,
      calcPairingPrecomputes
    })
  });
}
function blsHashers(fields2, G1_Point2, G2_Point2, params, hasherParams) {
  const base = blsBasic(fields2, G1_Point2, G2_Point2, params);
  validateObject2(hasherParams, { hasherOpts: "object", hasherOptsG1: "object", hasherOptsG2: "object" }, { mapToG1: "function", mapToG2: "function" }, "hasherParams");
  const G1Hasher = createHasher3(G1_Point2, hasherParams.mapToG1 === void 0 ? notImplemented : hasherParams.mapToG1, {
    ...hasherParams.hasherOpts,
    ...hasherParams.hasherOptsG1
  });
  const G2Hasher = createHasher3(G2_Point2, hasherParams.mapToG2 === void 0 ? notImplemented : hasherParams.mapToG2, {
    ...hasherParams.hasherOpts,
    ...hasherParams.hasherOptsG2
  });
  return Object.freeze({ ...base, G1: G1Hasher, G2: G2Hasher });
}
function bls(fields2, G1_Point2, G2_Point2, params, hasherParams, signatureCoders2) {
  const base = blsHashers(fields2, G1_Point2, G2_Point2, params, hasherParams);
  const pairingRes = {
    ...base,
    Fr: base.fields.Fr,
    Fp12: base.fields.Fp12,
    calcPairingPrecomputes: base.utils.calcPairingPrecomputes,
    randomSecretKey: base.utils.randomSecretKey
  };
  const longSignatures = createBlsSig(pairingRes, G1_Point2, G2_Point2, false, base.G2.hashToCurve, signatureCoders2?.LongSignature);
  const shortSignatures = createBlsSig(pairingRes, G2_Point2, G1_Point2, true, base.G1.hashToCurve, signatureCoders2?.ShortSignature);
  return Object.freeze({ ...base, longSignatures, shortSignatures });
}
var _0n16, _1n16, _2n12, _3n8;
var init_bls2 = __esm({
  "node_modules/@noble/curves/abstract/bls.js"() {
    init_utils6();
    init_hash_to_curve();
    init_modular2();
    _0n16 = BigInt(0);
    _1n16 = BigInt(1);
    _2n12 = BigInt(2);
    _3n8 = BigInt(3);
  }
});

// node_modules/@noble/curves/abstract/tower.js
function calcFrobeniusCoefficients(Fp3, nonResidue, modulus, degree, num = 1, divisor) {
  asafenumber(num, "num");
  asafenumber(degree, "degree");
  const divisorN = divisor === void 0 ? degree : divisor;
  asafenumber(divisorN, "divisor");
  const F2 = Fp3;
  if (typeof modulus !== "bigint" || modulus <= _1n17)
    throw new Error("calcFrobeniusCoefficients: expected valid modulus, got " + modulus);
  if (degree <= 0)
    throw new Error("calcFrobeniusCoefficients: expected positive degree, got " + degree);
  if (num <= 0)
    throw new Error("calcFrobeniusCoefficients: expected positive row count, got " + num);
  if (divisorN <= 0)
    throw new Error("calcFrobeniusCoefficients: expected positive divisor, got " + divisorN);
  const _divisor = BigInt(divisorN);
  const towerModulus = modulus ** BigInt(degree);
  const res = [];
  for (let i = 0; i < num; i++) {
    const a = BigInt(i + 1);
    const powers2 = [];
    for (let j = 0, qPower = _1n17; j < degree; j++) {
      const numer = a * qPower - a;
      if (numer % _divisor)
        throw new Error("calcFrobeniusCoefficients: inexact tower exponent");
      const power = numer / _divisor % towerModulus;
      powers2.push(F2.pow(nonResidue, power));
      qPower *= modulus;
    }
    res.push(powers2);
  }
  return res;
}
function psiFrobenius(Fp3, Fp22, base) {
  validateField2(Fp3);
  validateField2(Fp22);
  validateObject2(Fp22, {
    Fp: "object",
    frobeniusMap: "function",
    fromBigTuple: "function",
    mulByB: "function",
    mulByNonresidue: "function",
    reim: "function",
    Fp4Square: "function",
    NONRESIDUE: "object"
  }, {});
  if (!isObj(base) || Array.isArray(base))
    throw new TypeError('"base" expected Fp2 element, got type=' + typeof base);
  if (!Fp22.isValid(base))
    throw new RangeError('"base" expected valid Fp2 element');
  const PSI_X = Fp22.pow(base, (Fp3.ORDER - _1n17) / _3n9);
  const PSI_Y = Fp22.pow(base, (Fp3.ORDER - _1n17) / _2n13);
  function psi(x, y) {
    const x2 = Fp22.mul(Fp22.frobeniusMap(x, 1), PSI_X);
    const y2 = Fp22.mul(Fp22.frobeniusMap(y, 1), PSI_Y);
    return [x2, y2];
  }
  const PSI2_X = Fp22.pow(base, (Fp3.ORDER ** _2n13 - _1n17) / _3n9);
  const PSI2_Y = Fp22.pow(base, (Fp3.ORDER ** _2n13 - _1n17) / _2n13);
  if (!Fp22.eql(PSI2_Y, Fp22.neg(Fp22.ONE)))
    throw new Error("psiFrobenius: PSI2_Y!==-1");
  function psi2(x, y) {
    return [Fp22.mul(x, PSI2_X), Fp22.neg(y)];
  }
  const mapAffine = (fn) => (c, P3) => {
    if (typeof c !== "function")
      throw new TypeError('"c" expected point constructor, got type=' + typeof c);
    validatePointCons(c);
    if (!(P3 instanceof c))
      throw new TypeError('"P" expected Point instance, got type=' + typeof P3);
    const affine = P3.toAffine();
    const p = fn(affine.x, affine.y);
    return c.fromAffine({ x: p[0], y: p[1] });
  };
  const G2psi3 = mapAffine(psi);
  const G2psi22 = mapAffine(psi2);
  return { psi, psi2, G2psi: G2psi3, G2psi2: G2psi22, PSI_X, PSI_Y, PSI2_X, PSI2_Y };
}
function tower12(opts2) {
  validateObject2(opts2, {
    ORDER: "bigint",
    X_LEN: "number",
    FP2_NONRESIDUE: "object",
    Fp2mulByB: "function",
    Fp12finalExponentiate: "function"
  }, { NONRESIDUE: "bigint" });
  asafenumber(opts2.X_LEN, "X_LEN");
  if (opts2.X_LEN < 1)
    throw new Error("invalid X_LEN");
  const nonresidue = opts2.FP2_NONRESIDUE;
  if (!Array.isArray(nonresidue) || nonresidue.length !== 2)
    throw new Error("invalid FP2_NONRESIDUE");
  if (typeof nonresidue[0] !== "bigint" || typeof nonresidue[1] !== "bigint")
    throw new Error("invalid FP2_NONRESIDUE");
  const Fp3 = Field2(opts2.ORDER);
  const Fp22 = new _Field22(Fp3, opts2);
  const Fp62 = new _Field6(Fp22);
  const Fp122 = new _Field12(Fp62, opts2);
  return { Fp: Fp3, Fp2: Fp22, Fp6: Fp62, Fp12: Fp122 };
}
var _0n17, _1n17, _2n13, _3n9, _6n, _12n, isObj, _Field22, _Field6, _FROBENIUS_COEFFICIENTS_6, _Field12, _FROBENIUS_COEFFICIENTS_12;
var init_tower = __esm({
  "node_modules/@noble/curves/abstract/tower.js"() {
    init_utils6();
    init_curve2();
    init_modular2();
    _0n17 = /* @__PURE__ */ BigInt(0);
    _1n17 = /* @__PURE__ */ BigInt(1);
    _2n13 = /* @__PURE__ */ BigInt(2);
    _3n9 = /* @__PURE__ */ BigInt(3);
    _6n = /* @__PURE__ */ BigInt(6);
    _12n = /* @__PURE__ */ BigInt(12);
    isObj = (value) => !!value && typeof value === "object";
    _Field22 = class {
      ORDER;
      BITS;
      BYTES;
      isLE;
      ZERO;
      ONE;
      Fp;
      NONRESIDUE;
      mulByB;
      Fp_NONRESIDUE;
      Fp_div2;
      constructor(Fp3, opts2 = {}) {
        const { NONRESIDUE = BigInt(-1), FP2_NONRESIDUE, Fp2mulByB } = opts2;
        const ORDER = Fp3.ORDER;
        const FP2_ORDER = ORDER * ORDER;
        this.Fp = Fp3;
        this.ORDER = FP2_ORDER;
        this.BITS = bitLen2(FP2_ORDER);
        this.BYTES = Math.ceil(bitLen2(FP2_ORDER) / 8);
        this.isLE = Fp3.isLE;
        this.ZERO = this.create({ c0: Fp3.ZERO, c1: Fp3.ZERO });
        this.ONE = this.create({ c0: Fp3.ONE, c1: Fp3.ZERO });
        this.Fp_NONRESIDUE = Fp3.create(NONRESIDUE);
        this.Fp_div2 = Fp3.div(Fp3.ONE, _2n13);
        this.NONRESIDUE = this.create({ c0: FP2_NONRESIDUE[0], c1: FP2_NONRESIDUE[1] });
        this.mulByB = (num) => {
          const { c0, c1 } = Fp2mulByB(num);
          return Object.freeze({ c0, c1 });
        };
        Object.freeze(this);
      }
      fromBigTuple(tuple) {
        if (!Array.isArray(tuple) || tuple.length !== 2)
          throw new Error("invalid Fp2.fromBigTuple");
        const [c0, c1] = tuple;
        if (typeof c0 !== "bigint" || typeof c1 !== "bigint")
          throw new Error("invalid Fp2.fromBigTuple");
        return this.create({ c0, c1 });
      }
      create(num) {
        const { Fp: Fp3 } = this;
        const c0 = Fp3.create(num.c0);
        const c1 = Fp3.create(num.c1);
        return Object.freeze({ c0, c1 });
      }
      isValid(num) {
        if (!isObj(num))
          throw new TypeError("invalid field element: expected object, got " + typeof num);
        const { c0, c1 } = num;
        const { Fp: Fp3 } = this;
        return Fp3.isValid(c0) && Fp3.isValid(c1);
      }
      is0(num) {
        if (!isObj(num))
          return false;
        const { c0, c1 } = num;
        const { Fp: Fp3 } = this;
        return Fp3.is0(c0) && Fp3.is0(c1);
      }
      isValidNot0(num) {
        return !this.is0(num) && this.isValid(num);
      }
      eql({ c0, c1 }, { c0: r0, c1: r1 }) {
        const { Fp: Fp3 } = this;
        return Fp3.eql(c0, r0) && Fp3.eql(c1, r1);
      }
      neg({ c0, c1 }) {
        const { Fp: Fp3 } = this;
        return Object.freeze({ c0: Fp3.neg(c0), c1: Fp3.neg(c1) });
      }
      pow(num, power) {
        return FpPow2(this, num, power);
      }
      invertBatch(nums) {
        return FpInvertBatch2(this, nums, true);
      }
      // Normalized
      add(f1, f2) {
        const { Fp: Fp3 } = this;
        const { c0, c1 } = f1;
        const { c0: r0, c1: r1 } = f2;
        return Object.freeze({
          c0: Fp3.add(c0, r0),
          c1: Fp3.add(c1, r1)
        });
      }
      sub({ c0, c1 }, { c0: r0, c1: r1 }) {
        const { Fp: Fp3 } = this;
        return Object.freeze({
          c0: Fp3.sub(c0, r0),
          c1: Fp3.sub(c1, r1)
        });
      }
      mul({ c0, c1 }, rhs) {
        const { Fp: Fp3 } = this;
        if (typeof rhs === "bigint")
          return Object.freeze({ c0: Fp3.mul(c0, rhs), c1: Fp3.mul(c1, rhs) });
        const { c0: r0, c1: r1 } = rhs;
        let t1 = Fp3.mul(c0, r0);
        let t2 = Fp3.mul(c1, r1);
        const o0 = Fp3.sub(t1, t2);
        const o1 = Fp3.sub(Fp3.mul(Fp3.add(c0, c1), Fp3.add(r0, r1)), Fp3.add(t1, t2));
        return Object.freeze({ c0: o0, c1: o1 });
      }
      sqr({ c0, c1 }) {
        const { Fp: Fp3 } = this;
        const a = Fp3.add(c0, c1);
        const b = Fp3.sub(c0, c1);
        const c = Fp3.add(c0, c0);
        return Object.freeze({ c0: Fp3.mul(a, b), c1: Fp3.mul(c, c1) });
      }
      // NonNormalized stuff
      addN(a, b) {
        return this.add(a, b);
      }
      subN(a, b) {
        return this.sub(a, b);
      }
      mulN(a, b) {
        return this.mul(a, b);
      }
      sqrN(a) {
        return this.sqr(a);
      }
      // Why inversion for bigint inside Fp instead of Fp2? it is even used in that context?
      div(lhs, rhs) {
        const { Fp: Fp3 } = this;
        return this.mul(lhs, typeof rhs === "bigint" ? Fp3.inv(Fp3.create(rhs)) : this.inv(rhs));
      }
      inv({ c0: a, c1: b }) {
        const { Fp: Fp3 } = this;
        const factor = Fp3.inv(Fp3.create(a * a + b * b));
        return Object.freeze({ c0: Fp3.mul(factor, Fp3.create(a)), c1: Fp3.mul(factor, Fp3.create(-b)) });
      }
      sqrt(num) {
        const { Fp: Fp3 } = this;
        const Fp22 = this;
        const { c0, c1 } = num;
        if (Fp3.is0(c1)) {
          if (FpLegendre2(Fp3, c0) === 1)
            return Fp22.create({ c0: Fp3.sqrt(c0), c1: Fp3.ZERO });
          else
            return Fp22.create({ c0: Fp3.ZERO, c1: Fp3.sqrt(Fp3.div(c0, this.Fp_NONRESIDUE)) });
        }
        const a = Fp3.sqrt(Fp3.sub(Fp3.sqr(c0), Fp3.mul(Fp3.sqr(c1), this.Fp_NONRESIDUE)));
        let d = Fp3.mul(Fp3.add(a, c0), this.Fp_div2);
        const legendre = FpLegendre2(Fp3, d);
        if (legendre === -1)
          d = Fp3.sub(d, a);
        const a0 = Fp3.sqrt(d);
        const candidateSqrt = Fp22.create({ c0: a0, c1: Fp3.div(Fp3.mul(c1, this.Fp_div2), a0) });
        if (!Fp22.eql(Fp22.sqr(candidateSqrt), num))
          throw new Error("Cannot find square root");
        const x1 = candidateSqrt;
        const x2 = Fp22.neg(x1);
        const { re: re1, im: im1 } = Fp22.reim(x1);
        const { re: re2, im: im2 } = Fp22.reim(x2);
        if (im1 > im2 || im1 === im2 && re1 > re2)
          return x1;
        return x2;
      }
      // Same as sgn0_m_eq_2 in RFC 9380
      isOdd(x) {
        const { re: x0, im: x1 } = this.reim(x);
        const sign_0 = x0 % _2n13;
        const zero_0 = x0 === _0n17;
        const sign_1 = x1 % _2n13;
        return BigInt(sign_0 || zero_0 && sign_1) == _1n17;
      }
      // Bytes util
      fromBytes(b) {
        const { Fp: Fp3 } = this;
        abytes5(b);
        if (b.length !== this.BYTES)
          throw new Error("fromBytes invalid length=" + b.length);
        return this.create({
          c0: Fp3.fromBytes(b.subarray(0, Fp3.BYTES)),
          c1: Fp3.fromBytes(b.subarray(Fp3.BYTES))
        });
      }
      toBytes({ c0, c1 }) {
        return concatBytes3(this.Fp.toBytes(c0), this.Fp.toBytes(c1));
      }
      cmov({ c0, c1 }, { c0: r0, c1: r1 }, c) {
        const { Fp: Fp3 } = this;
        return this.create({
          c0: Fp3.cmov(c0, r0, c),
          c1: Fp3.cmov(c1, r1, c)
        });
      }
      reim({ c0, c1 }) {
        return { re: c0, im: c1 };
      }
      Fp4Square(a, b) {
        const Fp22 = this;
        const a2 = Fp22.sqr(a);
        const b2 = Fp22.sqr(b);
        return {
          first: Fp22.add(Fp22.mulByNonresidue(b2), a2),
          // b² * Nonresidue + a²
          second: Fp22.sub(Fp22.sub(Fp22.sqr(Fp22.add(a, b)), a2), b2)
          // (a + b)² - a² - b²
        };
      }
      // multiply by u + 1
      mulByNonresidue({ c0, c1 }) {
        const { Fp: Fp3, NONRESIDUE: nr } = this;
        if (nr.c0 === Fp3.ONE && nr.c1 === Fp3.ONE) {
          return Object.freeze({ c0: Fp3.sub(c0, c1), c1: Fp3.add(c0, c1) });
        }
        if (nr.c1 === Fp3.ONE) {
          return Object.freeze({
            c0: Fp3.sub(Fp3.mul(c0, nr.c0), c1),
            c1: Fp3.add(c0, Fp3.mul(c1, nr.c0))
          });
        }
        return this.mul({ c0, c1 }, nr);
      }
      frobeniusMap(num, power) {
        const { c0, c1 } = num;
        const { Fp: Fp3 } = this;
        return Object.freeze({ c0, c1: power % 2 === 0 ? c1 : Fp3.neg(c1) });
      }
    };
    _Field6 = class {
      ORDER;
      BITS;
      BYTES;
      isLE;
      ZERO;
      ONE;
      Fp2;
      constructor(Fp22) {
        this.Fp2 = Fp22;
        this.ORDER = Fp22.Fp.ORDER ** _6n;
        this.BITS = 3 * Fp22.BITS;
        this.BYTES = 3 * Fp22.BYTES;
        this.isLE = Fp22.isLE;
        this.ZERO = this.create({ c0: Fp22.ZERO, c1: Fp22.ZERO, c2: Fp22.ZERO });
        this.ONE = this.create({ c0: Fp22.ONE, c1: Fp22.ZERO, c2: Fp22.ZERO });
        Object.freeze(this);
      }
      // Most callers never touch Frobenius maps, so keep the sextic tables lazy:
      // eagerly deriving them dominates `bls12-381.js` / `bn254.js` import time.
      get FROBENIUS_COEFFICIENTS_1() {
        const frob2 = _FROBENIUS_COEFFICIENTS_6.get(this);
        if (frob2)
          return frob2[0];
        const { Fp2: Fp22 } = this;
        const { Fp: Fp3 } = Fp22;
        const rows = calcFrobeniusCoefficients(Fp22, Fp22.NONRESIDUE, Fp3.ORDER, 6, 2, 3);
        const cache = [Object.freeze(rows[0]), Object.freeze(rows[1])];
        _FROBENIUS_COEFFICIENTS_6.set(this, cache);
        return cache[0];
      }
      get FROBENIUS_COEFFICIENTS_2() {
        const frob2 = _FROBENIUS_COEFFICIENTS_6.get(this);
        if (frob2)
          return frob2[1];
        void this.FROBENIUS_COEFFICIENTS_1;
        return _FROBENIUS_COEFFICIENTS_6.get(this)[1];
      }
      add({ c0, c1, c2 }, { c0: r0, c1: r1, c2: r2 }) {
        const { Fp2: Fp22 } = this;
        return Object.freeze({
          c0: Fp22.add(c0, r0),
          c1: Fp22.add(c1, r1),
          c2: Fp22.add(c2, r2)
        });
      }
      sub({ c0, c1, c2 }, { c0: r0, c1: r1, c2: r2 }) {
        const { Fp2: Fp22 } = this;
        return Object.freeze({
          c0: Fp22.sub(c0, r0),
          c1: Fp22.sub(c1, r1),
          c2: Fp22.sub(c2, r2)
        });
      }
      mul({ c0, c1, c2 }, rhs) {
        const { Fp2: Fp22 } = this;
        if (typeof rhs === "bigint") {
          return Object.freeze({
            c0: Fp22.mul(c0, rhs),
            c1: Fp22.mul(c1, rhs),
            c2: Fp22.mul(c2, rhs)
          });
        }
        const { c0: r0, c1: r1, c2: r2 } = rhs;
        const t0 = Fp22.mul(c0, r0);
        const t1 = Fp22.mul(c1, r1);
        const t2 = Fp22.mul(c2, r2);
        return Object.freeze({
          // t0 + (c1 + c2) * (r1 * r2) - (T1 + T2) * (u + 1)
          c0: Fp22.add(t0, Fp22.mulByNonresidue(Fp22.sub(Fp22.mul(Fp22.add(c1, c2), Fp22.add(r1, r2)), Fp22.add(t1, t2)))),
          // (c0 + c1) * (r0 + r1) - (T0 + T1) + T2 * (u + 1)
          c1: Fp22.add(Fp22.sub(Fp22.mul(Fp22.add(c0, c1), Fp22.add(r0, r1)), Fp22.add(t0, t1)), Fp22.mulByNonresidue(t2)),
          // T1 + (c0 + c2) * (r0 + r2) - T0 + T2
          c2: Fp22.sub(Fp22.add(t1, Fp22.mul(Fp22.add(c0, c2), Fp22.add(r0, r2))), Fp22.add(t0, t2))
        });
      }
      sqr({ c0, c1, c2 }) {
        const { Fp2: Fp22 } = this;
        let t0 = Fp22.sqr(c0);
        let t1 = Fp22.mul(Fp22.mul(c0, c1), _2n13);
        let t3 = Fp22.mul(Fp22.mul(c1, c2), _2n13);
        let t4 = Fp22.sqr(c2);
        return Object.freeze({
          c0: Fp22.add(Fp22.mulByNonresidue(t3), t0),
          // T3 * (u + 1) + T0
          c1: Fp22.add(Fp22.mulByNonresidue(t4), t1),
          // T4 * (u + 1) + T1
          // T1 + (c0 - c1 + c2)² + T3 - T0 - T4
          c2: Fp22.sub(Fp22.sub(Fp22.add(Fp22.add(t1, Fp22.sqr(Fp22.add(Fp22.sub(c0, c1), c2))), t3), t0), t4)
        });
      }
      addN(a, b) {
        return this.add(a, b);
      }
      subN(a, b) {
        return this.sub(a, b);
      }
      mulN(a, b) {
        return this.mul(a, b);
      }
      sqrN(a) {
        return this.sqr(a);
      }
      create(num) {
        const { Fp2: Fp22 } = this;
        const c0 = Fp22.create(num.c0);
        const c1 = Fp22.create(num.c1);
        const c2 = Fp22.create(num.c2);
        return Object.freeze({ c0, c1, c2 });
      }
      isValid(num) {
        if (!isObj(num))
          throw new TypeError("invalid field element: expected object, got " + typeof num);
        const { c0, c1, c2 } = num;
        const { Fp2: Fp22 } = this;
        return Fp22.isValid(c0) && Fp22.isValid(c1) && Fp22.isValid(c2);
      }
      is0(num) {
        if (!isObj(num))
          return false;
        const { c0, c1, c2 } = num;
        const { Fp2: Fp22 } = this;
        return Fp22.is0(c0) && Fp22.is0(c1) && Fp22.is0(c2);
      }
      isValidNot0(num) {
        return !this.is0(num) && this.isValid(num);
      }
      neg({ c0, c1, c2 }) {
        const { Fp2: Fp22 } = this;
        return Object.freeze({ c0: Fp22.neg(c0), c1: Fp22.neg(c1), c2: Fp22.neg(c2) });
      }
      eql({ c0, c1, c2 }, { c0: r0, c1: r1, c2: r2 }) {
        const { Fp2: Fp22 } = this;
        return Fp22.eql(c0, r0) && Fp22.eql(c1, r1) && Fp22.eql(c2, r2);
      }
      sqrt(_) {
        return notImplemented();
      }
      // Do we need division by bigint at all? Should be done via order:
      div(lhs, rhs) {
        const { Fp2: Fp22 } = this;
        const { Fp: Fp3 } = Fp22;
        return this.mul(lhs, typeof rhs === "bigint" ? Fp3.inv(Fp3.create(rhs)) : this.inv(rhs));
      }
      pow(num, power) {
        return FpPow2(this, num, power);
      }
      invertBatch(nums) {
        return FpInvertBatch2(this, nums, true);
      }
      inv({ c0, c1, c2 }) {
        const { Fp2: Fp22 } = this;
        let t0 = Fp22.sub(Fp22.sqr(c0), Fp22.mulByNonresidue(Fp22.mul(c2, c1)));
        let t1 = Fp22.sub(Fp22.mulByNonresidue(Fp22.sqr(c2)), Fp22.mul(c0, c1));
        let t2 = Fp22.sub(Fp22.sqr(c1), Fp22.mul(c0, c2));
        let t4 = Fp22.inv(Fp22.add(Fp22.mulByNonresidue(Fp22.add(Fp22.mul(c2, t1), Fp22.mul(c1, t2))), Fp22.mul(c0, t0)));
        return Object.freeze({ c0: Fp22.mul(t4, t0), c1: Fp22.mul(t4, t1), c2: Fp22.mul(t4, t2) });
      }
      // Bytes utils
      fromBytes(b) {
        const { Fp2: Fp22 } = this;
        abytes5(b);
        if (b.length !== this.BYTES)
          throw new Error("fromBytes invalid length=" + b.length);
        const B2 = Fp22.BYTES;
        return this.create({
          c0: Fp22.fromBytes(b.subarray(0, B2)),
          c1: Fp22.fromBytes(b.subarray(B2, B2 * 2)),
          c2: Fp22.fromBytes(b.subarray(2 * B2))
        });
      }
      toBytes({ c0, c1, c2 }) {
        const { Fp2: Fp22 } = this;
        return concatBytes3(Fp22.toBytes(c0), Fp22.toBytes(c1), Fp22.toBytes(c2));
      }
      cmov({ c0, c1, c2 }, { c0: r0, c1: r1, c2: r2 }, c) {
        const { Fp2: Fp22 } = this;
        return this.create({
          c0: Fp22.cmov(c0, r0, c),
          c1: Fp22.cmov(c1, r1, c),
          c2: Fp22.cmov(c2, r2, c)
        });
      }
      fromBigSix(tuple) {
        const { Fp2: Fp22 } = this;
        if (!Array.isArray(tuple) || tuple.length !== 6)
          throw new Error("invalid Fp6.fromBigSix");
        for (let i = 0; i < 6; i++)
          if (typeof tuple[i] !== "bigint")
            throw new Error("invalid Fp6.fromBigSix");
        const t = tuple;
        return this.create({
          c0: Fp22.fromBigTuple(t.slice(0, 2)),
          c1: Fp22.fromBigTuple(t.slice(2, 4)),
          c2: Fp22.fromBigTuple(t.slice(4, 6))
        });
      }
      frobeniusMap(num, power) {
        const { c0, c1, c2 } = num;
        if (power % 6 === 0)
          return Object.freeze({ c0, c1, c2 });
        const { Fp2: Fp22 } = this;
        return Object.freeze({
          c0: Fp22.frobeniusMap(c0, power),
          c1: Fp22.mul(Fp22.frobeniusMap(c1, power), this.FROBENIUS_COEFFICIENTS_1[power % 6]),
          c2: Fp22.mul(Fp22.frobeniusMap(c2, power), this.FROBENIUS_COEFFICIENTS_2[power % 6])
        });
      }
      mulByFp2({ c0, c1, c2 }, rhs) {
        const { Fp2: Fp22 } = this;
        return Object.freeze({
          c0: Fp22.mul(c0, rhs),
          c1: Fp22.mul(c1, rhs),
          c2: Fp22.mul(c2, rhs)
        });
      }
      mulByNonresidue({ c0, c1, c2 }) {
        const { Fp2: Fp22 } = this;
        return Object.freeze({ c0: Fp22.mulByNonresidue(c2), c1: c0, c2: c1 });
      }
      // Sparse multiplication
      mul1({ c0, c1, c2 }, b1) {
        const { Fp2: Fp22 } = this;
        return Object.freeze({
          c0: Fp22.mulByNonresidue(Fp22.mul(c2, b1)),
          c1: Fp22.mul(c0, b1),
          c2: Fp22.mul(c1, b1)
        });
      }
      // Sparse multiplication
      mul01({ c0, c1, c2 }, b0, b1) {
        const { Fp2: Fp22 } = this;
        let t0 = Fp22.mul(c0, b0);
        let t1 = Fp22.mul(c1, b1);
        return Object.freeze({
          // ((c1 + c2) * b1 - T1) * (u + 1) + T0
          c0: Fp22.add(Fp22.mulByNonresidue(Fp22.sub(Fp22.mul(Fp22.add(c1, c2), b1), t1)), t0),
          // (b0 + b1) * (c0 + c1) - T0 - T1
          c1: Fp22.sub(Fp22.sub(Fp22.mul(Fp22.add(b0, b1), Fp22.add(c0, c1)), t0), t1),
          // (c0 + c2) * b0 - T0 + T1
          c2: Fp22.add(Fp22.sub(Fp22.mul(Fp22.add(c0, c2), b0), t0), t1)
        });
      }
    };
    _FROBENIUS_COEFFICIENTS_6 = /* @__PURE__ */ new WeakMap();
    _Field12 = class {
      ORDER;
      BITS;
      BYTES;
      isLE;
      ZERO;
      ONE;
      Fp6;
      X_LEN;
      finalExponentiate;
      constructor(Fp62, opts2) {
        const { X_LEN, Fp12finalExponentiate } = opts2;
        const { Fp2: Fp22 } = Fp62;
        const { Fp: Fp3 } = Fp22;
        this.Fp6 = Fp62;
        this.ORDER = Fp3.ORDER ** _12n;
        this.BITS = 2 * Fp62.BITS;
        this.BYTES = 2 * Fp62.BYTES;
        this.isLE = Fp62.isLE;
        this.ZERO = this.create({ c0: Fp62.ZERO, c1: Fp62.ZERO });
        this.ONE = this.create({ c0: Fp62.ONE, c1: Fp62.ZERO });
        this.X_LEN = X_LEN;
        this.finalExponentiate = (num) => {
          const copy2 = ({ c0, c1 }) => Object.freeze({ c0, c1 });
          const copy6 = ({ c0, c1, c2 }) => Object.freeze({ c0: copy2(c0), c1: copy2(c1), c2: copy2(c2) });
          const res = Fp12finalExponentiate(num);
          return Object.freeze({ c0: copy6(res.c0), c1: copy6(res.c1) });
        };
        Object.freeze(this);
      }
      // Keep the degree-12 Frobenius row lazy too; after the first lookup the cached
      // array is reused exactly like the old eager table.
      get FROBENIUS_COEFFICIENTS() {
        const frob2 = _FROBENIUS_COEFFICIENTS_12.get(this);
        if (frob2)
          return frob2;
        const { Fp2: Fp22 } = this.Fp6;
        const { Fp: Fp3 } = Fp22;
        const cache = Object.freeze(calcFrobeniusCoefficients(Fp22, Fp22.NONRESIDUE, Fp3.ORDER, 12, 1, 6)[0]);
        _FROBENIUS_COEFFICIENTS_12.set(this, cache);
        return cache;
      }
      create(num) {
        const { Fp6: Fp62 } = this;
        const c0 = Fp62.create(num.c0);
        const c1 = Fp62.create(num.c1);
        return Object.freeze({ c0, c1 });
      }
      isValid(num) {
        if (!isObj(num))
          throw new TypeError("invalid field element: expected object, got " + typeof num);
        const { c0, c1 } = num;
        const { Fp6: Fp62 } = this;
        return Fp62.isValid(c0) && Fp62.isValid(c1);
      }
      is0(num) {
        if (!isObj(num))
          return false;
        const { c0, c1 } = num;
        const { Fp6: Fp62 } = this;
        return Fp62.is0(c0) && Fp62.is0(c1);
      }
      isValidNot0(num) {
        return !this.is0(num) && this.isValid(num);
      }
      neg({ c0, c1 }) {
        const { Fp6: Fp62 } = this;
        return Object.freeze({ c0: Fp62.neg(c0), c1: Fp62.neg(c1) });
      }
      eql({ c0, c1 }, { c0: r0, c1: r1 }) {
        const { Fp6: Fp62 } = this;
        return Fp62.eql(c0, r0) && Fp62.eql(c1, r1);
      }
      sqrt(_) {
        return notImplemented();
      }
      inv({ c0, c1 }) {
        const { Fp6: Fp62 } = this;
        let t = Fp62.inv(Fp62.sub(Fp62.sqr(c0), Fp62.mulByNonresidue(Fp62.sqr(c1))));
        return Object.freeze({ c0: Fp62.mul(c0, t), c1: Fp62.neg(Fp62.mul(c1, t)) });
      }
      div(lhs, rhs) {
        const { Fp6: Fp62 } = this;
        const { Fp2: Fp22 } = Fp62;
        const { Fp: Fp3 } = Fp22;
        return this.mul(lhs, typeof rhs === "bigint" ? Fp3.inv(Fp3.create(rhs)) : this.inv(rhs));
      }
      pow(num, power) {
        return FpPow2(this, num, power);
      }
      invertBatch(nums) {
        return FpInvertBatch2(this, nums, true);
      }
      // Normalized
      add({ c0, c1 }, { c0: r0, c1: r1 }) {
        const { Fp6: Fp62 } = this;
        return Object.freeze({
          c0: Fp62.add(c0, r0),
          c1: Fp62.add(c1, r1)
        });
      }
      sub({ c0, c1 }, { c0: r0, c1: r1 }) {
        const { Fp6: Fp62 } = this;
        return Object.freeze({
          c0: Fp62.sub(c0, r0),
          c1: Fp62.sub(c1, r1)
        });
      }
      mul({ c0, c1 }, rhs) {
        const { Fp6: Fp62 } = this;
        if (typeof rhs === "bigint")
          return Object.freeze({ c0: Fp62.mul(c0, rhs), c1: Fp62.mul(c1, rhs) });
        let { c0: r0, c1: r1 } = rhs;
        let t1 = Fp62.mul(c0, r0);
        let t2 = Fp62.mul(c1, r1);
        return Object.freeze({
          c0: Fp62.add(t1, Fp62.mulByNonresidue(t2)),
          // T1 + T2 * v
          // (c0 + c1) * (r0 + r1) - (T1 + T2)
          c1: Fp62.sub(Fp62.mul(Fp62.add(c0, c1), Fp62.add(r0, r1)), Fp62.add(t1, t2))
        });
      }
      sqr({ c0, c1 }) {
        const { Fp6: Fp62 } = this;
        let ab = Fp62.mul(c0, c1);
        return Object.freeze({
          // (c1 * v + c0) * (c0 + c1) - AB - AB * v
          c0: Fp62.sub(Fp62.sub(Fp62.mul(Fp62.add(Fp62.mulByNonresidue(c1), c0), Fp62.add(c0, c1)), ab), Fp62.mulByNonresidue(ab)),
          c1: Fp62.add(ab, ab)
        });
      }
      // NonNormalized stuff
      addN(a, b) {
        return this.add(a, b);
      }
      subN(a, b) {
        return this.sub(a, b);
      }
      mulN(a, b) {
        return this.mul(a, b);
      }
      sqrN(a) {
        return this.sqr(a);
      }
      // Bytes utils
      fromBytes(b) {
        const { Fp6: Fp62 } = this;
        abytes5(b);
        if (b.length !== this.BYTES)
          throw new Error("fromBytes invalid length=" + b.length);
        return this.create({
          c0: Fp62.fromBytes(b.subarray(0, Fp62.BYTES)),
          c1: Fp62.fromBytes(b.subarray(Fp62.BYTES))
        });
      }
      toBytes({ c0, c1 }) {
        const { Fp6: Fp62 } = this;
        return concatBytes3(Fp62.toBytes(c0), Fp62.toBytes(c1));
      }
      cmov({ c0, c1 }, { c0: r0, c1: r1 }, c) {
        const { Fp6: Fp62 } = this;
        return this.create({
          c0: Fp62.cmov(c0, r0, c),
          c1: Fp62.cmov(c1, r1, c)
        });
      }
      // Utils
      // toString() {
      //   return '' + 'Fp12(' + this.c0 + this.c1 + '* w');
      // },
      // fromTuple(c: [Fp6, Fp6]) {
      //   return new Fp12(...c);
      // }
      fromBigTwelve(tuple) {
        const { Fp6: Fp62 } = this;
        if (!Array.isArray(tuple) || tuple.length !== 12)
          throw new Error("invalid Fp12.fromBigTwelve");
        for (let i = 0; i < 12; i++)
          if (typeof tuple[i] !== "bigint")
            throw new Error("invalid Fp12.fromBigTwelve");
        const t = tuple;
        return this.create({
          c0: Fp62.fromBigSix(t.slice(0, 6)),
          c1: Fp62.fromBigSix(t.slice(6, 12))
        });
      }
      // Raises to q**i -th power
      frobeniusMap(lhs, power) {
        const p = power % 12;
        if (p === 0)
          return Object.freeze({ c0: lhs.c0, c1: lhs.c1 });
        if (p === 6)
          return this.conjugate(lhs);
        const { Fp6: Fp62 } = this;
        const { Fp2: Fp22 } = Fp62;
        const { c0, c1, c2 } = Fp62.frobeniusMap(lhs.c1, power);
        const coeff = this.FROBENIUS_COEFFICIENTS[p];
        return Object.freeze({
          c0: Fp62.frobeniusMap(lhs.c0, power),
          c1: Object.freeze({
            c0: Fp22.mul(c0, coeff),
            c1: Fp22.mul(c1, coeff),
            c2: Fp22.mul(c2, coeff)
          })
        });
      }
      mulByFp2({ c0, c1 }, rhs) {
        const { Fp6: Fp62 } = this;
        return Object.freeze({
          c0: Fp62.mulByFp2(c0, rhs),
          c1: Fp62.mulByFp2(c1, rhs)
        });
      }
      conjugate({ c0, c1 }) {
        return Object.freeze({ c0, c1: this.Fp6.neg(c1) });
      }
      // A cyclotomic group is a subgroup of Fp^n defined by
      //   GΦₙ(p) = {α ∈ Fpⁿ : α^Φₙ(p) = 1}
      // The result of any pairing is in a cyclotomic subgroup
      // https://eprint.iacr.org/2009/565.pdf
      // https://eprint.iacr.org/2010/354.pdf
      _cyclotomicSquare({ c0, c1 }) {
        const { Fp6: Fp62 } = this;
        const { Fp2: Fp22 } = Fp62;
        const { c0: c0c0, c1: c0c1, c2: c0c2 } = c0;
        const { c0: c1c0, c1: c1c1, c2: c1c2 } = c1;
        const { first: t3, second: t4 } = Fp22.Fp4Square(c0c0, c1c1);
        const { first: t5, second: t6 } = Fp22.Fp4Square(c1c0, c0c2);
        const { first: t7, second: t8 } = Fp22.Fp4Square(c0c1, c1c2);
        const t9 = Fp22.mulByNonresidue(t8);
        return Object.freeze({
          c0: Object.freeze({
            c0: Fp22.add(Fp22.mul(Fp22.sub(t3, c0c0), _2n13), t3),
            // 2 * (T3 - c0c0)  + T3
            c1: Fp22.add(Fp22.mul(Fp22.sub(t5, c0c1), _2n13), t5),
            // 2 * (T5 - c0c1)  + T5
            c2: Fp22.add(Fp22.mul(Fp22.sub(t7, c0c2), _2n13), t7)
          }),
          // 2 * (T7 - c0c2)  + T7
          c1: Object.freeze({
            c0: Fp22.add(Fp22.mul(Fp22.add(t9, c1c0), _2n13), t9),
            // 2 * (T9 + c1c0) + T9
            c1: Fp22.add(Fp22.mul(Fp22.add(t4, c1c1), _2n13), t4),
            // 2 * (T4 + c1c1) + T4
            c2: Fp22.add(Fp22.mul(Fp22.add(t6, c1c2), _2n13), t6)
          })
        });
      }
      // https://eprint.iacr.org/2009/565.pdf
      _cyclotomicExp(num, n) {
        aInRange2("cyclotomic exponent", n, _0n17, _1n17 << BigInt(this.X_LEN));
        if (n === _0n17)
          return this.ONE;
        let z = num;
        for (let i = bitLen2(n) - 2; i >= 0; i--) {
          z = this._cyclotomicSquare(z);
          if (bitGet(n, i))
            z = this.mul(z, num);
        }
        return z;
      }
    };
    _FROBENIUS_COEFFICIENTS_12 = /* @__PURE__ */ new WeakMap();
  }
});

// node_modules/@noble/curves/bls12-381.js
function bls12FromCompressed(g0, g12, { g2: g22, g3, g4, g5 }) {
  return { c0: { c0: g0, c1: g4, c2: g3 }, c1: { c0: g22, c1: g12, c2: g5 } };
}
function bls12Compress({ c0, c1 }) {
  return { g2: c1.c0, g3: c0.c2, g4: c0.c1, g5: c1.c2 };
}
function bls12CyclotomicSquareCompressed({ g2: g22, g3, g4, g5 }) {
  const { first: h23c0, second: h23c1 } = Fp2.Fp4Square(g4, g5);
  const { first: h45c0, second: h45c1 } = Fp2.Fp4Square(g22, g3);
  const d2 = Fp2.add(g22, g22);
  const d3 = Fp2.add(g3, g3);
  const d4 = Fp2.add(g4, g4);
  const d5 = Fp2.add(g5, g5);
  return {
    g2: Fp2.add(Fp2.mul(Fp2.mulByNonresidue(h23c1), _3n10), d2),
    g3: Fp2.sub(Fp2.mul(h23c0, _3n10), d3),
    g4: Fp2.sub(Fp2.mul(h45c0, _3n10), d4),
    g5: Fp2.add(Fp2.mul(h45c1, _3n10), d5)
  };
}
function bls12RecoverG1Ratio({ g2: g22, g3, g4, g5 }) {
  if (Fp2.is0(g22))
    return { num: Fp2.mul(Fp2.mul(g4, g5), _2n14), den: g3 };
  return {
    num: Fp2.add(Fp2.sub(Fp2.mul(Fp2.sqr(g4), _3n10), Fp2.mul(g3, _2n14)), Fp2.mulByNonresidue(Fp2.sqr(g5))),
    den: Fp2.mul(g22, _4n8)
  };
}
function bls12RecoverG0(g12, { g2: g22, g3, g4, g5 }) {
  const g3g4 = Fp2.mul(g3, g4);
  const t = Fp2.add(Fp2.sub(Fp2.mul(Fp2.sub(Fp2.sqr(g12), g3g4), _2n14), g3g4), Fp2.mul(g22, g5));
  return Fp2.add(Fp2.mulByNonresidue(t), Fp2.ONE);
}
function bls12CyclotomicExpCompressed(num, squarings) {
  const gs = [];
  let g = bls12Compress(num);
  for (const count of squarings) {
    for (let i = 0; i < count; i++)
      g = bls12CyclotomicSquareCompressed(g);
    gs.push(g);
  }
  const isOne = gs.map(({ g2: g22, g3 }) => Fp2.is0(g22) && Fp2.is0(g3));
  const ratios = gs.map(bls12RecoverG1Ratio);
  const invDens = Fp2.invertBatch(ratios.map(({ den }) => den));
  const elems = gs.map((compressed, i) => {
    if (isOne[i])
      return Fp12.ONE;
    const g12 = Fp2.mul(ratios[i].num, invDens[i]);
    return bls12FromCompressed(bls12RecoverG0(g12, compressed), g12, compressed);
  });
  return { result: Fp12.mul(Fp12.mul(elems[0], elems[1]), elems[2]), last: elems[2] };
}
function bls12CyclotomicExpX(num) {
  const { result, last } = bls12CyclotomicExpCompressed(num, [16, 32, 9]);
  let r = result;
  let s = last;
  for (let i = 0; i < 3; i++)
    s = Fp12._cyclotomicSquare(s);
  r = Fp12.mul(r, s);
  for (let i = 0; i < 2; i++)
    s = Fp12._cyclotomicSquare(s);
  r = Fp12.mul(r, s);
  s = Fp12._cyclotomicSquare(s);
  return Fp12.mul(r, s);
}
function decodeFp(bytes) {
  return Fp.fromBytes(bytes);
}
function validateMask({ compressed, infinity, sort }) {
  if (!compressed && !infinity && sort || // 0010_0000 = 0x20
  !compressed && infinity && sort || // 0110_0000 = 0x60
  compressed && infinity && sort)
    throw new Error("invalid encoding flag");
}
function parseMask(bytes) {
  bytes = copyBytes4(bytes);
  const mask = bytes[0] & 224;
  const compressed = !!(mask >> 7 & 1);
  const infinity = !!(mask >> 6 & 1);
  const sort = !!(mask >> 5 & 1);
  validateMask({ compressed, infinity, sort });
  bytes[0] &= 31;
  return { compressed, infinity, sort, value: bytes };
}
function setMask(bytes, mask) {
  if (bytes[0] & 224)
    throw new Error("setMask: non-empty mask");
  validateMask({ compressed: !!mask.compressed, infinity: !!mask.infinity, sort: !!mask.sort });
  if (mask.compressed)
    bytes[0] |= 128;
  if (mask.infinity)
    bytes[0] |= 64;
  if (mask.sort)
    bytes[0] |= 32;
  return bytes;
}
function signatureG1FromBytes(bytes) {
  const Point = bls12_381.G1.Point;
  const point = Point.fromAffine(g1.sig.decode(bytes));
  point.assertValidity();
  return point;
}
function signatureG2FromBytes(bytes) {
  const Point = bls12_381.G2.Point;
  const point = Point.fromAffine(g2.sig.decode(bytes));
  point.assertValidity();
  return point;
}
function mapToG1(scalars) {
  const { x, y } = getG1_SWU()(Fp.create(scalars[0]));
  return isogenyMapG1(x, y);
}
function mapToG2(scalars) {
  const { x, y } = getG2_SWU()(Fp2.fromBigTuple(scalars));
  return isogenyMapG2(x, y);
}
var _0n18, _1n18, _2n14, _3n10, _4n8, BLS_X, BLS_X_LEN, bls12_381_CURVE_G1, bls12_381_Fr, Fp, Fp2, Fp6, Fp12, frob, getFrob, G2psi, G2psi2, hasher_opts, bls12_381_CURVE_G2, sortBit, fp2, BaseFp, coder, g1coder, g1, signatureG1ToBytes, g2coder, g2, signatureG2ToBytes, signatureCoders, fields, G1_Point, G2_Point, bls12_hasher_opts, bls12_params, bls12_381, isogenyMapG2, isogenyMapG1, G1_SWU, G2_SWU, getG1_SWU, getG2_SWU;
var init_bls12_381 = __esm({
  "node_modules/@noble/curves/bls12-381.js"() {
    init_sha2();
    init_bls2();
    init_modular2();
    init_utils6();
    init_hash_to_curve();
    init_tower();
    init_weierstrass2();
    _0n18 = BigInt(0);
    _1n18 = BigInt(1);
    _2n14 = BigInt(2);
    _3n10 = BigInt(3);
    _4n8 = BigInt(4);
    BLS_X = BigInt("0xd201000000010000");
    BLS_X_LEN = bitLen2(BLS_X);
    bls12_381_CURVE_G1 = {
      p: BigInt("0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"),
      n: BigInt("0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"),
      h: BigInt("0x396c8c005555e1568c00aaab0000aaab"),
      a: _0n18,
      b: _4n8,
      Gx: BigInt("0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"),
      Gy: BigInt("0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1")
    };
    bls12_381_Fr = Field2(bls12_381_CURVE_G1.n, {
      modFromBytes: true
    });
    ({ Fp, Fp2, Fp6, Fp12 } = tower12({
      ORDER: bls12_381_CURVE_G1.p,
      X_LEN: BLS_X_LEN,
      // Finite extension field over irreducible polynominal.
      // Fp(u) / (u² - β) where β = -1
      // Public `Fp2.NONRESIDUE` below is the sextic-tower value `(1, 1) = u + 1`;
      // the quadratic non-residue for the base Fp2 construction is still `-1`.
      FP2_NONRESIDUE: [_1n18, _1n18],
      Fp2mulByB: ({ c0, c1 }) => {
        const t0 = Fp.mul(c0, _4n8);
        const t1 = Fp.mul(c1, _4n8);
        return { c0: Fp.sub(t0, t1), c1: Fp.add(t0, t1) };
      },
      Fp12finalExponentiate: (num) => {
        const powMinusX = (num2) => Fp12.conjugate(bls12CyclotomicExpX(num2));
        const t0 = Fp12.div(Fp12.frobeniusMap(num, 6), num);
        const t1 = Fp12.mul(Fp12.frobeniusMap(t0, 2), t0);
        const t2 = powMinusX(t1);
        const t3 = Fp12.mul(Fp12.conjugate(Fp12._cyclotomicSquare(t1)), t2);
        const t4 = powMinusX(t3);
        const t5 = powMinusX(t4);
        const t6 = Fp12.mul(powMinusX(t5), Fp12._cyclotomicSquare(t2));
        const t7 = powMinusX(t6);
        const t2_t5_pow_q2 = Fp12.frobeniusMap(Fp12.mul(t2, t5), 2);
        const t4_t1_pow_q3 = Fp12.frobeniusMap(Fp12.mul(t4, t1), 3);
        const t6_t1c_pow_q1 = Fp12.frobeniusMap(Fp12.mul(t6, Fp12.conjugate(t1)), 1);
        const t7_t3c_t1 = Fp12.mul(Fp12.mul(t7, Fp12.conjugate(t3)), t1);
        return Fp12.mul(Fp12.mul(Fp12.mul(t2_t5_pow_q2, t4_t1_pow_q3), t6_t1c_pow_q1), t7_t3c_t1);
      }
    }));
    getFrob = () => frob || (frob = psiFrobenius(Fp, Fp2, Fp2.div(Fp2.ONE, Fp2.NONRESIDUE)));
    G2psi = (c, P3) => {
      const fn = getFrob().G2psi;
      G2psi = fn;
      return fn(c, P3);
    };
    G2psi2 = (c, P3) => {
      const fn = getFrob().G2psi2;
      G2psi2 = fn;
      return fn(c, P3);
    };
    hasher_opts = Object.freeze({
      DST: "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_",
      encodeDST: "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_",
      p: Fp.ORDER,
      m: 2,
      k: 128,
      expand: "xmd",
      hash: sha256
    });
    bls12_381_CURVE_G2 = {
      p: Fp2.ORDER,
      n: bls12_381_CURVE_G1.n,
      h: BigInt("0x5d543a95414e7f1091d50792876a202cd91de4547085abaa68a205b2e5a7ddfa628f1cb4d9e82ef21537e293a6691ae1616ec6e786f0c70cf1c38e31c7238e5"),
      a: Fp2.ZERO,
      b: Fp2.fromBigTuple([_4n8, _4n8]),
      Gx: Fp2.fromBigTuple([
        BigInt("0x024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
        BigInt("0x13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e")
      ]),
      Gy: Fp2.fromBigTuple([
        BigInt("0x0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"),
        BigInt("0x0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be")
      ])
    };
    sortBit = (parts, p) => {
      for (const part of parts) {
        if (part !== _0n18)
          return Boolean(part * _2n14 / p);
      }
      return false;
    };
    fp2 = {
      // Generic tower bytes use `c0 || c1`, but the BLS12-381 G2 point/signature wire encoding uses
      // `c1 || c0`, so keep this local wrapper instead of changing generic field serialization.
      encode({ c0, c1 }) {
        const { BYTES: L } = Fp;
        return concatBytes3(numberToBytesBE2(c1, L), numberToBytesBE2(c0, L));
      },
      decode(bytes) {
        const { BYTES: L } = Fp;
        return Fp2.create({
          c0: decodeFp(bytes.subarray(L)),
          c1: decodeFp(bytes.subarray(0, L))
        });
      }
    };
    BaseFp = Fp;
    coder = (name2, Fp3, b, encode, decode, yparts) => {
      const F2 = Fp3;
      const enc = encode;
      const dec = decode;
      const W = F2.BYTES;
      return (allowUncompressed) => ({
        encode(point, compressed = true) {
          if (!compressed && !allowUncompressed)
            throw new Error("invalid signature: expected compressed encoding");
          const infinity = point.is0();
          const { x, y } = point.toAffine();
          const bytes = compressed ? enc(x) : concatBytes3(enc(x), enc(y));
          let sort;
          if (compressed && !infinity)
            sort = sortBit(yparts(y), BaseFp.ORDER);
          return setMask(bytes, { compressed, infinity, sort });
        },
        decode(bytes) {
          const raw = allowUncompressed ? abytes5(bytes, void 0, "point") : abytes5(bytes, W, "signature");
          const { compressed, infinity, sort, value } = parseMask(raw);
          if (!allowUncompressed && !compressed)
            throw new Error("invalid signature: expected compressed encoding");
          const len2 = compressed ? W : 2 * W;
          if (value.length !== len2)
            throw new Error(`invalid ${name2} point: expected ${len2} bytes`);
          if (infinity) {
            for (const b2 of value) {
              if (b2)
                throw new Error(`invalid ${name2} point: non-canonical zero`);
            }
            return { x: F2.ZERO, y: F2.ZERO };
          }
          const x = dec(compressed ? value : value.subarray(0, W));
          let y;
          if (compressed) {
            y = F2.sqrt(F2.add(F2.pow(x, _3n10), b));
            if (!y)
              throw new Error(`invalid ${name2} point: compressed`);
            if (sortBit(yparts(y), BaseFp.ORDER) !== sort)
              y = F2.neg(y);
          } else {
            y = dec(value.subarray(W));
          }
          if (!compressed && F2.is0(x) && F2.is0(y))
            throw new Error(`invalid ${name2} point: uncompressed`);
          return { x, y };
        }
      });
    };
    g1coder = coder("G1", Fp, Fp.create(bls12_381_CURVE_G1.b), (x) => numberToBytesBE2(x, Fp.BYTES), decodeFp, (y) => [y]);
    g1 = { point: g1coder(true), sig: g1coder(false) };
    signatureG1ToBytes = (point) => {
      point.assertValidity();
      return g1.sig.encode(point);
    };
    g2coder = coder("G2", Fp2, bls12_381_CURVE_G2.b, fp2.encode, fp2.decode, (y) => [
      y.c1,
      y.c0
    ]);
    g2 = { point: g2coder(true), sig: g2coder(false) };
    signatureG2ToBytes = (point) => {
      point.assertValidity();
      return g2.sig.encode(point);
    };
    signatureCoders = {
      ShortSignature: {
        fromBytes(bytes) {
          return signatureG1FromBytes(abytes5(bytes));
        },
        fromHex(hex) {
          return signatureG1FromBytes(hexToBytes3(hex));
        },
        toBytes(point) {
          return signatureG1ToBytes(point);
        },
        // Historical alias: BLS signatures have a single compressed byte format here.
        toRawBytes(point) {
          return signatureG1ToBytes(point);
        },
        toHex(point) {
          return bytesToHex3(signatureG1ToBytes(point));
        }
      },
      LongSignature: {
        fromBytes(bytes) {
          return signatureG2FromBytes(abytes5(bytes));
        },
        fromHex(hex) {
          return signatureG2FromBytes(hexToBytes3(hex));
        },
        toBytes(point) {
          return signatureG2ToBytes(point);
        },
        // Historical alias: BLS signatures have a single compressed byte format here.
        toRawBytes(point) {
          return signatureG2ToBytes(point);
        },
        toHex(point) {
          return bytesToHex3(signatureG2ToBytes(point));
        }
      }
    };
    fields = {
      Fp,
      Fp2,
      Fp6,
      Fp12,
      Fr: bls12_381_Fr
    };
    G1_Point = weierstrass2(bls12_381_CURVE_G1, {
      // Public point APIs still accept infinity, even though the Zcash proof
      // encoding rules cited above only define nonzero point encodings.
      allowInfinityPoint: true,
      Fn: bls12_381_Fr,
      fromBytes: g1.point.decode,
      toBytes: (_c, point, isComp) => g1.point.encode(point, isComp),
      // Checks is the point resides in prime-order subgroup.
      // point.isTorsionFree() should return true for valid points
      // It returns false for shitty points.
      // https://eprint.iacr.org/2021/1130.pdf
      isTorsionFree: (c, point) => {
        const beta = BigInt("0x5f19672fdf76ce51ba69c6076a0f77eaddb3a93be6f89688de17d813620a00022e01fffffffefffe");
        const phi = new c(Fp.mul(point.X, beta), point.Y, point.Z);
        const xP = point.multiplyUnsafe(BLS_X).negate();
        const u2P = xP.multiplyUnsafe(BLS_X);
        return u2P.equals(phi);
      },
      // Clear cofactor of G1
      // https://eprint.iacr.org/2019/403
      clearCofactor: (_c, point) => {
        return point.multiplyUnsafe(BLS_X).add(point);
      }
    });
    G2_Point = weierstrass2(bls12_381_CURVE_G2, {
      Fp: Fp2,
      // Public point APIs still accept infinity, even though the Zcash proof
      // encoding rules cited above only define nonzero point encodings.
      allowInfinityPoint: true,
      Fn: bls12_381_Fr,
      fromBytes: g2.point.decode,
      toBytes: (_c, point, isComp) => g2.point.encode(point, isComp),
      // https://eprint.iacr.org/2021/1130.pdf
      // Older version: https://eprint.iacr.org/2019/814.pdf
      isTorsionFree: (c, P3) => {
        return P3.multiplyUnsafe(BLS_X).negate().equals(G2psi(c, P3));
      },
      // clear_cofactor_bls12381_g2 from RFC 9380.
      // https://eprint.iacr.org/2017/419.pdf
      // prettier-ignore
      clearCofactor: (c, P3) => {
        const x = BLS_X;
        let t1 = P3.multiplyUnsafe(x).negate();
        let t2 = G2psi(c, P3);
        let t3 = P3.double();
        t3 = G2psi2(c, t3);
        t3 = t3.subtract(t2);
        t2 = t1.add(t2);
        t2 = t2.multiplyUnsafe(x).negate();
        t3 = t3.add(t2);
        t3 = t3.subtract(t1);
        const Q2 = t3.subtract(P3);
        return Q2;
      }
    });
    bls12_hasher_opts = {
      mapToG1,
      mapToG2,
      hasherOpts: hasher_opts,
      // RFC 9380 Appendix J defines distinct G1/G2 RO and NU suite IDs, and
      // draft-irtf-cfrg-bls-signature-06 §4.2.1 gives separate G1/G2 `_NUL_` DSTs.
      // Keep G1 encode-to-curve on the G1 domain instead of inheriting G2's `encodeDST`.
      hasherOptsG1: {
        ...hasher_opts,
        m: 1,
        DST: "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_",
        encodeDST: "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
      },
      hasherOptsG2: { ...hasher_opts }
    };
    bls12_params = {
      ateLoopSize: BLS_X,
      // The BLS parameter x for BLS12-381
      xNegative: true,
      twistType: "multiplicative",
      randomBytes: randomBytes5
    };
    bls12_381 = bls(fields, G1_Point, G2_Point, bls12_params, bls12_hasher_opts, signatureCoders);
    isogenyMapG2 = isogenyMap(Fp2, [
      // xNum
      [
        [
          "0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6",
          "0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6"
        ],
        [
          "0x0",
          "0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71a"
        ],
        [
          "0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71e",
          "0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38d"
        ],
        [
          "0x171d6541fa38ccfaed6dea691f5fb614cb14b4e7f4e810aa22d6108f142b85757098e38d0f671c7188e2aaaaaaaa5ed1",
          "0x0"
        ]
      ],
      // xDen
      [
        [
          "0x0",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa63"
        ],
        [
          "0xc",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa9f"
        ],
        ["0x1", "0x0"]
        // LAST 1
      ],
      // yNum
      [
        [
          "0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706",
          "0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706"
        ],
        [
          "0x0",
          "0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97be"
        ],
        [
          "0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71c",
          "0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38f"
        ],
        [
          "0x124c9ad43b6cf79bfbf7043de3811ad0761b0f37a1e26286b0e977c69aa274524e79097a56dc4bd9e1b371c71c718b10",
          "0x0"
        ]
      ],
      // yDen
      [
        [
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb"
        ],
        [
          "0x0",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa9d3"
        ],
        [
          "0x12",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa99"
        ],
        ["0x1", "0x0"]
        // LAST 1
      ]
    ].map((i) => i.map((pair) => Fp2.fromBigTuple(pair.map(BigInt)))));
    isogenyMapG1 = isogenyMap(Fp, [
      // xNum
      [
        "0x11a05f2b1e833340b809101dd99815856b303e88a2d7005ff2627b56cdb4e2c85610c2d5f2e62d6eaeac1662734649b7",
        "0x17294ed3e943ab2f0588bab22147a81c7c17e75b2f6a8417f565e33c70d1e86b4838f2a6f318c356e834eef1b3cb83bb",
        "0xd54005db97678ec1d1048c5d10a9a1bce032473295983e56878e501ec68e25c958c3e3d2a09729fe0179f9dac9edcb0",
        "0x1778e7166fcc6db74e0609d307e55412d7f5e4656a8dbf25f1b33289f1b330835336e25ce3107193c5b388641d9b6861",
        "0xe99726a3199f4436642b4b3e4118e5499db995a1257fb3f086eeb65982fac18985a286f301e77c451154ce9ac8895d9",
        "0x1630c3250d7313ff01d1201bf7a74ab5db3cb17dd952799b9ed3ab9097e68f90a0870d2dcae73d19cd13c1c66f652983",
        "0xd6ed6553fe44d296a3726c38ae652bfb11586264f0f8ce19008e218f9c86b2a8da25128c1052ecaddd7f225a139ed84",
        "0x17b81e7701abdbe2e8743884d1117e53356de5ab275b4db1a682c62ef0f2753339b7c8f8c8f475af9ccb5618e3f0c88e",
        "0x80d3cf1f9a78fc47b90b33563be990dc43b756ce79f5574a2c596c928c5d1de4fa295f296b74e956d71986a8497e317",
        "0x169b1f8e1bcfa7c42e0c37515d138f22dd2ecb803a0c5c99676314baf4bb1b7fa3190b2edc0327797f241067be390c9e",
        "0x10321da079ce07e272d8ec09d2565b0dfa7dccdde6787f96d50af36003b14866f69b771f8c285decca67df3f1605fb7b",
        "0x6e08c248e260e70bd1e962381edee3d31d79d7e22c837bc23c0bf1bc24c6b68c24b1b80b64d391fa9c8ba2e8ba2d229"
      ],
      // xDen
      [
        "0x8ca8d548cff19ae18b2e62f4bd3fa6f01d5ef4ba35b48ba9c9588617fc8ac62b558d681be343df8993cf9fa40d21b1c",
        "0x12561a5deb559c4348b4711298e536367041e8ca0cf0800c0126c2588c48bf5713daa8846cb026e9e5c8276ec82b3bff",
        "0xb2962fe57a3225e8137e629bff2991f6f89416f5a718cd1fca64e00b11aceacd6a3d0967c94fedcfcc239ba5cb83e19",
        "0x3425581a58ae2fec83aafef7c40eb545b08243f16b1655154cca8abc28d6fd04976d5243eecf5c4130de8938dc62cd8",
        "0x13a8e162022914a80a6f1d5f43e7a07dffdfc759a12062bb8d6b44e833b306da9bd29ba81f35781d539d395b3532a21e",
        "0xe7355f8e4e667b955390f7f0506c6e9395735e9ce9cad4d0a43bcef24b8982f7400d24bc4228f11c02df9a29f6304a5",
        "0x772caacf16936190f3e0c63e0596721570f5799af53a1894e2e073062aede9cea73b3538f0de06cec2574496ee84a3a",
        "0x14a7ac2a9d64a8b230b3f5b074cf01996e7f63c21bca68a81996e1cdf9822c580fa5b9489d11e2d311f7d99bbdcc5a5e",
        "0xa10ecf6ada54f825e920b3dafc7a3cce07f8d1d7161366b74100da67f39883503826692abba43704776ec3a79a1d641",
        "0x95fc13ab9e92ad4476d6e3eb3a56680f682b4ee96f7d03776df533978f31c1593174e4b4b7865002d6384d168ecdd0a",
        "0x000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
        // LAST 1
      ],
      // yNum
      [
        "0x90d97c81ba24ee0259d1f094980dcfa11ad138e48a869522b52af6c956543d3cd0c7aee9b3ba3c2be9845719707bb33",
        "0x134996a104ee5811d51036d776fb46831223e96c254f383d0f906343eb67ad34d6c56711962fa8bfe097e75a2e41c696",
        "0xcc786baa966e66f4a384c86a3b49942552e2d658a31ce2c344be4b91400da7d26d521628b00523b8dfe240c72de1f6",
        "0x1f86376e8981c217898751ad8746757d42aa7b90eeb791c09e4a3ec03251cf9de405aba9ec61deca6355c77b0e5f4cb",
        "0x8cc03fdefe0ff135caf4fe2a21529c4195536fbe3ce50b879833fd221351adc2ee7f8dc099040a841b6daecf2e8fedb",
        "0x16603fca40634b6a2211e11db8f0a6a074a7d0d4afadb7bd76505c3d3ad5544e203f6326c95a807299b23ab13633a5f0",
        "0x4ab0b9bcfac1bbcb2c977d027796b3ce75bb8ca2be184cb5231413c4d634f3747a87ac2460f415ec961f8855fe9d6f2",
        "0x987c8d5333ab86fde9926bd2ca6c674170a05bfe3bdd81ffd038da6c26c842642f64550fedfe935a15e4ca31870fb29",
        "0x9fc4018bd96684be88c9e221e4da1bb8f3abd16679dc26c1e8b6e6a1f20cabe69d65201c78607a360370e577bdba587",
        "0xe1bba7a1186bdb5223abde7ada14a23c42a0ca7915af6fe06985e7ed1e4d43b9b3f7055dd4eba6f2bafaaebca731c30",
        "0x19713e47937cd1be0dfd0b8f1d43fb93cd2fcbcb6caf493fd1183e416389e61031bf3a5cce3fbafce813711ad011c132",
        "0x18b46a908f36f6deb918c143fed2edcc523559b8aaf0c2462e6bfe7f911f643249d9cdf41b44d606ce07c8a4d0074d8e",
        "0xb182cac101b9399d155096004f53f447aa7b12a3426b08ec02710e807b4633f06c851c1919211f20d4c04f00b971ef8",
        "0x245a394ad1eca9b72fc00ae7be315dc757b3b080d4c158013e6632d3c40659cc6cf90ad1c232a6442d9d3f5db980133",
        "0x5c129645e44cf1102a159f748c4a3fc5e673d81d7e86568d9ab0f5d396a7ce46ba1049b6579afb7866b1e715475224b",
        "0x15e6be4e990f03ce4ea50b3b42df2eb5cb181d8f84965a3957add4fa95af01b2b665027efec01c7704b456be69c8b604"
      ],
      // yDen
      [
        "0x16112c4c3a9c98b252181140fad0eae9601a6de578980be6eec3232b5be72e7a07f3688ef60c206d01479253b03663c1",
        "0x1962d75c2381201e1a0cbd6c43c348b885c84ff731c4d59ca4a10356f453e01f78a4260763529e3532f6102c2e49a03d",
        "0x58df3306640da276faaae7d6e8eb15778c4855551ae7f310c35a5dd279cd2eca6757cd636f96f891e2538b53dbf67f2",
        "0x16b7d288798e5395f20d23bf89edb4d1d115c5dbddbcd30e123da489e726af41727364f2c28297ada8d26d98445f5416",
        "0xbe0e079545f43e4b00cc912f8228ddcc6d19c9f0f69bbb0542eda0fc9dec916a20b15dc0fd2ededda39142311a5001d",
        "0x8d9e5297186db2d9fb266eaac783182b70152c65550d881c5ecd87b6f0f5a6449f38db9dfa9cce202c6477faaf9b7ac",
        "0x166007c08a99db2fc3ba8734ace9824b5eecfdfa8d0cf8ef5dd365bc400a0051d5fa9c01a58b1fb93d1a1399126a775c",
        "0x16a3ef08be3ea7ea03bcddfabba6ff6ee5a4375efa1f4fd7feb34fd206357132b920f5b00801dee460ee415a15812ed9",
        "0x1866c8ed336c61231a1be54fd1d74cc4f9fb0ce4c6af5920abc5750c4bf39b4852cfe2f7bb9248836b233d9d55535d4a",
        "0x167a55cda70a6e1cea820597d94a84903216f763e13d87bb5308592e7ea7d4fbc7385ea3d529b35e346ef48bb8913f55",
        "0x4d2f259eea405bd48f010a01ad2911d9c6dd039bb61a6290e591b36e636a5c871a5c29f4f83060400f8b49cba8f6aa8",
        "0xaccbb67481d033ff5852c1e48c50c477f94ff8aefce42d28c0f9a88cea7913516f968986f7ebbea9684b529e2561092",
        "0xad6b9514c767fe3c3613144b45f1496543346d98adf02267d5ceef9a00d9b8693000763e3b90ac11e99b138573345cc",
        "0x2660400eb2e4f3b628bdd0d53cd76f2bf565b94e72927c1cb748df27942480e420517bd8714cc80d1fadc1326ed06f7",
        "0xe0fa1d816ddc03e6b24255e0d7819c171c40f65e273b853324efcd6356caa205ca2f570f13497804415473a1d634b8f",
        "0x000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
        // LAST 1
      ]
    ].map((i) => i.map((j) => BigInt(j))));
    getG1_SWU = () => G1_SWU || (G1_SWU = mapToCurveSimpleSWU2(Fp, {
      A: Fp.create(BigInt("0x144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d8e8981aefd881ac98936f8da0e0f97f5cf428082d584c1d")),
      B: Fp.create(BigInt("0x12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e172be0")),
      Z: Fp.create(BigInt(11))
    }));
    getG2_SWU = () => G2_SWU || (G2_SWU = mapToCurveSimpleSWU2(Fp2, {
      // SWU map for the RFC 9380 §8.8.2 pre-isogeny G2 curve E':
      // y² = x³ + 240i * x + 1012 + 1012i
      A: Fp2.create({ c0: Fp.create(_0n18), c1: Fp.create(BigInt(240)) }),
      // A' = 240 * I
      B: Fp2.create({ c0: Fp.create(BigInt(1012)), c1: Fp.create(BigInt(1012)) }),
      // B' = 1012 * (1 + I)
      Z: Fp2.create({ c0: Fp.create(BigInt(-2)), c1: Fp.create(BigInt(-1)) })
      // Z: -(2 + I)
    }));
  }
});

// src/identity/pop.ts
var pop_exports = {};
__export(pop_exports, {
  POP_DST: () => POP_DST,
  proofOfPossession: () => proofOfPossession
});
function proofOfPossession(sk, publicKey) {
  return bls12_381.longSignatures.hash(publicKey, POP_DST).multiply(sk).toBytes(true);
}
var POP_DST;
var init_pop = __esm({
  "src/identity/pop.ts"() {
    "use strict";
    init_bls12_381();
    POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
  }
});

// src/operations/verify.ts
var verify_exports = {};
__export(verify_exports, {
  checkOffline: () => checkOffline,
  filesAsOnNode: () => filesAsOnNode,
  verifyBackup: () => verifyBackup
});
async function verifyBackup(settings, log, connect2) {
  const { files } = await openSource(settings.source, log);
  const { registration, expected } = settings.network.apiUrl ? await (await Promise.resolve().then(() => (init_network(), network_exports))).askNetwork(settings.network, settings.expected, log) : { registration: { state: "not-asked" }, expected: settings.expected };
  const report = await checkOffline(files, expected, settings.proofOfPossession, log);
  if (settings.live) {
    const live = settings.live;
    const target = { connect: connect2(live, log), node: live.node, apiUrl: live.apiUrl };
    const { verifyOnHost: verifyOnHost2 } = await Promise.resolve().then(() => (init_verify_live(), verify_live_exports));
    await verifyOnHost2(report, filesAsOnNode(files), target, log);
  }
  for (const c of report.checks.filter((c2) => c2.status === "warn"))
    log.warning(`${c.title}: ${c.detail ?? c.found ?? ""}`);
  return { mode: "verify", ok: report.ok, report, expected, live: !!settings.live, registration };
}
async function checkOffline(files, expected, proofOfPossession2, log) {
  return log.group("Check the backup offline", async () => {
    const { report, parsed } = checkIdentity(files, expected);
    for (const c of report.checks) {
      const mark = { pass: "ok  ", fail: "FAIL", skip: "skip", warn: "warn" }[c.status];
      const tail = c.status === "pass" ? c.found ? `: ${c.found}` : "" : c.detail ? `: ${c.detail}` : "";
      log.info(`${mark}  ${c.title}${tail}`);
    }
    if (proofOfPossession2 && parsed.signer !== void 0 && report.blsPublicKey) {
      const { proofOfPossession: proofOfPossession3 } = await Promise.resolve().then(() => (init_pop(), pop_exports));
      const pk = Buffer.from(report.blsPublicKey.slice(2), "hex");
      report.proofOfPossession = toHex0x(proofOfPossession3(parsed.signer, pk));
    }
    return report;
  });
}
function filesAsOnNode(files) {
  const { parsed } = checkIdentity(files, {});
  const signer = files["signer.key"];
  return {
    "staker.crt": parsed.certificate?.pem,
    "staker.key": parsed.key?.pem,
    "signer.key": signer instanceof Uint8Array ? signer : void 0
  };
}
var init_verify = __esm({
  "src/operations/verify.ts"() {
    "use strict";
    init_bls();
    init_checks();
    init_source();
  }
});

// src/node/journal.ts
function parseJournal(text) {
  const j = {
    lockHeld: false,
    old: {},
    new: {},
    files: {},
    steps: [],
    answers: [],
    failures: [],
    lines: 0
  };
  const lines = text.split("\n");
  lines.pop();
  for (const line of lines) {
    j.lines++;
    const e = eventOf(line);
    if (e) apply(j, e.at, e.event, e.rest);
  }
  return j;
}
function eventOf(line) {
  const m = /^(\d+) (\S+) ?(.*)$/.exec(line);
  return m ? { at: Number(m[1]), event: m[2], rest: m[3] } : void 0;
}
function apply(j, at, event, rest) {
  const [a, b] = rest.split(" ");
  switch (event) {
    case "run":
      j.run = a;
      break;
    case "pid":
      j.pid = Number(a);
      break;
    case "lock":
      j.lockHeld = a === "held";
      break;
    case "active-before":
      j.activeBefore = a === "yes";
      break;
    case "old":
    case "new":
      if (isFile(a) && b) {
        if (event === "old") j.old[a] = b === "-" ? null : b;
        else j.new[a] = b;
      }
      break;
    case "file":
      if (isFile(a) && (b === "new" || b === "old" || b === "removed")) j.files[a] = b;
      break;
    case "step":
      step(j, at, a ?? "", b ?? "");
      break;
    case "answer":
      if (a) {
        const step2 = j.steps.at(-1)?.name;
        j.answers.push({
          nodeId: a,
          ...b && b !== "-" ? { bls: b } : {},
          ...step2 ? { step: step2 } : {}
        });
      }
      break;
    case "fail":
      j.failures.push(rest);
      break;
    case "end":
      if (a && RESULTS.includes(a))
        j.end = { result: a, detail: rest.slice(a.length + 1), at };
      break;
  }
}
function step(j, at, name2, what) {
  if (what === "begin") {
    j.steps.push({ name: name2, status: "running", beganAt: at });
    return;
  }
  const s = [...j.steps].reverse().find((x) => x.name === name2 && x.status === "running");
  if (s && (what === "done" || what === "failed")) {
    s.status = what;
    s.endedAt = at;
  }
}
var RESULTS, isFile, STEP_TITLES;
var init_journal = __esm({
  "src/node/journal.ts"() {
    "use strict";
    init_errors2();
    RESULTS = ["restored", "rolled-back", "refused", "stuck", "recovered"];
    isFile = (s) => STAKING_FILES.includes(s ?? "");
    STEP_TITLES = {
      stop: "Stop the node",
      swap: "Swap the files",
      start: "Start the node",
      check: "Check the NodeID",
      rollback: "Roll back",
      restart: "Start the node again",
      recheck: "Check the previous NodeID"
    };
  }
});

// src/settings/keystore-users.ts
function parseKeystoreUsers(text, fail) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    throw fail('keystore-users must be JSON: [{"username": "\u2026", "password": "\u2026"}, \u2026]');
  }
  if (!Array.isArray(v) || !v.every(
    (u) => u && typeof u.username === "string" && u.username && typeof u.password === "string"
  )) {
    throw fail('keystore-users must be a JSON list of {"username": "\u2026", "password": "\u2026"}');
  }
  return v.map((u) => ({ username: u.username, password: u.password }));
}
var init_keystore_users = __esm({
  "src/settings/keystore-users.ts"() {
    "use strict";
  }
});

// src/node/keystore.ts
async function keystoreAvailability(api) {
  let version = "";
  try {
    version = (await api.rpc("/ext/info", "info.getNodeVersion")).version ?? "";
  } catch {
  }
  const v = /(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number);
  if (v && compare2(v, REMOVED_IN) >= 0) {
    return {
      available: false,
      why: `${version} has no Keystore API (removed in v1.12.2): there are no keystore users to carry`
    };
  }
  try {
    await api.rpc("/ext/keystore", "keystore.listUsers");
    return { available: true };
  } catch (e) {
    if (e instanceof RpcUnavailable) {
      return {
        available: false,
        why: `${version || "the node"} does not serve the Keystore API (not started with --api-keystore-enabled): there are no keystore users to carry`
      };
    }
    throw e;
  }
}
async function exportUsers(api, users) {
  const out2 = [];
  for (const u of users) {
    try {
      const r = await api.rpc("/ext/keystore", "keystore.exportUser", {
        username: u.username,
        password: u.password,
        encoding: "hex"
      });
      out2.push({ username: u.username, user: r.user, encoding: r.encoding ?? "hex" });
    } catch (e) {
      throw new Error(`keystore.exportUser for '${u.username}' failed: ${e.message}`);
    }
  }
  return out2;
}
async function importUsers(api, exports2, users) {
  const done = [];
  for (const x of exports2) {
    const cred = users.find((u) => u.username === x.username);
    if (!cred)
      throw new Error(`keystore-users has no password for '${x.username}', which the archive holds`);
    try {
      await api.rpc("/ext/keystore", "keystore.importUser", {
        username: x.username,
        password: cred.password,
        user: x.user,
        encoding: x.encoding
      });
      done.push(x.username);
    } catch (e) {
      const msg = e.message;
      if (/already exists/i.test(msg)) done.push(`${x.username} (already there)`);
      else throw new Error(`keystore.importUser for '${x.username}' failed: ${msg}`);
    }
  }
  return done;
}
function compare2(a, b) {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
var REMOVED_IN;
var init_keystore = __esm({
  "src/node/keystore.ts"() {
    "use strict";
    init_api();
    init_keystore_users();
    REMOVED_IN = [1, 12, 2];
  }
});

// src/node/transaction.ts
function stateDirOf(host) {
  return host.runsAsRoot ? stateDirFor(host.stakingDir) : "";
}
function previousDirOf(host, runId) {
  const state = stateDirOf(host);
  return state ? `${state}/previous-${runId}` : `${host.stakingDir}.previous-${runId}`;
}
function lockFile(host, facts) {
  const id = sha256Hex(Buffer.from(host.stakingDir)).slice(0, 12);
  const dir = host.runsAsRoot ? ROOT_LOCK_DIR : facts.lockDir ?? "/tmp";
  return `${dir}/avalanche-node-backup-${id}.lock`;
}
function environment(host, facts, values) {
  const all = {
    ANB_DIR: host.stakingDir,
    ANB_LOGIN_USER: host.switchToLoginUser,
    ANB_SERVICE: host.settings.serviceName,
    ANB_STOP: host.settings.stopCommand ?? "",
    ANB_START: host.settings.startCommand ?? "",
    ANB_LOCK: lockFile(host, facts),
    ANB_STATE: stateDirOf(host),
    ...values
  };
  return `env ${Object.entries(all).map(([k, v]) => sh(`${k}=${v}`)).join(" ")}`;
}
async function launchTransaction(host, plan) {
  const previousDir = previousDirOf(host, plan.runId);
  const env = environment(host, plan.facts, {
    ANB_RUN: plan.runId,
    ANB_PREV: previousDir,
    ANB_WAIT: String(plan.waitSeconds),
    ANB_LOCK_WAIT: String(plan.lockWaitSeconds),
    ANB_NODE_ID: plan.nodeId,
    ANB_BLS: plan.blsPublicKey,
    ANB_OLD_NODE_ID: plan.previousNodeId ?? "",
    ANB_API: plan.apiUrl.origin,
    ANB_OLD: hashes((f) => plan.facts.files[f].sha256),
    ANB_NEW: hashes((f) => sha256Hex(plan.files[f]))
  });
  const start = (
    // Two restores may make root's directories at once: a mkdir that loses the race is fine when
    // a real directory (not a link) is
    // there; otherwise mkdir again, for its message.
    `umask 022 && { [ -z "$ANB_STATE" ] || { mkdir -m 755 ${ROOT_STATE_DIR} 2>/dev/null || [ -d ${ROOT_STATE_DIR} ] && [ ! -L ${ROOT_STATE_DIR} ] || mkdir -m 755 ${ROOT_STATE_DIR}; } && { mkdir -m 755 "$ANB_STATE" 2>/dev/null || [ -d "$ANB_STATE" ] && [ ! -L "$ANB_STATE" ] || mkdir -m 755 "$ANB_STATE"; }; } && mkdir -m 750 "$ANB_PREV" && { [ ! -d "$ANB_DIR" ] || chgrp "$(stat -c %g "$ANB_DIR")" "$ANB_PREV"; } && cat > "$ANB_PREV/restore.sh" && { setsid -f sh "$ANB_PREV/restore.sh" run </dev/null >/dev/null 2>&1 || { setsid sh "$ANB_PREV/restore.sh" run </dev/null >/dev/null 2>&1 & }; }`
  );
  const r = await host.run(
    `${host.rootPrefix}${env} sh -c ${sh(start)}`,
    Buffer.from(restoreTransactionScript)
  );
  if (r.code !== 0)
    throw new HostError(
      `starting the restore on ${host.transport.label} failed (nothing was changed): ${r.stderr.trim()}`
    );
  return { previousDir, journalPath: import_node_path3.posix.join(previousDir, "restore.journal") };
}
async function recoverUnfinished(host, facts) {
  const env = environment(host, facts, { ANB_WAIT: "60", ANB_LOCK_WAIT: "60" });
  const r = await host.run(`${host.rootPrefix}${env} sh -s recover`, Buffer.from(restoreTransactionScript));
  const lines = r.stdout.toString().split("\n").filter(Boolean);
  if (r.code !== 0 || lines.some((l) => l.startsWith("stuck") || l === "busy"))
    throw new HostError(
      `an earlier restore on ${host.transport.label} did not finish, and putting its previous files back failed (${lines.join("; ") || r.stderr.trim()}). Look at its journal (${facts.openJournals.map((j) => j.path).join(", ")}) and put the files named there back by hand before restoring again.`
    );
  return lines;
}
function compareFiles2(facts, old, fresh) {
  const now = (f) => facts.files[f].sha256 ?? (facts.files[f].exists ? "unreadable" : null);
  const isNew = (f) => now(f) === fresh[f];
  const isOld = (f) => now(f) === old[f];
  const set = STAKING_FILES.every(isNew) ? "new" : STAKING_FILES.every(isOld) ? "old" : "mixed";
  const word = (f) => isNew(f) && isOld(f) ? "same in both" : isNew(f) ? "new" : isOld(f) ? "previous" : now(f) === null ? "missing" : "neither";
  return { set, detail: STAKING_FILES.map((f) => `${f} ${word(f)}`).join(", ") };
}
var import_node_path3, ROOT_LOCK_DIR, hashes;
var init_transaction = __esm({
  "src/node/transaction.ts"() {
    "use strict";
    import_node_path3 = require("node:path");
    init_errors2();
    init_transport();
    init_node_host();
    init_host_scripts();
    ROOT_LOCK_DIR = "/run/avalanche-node-backup";
    hashes = (f) => (
      // The program's order: staker.crt staker.key signer.key.
      ["staker.crt", "staker.key", "signer.key"].map((x) => f(x) ?? "-").join(" ")
    );
  }
});

// src/operations/steps.ts
var Steps;
var init_steps = __esm({
  "src/operations/steps.ts"() {
    "use strict";
    init_log();
    Steps = class {
      constructor(log) {
        this.log = log;
      }
      log;
      records = [];
      async step(name2, fn) {
        const started = performance.now();
        let detail;
        const note = (d) => {
          detail = d;
          this.log.info(d);
        };
        try {
          const value = await this.log.group(name2, () => fn(note));
          this.records.push({
            name: name2,
            status: "done",
            ms: Math.round(performance.now() - started),
            ...detail ? { detail } : {}
          });
          return value;
        } catch (e) {
          this.records.push({
            name: name2,
            status: "failed",
            ms: Math.round(performance.now() - started),
            detail: errorMessage(e)
          });
          throw e;
        }
      }
      skipped(name2, detail) {
        this.records.push({ name: name2, status: "skipped", ms: 0, detail });
      }
    };
  }
});

// src/operations/restore-watch.ts
function pollCommandFor(w, pid) {
  const read2 = `p=${sh(w.journalPath)}; if [ -r "$p" ]; then cat "$p"; else ${w.host.canSudo ? 'sudo -n cat "$p" 2>/dev/null; ' : ""}true; fi`;
  if (!pid || !Number.isInteger(pid)) return read2;
  return `${read2}; if grep -q restore.sh /proc/${pid}/cmdline 2>/dev/null; then echo @@alive; else echo @@gone; fi`;
}
async function watchTransaction(w) {
  const feed = new JournalFeed(w);
  for (; ; ) {
    const e = await feed.next();
    if (e.event === "end") break;
    if (e.event === "step" && e.rest.endsWith(" begin")) {
      await stepGroup(w.log, feed, e.rest.split(" ")[0]);
      continue;
    }
    logEvent(w.log, e);
  }
  const journal = parseJournal(feed.text);
  recordSteps(w.steps, journal);
  return journal;
}
async function stepGroup(log, feed, name2) {
  await log.group(STEP_TITLES[name2] ?? name2, async () => {
    for (; ; ) {
      const e = await feed.next();
      const [step2, what] = e.rest.split(" ");
      if (e.event === "end" || e.event === "step" && what === "begin") return feed.unread(e);
      if (e.event === "step" && step2 === name2) return log.info(what === "done" ? "done" : "failed");
      logEvent(log, e);
    }
  });
}
function logEvent(log, e) {
  const [a, b] = e.rest.split(" ");
  switch (e.event) {
    case "file":
      return log.info(
        `${a}: ${b === "new" ? "the new file is in place" : b === "old" ? "the previous file is back" : "removed (there was none before)"}`
      );
    case "answer":
      return log.info(`the node answers ${a}${b && b !== "-" ? `, BLS ${b}` : ""}`);
    case "fail":
      return log.info(e.rest);
    case "lock":
      return log.debug("holding the host restore lock");
    default:
      return log.debug(`journal: ${e.event} ${e.rest}`);
  }
}
function recordSteps(steps, journal) {
  journal.steps.forEach((s, i) => {
    const end = s.endedAt ?? journal.steps[i + 1]?.beganAt ?? journal.end?.at ?? s.beganAt;
    steps.records.push({
      name: STEP_TITLES[s.name] ?? s.name,
      status: s.status === "done" ? "done" : "failed",
      ms: Math.max(0, end - s.beganAt)
    });
  });
}
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
var ProgramGone, Cancelled, POLL_MS, START_MS, JournalFeed;
var init_restore_watch = __esm({
  "src/operations/restore-watch.ts"() {
    "use strict";
    init_transport();
    init_journal();
    ProgramGone = class extends Error {
      name = "ProgramGone";
    };
    Cancelled = class extends Error {
      name = "Cancelled";
    };
    POLL_MS = 50;
    START_MS = 2e4;
    JournalFeed = class {
      constructor(w) {
        this.w = w;
        this.until = this.started + w.lockWaitMs + w.workMs;
      }
      w;
      pending = [];
      seen = 0;
      text = "";
      started = Date.now();
      /** Until when we keep watching (and reconnecting): later once the host holds the lock. */
      until;
      unread(e) {
        this.pending.unshift(e);
      }
      async next() {
        for (; ; ) {
          const e = this.pending.shift();
          if (e) return e;
          if (this.w.signal?.aborted) throw new Cancelled("cancelled");
          if (Date.now() > this.until)
            throw new Error(
              `the host did not report the restore's end in time (${Math.round((Date.now() - this.started) / 1e3)} s)`
            );
          if (this.seen === 0 && Date.now() - this.started > START_MS)
            throw new Error(
              `the host-side restore wrote nothing to ${this.w.journalPath} in ${START_MS / 1e3} s`
            );
          await this.poll();
        }
      }
      pollCommand() {
        return pollCommandFor(this.w, this.pid);
      }
      /** The program's pid, once the journal names it. */
      pid;
      /** Polls since the program was last seen alive without an end line. */
      goneFor = 0;
      async poll() {
        let text;
        try {
          text = (await this.w.host.run(this.pollCommand())).stdout.toString();
        } catch (e) {
          return this.w.reconnect(e, this.until);
        }
        this.goneFor = text.endsWith("@@gone\n") && !/^\d+ end /m.test(text) ? this.goneFor + 1 : 0;
        if (this.goneFor >= 2)
          throw new ProgramGone("the restore program on the host stopped before it ended");
        text = text.replace(/@@(alive|gone)\n$/, "");
        const lines = text.split("\n");
        lines.pop();
        for (const line of lines.slice(this.seen)) {
          const e = eventOf(line);
          if (e) this.pending.push(e);
          if (e?.event === "lock") this.until = Date.now() + this.w.workMs;
          if (e?.event === "pid") this.pid = Number(e.rest);
        }
        this.seen = Math.max(this.seen, lines.length);
        this.text = lines.join("\n") + "\n";
        if (!this.pending.length) await sleep(POLL_MS, this.w.signal);
      }
    };
  }
});

// src/operations/restore.ts
var restore_exports = {};
__export(restore_exports, {
  howToCheck: () => howToCheck,
  restore: () => restore,
  restoreBackup: () => restoreBackup
});
function finished(r) {
  const { ok, nodeId, blsPublicKey: blsPublicKey2, cause, recovery, ...common } = r;
  if (ok && nodeId && blsPublicKey2 && cause === void 0)
    return { ...common, ok: true, nodeId, blsPublicKey: blsPublicKey2 };
  return {
    ...common,
    ok: false,
    ...nodeId ? { nodeId } : {},
    ...blsPublicKey2 ? { blsPublicKey: blsPublicKey2 } : {},
    cause: cause ?? "the node did not prove the restored identity",
    ...recovery ? { recovery } : {}
  };
}
async function restoreBackup(settings, log, connect2, signal) {
  const { files, keystore } = await openSource(settings.source, log);
  const users = settings.keystoreUsers;
  if (keystore.length && !users)
    log.warning(
      `the archive holds keystore users (${keystore.map((x) => x.username).join(", ")}); give keystore-users with their passwords to import them.`
    );
  const asked = await askNetwork(settings.network, settings.expected, log);
  const network = restoreNetworkChecks(settings.network, settings.host.target, log);
  const host = settings.host;
  const outcome = await restore(
    {
      files,
      expected: { ...asked.expected, nodeId: settings.expected.nodeId },
      ...network ? { network } : {},
      connect: connect2(host, log),
      node: host.node,
      apiUrl: host.apiUrl,
      waitTimeoutMs: host.waitTimeoutMs,
      force: host.force,
      lockWaitSeconds: 60,
      ...keystore.length && users ? { keystore: { exports: keystore, users } } : {},
      ...signal ? { signal } : {}
    },
    log
  );
  return { ...outcome, registration: asked.registration };
}
async function restore(req, log) {
  return finished(await restoreRecord(req, log));
}
async function restoreRecord(req, log) {
  const steps = new Steps(log);
  const { report, parsed } = checkIdentity(req.files, req.expected);
  const outcome = {
    mode: "restore",
    ok: false,
    registration: { state: "not-asked" },
    identity: report,
    changed: false,
    hostState: "unchanged",
    nodeAsked: false,
    expectedNodeId: req.expected.nodeId,
    steps: steps.records
  };
  const failed = failedChecks(report);
  if (failed.length || !parsed.certificate || !parsed.key || !(req.files["signer.key"] instanceof Uint8Array)) {
    steps.skipped("Check the backup", failed.map((c) => c.detail).join("; "));
    steps.records[0].status = "failed";
    outcome.cause = `The backup does not pass its checks; nothing on the host was touched:
${failed.map((c) => `- ${c.title}: ${c.detail}`).join("\n")}`;
    return outcome;
  }
  steps.records.push({
    name: "Check the backup",
    status: "done",
    ms: 0,
    detail: `${report.nodeId}, ${report.keyType}`
  });
  const want = {
    nodeId: report.nodeId,
    bls: report.blsPublicKey,
    bytes: {
      "staker.crt": parsed.certificate.pem,
      "staker.key": parsed.key.pem,
      "signer.key": req.files["signer.key"]
    }
  };
  let transport;
  try {
    transport = await steps.step("Connect", async (note) => {
      const t = await req.connect();
      note(`connected to ${t.label}`);
      return t;
    });
  } catch (e) {
    outcome.cause = `${errorMessage(e)}
Nothing on the host was changed.`;
    return outcome;
  }
  outcome.host = transport.label;
  const run = new RestoreRun(req, log, steps, outcome, new NodeHost(transport, req.node), want);
  try {
    await run.perform();
  } catch (e) {
    outcome.cause ??= errorMessage(e);
  } finally {
    await run.host.transport.close();
  }
  return outcome;
}
function describeHost(facts, current) {
  const files = STAKING_FILES.map((f) => {
    const x = facts.files[f];
    return x.exists ? `${f} ${x.owner} ${x.mode}` : `${f} missing`;
  }).join(", ");
  return `node ${current ? `reports ${current.nodeID}` : "does not answer"}; ${facts.stakingDir}: ${facts.dirExists ? files : "missing"}; node user ${facts.nodeUser}`;
}
function alreadyRestored(facts, want, current) {
  const same2 = STAKING_FILES.every((f) => facts.files[f].sha256 === sha256Hex(want.bytes[f]));
  return same2 && current?.nodeID === want.nodeId && (!current.nodePOP || current.nodePOP.publicKey === want.bls);
}
function failureText(journal, files, answer, wanted, o, host) {
  const other = journal.answers.find((a) => a.step === "check" && a.nodeId !== wanted);
  const why = other ? `the node started with NodeID ${other.nodeId}, not ${wanted}: it did not take the restored files` : journal.failures[0] ?? journal.end?.detail ?? "the host-side restore gave no reason";
  const then = journal.failures.slice(other ? 0 : 1).filter((f) => !/^the node answers/.test(f));
  const node = answer ? `the node answers ${answer.nodeID}` : "the node does not answer";
  const previous = answer && answer.nodeID === o.previousNodeId ? " (the previous identity)" : "";
  const state = o.hostState === "unchanged" ? !o.changed ? `Nothing on the host was changed by this run: ${node}.` : journal.activeBefore === false ? `The previous files were put back; the node was not running before and was left stopped.` : `The previous files were put back and the node started again: ${node}${previous}.` : `Measured afterwards: ${files.detail}; ${node}. ${files.set === "mixed" ? "The files are a MIX of the two sets: do not start the node on them." : ""}`;
  const recovery = [
    o.changed && o.previousFiles ? `A copy of the previous files stays in ${o.previousFiles}.` : "",
    o.hostState === "needs-attention" ? howToCheck(host, o.journal ?? "") : ""
  ].filter(Boolean);
  return {
    cause: `${why}
${then.length ? `Then: ${then.join("; ")}.
` : ""}${state}`,
    ...recovery.length ? { recovery: recovery.join("\n") } : {}
  };
}
function howToCheck(host, journalPath) {
  const api = `curl -s -H 'content-type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}' http://127.0.0.1:9650/ext/info`;
  return [
    `To see how it ended, on ${host.transport.label}:`,
    `  sudo tail -n 3 ${journalPath}     (the last line: end restored | end rolled-back | end stuck \u2026)`,
    `  ${api}`,
    `If the journal has no 'end' line and no restore.sh process runs, run this restore again: it puts the previous files back first.`
  ].join("\n");
}
var import_node_crypto6, RECONNECT_FOR_MS, RestoreRun;
var init_restore = __esm({
  "src/operations/restore.ts"() {
    "use strict";
    import_node_crypto6 = require("node:crypto");
    init_errors2();
    init_checks();
    init_transport();
    init_log();
    init_api();
    init_journal();
    init_keystore();
    init_node_host();
    init_transaction();
    init_identity_location();
    init_steps();
    init_restore_watch();
    init_network();
    init_source();
    RECONNECT_FOR_MS = 3e4;
    RestoreRun = class {
      constructor(req, log, steps, outcome, host, want) {
        this.req = req;
        this.log = log;
        this.steps = steps;
        this.outcome = outcome;
        this.host = host;
        this.want = want;
        this.nodeApi = new NodeApi(host.transport, req.apiUrl, log);
      }
      req;
      log;
      steps;
      outcome;
      host;
      want;
      nodeApi;
      runId = `${(/* @__PURE__ */ new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${(0, import_node_crypto6.randomBytes)(3).toString("hex")}`;
      /** One API client per connection (it remembers whether forwarding works there). */
      api() {
        if (this.nodeApi.transport !== this.host.transport)
          this.nodeApi = new NodeApi(this.host.transport, this.req.apiUrl, this.log);
        return this.nodeApi;
      }
      async perform() {
        const { facts, current } = await this.steps.step("Look at the host", (note) => this.look(note));
        this.outcome.previousNodeId = current?.nodeID;
        if (alreadyRestored(facts, this.want, current) && !this.req.force)
          return this.nothingToDo(current);
        await this.steps.step("Upload", (note) => this.upload(facts, note));
        let launched;
        try {
          if (this.req.signal?.aborted)
            throw new HostError(
              "The job was cancelled before the host was changed; nothing was started there."
            );
          launched = await launchTransaction(this.host, {
            runId: this.runId,
            files: this.want.bytes,
            facts,
            nodeId: this.want.nodeId,
            blsPublicKey: this.want.bls,
            ...current ? { previousNodeId: current.nodeID } : {},
            apiUrl: this.req.apiUrl,
            waitSeconds: Math.ceil(this.req.waitTimeoutMs / 1e3),
            lockWaitSeconds: this.req.lockWaitSeconds
          });
        } catch (e) {
          await this.host.removeStaged(this.runId).catch(() => void 0);
          throw e;
        }
        this.outcome.previousFiles = launched.previousDir;
        this.outcome.journal = launched.journalPath;
        await this.follow(facts, launched);
      }
      async look(note) {
        await this.host.locate();
        this.outcome.identityLocation = this.host.locationText;
        note(`identity: ${this.host.locationText}`);
        const refusal = this.host.location && restoreRefusal(this.host.location);
        if (refusal) throw new HostError(`${refusal} Nothing was changed.`);
        const network = await this.refuseIfRunningElsewhere();
        let facts = await this.host.inspectAsNeeded();
        await this.host.checkPermissions();
        if (facts.missingTools.length)
          throw new HostError(
            `${this.host.transport.label} lacks ${facts.missingTools.join(", ")}, which a restore runs there (util-linux, coreutils, curl or wget). Install them and run again; nothing was changed.`
          );
        facts = await this.waitForOtherRestore(facts);
        const recovered = facts.openJournals.length > 0;
        if (recovered) {
          this.log.warning(
            `${this.host.transport.label} has a restore that did not finish (${facts.openJournals.map((j) => j.path).join(", ")}): the host probably lost power during it. Putting its previous files back first.`
          );
          note((await recoverUnfinished(this.host, facts)).join("; "));
          facts = await this.host.inspectAsNeeded();
        }
        const current = recovered ? await this.answerWithin(this.req.waitTimeoutMs) : await this.api().getNodeId();
        this.outcome.nodeAsked = true;
        note([describeHost(facts, current), network].filter(Boolean).join("; "));
        return { facts, current };
      }
      /**
       * One NodeID in one place (network-api, old-hosts): asked before anything on the host changes,
       * even the rollback of a restore a power loss left unfinished.
       */
      async refuseIfRunningElsewhere() {
        if (!this.req.network) return void 0;
        const now = await this.api().getNodeId();
        return this.req.network.refuseIfRunningElsewhere(this.want.nodeId, now?.nodeID);
      }
      /** The node's answer, waiting for it up to a time (a node just started again). */
      async answerWithin(ms) {
        const until = Date.now() + ms;
        for (; ; ) {
          const a = await this.api().getNodeId();
          if (a || Date.now() > until || this.req.signal?.aborted) return a;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      /** Another restore running on the host: wait for its end (what it did is what we must look at). */
      async waitForOtherRestore(facts) {
        const until = Date.now() + this.req.lockWaitSeconds * 1e3;
        let running = facts.openJournals.find((j) => j.state === "running");
        if (running)
          this.log.info(
            `another restore is running here (journal ${running.path}): waiting for it to end`
          );
        while (running) {
          if (Date.now() > until || this.req.signal?.aborted)
            throw new HostError(
              `another restore is running on ${this.host.transport.label} (journal ${running.path}); waited ${this.req.lockWaitSeconds} s. Let it finish, then run again; nothing was changed.`
            );
          await new Promise((r) => setTimeout(r, 200));
          facts = await this.host.inspectAsNeeded();
          running = facts.openJournals.find((j) => j.state === "running");
        }
        return facts;
      }
      async nothingToDo(current) {
        this.steps.skipped(
          "Restore",
          "the host already has these files and the node reports the expected identity; nothing to do (force: true restarts anyway)"
        );
        this.log.info(
          `${this.host.transport.label} already runs ${this.want.nodeId} from byte-identical files: no restart.`
        );
        Object.assign(this.outcome, {
          ok: true,
          hostState: "restored",
          nodeId: current.nodeID,
          blsPublicKey: current.nodePOP?.publicKey ?? this.want.bls
        });
        await this.afterProven();
      }
      async upload(facts, note) {
        if (!facts.dirExists) await this.host.makeStakingDir();
        try {
          await Promise.all(STAKING_FILES.map((f) => this.host.upload(f, this.want.bytes[f], this.runId)));
        } catch (e) {
          await (e instanceof ConnectionLost ? this.reconnectIfLost(e) : Promise.resolve()).then(() => this.host.removeStaged(this.runId)).catch(() => void 0);
          throw e;
        }
        note(
          `3 files written to ${this.host.stakingDir}/.*.new-${this.runId} (0400, owner ${facts.nodeUser}), sha256 verified on the host`
        );
      }
      /** Watches the host-side journal to its end, then measures the host and says what it found. */
      async follow(before, launched) {
        let journal;
        try {
          journal = await watchTransaction({
            host: this.host,
            journalPath: launched.journalPath,
            log: this.log,
            steps: this.steps,
            lockWaitMs: this.req.lockWaitSeconds * 1e3,
            // The node's wait, forward and after a rollback (at least 30 s there), and stopping and
            // starting it.
            workMs: this.req.waitTimeoutMs + Math.max(this.req.waitTimeoutMs, 3e4) + 45e3,
            reconnect: (e, until) => this.reconnectIfLost(e, until),
            ...this.req.signal ? { signal: this.req.signal } : {}
          });
        } catch (e) {
          if (!(e instanceof ProgramGone)) return this.lostSight(e, launched);
          journal = await this.finishForIt(launched);
        }
        if (!journal.steps.some((s) => s.name === "stop")) {
          await this.host.run(`${this.host.rootPrefix}rm -rf ${sh(launched.previousDir)}`);
          delete this.outcome.previousFiles;
        }
        if (journal.end?.result === "refused" && /host-changed/.test(journal.failures.join(" "))) {
          const facts = await this.host.inspectAsNeeded();
          const current = await this.api().getNodeId();
          if (alreadyRestored(facts, this.want, current)) return this.nothingToDo(current);
        }
        await this.measure(before, journal);
        if (this.outcome.hostState === "restored") await this.afterProven();
      }
      /** The identity is proven: the keystore users, then (wait-healthy) the node's health. */
      async afterProven() {
        await this.importKeystore();
        const network = this.req.network;
        if (!network?.waitsForHealth) return;
        this.outcome.health = await this.steps.step("Wait for health", (note) => network.waitHealthy(this.api(), note)).catch((e) => {
          this.log.warning(`the node's health could not be read: ${errorMessage(e)}`);
          return void 0;
        });
      }
      /**
       * The host-side program died without an end (killed, or its session ended): finish its journal
       * from here as the next run would (proven: kept; otherwise the previous files back), then read it.
       */
      async finishForIt(launched) {
        this.log.warning(
          `the restore program on ${this.host.transport.label} stopped before it ended (killed, or its session was ended); finishing it from here.`
        );
        const done = await recoverUnfinished(this.host, await this.host.inspectAsNeeded());
        this.log.info(done.join("; "));
        if (this.outcome.previousNodeId) await this.answerWithin(this.req.waitTimeoutMs);
        const p = sh(launched.journalPath);
        const r = await this.host.run(`if [ -r ${p} ]; then cat ${p}; else sudo -n cat ${p}; fi`);
        const journal = parseJournal(r.stdout.toString());
        journal.failures.unshift(
          `the restore program on the host stopped before it ended; finished from here (${done.join("; ")})`
        );
        return journal;
      }
      /** The end as measured: files compared by hash with both sets, the node's own answer. */
      async measure(before, journal) {
        const facts = await this.host.inspectAsNeeded();
        const answer = await this.api().getNodeId();
        const old = Object.fromEntries(
          STAKING_FILES.map((f) => [f, before.files[f].sha256 ?? null])
        );
        const fresh = Object.fromEntries(
          STAKING_FILES.map((f) => [f, sha256Hex(this.want.bytes[f])])
        );
        const files = compareFiles2(facts, old, fresh);
        const o = this.outcome;
        o.changed = journal.steps.some((s) => s.name === "stop");
        const proven = answer?.nodeID === this.want.nodeId && (!answer.nodePOP || answer.nodePOP.publicKey === this.want.bls);
        const stop = journal.steps.find((s) => s.name === "stop");
        const check = journal.steps.find((s) => s.name === "check" && s.status === "done");
        if (files.set === "new" && proven) {
          if (!answer.nodePOP)
            this.log.warning(
              `the node does not report nodePOP (avalanchego before v1.8.6): only the NodeID was checked, not the BLS key.`
            );
          Object.assign(o, {
            ok: true,
            hostState: "restored",
            nodeId: answer.nodeID,
            blsPublicKey: answer.nodePOP?.publicKey ?? this.want.bls
          });
          if (stop && check?.endedAt) o.downtimeMs = check.endedAt - stop.beganAt;
          return;
        }
        const asBefore = files.set === "old" && (!o.previousNodeId || answer?.nodeID === o.previousNodeId);
        o.hostState = asBefore || !o.changed ? "unchanged" : "needs-attention";
        Object.assign(o, failureText(journal, files, answer, this.want.nodeId, o, this.host));
      }
      lostSight(e, launched) {
        const o = this.outcome;
        o.hostState = "unknown";
        o.changed = true;
        const why = e instanceof Cancelled ? "The job was cancelled while the restore ran on the host." : `Lost sight of the restore running on the host: ${errorMessage(e)}.`;
        o.cause = `${why} The host finishes it on its own: the new identity proven, or every previous file put back and the node started again.`;
        o.recovery = howToCheck(this.host, launched.journalPath);
      }
      async importKeystore() {
        const ks = this.req.keystore;
        if (!ks?.exports.length) return;
        await this.steps.step("Import keystore users", async (note) => {
          const availability = await keystoreAvailability(this.api());
          if (!availability.available) return note(availability.why);
          note(`imported ${(await importUsers(this.api(), ks.exports, ks.users)).join(", ")}`);
        }).catch((e) => {
          this.outcome.ok = false;
          this.outcome.cause = `The node runs the restored identity, but importing the keystore users failed: ${errorMessage(e)}`;
        });
      }
      async reconnectIfLost(e, until = Date.now() + RECONNECT_FOR_MS) {
        if (!(e instanceof ConnectionLost)) throw e;
        for (; ; ) {
          try {
            this.host.transport = await this.req.connect();
            this.log.warning(`${errorMessage(e)}; reconnected.`);
            return;
          } catch (again) {
            if (Date.now() > until || this.req.signal?.aborted)
              throw new Error(`${errorMessage(e)}, and reconnecting failed: ${errorMessage(again)}`);
            await new Promise((r) => setTimeout(r, 1e3));
          }
        }
      }
    };
  }
});

// src/operations/backup.ts
var backup_exports = {};
__export(backup_exports, {
  takeBackup: () => takeBackup
});
async function takeBackup(settings, log, connector) {
  refuseOccupied(settings.store);
  const steps = new Steps(log);
  const base = {
    mode: "backup",
    steps: steps.records,
    expected: settings.expected,
    registration: { state: "not-asked" }
  };
  const connect2 = connector(settings.host, log);
  let transport;
  try {
    transport = await steps.step("Connect", async (note) => {
      const t = await connect2();
      note(`connected to ${t.label}`);
      return t;
    });
    base.host = transport.label;
    const host = new NodeHost(transport, settings.host.node);
    const files = await steps.step("Read the files", (note) => readFiles(host, base, note));
    hideFiles(files, log);
    const expected = await withRegistration(settings, files, steps, base, log);
    base.expected = expected;
    const report = await steps.step("Check the files", async (note) => {
      const { report: report2 } = checkIdentity(files, expected);
      base.report = report2;
      const failed = failedChecks(report2);
      if (failed.length || !report2.nodeId || !report2.blsPublicKey || !report2.keyType)
        throw new Error(
          `the files on the host do not pass their checks:
${failed.map((c) => `- ${c.title}: ${c.detail}`).join("\n")}`
        );
      note(`${report2.nodeId}, ${report2.keyType}, BLS ${report2.blsPublicKey}`);
      return {
        ...report2,
        nodeId: report2.nodeId,
        blsPublicKey: report2.blsPublicKey,
        keyType: report2.keyType
      };
    });
    const api = new NodeApi(transport, settings.host.apiUrl, log);
    await steps.step(
      "Compare with the live node",
      (note) => compareWithNode(api, settings, report, log, note)
    );
    const keystore = await exportKeystore(api, settings, steps);
    const identity = {
      nodeId: report.nodeId,
      blsPublicKey: report.blsPublicKey,
      keyType: report.keyType
    };
    await steps.step(
      "Store the backup",
      async (note) => note(await store(settings.store, files, identity, base.host ?? "this machine", keystore))
    );
    return {
      ...base,
      ok: true,
      report,
      identity,
      stored: settings.store,
      keystoreUsers: keystore.map((k) => k.username)
    };
  } catch (e) {
    return { ...base, ok: false, cause: errorMessage(e) };
  } finally {
    await transport?.close();
  }
}
function refuseOccupied(store2) {
  if (store2.kind === "directory" && (0, import_node_fs2.existsSync)(store2.path) && (0, import_node_fs2.readdirSync)(store2.path).length > 0)
    throw new InputError(
      "--out: the directory exists and is not empty: give a new directory (nothing is written over)."
    );
  if (store2.kind === "archive" && (0, import_node_fs2.existsSync)(store2.path))
    throw new InputError(
      "archive-path: a file exists there: give a new file (nothing is written over)."
    );
}
async function exportKeystore(api, settings, steps) {
  const users = settings.keystoreUsers;
  if (!users?.length) return [];
  return steps.step("Export keystore users", async (note) => {
    const availability = await keystoreAvailability(api);
    if (!availability.available) {
      note(availability.why);
      return [];
    }
    const exported = await exportUsers(api, users);
    note(`exported ${exported.map((k) => k.username).join(", ")}`);
    return exported;
  });
}
async function store(target, files, identity, host, keystore) {
  if (target.kind === "archive") {
    const manifest = { ...identity, takenAt: (/* @__PURE__ */ new Date()).toISOString(), host };
    const bytes = await sealArchive(files, manifest, target.recipients, keystore);
    try {
      (0, import_node_fs2.writeFileSync)(target.path, bytes, { mode: 384, flag: "wx" });
    } catch (e) {
      throw new Error(`storing the archive failed: ${fileErrorMessage(e, "archive-path")}`);
    }
    return `${target.path}: ${bytes.length} bytes, encrypted to ${target.recipients.length} age recipient(s)`;
  }
  try {
    (0, import_node_fs2.mkdirSync)(target.path, { recursive: true, mode: 448 });
    (0, import_node_fs2.chmodSync)(target.path, 448);
    for (const f of STAKING_FILES)
      (0, import_node_fs2.writeFileSync)((0, import_node_path4.join)(target.path, f), files[f], { mode: 384, flag: "wx" });
  } catch (e) {
    throw new Error(fileErrorMessage(e, "cannot write into --out"));
  }
  return `${target.path}/ (directory 0700, files 0600)`;
}
async function withRegistration(settings, taken, steps, base, log) {
  const nodeId = settings.expected.nodeId ?? checkIdentity(taken, {}).report.nodeId;
  if (!settings.network.apiUrl || !nodeId) return settings.expected;
  const registration = await steps.step("Ask the network", async (note) => {
    const r = await askRegistration(settings.network, nodeId, log);
    note(r.state === "unknown" ? r.why : `${nodeId}: ${r.state}`);
    return r;
  });
  base.registration = registration;
  const key = registeredKey(registration);
  return key ? { ...settings.expected, registeredBlsPublicKey: key } : settings.expected;
}
async function readFiles(host, outcome, note) {
  await host.locate();
  outcome.identityLocation = host.locationText;
  note(`identity: ${host.locationText}`);
  const notFiles = host.location && backupRefusal(host.location);
  if (notFiles) throw new HostError(notFiles);
  const open = openRestoreNotice(await host.inspectAsNeeded());
  if (open) throw new HostError(`not taken: ${open}`);
  const read2 = {};
  for (const f of STAKING_FILES) read2[f] = await host.readStakingFile(f);
  note(`${STAKING_FILES.join(", ")} read from ${host.stakingDir}`);
  return read2;
}
async function compareWithNode(api, settings, report, log, note) {
  const live = await api.getNodeId();
  if (!live) {
    const msg = `the node's API (${settings.host.apiUrl.href} on the host) does not answer, so these files cannot be shown to be the ones it runs`;
    if (!settings.host.force)
      throw new Error(`${msg}. Start the node, or set force to take them anyway.`);
    log.warning(`${msg}; taken anyway (force).`);
    return;
  }
  const disagreements = [
    live.nodeID !== report.nodeId ? `the node reports NodeID ${live.nodeID}, the files give ${report.nodeId}` : "",
    live.nodePOP && live.nodePOP.publicKey !== report.blsPublicKey ? `the node reports BLS key ${live.nodePOP.publicKey}, signer.key gives ${report.blsPublicKey}` : ""
  ].filter(Boolean);
  if (disagreements.length)
    throw new Error(
      `not a good backup: ${disagreements.join("; ")}. The node may have regenerated its keys, or run from another staking directory. Nothing was stored.`
    );
  if (!live.nodePOP)
    log.warning("the node does not report nodePOP (before v1.8.6): only the NodeID was compared.");
  note(`the node runs these files: ${live.nodeID}`);
}
var import_node_fs2, import_node_path4;
var init_backup = __esm({
  "src/operations/backup.ts"() {
    "use strict";
    init_errors2();
    init_checks();
    init_log();
    init_api();
    init_keystore();
    init_identity_location();
    init_node_host();
    init_steps();
    init_network();
    import_node_fs2 = require("node:fs");
    import_node_path4 = require("node:path");
    init_errors();
    init_archive();
    init_source();
  }
});

// src/operations/probe.ts
var probe_exports = {};
__export(probe_exports, {
  probe: () => probe
});
async function probe(settings, log) {
  const { targets, timeoutMs } = settings;
  return log.group(
    `Probe ${targets.length} staking port${targets.length > 1 ? "s" : ""}`,
    async () => {
      const client = throwawayClientCertificate();
      const nodes = await Promise.all(
        targets.map(async (t) => {
          const a = await probeStakingPort(t.host, t.port, client, timeoutMs);
          const row2 = {
            ...a,
            ...t.expected ? { expected: t.expected } : {},
            ...a.nodeId && t.expected ? { match: a.nodeId === t.expected } : {}
          };
          log.info(
            `${t.host}:${t.port}  ${a.nodeId ?? `unreachable: ${a.error}`}${row2.match === false ? `  (expected ${t.expected})` : ""}${a.tlsMs !== void 0 ? `  ${a.tlsMs} ms` : ""}`
          );
          return row2;
        })
      );
      return { mode: "probe", ok: nodes.every((n) => n.nodeId && n.match !== false), nodes };
    }
  );
}
var init_probe = __esm({
  "src/operations/probe.ts"() {
    "use strict";
    init_staking_port();
  }
});

// node_modules/asn1/lib/ber/errors.js
var require_errors = __commonJS({
  "node_modules/asn1/lib/ber/errors.js"(exports2, module2) {
    module2.exports = {
      newInvalidAsn1Error: function(msg) {
        var e = new Error();
        e.name = "InvalidAsn1Error";
        e.message = msg || "";
        return e;
      }
    };
  }
});

// node_modules/asn1/lib/ber/types.js
var require_types = __commonJS({
  "node_modules/asn1/lib/ber/types.js"(exports2, module2) {
    module2.exports = {
      EOC: 0,
      Boolean: 1,
      Integer: 2,
      BitString: 3,
      OctetString: 4,
      Null: 5,
      OID: 6,
      ObjectDescriptor: 7,
      External: 8,
      Real: 9,
      // float
      Enumeration: 10,
      PDV: 11,
      Utf8String: 12,
      RelativeOID: 13,
      Sequence: 16,
      Set: 17,
      NumericString: 18,
      PrintableString: 19,
      T61String: 20,
      VideotexString: 21,
      IA5String: 22,
      UTCTime: 23,
      GeneralizedTime: 24,
      GraphicString: 25,
      VisibleString: 26,
      GeneralString: 28,
      UniversalString: 29,
      CharacterString: 30,
      BMPString: 31,
      Constructor: 32,
      Context: 128
    };
  }
});

// node_modules/safer-buffer/safer.js
var require_safer = __commonJS({
  "node_modules/safer-buffer/safer.js"(exports2, module2) {
    "use strict";
    var buffer = require("buffer");
    var Buffer2 = buffer.Buffer;
    var safer = {};
    var key;
    for (key in buffer) {
      if (!buffer.hasOwnProperty(key)) continue;
      if (key === "SlowBuffer" || key === "Buffer") continue;
      safer[key] = buffer[key];
    }
    var Safer = safer.Buffer = {};
    for (key in Buffer2) {
      if (!Buffer2.hasOwnProperty(key)) continue;
      if (key === "allocUnsafe" || key === "allocUnsafeSlow") continue;
      Safer[key] = Buffer2[key];
    }
    safer.Buffer.prototype = Buffer2.prototype;
    if (!Safer.from || Safer.from === Uint8Array.from) {
      Safer.from = function(value, encodingOrOffset, length) {
        if (typeof value === "number") {
          throw new TypeError('The "value" argument must not be of type number. Received type ' + typeof value);
        }
        if (value && typeof value.length === "undefined") {
          throw new TypeError("The first argument must be one of type string, Buffer, ArrayBuffer, Array, or Array-like Object. Received type " + typeof value);
        }
        return Buffer2(value, encodingOrOffset, length);
      };
    }
    if (!Safer.alloc) {
      Safer.alloc = function(size, fill, encoding) {
        if (typeof size !== "number") {
          throw new TypeError('The "size" argument must be of type number. Received type ' + typeof size);
        }
        if (size < 0 || size >= 2 * (1 << 30)) {
          throw new RangeError('The value "' + size + '" is invalid for option "size"');
        }
        var buf = Buffer2(size);
        if (!fill || fill.length === 0) {
          buf.fill(0);
        } else if (typeof encoding === "string") {
          buf.fill(fill, encoding);
        } else {
          buf.fill(fill);
        }
        return buf;
      };
    }
    if (!safer.kStringMaxLength) {
      try {
        safer.kStringMaxLength = process.binding("buffer").kStringMaxLength;
      } catch (e) {
      }
    }
    if (!safer.constants) {
      safer.constants = {
        MAX_LENGTH: safer.kMaxLength
      };
      if (safer.kStringMaxLength) {
        safer.constants.MAX_STRING_LENGTH = safer.kStringMaxLength;
      }
    }
    module2.exports = safer;
  }
});

// node_modules/asn1/lib/ber/reader.js
var require_reader = __commonJS({
  "node_modules/asn1/lib/ber/reader.js"(exports2, module2) {
    var assert = require("assert");
    var Buffer2 = require_safer().Buffer;
    var ASN1 = require_types();
    var errors = require_errors();
    var newInvalidAsn1Error = errors.newInvalidAsn1Error;
    function Reader(data) {
      if (!data || !Buffer2.isBuffer(data))
        throw new TypeError("data must be a node Buffer");
      this._buf = data;
      this._size = data.length;
      this._len = 0;
      this._offset = 0;
    }
    Object.defineProperty(Reader.prototype, "length", {
      enumerable: true,
      get: function() {
        return this._len;
      }
    });
    Object.defineProperty(Reader.prototype, "offset", {
      enumerable: true,
      get: function() {
        return this._offset;
      }
    });
    Object.defineProperty(Reader.prototype, "remain", {
      get: function() {
        return this._size - this._offset;
      }
    });
    Object.defineProperty(Reader.prototype, "buffer", {
      get: function() {
        return this._buf.slice(this._offset);
      }
    });
    Reader.prototype.readByte = function(peek) {
      if (this._size - this._offset < 1)
        return null;
      var b = this._buf[this._offset] & 255;
      if (!peek)
        this._offset += 1;
      return b;
    };
    Reader.prototype.peek = function() {
      return this.readByte(true);
    };
    Reader.prototype.readLength = function(offset) {
      if (offset === void 0)
        offset = this._offset;
      if (offset >= this._size)
        return null;
      var lenB = this._buf[offset++] & 255;
      if (lenB === null)
        return null;
      if ((lenB & 128) === 128) {
        lenB &= 127;
        if (lenB === 0)
          throw newInvalidAsn1Error("Indefinite length not supported");
        if (lenB > 4)
          throw newInvalidAsn1Error("encoding too long");
        if (this._size - offset < lenB)
          return null;
        this._len = 0;
        for (var i = 0; i < lenB; i++)
          this._len = (this._len << 8) + (this._buf[offset++] & 255);
      } else {
        this._len = lenB;
      }
      return offset;
    };
    Reader.prototype.readSequence = function(tag) {
      var seq = this.peek();
      if (seq === null)
        return null;
      if (tag !== void 0 && tag !== seq)
        throw newInvalidAsn1Error("Expected 0x" + tag.toString(16) + ": got 0x" + seq.toString(16));
      var o = this.readLength(this._offset + 1);
      if (o === null)
        return null;
      this._offset = o;
      return seq;
    };
    Reader.prototype.readInt = function() {
      return this._readTag(ASN1.Integer);
    };
    Reader.prototype.readBoolean = function() {
      return this._readTag(ASN1.Boolean) === 0 ? false : true;
    };
    Reader.prototype.readEnumeration = function() {
      return this._readTag(ASN1.Enumeration);
    };
    Reader.prototype.readString = function(tag, retbuf) {
      if (!tag)
        tag = ASN1.OctetString;
      var b = this.peek();
      if (b === null)
        return null;
      if (b !== tag)
        throw newInvalidAsn1Error("Expected 0x" + tag.toString(16) + ": got 0x" + b.toString(16));
      var o = this.readLength(this._offset + 1);
      if (o === null)
        return null;
      if (this.length > this._size - o)
        return null;
      this._offset = o;
      if (this.length === 0)
        return retbuf ? Buffer2.alloc(0) : "";
      var str2 = this._buf.slice(this._offset, this._offset + this.length);
      this._offset += this.length;
      return retbuf ? str2 : str2.toString("utf8");
    };
    Reader.prototype.readOID = function(tag) {
      if (!tag)
        tag = ASN1.OID;
      var b = this.readString(tag, true);
      if (b === null)
        return null;
      var values = [];
      var value = 0;
      for (var i = 0; i < b.length; i++) {
        var byte = b[i] & 255;
        value <<= 7;
        value += byte & 127;
        if ((byte & 128) === 0) {
          values.push(value);
          value = 0;
        }
      }
      value = values.shift();
      values.unshift(value % 40);
      values.unshift(value / 40 >> 0);
      return values.join(".");
    };
    Reader.prototype._readTag = function(tag) {
      assert.ok(tag !== void 0);
      var b = this.peek();
      if (b === null)
        return null;
      if (b !== tag)
        throw newInvalidAsn1Error("Expected 0x" + tag.toString(16) + ": got 0x" + b.toString(16));
      var o = this.readLength(this._offset + 1);
      if (o === null)
        return null;
      if (this.length > 4)
        throw newInvalidAsn1Error("Integer too long: " + this.length);
      if (this.length > this._size - o)
        return null;
      this._offset = o;
      var fb = this._buf[this._offset];
      var value = 0;
      for (var i = 0; i < this.length; i++) {
        value <<= 8;
        value |= this._buf[this._offset++] & 255;
      }
      if ((fb & 128) === 128 && i !== 4)
        value -= 1 << i * 8;
      return value >> 0;
    };
    module2.exports = Reader;
  }
});

// node_modules/asn1/lib/ber/writer.js
var require_writer = __commonJS({
  "node_modules/asn1/lib/ber/writer.js"(exports2, module2) {
    var assert = require("assert");
    var Buffer2 = require_safer().Buffer;
    var ASN1 = require_types();
    var errors = require_errors();
    var newInvalidAsn1Error = errors.newInvalidAsn1Error;
    var DEFAULT_OPTS = {
      size: 1024,
      growthFactor: 8
    };
    function merge(from, to) {
      assert.ok(from);
      assert.equal(typeof from, "object");
      assert.ok(to);
      assert.equal(typeof to, "object");
      var keys = Object.getOwnPropertyNames(from);
      keys.forEach(function(key) {
        if (to[key])
          return;
        var value = Object.getOwnPropertyDescriptor(from, key);
        Object.defineProperty(to, key, value);
      });
      return to;
    }
    function Writer(options) {
      options = merge(DEFAULT_OPTS, options || {});
      this._buf = Buffer2.alloc(options.size || 1024);
      this._size = this._buf.length;
      this._offset = 0;
      this._options = options;
      this._seq = [];
    }
    Object.defineProperty(Writer.prototype, "buffer", {
      get: function() {
        if (this._seq.length)
          throw newInvalidAsn1Error(this._seq.length + " unended sequence(s)");
        return this._buf.slice(0, this._offset);
      }
    });
    Writer.prototype.writeByte = function(b) {
      if (typeof b !== "number")
        throw new TypeError("argument must be a Number");
      this._ensure(1);
      this._buf[this._offset++] = b;
    };
    Writer.prototype.writeInt = function(i, tag) {
      if (typeof i !== "number")
        throw new TypeError("argument must be a Number");
      if (typeof tag !== "number")
        tag = ASN1.Integer;
      var sz = 4;
      while (((i & 4286578688) === 0 || (i & 4286578688) === 4286578688 >> 0) && sz > 1) {
        sz--;
        i <<= 8;
      }
      if (sz > 4)
        throw newInvalidAsn1Error("BER ints cannot be > 0xffffffff");
      this._ensure(2 + sz);
      this._buf[this._offset++] = tag;
      this._buf[this._offset++] = sz;
      while (sz-- > 0) {
        this._buf[this._offset++] = (i & 4278190080) >>> 24;
        i <<= 8;
      }
    };
    Writer.prototype.writeNull = function() {
      this.writeByte(ASN1.Null);
      this.writeByte(0);
    };
    Writer.prototype.writeEnumeration = function(i, tag) {
      if (typeof i !== "number")
        throw new TypeError("argument must be a Number");
      if (typeof tag !== "number")
        tag = ASN1.Enumeration;
      return this.writeInt(i, tag);
    };
    Writer.prototype.writeBoolean = function(b, tag) {
      if (typeof b !== "boolean")
        throw new TypeError("argument must be a Boolean");
      if (typeof tag !== "number")
        tag = ASN1.Boolean;
      this._ensure(3);
      this._buf[this._offset++] = tag;
      this._buf[this._offset++] = 1;
      this._buf[this._offset++] = b ? 255 : 0;
    };
    Writer.prototype.writeString = function(s, tag) {
      if (typeof s !== "string")
        throw new TypeError("argument must be a string (was: " + typeof s + ")");
      if (typeof tag !== "number")
        tag = ASN1.OctetString;
      var len2 = Buffer2.byteLength(s);
      this.writeByte(tag);
      this.writeLength(len2);
      if (len2) {
        this._ensure(len2);
        this._buf.write(s, this._offset);
        this._offset += len2;
      }
    };
    Writer.prototype.writeBuffer = function(buf, tag) {
      if (typeof tag !== "number")
        throw new TypeError("tag must be a number");
      if (!Buffer2.isBuffer(buf))
        throw new TypeError("argument must be a buffer");
      this.writeByte(tag);
      this.writeLength(buf.length);
      this._ensure(buf.length);
      buf.copy(this._buf, this._offset, 0, buf.length);
      this._offset += buf.length;
    };
    Writer.prototype.writeStringArray = function(strings) {
      if (!strings instanceof Array)
        throw new TypeError("argument must be an Array[String]");
      var self2 = this;
      strings.forEach(function(s) {
        self2.writeString(s);
      });
    };
    Writer.prototype.writeOID = function(s, tag) {
      if (typeof s !== "string")
        throw new TypeError("argument must be a string");
      if (typeof tag !== "number")
        tag = ASN1.OID;
      if (!/^([0-9]+\.){3,}[0-9]+$/.test(s))
        throw new Error("argument is not a valid OID string");
      function encodeOctet(bytes2, octet) {
        if (octet < 128) {
          bytes2.push(octet);
        } else if (octet < 16384) {
          bytes2.push(octet >>> 7 | 128);
          bytes2.push(octet & 127);
        } else if (octet < 2097152) {
          bytes2.push(octet >>> 14 | 128);
          bytes2.push((octet >>> 7 | 128) & 255);
          bytes2.push(octet & 127);
        } else if (octet < 268435456) {
          bytes2.push(octet >>> 21 | 128);
          bytes2.push((octet >>> 14 | 128) & 255);
          bytes2.push((octet >>> 7 | 128) & 255);
          bytes2.push(octet & 127);
        } else {
          bytes2.push((octet >>> 28 | 128) & 255);
          bytes2.push((octet >>> 21 | 128) & 255);
          bytes2.push((octet >>> 14 | 128) & 255);
          bytes2.push((octet >>> 7 | 128) & 255);
          bytes2.push(octet & 127);
        }
      }
      var tmp = s.split(".");
      var bytes = [];
      bytes.push(parseInt(tmp[0], 10) * 40 + parseInt(tmp[1], 10));
      tmp.slice(2).forEach(function(b) {
        encodeOctet(bytes, parseInt(b, 10));
      });
      var self2 = this;
      this._ensure(2 + bytes.length);
      this.writeByte(tag);
      this.writeLength(bytes.length);
      bytes.forEach(function(b) {
        self2.writeByte(b);
      });
    };
    Writer.prototype.writeLength = function(len2) {
      if (typeof len2 !== "number")
        throw new TypeError("argument must be a Number");
      this._ensure(4);
      if (len2 <= 127) {
        this._buf[this._offset++] = len2;
      } else if (len2 <= 255) {
        this._buf[this._offset++] = 129;
        this._buf[this._offset++] = len2;
      } else if (len2 <= 65535) {
        this._buf[this._offset++] = 130;
        this._buf[this._offset++] = len2 >> 8;
        this._buf[this._offset++] = len2;
      } else if (len2 <= 16777215) {
        this._buf[this._offset++] = 131;
        this._buf[this._offset++] = len2 >> 16;
        this._buf[this._offset++] = len2 >> 8;
        this._buf[this._offset++] = len2;
      } else {
        throw newInvalidAsn1Error("Length too long (> 4 bytes)");
      }
    };
    Writer.prototype.startSequence = function(tag) {
      if (typeof tag !== "number")
        tag = ASN1.Sequence | ASN1.Constructor;
      this.writeByte(tag);
      this._seq.push(this._offset);
      this._ensure(3);
      this._offset += 3;
    };
    Writer.prototype.endSequence = function() {
      var seq = this._seq.pop();
      var start = seq + 3;
      var len2 = this._offset - start;
      if (len2 <= 127) {
        this._shift(start, len2, -2);
        this._buf[seq] = len2;
      } else if (len2 <= 255) {
        this._shift(start, len2, -1);
        this._buf[seq] = 129;
        this._buf[seq + 1] = len2;
      } else if (len2 <= 65535) {
        this._buf[seq] = 130;
        this._buf[seq + 1] = len2 >> 8;
        this._buf[seq + 2] = len2;
      } else if (len2 <= 16777215) {
        this._shift(start, len2, 1);
        this._buf[seq] = 131;
        this._buf[seq + 1] = len2 >> 16;
        this._buf[seq + 2] = len2 >> 8;
        this._buf[seq + 3] = len2;
      } else {
        throw newInvalidAsn1Error("Sequence too long");
      }
    };
    Writer.prototype._shift = function(start, len2, shift) {
      assert.ok(start !== void 0);
      assert.ok(len2 !== void 0);
      assert.ok(shift);
      this._buf.copy(this._buf, start + shift, start, start + len2);
      this._offset += shift;
    };
    Writer.prototype._ensure = function(len2) {
      assert.ok(len2);
      if (this._size - this._offset < len2) {
        var sz = this._size * this._options.growthFactor;
        if (sz - this._offset < len2)
          sz += len2;
        var buf = Buffer2.alloc(sz);
        this._buf.copy(buf, 0, 0, this._offset);
        this._buf = buf;
        this._size = sz;
      }
    };
    module2.exports = Writer;
  }
});

// node_modules/asn1/lib/ber/index.js
var require_ber = __commonJS({
  "node_modules/asn1/lib/ber/index.js"(exports2, module2) {
    var errors = require_errors();
    var types = require_types();
    var Reader = require_reader();
    var Writer = require_writer();
    module2.exports = {
      Reader,
      Writer
    };
    for (t in types) {
      if (types.hasOwnProperty(t))
        module2.exports[t] = types[t];
    }
    var t;
    for (e in errors) {
      if (errors.hasOwnProperty(e))
        module2.exports[e] = errors[e];
    }
    var e;
  }
});

// node_modules/asn1/lib/index.js
var require_lib = __commonJS({
  "node_modules/asn1/lib/index.js"(exports2, module2) {
    var Ber = require_ber();
    module2.exports = {
      Ber,
      BerReader: Ber.Reader,
      BerWriter: Ber.Writer
    };
  }
});

// node_modules/tweetnacl/nacl-fast.js
var require_nacl_fast = __commonJS({
  "node_modules/tweetnacl/nacl-fast.js"(exports2, module2) {
    (function(nacl) {
      "use strict";
      var gf = function(init) {
        var i, r = new Float64Array(16);
        if (init) for (i = 0; i < init.length; i++) r[i] = init[i];
        return r;
      };
      var randombytes = function() {
        throw new Error("no PRNG");
      };
      var _0 = new Uint8Array(16);
      var _9 = new Uint8Array(32);
      _9[0] = 9;
      var gf0 = gf(), gf1 = gf([1]), _121665 = gf([56129, 1]), D = gf([30883, 4953, 19914, 30187, 55467, 16705, 2637, 112, 59544, 30585, 16505, 36039, 65139, 11119, 27886, 20995]), D2 = gf([61785, 9906, 39828, 60374, 45398, 33411, 5274, 224, 53552, 61171, 33010, 6542, 64743, 22239, 55772, 9222]), X = gf([54554, 36645, 11616, 51542, 42930, 38181, 51040, 26924, 56412, 64982, 57905, 49316, 21502, 52590, 14035, 8553]), Y = gf([26200, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214, 26214]), I = gf([41136, 18958, 6951, 50414, 58488, 44335, 6150, 12099, 55207, 15867, 153, 11085, 57099, 20417, 9344, 11139]);
      function ts64(x, i, h, l) {
        x[i] = h >> 24 & 255;
        x[i + 1] = h >> 16 & 255;
        x[i + 2] = h >> 8 & 255;
        x[i + 3] = h & 255;
        x[i + 4] = l >> 24 & 255;
        x[i + 5] = l >> 16 & 255;
        x[i + 6] = l >> 8 & 255;
        x[i + 7] = l & 255;
      }
      function vn(x, xi, y, yi, n) {
        var i, d = 0;
        for (i = 0; i < n; i++) d |= x[xi + i] ^ y[yi + i];
        return (1 & d - 1 >>> 8) - 1;
      }
      function crypto_verify_16(x, xi, y, yi) {
        return vn(x, xi, y, yi, 16);
      }
      function crypto_verify_32(x, xi, y, yi) {
        return vn(x, xi, y, yi, 32);
      }
      function core_salsa20(o, p, k, c) {
        var j0 = c[0] & 255 | (c[1] & 255) << 8 | (c[2] & 255) << 16 | (c[3] & 255) << 24, j1 = k[0] & 255 | (k[1] & 255) << 8 | (k[2] & 255) << 16 | (k[3] & 255) << 24, j2 = k[4] & 255 | (k[5] & 255) << 8 | (k[6] & 255) << 16 | (k[7] & 255) << 24, j3 = k[8] & 255 | (k[9] & 255) << 8 | (k[10] & 255) << 16 | (k[11] & 255) << 24, j4 = k[12] & 255 | (k[13] & 255) << 8 | (k[14] & 255) << 16 | (k[15] & 255) << 24, j5 = c[4] & 255 | (c[5] & 255) << 8 | (c[6] & 255) << 16 | (c[7] & 255) << 24, j6 = p[0] & 255 | (p[1] & 255) << 8 | (p[2] & 255) << 16 | (p[3] & 255) << 24, j7 = p[4] & 255 | (p[5] & 255) << 8 | (p[6] & 255) << 16 | (p[7] & 255) << 24, j8 = p[8] & 255 | (p[9] & 255) << 8 | (p[10] & 255) << 16 | (p[11] & 255) << 24, j9 = p[12] & 255 | (p[13] & 255) << 8 | (p[14] & 255) << 16 | (p[15] & 255) << 24, j10 = c[8] & 255 | (c[9] & 255) << 8 | (c[10] & 255) << 16 | (c[11] & 255) << 24, j11 = k[16] & 255 | (k[17] & 255) << 8 | (k[18] & 255) << 16 | (k[19] & 255) << 24, j12 = k[20] & 255 | (k[21] & 255) << 8 | (k[22] & 255) << 16 | (k[23] & 255) << 24, j13 = k[24] & 255 | (k[25] & 255) << 8 | (k[26] & 255) << 16 | (k[27] & 255) << 24, j14 = k[28] & 255 | (k[29] & 255) << 8 | (k[30] & 255) << 16 | (k[31] & 255) << 24, j15 = c[12] & 255 | (c[13] & 255) << 8 | (c[14] & 255) << 16 | (c[15] & 255) << 24;
        var x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7, x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15, u;
        for (var i = 0; i < 20; i += 2) {
          u = x0 + x12 | 0;
          x4 ^= u << 7 | u >>> 32 - 7;
          u = x4 + x0 | 0;
          x8 ^= u << 9 | u >>> 32 - 9;
          u = x8 + x4 | 0;
          x12 ^= u << 13 | u >>> 32 - 13;
          u = x12 + x8 | 0;
          x0 ^= u << 18 | u >>> 32 - 18;
          u = x5 + x1 | 0;
          x9 ^= u << 7 | u >>> 32 - 7;
          u = x9 + x5 | 0;
          x13 ^= u << 9 | u >>> 32 - 9;
          u = x13 + x9 | 0;
          x1 ^= u << 13 | u >>> 32 - 13;
          u = x1 + x13 | 0;
          x5 ^= u << 18 | u >>> 32 - 18;
          u = x10 + x6 | 0;
          x14 ^= u << 7 | u >>> 32 - 7;
          u = x14 + x10 | 0;
          x2 ^= u << 9 | u >>> 32 - 9;
          u = x2 + x14 | 0;
          x6 ^= u << 13 | u >>> 32 - 13;
          u = x6 + x2 | 0;
          x10 ^= u << 18 | u >>> 32 - 18;
          u = x15 + x11 | 0;
          x3 ^= u << 7 | u >>> 32 - 7;
          u = x3 + x15 | 0;
          x7 ^= u << 9 | u >>> 32 - 9;
          u = x7 + x3 | 0;
          x11 ^= u << 13 | u >>> 32 - 13;
          u = x11 + x7 | 0;
          x15 ^= u << 18 | u >>> 32 - 18;
          u = x0 + x3 | 0;
          x1 ^= u << 7 | u >>> 32 - 7;
          u = x1 + x0 | 0;
          x2 ^= u << 9 | u >>> 32 - 9;
          u = x2 + x1 | 0;
          x3 ^= u << 13 | u >>> 32 - 13;
          u = x3 + x2 | 0;
          x0 ^= u << 18 | u >>> 32 - 18;
          u = x5 + x4 | 0;
          x6 ^= u << 7 | u >>> 32 - 7;
          u = x6 + x5 | 0;
          x7 ^= u << 9 | u >>> 32 - 9;
          u = x7 + x6 | 0;
          x4 ^= u << 13 | u >>> 32 - 13;
          u = x4 + x7 | 0;
          x5 ^= u << 18 | u >>> 32 - 18;
          u = x10 + x9 | 0;
          x11 ^= u << 7 | u >>> 32 - 7;
          u = x11 + x10 | 0;
          x8 ^= u << 9 | u >>> 32 - 9;
          u = x8 + x11 | 0;
          x9 ^= u << 13 | u >>> 32 - 13;
          u = x9 + x8 | 0;
          x10 ^= u << 18 | u >>> 32 - 18;
          u = x15 + x14 | 0;
          x12 ^= u << 7 | u >>> 32 - 7;
          u = x12 + x15 | 0;
          x13 ^= u << 9 | u >>> 32 - 9;
          u = x13 + x12 | 0;
          x14 ^= u << 13 | u >>> 32 - 13;
          u = x14 + x13 | 0;
          x15 ^= u << 18 | u >>> 32 - 18;
        }
        x0 = x0 + j0 | 0;
        x1 = x1 + j1 | 0;
        x2 = x2 + j2 | 0;
        x3 = x3 + j3 | 0;
        x4 = x4 + j4 | 0;
        x5 = x5 + j5 | 0;
        x6 = x6 + j6 | 0;
        x7 = x7 + j7 | 0;
        x8 = x8 + j8 | 0;
        x9 = x9 + j9 | 0;
        x10 = x10 + j10 | 0;
        x11 = x11 + j11 | 0;
        x12 = x12 + j12 | 0;
        x13 = x13 + j13 | 0;
        x14 = x14 + j14 | 0;
        x15 = x15 + j15 | 0;
        o[0] = x0 >>> 0 & 255;
        o[1] = x0 >>> 8 & 255;
        o[2] = x0 >>> 16 & 255;
        o[3] = x0 >>> 24 & 255;
        o[4] = x1 >>> 0 & 255;
        o[5] = x1 >>> 8 & 255;
        o[6] = x1 >>> 16 & 255;
        o[7] = x1 >>> 24 & 255;
        o[8] = x2 >>> 0 & 255;
        o[9] = x2 >>> 8 & 255;
        o[10] = x2 >>> 16 & 255;
        o[11] = x2 >>> 24 & 255;
        o[12] = x3 >>> 0 & 255;
        o[13] = x3 >>> 8 & 255;
        o[14] = x3 >>> 16 & 255;
        o[15] = x3 >>> 24 & 255;
        o[16] = x4 >>> 0 & 255;
        o[17] = x4 >>> 8 & 255;
        o[18] = x4 >>> 16 & 255;
        o[19] = x4 >>> 24 & 255;
        o[20] = x5 >>> 0 & 255;
        o[21] = x5 >>> 8 & 255;
        o[22] = x5 >>> 16 & 255;
        o[23] = x5 >>> 24 & 255;
        o[24] = x6 >>> 0 & 255;
        o[25] = x6 >>> 8 & 255;
        o[26] = x6 >>> 16 & 255;
        o[27] = x6 >>> 24 & 255;
        o[28] = x7 >>> 0 & 255;
        o[29] = x7 >>> 8 & 255;
        o[30] = x7 >>> 16 & 255;
        o[31] = x7 >>> 24 & 255;
        o[32] = x8 >>> 0 & 255;
        o[33] = x8 >>> 8 & 255;
        o[34] = x8 >>> 16 & 255;
        o[35] = x8 >>> 24 & 255;
        o[36] = x9 >>> 0 & 255;
        o[37] = x9 >>> 8 & 255;
        o[38] = x9 >>> 16 & 255;
        o[39] = x9 >>> 24 & 255;
        o[40] = x10 >>> 0 & 255;
        o[41] = x10 >>> 8 & 255;
        o[42] = x10 >>> 16 & 255;
        o[43] = x10 >>> 24 & 255;
        o[44] = x11 >>> 0 & 255;
        o[45] = x11 >>> 8 & 255;
        o[46] = x11 >>> 16 & 255;
        o[47] = x11 >>> 24 & 255;
        o[48] = x12 >>> 0 & 255;
        o[49] = x12 >>> 8 & 255;
        o[50] = x12 >>> 16 & 255;
        o[51] = x12 >>> 24 & 255;
        o[52] = x13 >>> 0 & 255;
        o[53] = x13 >>> 8 & 255;
        o[54] = x13 >>> 16 & 255;
        o[55] = x13 >>> 24 & 255;
        o[56] = x14 >>> 0 & 255;
        o[57] = x14 >>> 8 & 255;
        o[58] = x14 >>> 16 & 255;
        o[59] = x14 >>> 24 & 255;
        o[60] = x15 >>> 0 & 255;
        o[61] = x15 >>> 8 & 255;
        o[62] = x15 >>> 16 & 255;
        o[63] = x15 >>> 24 & 255;
      }
      function core_hsalsa20(o, p, k, c) {
        var j0 = c[0] & 255 | (c[1] & 255) << 8 | (c[2] & 255) << 16 | (c[3] & 255) << 24, j1 = k[0] & 255 | (k[1] & 255) << 8 | (k[2] & 255) << 16 | (k[3] & 255) << 24, j2 = k[4] & 255 | (k[5] & 255) << 8 | (k[6] & 255) << 16 | (k[7] & 255) << 24, j3 = k[8] & 255 | (k[9] & 255) << 8 | (k[10] & 255) << 16 | (k[11] & 255) << 24, j4 = k[12] & 255 | (k[13] & 255) << 8 | (k[14] & 255) << 16 | (k[15] & 255) << 24, j5 = c[4] & 255 | (c[5] & 255) << 8 | (c[6] & 255) << 16 | (c[7] & 255) << 24, j6 = p[0] & 255 | (p[1] & 255) << 8 | (p[2] & 255) << 16 | (p[3] & 255) << 24, j7 = p[4] & 255 | (p[5] & 255) << 8 | (p[6] & 255) << 16 | (p[7] & 255) << 24, j8 = p[8] & 255 | (p[9] & 255) << 8 | (p[10] & 255) << 16 | (p[11] & 255) << 24, j9 = p[12] & 255 | (p[13] & 255) << 8 | (p[14] & 255) << 16 | (p[15] & 255) << 24, j10 = c[8] & 255 | (c[9] & 255) << 8 | (c[10] & 255) << 16 | (c[11] & 255) << 24, j11 = k[16] & 255 | (k[17] & 255) << 8 | (k[18] & 255) << 16 | (k[19] & 255) << 24, j12 = k[20] & 255 | (k[21] & 255) << 8 | (k[22] & 255) << 16 | (k[23] & 255) << 24, j13 = k[24] & 255 | (k[25] & 255) << 8 | (k[26] & 255) << 16 | (k[27] & 255) << 24, j14 = k[28] & 255 | (k[29] & 255) << 8 | (k[30] & 255) << 16 | (k[31] & 255) << 24, j15 = c[12] & 255 | (c[13] & 255) << 8 | (c[14] & 255) << 16 | (c[15] & 255) << 24;
        var x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7, x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15, u;
        for (var i = 0; i < 20; i += 2) {
          u = x0 + x12 | 0;
          x4 ^= u << 7 | u >>> 32 - 7;
          u = x4 + x0 | 0;
          x8 ^= u << 9 | u >>> 32 - 9;
          u = x8 + x4 | 0;
          x12 ^= u << 13 | u >>> 32 - 13;
          u = x12 + x8 | 0;
          x0 ^= u << 18 | u >>> 32 - 18;
          u = x5 + x1 | 0;
          x9 ^= u << 7 | u >>> 32 - 7;
          u = x9 + x5 | 0;
          x13 ^= u << 9 | u >>> 32 - 9;
          u = x13 + x9 | 0;
          x1 ^= u << 13 | u >>> 32 - 13;
          u = x1 + x13 | 0;
          x5 ^= u << 18 | u >>> 32 - 18;
          u = x10 + x6 | 0;
          x14 ^= u << 7 | u >>> 32 - 7;
          u = x14 + x10 | 0;
          x2 ^= u << 9 | u >>> 32 - 9;
          u = x2 + x14 | 0;
          x6 ^= u << 13 | u >>> 32 - 13;
          u = x6 + x2 | 0;
          x10 ^= u << 18 | u >>> 32 - 18;
          u = x15 + x11 | 0;
          x3 ^= u << 7 | u >>> 32 - 7;
          u = x3 + x15 | 0;
          x7 ^= u << 9 | u >>> 32 - 9;
          u = x7 + x3 | 0;
          x11 ^= u << 13 | u >>> 32 - 13;
          u = x11 + x7 | 0;
          x15 ^= u << 18 | u >>> 32 - 18;
          u = x0 + x3 | 0;
          x1 ^= u << 7 | u >>> 32 - 7;
          u = x1 + x0 | 0;
          x2 ^= u << 9 | u >>> 32 - 9;
          u = x2 + x1 | 0;
          x3 ^= u << 13 | u >>> 32 - 13;
          u = x3 + x2 | 0;
          x0 ^= u << 18 | u >>> 32 - 18;
          u = x5 + x4 | 0;
          x6 ^= u << 7 | u >>> 32 - 7;
          u = x6 + x5 | 0;
          x7 ^= u << 9 | u >>> 32 - 9;
          u = x7 + x6 | 0;
          x4 ^= u << 13 | u >>> 32 - 13;
          u = x4 + x7 | 0;
          x5 ^= u << 18 | u >>> 32 - 18;
          u = x10 + x9 | 0;
          x11 ^= u << 7 | u >>> 32 - 7;
          u = x11 + x10 | 0;
          x8 ^= u << 9 | u >>> 32 - 9;
          u = x8 + x11 | 0;
          x9 ^= u << 13 | u >>> 32 - 13;
          u = x9 + x8 | 0;
          x10 ^= u << 18 | u >>> 32 - 18;
          u = x15 + x14 | 0;
          x12 ^= u << 7 | u >>> 32 - 7;
          u = x12 + x15 | 0;
          x13 ^= u << 9 | u >>> 32 - 9;
          u = x13 + x12 | 0;
          x14 ^= u << 13 | u >>> 32 - 13;
          u = x14 + x13 | 0;
          x15 ^= u << 18 | u >>> 32 - 18;
        }
        o[0] = x0 >>> 0 & 255;
        o[1] = x0 >>> 8 & 255;
        o[2] = x0 >>> 16 & 255;
        o[3] = x0 >>> 24 & 255;
        o[4] = x5 >>> 0 & 255;
        o[5] = x5 >>> 8 & 255;
        o[6] = x5 >>> 16 & 255;
        o[7] = x5 >>> 24 & 255;
        o[8] = x10 >>> 0 & 255;
        o[9] = x10 >>> 8 & 255;
        o[10] = x10 >>> 16 & 255;
        o[11] = x10 >>> 24 & 255;
        o[12] = x15 >>> 0 & 255;
        o[13] = x15 >>> 8 & 255;
        o[14] = x15 >>> 16 & 255;
        o[15] = x15 >>> 24 & 255;
        o[16] = x6 >>> 0 & 255;
        o[17] = x6 >>> 8 & 255;
        o[18] = x6 >>> 16 & 255;
        o[19] = x6 >>> 24 & 255;
        o[20] = x7 >>> 0 & 255;
        o[21] = x7 >>> 8 & 255;
        o[22] = x7 >>> 16 & 255;
        o[23] = x7 >>> 24 & 255;
        o[24] = x8 >>> 0 & 255;
        o[25] = x8 >>> 8 & 255;
        o[26] = x8 >>> 16 & 255;
        o[27] = x8 >>> 24 & 255;
        o[28] = x9 >>> 0 & 255;
        o[29] = x9 >>> 8 & 255;
        o[30] = x9 >>> 16 & 255;
        o[31] = x9 >>> 24 & 255;
      }
      function crypto_core_salsa20(out2, inp, k, c) {
        core_salsa20(out2, inp, k, c);
      }
      function crypto_core_hsalsa20(out2, inp, k, c) {
        core_hsalsa20(out2, inp, k, c);
      }
      var sigma = new Uint8Array([101, 120, 112, 97, 110, 100, 32, 51, 50, 45, 98, 121, 116, 101, 32, 107]);
      function crypto_stream_salsa20_xor(c, cpos, m, mpos, b, n, k) {
        var z = new Uint8Array(16), x = new Uint8Array(64);
        var u, i;
        for (i = 0; i < 16; i++) z[i] = 0;
        for (i = 0; i < 8; i++) z[i] = n[i];
        while (b >= 64) {
          crypto_core_salsa20(x, z, k, sigma);
          for (i = 0; i < 64; i++) c[cpos + i] = m[mpos + i] ^ x[i];
          u = 1;
          for (i = 8; i < 16; i++) {
            u = u + (z[i] & 255) | 0;
            z[i] = u & 255;
            u >>>= 8;
          }
          b -= 64;
          cpos += 64;
          mpos += 64;
        }
        if (b > 0) {
          crypto_core_salsa20(x, z, k, sigma);
          for (i = 0; i < b; i++) c[cpos + i] = m[mpos + i] ^ x[i];
        }
        return 0;
      }
      function crypto_stream_salsa20(c, cpos, b, n, k) {
        var z = new Uint8Array(16), x = new Uint8Array(64);
        var u, i;
        for (i = 0; i < 16; i++) z[i] = 0;
        for (i = 0; i < 8; i++) z[i] = n[i];
        while (b >= 64) {
          crypto_core_salsa20(x, z, k, sigma);
          for (i = 0; i < 64; i++) c[cpos + i] = x[i];
          u = 1;
          for (i = 8; i < 16; i++) {
            u = u + (z[i] & 255) | 0;
            z[i] = u & 255;
            u >>>= 8;
          }
          b -= 64;
          cpos += 64;
        }
        if (b > 0) {
          crypto_core_salsa20(x, z, k, sigma);
          for (i = 0; i < b; i++) c[cpos + i] = x[i];
        }
        return 0;
      }
      function crypto_stream(c, cpos, d, n, k) {
        var s = new Uint8Array(32);
        crypto_core_hsalsa20(s, n, k, sigma);
        var sn = new Uint8Array(8);
        for (var i = 0; i < 8; i++) sn[i] = n[i + 16];
        return crypto_stream_salsa20(c, cpos, d, sn, s);
      }
      function crypto_stream_xor(c, cpos, m, mpos, d, n, k) {
        var s = new Uint8Array(32);
        crypto_core_hsalsa20(s, n, k, sigma);
        var sn = new Uint8Array(8);
        for (var i = 0; i < 8; i++) sn[i] = n[i + 16];
        return crypto_stream_salsa20_xor(c, cpos, m, mpos, d, sn, s);
      }
      var poly13052 = function(key) {
        this.buffer = new Uint8Array(16);
        this.r = new Uint16Array(10);
        this.h = new Uint16Array(10);
        this.pad = new Uint16Array(8);
        this.leftover = 0;
        this.fin = 0;
        var t0, t1, t2, t3, t4, t5, t6, t7;
        t0 = key[0] & 255 | (key[1] & 255) << 8;
        this.r[0] = t0 & 8191;
        t1 = key[2] & 255 | (key[3] & 255) << 8;
        this.r[1] = (t0 >>> 13 | t1 << 3) & 8191;
        t2 = key[4] & 255 | (key[5] & 255) << 8;
        this.r[2] = (t1 >>> 10 | t2 << 6) & 7939;
        t3 = key[6] & 255 | (key[7] & 255) << 8;
        this.r[3] = (t2 >>> 7 | t3 << 9) & 8191;
        t4 = key[8] & 255 | (key[9] & 255) << 8;
        this.r[4] = (t3 >>> 4 | t4 << 12) & 255;
        this.r[5] = t4 >>> 1 & 8190;
        t5 = key[10] & 255 | (key[11] & 255) << 8;
        this.r[6] = (t4 >>> 14 | t5 << 2) & 8191;
        t6 = key[12] & 255 | (key[13] & 255) << 8;
        this.r[7] = (t5 >>> 11 | t6 << 5) & 8065;
        t7 = key[14] & 255 | (key[15] & 255) << 8;
        this.r[8] = (t6 >>> 8 | t7 << 8) & 8191;
        this.r[9] = t7 >>> 5 & 127;
        this.pad[0] = key[16] & 255 | (key[17] & 255) << 8;
        this.pad[1] = key[18] & 255 | (key[19] & 255) << 8;
        this.pad[2] = key[20] & 255 | (key[21] & 255) << 8;
        this.pad[3] = key[22] & 255 | (key[23] & 255) << 8;
        this.pad[4] = key[24] & 255 | (key[25] & 255) << 8;
        this.pad[5] = key[26] & 255 | (key[27] & 255) << 8;
        this.pad[6] = key[28] & 255 | (key[29] & 255) << 8;
        this.pad[7] = key[30] & 255 | (key[31] & 255) << 8;
      };
      poly13052.prototype.blocks = function(m, mpos, bytes) {
        var hibit = this.fin ? 0 : 1 << 11;
        var t0, t1, t2, t3, t4, t5, t6, t7, c;
        var d0, d1, d2, d3, d4, d5, d6, d7, d8, d9;
        var h0 = this.h[0], h1 = this.h[1], h2 = this.h[2], h3 = this.h[3], h4 = this.h[4], h5 = this.h[5], h6 = this.h[6], h7 = this.h[7], h8 = this.h[8], h9 = this.h[9];
        var r0 = this.r[0], r1 = this.r[1], r2 = this.r[2], r3 = this.r[3], r4 = this.r[4], r5 = this.r[5], r6 = this.r[6], r7 = this.r[7], r8 = this.r[8], r9 = this.r[9];
        while (bytes >= 16) {
          t0 = m[mpos + 0] & 255 | (m[mpos + 1] & 255) << 8;
          h0 += t0 & 8191;
          t1 = m[mpos + 2] & 255 | (m[mpos + 3] & 255) << 8;
          h1 += (t0 >>> 13 | t1 << 3) & 8191;
          t2 = m[mpos + 4] & 255 | (m[mpos + 5] & 255) << 8;
          h2 += (t1 >>> 10 | t2 << 6) & 8191;
          t3 = m[mpos + 6] & 255 | (m[mpos + 7] & 255) << 8;
          h3 += (t2 >>> 7 | t3 << 9) & 8191;
          t4 = m[mpos + 8] & 255 | (m[mpos + 9] & 255) << 8;
          h4 += (t3 >>> 4 | t4 << 12) & 8191;
          h5 += t4 >>> 1 & 8191;
          t5 = m[mpos + 10] & 255 | (m[mpos + 11] & 255) << 8;
          h6 += (t4 >>> 14 | t5 << 2) & 8191;
          t6 = m[mpos + 12] & 255 | (m[mpos + 13] & 255) << 8;
          h7 += (t5 >>> 11 | t6 << 5) & 8191;
          t7 = m[mpos + 14] & 255 | (m[mpos + 15] & 255) << 8;
          h8 += (t6 >>> 8 | t7 << 8) & 8191;
          h9 += t7 >>> 5 | hibit;
          c = 0;
          d0 = c;
          d0 += h0 * r0;
          d0 += h1 * (5 * r9);
          d0 += h2 * (5 * r8);
          d0 += h3 * (5 * r7);
          d0 += h4 * (5 * r6);
          c = d0 >>> 13;
          d0 &= 8191;
          d0 += h5 * (5 * r5);
          d0 += h6 * (5 * r4);
          d0 += h7 * (5 * r3);
          d0 += h8 * (5 * r2);
          d0 += h9 * (5 * r1);
          c += d0 >>> 13;
          d0 &= 8191;
          d1 = c;
          d1 += h0 * r1;
          d1 += h1 * r0;
          d1 += h2 * (5 * r9);
          d1 += h3 * (5 * r8);
          d1 += h4 * (5 * r7);
          c = d1 >>> 13;
          d1 &= 8191;
          d1 += h5 * (5 * r6);
          d1 += h6 * (5 * r5);
          d1 += h7 * (5 * r4);
          d1 += h8 * (5 * r3);
          d1 += h9 * (5 * r2);
          c += d1 >>> 13;
          d1 &= 8191;
          d2 = c;
          d2 += h0 * r2;
          d2 += h1 * r1;
          d2 += h2 * r0;
          d2 += h3 * (5 * r9);
          d2 += h4 * (5 * r8);
          c = d2 >>> 13;
          d2 &= 8191;
          d2 += h5 * (5 * r7);
          d2 += h6 * (5 * r6);
          d2 += h7 * (5 * r5);
          d2 += h8 * (5 * r4);
          d2 += h9 * (5 * r3);
          c += d2 >>> 13;
          d2 &= 8191;
          d3 = c;
          d3 += h0 * r3;
          d3 += h1 * r2;
          d3 += h2 * r1;
          d3 += h3 * r0;
          d3 += h4 * (5 * r9);
          c = d3 >>> 13;
          d3 &= 8191;
          d3 += h5 * (5 * r8);
          d3 += h6 * (5 * r7);
          d3 += h7 * (5 * r6);
          d3 += h8 * (5 * r5);
          d3 += h9 * (5 * r4);
          c += d3 >>> 13;
          d3 &= 8191;
          d4 = c;
          d4 += h0 * r4;
          d4 += h1 * r3;
          d4 += h2 * r2;
          d4 += h3 * r1;
          d4 += h4 * r0;
          c = d4 >>> 13;
          d4 &= 8191;
          d4 += h5 * (5 * r9);
          d4 += h6 * (5 * r8);
          d4 += h7 * (5 * r7);
          d4 += h8 * (5 * r6);
          d4 += h9 * (5 * r5);
          c += d4 >>> 13;
          d4 &= 8191;
          d5 = c;
          d5 += h0 * r5;
          d5 += h1 * r4;
          d5 += h2 * r3;
          d5 += h3 * r2;
          d5 += h4 * r1;
          c = d5 >>> 13;
          d5 &= 8191;
          d5 += h5 * r0;
          d5 += h6 * (5 * r9);
          d5 += h7 * (5 * r8);
          d5 += h8 * (5 * r7);
          d5 += h9 * (5 * r6);
          c += d5 >>> 13;
          d5 &= 8191;
          d6 = c;
          d6 += h0 * r6;
          d6 += h1 * r5;
          d6 += h2 * r4;
          d6 += h3 * r3;
          d6 += h4 * r2;
          c = d6 >>> 13;
          d6 &= 8191;
          d6 += h5 * r1;
          d6 += h6 * r0;
          d6 += h7 * (5 * r9);
          d6 += h8 * (5 * r8);
          d6 += h9 * (5 * r7);
          c += d6 >>> 13;
          d6 &= 8191;
          d7 = c;
          d7 += h0 * r7;
          d7 += h1 * r6;
          d7 += h2 * r5;
          d7 += h3 * r4;
          d7 += h4 * r3;
          c = d7 >>> 13;
          d7 &= 8191;
          d7 += h5 * r2;
          d7 += h6 * r1;
          d7 += h7 * r0;
          d7 += h8 * (5 * r9);
          d7 += h9 * (5 * r8);
          c += d7 >>> 13;
          d7 &= 8191;
          d8 = c;
          d8 += h0 * r8;
          d8 += h1 * r7;
          d8 += h2 * r6;
          d8 += h3 * r5;
          d8 += h4 * r4;
          c = d8 >>> 13;
          d8 &= 8191;
          d8 += h5 * r3;
          d8 += h6 * r2;
          d8 += h7 * r1;
          d8 += h8 * r0;
          d8 += h9 * (5 * r9);
          c += d8 >>> 13;
          d8 &= 8191;
          d9 = c;
          d9 += h0 * r9;
          d9 += h1 * r8;
          d9 += h2 * r7;
          d9 += h3 * r6;
          d9 += h4 * r5;
          c = d9 >>> 13;
          d9 &= 8191;
          d9 += h5 * r4;
          d9 += h6 * r3;
          d9 += h7 * r2;
          d9 += h8 * r1;
          d9 += h9 * r0;
          c += d9 >>> 13;
          d9 &= 8191;
          c = (c << 2) + c | 0;
          c = c + d0 | 0;
          d0 = c & 8191;
          c = c >>> 13;
          d1 += c;
          h0 = d0;
          h1 = d1;
          h2 = d2;
          h3 = d3;
          h4 = d4;
          h5 = d5;
          h6 = d6;
          h7 = d7;
          h8 = d8;
          h9 = d9;
          mpos += 16;
          bytes -= 16;
        }
        this.h[0] = h0;
        this.h[1] = h1;
        this.h[2] = h2;
        this.h[3] = h3;
        this.h[4] = h4;
        this.h[5] = h5;
        this.h[6] = h6;
        this.h[7] = h7;
        this.h[8] = h8;
        this.h[9] = h9;
      };
      poly13052.prototype.finish = function(mac, macpos) {
        var g = new Uint16Array(10);
        var c, mask, f, i;
        if (this.leftover) {
          i = this.leftover;
          this.buffer[i++] = 1;
          for (; i < 16; i++) this.buffer[i] = 0;
          this.fin = 1;
          this.blocks(this.buffer, 0, 16);
        }
        c = this.h[1] >>> 13;
        this.h[1] &= 8191;
        for (i = 2; i < 10; i++) {
          this.h[i] += c;
          c = this.h[i] >>> 13;
          this.h[i] &= 8191;
        }
        this.h[0] += c * 5;
        c = this.h[0] >>> 13;
        this.h[0] &= 8191;
        this.h[1] += c;
        c = this.h[1] >>> 13;
        this.h[1] &= 8191;
        this.h[2] += c;
        g[0] = this.h[0] + 5;
        c = g[0] >>> 13;
        g[0] &= 8191;
        for (i = 1; i < 10; i++) {
          g[i] = this.h[i] + c;
          c = g[i] >>> 13;
          g[i] &= 8191;
        }
        g[9] -= 1 << 13;
        mask = (c ^ 1) - 1;
        for (i = 0; i < 10; i++) g[i] &= mask;
        mask = ~mask;
        for (i = 0; i < 10; i++) this.h[i] = this.h[i] & mask | g[i];
        this.h[0] = (this.h[0] | this.h[1] << 13) & 65535;
        this.h[1] = (this.h[1] >>> 3 | this.h[2] << 10) & 65535;
        this.h[2] = (this.h[2] >>> 6 | this.h[3] << 7) & 65535;
        this.h[3] = (this.h[3] >>> 9 | this.h[4] << 4) & 65535;
        this.h[4] = (this.h[4] >>> 12 | this.h[5] << 1 | this.h[6] << 14) & 65535;
        this.h[5] = (this.h[6] >>> 2 | this.h[7] << 11) & 65535;
        this.h[6] = (this.h[7] >>> 5 | this.h[8] << 8) & 65535;
        this.h[7] = (this.h[8] >>> 8 | this.h[9] << 5) & 65535;
        f = this.h[0] + this.pad[0];
        this.h[0] = f & 65535;
        for (i = 1; i < 8; i++) {
          f = (this.h[i] + this.pad[i] | 0) + (f >>> 16) | 0;
          this.h[i] = f & 65535;
        }
        mac[macpos + 0] = this.h[0] >>> 0 & 255;
        mac[macpos + 1] = this.h[0] >>> 8 & 255;
        mac[macpos + 2] = this.h[1] >>> 0 & 255;
        mac[macpos + 3] = this.h[1] >>> 8 & 255;
        mac[macpos + 4] = this.h[2] >>> 0 & 255;
        mac[macpos + 5] = this.h[2] >>> 8 & 255;
        mac[macpos + 6] = this.h[3] >>> 0 & 255;
        mac[macpos + 7] = this.h[3] >>> 8 & 255;
        mac[macpos + 8] = this.h[4] >>> 0 & 255;
        mac[macpos + 9] = this.h[4] >>> 8 & 255;
        mac[macpos + 10] = this.h[5] >>> 0 & 255;
        mac[macpos + 11] = this.h[5] >>> 8 & 255;
        mac[macpos + 12] = this.h[6] >>> 0 & 255;
        mac[macpos + 13] = this.h[6] >>> 8 & 255;
        mac[macpos + 14] = this.h[7] >>> 0 & 255;
        mac[macpos + 15] = this.h[7] >>> 8 & 255;
      };
      poly13052.prototype.update = function(m, mpos, bytes) {
        var i, want;
        if (this.leftover) {
          want = 16 - this.leftover;
          if (want > bytes)
            want = bytes;
          for (i = 0; i < want; i++)
            this.buffer[this.leftover + i] = m[mpos + i];
          bytes -= want;
          mpos += want;
          this.leftover += want;
          if (this.leftover < 16)
            return;
          this.blocks(this.buffer, 0, 16);
          this.leftover = 0;
        }
        if (bytes >= 16) {
          want = bytes - bytes % 16;
          this.blocks(m, mpos, want);
          mpos += want;
          bytes -= want;
        }
        if (bytes) {
          for (i = 0; i < bytes; i++)
            this.buffer[this.leftover + i] = m[mpos + i];
          this.leftover += bytes;
        }
      };
      function crypto_onetimeauth(out2, outpos, m, mpos, n, k) {
        var s = new poly13052(k);
        s.update(m, mpos, n);
        s.finish(out2, outpos);
        return 0;
      }
      function crypto_onetimeauth_verify(h, hpos, m, mpos, n, k) {
        var x = new Uint8Array(16);
        crypto_onetimeauth(x, 0, m, mpos, n, k);
        return crypto_verify_16(h, hpos, x, 0);
      }
      function crypto_secretbox(c, m, d, n, k) {
        var i;
        if (d < 32) return -1;
        crypto_stream_xor(c, 0, m, 0, d, n, k);
        crypto_onetimeauth(c, 16, c, 32, d - 32, c);
        for (i = 0; i < 16; i++) c[i] = 0;
        return 0;
      }
      function crypto_secretbox_open(m, c, d, n, k) {
        var i;
        var x = new Uint8Array(32);
        if (d < 32) return -1;
        crypto_stream(x, 0, 32, n, k);
        if (crypto_onetimeauth_verify(c, 16, c, 32, d - 32, x) !== 0) return -1;
        crypto_stream_xor(m, 0, c, 0, d, n, k);
        for (i = 0; i < 32; i++) m[i] = 0;
        return 0;
      }
      function set25519(r, a) {
        var i;
        for (i = 0; i < 16; i++) r[i] = a[i] | 0;
      }
      function car25519(o) {
        var i, v, c = 1;
        for (i = 0; i < 16; i++) {
          v = o[i] + c + 65535;
          c = Math.floor(v / 65536);
          o[i] = v - c * 65536;
        }
        o[0] += c - 1 + 37 * (c - 1);
      }
      function sel25519(p, q, b) {
        var t, c = ~(b - 1);
        for (var i = 0; i < 16; i++) {
          t = c & (p[i] ^ q[i]);
          p[i] ^= t;
          q[i] ^= t;
        }
      }
      function pack25519(o, n) {
        var i, j, b;
        var m = gf(), t = gf();
        for (i = 0; i < 16; i++) t[i] = n[i];
        car25519(t);
        car25519(t);
        car25519(t);
        for (j = 0; j < 2; j++) {
          m[0] = t[0] - 65517;
          for (i = 1; i < 15; i++) {
            m[i] = t[i] - 65535 - (m[i - 1] >> 16 & 1);
            m[i - 1] &= 65535;
          }
          m[15] = t[15] - 32767 - (m[14] >> 16 & 1);
          b = m[15] >> 16 & 1;
          m[14] &= 65535;
          sel25519(t, m, 1 - b);
        }
        for (i = 0; i < 16; i++) {
          o[2 * i] = t[i] & 255;
          o[2 * i + 1] = t[i] >> 8;
        }
      }
      function neq25519(a, b) {
        var c = new Uint8Array(32), d = new Uint8Array(32);
        pack25519(c, a);
        pack25519(d, b);
        return crypto_verify_32(c, 0, d, 0);
      }
      function par25519(a) {
        var d = new Uint8Array(32);
        pack25519(d, a);
        return d[0] & 1;
      }
      function unpack25519(o, n) {
        var i;
        for (i = 0; i < 16; i++) o[i] = n[2 * i] + (n[2 * i + 1] << 8);
        o[15] &= 32767;
      }
      function A(o, a, b) {
        for (var i = 0; i < 16; i++) o[i] = a[i] + b[i];
      }
      function Z(o, a, b) {
        for (var i = 0; i < 16; i++) o[i] = a[i] - b[i];
      }
      function M(o, a, b) {
        var v, c, t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0, t8 = 0, t9 = 0, t10 = 0, t11 = 0, t12 = 0, t13 = 0, t14 = 0, t15 = 0, t16 = 0, t17 = 0, t18 = 0, t19 = 0, t20 = 0, t21 = 0, t22 = 0, t23 = 0, t24 = 0, t25 = 0, t26 = 0, t27 = 0, t28 = 0, t29 = 0, t30 = 0, b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7], b8 = b[8], b9 = b[9], b10 = b[10], b11 = b[11], b12 = b[12], b13 = b[13], b14 = b[14], b15 = b[15];
        v = a[0];
        t0 += v * b0;
        t1 += v * b1;
        t2 += v * b2;
        t3 += v * b3;
        t4 += v * b4;
        t5 += v * b5;
        t6 += v * b6;
        t7 += v * b7;
        t8 += v * b8;
        t9 += v * b9;
        t10 += v * b10;
        t11 += v * b11;
        t12 += v * b12;
        t13 += v * b13;
        t14 += v * b14;
        t15 += v * b15;
        v = a[1];
        t1 += v * b0;
        t2 += v * b1;
        t3 += v * b2;
        t4 += v * b3;
        t5 += v * b4;
        t6 += v * b5;
        t7 += v * b6;
        t8 += v * b7;
        t9 += v * b8;
        t10 += v * b9;
        t11 += v * b10;
        t12 += v * b11;
        t13 += v * b12;
        t14 += v * b13;
        t15 += v * b14;
        t16 += v * b15;
        v = a[2];
        t2 += v * b0;
        t3 += v * b1;
        t4 += v * b2;
        t5 += v * b3;
        t6 += v * b4;
        t7 += v * b5;
        t8 += v * b6;
        t9 += v * b7;
        t10 += v * b8;
        t11 += v * b9;
        t12 += v * b10;
        t13 += v * b11;
        t14 += v * b12;
        t15 += v * b13;
        t16 += v * b14;
        t17 += v * b15;
        v = a[3];
        t3 += v * b0;
        t4 += v * b1;
        t5 += v * b2;
        t6 += v * b3;
        t7 += v * b4;
        t8 += v * b5;
        t9 += v * b6;
        t10 += v * b7;
        t11 += v * b8;
        t12 += v * b9;
        t13 += v * b10;
        t14 += v * b11;
        t15 += v * b12;
        t16 += v * b13;
        t17 += v * b14;
        t18 += v * b15;
        v = a[4];
        t4 += v * b0;
        t5 += v * b1;
        t6 += v * b2;
        t7 += v * b3;
        t8 += v * b4;
        t9 += v * b5;
        t10 += v * b6;
        t11 += v * b7;
        t12 += v * b8;
        t13 += v * b9;
        t14 += v * b10;
        t15 += v * b11;
        t16 += v * b12;
        t17 += v * b13;
        t18 += v * b14;
        t19 += v * b15;
        v = a[5];
        t5 += v * b0;
        t6 += v * b1;
        t7 += v * b2;
        t8 += v * b3;
        t9 += v * b4;
        t10 += v * b5;
        t11 += v * b6;
        t12 += v * b7;
        t13 += v * b8;
        t14 += v * b9;
        t15 += v * b10;
        t16 += v * b11;
        t17 += v * b12;
        t18 += v * b13;
        t19 += v * b14;
        t20 += v * b15;
        v = a[6];
        t6 += v * b0;
        t7 += v * b1;
        t8 += v * b2;
        t9 += v * b3;
        t10 += v * b4;
        t11 += v * b5;
        t12 += v * b6;
        t13 += v * b7;
        t14 += v * b8;
        t15 += v * b9;
        t16 += v * b10;
        t17 += v * b11;
        t18 += v * b12;
        t19 += v * b13;
        t20 += v * b14;
        t21 += v * b15;
        v = a[7];
        t7 += v * b0;
        t8 += v * b1;
        t9 += v * b2;
        t10 += v * b3;
        t11 += v * b4;
        t12 += v * b5;
        t13 += v * b6;
        t14 += v * b7;
        t15 += v * b8;
        t16 += v * b9;
        t17 += v * b10;
        t18 += v * b11;
        t19 += v * b12;
        t20 += v * b13;
        t21 += v * b14;
        t22 += v * b15;
        v = a[8];
        t8 += v * b0;
        t9 += v * b1;
        t10 += v * b2;
        t11 += v * b3;
        t12 += v * b4;
        t13 += v * b5;
        t14 += v * b6;
        t15 += v * b7;
        t16 += v * b8;
        t17 += v * b9;
        t18 += v * b10;
        t19 += v * b11;
        t20 += v * b12;
        t21 += v * b13;
        t22 += v * b14;
        t23 += v * b15;
        v = a[9];
        t9 += v * b0;
        t10 += v * b1;
        t11 += v * b2;
        t12 += v * b3;
        t13 += v * b4;
        t14 += v * b5;
        t15 += v * b6;
        t16 += v * b7;
        t17 += v * b8;
        t18 += v * b9;
        t19 += v * b10;
        t20 += v * b11;
        t21 += v * b12;
        t22 += v * b13;
        t23 += v * b14;
        t24 += v * b15;
        v = a[10];
        t10 += v * b0;
        t11 += v * b1;
        t12 += v * b2;
        t13 += v * b3;
        t14 += v * b4;
        t15 += v * b5;
        t16 += v * b6;
        t17 += v * b7;
        t18 += v * b8;
        t19 += v * b9;
        t20 += v * b10;
        t21 += v * b11;
        t22 += v * b12;
        t23 += v * b13;
        t24 += v * b14;
        t25 += v * b15;
        v = a[11];
        t11 += v * b0;
        t12 += v * b1;
        t13 += v * b2;
        t14 += v * b3;
        t15 += v * b4;
        t16 += v * b5;
        t17 += v * b6;
        t18 += v * b7;
        t19 += v * b8;
        t20 += v * b9;
        t21 += v * b10;
        t22 += v * b11;
        t23 += v * b12;
        t24 += v * b13;
        t25 += v * b14;
        t26 += v * b15;
        v = a[12];
        t12 += v * b0;
        t13 += v * b1;
        t14 += v * b2;
        t15 += v * b3;
        t16 += v * b4;
        t17 += v * b5;
        t18 += v * b6;
        t19 += v * b7;
        t20 += v * b8;
        t21 += v * b9;
        t22 += v * b10;
        t23 += v * b11;
        t24 += v * b12;
        t25 += v * b13;
        t26 += v * b14;
        t27 += v * b15;
        v = a[13];
        t13 += v * b0;
        t14 += v * b1;
        t15 += v * b2;
        t16 += v * b3;
        t17 += v * b4;
        t18 += v * b5;
        t19 += v * b6;
        t20 += v * b7;
        t21 += v * b8;
        t22 += v * b9;
        t23 += v * b10;
        t24 += v * b11;
        t25 += v * b12;
        t26 += v * b13;
        t27 += v * b14;
        t28 += v * b15;
        v = a[14];
        t14 += v * b0;
        t15 += v * b1;
        t16 += v * b2;
        t17 += v * b3;
        t18 += v * b4;
        t19 += v * b5;
        t20 += v * b6;
        t21 += v * b7;
        t22 += v * b8;
        t23 += v * b9;
        t24 += v * b10;
        t25 += v * b11;
        t26 += v * b12;
        t27 += v * b13;
        t28 += v * b14;
        t29 += v * b15;
        v = a[15];
        t15 += v * b0;
        t16 += v * b1;
        t17 += v * b2;
        t18 += v * b3;
        t19 += v * b4;
        t20 += v * b5;
        t21 += v * b6;
        t22 += v * b7;
        t23 += v * b8;
        t24 += v * b9;
        t25 += v * b10;
        t26 += v * b11;
        t27 += v * b12;
        t28 += v * b13;
        t29 += v * b14;
        t30 += v * b15;
        t0 += 38 * t16;
        t1 += 38 * t17;
        t2 += 38 * t18;
        t3 += 38 * t19;
        t4 += 38 * t20;
        t5 += 38 * t21;
        t6 += 38 * t22;
        t7 += 38 * t23;
        t8 += 38 * t24;
        t9 += 38 * t25;
        t10 += 38 * t26;
        t11 += 38 * t27;
        t12 += 38 * t28;
        t13 += 38 * t29;
        t14 += 38 * t30;
        c = 1;
        v = t0 + c + 65535;
        c = Math.floor(v / 65536);
        t0 = v - c * 65536;
        v = t1 + c + 65535;
        c = Math.floor(v / 65536);
        t1 = v - c * 65536;
        v = t2 + c + 65535;
        c = Math.floor(v / 65536);
        t2 = v - c * 65536;
        v = t3 + c + 65535;
        c = Math.floor(v / 65536);
        t3 = v - c * 65536;
        v = t4 + c + 65535;
        c = Math.floor(v / 65536);
        t4 = v - c * 65536;
        v = t5 + c + 65535;
        c = Math.floor(v / 65536);
        t5 = v - c * 65536;
        v = t6 + c + 65535;
        c = Math.floor(v / 65536);
        t6 = v - c * 65536;
        v = t7 + c + 65535;
        c = Math.floor(v / 65536);
        t7 = v - c * 65536;
        v = t8 + c + 65535;
        c = Math.floor(v / 65536);
        t8 = v - c * 65536;
        v = t9 + c + 65535;
        c = Math.floor(v / 65536);
        t9 = v - c * 65536;
        v = t10 + c + 65535;
        c = Math.floor(v / 65536);
        t10 = v - c * 65536;
        v = t11 + c + 65535;
        c = Math.floor(v / 65536);
        t11 = v - c * 65536;
        v = t12 + c + 65535;
        c = Math.floor(v / 65536);
        t12 = v - c * 65536;
        v = t13 + c + 65535;
        c = Math.floor(v / 65536);
        t13 = v - c * 65536;
        v = t14 + c + 65535;
        c = Math.floor(v / 65536);
        t14 = v - c * 65536;
        v = t15 + c + 65535;
        c = Math.floor(v / 65536);
        t15 = v - c * 65536;
        t0 += c - 1 + 37 * (c - 1);
        c = 1;
        v = t0 + c + 65535;
        c = Math.floor(v / 65536);
        t0 = v - c * 65536;
        v = t1 + c + 65535;
        c = Math.floor(v / 65536);
        t1 = v - c * 65536;
        v = t2 + c + 65535;
        c = Math.floor(v / 65536);
        t2 = v - c * 65536;
        v = t3 + c + 65535;
        c = Math.floor(v / 65536);
        t3 = v - c * 65536;
        v = t4 + c + 65535;
        c = Math.floor(v / 65536);
        t4 = v - c * 65536;
        v = t5 + c + 65535;
        c = Math.floor(v / 65536);
        t5 = v - c * 65536;
        v = t6 + c + 65535;
        c = Math.floor(v / 65536);
        t6 = v - c * 65536;
        v = t7 + c + 65535;
        c = Math.floor(v / 65536);
        t7 = v - c * 65536;
        v = t8 + c + 65535;
        c = Math.floor(v / 65536);
        t8 = v - c * 65536;
        v = t9 + c + 65535;
        c = Math.floor(v / 65536);
        t9 = v - c * 65536;
        v = t10 + c + 65535;
        c = Math.floor(v / 65536);
        t10 = v - c * 65536;
        v = t11 + c + 65535;
        c = Math.floor(v / 65536);
        t11 = v - c * 65536;
        v = t12 + c + 65535;
        c = Math.floor(v / 65536);
        t12 = v - c * 65536;
        v = t13 + c + 65535;
        c = Math.floor(v / 65536);
        t13 = v - c * 65536;
        v = t14 + c + 65535;
        c = Math.floor(v / 65536);
        t14 = v - c * 65536;
        v = t15 + c + 65535;
        c = Math.floor(v / 65536);
        t15 = v - c * 65536;
        t0 += c - 1 + 37 * (c - 1);
        o[0] = t0;
        o[1] = t1;
        o[2] = t2;
        o[3] = t3;
        o[4] = t4;
        o[5] = t5;
        o[6] = t6;
        o[7] = t7;
        o[8] = t8;
        o[9] = t9;
        o[10] = t10;
        o[11] = t11;
        o[12] = t12;
        o[13] = t13;
        o[14] = t14;
        o[15] = t15;
      }
      function S(o, a) {
        M(o, a, a);
      }
      function inv25519(o, i) {
        var c = gf();
        var a;
        for (a = 0; a < 16; a++) c[a] = i[a];
        for (a = 253; a >= 0; a--) {
          S(c, c);
          if (a !== 2 && a !== 4) M(c, c, i);
        }
        for (a = 0; a < 16; a++) o[a] = c[a];
      }
      function pow2523(o, i) {
        var c = gf();
        var a;
        for (a = 0; a < 16; a++) c[a] = i[a];
        for (a = 250; a >= 0; a--) {
          S(c, c);
          if (a !== 1) M(c, c, i);
        }
        for (a = 0; a < 16; a++) o[a] = c[a];
      }
      function crypto_scalarmult(q, n, p) {
        var z = new Uint8Array(32);
        var x = new Float64Array(80), r, i;
        var a = gf(), b = gf(), c = gf(), d = gf(), e = gf(), f = gf();
        for (i = 0; i < 31; i++) z[i] = n[i];
        z[31] = n[31] & 127 | 64;
        z[0] &= 248;
        unpack25519(x, p);
        for (i = 0; i < 16; i++) {
          b[i] = x[i];
          d[i] = a[i] = c[i] = 0;
        }
        a[0] = d[0] = 1;
        for (i = 254; i >= 0; --i) {
          r = z[i >>> 3] >>> (i & 7) & 1;
          sel25519(a, b, r);
          sel25519(c, d, r);
          A(e, a, c);
          Z(a, a, c);
          A(c, b, d);
          Z(b, b, d);
          S(d, e);
          S(f, a);
          M(a, c, a);
          M(c, b, e);
          A(e, a, c);
          Z(a, a, c);
          S(b, a);
          Z(c, d, f);
          M(a, c, _121665);
          A(a, a, d);
          M(c, c, a);
          M(a, d, f);
          M(d, b, x);
          S(b, e);
          sel25519(a, b, r);
          sel25519(c, d, r);
        }
        for (i = 0; i < 16; i++) {
          x[i + 16] = a[i];
          x[i + 32] = c[i];
          x[i + 48] = b[i];
          x[i + 64] = d[i];
        }
        var x32 = x.subarray(32);
        var x16 = x.subarray(16);
        inv25519(x32, x32);
        M(x16, x16, x32);
        pack25519(q, x16);
        return 0;
      }
      function crypto_scalarmult_base(q, n) {
        return crypto_scalarmult(q, n, _9);
      }
      function crypto_box_keypair(y, x) {
        randombytes(x, 32);
        return crypto_scalarmult_base(y, x);
      }
      function crypto_box_beforenm(k, y, x) {
        var s = new Uint8Array(32);
        crypto_scalarmult(s, x, y);
        return crypto_core_hsalsa20(k, _0, s, sigma);
      }
      var crypto_box_afternm = crypto_secretbox;
      var crypto_box_open_afternm = crypto_secretbox_open;
      function crypto_box(c, m, d, n, y, x) {
        var k = new Uint8Array(32);
        crypto_box_beforenm(k, y, x);
        return crypto_box_afternm(c, m, d, n, k);
      }
      function crypto_box_open(m, c, d, n, y, x) {
        var k = new Uint8Array(32);
        crypto_box_beforenm(k, y, x);
        return crypto_box_open_afternm(m, c, d, n, k);
      }
      var K = [
        1116352408,
        3609767458,
        1899447441,
        602891725,
        3049323471,
        3964484399,
        3921009573,
        2173295548,
        961987163,
        4081628472,
        1508970993,
        3053834265,
        2453635748,
        2937671579,
        2870763221,
        3664609560,
        3624381080,
        2734883394,
        310598401,
        1164996542,
        607225278,
        1323610764,
        1426881987,
        3590304994,
        1925078388,
        4068182383,
        2162078206,
        991336113,
        2614888103,
        633803317,
        3248222580,
        3479774868,
        3835390401,
        2666613458,
        4022224774,
        944711139,
        264347078,
        2341262773,
        604807628,
        2007800933,
        770255983,
        1495990901,
        1249150122,
        1856431235,
        1555081692,
        3175218132,
        1996064986,
        2198950837,
        2554220882,
        3999719339,
        2821834349,
        766784016,
        2952996808,
        2566594879,
        3210313671,
        3203337956,
        3336571891,
        1034457026,
        3584528711,
        2466948901,
        113926993,
        3758326383,
        338241895,
        168717936,
        666307205,
        1188179964,
        773529912,
        1546045734,
        1294757372,
        1522805485,
        1396182291,
        2643833823,
        1695183700,
        2343527390,
        1986661051,
        1014477480,
        2177026350,
        1206759142,
        2456956037,
        344077627,
        2730485921,
        1290863460,
        2820302411,
        3158454273,
        3259730800,
        3505952657,
        3345764771,
        106217008,
        3516065817,
        3606008344,
        3600352804,
        1432725776,
        4094571909,
        1467031594,
        275423344,
        851169720,
        430227734,
        3100823752,
        506948616,
        1363258195,
        659060556,
        3750685593,
        883997877,
        3785050280,
        958139571,
        3318307427,
        1322822218,
        3812723403,
        1537002063,
        2003034995,
        1747873779,
        3602036899,
        1955562222,
        1575990012,
        2024104815,
        1125592928,
        2227730452,
        2716904306,
        2361852424,
        442776044,
        2428436474,
        593698344,
        2756734187,
        3733110249,
        3204031479,
        2999351573,
        3329325298,
        3815920427,
        3391569614,
        3928383900,
        3515267271,
        566280711,
        3940187606,
        3454069534,
        4118630271,
        4000239992,
        116418474,
        1914138554,
        174292421,
        2731055270,
        289380356,
        3203993006,
        460393269,
        320620315,
        685471733,
        587496836,
        852142971,
        1086792851,
        1017036298,
        365543100,
        1126000580,
        2618297676,
        1288033470,
        3409855158,
        1501505948,
        4234509866,
        1607167915,
        987167468,
        1816402316,
        1246189591
      ];
      function crypto_hashblocks_hl(hh, hl, m, n) {
        var wh = new Int32Array(16), wl = new Int32Array(16), bh0, bh1, bh2, bh3, bh4, bh5, bh6, bh7, bl0, bl1, bl2, bl3, bl4, bl5, bl6, bl7, th, tl, i, j, h, l, a, b, c, d;
        var ah0 = hh[0], ah1 = hh[1], ah2 = hh[2], ah3 = hh[3], ah4 = hh[4], ah5 = hh[5], ah6 = hh[6], ah7 = hh[7], al0 = hl[0], al1 = hl[1], al2 = hl[2], al3 = hl[3], al4 = hl[4], al5 = hl[5], al6 = hl[6], al7 = hl[7];
        var pos = 0;
        while (n >= 128) {
          for (i = 0; i < 16; i++) {
            j = 8 * i + pos;
            wh[i] = m[j + 0] << 24 | m[j + 1] << 16 | m[j + 2] << 8 | m[j + 3];
            wl[i] = m[j + 4] << 24 | m[j + 5] << 16 | m[j + 6] << 8 | m[j + 7];
          }
          for (i = 0; i < 80; i++) {
            bh0 = ah0;
            bh1 = ah1;
            bh2 = ah2;
            bh3 = ah3;
            bh4 = ah4;
            bh5 = ah5;
            bh6 = ah6;
            bh7 = ah7;
            bl0 = al0;
            bl1 = al1;
            bl2 = al2;
            bl3 = al3;
            bl4 = al4;
            bl5 = al5;
            bl6 = al6;
            bl7 = al7;
            h = ah7;
            l = al7;
            a = l & 65535;
            b = l >>> 16;
            c = h & 65535;
            d = h >>> 16;
            h = (ah4 >>> 14 | al4 << 32 - 14) ^ (ah4 >>> 18 | al4 << 32 - 18) ^ (al4 >>> 41 - 32 | ah4 << 32 - (41 - 32));
            l = (al4 >>> 14 | ah4 << 32 - 14) ^ (al4 >>> 18 | ah4 << 32 - 18) ^ (ah4 >>> 41 - 32 | al4 << 32 - (41 - 32));
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            h = ah4 & ah5 ^ ~ah4 & ah6;
            l = al4 & al5 ^ ~al4 & al6;
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            h = K[i * 2];
            l = K[i * 2 + 1];
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            h = wh[i % 16];
            l = wl[i % 16];
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            b += a >>> 16;
            c += b >>> 16;
            d += c >>> 16;
            th = c & 65535 | d << 16;
            tl = a & 65535 | b << 16;
            h = th;
            l = tl;
            a = l & 65535;
            b = l >>> 16;
            c = h & 65535;
            d = h >>> 16;
            h = (ah0 >>> 28 | al0 << 32 - 28) ^ (al0 >>> 34 - 32 | ah0 << 32 - (34 - 32)) ^ (al0 >>> 39 - 32 | ah0 << 32 - (39 - 32));
            l = (al0 >>> 28 | ah0 << 32 - 28) ^ (ah0 >>> 34 - 32 | al0 << 32 - (34 - 32)) ^ (ah0 >>> 39 - 32 | al0 << 32 - (39 - 32));
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            h = ah0 & ah1 ^ ah0 & ah2 ^ ah1 & ah2;
            l = al0 & al1 ^ al0 & al2 ^ al1 & al2;
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            b += a >>> 16;
            c += b >>> 16;
            d += c >>> 16;
            bh7 = c & 65535 | d << 16;
            bl7 = a & 65535 | b << 16;
            h = bh3;
            l = bl3;
            a = l & 65535;
            b = l >>> 16;
            c = h & 65535;
            d = h >>> 16;
            h = th;
            l = tl;
            a += l & 65535;
            b += l >>> 16;
            c += h & 65535;
            d += h >>> 16;
            b += a >>> 16;
            c += b >>> 16;
            d += c >>> 16;
            bh3 = c & 65535 | d << 16;
            bl3 = a & 65535 | b << 16;
            ah1 = bh0;
            ah2 = bh1;
            ah3 = bh2;
            ah4 = bh3;
            ah5 = bh4;
            ah6 = bh5;
            ah7 = bh6;
            ah0 = bh7;
            al1 = bl0;
            al2 = bl1;
            al3 = bl2;
            al4 = bl3;
            al5 = bl4;
            al6 = bl5;
            al7 = bl6;
            al0 = bl7;
            if (i % 16 === 15) {
              for (j = 0; j < 16; j++) {
                h = wh[j];
                l = wl[j];
                a = l & 65535;
                b = l >>> 16;
                c = h & 65535;
                d = h >>> 16;
                h = wh[(j + 9) % 16];
                l = wl[(j + 9) % 16];
                a += l & 65535;
                b += l >>> 16;
                c += h & 65535;
                d += h >>> 16;
                th = wh[(j + 1) % 16];
                tl = wl[(j + 1) % 16];
                h = (th >>> 1 | tl << 32 - 1) ^ (th >>> 8 | tl << 32 - 8) ^ th >>> 7;
                l = (tl >>> 1 | th << 32 - 1) ^ (tl >>> 8 | th << 32 - 8) ^ (tl >>> 7 | th << 32 - 7);
                a += l & 65535;
                b += l >>> 16;
                c += h & 65535;
                d += h >>> 16;
                th = wh[(j + 14) % 16];
                tl = wl[(j + 14) % 16];
                h = (th >>> 19 | tl << 32 - 19) ^ (tl >>> 61 - 32 | th << 32 - (61 - 32)) ^ th >>> 6;
                l = (tl >>> 19 | th << 32 - 19) ^ (th >>> 61 - 32 | tl << 32 - (61 - 32)) ^ (tl >>> 6 | th << 32 - 6);
                a += l & 65535;
                b += l >>> 16;
                c += h & 65535;
                d += h >>> 16;
                b += a >>> 16;
                c += b >>> 16;
                d += c >>> 16;
                wh[j] = c & 65535 | d << 16;
                wl[j] = a & 65535 | b << 16;
              }
            }
          }
          h = ah0;
          l = al0;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[0];
          l = hl[0];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[0] = ah0 = c & 65535 | d << 16;
          hl[0] = al0 = a & 65535 | b << 16;
          h = ah1;
          l = al1;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[1];
          l = hl[1];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[1] = ah1 = c & 65535 | d << 16;
          hl[1] = al1 = a & 65535 | b << 16;
          h = ah2;
          l = al2;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[2];
          l = hl[2];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[2] = ah2 = c & 65535 | d << 16;
          hl[2] = al2 = a & 65535 | b << 16;
          h = ah3;
          l = al3;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[3];
          l = hl[3];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[3] = ah3 = c & 65535 | d << 16;
          hl[3] = al3 = a & 65535 | b << 16;
          h = ah4;
          l = al4;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[4];
          l = hl[4];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[4] = ah4 = c & 65535 | d << 16;
          hl[4] = al4 = a & 65535 | b << 16;
          h = ah5;
          l = al5;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[5];
          l = hl[5];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[5] = ah5 = c & 65535 | d << 16;
          hl[5] = al5 = a & 65535 | b << 16;
          h = ah6;
          l = al6;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[6];
          l = hl[6];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[6] = ah6 = c & 65535 | d << 16;
          hl[6] = al6 = a & 65535 | b << 16;
          h = ah7;
          l = al7;
          a = l & 65535;
          b = l >>> 16;
          c = h & 65535;
          d = h >>> 16;
          h = hh[7];
          l = hl[7];
          a += l & 65535;
          b += l >>> 16;
          c += h & 65535;
          d += h >>> 16;
          b += a >>> 16;
          c += b >>> 16;
          d += c >>> 16;
          hh[7] = ah7 = c & 65535 | d << 16;
          hl[7] = al7 = a & 65535 | b << 16;
          pos += 128;
          n -= 128;
        }
        return n;
      }
      function crypto_hash(out2, m, n) {
        var hh = new Int32Array(8), hl = new Int32Array(8), x = new Uint8Array(256), i, b = n;
        hh[0] = 1779033703;
        hh[1] = 3144134277;
        hh[2] = 1013904242;
        hh[3] = 2773480762;
        hh[4] = 1359893119;
        hh[5] = 2600822924;
        hh[6] = 528734635;
        hh[7] = 1541459225;
        hl[0] = 4089235720;
        hl[1] = 2227873595;
        hl[2] = 4271175723;
        hl[3] = 1595750129;
        hl[4] = 2917565137;
        hl[5] = 725511199;
        hl[6] = 4215389547;
        hl[7] = 327033209;
        crypto_hashblocks_hl(hh, hl, m, n);
        n %= 128;
        for (i = 0; i < n; i++) x[i] = m[b - n + i];
        x[n] = 128;
        n = 256 - 128 * (n < 112 ? 1 : 0);
        x[n - 9] = 0;
        ts64(x, n - 8, b / 536870912 | 0, b << 3);
        crypto_hashblocks_hl(hh, hl, x, n);
        for (i = 0; i < 8; i++) ts64(out2, 8 * i, hh[i], hl[i]);
        return 0;
      }
      function add2(p, q) {
        var a = gf(), b = gf(), c = gf(), d = gf(), e = gf(), f = gf(), g = gf(), h = gf(), t = gf();
        Z(a, p[1], p[0]);
        Z(t, q[1], q[0]);
        M(a, a, t);
        A(b, p[0], p[1]);
        A(t, q[0], q[1]);
        M(b, b, t);
        M(c, p[3], q[3]);
        M(c, c, D2);
        M(d, p[2], q[2]);
        A(d, d, d);
        Z(e, b, a);
        Z(f, d, c);
        A(g, d, c);
        A(h, b, a);
        M(p[0], e, f);
        M(p[1], h, g);
        M(p[2], g, f);
        M(p[3], e, h);
      }
      function cswap2(p, q, b) {
        var i;
        for (i = 0; i < 4; i++) {
          sel25519(p[i], q[i], b);
        }
      }
      function pack(r, p) {
        var tx = gf(), ty = gf(), zi = gf();
        inv25519(zi, p[2]);
        M(tx, p[0], zi);
        M(ty, p[1], zi);
        pack25519(r, ty);
        r[31] ^= par25519(tx) << 7;
      }
      function scalarmult(p, q, s) {
        var b, i;
        set25519(p[0], gf0);
        set25519(p[1], gf1);
        set25519(p[2], gf1);
        set25519(p[3], gf0);
        for (i = 255; i >= 0; --i) {
          b = s[i / 8 | 0] >> (i & 7) & 1;
          cswap2(p, q, b);
          add2(q, p);
          add2(p, p);
          cswap2(p, q, b);
        }
      }
      function scalarbase(p, s) {
        var q = [gf(), gf(), gf(), gf()];
        set25519(q[0], X);
        set25519(q[1], Y);
        set25519(q[2], gf1);
        M(q[3], X, Y);
        scalarmult(p, q, s);
      }
      function crypto_sign_keypair(pk, sk, seeded) {
        var d = new Uint8Array(64);
        var p = [gf(), gf(), gf(), gf()];
        var i;
        if (!seeded) randombytes(sk, 32);
        crypto_hash(d, sk, 32);
        d[0] &= 248;
        d[31] &= 127;
        d[31] |= 64;
        scalarbase(p, d);
        pack(pk, p);
        for (i = 0; i < 32; i++) sk[i + 32] = pk[i];
        return 0;
      }
      var L = new Float64Array([237, 211, 245, 92, 26, 99, 18, 88, 214, 156, 247, 162, 222, 249, 222, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16]);
      function modL(r, x) {
        var carry, i, j, k;
        for (i = 63; i >= 32; --i) {
          carry = 0;
          for (j = i - 32, k = i - 12; j < k; ++j) {
            x[j] += carry - 16 * x[i] * L[j - (i - 32)];
            carry = x[j] + 128 >> 8;
            x[j] -= carry * 256;
          }
          x[j] += carry;
          x[i] = 0;
        }
        carry = 0;
        for (j = 0; j < 32; j++) {
          x[j] += carry - (x[31] >> 4) * L[j];
          carry = x[j] >> 8;
          x[j] &= 255;
        }
        for (j = 0; j < 32; j++) x[j] -= carry * L[j];
        for (i = 0; i < 32; i++) {
          x[i + 1] += x[i] >> 8;
          r[i] = x[i] & 255;
        }
      }
      function reduce(r) {
        var x = new Float64Array(64), i;
        for (i = 0; i < 64; i++) x[i] = r[i];
        for (i = 0; i < 64; i++) r[i] = 0;
        modL(r, x);
      }
      function crypto_sign(sm, m, n, sk) {
        var d = new Uint8Array(64), h = new Uint8Array(64), r = new Uint8Array(64);
        var i, j, x = new Float64Array(64);
        var p = [gf(), gf(), gf(), gf()];
        crypto_hash(d, sk, 32);
        d[0] &= 248;
        d[31] &= 127;
        d[31] |= 64;
        var smlen = n + 64;
        for (i = 0; i < n; i++) sm[64 + i] = m[i];
        for (i = 0; i < 32; i++) sm[32 + i] = d[32 + i];
        crypto_hash(r, sm.subarray(32), n + 32);
        reduce(r);
        scalarbase(p, r);
        pack(sm, p);
        for (i = 32; i < 64; i++) sm[i] = sk[i];
        crypto_hash(h, sm, n + 64);
        reduce(h);
        for (i = 0; i < 64; i++) x[i] = 0;
        for (i = 0; i < 32; i++) x[i] = r[i];
        for (i = 0; i < 32; i++) {
          for (j = 0; j < 32; j++) {
            x[i + j] += h[i] * d[j];
          }
        }
        modL(sm.subarray(32), x);
        return smlen;
      }
      function unpackneg(r, p) {
        var t = gf(), chk = gf(), num = gf(), den = gf(), den2 = gf(), den4 = gf(), den6 = gf();
        set25519(r[2], gf1);
        unpack25519(r[1], p);
        S(num, r[1]);
        M(den, num, D);
        Z(num, num, r[2]);
        A(den, r[2], den);
        S(den2, den);
        S(den4, den2);
        M(den6, den4, den2);
        M(t, den6, num);
        M(t, t, den);
        pow2523(t, t);
        M(t, t, num);
        M(t, t, den);
        M(t, t, den);
        M(r[0], t, den);
        S(chk, r[0]);
        M(chk, chk, den);
        if (neq25519(chk, num)) M(r[0], r[0], I);
        S(chk, r[0]);
        M(chk, chk, den);
        if (neq25519(chk, num)) return -1;
        if (par25519(r[0]) === p[31] >> 7) Z(r[0], gf0, r[0]);
        M(r[3], r[0], r[1]);
        return 0;
      }
      function crypto_sign_open(m, sm, n, pk) {
        var i, mlen;
        var t = new Uint8Array(32), h = new Uint8Array(64);
        var p = [gf(), gf(), gf(), gf()], q = [gf(), gf(), gf(), gf()];
        mlen = -1;
        if (n < 64) return -1;
        if (unpackneg(q, pk)) return -1;
        for (i = 0; i < n; i++) m[i] = sm[i];
        for (i = 0; i < 32; i++) m[i + 32] = pk[i];
        crypto_hash(h, m, n);
        reduce(h);
        scalarmult(p, q, h);
        scalarbase(q, sm.subarray(32));
        add2(p, q);
        pack(t, p);
        n -= 64;
        if (crypto_verify_32(sm, 0, t, 0)) {
          for (i = 0; i < n; i++) m[i] = 0;
          return -1;
        }
        for (i = 0; i < n; i++) m[i] = sm[i + 64];
        mlen = n;
        return mlen;
      }
      var crypto_secretbox_KEYBYTES = 32, crypto_secretbox_NONCEBYTES = 24, crypto_secretbox_ZEROBYTES = 32, crypto_secretbox_BOXZEROBYTES = 16, crypto_scalarmult_BYTES = 32, crypto_scalarmult_SCALARBYTES = 32, crypto_box_PUBLICKEYBYTES = 32, crypto_box_SECRETKEYBYTES = 32, crypto_box_BEFORENMBYTES = 32, crypto_box_NONCEBYTES = crypto_secretbox_NONCEBYTES, crypto_box_ZEROBYTES = crypto_secretbox_ZEROBYTES, crypto_box_BOXZEROBYTES = crypto_secretbox_BOXZEROBYTES, crypto_sign_BYTES = 64, crypto_sign_PUBLICKEYBYTES = 32, crypto_sign_SECRETKEYBYTES = 64, crypto_sign_SEEDBYTES = 32, crypto_hash_BYTES = 64;
      nacl.lowlevel = {
        crypto_core_hsalsa20,
        crypto_stream_xor,
        crypto_stream,
        crypto_stream_salsa20_xor,
        crypto_stream_salsa20,
        crypto_onetimeauth,
        crypto_onetimeauth_verify,
        crypto_verify_16,
        crypto_verify_32,
        crypto_secretbox,
        crypto_secretbox_open,
        crypto_scalarmult,
        crypto_scalarmult_base,
        crypto_box_beforenm,
        crypto_box_afternm,
        crypto_box,
        crypto_box_open,
        crypto_box_keypair,
        crypto_hash,
        crypto_sign,
        crypto_sign_keypair,
        crypto_sign_open,
        crypto_secretbox_KEYBYTES,
        crypto_secretbox_NONCEBYTES,
        crypto_secretbox_ZEROBYTES,
        crypto_secretbox_BOXZEROBYTES,
        crypto_scalarmult_BYTES,
        crypto_scalarmult_SCALARBYTES,
        crypto_box_PUBLICKEYBYTES,
        crypto_box_SECRETKEYBYTES,
        crypto_box_BEFORENMBYTES,
        crypto_box_NONCEBYTES,
        crypto_box_ZEROBYTES,
        crypto_box_BOXZEROBYTES,
        crypto_sign_BYTES,
        crypto_sign_PUBLICKEYBYTES,
        crypto_sign_SECRETKEYBYTES,
        crypto_sign_SEEDBYTES,
        crypto_hash_BYTES
      };
      function checkLengths(k, n) {
        if (k.length !== crypto_secretbox_KEYBYTES) throw new Error("bad key size");
        if (n.length !== crypto_secretbox_NONCEBYTES) throw new Error("bad nonce size");
      }
      function checkBoxLengths(pk, sk) {
        if (pk.length !== crypto_box_PUBLICKEYBYTES) throw new Error("bad public key size");
        if (sk.length !== crypto_box_SECRETKEYBYTES) throw new Error("bad secret key size");
      }
      function checkArrayTypes() {
        var t, i;
        for (i = 0; i < arguments.length; i++) {
          if ((t = Object.prototype.toString.call(arguments[i])) !== "[object Uint8Array]")
            throw new TypeError("unexpected type " + t + ", use Uint8Array");
        }
      }
      function cleanup(arr) {
        for (var i = 0; i < arr.length; i++) arr[i] = 0;
      }
      if (!nacl.util) {
        nacl.util = {};
        nacl.util.decodeUTF8 = nacl.util.encodeUTF8 = nacl.util.encodeBase64 = nacl.util.decodeBase64 = function() {
          throw new Error("nacl.util moved into separate package: https://github.com/dchest/tweetnacl-util-js");
        };
      }
      nacl.randomBytes = function(n) {
        var b = new Uint8Array(n);
        randombytes(b, n);
        return b;
      };
      nacl.secretbox = function(msg, nonce, key) {
        checkArrayTypes(msg, nonce, key);
        checkLengths(key, nonce);
        var m = new Uint8Array(crypto_secretbox_ZEROBYTES + msg.length);
        var c = new Uint8Array(m.length);
        for (var i = 0; i < msg.length; i++) m[i + crypto_secretbox_ZEROBYTES] = msg[i];
        crypto_secretbox(c, m, m.length, nonce, key);
        return c.subarray(crypto_secretbox_BOXZEROBYTES);
      };
      nacl.secretbox.open = function(box, nonce, key) {
        checkArrayTypes(box, nonce, key);
        checkLengths(key, nonce);
        var c = new Uint8Array(crypto_secretbox_BOXZEROBYTES + box.length);
        var m = new Uint8Array(c.length);
        for (var i = 0; i < box.length; i++) c[i + crypto_secretbox_BOXZEROBYTES] = box[i];
        if (c.length < 32) return false;
        if (crypto_secretbox_open(m, c, c.length, nonce, key) !== 0) return false;
        return m.subarray(crypto_secretbox_ZEROBYTES);
      };
      nacl.secretbox.keyLength = crypto_secretbox_KEYBYTES;
      nacl.secretbox.nonceLength = crypto_secretbox_NONCEBYTES;
      nacl.secretbox.overheadLength = crypto_secretbox_BOXZEROBYTES;
      nacl.scalarMult = function(n, p) {
        checkArrayTypes(n, p);
        if (n.length !== crypto_scalarmult_SCALARBYTES) throw new Error("bad n size");
        if (p.length !== crypto_scalarmult_BYTES) throw new Error("bad p size");
        var q = new Uint8Array(crypto_scalarmult_BYTES);
        crypto_scalarmult(q, n, p);
        return q;
      };
      nacl.scalarMult.base = function(n) {
        checkArrayTypes(n);
        if (n.length !== crypto_scalarmult_SCALARBYTES) throw new Error("bad n size");
        var q = new Uint8Array(crypto_scalarmult_BYTES);
        crypto_scalarmult_base(q, n);
        return q;
      };
      nacl.scalarMult.scalarLength = crypto_scalarmult_SCALARBYTES;
      nacl.scalarMult.groupElementLength = crypto_scalarmult_BYTES;
      nacl.box = function(msg, nonce, publicKey, secretKey) {
        var k = nacl.box.before(publicKey, secretKey);
        return nacl.secretbox(msg, nonce, k);
      };
      nacl.box.before = function(publicKey, secretKey) {
        checkArrayTypes(publicKey, secretKey);
        checkBoxLengths(publicKey, secretKey);
        var k = new Uint8Array(crypto_box_BEFORENMBYTES);
        crypto_box_beforenm(k, publicKey, secretKey);
        return k;
      };
      nacl.box.after = nacl.secretbox;
      nacl.box.open = function(msg, nonce, publicKey, secretKey) {
        var k = nacl.box.before(publicKey, secretKey);
        return nacl.secretbox.open(msg, nonce, k);
      };
      nacl.box.open.after = nacl.secretbox.open;
      nacl.box.keyPair = function() {
        var pk = new Uint8Array(crypto_box_PUBLICKEYBYTES);
        var sk = new Uint8Array(crypto_box_SECRETKEYBYTES);
        crypto_box_keypair(pk, sk);
        return { publicKey: pk, secretKey: sk };
      };
      nacl.box.keyPair.fromSecretKey = function(secretKey) {
        checkArrayTypes(secretKey);
        if (secretKey.length !== crypto_box_SECRETKEYBYTES)
          throw new Error("bad secret key size");
        var pk = new Uint8Array(crypto_box_PUBLICKEYBYTES);
        crypto_scalarmult_base(pk, secretKey);
        return { publicKey: pk, secretKey: new Uint8Array(secretKey) };
      };
      nacl.box.publicKeyLength = crypto_box_PUBLICKEYBYTES;
      nacl.box.secretKeyLength = crypto_box_SECRETKEYBYTES;
      nacl.box.sharedKeyLength = crypto_box_BEFORENMBYTES;
      nacl.box.nonceLength = crypto_box_NONCEBYTES;
      nacl.box.overheadLength = nacl.secretbox.overheadLength;
      nacl.sign = function(msg, secretKey) {
        checkArrayTypes(msg, secretKey);
        if (secretKey.length !== crypto_sign_SECRETKEYBYTES)
          throw new Error("bad secret key size");
        var signedMsg = new Uint8Array(crypto_sign_BYTES + msg.length);
        crypto_sign(signedMsg, msg, msg.length, secretKey);
        return signedMsg;
      };
      nacl.sign.open = function(signedMsg, publicKey) {
        if (arguments.length !== 2)
          throw new Error("nacl.sign.open accepts 2 arguments; did you mean to use nacl.sign.detached.verify?");
        checkArrayTypes(signedMsg, publicKey);
        if (publicKey.length !== crypto_sign_PUBLICKEYBYTES)
          throw new Error("bad public key size");
        var tmp = new Uint8Array(signedMsg.length);
        var mlen = crypto_sign_open(tmp, signedMsg, signedMsg.length, publicKey);
        if (mlen < 0) return null;
        var m = new Uint8Array(mlen);
        for (var i = 0; i < m.length; i++) m[i] = tmp[i];
        return m;
      };
      nacl.sign.detached = function(msg, secretKey) {
        var signedMsg = nacl.sign(msg, secretKey);
        var sig = new Uint8Array(crypto_sign_BYTES);
        for (var i = 0; i < sig.length; i++) sig[i] = signedMsg[i];
        return sig;
      };
      nacl.sign.detached.verify = function(msg, sig, publicKey) {
        checkArrayTypes(msg, sig, publicKey);
        if (sig.length !== crypto_sign_BYTES)
          throw new Error("bad signature size");
        if (publicKey.length !== crypto_sign_PUBLICKEYBYTES)
          throw new Error("bad public key size");
        var sm = new Uint8Array(crypto_sign_BYTES + msg.length);
        var m = new Uint8Array(crypto_sign_BYTES + msg.length);
        var i;
        for (i = 0; i < crypto_sign_BYTES; i++) sm[i] = sig[i];
        for (i = 0; i < msg.length; i++) sm[i + crypto_sign_BYTES] = msg[i];
        return crypto_sign_open(m, sm, sm.length, publicKey) >= 0;
      };
      nacl.sign.keyPair = function() {
        var pk = new Uint8Array(crypto_sign_PUBLICKEYBYTES);
        var sk = new Uint8Array(crypto_sign_SECRETKEYBYTES);
        crypto_sign_keypair(pk, sk);
        return { publicKey: pk, secretKey: sk };
      };
      nacl.sign.keyPair.fromSecretKey = function(secretKey) {
        checkArrayTypes(secretKey);
        if (secretKey.length !== crypto_sign_SECRETKEYBYTES)
          throw new Error("bad secret key size");
        var pk = new Uint8Array(crypto_sign_PUBLICKEYBYTES);
        for (var i = 0; i < pk.length; i++) pk[i] = secretKey[32 + i];
        return { publicKey: pk, secretKey: new Uint8Array(secretKey) };
      };
      nacl.sign.keyPair.fromSeed = function(seed) {
        checkArrayTypes(seed);
        if (seed.length !== crypto_sign_SEEDBYTES)
          throw new Error("bad seed size");
        var pk = new Uint8Array(crypto_sign_PUBLICKEYBYTES);
        var sk = new Uint8Array(crypto_sign_SECRETKEYBYTES);
        for (var i = 0; i < 32; i++) sk[i] = seed[i];
        crypto_sign_keypair(pk, sk, true);
        return { publicKey: pk, secretKey: sk };
      };
      nacl.sign.publicKeyLength = crypto_sign_PUBLICKEYBYTES;
      nacl.sign.secretKeyLength = crypto_sign_SECRETKEYBYTES;
      nacl.sign.seedLength = crypto_sign_SEEDBYTES;
      nacl.sign.signatureLength = crypto_sign_BYTES;
      nacl.hash = function(msg) {
        checkArrayTypes(msg);
        var h = new Uint8Array(crypto_hash_BYTES);
        crypto_hash(h, msg, msg.length);
        return h;
      };
      nacl.hash.hashLength = crypto_hash_BYTES;
      nacl.verify = function(x, y) {
        checkArrayTypes(x, y);
        if (x.length === 0 || y.length === 0) return false;
        if (x.length !== y.length) return false;
        return vn(x, 0, y, 0, x.length) === 0 ? true : false;
      };
      nacl.setPRNG = function(fn) {
        randombytes = fn;
      };
      (function() {
        var crypto2 = typeof self !== "undefined" ? self.crypto || self.msCrypto : null;
        if (crypto2 && crypto2.getRandomValues) {
          var QUOTA = 65536;
          nacl.setPRNG(function(x, n) {
            var i, v = new Uint8Array(n);
            for (i = 0; i < n; i += QUOTA) {
              crypto2.getRandomValues(v.subarray(i, i + Math.min(n - i, QUOTA)));
            }
            for (i = 0; i < n; i++) x[i] = v[i];
            cleanup(v);
          });
        } else if (typeof require !== "undefined") {
          crypto2 = require("crypto");
          if (crypto2 && crypto2.randomBytes) {
            nacl.setPRNG(function(x, n) {
              var i, v = crypto2.randomBytes(n);
              for (i = 0; i < n; i++) x[i] = v[i];
              cleanup(v);
            });
          }
        }
      })();
    })(typeof module2 !== "undefined" && module2.exports ? module2.exports : self.nacl = self.nacl || {});
  }
});

// node_modules/bcrypt-pbkdf/index.js
var require_bcrypt_pbkdf = __commonJS({
  "node_modules/bcrypt-pbkdf/index.js"(exports2, module2) {
    "use strict";
    var crypto_hash_sha512 = require_nacl_fast().lowlevel.crypto_hash;
    var BLF_J = 0;
    var Blowfish = function() {
      this.S = [
        new Uint32Array([
          3509652390,
          2564797868,
          805139163,
          3491422135,
          3101798381,
          1780907670,
          3128725573,
          4046225305,
          614570311,
          3012652279,
          134345442,
          2240740374,
          1667834072,
          1901547113,
          2757295779,
          4103290238,
          227898511,
          1921955416,
          1904987480,
          2182433518,
          2069144605,
          3260701109,
          2620446009,
          720527379,
          3318853667,
          677414384,
          3393288472,
          3101374703,
          2390351024,
          1614419982,
          1822297739,
          2954791486,
          3608508353,
          3174124327,
          2024746970,
          1432378464,
          3864339955,
          2857741204,
          1464375394,
          1676153920,
          1439316330,
          715854006,
          3033291828,
          289532110,
          2706671279,
          2087905683,
          3018724369,
          1668267050,
          732546397,
          1947742710,
          3462151702,
          2609353502,
          2950085171,
          1814351708,
          2050118529,
          680887927,
          999245976,
          1800124847,
          3300911131,
          1713906067,
          1641548236,
          4213287313,
          1216130144,
          1575780402,
          4018429277,
          3917837745,
          3693486850,
          3949271944,
          596196993,
          3549867205,
          258830323,
          2213823033,
          772490370,
          2760122372,
          1774776394,
          2652871518,
          566650946,
          4142492826,
          1728879713,
          2882767088,
          1783734482,
          3629395816,
          2517608232,
          2874225571,
          1861159788,
          326777828,
          3124490320,
          2130389656,
          2716951837,
          967770486,
          1724537150,
          2185432712,
          2364442137,
          1164943284,
          2105845187,
          998989502,
          3765401048,
          2244026483,
          1075463327,
          1455516326,
          1322494562,
          910128902,
          469688178,
          1117454909,
          936433444,
          3490320968,
          3675253459,
          1240580251,
          122909385,
          2157517691,
          634681816,
          4142456567,
          3825094682,
          3061402683,
          2540495037,
          79693498,
          3249098678,
          1084186820,
          1583128258,
          426386531,
          1761308591,
          1047286709,
          322548459,
          995290223,
          1845252383,
          2603652396,
          3431023940,
          2942221577,
          3202600964,
          3727903485,
          1712269319,
          422464435,
          3234572375,
          1170764815,
          3523960633,
          3117677531,
          1434042557,
          442511882,
          3600875718,
          1076654713,
          1738483198,
          4213154764,
          2393238008,
          3677496056,
          1014306527,
          4251020053,
          793779912,
          2902807211,
          842905082,
          4246964064,
          1395751752,
          1040244610,
          2656851899,
          3396308128,
          445077038,
          3742853595,
          3577915638,
          679411651,
          2892444358,
          2354009459,
          1767581616,
          3150600392,
          3791627101,
          3102740896,
          284835224,
          4246832056,
          1258075500,
          768725851,
          2589189241,
          3069724005,
          3532540348,
          1274779536,
          3789419226,
          2764799539,
          1660621633,
          3471099624,
          4011903706,
          913787905,
          3497959166,
          737222580,
          2514213453,
          2928710040,
          3937242737,
          1804850592,
          3499020752,
          2949064160,
          2386320175,
          2390070455,
          2415321851,
          4061277028,
          2290661394,
          2416832540,
          1336762016,
          1754252060,
          3520065937,
          3014181293,
          791618072,
          3188594551,
          3933548030,
          2332172193,
          3852520463,
          3043980520,
          413987798,
          3465142937,
          3030929376,
          4245938359,
          2093235073,
          3534596313,
          375366246,
          2157278981,
          2479649556,
          555357303,
          3870105701,
          2008414854,
          3344188149,
          4221384143,
          3956125452,
          2067696032,
          3594591187,
          2921233993,
          2428461,
          544322398,
          577241275,
          1471733935,
          610547355,
          4027169054,
          1432588573,
          1507829418,
          2025931657,
          3646575487,
          545086370,
          48609733,
          2200306550,
          1653985193,
          298326376,
          1316178497,
          3007786442,
          2064951626,
          458293330,
          2589141269,
          3591329599,
          3164325604,
          727753846,
          2179363840,
          146436021,
          1461446943,
          4069977195,
          705550613,
          3059967265,
          3887724982,
          4281599278,
          3313849956,
          1404054877,
          2845806497,
          146425753,
          1854211946
        ]),
        new Uint32Array([
          1266315497,
          3048417604,
          3681880366,
          3289982499,
          290971e4,
          1235738493,
          2632868024,
          2414719590,
          3970600049,
          1771706367,
          1449415276,
          3266420449,
          422970021,
          1963543593,
          2690192192,
          3826793022,
          1062508698,
          1531092325,
          1804592342,
          2583117782,
          2714934279,
          4024971509,
          1294809318,
          4028980673,
          1289560198,
          2221992742,
          1669523910,
          35572830,
          157838143,
          1052438473,
          1016535060,
          1802137761,
          1753167236,
          1386275462,
          3080475397,
          2857371447,
          1040679964,
          2145300060,
          2390574316,
          1461121720,
          2956646967,
          4031777805,
          4028374788,
          33600511,
          2920084762,
          1018524850,
          629373528,
          3691585981,
          3515945977,
          2091462646,
          2486323059,
          586499841,
          988145025,
          935516892,
          3367335476,
          2599673255,
          2839830854,
          265290510,
          3972581182,
          2759138881,
          3795373465,
          1005194799,
          847297441,
          406762289,
          1314163512,
          1332590856,
          1866599683,
          4127851711,
          750260880,
          613907577,
          1450815602,
          3165620655,
          3734664991,
          3650291728,
          3012275730,
          3704569646,
          1427272223,
          778793252,
          1343938022,
          2676280711,
          2052605720,
          1946737175,
          3164576444,
          3914038668,
          3967478842,
          3682934266,
          1661551462,
          3294938066,
          4011595847,
          840292616,
          3712170807,
          616741398,
          312560963,
          711312465,
          1351876610,
          322626781,
          1910503582,
          271666773,
          2175563734,
          1594956187,
          70604529,
          3617834859,
          1007753275,
          1495573769,
          4069517037,
          2549218298,
          2663038764,
          504708206,
          2263041392,
          3941167025,
          2249088522,
          1514023603,
          1998579484,
          1312622330,
          694541497,
          2582060303,
          2151582166,
          1382467621,
          776784248,
          2618340202,
          3323268794,
          2497899128,
          2784771155,
          503983604,
          4076293799,
          907881277,
          423175695,
          432175456,
          1378068232,
          4145222326,
          3954048622,
          3938656102,
          3820766613,
          2793130115,
          2977904593,
          26017576,
          3274890735,
          3194772133,
          1700274565,
          1756076034,
          4006520079,
          3677328699,
          720338349,
          1533947780,
          354530856,
          688349552,
          3973924725,
          1637815568,
          332179504,
          3949051286,
          53804574,
          2852348879,
          3044236432,
          1282449977,
          3583942155,
          3416972820,
          4006381244,
          1617046695,
          2628476075,
          3002303598,
          1686838959,
          431878346,
          2686675385,
          1700445008,
          1080580658,
          1009431731,
          832498133,
          3223435511,
          2605976345,
          2271191193,
          2516031870,
          1648197032,
          4164389018,
          2548247927,
          300782431,
          375919233,
          238389289,
          3353747414,
          2531188641,
          2019080857,
          1475708069,
          455242339,
          2609103871,
          448939670,
          3451063019,
          1395535956,
          2413381860,
          1841049896,
          1491858159,
          885456874,
          4264095073,
          4001119347,
          1565136089,
          3898914787,
          1108368660,
          540939232,
          1173283510,
          2745871338,
          3681308437,
          4207628240,
          3343053890,
          4016749493,
          1699691293,
          1103962373,
          3625875870,
          2256883143,
          3830138730,
          1031889488,
          3479347698,
          1535977030,
          4236805024,
          3251091107,
          2132092099,
          1774941330,
          1199868427,
          1452454533,
          157007616,
          2904115357,
          342012276,
          595725824,
          1480756522,
          206960106,
          497939518,
          591360097,
          863170706,
          2375253569,
          3596610801,
          1814182875,
          2094937945,
          3421402208,
          1082520231,
          3463918190,
          2785509508,
          435703966,
          3908032597,
          1641649973,
          2842273706,
          3305899714,
          1510255612,
          2148256476,
          2655287854,
          3276092548,
          4258621189,
          236887753,
          3681803219,
          274041037,
          1734335097,
          3815195456,
          3317970021,
          1899903192,
          1026095262,
          4050517792,
          356393447,
          2410691914,
          3873677099,
          3682840055
        ]),
        new Uint32Array([
          3913112168,
          2491498743,
          4132185628,
          2489919796,
          1091903735,
          1979897079,
          3170134830,
          3567386728,
          3557303409,
          857797738,
          1136121015,
          1342202287,
          507115054,
          2535736646,
          337727348,
          3213592640,
          1301675037,
          2528481711,
          1895095763,
          1721773893,
          3216771564,
          62756741,
          2142006736,
          835421444,
          2531993523,
          1442658625,
          3659876326,
          2882144922,
          676362277,
          1392781812,
          170690266,
          3921047035,
          1759253602,
          3611846912,
          1745797284,
          664899054,
          1329594018,
          3901205900,
          3045908486,
          2062866102,
          2865634940,
          3543621612,
          3464012697,
          1080764994,
          553557557,
          3656615353,
          3996768171,
          991055499,
          499776247,
          1265440854,
          648242737,
          3940784050,
          980351604,
          3713745714,
          1749149687,
          3396870395,
          4211799374,
          3640570775,
          1161844396,
          3125318951,
          1431517754,
          545492359,
          4268468663,
          3499529547,
          1437099964,
          2702547544,
          3433638243,
          2581715763,
          2787789398,
          1060185593,
          1593081372,
          2418618748,
          4260947970,
          69676912,
          2159744348,
          86519011,
          2512459080,
          3838209314,
          1220612927,
          3339683548,
          133810670,
          1090789135,
          1078426020,
          1569222167,
          845107691,
          3583754449,
          4072456591,
          1091646820,
          628848692,
          1613405280,
          3757631651,
          526609435,
          236106946,
          48312990,
          2942717905,
          3402727701,
          1797494240,
          859738849,
          992217954,
          4005476642,
          2243076622,
          3870952857,
          3732016268,
          765654824,
          3490871365,
          2511836413,
          1685915746,
          3888969200,
          1414112111,
          2273134842,
          3281911079,
          4080962846,
          172450625,
          2569994100,
          980381355,
          4109958455,
          2819808352,
          2716589560,
          2568741196,
          3681446669,
          3329971472,
          1835478071,
          660984891,
          3704678404,
          4045999559,
          3422617507,
          3040415634,
          1762651403,
          1719377915,
          3470491036,
          2693910283,
          3642056355,
          3138596744,
          1364962596,
          2073328063,
          1983633131,
          926494387,
          3423689081,
          2150032023,
          4096667949,
          1749200295,
          3328846651,
          309677260,
          2016342300,
          1779581495,
          3079819751,
          111262694,
          1274766160,
          443224088,
          298511866,
          1025883608,
          3806446537,
          1145181785,
          168956806,
          3641502830,
          3584813610,
          1689216846,
          3666258015,
          3200248200,
          1692713982,
          2646376535,
          4042768518,
          1618508792,
          1610833997,
          3523052358,
          4130873264,
          2001055236,
          3610705100,
          2202168115,
          4028541809,
          2961195399,
          1006657119,
          2006996926,
          3186142756,
          1430667929,
          3210227297,
          1314452623,
          4074634658,
          4101304120,
          2273951170,
          1399257539,
          3367210612,
          3027628629,
          1190975929,
          2062231137,
          2333990788,
          2221543033,
          2438960610,
          1181637006,
          548689776,
          2362791313,
          3372408396,
          3104550113,
          3145860560,
          296247880,
          1970579870,
          3078560182,
          3769228297,
          1714227617,
          3291629107,
          3898220290,
          166772364,
          1251581989,
          493813264,
          448347421,
          195405023,
          2709975567,
          677966185,
          3703036547,
          1463355134,
          2715995803,
          1338867538,
          1343315457,
          2802222074,
          2684532164,
          233230375,
          2599980071,
          2000651841,
          3277868038,
          1638401717,
          4028070440,
          3237316320,
          6314154,
          819756386,
          300326615,
          590932579,
          1405279636,
          3267499572,
          3150704214,
          2428286686,
          3959192993,
          3461946742,
          1862657033,
          1266418056,
          963775037,
          2089974820,
          2263052895,
          1917689273,
          448879540,
          3550394620,
          3981727096,
          150775221,
          3627908307,
          1303187396,
          508620638,
          2975983352,
          2726630617,
          1817252668,
          1876281319,
          1457606340,
          908771278,
          3720792119,
          3617206836,
          2455994898,
          1729034894,
          1080033504
        ]),
        new Uint32Array([
          976866871,
          3556439503,
          2881648439,
          1522871579,
          1555064734,
          1336096578,
          3548522304,
          2579274686,
          3574697629,
          3205460757,
          3593280638,
          3338716283,
          3079412587,
          564236357,
          2993598910,
          1781952180,
          1464380207,
          3163844217,
          3332601554,
          1699332808,
          1393555694,
          1183702653,
          3581086237,
          1288719814,
          691649499,
          2847557200,
          2895455976,
          3193889540,
          2717570544,
          1781354906,
          1676643554,
          2592534050,
          3230253752,
          1126444790,
          2770207658,
          2633158820,
          2210423226,
          2615765581,
          2414155088,
          3127139286,
          673620729,
          2805611233,
          1269405062,
          4015350505,
          3341807571,
          4149409754,
          1057255273,
          2012875353,
          2162469141,
          2276492801,
          2601117357,
          993977747,
          3918593370,
          2654263191,
          753973209,
          36408145,
          2530585658,
          25011837,
          3520020182,
          2088578344,
          530523599,
          2918365339,
          1524020338,
          1518925132,
          3760827505,
          3759777254,
          1202760957,
          3985898139,
          3906192525,
          674977740,
          4174734889,
          2031300136,
          2019492241,
          3983892565,
          4153806404,
          3822280332,
          352677332,
          2297720250,
          60907813,
          90501309,
          3286998549,
          1016092578,
          2535922412,
          2839152426,
          457141659,
          509813237,
          4120667899,
          652014361,
          1966332200,
          2975202805,
          55981186,
          2327461051,
          676427537,
          3255491064,
          2882294119,
          3433927263,
          1307055953,
          942726286,
          933058658,
          2468411793,
          3933900994,
          4215176142,
          1361170020,
          2001714738,
          2830558078,
          3274259782,
          1222529897,
          1679025792,
          2729314320,
          3714953764,
          1770335741,
          151462246,
          3013232138,
          1682292957,
          1483529935,
          471910574,
          1539241949,
          458788160,
          3436315007,
          1807016891,
          3718408830,
          978976581,
          1043663428,
          3165965781,
          1927990952,
          4200891579,
          2372276910,
          3208408903,
          3533431907,
          1412390302,
          2931980059,
          4132332400,
          1947078029,
          3881505623,
          4168226417,
          2941484381,
          1077988104,
          1320477388,
          886195818,
          18198404,
          3786409e3,
          2509781533,
          112762804,
          3463356488,
          1866414978,
          891333506,
          18488651,
          661792760,
          1628790961,
          3885187036,
          3141171499,
          876946877,
          2693282273,
          1372485963,
          791857591,
          2686433993,
          3759982718,
          3167212022,
          3472953795,
          2716379847,
          445679433,
          3561995674,
          3504004811,
          3574258232,
          54117162,
          3331405415,
          2381918588,
          3769707343,
          4154350007,
          1140177722,
          4074052095,
          668550556,
          3214352940,
          367459370,
          261225585,
          2610173221,
          4209349473,
          3468074219,
          3265815641,
          314222801,
          3066103646,
          3808782860,
          282218597,
          3406013506,
          3773591054,
          379116347,
          1285071038,
          846784868,
          2669647154,
          3771962079,
          3550491691,
          2305946142,
          453669953,
          1268987020,
          3317592352,
          3279303384,
          3744833421,
          2610507566,
          3859509063,
          266596637,
          3847019092,
          517658769,
          3462560207,
          3443424879,
          370717030,
          4247526661,
          2224018117,
          4143653529,
          4112773975,
          2788324899,
          2477274417,
          1456262402,
          2901442914,
          1517677493,
          1846949527,
          2295493580,
          3734397586,
          2176403920,
          1280348187,
          1908823572,
          3871786941,
          846861322,
          1172426758,
          3287448474,
          3383383037,
          1655181056,
          3139813346,
          901632758,
          1897031941,
          2986607138,
          3066810236,
          3447102507,
          1393639104,
          373351379,
          950779232,
          625454576,
          3124240540,
          4148612726,
          2007998917,
          544563296,
          2244738638,
          2330496472,
          2058025392,
          1291430526,
          424198748,
          50039436,
          29584100,
          3605783033,
          2429876329,
          2791104160,
          1057563949,
          3255363231,
          3075367218,
          3463963227,
          1469046755,
          985887462
        ])
      ];
      this.P = new Uint32Array([
        608135816,
        2242054355,
        320440878,
        57701188,
        2752067618,
        698298832,
        137296536,
        3964562569,
        1160258022,
        953160567,
        3193202383,
        887688300,
        3232508343,
        3380367581,
        1065670069,
        3041331479,
        2450970073,
        2306472731
      ]);
    };
    function F2(S, x8, i) {
      return (S[0][x8[i + 3]] + S[1][x8[i + 2]] ^ S[2][x8[i + 1]]) + S[3][x8[i]];
    }
    Blowfish.prototype.encipher = function(x, x8) {
      if (x8 === void 0) {
        x8 = new Uint8Array(x.buffer);
        if (x.byteOffset !== 0)
          x8 = x8.subarray(x.byteOffset);
      }
      x[0] ^= this.P[0];
      for (var i = 1; i < 16; i += 2) {
        x[1] ^= F2(this.S, x8, 0) ^ this.P[i];
        x[0] ^= F2(this.S, x8, 4) ^ this.P[i + 1];
      }
      var t = x[0];
      x[0] = x[1] ^ this.P[17];
      x[1] = t;
    };
    Blowfish.prototype.decipher = function(x) {
      var x8 = new Uint8Array(x.buffer);
      if (x.byteOffset !== 0)
        x8 = x8.subarray(x.byteOffset);
      x[0] ^= this.P[17];
      for (var i = 16; i > 0; i -= 2) {
        x[1] ^= F2(this.S, x8, 0) ^ this.P[i];
        x[0] ^= F2(this.S, x8, 4) ^ this.P[i - 1];
      }
      var t = x[0];
      x[0] = x[1] ^ this.P[0];
      x[1] = t;
    };
    function stream2word(data, databytes) {
      var i, temp = 0;
      for (i = 0; i < 4; i++, BLF_J++) {
        if (BLF_J >= databytes) BLF_J = 0;
        temp = temp << 8 | data[BLF_J];
      }
      return temp;
    }
    Blowfish.prototype.expand0state = function(key, keybytes) {
      var d = new Uint32Array(2), i, k;
      var d8 = new Uint8Array(d.buffer);
      for (i = 0, BLF_J = 0; i < 18; i++) {
        this.P[i] ^= stream2word(key, keybytes);
      }
      BLF_J = 0;
      for (i = 0; i < 18; i += 2) {
        this.encipher(d, d8);
        this.P[i] = d[0];
        this.P[i + 1] = d[1];
      }
      for (i = 0; i < 4; i++) {
        for (k = 0; k < 256; k += 2) {
          this.encipher(d, d8);
          this.S[i][k] = d[0];
          this.S[i][k + 1] = d[1];
        }
      }
    };
    Blowfish.prototype.expandstate = function(data, databytes, key, keybytes) {
      var d = new Uint32Array(2), i, k;
      for (i = 0, BLF_J = 0; i < 18; i++) {
        this.P[i] ^= stream2word(key, keybytes);
      }
      for (i = 0, BLF_J = 0; i < 18; i += 2) {
        d[0] ^= stream2word(data, databytes);
        d[1] ^= stream2word(data, databytes);
        this.encipher(d);
        this.P[i] = d[0];
        this.P[i + 1] = d[1];
      }
      for (i = 0; i < 4; i++) {
        for (k = 0; k < 256; k += 2) {
          d[0] ^= stream2word(data, databytes);
          d[1] ^= stream2word(data, databytes);
          this.encipher(d);
          this.S[i][k] = d[0];
          this.S[i][k + 1] = d[1];
        }
      }
      BLF_J = 0;
    };
    Blowfish.prototype.enc = function(data, blocks) {
      for (var i = 0; i < blocks; i++) {
        this.encipher(data.subarray(i * 2));
      }
    };
    Blowfish.prototype.dec = function(data, blocks) {
      for (var i = 0; i < blocks; i++) {
        this.decipher(data.subarray(i * 2));
      }
    };
    var BCRYPT_BLOCKS = 8;
    var BCRYPT_HASHSIZE = 32;
    function bcrypt_hash(sha2pass, sha2salt, out2) {
      var state = new Blowfish(), cdata = new Uint32Array(BCRYPT_BLOCKS), i, ciphertext = new Uint8Array([
        79,
        120,
        121,
        99,
        104,
        114,
        111,
        109,
        97,
        116,
        105,
        99,
        66,
        108,
        111,
        119,
        102,
        105,
        115,
        104,
        83,
        119,
        97,
        116,
        68,
        121,
        110,
        97,
        109,
        105,
        116,
        101
      ]);
      state.expandstate(sha2salt, 64, sha2pass, 64);
      for (i = 0; i < 64; i++) {
        state.expand0state(sha2salt, 64);
        state.expand0state(sha2pass, 64);
      }
      for (i = 0; i < BCRYPT_BLOCKS; i++)
        cdata[i] = stream2word(ciphertext, ciphertext.byteLength);
      for (i = 0; i < 64; i++)
        state.enc(cdata, cdata.byteLength / 8);
      for (i = 0; i < BCRYPT_BLOCKS; i++) {
        out2[4 * i + 3] = cdata[i] >>> 24;
        out2[4 * i + 2] = cdata[i] >>> 16;
        out2[4 * i + 1] = cdata[i] >>> 8;
        out2[4 * i + 0] = cdata[i];
      }
    }
    function bcrypt_pbkdf(pass, passlen, salt, saltlen, key, keylen, rounds) {
      var sha2pass = new Uint8Array(64), sha2salt = new Uint8Array(64), out2 = new Uint8Array(BCRYPT_HASHSIZE), tmpout = new Uint8Array(BCRYPT_HASHSIZE), countsalt = new Uint8Array(saltlen + 4), i, j, amt, stride, dest, count, origkeylen = keylen;
      if (rounds < 1)
        return -1;
      if (passlen === 0 || saltlen === 0 || keylen === 0 || keylen > out2.byteLength * out2.byteLength || saltlen > 1 << 20)
        return -1;
      stride = Math.floor((keylen + out2.byteLength - 1) / out2.byteLength);
      amt = Math.floor((keylen + stride - 1) / stride);
      for (i = 0; i < saltlen; i++)
        countsalt[i] = salt[i];
      crypto_hash_sha512(sha2pass, pass, passlen);
      for (count = 1; keylen > 0; count++) {
        countsalt[saltlen + 0] = count >>> 24;
        countsalt[saltlen + 1] = count >>> 16;
        countsalt[saltlen + 2] = count >>> 8;
        countsalt[saltlen + 3] = count;
        crypto_hash_sha512(sha2salt, countsalt, saltlen + 4);
        bcrypt_hash(sha2pass, sha2salt, tmpout);
        for (i = out2.byteLength; i--; )
          out2[i] = tmpout[i];
        for (i = 1; i < rounds; i++) {
          crypto_hash_sha512(sha2salt, tmpout, tmpout.byteLength);
          bcrypt_hash(sha2pass, sha2salt, tmpout);
          for (j = 0; j < out2.byteLength; j++)
            out2[j] ^= tmpout[j];
        }
        amt = Math.min(amt, keylen);
        for (i = 0; i < amt; i++) {
          dest = i * stride + (count - 1);
          if (dest >= origkeylen)
            break;
          key[dest] = out2[i];
        }
        keylen -= i;
      }
      return 0;
    }
    module2.exports = {
      BLOCKS: BCRYPT_BLOCKS,
      HASHSIZE: BCRYPT_HASHSIZE,
      hash: bcrypt_hash,
      pbkdf: bcrypt_pbkdf
    };
  }
});

// node_modules/ssh2/lib/protocol/constants.js
var require_constants = __commonJS({
  "node_modules/ssh2/lib/protocol/constants.js"(exports2, module2) {
    "use strict";
    var crypto2 = require("crypto");
    var cpuInfo;
    try {
      cpuInfo = require("cpu-features")();
    } catch {
    }
    var { bindingAvailable, CIPHER_INFO, MAC_INFO } = require_crypto();
    var eddsaSupported = (() => {
      if (typeof crypto2.sign === "function" && typeof crypto2.verify === "function") {
        const key = "-----BEGIN PRIVATE KEY-----\r\nMC4CAQAwBQYDK2VwBCIEIHKj+sVa9WcD/q2DJUJaf43Kptc8xYuUQA4bOFj9vC8T\r\n-----END PRIVATE KEY-----";
        const data = Buffer.from("a");
        let sig;
        let verified;
        try {
          sig = crypto2.sign(null, data, key);
          verified = crypto2.verify(null, data, key, sig);
        } catch {
        }
        return Buffer.isBuffer(sig) && sig.length === 64 && verified === true;
      }
      return false;
    })();
    var curve25519Supported = typeof crypto2.diffieHellman === "function" && typeof crypto2.generateKeyPairSync === "function" && typeof crypto2.createPublicKey === "function";
    var DEFAULT_KEX = [
      // https://tools.ietf.org/html/rfc5656#section-10.1
      "ecdh-sha2-nistp256",
      "ecdh-sha2-nistp384",
      "ecdh-sha2-nistp521",
      // https://tools.ietf.org/html/rfc4419#section-4
      "diffie-hellman-group-exchange-sha256",
      // https://tools.ietf.org/html/rfc8268
      "diffie-hellman-group14-sha256",
      "diffie-hellman-group15-sha512",
      "diffie-hellman-group16-sha512",
      "diffie-hellman-group17-sha512",
      "diffie-hellman-group18-sha512"
    ];
    if (curve25519Supported) {
      DEFAULT_KEX.unshift("curve25519-sha256");
      DEFAULT_KEX.unshift("curve25519-sha256@libssh.org");
    }
    var SUPPORTED_KEX = DEFAULT_KEX.concat([
      // https://tools.ietf.org/html/rfc4419#section-4
      "diffie-hellman-group-exchange-sha1",
      "diffie-hellman-group14-sha1",
      // REQUIRED
      "diffie-hellman-group1-sha1"
      // REQUIRED
    ]);
    var DEFAULT_SERVER_HOST_KEY = [
      "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521",
      "rsa-sha2-512",
      // RFC 8332
      "rsa-sha2-256",
      // RFC 8332
      "ssh-rsa"
    ];
    if (eddsaSupported)
      DEFAULT_SERVER_HOST_KEY.unshift("ssh-ed25519");
    var SUPPORTED_SERVER_HOST_KEY = DEFAULT_SERVER_HOST_KEY.concat([
      "ssh-dss"
    ]);
    var canUseCipher = (() => {
      const ciphers = crypto2.getCiphers();
      return (name2) => ciphers.includes(CIPHER_INFO[name2].sslName);
    })();
    var DEFAULT_CIPHER = [
      // http://tools.ietf.org/html/rfc5647
      "aes128-gcm@openssh.com",
      "aes256-gcm@openssh.com",
      // http://tools.ietf.org/html/rfc4344#section-4
      "aes128-ctr",
      "aes192-ctr",
      "aes256-ctr"
    ];
    if (cpuInfo && cpuInfo.flags && !cpuInfo.flags.aes) {
      if (bindingAvailable)
        DEFAULT_CIPHER.unshift("chacha20-poly1305@openssh.com");
      else
        DEFAULT_CIPHER.push("chacha20-poly1305@openssh.com");
    } else if (bindingAvailable && cpuInfo && cpuInfo.arch === "x86") {
      DEFAULT_CIPHER.splice(4, 0, "chacha20-poly1305@openssh.com");
    } else {
      DEFAULT_CIPHER.push("chacha20-poly1305@openssh.com");
    }
    DEFAULT_CIPHER = DEFAULT_CIPHER.filter(canUseCipher);
    var SUPPORTED_CIPHER = DEFAULT_CIPHER.concat([
      "aes256-cbc",
      "aes192-cbc",
      "aes128-cbc",
      "blowfish-cbc",
      "3des-cbc",
      "aes128-gcm",
      "aes256-gcm",
      // http://tools.ietf.org/html/rfc4345#section-4:
      "arcfour256",
      "arcfour128",
      "cast128-cbc",
      "arcfour"
    ].filter(canUseCipher));
    var canUseMAC = (() => {
      const hashes2 = crypto2.getHashes();
      return (name2) => hashes2.includes(MAC_INFO[name2].sslName);
    })();
    var DEFAULT_MAC = [
      "hmac-sha2-256-etm@openssh.com",
      "hmac-sha2-512-etm@openssh.com",
      "hmac-sha1-etm@openssh.com",
      "hmac-sha2-256",
      "hmac-sha2-512",
      "hmac-sha1"
    ].filter(canUseMAC);
    var SUPPORTED_MAC = DEFAULT_MAC.concat([
      "hmac-md5",
      "hmac-sha2-256-96",
      // first 96 bits of HMAC-SHA256
      "hmac-sha2-512-96",
      // first 96 bits of HMAC-SHA512
      "hmac-ripemd160",
      "hmac-sha1-96",
      // first 96 bits of HMAC-SHA1
      "hmac-md5-96"
      // first 96 bits of HMAC-MD5
    ].filter(canUseMAC));
    var DEFAULT_COMPRESSION = [
      "none",
      "zlib@openssh.com",
      // ZLIB (LZ77) compression, except
      // compression/decompression does not start until after
      // successful user authentication
      "zlib"
      // ZLIB (LZ77) compression
    ];
    var SUPPORTED_COMPRESSION = DEFAULT_COMPRESSION.concat([]);
    var COMPAT = {
      BAD_DHGEX: 1 << 0,
      OLD_EXIT: 1 << 1,
      DYN_RPORT_BUG: 1 << 2,
      BUG_DHGEX_LARGE: 1 << 3,
      IMPLY_RSA_SHA2_SIGALGS: 1 << 4
    };
    module2.exports = {
      MESSAGE: {
        // Transport layer protocol -- generic (1-19)
        DISCONNECT: 1,
        IGNORE: 2,
        UNIMPLEMENTED: 3,
        DEBUG: 4,
        SERVICE_REQUEST: 5,
        SERVICE_ACCEPT: 6,
        EXT_INFO: 7,
        // RFC 8308
        // Transport layer protocol -- algorithm negotiation (20-29)
        KEXINIT: 20,
        NEWKEYS: 21,
        // Transport layer protocol -- key exchange method-specific (30-49)
        KEXDH_INIT: 30,
        KEXDH_REPLY: 31,
        KEXDH_GEX_GROUP: 31,
        KEXDH_GEX_INIT: 32,
        KEXDH_GEX_REPLY: 33,
        KEXDH_GEX_REQUEST: 34,
        KEXECDH_INIT: 30,
        KEXECDH_REPLY: 31,
        // User auth protocol -- generic (50-59)
        USERAUTH_REQUEST: 50,
        USERAUTH_FAILURE: 51,
        USERAUTH_SUCCESS: 52,
        USERAUTH_BANNER: 53,
        // User auth protocol -- user auth method-specific (60-79)
        USERAUTH_PASSWD_CHANGEREQ: 60,
        USERAUTH_PK_OK: 60,
        USERAUTH_INFO_REQUEST: 60,
        USERAUTH_INFO_RESPONSE: 61,
        // Connection protocol -- generic (80-89)
        GLOBAL_REQUEST: 80,
        REQUEST_SUCCESS: 81,
        REQUEST_FAILURE: 82,
        // Connection protocol -- channel-related (90-127)
        CHANNEL_OPEN: 90,
        CHANNEL_OPEN_CONFIRMATION: 91,
        CHANNEL_OPEN_FAILURE: 92,
        CHANNEL_WINDOW_ADJUST: 93,
        CHANNEL_DATA: 94,
        CHANNEL_EXTENDED_DATA: 95,
        CHANNEL_EOF: 96,
        CHANNEL_CLOSE: 97,
        CHANNEL_REQUEST: 98,
        CHANNEL_SUCCESS: 99,
        CHANNEL_FAILURE: 100
        // Reserved for client protocols (128-191)
        // Local extensions (192-155)
      },
      DISCONNECT_REASON: {
        HOST_NOT_ALLOWED_TO_CONNECT: 1,
        PROTOCOL_ERROR: 2,
        KEY_EXCHANGE_FAILED: 3,
        RESERVED: 4,
        MAC_ERROR: 5,
        COMPRESSION_ERROR: 6,
        SERVICE_NOT_AVAILABLE: 7,
        PROTOCOL_VERSION_NOT_SUPPORTED: 8,
        HOST_KEY_NOT_VERIFIABLE: 9,
        CONNECTION_LOST: 10,
        BY_APPLICATION: 11,
        TOO_MANY_CONNECTIONS: 12,
        AUTH_CANCELED_BY_USER: 13,
        NO_MORE_AUTH_METHODS_AVAILABLE: 14,
        ILLEGAL_USER_NAME: 15
      },
      DISCONNECT_REASON_STR: void 0,
      CHANNEL_OPEN_FAILURE: {
        ADMINISTRATIVELY_PROHIBITED: 1,
        CONNECT_FAILED: 2,
        UNKNOWN_CHANNEL_TYPE: 3,
        RESOURCE_SHORTAGE: 4
      },
      TERMINAL_MODE: {
        TTY_OP_END: 0,
        // Indicates end of options.
        VINTR: 1,
        // Interrupt character; 255 if none. Similarly for the
        //  other characters.  Not all of these characters are
        //  supported on all systems.
        VQUIT: 2,
        // The quit character (sends SIGQUIT signal on POSIX
        //  systems).
        VERASE: 3,
        // Erase the character to left of the cursor.
        VKILL: 4,
        // Kill the current input line.
        VEOF: 5,
        // End-of-file character (sends EOF from the
        //  terminal).
        VEOL: 6,
        // End-of-line character in addition to carriage
        //  return and/or linefeed.
        VEOL2: 7,
        // Additional end-of-line character.
        VSTART: 8,
        // Continues paused output (normally control-Q).
        VSTOP: 9,
        // Pauses output (normally control-S).
        VSUSP: 10,
        // Suspends the current program.
        VDSUSP: 11,
        // Another suspend character.
        VREPRINT: 12,
        // Reprints the current input line.
        VWERASE: 13,
        // Erases a word left of cursor.
        VLNEXT: 14,
        // Enter the next character typed literally, even if
        //  it is a special character
        VFLUSH: 15,
        // Character to flush output.
        VSWTCH: 16,
        // Switch to a different shell layer.
        VSTATUS: 17,
        // Prints system status line (load, command, pid,
        //  etc).
        VDISCARD: 18,
        // Toggles the flushing of terminal output.
        IGNPAR: 30,
        // The ignore parity flag.  The parameter SHOULD be 0
        //  if this flag is FALSE, and 1 if it is TRUE.
        PARMRK: 31,
        // Mark parity and framing errors.
        INPCK: 32,
        // Enable checking of parity errors.
        ISTRIP: 33,
        // Strip 8th bit off characters.
        INLCR: 34,
        // Map NL into CR on input.
        IGNCR: 35,
        // Ignore CR on input.
        ICRNL: 36,
        // Map CR to NL on input.
        IUCLC: 37,
        // Translate uppercase characters to lowercase.
        IXON: 38,
        // Enable output flow control.
        IXANY: 39,
        // Any char will restart after stop.
        IXOFF: 40,
        // Enable input flow control.
        IMAXBEL: 41,
        // Ring bell on input queue full.
        ISIG: 50,
        // Enable signals INTR, QUIT, [D]SUSP.
        ICANON: 51,
        // Canonicalize input lines.
        XCASE: 52,
        // Enable input and output of uppercase characters by
        //  preceding their lowercase equivalents with "\".
        ECHO: 53,
        // Enable echoing.
        ECHOE: 54,
        // Visually erase chars.
        ECHOK: 55,
        // Kill character discards current line.
        ECHONL: 56,
        // Echo NL even if ECHO is off.
        NOFLSH: 57,
        // Don't flush after interrupt.
        TOSTOP: 58,
        // Stop background jobs from output.
        IEXTEN: 59,
        // Enable extensions.
        ECHOCTL: 60,
        // Echo control characters as ^(Char).
        ECHOKE: 61,
        // Visual erase for line kill.
        PENDIN: 62,
        // Retype pending input.
        OPOST: 70,
        // Enable output processing.
        OLCUC: 71,
        // Convert lowercase to uppercase.
        ONLCR: 72,
        // Map NL to CR-NL.
        OCRNL: 73,
        // Translate carriage return to newline (output).
        ONOCR: 74,
        // Translate newline to carriage return-newline
        //  (output).
        ONLRET: 75,
        // Newline performs a carriage return (output).
        CS7: 90,
        // 7 bit mode.
        CS8: 91,
        // 8 bit mode.
        PARENB: 92,
        // Parity enable.
        PARODD: 93,
        // Odd parity, else even.
        TTY_OP_ISPEED: 128,
        // Specifies the input baud rate in bits per second.
        TTY_OP_OSPEED: 129
        // Specifies the output baud rate in bits per second.
      },
      CHANNEL_EXTENDED_DATATYPE: {
        STDERR: 1
      },
      SIGNALS: [
        "ABRT",
        "ALRM",
        "FPE",
        "HUP",
        "ILL",
        "INT",
        "QUIT",
        "SEGV",
        "TERM",
        "USR1",
        "USR2",
        "KILL",
        "PIPE"
      ].reduce((cur, val) => ({ ...cur, [val]: 1 }), {}),
      COMPAT,
      COMPAT_CHECKS: [
        ["Cisco-1.25", COMPAT.BAD_DHGEX],
        [/^Cisco-1[.]/, COMPAT.BUG_DHGEX_LARGE],
        [/^[0-9.]+$/, COMPAT.OLD_EXIT],
        // old SSH.com implementations
        [/^OpenSSH_5[.][0-9]+/, COMPAT.DYN_RPORT_BUG],
        [/^OpenSSH_7[.]4/, COMPAT.IMPLY_RSA_SHA2_SIGALGS]
      ],
      // KEX proposal-related
      DEFAULT_KEX,
      SUPPORTED_KEX,
      DEFAULT_SERVER_HOST_KEY,
      SUPPORTED_SERVER_HOST_KEY,
      DEFAULT_CIPHER,
      SUPPORTED_CIPHER,
      DEFAULT_MAC,
      SUPPORTED_MAC,
      DEFAULT_COMPRESSION,
      SUPPORTED_COMPRESSION,
      curve25519Supported,
      eddsaSupported
    };
    module2.exports.DISCONNECT_REASON_BY_VALUE = Array.from(Object.entries(module2.exports.DISCONNECT_REASON)).reduce((obj, [key, value]) => ({ ...obj, [value]: key }), {});
  }
});

// node_modules/ssh2/lib/protocol/utils.js
var require_utils = __commonJS({
  "node_modules/ssh2/lib/protocol/utils.js"(exports2, module2) {
    "use strict";
    var Ber = require_lib().Ber;
    var DISCONNECT_REASON;
    var FastBuffer = Buffer[Symbol.species];
    var TypedArrayFill = Object.getPrototypeOf(Uint8Array.prototype).fill;
    function readUInt32BE(buf, offset) {
      return buf[offset++] * 16777216 + buf[offset++] * 65536 + buf[offset++] * 256 + buf[offset];
    }
    function bufferCopy(src, dest, srcStart, srcEnd, destStart) {
      if (!destStart)
        destStart = 0;
      if (srcEnd > src.length)
        srcEnd = src.length;
      let nb = srcEnd - srcStart;
      const destLeft = dest.length - destStart;
      if (nb > destLeft)
        nb = destLeft;
      dest.set(
        new Uint8Array(src.buffer, src.byteOffset + srcStart, nb),
        destStart
      );
      return nb;
    }
    function bufferSlice(buf, start, end) {
      if (end === void 0)
        end = buf.length;
      return new FastBuffer(buf.buffer, buf.byteOffset + start, end - start);
    }
    function makeBufferParser() {
      let pos = 0;
      let buffer;
      const self2 = {
        init: (buf, start) => {
          buffer = buf;
          pos = typeof start === "number" ? start : 0;
        },
        pos: () => pos,
        length: () => buffer ? buffer.length : 0,
        avail: () => buffer && pos < buffer.length ? buffer.length - pos : 0,
        clear: () => {
          buffer = void 0;
        },
        readUInt32BE: () => {
          if (!buffer || pos + 3 >= buffer.length)
            return;
          return buffer[pos++] * 16777216 + buffer[pos++] * 65536 + buffer[pos++] * 256 + buffer[pos++];
        },
        readUInt64BE: (behavior) => {
          if (!buffer || pos + 7 >= buffer.length)
            return;
          switch (behavior) {
            case "always":
              return BigInt(`0x${buffer.hexSlice(pos, pos += 8)}`);
            case "maybe":
              if (buffer[pos] > 31)
                return BigInt(`0x${buffer.hexSlice(pos, pos += 8)}`);
            // FALLTHROUGH
            default:
              return buffer[pos++] * 72057594037927940 + buffer[pos++] * 281474976710656 + buffer[pos++] * 1099511627776 + buffer[pos++] * 4294967296 + buffer[pos++] * 16777216 + buffer[pos++] * 65536 + buffer[pos++] * 256 + buffer[pos++];
          }
        },
        skip: (n) => {
          if (buffer && n > 0)
            pos += n;
        },
        skipString: () => {
          const len2 = self2.readUInt32BE();
          if (len2 === void 0)
            return;
          pos += len2;
          return pos <= buffer.length ? len2 : void 0;
        },
        readByte: () => {
          if (buffer && pos < buffer.length)
            return buffer[pos++];
        },
        readBool: () => {
          if (buffer && pos < buffer.length)
            return !!buffer[pos++];
        },
        readList: () => {
          const list = self2.readString(true);
          if (list === void 0)
            return;
          return list ? list.split(",") : [];
        },
        readString: (dest, maxLen) => {
          if (typeof dest === "number") {
            maxLen = dest;
            dest = void 0;
          }
          const len2 = self2.readUInt32BE();
          if (len2 === void 0)
            return;
          if (buffer.length - pos < len2 || typeof maxLen === "number" && len2 > maxLen) {
            return;
          }
          if (dest) {
            if (Buffer.isBuffer(dest))
              return bufferCopy(buffer, dest, pos, pos += len2);
            return buffer.utf8Slice(pos, pos += len2);
          }
          return bufferSlice(buffer, pos, pos += len2);
        },
        readRaw: (len2) => {
          if (!buffer)
            return;
          if (typeof len2 !== "number")
            return bufferSlice(buffer, pos, pos += buffer.length - pos);
          if (buffer.length - pos >= len2)
            return bufferSlice(buffer, pos, pos += len2);
        }
      };
      return self2;
    }
    function makeError(msg, level, fatal) {
      const err2 = new Error(msg);
      if (typeof level === "boolean") {
        fatal = level;
        err2.level = "protocol";
      } else {
        err2.level = level || "protocol";
      }
      err2.fatal = !!fatal;
      return err2;
    }
    function writeUInt32BE(buf, value, offset) {
      buf[offset++] = value >>> 24;
      buf[offset++] = value >>> 16;
      buf[offset++] = value >>> 8;
      buf[offset++] = value;
      return offset;
    }
    var utilBufferParser = makeBufferParser();
    module2.exports = {
      bufferCopy,
      bufferSlice,
      FastBuffer,
      bufferFill: (buf, value, start, end) => {
        return TypedArrayFill.call(buf, value, start, end);
      },
      makeError,
      doFatalError: (protocol, msg, level, reason) => {
        let err2;
        if (DISCONNECT_REASON === void 0)
          ({ DISCONNECT_REASON } = require_constants());
        if (msg instanceof Error) {
          err2 = msg;
          if (typeof level !== "number")
            reason = DISCONNECT_REASON.PROTOCOL_ERROR;
          else
            reason = level;
        } else {
          err2 = makeError(msg, level, true);
        }
        if (typeof reason !== "number")
          reason = DISCONNECT_REASON.PROTOCOL_ERROR;
        protocol.disconnect(reason);
        protocol._destruct();
        protocol._onError(err2);
        return Infinity;
      },
      readUInt32BE,
      writeUInt32BE,
      writeUInt32LE: (buf, value, offset) => {
        buf[offset++] = value;
        buf[offset++] = value >>> 8;
        buf[offset++] = value >>> 16;
        buf[offset++] = value >>> 24;
        return offset;
      },
      makeBufferParser,
      bufferParser: makeBufferParser(),
      readString: (buffer, start, dest, maxLen) => {
        if (typeof dest === "number") {
          maxLen = dest;
          dest = void 0;
        }
        if (start === void 0)
          start = 0;
        const left = buffer.length - start;
        if (start < 0 || start >= buffer.length || left < 4)
          return;
        const len2 = readUInt32BE(buffer, start);
        if (left < 4 + len2 || typeof maxLen === "number" && len2 > maxLen)
          return;
        start += 4;
        const end = start + len2;
        buffer._pos = end;
        if (dest) {
          if (Buffer.isBuffer(dest))
            return bufferCopy(buffer, dest, start, end);
          return buffer.utf8Slice(start, end);
        }
        return bufferSlice(buffer, start, end);
      },
      sigSSHToASN1: (sig, type) => {
        switch (type) {
          case "ssh-dss": {
            if (sig.length > 40)
              return sig;
            const asnWriter = new Ber.Writer();
            asnWriter.startSequence();
            let r = sig.slice(0, 20);
            let s = sig.slice(20);
            if (r[0] & 128) {
              const rNew = Buffer.allocUnsafe(21);
              rNew[0] = 0;
              r.copy(rNew, 1);
              r = rNew;
            } else if (r[0] === 0 && !(r[1] & 128)) {
              r = r.slice(1);
            }
            if (s[0] & 128) {
              const sNew = Buffer.allocUnsafe(21);
              sNew[0] = 0;
              s.copy(sNew, 1);
              s = sNew;
            } else if (s[0] === 0 && !(s[1] & 128)) {
              s = s.slice(1);
            }
            asnWriter.writeBuffer(r, Ber.Integer);
            asnWriter.writeBuffer(s, Ber.Integer);
            asnWriter.endSequence();
            return asnWriter.buffer;
          }
          case "ecdsa-sha2-nistp256":
          case "ecdsa-sha2-nistp384":
          case "ecdsa-sha2-nistp521": {
            utilBufferParser.init(sig, 0);
            const r = utilBufferParser.readString();
            const s = utilBufferParser.readString();
            utilBufferParser.clear();
            if (r === void 0 || s === void 0)
              return;
            const asnWriter = new Ber.Writer();
            asnWriter.startSequence();
            asnWriter.writeBuffer(r, Ber.Integer);
            asnWriter.writeBuffer(s, Ber.Integer);
            asnWriter.endSequence();
            return asnWriter.buffer;
          }
          default:
            return sig;
        }
      },
      convertSignature: (signature, keyType) => {
        switch (keyType) {
          case "ssh-dss": {
            if (signature.length <= 40)
              return signature;
            const asnReader = new Ber.Reader(signature);
            asnReader.readSequence();
            let r = asnReader.readString(Ber.Integer, true);
            let s = asnReader.readString(Ber.Integer, true);
            let rOffset = 0;
            let sOffset = 0;
            if (r.length < 20) {
              const rNew = Buffer.allocUnsafe(20);
              rNew.set(r, 1);
              r = rNew;
              r[0] = 0;
            }
            if (s.length < 20) {
              const sNew = Buffer.allocUnsafe(20);
              sNew.set(s, 1);
              s = sNew;
              s[0] = 0;
            }
            if (r.length > 20 && r[0] === 0)
              rOffset = 1;
            if (s.length > 20 && s[0] === 0)
              sOffset = 1;
            const newSig = Buffer.allocUnsafe(r.length - rOffset + (s.length - sOffset));
            bufferCopy(r, newSig, rOffset, r.length, 0);
            bufferCopy(s, newSig, sOffset, s.length, r.length - rOffset);
            return newSig;
          }
          case "ecdsa-sha2-nistp256":
          case "ecdsa-sha2-nistp384":
          case "ecdsa-sha2-nistp521": {
            if (signature[0] === 0)
              return signature;
            const asnReader = new Ber.Reader(signature);
            asnReader.readSequence();
            const r = asnReader.readString(Ber.Integer, true);
            const s = asnReader.readString(Ber.Integer, true);
            if (r === null || s === null)
              return;
            const newSig = Buffer.allocUnsafe(4 + r.length + 4 + s.length);
            writeUInt32BE(newSig, r.length, 0);
            newSig.set(r, 4);
            writeUInt32BE(newSig, s.length, 4 + r.length);
            newSig.set(s, 4 + 4 + r.length);
            return newSig;
          }
        }
        return signature;
      },
      sendPacket: (proto, packet, bypass) => {
        if (!bypass && proto._kexinit !== void 0) {
          if (proto._queue === void 0)
            proto._queue = [];
          proto._queue.push(packet);
          proto._debug && proto._debug("Outbound: ... packet queued");
          return false;
        }
        proto._cipher.encrypt(packet);
        return true;
      }
    };
  }
});

// node_modules/ssh2/lib/protocol/crypto/poly1305.js
var require_poly1305 = __commonJS({
  "node_modules/ssh2/lib/protocol/crypto/poly1305.js"(exports2, module2) {
    var createPoly1305 = (function() {
      var _scriptDir = typeof document !== "undefined" && document.currentScript ? document.currentScript.src : void 0;
      if (typeof __filename !== "undefined") _scriptDir = _scriptDir || __filename;
      return (function(createPoly13052) {
        createPoly13052 = createPoly13052 || {};
        var b;
        b || (b = typeof createPoly13052 !== "undefined" ? createPoly13052 : {});
        var q, r;
        b.ready = new Promise(function(a, c) {
          q = a;
          r = c;
        });
        var u = {}, w;
        for (w in b) b.hasOwnProperty(w) && (u[w] = b[w]);
        var x = "object" === typeof window, y = "function" === typeof importScripts, z = "object" === typeof process && "object" === typeof process.versions && "string" === typeof process.versions.node, B2 = "", C, D, E, F2, G;
        if (z) B2 = y ? require("path").dirname(B2) + "/" : __dirname + "/", C = function(a, c) {
          var d = H(a);
          if (d) return c ? d : d.toString();
          F2 || (F2 = require("fs"));
          G || (G = require("path"));
          a = G.normalize(a);
          return F2.readFileSync(a, c ? null : "utf8");
        }, E = function(a) {
          a = C(a, true);
          a.buffer || (a = new Uint8Array(a));
          assert(a.buffer);
          return a;
        }, D = function(a, c, d) {
          var e = H(a);
          e && c(e);
          F2 || (F2 = require("fs"));
          G || (G = require("path"));
          a = G.normalize(a);
          F2.readFile(a, function(f, l) {
            f ? d(f) : c(l.buffer);
          });
        }, 1 < process.argv.length && process.argv[1].replace(/\\/g, "/"), process.argv.slice(2), b.inspect = function() {
          return "[Emscripten Module object]";
        };
        else if (x || y) y ? B2 = self.location.href : "undefined" !== typeof document && document.currentScript && (B2 = document.currentScript.src), _scriptDir && (B2 = _scriptDir), 0 !== B2.indexOf("blob:") ? B2 = B2.substr(0, B2.lastIndexOf("/") + 1) : B2 = "", C = function(a) {
          try {
            var c = new XMLHttpRequest();
            c.open("GET", a, false);
            c.send(null);
            return c.responseText;
          } catch (f) {
            if (a = H(a)) {
              c = [];
              for (var d = 0; d < a.length; d++) {
                var e = a[d];
                255 < e && (ba && assert(false, "Character code " + e + " (" + String.fromCharCode(e) + ")  at offset " + d + " not in 0x00-0xFF."), e &= 255);
                c.push(String.fromCharCode(e));
              }
              return c.join("");
            }
            throw f;
          }
        }, y && (E = function(a) {
          try {
            var c = new XMLHttpRequest();
            c.open("GET", a, false);
            c.responseType = "arraybuffer";
            c.send(null);
            return new Uint8Array(c.response);
          } catch (d) {
            if (a = H(a)) return a;
            throw d;
          }
        }), D = function(a, c, d) {
          var e = new XMLHttpRequest();
          e.open("GET", a, true);
          e.responseType = "arraybuffer";
          e.onload = function() {
            if (200 == e.status || 0 == e.status && e.response) c(e.response);
            else {
              var f = H(a);
              f ? c(f.buffer) : d();
            }
          };
          e.onerror = d;
          e.send(null);
        };
        b.print || console.log.bind(console);
        var I = b.printErr || console.warn.bind(console);
        for (w in u) u.hasOwnProperty(w) && (b[w] = u[w]);
        u = null;
        var J;
        b.wasmBinary && (J = b.wasmBinary);
        var noExitRuntime = b.noExitRuntime || true;
        "object" !== typeof WebAssembly && K("no native wasm support detected");
        var L, M = false;
        function assert(a, c) {
          a || K("Assertion failed: " + c);
        }
        function N2(a) {
          var c = b["_" + a];
          assert(c, "Cannot call unknown function " + a + ", make sure it is exported");
          return c;
        }
        function ca(a, c, d, e) {
          var f = { string: function(g) {
            var p = 0;
            if (null !== g && void 0 !== g && 0 !== g) {
              var n = (g.length << 2) + 1;
              p = O(n);
              var k = p, h = P3;
              if (0 < n) {
                n = k + n - 1;
                for (var v = 0; v < g.length; ++v) {
                  var m = g.charCodeAt(v);
                  if (55296 <= m && 57343 >= m) {
                    var oa = g.charCodeAt(++v);
                    m = 65536 + ((m & 1023) << 10) | oa & 1023;
                  }
                  if (127 >= m) {
                    if (k >= n) break;
                    h[k++] = m;
                  } else {
                    if (2047 >= m) {
                      if (k + 1 >= n) break;
                      h[k++] = 192 | m >> 6;
                    } else {
                      if (65535 >= m) {
                        if (k + 2 >= n) break;
                        h[k++] = 224 | m >> 12;
                      } else {
                        if (k + 3 >= n) break;
                        h[k++] = 240 | m >> 18;
                        h[k++] = 128 | m >> 12 & 63;
                      }
                      h[k++] = 128 | m >> 6 & 63;
                    }
                    h[k++] = 128 | m & 63;
                  }
                }
                h[k] = 0;
              }
            }
            return p;
          }, array: function(g) {
            var p = O(g.length);
            Q2.set(g, p);
            return p;
          } }, l = N2(a), A = [];
          a = 0;
          if (e) for (var t = 0; t < e.length; t++) {
            var aa = f[d[t]];
            aa ? (0 === a && (a = da()), A[t] = aa(e[t])) : A[t] = e[t];
          }
          d = l.apply(null, A);
          d = (function(g) {
            if ("string" === c) if (g) {
              for (var p = P3, n = g + NaN, k = g; p[k] && !(k >= n); ) ++k;
              if (16 < k - g && p.subarray && ea) g = ea.decode(p.subarray(g, k));
              else {
                for (n = ""; g < k; ) {
                  var h = p[g++];
                  if (h & 128) {
                    var v = p[g++] & 63;
                    if (192 == (h & 224)) n += String.fromCharCode((h & 31) << 6 | v);
                    else {
                      var m = p[g++] & 63;
                      h = 224 == (h & 240) ? (h & 15) << 12 | v << 6 | m : (h & 7) << 18 | v << 12 | m << 6 | p[g++] & 63;
                      65536 > h ? n += String.fromCharCode(h) : (h -= 65536, n += String.fromCharCode(55296 | h >> 10, 56320 | h & 1023));
                    }
                  } else n += String.fromCharCode(h);
                }
                g = n;
              }
            } else g = "";
            else g = "boolean" === c ? !!g : g;
            return g;
          })(d);
          0 !== a && fa(a);
          return d;
        }
        var ea = "undefined" !== typeof TextDecoder ? new TextDecoder("utf8") : void 0, ha, Q2, P3;
        function ia() {
          var a = L.buffer;
          ha = a;
          b.HEAP8 = Q2 = new Int8Array(a);
          b.HEAP16 = new Int16Array(a);
          b.HEAP32 = new Int32Array(a);
          b.HEAPU8 = P3 = new Uint8Array(a);
          b.HEAPU16 = new Uint16Array(a);
          b.HEAPU32 = new Uint32Array(a);
          b.HEAPF32 = new Float32Array(a);
          b.HEAPF64 = new Float64Array(a);
        }
        var R2, ja = [], ka = [], la = [];
        function ma() {
          var a = b.preRun.shift();
          ja.unshift(a);
        }
        var S = 0, T = null, U = null;
        b.preloadedImages = {};
        b.preloadedAudios = {};
        function K(a) {
          if (b.onAbort) b.onAbort(a);
          I(a);
          M = true;
          a = new WebAssembly.RuntimeError("abort(" + a + "). Build with -s ASSERTIONS=1 for more info.");
          r(a);
          throw a;
        }
        var V = "data:application/octet-stream;base64,", W;
        W = "data:application/octet-stream;base64,AGFzbQEAAAABIAZgAX8Bf2ADf39/AGABfwBgAABgAAF/YAZ/f39/f38AAgcBAWEBYQAAAwsKAAEDAQAAAgQFAgQFAXABAQEFBwEBgAKAgAIGCQF/AUGAjMACCwclCQFiAgABYwADAWQACQFlAAgBZgAHAWcABgFoAAUBaQAKAWoBAAqGTQpPAQJ/QYAIKAIAIgEgAEEDakF8cSICaiEAAkAgAkEAIAAgAU0bDQAgAD8AQRB0SwRAIAAQAEUNAQtBgAggADYCACABDwtBhAhBMDYCAEF/C4wFAg5+Cn8gACgCJCEUIAAoAiAhFSAAKAIcIREgACgCGCESIAAoAhQhEyACQRBPBEAgAC0ATEVBGHQhFyAAKAIEIhZBBWytIQ8gACgCCCIYQQVsrSENIAAoAgwiGUEFbK0hCyAAKAIQIhpBBWytIQkgADUCACEIIBqtIRAgGa0hDiAYrSEMIBatIQoDQCASIAEtAAMiEiABLQAEQQh0ciABLQAFQRB0ciABLQAGIhZBGHRyQQJ2Qf///x9xaq0iAyAOfiABLwAAIAEtAAJBEHRyIBNqIBJBGHRBgICAGHFqrSIEIBB+fCARIAEtAAdBCHQgFnIgAS0ACEEQdHIgAS0ACSIRQRh0ckEEdkH///8fcWqtIgUgDH58IAEtAApBCHQgEXIgAS0AC0EQdHIgAS0ADEEYdHJBBnYgFWqtIgYgCn58IBQgF2ogAS8ADSABLQAPQRB0cmqtIgcgCH58IAMgDH4gBCAOfnwgBSAKfnwgBiAIfnwgByAJfnwgAyAKfiAEIAx+fCAFIAh+fCAGIAl+fCAHIAt+fCADIAh+IAQgCn58IAUgCX58IAYgC358IAcgDX58IAMgCX4gBCAIfnwgBSALfnwgBiANfnwgByAPfnwiA0IaiEL/////D4N8IgRCGohC/////w+DfCIFQhqIQv////8Pg3wiBkIaiEL/////D4N8IgdCGoinQQVsIAOnQf///x9xaiITQRp2IASnQf///x9xaiESIAWnQf///x9xIREgBqdB////H3EhFSAHp0H///8fcSEUIBNB////H3EhEyABQRBqIQEgAkEQayICQQ9LDQALCyAAIBQ2AiQgACAVNgIgIAAgETYCHCAAIBI2AhggACATNgIUCwMAAQu2BAEGfwJAIAAoAjgiBARAIABBPGohBQJAIAJBECAEayIDIAIgA0kbIgZFDQAgBkEDcSEHAkAgBkEBa0EDSQRAQQAhAwwBCyAGQXxxIQhBACEDA0AgBSADIARqaiABIANqLQAAOgAAIAUgA0EBciIEIAAoAjhqaiABIARqLQAAOgAAIAUgA0ECciIEIAAoAjhqaiABIARqLQAAOgAAIAUgA0EDciIEIAAoAjhqaiABIARqLQAAOgAAIANBBGohAyAAKAI4IQQgCEEEayIIDQALCyAHRQ0AA0AgBSADIARqaiABIANqLQAAOgAAIANBAWohAyAAKAI4IQQgB0EBayIHDQALCyAAIAQgBmoiAzYCOCADQRBJDQEgACAFQRAQAiAAQQA2AjggAiAGayECIAEgBmohAQsgAkEQTwRAIAAgASACQXBxIgMQAiACQQ9xIQIgASADaiEBCyACRQ0AIAJBA3EhBCAAQTxqIQVBACEDIAJBAWtBA08EQCACQXxxIQcDQCAFIAAoAjggA2pqIAEgA2otAAA6AAAgBSADQQFyIgYgACgCOGpqIAEgBmotAAA6AAAgBSADQQJyIgYgACgCOGpqIAEgBmotAAA6AAAgBSADQQNyIgYgACgCOGpqIAEgBmotAAA6AAAgA0EEaiEDIAdBBGsiBw0ACwsgBARAA0AgBSAAKAI4IANqaiABIANqLQAAOgAAIANBAWohAyAEQQFrIgQNAAsLIAAgACgCOCACajYCOAsLoS0BDH8jAEEQayIMJAACQAJAAkACQAJAAkACQAJAAkACQAJAAkAgAEH0AU0EQEGICCgCACIFQRAgAEELakF4cSAAQQtJGyIIQQN2IgJ2IgFBA3EEQCABQX9zQQFxIAJqIgNBA3QiAUG4CGooAgAiBEEIaiEAAkAgBCgCCCICIAFBsAhqIgFGBEBBiAggBUF+IAN3cTYCAAwBCyACIAE2AgwgASACNgIICyAEIANBA3QiAUEDcjYCBCABIARqIgEgASgCBEEBcjYCBAwNCyAIQZAIKAIAIgpNDQEgAQRAAkBBAiACdCIAQQAgAGtyIAEgAnRxIgBBACAAa3FBAWsiACAAQQx2QRBxIgJ2IgFBBXZBCHEiACACciABIAB2IgFBAnZBBHEiAHIgASAAdiIBQQF2QQJxIgByIAEgAHYiAUEBdkEBcSIAciABIAB2aiIDQQN0IgBBuAhqKAIAIgQoAggiASAAQbAIaiIARgRAQYgIIAVBfiADd3EiBTYCAAwBCyABIAA2AgwgACABNgIICyAEQQhqIQAgBCAIQQNyNgIEIAQgCGoiAiADQQN0IgEgCGsiA0EBcjYCBCABIARqIAM2AgAgCgRAIApBA3YiAUEDdEGwCGohB0GcCCgCACEEAn8gBUEBIAF0IgFxRQRAQYgIIAEgBXI2AgAgBwwBCyAHKAIICyEBIAcgBDYCCCABIAQ2AgwgBCAHNgIMIAQgATYCCAtBnAggAjYCAEGQCCADNgIADA0LQYwIKAIAIgZFDQEgBkEAIAZrcUEBayIAIABBDHZBEHEiAnYiAUEFdkEIcSIAIAJyIAEgAHYiAUECdkEEcSIAciABIAB2IgFBAXZBAnEiAHIgASAAdiIBQQF2QQFxIgByIAEgAHZqQQJ0QbgKaigCACIBKAIEQXhxIAhrIQMgASECA0ACQCACKAIQIgBFBEAgAigCFCIARQ0BCyAAKAIEQXhxIAhrIgIgAyACIANJIgIbIQMgACABIAIbIQEgACECDAELCyABIAhqIgkgAU0NAiABKAIYIQsgASABKAIMIgRHBEAgASgCCCIAQZgIKAIASRogACAENgIMIAQgADYCCAwMCyABQRRqIgIoAgAiAEUEQCABKAIQIgBFDQQgAUEQaiECCwNAIAIhByAAIgRBFGoiAigCACIADQAgBEEQaiECIAQoAhAiAA0ACyAHQQA2AgAMCwtBfyEIIABBv39LDQAgAEELaiIAQXhxIQhBjAgoAgAiCUUNAEEAIAhrIQMCQAJAAkACf0EAIAhBgAJJDQAaQR8gCEH///8HSw0AGiAAQQh2IgAgAEGA/j9qQRB2QQhxIgJ0IgAgAEGA4B9qQRB2QQRxIgF0IgAgAEGAgA9qQRB2QQJxIgB0QQ92IAEgAnIgAHJrIgBBAXQgCCAAQRVqdkEBcXJBHGoLIgVBAnRBuApqKAIAIgJFBEBBACEADAELQQAhACAIQQBBGSAFQQF2ayAFQR9GG3QhAQNAAkAgAigCBEF4cSAIayIHIANPDQAgAiEEIAciAw0AQQAhAyACIQAMAwsgACACKAIUIgcgByACIAFBHXZBBHFqKAIQIgJGGyAAIAcbIQAgAUEBdCEBIAINAAsLIAAgBHJFBEBBACEEQQIgBXQiAEEAIABrciAJcSIARQ0DIABBACAAa3FBAWsiACAAQQx2QRBxIgJ2IgFBBXZBCHEiACACciABIAB2IgFBAnZBBHEiAHIgASAAdiIBQQF2QQJxIgByIAEgAHYiAUEBdkEBcSIAciABIAB2akECdEG4CmooAgAhAAsgAEUNAQsDQCAAKAIEQXhxIAhrIgEgA0khAiABIAMgAhshAyAAIAQgAhshBCAAKAIQIgEEfyABBSAAKAIUCyIADQALCyAERQ0AIANBkAgoAgAgCGtPDQAgBCAIaiIGIARNDQEgBCgCGCEFIAQgBCgCDCIBRwRAIAQoAggiAEGYCCgCAEkaIAAgATYCDCABIAA2AggMCgsgBEEUaiICKAIAIgBFBEAgBCgCECIARQ0EIARBEGohAgsDQCACIQcgACIBQRRqIgIoAgAiAA0AIAFBEGohAiABKAIQIgANAAsgB0EANgIADAkLIAhBkAgoAgAiAk0EQEGcCCgCACEDAkAgAiAIayIBQRBPBEBBkAggATYCAEGcCCADIAhqIgA2AgAgACABQQFyNgIEIAIgA2ogATYCACADIAhBA3I2AgQMAQtBnAhBADYCAEGQCEEANgIAIAMgAkEDcjYCBCACIANqIgAgACgCBEEBcjYCBAsgA0EIaiEADAsLIAhBlAgoAgAiBkkEQEGUCCAGIAhrIgE2AgBBoAhBoAgoAgAiAiAIaiIANgIAIAAgAUEBcjYCBCACIAhBA3I2AgQgAkEIaiEADAsLQQAhACAIQS9qIgkCf0HgCygCAARAQegLKAIADAELQewLQn83AgBB5AtCgKCAgICABDcCAEHgCyAMQQxqQXBxQdiq1aoFczYCAEH0C0EANgIAQcQLQQA2AgBBgCALIgFqIgVBACABayIHcSICIAhNDQpBwAsoAgAiBARAQbgLKAIAIgMgAmoiASADTQ0LIAEgBEsNCwtBxAstAABBBHENBQJAAkBBoAgoAgAiAwRAQcgLIQADQCADIAAoAgAiAU8EQCABIAAoAgRqIANLDQMLIAAoAggiAA0ACwtBABABIgFBf0YNBiACIQVB5AsoAgAiA0EBayIAIAFxBEAgAiABayAAIAFqQQAgA2txaiEFCyAFIAhNDQYgBUH+////B0sNBkHACygCACIEBEBBuAsoAgAiAyAFaiIAIANNDQcgACAESw0HCyAFEAEiACABRw0BDAgLIAUgBmsgB3EiBUH+////B0sNBSAFEAEiASAAKAIAIAAoAgRqRg0EIAEhAAsCQCAAQX9GDQAgCEEwaiAFTQ0AQegLKAIAIgEgCSAFa2pBACABa3EiAUH+////B0sEQCAAIQEMCAsgARABQX9HBEAgASAFaiEFIAAhAQwIC0EAIAVrEAEaDAULIAAiAUF/Rw0GDAQLAAtBACEEDAcLQQAhAQwFCyABQX9HDQILQcQLQcQLKAIAQQRyNgIACyACQf7///8HSw0BIAIQASEBQQAQASEAIAFBf0YNASAAQX9GDQEgACABTQ0BIAAgAWsiBSAIQShqTQ0BC0G4C0G4CygCACAFaiIANgIAQbwLKAIAIABJBEBBvAsgADYCAAsCQAJAAkBBoAgoAgAiBwRAQcgLIQADQCABIAAoAgAiAyAAKAIEIgJqRg0CIAAoAggiAA0ACwwCC0GYCCgCACIAQQAgACABTRtFBEBBmAggATYCAAtBACEAQcwLIAU2AgBByAsgATYCAEGoCEF/NgIAQawIQeALKAIANgIAQdQLQQA2AgADQCAAQQN0IgNBuAhqIANBsAhqIgI2AgAgA0G8CGogAjYCACAAQQFqIgBBIEcNAAtBlAggBUEoayIDQXggAWtBB3FBACABQQhqQQdxGyIAayICNgIAQaAIIAAgAWoiADYCACAAIAJBAXI2AgQgASADakEoNgIEQaQIQfALKAIANgIADAILIAAtAAxBCHENACADIAdLDQAgASAHTQ0AIAAgAiAFajYCBEGgCCAHQXggB2tBB3FBACAHQQhqQQdxGyIAaiICNgIAQZQIQZQIKAIAIAVqIgEgAGsiADYCACACIABBAXI2AgQgASAHakEoNgIEQaQIQfALKAIANgIADAELQZgIKAIAIAFLBEBBmAggATYCAAsgASAFaiECQcgLIQACQAJAAkACQAJAAkADQCACIAAoAgBHBEAgACgCCCIADQEMAgsLIAAtAAxBCHFFDQELQcgLIQADQCAHIAAoAgAiAk8EQCACIAAoAgRqIgQgB0sNAwsgACgCCCEADAALAAsgACABNgIAIAAgACgCBCAFajYCBCABQXggAWtBB3FBACABQQhqQQdxG2oiCSAIQQNyNgIEIAJBeCACa0EHcUEAIAJBCGpBB3EbaiIFIAggCWoiBmshAiAFIAdGBEBBoAggBjYCAEGUCEGUCCgCACACaiIANgIAIAYgAEEBcjYCBAwDCyAFQZwIKAIARgRAQZwIIAY2AgBBkAhBkAgoAgAgAmoiADYCACAGIABBAXI2AgQgACAGaiAANgIADAMLIAUoAgQiAEEDcUEBRgRAIABBeHEhBwJAIABB/wFNBEAgBSgCCCIDIABBA3YiAEEDdEGwCGpGGiADIAUoAgwiAUYEQEGICEGICCgCAEF+IAB3cTYCAAwCCyADIAE2AgwgASADNgIIDAELIAUoAhghCAJAIAUgBSgCDCIBRwRAIAUoAggiACABNgIMIAEgADYCCAwBCwJAIAVBFGoiACgCACIDDQAgBUEQaiIAKAIAIgMNAEEAIQEMAQsDQCAAIQQgAyIBQRRqIgAoAgAiAw0AIAFBEGohACABKAIQIgMNAAsgBEEANgIACyAIRQ0AAkAgBSAFKAIcIgNBAnRBuApqIgAoAgBGBEAgACABNgIAIAENAUGMCEGMCCgCAEF+IAN3cTYCAAwCCyAIQRBBFCAIKAIQIAVGG2ogATYCACABRQ0BCyABIAg2AhggBSgCECIABEAgASAANgIQIAAgATYCGAsgBSgCFCIARQ0AIAEgADYCFCAAIAE2AhgLIAUgB2ohBSACIAdqIQILIAUgBSgCBEF+cTYCBCAGIAJBAXI2AgQgAiAGaiACNgIAIAJB/wFNBEAgAkEDdiIAQQN0QbAIaiECAn9BiAgoAgAiAUEBIAB0IgBxRQRAQYgIIAAgAXI2AgAgAgwBCyACKAIICyEAIAIgBjYCCCAAIAY2AgwgBiACNgIMIAYgADYCCAwDC0EfIQAgAkH///8HTQRAIAJBCHYiACAAQYD+P2pBEHZBCHEiA3QiACAAQYDgH2pBEHZBBHEiAXQiACAAQYCAD2pBEHZBAnEiAHRBD3YgASADciAAcmsiAEEBdCACIABBFWp2QQFxckEcaiEACyAGIAA2AhwgBkIANwIQIABBAnRBuApqIQQCQEGMCCgCACIDQQEgAHQiAXFFBEBBjAggASADcjYCACAEIAY2AgAgBiAENgIYDAELIAJBAEEZIABBAXZrIABBH0YbdCEAIAQoAgAhAQNAIAEiAygCBEF4cSACRg0DIABBHXYhASAAQQF0IQAgAyABQQRxaiIEKAIQIgENAAsgBCAGNgIQIAYgAzYCGAsgBiAGNgIMIAYgBjYCCAwCC0GUCCAFQShrIgNBeCABa0EHcUEAIAFBCGpBB3EbIgBrIgI2AgBBoAggACABaiIANgIAIAAgAkEBcjYCBCABIANqQSg2AgRBpAhB8AsoAgA2AgAgByAEQScgBGtBB3FBACAEQSdrQQdxG2pBL2siACAAIAdBEGpJGyICQRs2AgQgAkHQCykCADcCECACQcgLKQIANwIIQdALIAJBCGo2AgBBzAsgBTYCAEHICyABNgIAQdQLQQA2AgAgAkEYaiEAA0AgAEEHNgIEIABBCGohASAAQQRqIQAgASAESQ0ACyACIAdGDQMgAiACKAIEQX5xNgIEIAcgAiAHayIEQQFyNgIEIAIgBDYCACAEQf8BTQRAIARBA3YiAEEDdEGwCGohAgJ/QYgIKAIAIgFBASAAdCIAcUUEQEGICCAAIAFyNgIAIAIMAQsgAigCCAshACACIAc2AgggACAHNgIMIAcgAjYCDCAHIAA2AggMBAtBHyEAIAdCADcCECAEQf///wdNBEAgBEEIdiIAIABBgP4/akEQdkEIcSICdCIAIABBgOAfakEQdkEEcSIBdCIAIABBgIAPakEQdkECcSIAdEEPdiABIAJyIAByayIAQQF0IAQgAEEVanZBAXFyQRxqIQALIAcgADYCHCAAQQJ0QbgKaiEDAkBBjAgoAgAiAkEBIAB0IgFxRQRAQYwIIAEgAnI2AgAgAyAHNgIAIAcgAzYCGAwBCyAEQQBBGSAAQQF2ayAAQR9GG3QhACADKAIAIQEDQCABIgIoAgRBeHEgBEYNBCAAQR12IQEgAEEBdCEAIAIgAUEEcWoiAygCECIBDQALIAMgBzYCECAHIAI2AhgLIAcgBzYCDCAHIAc2AggMAwsgAygCCCIAIAY2AgwgAyAGNgIIIAZBADYCGCAGIAM2AgwgBiAANgIICyAJQQhqIQAMBQsgAigCCCIAIAc2AgwgAiAHNgIIIAdBADYCGCAHIAI2AgwgByAANgIIC0GUCCgCACIAIAhNDQBBlAggACAIayIBNgIAQaAIQaAIKAIAIgIgCGoiADYCACAAIAFBAXI2AgQgAiAIQQNyNgIEIAJBCGohAAwDC0GECEEwNgIAQQAhAAwCCwJAIAVFDQACQCAEKAIcIgJBAnRBuApqIgAoAgAgBEYEQCAAIAE2AgAgAQ0BQYwIIAlBfiACd3EiCTYCAAwCCyAFQRBBFCAFKAIQIARGG2ogATYCACABRQ0BCyABIAU2AhggBCgCECIABEAgASAANgIQIAAgATYCGAsgBCgCFCIARQ0AIAEgADYCFCAAIAE2AhgLAkAgA0EPTQRAIAQgAyAIaiIAQQNyNgIEIAAgBGoiACAAKAIEQQFyNgIEDAELIAQgCEEDcjYCBCAGIANBAXI2AgQgAyAGaiADNgIAIANB/wFNBEAgA0EDdiIAQQN0QbAIaiECAn9BiAgoAgAiAUEBIAB0IgBxRQRAQYgIIAAgAXI2AgAgAgwBCyACKAIICyEAIAIgBjYCCCAAIAY2AgwgBiACNgIMIAYgADYCCAwBC0EfIQAgA0H///8HTQRAIANBCHYiACAAQYD+P2pBEHZBCHEiAnQiACAAQYDgH2pBEHZBBHEiAXQiACAAQYCAD2pBEHZBAnEiAHRBD3YgASACciAAcmsiAEEBdCADIABBFWp2QQFxckEcaiEACyAGIAA2AhwgBkIANwIQIABBAnRBuApqIQICQAJAIAlBASAAdCIBcUUEQEGMCCABIAlyNgIAIAIgBjYCACAGIAI2AhgMAQsgA0EAQRkgAEEBdmsgAEEfRht0IQAgAigCACEIA0AgCCIBKAIEQXhxIANGDQIgAEEddiECIABBAXQhACABIAJBBHFqIgIoAhAiCA0ACyACIAY2AhAgBiABNgIYCyAGIAY2AgwgBiAGNgIIDAELIAEoAggiACAGNgIMIAEgBjYCCCAGQQA2AhggBiABNgIMIAYgADYCCAsgBEEIaiEADAELAkAgC0UNAAJAIAEoAhwiAkECdEG4CmoiACgCACABRgRAIAAgBDYCACAEDQFBjAggBkF+IAJ3cTYCAAwCCyALQRBBFCALKAIQIAFGG2ogBDYCACAERQ0BCyAEIAs2AhggASgCECIABEAgBCAANgIQIAAgBDYCGAsgASgCFCIARQ0AIAQgADYCFCAAIAQ2AhgLAkAgA0EPTQRAIAEgAyAIaiIAQQNyNgIEIAAgAWoiACAAKAIEQQFyNgIEDAELIAEgCEEDcjYCBCAJIANBAXI2AgQgAyAJaiADNgIAIAoEQCAKQQN2IgBBA3RBsAhqIQRBnAgoAgAhAgJ/QQEgAHQiACAFcUUEQEGICCAAIAVyNgIAIAQMAQsgBCgCCAshACAEIAI2AgggACACNgIMIAIgBDYCDCACIAA2AggLQZwIIAk2AgBBkAggAzYCAAsgAUEIaiEACyAMQRBqJAAgAAsQACMAIABrQXBxIgAkACAACwYAIAAkAAsEACMAC4AJAgh/BH4jAEGQAWsiBiQAIAYgBS0AA0EYdEGAgIAYcSAFLwAAIAUtAAJBEHRycjYCACAGIAUoAANBAnZBg/7/H3E2AgQgBiAFKAAGQQR2Qf+B/x9xNgIIIAYgBSgACUEGdkH//8AfcTYCDCAFLwANIQggBS0ADyEJIAZCADcCFCAGQgA3AhwgBkEANgIkIAYgCCAJQRB0QYCAPHFyNgIQIAYgBSgAEDYCKCAGIAUoABQ2AiwgBiAFKAAYNgIwIAUoABwhBSAGQQA6AEwgBkEANgI4IAYgBTYCNCAGIAEgAhAEIAQEQCAGIAMgBBAECyAGKAI4IgEEQCAGQTxqIgIgAWpBAToAACABQQFqQQ9NBEAgASAGakE9aiEEAkBBDyABayIDRQ0AIAMgBGoiAUEBa0EAOgAAIARBADoAACADQQNJDQAgAUECa0EAOgAAIARBADoAASABQQNrQQA6AAAgBEEAOgACIANBB0kNACABQQRrQQA6AAAgBEEAOgADIANBCUkNACAEQQAgBGtBA3EiAWoiBEEANgIAIAQgAyABa0F8cSIBaiIDQQRrQQA2AgAgAUEJSQ0AIARBADYCCCAEQQA2AgQgA0EIa0EANgIAIANBDGtBADYCACABQRlJDQAgBEEANgIYIARBADYCFCAEQQA2AhAgBEEANgIMIANBEGtBADYCACADQRRrQQA2AgAgA0EYa0EANgIAIANBHGtBADYCACABIARBBHFBGHIiAWsiA0EgSQ0AIAEgBGohAQNAIAFCADcDGCABQgA3AxAgAUIANwMIIAFCADcDACABQSBqIQEgA0EgayIDQR9LDQALCwsgBkEBOgBMIAYgAkEQEAILIAY1AjQhECAGNQIwIREgBjUCLCEOIAAgBjUCKCAGKAIkIAYoAiAgBigCHCAGKAIYIgNBGnZqIgJBGnZqIgFBGnZqIgtBgICAYHIgAUH///8fcSINIAJB////H3EiCCAGKAIUIAtBGnZBBWxqIgFB////H3EiCUEFaiIFQRp2IANB////H3EgAUEadmoiA2oiAUEadmoiAkEadmoiBEEadmoiDEEfdSIHIANxIAEgDEEfdkEBayIDQf///x9xIgpxciIBQRp0IAUgCnEgByAJcXJyrXwiDzwAACAAIA9CGIg8AAMgACAPQhCIPAACIAAgD0IIiDwAASAAIA4gByAIcSACIApxciICQRR0IAFBBnZyrXwgD0IgiHwiDjwABCAAIA5CGIg8AAcgACAOQhCIPAAGIAAgDkIIiDwABSAAIBEgByANcSAEIApxciIBQQ50IAJBDHZyrXwgDkIgiHwiDjwACCAAIA5CGIg8AAsgACAOQhCIPAAKIAAgDkIIiDwACSAAIBAgAyAMcSAHIAtxckEIdCABQRJ2cq18IA5CIIh8Ig48AAwgACAOQhiIPAAPIAAgDkIQiDwADiAAIA5CCIg8AA0gBkIANwIwIAZCADcCKCAGQgA3AiAgBkIANwIYIAZCADcCECAGQgA3AgggBkIANwIAIAZBkAFqJAALpwwBB38CQCAARQ0AIABBCGsiAyAAQQRrKAIAIgFBeHEiAGohBQJAIAFBAXENACABQQNxRQ0BIAMgAygCACIBayIDQZgIKAIASQ0BIAAgAWohACADQZwIKAIARwRAIAFB/wFNBEAgAygCCCICIAFBA3YiBEEDdEGwCGpGGiACIAMoAgwiAUYEQEGICEGICCgCAEF+IAR3cTYCAAwDCyACIAE2AgwgASACNgIIDAILIAMoAhghBgJAIAMgAygCDCIBRwRAIAMoAggiAiABNgIMIAEgAjYCCAwBCwJAIANBFGoiAigCACIEDQAgA0EQaiICKAIAIgQNAEEAIQEMAQsDQCACIQcgBCIBQRRqIgIoAgAiBA0AIAFBEGohAiABKAIQIgQNAAsgB0EANgIACyAGRQ0BAkAgAyADKAIcIgJBAnRBuApqIgQoAgBGBEAgBCABNgIAIAENAUGMCEGMCCgCAEF+IAJ3cTYCAAwDCyAGQRBBFCAGKAIQIANGG2ogATYCACABRQ0CCyABIAY2AhggAygCECICBEAgASACNgIQIAIgATYCGAsgAygCFCICRQ0BIAEgAjYCFCACIAE2AhgMAQsgBSgCBCIBQQNxQQNHDQBBkAggADYCACAFIAFBfnE2AgQgAyAAQQFyNgIEIAAgA2ogADYCAA8LIAMgBU8NACAFKAIEIgFBAXFFDQACQCABQQJxRQRAIAVBoAgoAgBGBEBBoAggAzYCAEGUCEGUCCgCACAAaiIANgIAIAMgAEEBcjYCBCADQZwIKAIARw0DQZAIQQA2AgBBnAhBADYCAA8LIAVBnAgoAgBGBEBBnAggAzYCAEGQCEGQCCgCACAAaiIANgIAIAMgAEEBcjYCBCAAIANqIAA2AgAPCyABQXhxIABqIQACQCABQf8BTQRAIAUoAggiAiABQQN2IgRBA3RBsAhqRhogAiAFKAIMIgFGBEBBiAhBiAgoAgBBfiAEd3E2AgAMAgsgAiABNgIMIAEgAjYCCAwBCyAFKAIYIQYCQCAFIAUoAgwiAUcEQCAFKAIIIgJBmAgoAgBJGiACIAE2AgwgASACNgIIDAELAkAgBUEUaiICKAIAIgQNACAFQRBqIgIoAgAiBA0AQQAhAQwBCwNAIAIhByAEIgFBFGoiAigCACIEDQAgAUEQaiECIAEoAhAiBA0ACyAHQQA2AgALIAZFDQACQCAFIAUoAhwiAkECdEG4CmoiBCgCAEYEQCAEIAE2AgAgAQ0BQYwIQYwIKAIAQX4gAndxNgIADAILIAZBEEEUIAYoAhAgBUYbaiABNgIAIAFFDQELIAEgBjYCGCAFKAIQIgIEQCABIAI2AhAgAiABNgIYCyAFKAIUIgJFDQAgASACNgIUIAIgATYCGAsgAyAAQQFyNgIEIAAgA2ogADYCACADQZwIKAIARw0BQZAIIAA2AgAPCyAFIAFBfnE2AgQgAyAAQQFyNgIEIAAgA2ogADYCAAsgAEH/AU0EQCAAQQN2IgFBA3RBsAhqIQACf0GICCgCACICQQEgAXQiAXFFBEBBiAggASACcjYCACAADAELIAAoAggLIQIgACADNgIIIAIgAzYCDCADIAA2AgwgAyACNgIIDwtBHyECIANCADcCECAAQf///wdNBEAgAEEIdiIBIAFBgP4/akEQdkEIcSIBdCICIAJBgOAfakEQdkEEcSICdCIEIARBgIAPakEQdkECcSIEdEEPdiABIAJyIARyayIBQQF0IAAgAUEVanZBAXFyQRxqIQILIAMgAjYCHCACQQJ0QbgKaiEBAkACQAJAQYwIKAIAIgRBASACdCIHcUUEQEGMCCAEIAdyNgIAIAEgAzYCACADIAE2AhgMAQsgAEEAQRkgAkEBdmsgAkEfRht0IQIgASgCACEBA0AgASIEKAIEQXhxIABGDQIgAkEddiEBIAJBAXQhAiAEIAFBBHFqIgdBEGooAgAiAQ0ACyAHIAM2AhAgAyAENgIYCyADIAM2AgwgAyADNgIIDAELIAQoAggiACADNgIMIAQgAzYCCCADQQA2AhggAyAENgIMIAMgADYCCAtBqAhBqAgoAgBBAWsiAEF/IAAbNgIACwsLCQEAQYEICwIGUA==";
        if (!W.startsWith(V)) {
          var na = W;
          W = b.locateFile ? b.locateFile(na, B2) : B2 + na;
        }
        function pa() {
          var a = W;
          try {
            if (a == W && J) return new Uint8Array(J);
            var c = H(a);
            if (c) return c;
            if (E) return E(a);
            throw "both async and sync fetching of the wasm failed";
          } catch (d) {
            K(d);
          }
        }
        function qa() {
          if (!J && (x || y)) {
            if ("function" === typeof fetch && !W.startsWith("file://")) return fetch(W, { credentials: "same-origin" }).then(function(a) {
              if (!a.ok) throw "failed to load wasm binary file at '" + W + "'";
              return a.arrayBuffer();
            }).catch(function() {
              return pa();
            });
            if (D) return new Promise(function(a, c) {
              D(W, function(d) {
                a(new Uint8Array(d));
              }, c);
            });
          }
          return Promise.resolve().then(function() {
            return pa();
          });
        }
        function X(a) {
          for (; 0 < a.length; ) {
            var c = a.shift();
            if ("function" == typeof c) c(b);
            else {
              var d = c.m;
              "number" === typeof d ? void 0 === c.l ? R2.get(d)() : R2.get(d)(c.l) : d(void 0 === c.l ? null : c.l);
            }
          }
        }
        var ba = false, ra = "function" === typeof atob ? atob : function(a) {
          var c = "", d = 0;
          a = a.replace(/[^A-Za-z0-9\+\/=]/g, "");
          do {
            var e = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".indexOf(a.charAt(d++));
            var f = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".indexOf(a.charAt(d++));
            var l = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".indexOf(a.charAt(d++));
            var A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".indexOf(a.charAt(d++));
            e = e << 2 | f >> 4;
            f = (f & 15) << 4 | l >> 2;
            var t = (l & 3) << 6 | A;
            c += String.fromCharCode(e);
            64 !== l && (c += String.fromCharCode(f));
            64 !== A && (c += String.fromCharCode(t));
          } while (d < a.length);
          return c;
        };
        function H(a) {
          if (a.startsWith(V)) {
            a = a.slice(V.length);
            if ("boolean" === typeof z && z) {
              var c = Buffer.from(a, "base64");
              c = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
            } else try {
              var d = ra(a), e = new Uint8Array(d.length);
              for (a = 0; a < d.length; ++a) e[a] = d.charCodeAt(a);
              c = e;
            } catch (f) {
              throw Error("Converting base64 string to bytes failed.");
            }
            return c;
          }
        }
        var sa = { a: function(a) {
          var c = P3.length;
          a >>>= 0;
          if (2147483648 < a) return false;
          for (var d = 1; 4 >= d; d *= 2) {
            var e = c * (1 + 0.2 / d);
            e = Math.min(e, a + 100663296);
            e = Math.max(a, e);
            0 < e % 65536 && (e += 65536 - e % 65536);
            a: {
              try {
                L.grow(Math.min(2147483648, e) - ha.byteLength + 65535 >>> 16);
                ia();
                var f = 1;
                break a;
              } catch (l) {
              }
              f = void 0;
            }
            if (f) return true;
          }
          return false;
        } };
        (function() {
          function a(f) {
            b.asm = f.exports;
            L = b.asm.b;
            ia();
            R2 = b.asm.j;
            ka.unshift(b.asm.c);
            S--;
            b.monitorRunDependencies && b.monitorRunDependencies(S);
            0 == S && (null !== T && (clearInterval(T), T = null), U && (f = U, U = null, f()));
          }
          function c(f) {
            a(f.instance);
          }
          function d(f) {
            return qa().then(function(l) {
              return WebAssembly.instantiate(l, e);
            }).then(f, function(l) {
              I("failed to asynchronously prepare wasm: " + l);
              K(l);
            });
          }
          var e = { a: sa };
          S++;
          b.monitorRunDependencies && b.monitorRunDependencies(S);
          if (b.instantiateWasm) try {
            return b.instantiateWasm(
              e,
              a
            );
          } catch (f) {
            return I("Module.instantiateWasm callback failed with error: " + f), false;
          }
          (function() {
            return J || "function" !== typeof WebAssembly.instantiateStreaming || W.startsWith(V) || W.startsWith("file://") || "function" !== typeof fetch ? d(c) : fetch(W, { credentials: "same-origin" }).then(function(f) {
              return WebAssembly.instantiateStreaming(f, e).then(c, function(l) {
                I("wasm streaming compile failed: " + l);
                I("falling back to ArrayBuffer instantiation");
                return d(c);
              });
            });
          })().catch(r);
          return {};
        })();
        b.___wasm_call_ctors = function() {
          return (b.___wasm_call_ctors = b.asm.c).apply(null, arguments);
        };
        b._poly1305_auth = function() {
          return (b._poly1305_auth = b.asm.d).apply(null, arguments);
        };
        var da = b.stackSave = function() {
          return (da = b.stackSave = b.asm.e).apply(null, arguments);
        }, fa = b.stackRestore = function() {
          return (fa = b.stackRestore = b.asm.f).apply(null, arguments);
        }, O = b.stackAlloc = function() {
          return (O = b.stackAlloc = b.asm.g).apply(null, arguments);
        };
        b._malloc = function() {
          return (b._malloc = b.asm.h).apply(null, arguments);
        };
        b._free = function() {
          return (b._free = b.asm.i).apply(null, arguments);
        };
        b.cwrap = function(a, c, d, e) {
          d = d || [];
          var f = d.every(function(l) {
            return "number" === l;
          });
          return "string" !== c && f && !e ? N2(a) : function() {
            return ca(a, c, d, arguments);
          };
        };
        var Y;
        U = function ta() {
          Y || Z();
          Y || (U = ta);
        };
        function Z() {
          function a() {
            if (!Y && (Y = true, b.calledRun = true, !M)) {
              X(ka);
              q(b);
              if (b.onRuntimeInitialized) b.onRuntimeInitialized();
              if (b.postRun) for ("function" == typeof b.postRun && (b.postRun = [b.postRun]); b.postRun.length; ) {
                var c = b.postRun.shift();
                la.unshift(c);
              }
              X(la);
            }
          }
          if (!(0 < S)) {
            if (b.preRun) for ("function" == typeof b.preRun && (b.preRun = [b.preRun]); b.preRun.length; ) ma();
            X(ja);
            0 < S || (b.setStatus ? (b.setStatus("Running..."), setTimeout(function() {
              setTimeout(function() {
                b.setStatus("");
              }, 1);
              a();
            }, 1)) : a());
          }
        }
        b.run = Z;
        if (b.preInit) for ("function" == typeof b.preInit && (b.preInit = [b.preInit]); 0 < b.preInit.length; ) b.preInit.pop()();
        Z();
        return createPoly13052.ready;
      });
    })();
    if (typeof exports2 === "object" && typeof module2 === "object")
      module2.exports = createPoly1305;
    else if (typeof define === "function" && define["amd"])
      define([], function() {
        return createPoly1305;
      });
    else if (typeof exports2 === "object")
      exports2["createPoly1305"] = createPoly1305;
  }
});

// node_modules/ssh2/lib/protocol/crypto.js
var require_crypto = __commonJS({
  "node_modules/ssh2/lib/protocol/crypto.js"(exports2, module2) {
    "use strict";
    var {
      createCipheriv,
      createDecipheriv,
      createHmac: createHmac2,
      randomFillSync,
      timingSafeEqual
    } = require("crypto");
    var { readUInt32BE, writeUInt32BE } = require_utils();
    var FastBuffer = Buffer[Symbol.species];
    var MAX_SEQNO = 2 ** 32 - 1;
    var EMPTY_BUFFER3 = Buffer.alloc(0);
    var BUF_INT = Buffer.alloc(4);
    var DISCARD_CACHE = /* @__PURE__ */ new Map();
    var MAX_PACKET_SIZE = 35e3;
    var binding;
    var AESGCMCipher;
    var ChaChaPolyCipher;
    var GenericCipher;
    var AESGCMDecipher;
    var ChaChaPolyDecipher;
    var GenericDecipher;
    try {
      binding = require("./crypto/build/Release/sshcrypto.node");
      ({
        AESGCMCipher,
        ChaChaPolyCipher,
        GenericCipher,
        AESGCMDecipher,
        ChaChaPolyDecipher,
        GenericDecipher
      } = binding);
    } catch {
    }
    var CIPHER_STREAM = 1 << 0;
    var CIPHER_INFO = (() => {
      function info(sslName, blockLen, keyLen, ivLen, authLen, discardLen, flags) {
        return {
          sslName,
          blockLen,
          keyLen,
          ivLen: ivLen !== 0 || flags & CIPHER_STREAM ? ivLen : blockLen,
          authLen,
          discardLen,
          stream: !!(flags & CIPHER_STREAM)
        };
      }
      return {
        "chacha20-poly1305@openssh.com": info("chacha20", 8, 64, 0, 16, 0, CIPHER_STREAM),
        "aes128-gcm": info("aes-128-gcm", 16, 16, 12, 16, 0, CIPHER_STREAM),
        "aes256-gcm": info("aes-256-gcm", 16, 32, 12, 16, 0, CIPHER_STREAM),
        "aes128-gcm@openssh.com": info("aes-128-gcm", 16, 16, 12, 16, 0, CIPHER_STREAM),
        "aes256-gcm@openssh.com": info("aes-256-gcm", 16, 32, 12, 16, 0, CIPHER_STREAM),
        "aes128-cbc": info("aes-128-cbc", 16, 16, 0, 0, 0, 0),
        "aes192-cbc": info("aes-192-cbc", 16, 24, 0, 0, 0, 0),
        "aes256-cbc": info("aes-256-cbc", 16, 32, 0, 0, 0, 0),
        "rijndael-cbc@lysator.liu.se": info("aes-256-cbc", 16, 32, 0, 0, 0, 0),
        "3des-cbc": info("des-ede3-cbc", 8, 24, 0, 0, 0, 0),
        "blowfish-cbc": info("bf-cbc", 8, 16, 0, 0, 0, 0),
        "idea-cbc": info("idea-cbc", 8, 16, 0, 0, 0, 0),
        "cast128-cbc": info("cast-cbc", 8, 16, 0, 0, 0, 0),
        "aes128-ctr": info("aes-128-ctr", 16, 16, 16, 0, 0, CIPHER_STREAM),
        "aes192-ctr": info("aes-192-ctr", 16, 24, 16, 0, 0, CIPHER_STREAM),
        "aes256-ctr": info("aes-256-ctr", 16, 32, 16, 0, 0, CIPHER_STREAM),
        "3des-ctr": info("des-ede3", 8, 24, 8, 0, 0, CIPHER_STREAM),
        "blowfish-ctr": info("bf-ecb", 8, 16, 8, 0, 0, CIPHER_STREAM),
        "cast128-ctr": info("cast5-ecb", 8, 16, 8, 0, 0, CIPHER_STREAM),
        /* The "arcfour128" algorithm is the RC4 cipher, as described in
               [SCHNEIER], using a 128-bit key.  The first 1536 bytes of keystream
               generated by the cipher MUST be discarded, and the first byte of the
               first encrypted packet MUST be encrypted using the 1537th byte of
               keystream.
        
               -- http://tools.ietf.org/html/rfc4345#section-4 */
        "arcfour": info("rc4", 8, 16, 0, 0, 1536, CIPHER_STREAM),
        "arcfour128": info("rc4", 8, 16, 0, 0, 1536, CIPHER_STREAM),
        "arcfour256": info("rc4", 8, 32, 0, 0, 1536, CIPHER_STREAM),
        "arcfour512": info("rc4", 8, 64, 0, 0, 1536, CIPHER_STREAM)
      };
    })();
    var MAC_INFO = (() => {
      function info(sslName, len2, actualLen, isETM) {
        return {
          sslName,
          len: len2,
          actualLen,
          isETM
        };
      }
      return {
        "hmac-md5": info("md5", 16, 16, false),
        "hmac-md5-96": info("md5", 16, 12, false),
        "hmac-ripemd160": info("ripemd160", 20, 20, false),
        "hmac-sha1": info("sha1", 20, 20, false),
        "hmac-sha1-etm@openssh.com": info("sha1", 20, 20, true),
        "hmac-sha1-96": info("sha1", 20, 12, false),
        "hmac-sha2-256": info("sha256", 32, 32, false),
        "hmac-sha2-256-etm@openssh.com": info("sha256", 32, 32, true),
        "hmac-sha2-256-96": info("sha256", 32, 12, false),
        "hmac-sha2-512": info("sha512", 64, 64, false),
        "hmac-sha2-512-etm@openssh.com": info("sha512", 64, 64, true),
        "hmac-sha2-512-96": info("sha512", 64, 12, false)
      };
    })();
    var NullCipher = class {
      constructor(seqno, onWrite) {
        this.outSeqno = seqno;
        this._onWrite = onWrite;
        this._dead = false;
      }
      free() {
        this._dead = true;
      }
      allocPacket(payloadLen) {
        let pktLen = 4 + 1 + payloadLen;
        let padLen = 8 - (pktLen & 8 - 1);
        if (padLen < 4)
          padLen += 8;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(pktLen);
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        this._onWrite(packet);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var POLY1305_ZEROS = Buffer.alloc(32);
    var POLY1305_OUT_COMPUTE = Buffer.alloc(16);
    var POLY1305_WASM_MODULE;
    var POLY1305_RESULT_MALLOC;
    var poly1305_auth;
    var ChaChaPolyCipherNative = class {
      constructor(config) {
        const enc = config.outbound;
        this.outSeqno = enc.seqno;
        this._onWrite = enc.onWrite;
        this._encKeyMain = enc.cipherKey.slice(0, 32);
        this._encKeyPktLen = enc.cipherKey.slice(32);
        this._dead = false;
      }
      free() {
        this._dead = true;
      }
      allocPacket(payloadLen) {
        let pktLen = 4 + 1 + payloadLen;
        let padLen = 8 - (pktLen - 4 & 8 - 1);
        if (padLen < 4)
          padLen += 8;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(pktLen);
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        POLY1305_OUT_COMPUTE[0] = 0;
        writeUInt32BE(POLY1305_OUT_COMPUTE, this.outSeqno, 12);
        const polyKey = createCipheriv("chacha20", this._encKeyMain, POLY1305_OUT_COMPUTE).update(POLY1305_ZEROS);
        const pktLenEnc = createCipheriv("chacha20", this._encKeyPktLen, POLY1305_OUT_COMPUTE).update(packet.slice(0, 4));
        this._onWrite(pktLenEnc);
        POLY1305_OUT_COMPUTE[0] = 1;
        const payloadEnc = createCipheriv("chacha20", this._encKeyMain, POLY1305_OUT_COMPUTE).update(packet.slice(4));
        this._onWrite(payloadEnc);
        poly1305_auth(
          POLY1305_RESULT_MALLOC,
          pktLenEnc,
          pktLenEnc.length,
          payloadEnc,
          payloadEnc.length,
          polyKey
        );
        const mac = Buffer.allocUnsafe(16);
        mac.set(
          new Uint8Array(
            POLY1305_WASM_MODULE.HEAPU8.buffer,
            POLY1305_RESULT_MALLOC,
            16
          ),
          0
        );
        this._onWrite(mac);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var ChaChaPolyCipherBinding = class {
      constructor(config) {
        const enc = config.outbound;
        this.outSeqno = enc.seqno;
        this._onWrite = enc.onWrite;
        this._instance = new ChaChaPolyCipher(enc.cipherKey);
        this._dead = false;
      }
      free() {
        this._dead = true;
        this._instance.free();
      }
      allocPacket(payloadLen) {
        let pktLen = 4 + 1 + payloadLen;
        let padLen = 8 - (pktLen - 4 & 8 - 1);
        if (padLen < 4)
          padLen += 8;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(
          pktLen + 16
          /* MAC */
        );
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        this._instance.encrypt(packet, this.outSeqno);
        this._onWrite(packet);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var AESGCMCipherNative = class {
      constructor(config) {
        const enc = config.outbound;
        this.outSeqno = enc.seqno;
        this._onWrite = enc.onWrite;
        this._encSSLName = enc.cipherInfo.sslName;
        this._encKey = enc.cipherKey;
        this._encIV = enc.cipherIV;
        this._dead = false;
      }
      free() {
        this._dead = true;
      }
      allocPacket(payloadLen) {
        let pktLen = 4 + 1 + payloadLen;
        let padLen = 16 - (pktLen - 4 & 16 - 1);
        if (padLen < 4)
          padLen += 16;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(pktLen);
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        const cipher = createCipheriv(this._encSSLName, this._encKey, this._encIV);
        cipher.setAutoPadding(false);
        const lenData = packet.slice(0, 4);
        cipher.setAAD(lenData);
        this._onWrite(lenData);
        const encrypted = cipher.update(packet.slice(4));
        this._onWrite(encrypted);
        const final = cipher.final();
        if (final.length)
          this._onWrite(final);
        const tag = cipher.getAuthTag();
        this._onWrite(tag);
        ivIncrement(this._encIV);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var AESGCMCipherBinding = class {
      constructor(config) {
        const enc = config.outbound;
        this.outSeqno = enc.seqno;
        this._onWrite = enc.onWrite;
        this._instance = new AESGCMCipher(
          enc.cipherInfo.sslName,
          enc.cipherKey,
          enc.cipherIV
        );
        this._dead = false;
      }
      free() {
        this._dead = true;
        this._instance.free();
      }
      allocPacket(payloadLen) {
        let pktLen = 4 + 1 + payloadLen;
        let padLen = 16 - (pktLen - 4 & 16 - 1);
        if (padLen < 4)
          padLen += 16;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(
          pktLen + 16
          /* authTag */
        );
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        this._instance.encrypt(packet);
        this._onWrite(packet);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var GenericCipherNative = class {
      constructor(config) {
        const enc = config.outbound;
        this.outSeqno = enc.seqno;
        this._onWrite = enc.onWrite;
        this._encBlockLen = enc.cipherInfo.blockLen;
        this._cipherInstance = createCipheriv(
          enc.cipherInfo.sslName,
          enc.cipherKey,
          enc.cipherIV
        );
        this._macSSLName = enc.macInfo.sslName;
        this._macKey = enc.macKey;
        this._macActualLen = enc.macInfo.actualLen;
        this._macETM = enc.macInfo.isETM;
        this._aadLen = this._macETM ? 4 : 0;
        this._dead = false;
        const discardLen = enc.cipherInfo.discardLen;
        if (discardLen) {
          let discard = DISCARD_CACHE.get(discardLen);
          if (discard === void 0) {
            discard = Buffer.alloc(discardLen);
            DISCARD_CACHE.set(discardLen, discard);
          }
          this._cipherInstance.update(discard);
        }
      }
      free() {
        this._dead = true;
      }
      allocPacket(payloadLen) {
        const blockLen = this._encBlockLen;
        let pktLen = 4 + 1 + payloadLen;
        let padLen = blockLen - (pktLen - this._aadLen & blockLen - 1);
        if (padLen < 4)
          padLen += blockLen;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(pktLen);
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        let mac;
        if (this._macETM) {
          const lenBytes = new Uint8Array(packet.buffer, packet.byteOffset, 4);
          const encrypted = this._cipherInstance.update(
            new Uint8Array(
              packet.buffer,
              packet.byteOffset + 4,
              packet.length - 4
            )
          );
          this._onWrite(lenBytes);
          this._onWrite(encrypted);
          mac = createHmac2(this._macSSLName, this._macKey);
          writeUInt32BE(BUF_INT, this.outSeqno, 0);
          mac.update(BUF_INT);
          mac.update(lenBytes);
          mac.update(encrypted);
        } else {
          const encrypted = this._cipherInstance.update(packet);
          this._onWrite(encrypted);
          mac = createHmac2(this._macSSLName, this._macKey);
          writeUInt32BE(BUF_INT, this.outSeqno, 0);
          mac.update(BUF_INT);
          mac.update(packet);
        }
        let digest = mac.digest();
        if (digest.length > this._macActualLen)
          digest = digest.slice(0, this._macActualLen);
        this._onWrite(digest);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var GenericCipherBinding = class {
      constructor(config) {
        const enc = config.outbound;
        this.outSeqno = enc.seqno;
        this._onWrite = enc.onWrite;
        this._encBlockLen = enc.cipherInfo.blockLen;
        this._macLen = enc.macInfo.len;
        this._macActualLen = enc.macInfo.actualLen;
        this._aadLen = enc.macInfo.isETM ? 4 : 0;
        this._instance = new GenericCipher(
          enc.cipherInfo.sslName,
          enc.cipherKey,
          enc.cipherIV,
          enc.macInfo.sslName,
          enc.macKey,
          enc.macInfo.isETM
        );
        this._dead = false;
      }
      free() {
        this._dead = true;
        this._instance.free();
      }
      allocPacket(payloadLen) {
        const blockLen = this._encBlockLen;
        let pktLen = 4 + 1 + payloadLen;
        let padLen = blockLen - (pktLen - this._aadLen & blockLen - 1);
        if (padLen < 4)
          padLen += blockLen;
        pktLen += padLen;
        const packet = Buffer.allocUnsafe(pktLen + this._macLen);
        writeUInt32BE(packet, pktLen - 4, 0);
        packet[4] = padLen;
        randomFillSync(packet, 5 + payloadLen, padLen);
        return packet;
      }
      encrypt(packet) {
        if (this._dead)
          return;
        this._instance.encrypt(packet, this.outSeqno);
        if (this._macActualLen < this._macLen) {
          packet = new FastBuffer(
            packet.buffer,
            packet.byteOffset,
            packet.length - (this._macLen - this._macActualLen)
          );
        }
        this._onWrite(packet);
        this.outSeqno = this.outSeqno + 1 >>> 0;
      }
    };
    var NullDecipher = class {
      constructor(seqno, onPayload) {
        this.inSeqno = seqno;
        this._onPayload = onPayload;
        this._len = 0;
        this._lenBytes = 0;
        this._packet = null;
        this._packetPos = 0;
      }
      free() {
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._lenBytes < 4) {
            let nb = Math.min(4 - this._lenBytes, dataLen - p);
            this._lenBytes += nb;
            while (nb--)
              this._len = (this._len << 8) + data[p++];
            if (this._lenBytes < 4)
              return;
            if (this._len > MAX_PACKET_SIZE || this._len < 8 || (4 + this._len & 7) !== 0) {
              throw new Error("Bad packet length");
            }
            if (p >= dataLen)
              return;
          }
          if (this._packetPos < this._len) {
            const nb = Math.min(this._len - this._packetPos, dataLen - p);
            let chunk;
            if (p !== 0 || nb !== dataLen)
              chunk = new Uint8Array(data.buffer, data.byteOffset + p, nb);
            else
              chunk = data;
            if (nb === this._len) {
              this._packet = chunk;
            } else {
              if (!this._packet)
                this._packet = Buffer.allocUnsafe(this._len);
              this._packet.set(chunk, this._packetPos);
            }
            p += nb;
            this._packetPos += nb;
            if (this._packetPos < this._len)
              return;
          }
          const payload = !this._packet ? EMPTY_BUFFER3 : new FastBuffer(
            this._packet.buffer,
            this._packet.byteOffset + 1,
            this._packet.length - this._packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          this._len = 0;
          this._lenBytes = 0;
          this._packet = null;
          this._packetPos = 0;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    var ChaChaPolyDecipherNative = class {
      constructor(config) {
        const dec = config.inbound;
        this.inSeqno = dec.seqno;
        this._onPayload = dec.onPayload;
        this._decKeyMain = dec.decipherKey.slice(0, 32);
        this._decKeyPktLen = dec.decipherKey.slice(32);
        this._len = 0;
        this._lenBuf = Buffer.alloc(4);
        this._lenPos = 0;
        this._packet = null;
        this._pktLen = 0;
        this._mac = Buffer.allocUnsafe(16);
        this._calcMac = Buffer.allocUnsafe(16);
        this._macPos = 0;
      }
      free() {
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._lenPos < 4) {
            let nb = Math.min(4 - this._lenPos, dataLen - p);
            while (nb--)
              this._lenBuf[this._lenPos++] = data[p++];
            if (this._lenPos < 4)
              return;
            POLY1305_OUT_COMPUTE[0] = 0;
            writeUInt32BE(POLY1305_OUT_COMPUTE, this.inSeqno, 12);
            const decLenBytes = createDecipheriv("chacha20", this._decKeyPktLen, POLY1305_OUT_COMPUTE).update(this._lenBuf);
            this._len = readUInt32BE(decLenBytes, 0);
            if (this._len > MAX_PACKET_SIZE || this._len < 8 || (this._len & 7) !== 0) {
              throw new Error("Bad packet length");
            }
          }
          if (this._pktLen < this._len) {
            if (p >= dataLen)
              return;
            const nb = Math.min(this._len - this._pktLen, dataLen - p);
            let encrypted;
            if (p !== 0 || nb !== dataLen)
              encrypted = new Uint8Array(data.buffer, data.byteOffset + p, nb);
            else
              encrypted = data;
            if (nb === this._len) {
              this._packet = encrypted;
            } else {
              if (!this._packet)
                this._packet = Buffer.allocUnsafe(this._len);
              this._packet.set(encrypted, this._pktLen);
            }
            p += nb;
            this._pktLen += nb;
            if (this._pktLen < this._len || p >= dataLen)
              return;
          }
          {
            const nb = Math.min(16 - this._macPos, dataLen - p);
            if (p !== 0 || nb !== dataLen) {
              this._mac.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._macPos
              );
            } else {
              this._mac.set(data, this._macPos);
            }
            p += nb;
            this._macPos += nb;
            if (this._macPos < 16)
              return;
          }
          POLY1305_OUT_COMPUTE[0] = 0;
          writeUInt32BE(POLY1305_OUT_COMPUTE, this.inSeqno, 12);
          const polyKey = createCipheriv("chacha20", this._decKeyMain, POLY1305_OUT_COMPUTE).update(POLY1305_ZEROS);
          poly1305_auth(
            POLY1305_RESULT_MALLOC,
            this._lenBuf,
            4,
            this._packet,
            this._packet.length,
            polyKey
          );
          this._calcMac.set(
            new Uint8Array(
              POLY1305_WASM_MODULE.HEAPU8.buffer,
              POLY1305_RESULT_MALLOC,
              16
            ),
            0
          );
          if (!timingSafeEqual(this._calcMac, this._mac))
            throw new Error("Invalid MAC");
          POLY1305_OUT_COMPUTE[0] = 1;
          const packet = createDecipheriv("chacha20", this._decKeyMain, POLY1305_OUT_COMPUTE).update(this._packet);
          const payload = new FastBuffer(
            packet.buffer,
            packet.byteOffset + 1,
            packet.length - packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          this._len = 0;
          this._lenPos = 0;
          this._packet = null;
          this._pktLen = 0;
          this._macPos = 0;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    var ChaChaPolyDecipherBinding = class {
      constructor(config) {
        const dec = config.inbound;
        this.inSeqno = dec.seqno;
        this._onPayload = dec.onPayload;
        this._instance = new ChaChaPolyDecipher(dec.decipherKey);
        this._len = 0;
        this._lenBuf = Buffer.alloc(4);
        this._lenPos = 0;
        this._packet = null;
        this._pktLen = 0;
        this._mac = Buffer.allocUnsafe(16);
        this._macPos = 0;
      }
      free() {
        this._instance.free();
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._lenPos < 4) {
            let nb = Math.min(4 - this._lenPos, dataLen - p);
            while (nb--)
              this._lenBuf[this._lenPos++] = data[p++];
            if (this._lenPos < 4)
              return;
            this._len = this._instance.decryptLen(this._lenBuf, this.inSeqno);
            if (this._len > MAX_PACKET_SIZE || this._len < 8 || (this._len & 7) !== 0) {
              throw new Error("Bad packet length");
            }
            if (p >= dataLen)
              return;
          }
          if (this._pktLen < this._len) {
            const nb = Math.min(this._len - this._pktLen, dataLen - p);
            let encrypted;
            if (p !== 0 || nb !== dataLen)
              encrypted = new Uint8Array(data.buffer, data.byteOffset + p, nb);
            else
              encrypted = data;
            if (nb === this._len) {
              this._packet = encrypted;
            } else {
              if (!this._packet)
                this._packet = Buffer.allocUnsafe(this._len);
              this._packet.set(encrypted, this._pktLen);
            }
            p += nb;
            this._pktLen += nb;
            if (this._pktLen < this._len || p >= dataLen)
              return;
          }
          {
            const nb = Math.min(16 - this._macPos, dataLen - p);
            if (p !== 0 || nb !== dataLen) {
              this._mac.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._macPos
              );
            } else {
              this._mac.set(data, this._macPos);
            }
            p += nb;
            this._macPos += nb;
            if (this._macPos < 16)
              return;
          }
          this._instance.decrypt(this._packet, this._mac, this.inSeqno);
          const payload = new FastBuffer(
            this._packet.buffer,
            this._packet.byteOffset + 1,
            this._packet.length - this._packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          this._len = 0;
          this._lenPos = 0;
          this._packet = null;
          this._pktLen = 0;
          this._macPos = 0;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    var AESGCMDecipherNative = class {
      constructor(config) {
        const dec = config.inbound;
        this.inSeqno = dec.seqno;
        this._onPayload = dec.onPayload;
        this._decipherInstance = null;
        this._decipherSSLName = dec.decipherInfo.sslName;
        this._decipherKey = dec.decipherKey;
        this._decipherIV = dec.decipherIV;
        this._len = 0;
        this._lenBytes = 0;
        this._packet = null;
        this._packetPos = 0;
        this._pktLen = 0;
        this._tag = Buffer.allocUnsafe(16);
        this._tagPos = 0;
      }
      free() {
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._lenBytes < 4) {
            let nb = Math.min(4 - this._lenBytes, dataLen - p);
            this._lenBytes += nb;
            while (nb--)
              this._len = (this._len << 8) + data[p++];
            if (this._lenBytes < 4)
              return;
            if (this._len + 20 > MAX_PACKET_SIZE || this._len < 16 || (this._len & 15) !== 0) {
              throw new Error("Bad packet length");
            }
            this._decipherInstance = createDecipheriv(
              this._decipherSSLName,
              this._decipherKey,
              this._decipherIV
            );
            this._decipherInstance.setAutoPadding(false);
            this._decipherInstance.setAAD(intToBytes(this._len));
          }
          if (this._pktLen < this._len) {
            if (p >= dataLen)
              return;
            const nb = Math.min(this._len - this._pktLen, dataLen - p);
            let decrypted;
            if (p !== 0 || nb !== dataLen) {
              decrypted = this._decipherInstance.update(
                new Uint8Array(data.buffer, data.byteOffset + p, nb)
              );
            } else {
              decrypted = this._decipherInstance.update(data);
            }
            if (decrypted.length) {
              if (nb === this._len) {
                this._packet = decrypted;
              } else {
                if (!this._packet)
                  this._packet = Buffer.allocUnsafe(this._len);
                this._packet.set(decrypted, this._packetPos);
              }
              this._packetPos += decrypted.length;
            }
            p += nb;
            this._pktLen += nb;
            if (this._pktLen < this._len || p >= dataLen)
              return;
          }
          {
            const nb = Math.min(16 - this._tagPos, dataLen - p);
            if (p !== 0 || nb !== dataLen) {
              this._tag.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._tagPos
              );
            } else {
              this._tag.set(data, this._tagPos);
            }
            p += nb;
            this._tagPos += nb;
            if (this._tagPos < 16)
              return;
          }
          {
            this._decipherInstance.setAuthTag(this._tag);
            const decrypted = this._decipherInstance.final();
            if (decrypted.length) {
              if (this._packet)
                this._packet.set(decrypted, this._packetPos);
              else
                this._packet = decrypted;
            }
          }
          const payload = !this._packet ? EMPTY_BUFFER3 : new FastBuffer(
            this._packet.buffer,
            this._packet.byteOffset + 1,
            this._packet.length - this._packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          ivIncrement(this._decipherIV);
          this._len = 0;
          this._lenBytes = 0;
          this._packet = null;
          this._packetPos = 0;
          this._pktLen = 0;
          this._tagPos = 0;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    var AESGCMDecipherBinding = class {
      constructor(config) {
        const dec = config.inbound;
        this.inSeqno = dec.seqno;
        this._onPayload = dec.onPayload;
        this._instance = new AESGCMDecipher(
          dec.decipherInfo.sslName,
          dec.decipherKey,
          dec.decipherIV
        );
        this._len = 0;
        this._lenBytes = 0;
        this._packet = null;
        this._pktLen = 0;
        this._tag = Buffer.allocUnsafe(16);
        this._tagPos = 0;
      }
      free() {
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._lenBytes < 4) {
            let nb = Math.min(4 - this._lenBytes, dataLen - p);
            this._lenBytes += nb;
            while (nb--)
              this._len = (this._len << 8) + data[p++];
            if (this._lenBytes < 4)
              return;
            if (this._len + 20 > MAX_PACKET_SIZE || this._len < 16 || (this._len & 15) !== 0) {
              throw new Error(`Bad packet length: ${this._len}`);
            }
          }
          if (this._pktLen < this._len) {
            if (p >= dataLen)
              return;
            const nb = Math.min(this._len - this._pktLen, dataLen - p);
            let encrypted;
            if (p !== 0 || nb !== dataLen)
              encrypted = new Uint8Array(data.buffer, data.byteOffset + p, nb);
            else
              encrypted = data;
            if (nb === this._len) {
              this._packet = encrypted;
            } else {
              if (!this._packet)
                this._packet = Buffer.allocUnsafe(this._len);
              this._packet.set(encrypted, this._pktLen);
            }
            p += nb;
            this._pktLen += nb;
            if (this._pktLen < this._len || p >= dataLen)
              return;
          }
          {
            const nb = Math.min(16 - this._tagPos, dataLen - p);
            if (p !== 0 || nb !== dataLen) {
              this._tag.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._tagPos
              );
            } else {
              this._tag.set(data, this._tagPos);
            }
            p += nb;
            this._tagPos += nb;
            if (this._tagPos < 16)
              return;
          }
          this._instance.decrypt(this._packet, this._len, this._tag);
          const payload = new FastBuffer(
            this._packet.buffer,
            this._packet.byteOffset + 1,
            this._packet.length - this._packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          this._len = 0;
          this._lenBytes = 0;
          this._packet = null;
          this._pktLen = 0;
          this._tagPos = 0;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    var GenericDecipherNative = class {
      constructor(config) {
        const dec = config.inbound;
        this.inSeqno = dec.seqno;
        this._onPayload = dec.onPayload;
        this._decipherInstance = createDecipheriv(
          dec.decipherInfo.sslName,
          dec.decipherKey,
          dec.decipherIV
        );
        this._decipherInstance.setAutoPadding(false);
        this._block = Buffer.allocUnsafe(
          dec.macInfo.isETM ? 4 : dec.decipherInfo.blockLen
        );
        this._blockSize = dec.decipherInfo.blockLen;
        this._blockPos = 0;
        this._len = 0;
        this._packet = null;
        this._packetPos = 0;
        this._pktLen = 0;
        this._mac = Buffer.allocUnsafe(dec.macInfo.actualLen);
        this._macPos = 0;
        this._macSSLName = dec.macInfo.sslName;
        this._macKey = dec.macKey;
        this._macActualLen = dec.macInfo.actualLen;
        this._macETM = dec.macInfo.isETM;
        this._macInstance = null;
        const discardLen = dec.decipherInfo.discardLen;
        if (discardLen) {
          let discard = DISCARD_CACHE.get(discardLen);
          if (discard === void 0) {
            discard = Buffer.alloc(discardLen);
            DISCARD_CACHE.set(discardLen, discard);
          }
          this._decipherInstance.update(discard);
        }
      }
      free() {
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._blockPos < this._block.length) {
            const nb = Math.min(this._block.length - this._blockPos, dataLen - p);
            if (p !== 0 || nb !== dataLen || nb < data.length) {
              this._block.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._blockPos
              );
            } else {
              this._block.set(data, this._blockPos);
            }
            p += nb;
            this._blockPos += nb;
            if (this._blockPos < this._block.length)
              return;
            let decrypted;
            let need;
            if (this._macETM) {
              this._len = need = readUInt32BE(this._block, 0);
            } else {
              decrypted = this._decipherInstance.update(this._block);
              this._len = readUInt32BE(decrypted, 0);
              need = 4 + this._len - this._blockSize;
            }
            if (this._len > MAX_PACKET_SIZE || this._len < 5 || (need & this._blockSize - 1) !== 0) {
              throw new Error("Bad packet length");
            }
            this._macInstance = createHmac2(this._macSSLName, this._macKey);
            writeUInt32BE(BUF_INT, this.inSeqno, 0);
            this._macInstance.update(BUF_INT);
            if (this._macETM) {
              this._macInstance.update(this._block);
            } else {
              this._macInstance.update(new Uint8Array(
                decrypted.buffer,
                decrypted.byteOffset,
                4
              ));
              this._pktLen = decrypted.length - 4;
              this._packetPos = this._pktLen;
              this._packet = Buffer.allocUnsafe(this._len);
              this._packet.set(
                new Uint8Array(
                  decrypted.buffer,
                  decrypted.byteOffset + 4,
                  this._packetPos
                ),
                0
              );
            }
            if (p >= dataLen)
              return;
          }
          if (this._pktLen < this._len) {
            const nb = Math.min(this._len - this._pktLen, dataLen - p);
            let encrypted;
            if (p !== 0 || nb !== dataLen)
              encrypted = new Uint8Array(data.buffer, data.byteOffset + p, nb);
            else
              encrypted = data;
            if (this._macETM)
              this._macInstance.update(encrypted);
            const decrypted = this._decipherInstance.update(encrypted);
            if (decrypted.length) {
              if (nb === this._len) {
                this._packet = decrypted;
              } else {
                if (!this._packet)
                  this._packet = Buffer.allocUnsafe(this._len);
                this._packet.set(decrypted, this._packetPos);
              }
              this._packetPos += decrypted.length;
            }
            p += nb;
            this._pktLen += nb;
            if (this._pktLen < this._len || p >= dataLen)
              return;
          }
          {
            const nb = Math.min(this._macActualLen - this._macPos, dataLen - p);
            if (p !== 0 || nb !== dataLen) {
              this._mac.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._macPos
              );
            } else {
              this._mac.set(data, this._macPos);
            }
            p += nb;
            this._macPos += nb;
            if (this._macPos < this._macActualLen)
              return;
          }
          if (!this._macETM)
            this._macInstance.update(this._packet);
          let calculated = this._macInstance.digest();
          if (this._macActualLen < calculated.length) {
            calculated = new Uint8Array(
              calculated.buffer,
              calculated.byteOffset,
              this._macActualLen
            );
          }
          if (!timingSafeEquals(calculated, this._mac))
            throw new Error("Invalid MAC");
          const payload = new FastBuffer(
            this._packet.buffer,
            this._packet.byteOffset + 1,
            this._packet.length - this._packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          this._blockPos = 0;
          this._len = 0;
          this._packet = null;
          this._packetPos = 0;
          this._pktLen = 0;
          this._macPos = 0;
          this._macInstance = null;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    var GenericDecipherBinding = class {
      constructor(config) {
        const dec = config.inbound;
        this.inSeqno = dec.seqno;
        this._onPayload = dec.onPayload;
        this._instance = new GenericDecipher(
          dec.decipherInfo.sslName,
          dec.decipherKey,
          dec.decipherIV,
          dec.macInfo.sslName,
          dec.macKey,
          dec.macInfo.isETM,
          dec.macInfo.actualLen
        );
        this._block = Buffer.allocUnsafe(
          dec.macInfo.isETM || dec.decipherInfo.stream ? 4 : dec.decipherInfo.blockLen
        );
        this._blockPos = 0;
        this._len = 0;
        this._packet = null;
        this._pktLen = 0;
        this._mac = Buffer.allocUnsafe(dec.macInfo.actualLen);
        this._macPos = 0;
        this._macActualLen = dec.macInfo.actualLen;
        this._macETM = dec.macInfo.isETM;
      }
      free() {
        this._instance.free();
      }
      decrypt(data, p, dataLen) {
        while (p < dataLen) {
          if (this._blockPos < this._block.length) {
            const nb = Math.min(this._block.length - this._blockPos, dataLen - p);
            if (p !== 0 || nb !== dataLen || nb < data.length) {
              this._block.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._blockPos
              );
            } else {
              this._block.set(data, this._blockPos);
            }
            p += nb;
            this._blockPos += nb;
            if (this._blockPos < this._block.length)
              return;
            let need;
            if (this._macETM) {
              this._len = need = readUInt32BE(this._block, 0);
            } else {
              this._instance.decryptBlock(this._block);
              this._len = readUInt32BE(this._block, 0);
              need = 4 + this._len - this._block.length;
            }
            if (this._len > MAX_PACKET_SIZE || this._len < 5 || (need & this._block.length - 1) !== 0) {
              throw new Error("Bad packet length");
            }
            if (!this._macETM) {
              this._pktLen = this._block.length - 4;
              if (this._pktLen) {
                this._packet = Buffer.allocUnsafe(this._len);
                this._packet.set(
                  new Uint8Array(
                    this._block.buffer,
                    this._block.byteOffset + 4,
                    this._pktLen
                  ),
                  0
                );
              }
            }
            if (p >= dataLen)
              return;
          }
          if (this._pktLen < this._len) {
            const nb = Math.min(this._len - this._pktLen, dataLen - p);
            let encrypted;
            if (p !== 0 || nb !== dataLen)
              encrypted = new Uint8Array(data.buffer, data.byteOffset + p, nb);
            else
              encrypted = data;
            if (nb === this._len) {
              this._packet = encrypted;
            } else {
              if (!this._packet)
                this._packet = Buffer.allocUnsafe(this._len);
              this._packet.set(encrypted, this._pktLen);
            }
            p += nb;
            this._pktLen += nb;
            if (this._pktLen < this._len || p >= dataLen)
              return;
          }
          {
            const nb = Math.min(this._macActualLen - this._macPos, dataLen - p);
            if (p !== 0 || nb !== dataLen) {
              this._mac.set(
                new Uint8Array(data.buffer, data.byteOffset + p, nb),
                this._macPos
              );
            } else {
              this._mac.set(data, this._macPos);
            }
            p += nb;
            this._macPos += nb;
            if (this._macPos < this._macActualLen)
              return;
          }
          this._instance.decrypt(
            this._packet,
            this.inSeqno,
            this._block,
            this._mac
          );
          const payload = new FastBuffer(
            this._packet.buffer,
            this._packet.byteOffset + 1,
            this._packet.length - this._packet[0] - 1
          );
          this.inSeqno = this.inSeqno + 1 >>> 0;
          this._blockPos = 0;
          this._len = 0;
          this._packet = null;
          this._pktLen = 0;
          this._macPos = 0;
          this._macInstance = null;
          {
            const ret = this._onPayload(payload);
            if (ret !== void 0)
              return ret === false ? p : ret;
          }
        }
      }
    };
    function ivIncrement(iv) {
      ++iv[11] >>> 8 && ++iv[10] >>> 8 && ++iv[9] >>> 8 && ++iv[8] >>> 8 && ++iv[7] >>> 8 && ++iv[6] >>> 8 && ++iv[5] >>> 8 && ++iv[4] >>> 8;
    }
    var intToBytes = (() => {
      const ret = Buffer.alloc(4);
      return (n) => {
        ret[0] = n >>> 24;
        ret[1] = n >>> 16;
        ret[2] = n >>> 8;
        ret[3] = n;
        return ret;
      };
    })();
    function timingSafeEquals(a, b) {
      if (a.length !== b.length) {
        timingSafeEqual(a, a);
        return false;
      }
      return timingSafeEqual(a, b);
    }
    function createCipher2(config) {
      if (typeof config !== "object" || config === null)
        throw new Error("Invalid config");
      if (typeof config.outbound !== "object" || config.outbound === null)
        throw new Error("Invalid outbound");
      const outbound = config.outbound;
      if (typeof outbound.onWrite !== "function")
        throw new Error("Invalid outbound.onWrite");
      if (typeof outbound.cipherInfo !== "object" || outbound.cipherInfo === null)
        throw new Error("Invalid outbound.cipherInfo");
      if (!Buffer.isBuffer(outbound.cipherKey) || outbound.cipherKey.length !== outbound.cipherInfo.keyLen) {
        throw new Error("Invalid outbound.cipherKey");
      }
      if (outbound.cipherInfo.ivLen && (!Buffer.isBuffer(outbound.cipherIV) || outbound.cipherIV.length !== outbound.cipherInfo.ivLen)) {
        throw new Error("Invalid outbound.cipherIV");
      }
      if (typeof outbound.seqno !== "number" || outbound.seqno < 0 || outbound.seqno > MAX_SEQNO) {
        throw new Error("Invalid outbound.seqno");
      }
      const forceNative = !!outbound.forceNative;
      switch (outbound.cipherInfo.sslName) {
        case "aes-128-gcm":
        case "aes-256-gcm":
          return AESGCMCipher && !forceNative ? new AESGCMCipherBinding(config) : new AESGCMCipherNative(config);
        case "chacha20":
          return ChaChaPolyCipher && !forceNative ? new ChaChaPolyCipherBinding(config) : new ChaChaPolyCipherNative(config);
        default: {
          if (typeof outbound.macInfo !== "object" || outbound.macInfo === null)
            throw new Error("Invalid outbound.macInfo");
          if (!Buffer.isBuffer(outbound.macKey) || outbound.macKey.length !== outbound.macInfo.len) {
            throw new Error("Invalid outbound.macKey");
          }
          return GenericCipher && !forceNative ? new GenericCipherBinding(config) : new GenericCipherNative(config);
        }
      }
    }
    function createDecipher(config) {
      if (typeof config !== "object" || config === null)
        throw new Error("Invalid config");
      if (typeof config.inbound !== "object" || config.inbound === null)
        throw new Error("Invalid inbound");
      const inbound = config.inbound;
      if (typeof inbound.onPayload !== "function")
        throw new Error("Invalid inbound.onPayload");
      if (typeof inbound.decipherInfo !== "object" || inbound.decipherInfo === null) {
        throw new Error("Invalid inbound.decipherInfo");
      }
      if (!Buffer.isBuffer(inbound.decipherKey) || inbound.decipherKey.length !== inbound.decipherInfo.keyLen) {
        throw new Error("Invalid inbound.decipherKey");
      }
      if (inbound.decipherInfo.ivLen && (!Buffer.isBuffer(inbound.decipherIV) || inbound.decipherIV.length !== inbound.decipherInfo.ivLen)) {
        throw new Error("Invalid inbound.decipherIV");
      }
      if (typeof inbound.seqno !== "number" || inbound.seqno < 0 || inbound.seqno > MAX_SEQNO) {
        throw new Error("Invalid inbound.seqno");
      }
      const forceNative = !!inbound.forceNative;
      switch (inbound.decipherInfo.sslName) {
        case "aes-128-gcm":
        case "aes-256-gcm":
          return AESGCMDecipher && !forceNative ? new AESGCMDecipherBinding(config) : new AESGCMDecipherNative(config);
        case "chacha20":
          return ChaChaPolyDecipher && !forceNative ? new ChaChaPolyDecipherBinding(config) : new ChaChaPolyDecipherNative(config);
        default: {
          if (typeof inbound.macInfo !== "object" || inbound.macInfo === null)
            throw new Error("Invalid inbound.macInfo");
          if (!Buffer.isBuffer(inbound.macKey) || inbound.macKey.length !== inbound.macInfo.len) {
            throw new Error("Invalid inbound.macKey");
          }
          return GenericDecipher && !forceNative ? new GenericDecipherBinding(config) : new GenericDecipherNative(config);
        }
      }
    }
    module2.exports = {
      CIPHER_INFO,
      MAC_INFO,
      bindingAvailable: !!binding,
      init: (() => {
        return new Promise(async (resolve, reject) => {
          try {
            POLY1305_WASM_MODULE = await require_poly1305()();
            POLY1305_RESULT_MALLOC = POLY1305_WASM_MODULE._malloc(16);
            poly1305_auth = POLY1305_WASM_MODULE.cwrap(
              "poly1305_auth",
              null,
              ["number", "array", "number", "array", "number", "array"]
            );
          } catch (ex) {
            return reject(ex);
          }
          resolve();
        });
      })(),
      NullCipher,
      createCipher: createCipher2,
      NullDecipher,
      createDecipher
    };
  }
});

// node_modules/ssh2/lib/protocol/keyParser.js
var require_keyParser = __commonJS({
  "node_modules/ssh2/lib/protocol/keyParser.js"(exports2, module2) {
    "use strict";
    var {
      createDecipheriv,
      createECDH: createECDH2,
      createHash: createHash5,
      createHmac: createHmac2,
      createSign,
      createVerify,
      getCiphers,
      sign: sign_,
      verify: verify_
    } = require("crypto");
    var supportedOpenSSLCiphers = getCiphers();
    var { Ber } = require_lib();
    var bcrypt_pbkdf = require_bcrypt_pbkdf().pbkdf;
    var { CIPHER_INFO } = require_crypto();
    var { eddsaSupported, SUPPORTED_CIPHER } = require_constants();
    var {
      bufferSlice,
      makeBufferParser,
      readString,
      readUInt32BE,
      writeUInt32BE
    } = require_utils();
    var SYM_HASH_ALGO = /* @__PURE__ */ Symbol("Hash Algorithm");
    var SYM_PRIV_PEM = /* @__PURE__ */ Symbol("Private key PEM");
    var SYM_PUB_PEM = /* @__PURE__ */ Symbol("Public key PEM");
    var SYM_PUB_SSH = /* @__PURE__ */ Symbol("Public key SSH");
    var SYM_DECRYPTED = /* @__PURE__ */ Symbol("Decrypted Key");
    var CIPHER_INFO_OPENSSL = /* @__PURE__ */ Object.create(null);
    {
      const keys = Object.keys(CIPHER_INFO);
      for (let i = 0; i < keys.length; ++i) {
        const cipherName = CIPHER_INFO[keys[i]].sslName;
        if (!cipherName || CIPHER_INFO_OPENSSL[cipherName])
          continue;
        CIPHER_INFO_OPENSSL[cipherName] = CIPHER_INFO[keys[i]];
      }
    }
    var binaryKeyParser = makeBufferParser();
    function makePEM(type, data) {
      data = data.base64Slice(0, data.length);
      let formatted = data.replace(/.{64}/g, "$&\n");
      if (data.length & 63)
        formatted += "\n";
      return `-----BEGIN ${type} KEY-----
${formatted}-----END ${type} KEY-----`;
    }
    function combineBuffers(buf1, buf2) {
      const result = Buffer.allocUnsafe(buf1.length + buf2.length);
      result.set(buf1, 0);
      result.set(buf2, buf1.length);
      return result;
    }
    function skipFields(buf, nfields) {
      const bufLen = buf.length;
      let pos = buf._pos || 0;
      for (let i = 0; i < nfields; ++i) {
        const left = bufLen - pos;
        if (pos >= bufLen || left < 4)
          return false;
        const len2 = readUInt32BE(buf, pos);
        if (left < 4 + len2)
          return false;
        pos += 4 + len2;
      }
      buf._pos = pos;
      return true;
    }
    function genOpenSSLRSAPub(n, e) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.startSequence();
      asnWriter.writeOID("1.2.840.113549.1.1.1");
      asnWriter.writeNull();
      asnWriter.endSequence();
      asnWriter.startSequence(Ber.BitString);
      asnWriter.writeByte(0);
      asnWriter.startSequence();
      asnWriter.writeBuffer(n, Ber.Integer);
      asnWriter.writeBuffer(e, Ber.Integer);
      asnWriter.endSequence();
      asnWriter.endSequence();
      asnWriter.endSequence();
      return makePEM("PUBLIC", asnWriter.buffer);
    }
    function genOpenSSHRSAPub(n, e) {
      const publicKey = Buffer.allocUnsafe(4 + 7 + 4 + e.length + 4 + n.length);
      writeUInt32BE(publicKey, 7, 0);
      publicKey.utf8Write("ssh-rsa", 4, 7);
      let i = 4 + 7;
      writeUInt32BE(publicKey, e.length, i);
      publicKey.set(e, i += 4);
      writeUInt32BE(publicKey, n.length, i += e.length);
      publicKey.set(n, i + 4);
      return publicKey;
    }
    var genOpenSSLRSAPriv = /* @__PURE__ */ (() => {
      function genRSAASN1Buf(n, e, d, p, q, dmp1, dmq1, iqmp) {
        const asnWriter = new Ber.Writer();
        asnWriter.startSequence();
        asnWriter.writeInt(0, Ber.Integer);
        asnWriter.writeBuffer(n, Ber.Integer);
        asnWriter.writeBuffer(e, Ber.Integer);
        asnWriter.writeBuffer(d, Ber.Integer);
        asnWriter.writeBuffer(p, Ber.Integer);
        asnWriter.writeBuffer(q, Ber.Integer);
        asnWriter.writeBuffer(dmp1, Ber.Integer);
        asnWriter.writeBuffer(dmq1, Ber.Integer);
        asnWriter.writeBuffer(iqmp, Ber.Integer);
        asnWriter.endSequence();
        return asnWriter.buffer;
      }
      function bigIntFromBuffer(buf) {
        return BigInt(`0x${buf.hexSlice(0, buf.length)}`);
      }
      function bigIntToBuffer(bn) {
        let hex = bn.toString(16);
        if ((hex.length & 1) !== 0) {
          hex = `0${hex}`;
        } else {
          const sigbit = hex.charCodeAt(0);
          if (sigbit === 56 || sigbit === 57 || sigbit >= 97 && sigbit <= 102) {
            hex = `00${hex}`;
          }
        }
        return Buffer.from(hex, "hex");
      }
      return function genOpenSSLRSAPriv2(n, e, d, iqmp, p, q) {
        const bn_d = bigIntFromBuffer(d);
        const dmp1 = bigIntToBuffer(bn_d % (bigIntFromBuffer(p) - 1n));
        const dmq1 = bigIntToBuffer(bn_d % (bigIntFromBuffer(q) - 1n));
        return makePEM(
          "RSA PRIVATE",
          genRSAASN1Buf(n, e, d, p, q, dmp1, dmq1, iqmp)
        );
      };
    })();
    function genOpenSSLDSAPub(p, q, g, y) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.startSequence();
      asnWriter.writeOID("1.2.840.10040.4.1");
      asnWriter.startSequence();
      asnWriter.writeBuffer(p, Ber.Integer);
      asnWriter.writeBuffer(q, Ber.Integer);
      asnWriter.writeBuffer(g, Ber.Integer);
      asnWriter.endSequence();
      asnWriter.endSequence();
      asnWriter.startSequence(Ber.BitString);
      asnWriter.writeByte(0);
      asnWriter.writeBuffer(y, Ber.Integer);
      asnWriter.endSequence();
      asnWriter.endSequence();
      return makePEM("PUBLIC", asnWriter.buffer);
    }
    function genOpenSSHDSAPub(p, q, g, y) {
      const publicKey = Buffer.allocUnsafe(
        4 + 7 + 4 + p.length + 4 + q.length + 4 + g.length + 4 + y.length
      );
      writeUInt32BE(publicKey, 7, 0);
      publicKey.utf8Write("ssh-dss", 4, 7);
      let i = 4 + 7;
      writeUInt32BE(publicKey, p.length, i);
      publicKey.set(p, i += 4);
      writeUInt32BE(publicKey, q.length, i += p.length);
      publicKey.set(q, i += 4);
      writeUInt32BE(publicKey, g.length, i += q.length);
      publicKey.set(g, i += 4);
      writeUInt32BE(publicKey, y.length, i += g.length);
      publicKey.set(y, i + 4);
      return publicKey;
    }
    function genOpenSSLDSAPriv(p, q, g, y, x) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.writeInt(0, Ber.Integer);
      asnWriter.writeBuffer(p, Ber.Integer);
      asnWriter.writeBuffer(q, Ber.Integer);
      asnWriter.writeBuffer(g, Ber.Integer);
      asnWriter.writeBuffer(y, Ber.Integer);
      asnWriter.writeBuffer(x, Ber.Integer);
      asnWriter.endSequence();
      return makePEM("DSA PRIVATE", asnWriter.buffer);
    }
    function genOpenSSLEdPub(pub) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.startSequence();
      asnWriter.writeOID("1.3.101.112");
      asnWriter.endSequence();
      asnWriter.startSequence(Ber.BitString);
      asnWriter.writeByte(0);
      asnWriter._ensure(pub.length);
      asnWriter._buf.set(pub, asnWriter._offset);
      asnWriter._offset += pub.length;
      asnWriter.endSequence();
      asnWriter.endSequence();
      return makePEM("PUBLIC", asnWriter.buffer);
    }
    function genOpenSSHEdPub(pub) {
      const publicKey = Buffer.allocUnsafe(4 + 11 + 4 + pub.length);
      writeUInt32BE(publicKey, 11, 0);
      publicKey.utf8Write("ssh-ed25519", 4, 11);
      writeUInt32BE(publicKey, pub.length, 15);
      publicKey.set(pub, 19);
      return publicKey;
    }
    function genOpenSSLEdPriv(priv) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.writeInt(0, Ber.Integer);
      asnWriter.startSequence();
      asnWriter.writeOID("1.3.101.112");
      asnWriter.endSequence();
      asnWriter.startSequence(Ber.OctetString);
      asnWriter.writeBuffer(priv, Ber.OctetString);
      asnWriter.endSequence();
      asnWriter.endSequence();
      return makePEM("PRIVATE", asnWriter.buffer);
    }
    function genOpenSSLECDSAPub(oid2, Q2) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.startSequence();
      asnWriter.writeOID("1.2.840.10045.2.1");
      asnWriter.writeOID(oid2);
      asnWriter.endSequence();
      asnWriter.startSequence(Ber.BitString);
      asnWriter.writeByte(0);
      asnWriter._ensure(Q2.length);
      asnWriter._buf.set(Q2, asnWriter._offset);
      asnWriter._offset += Q2.length;
      asnWriter.endSequence();
      asnWriter.endSequence();
      return makePEM("PUBLIC", asnWriter.buffer);
    }
    function genOpenSSHECDSAPub(oid2, Q2) {
      let curveName;
      switch (oid2) {
        case "1.2.840.10045.3.1.7":
          curveName = "nistp256";
          break;
        case "1.3.132.0.34":
          curveName = "nistp384";
          break;
        case "1.3.132.0.35":
          curveName = "nistp521";
          break;
        default:
          return;
      }
      const publicKey = Buffer.allocUnsafe(4 + 19 + 4 + 8 + 4 + Q2.length);
      writeUInt32BE(publicKey, 19, 0);
      publicKey.utf8Write(`ecdsa-sha2-${curveName}`, 4, 19);
      writeUInt32BE(publicKey, 8, 23);
      publicKey.utf8Write(curveName, 27, 8);
      writeUInt32BE(publicKey, Q2.length, 35);
      publicKey.set(Q2, 39);
      return publicKey;
    }
    function genOpenSSLECDSAPriv(oid2, pub, priv) {
      const asnWriter = new Ber.Writer();
      asnWriter.startSequence();
      asnWriter.writeInt(1, Ber.Integer);
      asnWriter.writeBuffer(priv, Ber.OctetString);
      asnWriter.startSequence(160);
      asnWriter.writeOID(oid2);
      asnWriter.endSequence();
      asnWriter.startSequence(161);
      asnWriter.startSequence(Ber.BitString);
      asnWriter.writeByte(0);
      asnWriter._ensure(pub.length);
      asnWriter._buf.set(pub, asnWriter._offset);
      asnWriter._offset += pub.length;
      asnWriter.endSequence();
      asnWriter.endSequence();
      asnWriter.endSequence();
      return makePEM("EC PRIVATE", asnWriter.buffer);
    }
    function genOpenSSLECDSAPubFromPriv(curveName, priv) {
      const tempECDH = createECDH2(curveName);
      tempECDH.setPrivateKey(priv);
      return tempECDH.getPublicKey();
    }
    var BaseKey = {
      sign: (() => {
        if (typeof sign_ === "function") {
          return function sign2(data, algo) {
            const pem = this[SYM_PRIV_PEM];
            if (pem === null)
              return new Error("No private key available");
            if (!algo || typeof algo !== "string")
              algo = this[SYM_HASH_ALGO];
            try {
              return sign_(algo, data, pem);
            } catch (ex) {
              return ex;
            }
          };
        }
        return function sign2(data, algo) {
          const pem = this[SYM_PRIV_PEM];
          if (pem === null)
            return new Error("No private key available");
          if (!algo || typeof algo !== "string")
            algo = this[SYM_HASH_ALGO];
          const signature = createSign(algo);
          signature.update(data);
          try {
            return signature.sign(pem);
          } catch (ex) {
            return ex;
          }
        };
      })(),
      verify: (() => {
        if (typeof verify_ === "function") {
          return function verify(data, signature, algo) {
            const pem = this[SYM_PUB_PEM];
            if (pem === null)
              return new Error("No public key available");
            if (!algo || typeof algo !== "string")
              algo = this[SYM_HASH_ALGO];
            try {
              return verify_(algo, data, pem, signature);
            } catch (ex) {
              return ex;
            }
          };
        }
        return function verify(data, signature, algo) {
          const pem = this[SYM_PUB_PEM];
          if (pem === null)
            return new Error("No public key available");
          if (!algo || typeof algo !== "string")
            algo = this[SYM_HASH_ALGO];
          const verifier = createVerify(algo);
          verifier.update(data);
          try {
            return verifier.verify(pem, signature);
          } catch (ex) {
            return ex;
          }
        };
      })(),
      isPrivateKey: function isPrivateKey() {
        return this[SYM_PRIV_PEM] !== null;
      },
      getPrivatePEM: function getPrivatePEM() {
        return this[SYM_PRIV_PEM];
      },
      getPublicPEM: function getPublicPEM() {
        return this[SYM_PUB_PEM];
      },
      getPublicSSH: function getPublicSSH() {
        return this[SYM_PUB_SSH];
      },
      equals: function equals(key) {
        const parsed = parseKey(key);
        if (parsed instanceof Error)
          return false;
        return this.type === parsed.type && this[SYM_PRIV_PEM] === parsed[SYM_PRIV_PEM] && this[SYM_PUB_PEM] === parsed[SYM_PUB_PEM] && this[SYM_PUB_SSH].equals(parsed[SYM_PUB_SSH]);
      }
    };
    function OpenSSH_Private(type, comment, privPEM, pubPEM, pubSSH, algo, decrypted) {
      this.type = type;
      this.comment = comment;
      this[SYM_PRIV_PEM] = privPEM;
      this[SYM_PUB_PEM] = pubPEM;
      this[SYM_PUB_SSH] = pubSSH;
      this[SYM_HASH_ALGO] = algo;
      this[SYM_DECRYPTED] = decrypted;
    }
    OpenSSH_Private.prototype = BaseKey;
    {
      let parseOpenSSHPrivKeys = function(data, nkeys, decrypted) {
        const keys = [];
        if (data.length < 8)
          return new Error("Malformed OpenSSH private key");
        const check1 = readUInt32BE(data, 0);
        const check2 = readUInt32BE(data, 4);
        if (check1 !== check2) {
          if (decrypted) {
            return new Error(
              "OpenSSH key integrity check failed -- bad passphrase?"
            );
          }
          return new Error("OpenSSH key integrity check failed");
        }
        data._pos = 8;
        let i;
        let oid2;
        for (i = 0; i < nkeys; ++i) {
          let algo;
          let privPEM;
          let pubPEM;
          let pubSSH;
          const type = readString(data, data._pos, true);
          if (type === void 0)
            return new Error("Malformed OpenSSH private key");
          switch (type) {
            case "ssh-rsa": {
              const n = readString(data, data._pos);
              if (n === void 0)
                return new Error("Malformed OpenSSH private key");
              const e = readString(data, data._pos);
              if (e === void 0)
                return new Error("Malformed OpenSSH private key");
              const d = readString(data, data._pos);
              if (d === void 0)
                return new Error("Malformed OpenSSH private key");
              const iqmp = readString(data, data._pos);
              if (iqmp === void 0)
                return new Error("Malformed OpenSSH private key");
              const p = readString(data, data._pos);
              if (p === void 0)
                return new Error("Malformed OpenSSH private key");
              const q = readString(data, data._pos);
              if (q === void 0)
                return new Error("Malformed OpenSSH private key");
              pubPEM = genOpenSSLRSAPub(n, e);
              pubSSH = genOpenSSHRSAPub(n, e);
              privPEM = genOpenSSLRSAPriv(n, e, d, iqmp, p, q);
              algo = "sha1";
              break;
            }
            case "ssh-dss": {
              const p = readString(data, data._pos);
              if (p === void 0)
                return new Error("Malformed OpenSSH private key");
              const q = readString(data, data._pos);
              if (q === void 0)
                return new Error("Malformed OpenSSH private key");
              const g = readString(data, data._pos);
              if (g === void 0)
                return new Error("Malformed OpenSSH private key");
              const y = readString(data, data._pos);
              if (y === void 0)
                return new Error("Malformed OpenSSH private key");
              const x = readString(data, data._pos);
              if (x === void 0)
                return new Error("Malformed OpenSSH private key");
              pubPEM = genOpenSSLDSAPub(p, q, g, y);
              pubSSH = genOpenSSHDSAPub(p, q, g, y);
              privPEM = genOpenSSLDSAPriv(p, q, g, y, x);
              algo = "sha1";
              break;
            }
            case "ssh-ed25519": {
              if (!eddsaSupported)
                return new Error(`Unsupported OpenSSH private key type: ${type}`);
              const edpub = readString(data, data._pos);
              if (edpub === void 0 || edpub.length !== 32)
                return new Error("Malformed OpenSSH private key");
              const edpriv = readString(data, data._pos);
              if (edpriv === void 0 || edpriv.length !== 64)
                return new Error("Malformed OpenSSH private key");
              pubPEM = genOpenSSLEdPub(edpub);
              pubSSH = genOpenSSHEdPub(edpub);
              privPEM = genOpenSSLEdPriv(bufferSlice(edpriv, 0, 32));
              algo = null;
              break;
            }
            case "ecdsa-sha2-nistp256":
              algo = "sha256";
              oid2 = "1.2.840.10045.3.1.7";
            // FALLTHROUGH
            case "ecdsa-sha2-nistp384":
              if (algo === void 0) {
                algo = "sha384";
                oid2 = "1.3.132.0.34";
              }
            // FALLTHROUGH
            case "ecdsa-sha2-nistp521": {
              if (algo === void 0) {
                algo = "sha512";
                oid2 = "1.3.132.0.35";
              }
              if (!skipFields(data, 1))
                return new Error("Malformed OpenSSH private key");
              const ecpub = readString(data, data._pos);
              if (ecpub === void 0)
                return new Error("Malformed OpenSSH private key");
              const ecpriv = readString(data, data._pos);
              if (ecpriv === void 0)
                return new Error("Malformed OpenSSH private key");
              pubPEM = genOpenSSLECDSAPub(oid2, ecpub);
              pubSSH = genOpenSSHECDSAPub(oid2, ecpub);
              privPEM = genOpenSSLECDSAPriv(oid2, ecpub, ecpriv);
              break;
            }
            default:
              return new Error(`Unsupported OpenSSH private key type: ${type}`);
          }
          const privComment = readString(data, data._pos, true);
          if (privComment === void 0)
            return new Error("Malformed OpenSSH private key");
          keys.push(
            new OpenSSH_Private(
              type,
              privComment,
              privPEM,
              pubPEM,
              pubSSH,
              algo,
              decrypted
            )
          );
        }
        let cnt = 0;
        for (i = data._pos; i < data.length; ++i) {
          if (data[i] !== ++cnt % 255)
            return new Error("Malformed OpenSSH private key");
        }
        return keys;
      };
      const regexp = /^-----BEGIN OPENSSH PRIVATE KEY-----(?:\r\n|\n)([\s\S]+)(?:\r\n|\n)-----END OPENSSH PRIVATE KEY-----$/;
      OpenSSH_Private.parse = (str2, passphrase) => {
        const m = regexp.exec(str2);
        if (m === null)
          return null;
        let ret;
        const data = Buffer.from(m[1], "base64");
        if (data.length < 31)
          return new Error("Malformed OpenSSH private key");
        const magic = data.utf8Slice(0, 15);
        if (magic !== "openssh-key-v1\0")
          return new Error(`Unsupported OpenSSH key magic: ${magic}`);
        const cipherName = readString(data, 15, true);
        if (cipherName === void 0)
          return new Error("Malformed OpenSSH private key");
        if (cipherName !== "none" && SUPPORTED_CIPHER.indexOf(cipherName) === -1)
          return new Error(`Unsupported cipher for OpenSSH key: ${cipherName}`);
        const kdfName = readString(data, data._pos, true);
        if (kdfName === void 0)
          return new Error("Malformed OpenSSH private key");
        if (kdfName !== "none") {
          if (cipherName === "none")
            return new Error("Malformed OpenSSH private key");
          if (kdfName !== "bcrypt")
            return new Error(`Unsupported kdf name for OpenSSH key: ${kdfName}`);
          if (!passphrase) {
            return new Error(
              "Encrypted private OpenSSH key detected, but no passphrase given"
            );
          }
        } else if (cipherName !== "none") {
          return new Error("Malformed OpenSSH private key");
        }
        let encInfo;
        let cipherKey;
        let cipherIV;
        if (cipherName !== "none")
          encInfo = CIPHER_INFO[cipherName];
        const kdfOptions = readString(data, data._pos);
        if (kdfOptions === void 0)
          return new Error("Malformed OpenSSH private key");
        if (kdfOptions.length) {
          switch (kdfName) {
            case "none":
              return new Error("Malformed OpenSSH private key");
            case "bcrypt": {
              const salt = readString(kdfOptions, 0);
              if (salt === void 0 || kdfOptions._pos + 4 > kdfOptions.length)
                return new Error("Malformed OpenSSH private key");
              const rounds = readUInt32BE(kdfOptions, kdfOptions._pos);
              const gen = Buffer.allocUnsafe(encInfo.keyLen + encInfo.ivLen);
              const r = bcrypt_pbkdf(
                passphrase,
                passphrase.length,
                salt,
                salt.length,
                gen,
                gen.length,
                rounds
              );
              if (r !== 0)
                return new Error("Failed to generate information to decrypt key");
              cipherKey = bufferSlice(gen, 0, encInfo.keyLen);
              cipherIV = bufferSlice(gen, encInfo.keyLen, gen.length);
              break;
            }
          }
        } else if (kdfName !== "none") {
          return new Error("Malformed OpenSSH private key");
        }
        if (data._pos + 3 >= data.length)
          return new Error("Malformed OpenSSH private key");
        const keyCount = readUInt32BE(data, data._pos);
        data._pos += 4;
        if (keyCount > 0) {
          for (let i = 0; i < keyCount; ++i) {
            const pubData = readString(data, data._pos);
            if (pubData === void 0)
              return new Error("Malformed OpenSSH private key");
            const type = readString(pubData, 0, true);
            if (type === void 0)
              return new Error("Malformed OpenSSH private key");
          }
          let privBlob = readString(data, data._pos);
          if (privBlob === void 0)
            return new Error("Malformed OpenSSH private key");
          if (cipherKey !== void 0) {
            if (privBlob.length < encInfo.blockLen || privBlob.length % encInfo.blockLen !== 0) {
              return new Error("Malformed OpenSSH private key");
            }
            try {
              const options = { authTagLength: encInfo.authLen };
              const decipher = createDecipheriv(
                encInfo.sslName,
                cipherKey,
                cipherIV,
                options
              );
              decipher.setAutoPadding(false);
              if (encInfo.authLen > 0) {
                if (data.length - data._pos < encInfo.authLen)
                  return new Error("Malformed OpenSSH private key");
                decipher.setAuthTag(
                  bufferSlice(data, data._pos, data._pos += encInfo.authLen)
                );
              }
              privBlob = combineBuffers(
                decipher.update(privBlob),
                decipher.final()
              );
            } catch (ex) {
              return ex;
            }
          }
          if (data._pos !== data.length)
            return new Error("Malformed OpenSSH private key");
          ret = parseOpenSSHPrivKeys(privBlob, keyCount, cipherKey !== void 0);
        } else {
          ret = [];
        }
        if (ret instanceof Error)
          return ret;
        return ret[0];
      };
    }
    function OpenSSH_Old_Private(type, comment, privPEM, pubPEM, pubSSH, algo, decrypted) {
      this.type = type;
      this.comment = comment;
      this[SYM_PRIV_PEM] = privPEM;
      this[SYM_PUB_PEM] = pubPEM;
      this[SYM_PUB_SSH] = pubSSH;
      this[SYM_HASH_ALGO] = algo;
      this[SYM_DECRYPTED] = decrypted;
    }
    OpenSSH_Old_Private.prototype = BaseKey;
    {
      const regexp = /^-----BEGIN (RSA|DSA|EC) PRIVATE KEY-----(?:\r\n|\n)((?:[^:]+:\s*[\S].*(?:\r\n|\n))*)([\s\S]+)(?:\r\n|\n)-----END (RSA|DSA|EC) PRIVATE KEY-----$/;
      OpenSSH_Old_Private.parse = (str2, passphrase) => {
        const m = regexp.exec(str2);
        if (m === null)
          return null;
        let privBlob = Buffer.from(m[3], "base64");
        let headers = m[2];
        let decrypted = false;
        if (headers !== void 0) {
          headers = headers.split(/\r\n|\n/g);
          for (let i = 0; i < headers.length; ++i) {
            const header = headers[i];
            let sepIdx = header.indexOf(":");
            if (header.slice(0, sepIdx) === "DEK-Info") {
              const val = header.slice(sepIdx + 2);
              sepIdx = val.indexOf(",");
              if (sepIdx === -1)
                continue;
              const cipherName = val.slice(0, sepIdx).toLowerCase();
              if (supportedOpenSSLCiphers.indexOf(cipherName) === -1) {
                return new Error(
                  `Cipher (${cipherName}) not supported for encrypted OpenSSH private key`
                );
              }
              const encInfo = CIPHER_INFO_OPENSSL[cipherName];
              if (!encInfo) {
                return new Error(
                  `Cipher (${cipherName}) not supported for encrypted OpenSSH private key`
                );
              }
              const cipherIV = Buffer.from(val.slice(sepIdx + 1), "hex");
              if (cipherIV.length !== encInfo.ivLen)
                return new Error("Malformed encrypted OpenSSH private key");
              if (!passphrase) {
                return new Error(
                  "Encrypted OpenSSH private key detected, but no passphrase given"
                );
              }
              const ivSlice = bufferSlice(cipherIV, 0, 8);
              let cipherKey = createHash5("md5").update(passphrase).update(ivSlice).digest();
              while (cipherKey.length < encInfo.keyLen) {
                cipherKey = combineBuffers(
                  cipherKey,
                  createHash5("md5").update(cipherKey).update(passphrase).update(ivSlice).digest()
                );
              }
              if (cipherKey.length > encInfo.keyLen)
                cipherKey = bufferSlice(cipherKey, 0, encInfo.keyLen);
              try {
                const decipher = createDecipheriv(cipherName, cipherKey, cipherIV);
                decipher.setAutoPadding(false);
                privBlob = combineBuffers(
                  decipher.update(privBlob),
                  decipher.final()
                );
                decrypted = true;
              } catch (ex) {
                return ex;
              }
            }
          }
        }
        let type;
        let privPEM;
        let pubPEM;
        let pubSSH;
        let algo;
        let reader;
        let errMsg = "Malformed OpenSSH private key";
        if (decrypted)
          errMsg += ". Bad passphrase?";
        switch (m[1]) {
          case "RSA":
            type = "ssh-rsa";
            privPEM = makePEM("RSA PRIVATE", privBlob);
            try {
              reader = new Ber.Reader(privBlob);
              reader.readSequence();
              reader.readInt();
              const n = reader.readString(Ber.Integer, true);
              if (n === null)
                return new Error(errMsg);
              const e = reader.readString(Ber.Integer, true);
              if (e === null)
                return new Error(errMsg);
              pubPEM = genOpenSSLRSAPub(n, e);
              pubSSH = genOpenSSHRSAPub(n, e);
            } catch {
              return new Error(errMsg);
            }
            algo = "sha1";
            break;
          case "DSA":
            type = "ssh-dss";
            privPEM = makePEM("DSA PRIVATE", privBlob);
            try {
              reader = new Ber.Reader(privBlob);
              reader.readSequence();
              reader.readInt();
              const p = reader.readString(Ber.Integer, true);
              if (p === null)
                return new Error(errMsg);
              const q = reader.readString(Ber.Integer, true);
              if (q === null)
                return new Error(errMsg);
              const g = reader.readString(Ber.Integer, true);
              if (g === null)
                return new Error(errMsg);
              const y = reader.readString(Ber.Integer, true);
              if (y === null)
                return new Error(errMsg);
              pubPEM = genOpenSSLDSAPub(p, q, g, y);
              pubSSH = genOpenSSHDSAPub(p, q, g, y);
            } catch {
              return new Error(errMsg);
            }
            algo = "sha1";
            break;
          case "EC": {
            let ecSSLName;
            let ecPriv;
            let ecOID;
            try {
              reader = new Ber.Reader(privBlob);
              reader.readSequence();
              reader.readInt();
              ecPriv = reader.readString(Ber.OctetString, true);
              reader.readByte();
              const offset = reader.readLength();
              if (offset !== null) {
                reader._offset = offset;
                ecOID = reader.readOID();
                if (ecOID === null)
                  return new Error(errMsg);
                switch (ecOID) {
                  case "1.2.840.10045.3.1.7":
                    ecSSLName = "prime256v1";
                    type = "ecdsa-sha2-nistp256";
                    algo = "sha256";
                    break;
                  case "1.3.132.0.34":
                    ecSSLName = "secp384r1";
                    type = "ecdsa-sha2-nistp384";
                    algo = "sha384";
                    break;
                  case "1.3.132.0.35":
                    ecSSLName = "secp521r1";
                    type = "ecdsa-sha2-nistp521";
                    algo = "sha512";
                    break;
                  default:
                    return new Error(`Unsupported private key EC OID: ${ecOID}`);
                }
              } else {
                return new Error(errMsg);
              }
            } catch {
              return new Error(errMsg);
            }
            privPEM = makePEM("EC PRIVATE", privBlob);
            const pubBlob = genOpenSSLECDSAPubFromPriv(ecSSLName, ecPriv);
            pubPEM = genOpenSSLECDSAPub(ecOID, pubBlob);
            pubSSH = genOpenSSHECDSAPub(ecOID, pubBlob);
            break;
          }
        }
        return new OpenSSH_Old_Private(
          type,
          "",
          privPEM,
          pubPEM,
          pubSSH,
          algo,
          decrypted
        );
      };
    }
    function PPK_Private(type, comment, privPEM, pubPEM, pubSSH, algo, decrypted) {
      this.type = type;
      this.comment = comment;
      this[SYM_PRIV_PEM] = privPEM;
      this[SYM_PUB_PEM] = pubPEM;
      this[SYM_PUB_SSH] = pubSSH;
      this[SYM_HASH_ALGO] = algo;
      this[SYM_DECRYPTED] = decrypted;
    }
    PPK_Private.prototype = BaseKey;
    {
      const EMPTY_PASSPHRASE = Buffer.alloc(0);
      const PPK_IV = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      const PPK_PP1 = Buffer.from([0, 0, 0, 0]);
      const PPK_PP2 = Buffer.from([0, 0, 0, 1]);
      const regexp = /^PuTTY-User-Key-File-2: (ssh-(?:rsa|dss))\r?\nEncryption: (aes256-cbc|none)\r?\nComment: ([^\r\n]*)\r?\nPublic-Lines: \d+\r?\n([\s\S]+?)\r?\nPrivate-Lines: \d+\r?\n([\s\S]+?)\r?\nPrivate-MAC: ([^\r\n]+)/;
      PPK_Private.parse = (str2, passphrase) => {
        const m = regexp.exec(str2);
        if (m === null)
          return null;
        const cipherName = m[2];
        const encrypted = cipherName !== "none";
        if (encrypted && !passphrase) {
          return new Error(
            "Encrypted PPK private key detected, but no passphrase given"
          );
        }
        let privBlob = Buffer.from(m[5], "base64");
        if (encrypted) {
          const encInfo = CIPHER_INFO[cipherName];
          let cipherKey = combineBuffers(
            createHash5("sha1").update(PPK_PP1).update(passphrase).digest(),
            createHash5("sha1").update(PPK_PP2).update(passphrase).digest()
          );
          if (cipherKey.length > encInfo.keyLen)
            cipherKey = bufferSlice(cipherKey, 0, encInfo.keyLen);
          try {
            const decipher = createDecipheriv(encInfo.sslName, cipherKey, PPK_IV);
            decipher.setAutoPadding(false);
            privBlob = combineBuffers(
              decipher.update(privBlob),
              decipher.final()
            );
          } catch (ex) {
            return ex;
          }
        }
        const type = m[1];
        const comment = m[3];
        const pubBlob = Buffer.from(m[4], "base64");
        const mac = m[6];
        const typeLen = type.length;
        const cipherNameLen = cipherName.length;
        const commentLen = Buffer.byteLength(comment);
        const pubLen = pubBlob.length;
        const privLen = privBlob.length;
        const macData = Buffer.allocUnsafe(4 + typeLen + 4 + cipherNameLen + 4 + commentLen + 4 + pubLen + 4 + privLen);
        let p = 0;
        writeUInt32BE(macData, typeLen, p);
        macData.utf8Write(type, p += 4, typeLen);
        writeUInt32BE(macData, cipherNameLen, p += typeLen);
        macData.utf8Write(cipherName, p += 4, cipherNameLen);
        writeUInt32BE(macData, commentLen, p += cipherNameLen);
        macData.utf8Write(comment, p += 4, commentLen);
        writeUInt32BE(macData, pubLen, p += commentLen);
        macData.set(pubBlob, p += 4);
        writeUInt32BE(macData, privLen, p += pubLen);
        macData.set(privBlob, p + 4);
        if (!passphrase)
          passphrase = EMPTY_PASSPHRASE;
        const calcMAC = createHmac2(
          "sha1",
          createHash5("sha1").update("putty-private-key-file-mac-key").update(passphrase).digest()
        ).update(macData).digest("hex");
        if (calcMAC !== mac) {
          if (encrypted) {
            return new Error(
              "PPK private key integrity check failed -- bad passphrase?"
            );
          }
          return new Error("PPK private key integrity check failed");
        }
        let pubPEM;
        let pubSSH;
        let privPEM;
        pubBlob._pos = 0;
        skipFields(pubBlob, 1);
        switch (type) {
          case "ssh-rsa": {
            const e = readString(pubBlob, pubBlob._pos);
            if (e === void 0)
              return new Error("Malformed PPK public key");
            const n = readString(pubBlob, pubBlob._pos);
            if (n === void 0)
              return new Error("Malformed PPK public key");
            const d = readString(privBlob, 0);
            if (d === void 0)
              return new Error("Malformed PPK private key");
            const p2 = readString(privBlob, privBlob._pos);
            if (p2 === void 0)
              return new Error("Malformed PPK private key");
            const q = readString(privBlob, privBlob._pos);
            if (q === void 0)
              return new Error("Malformed PPK private key");
            const iqmp = readString(privBlob, privBlob._pos);
            if (iqmp === void 0)
              return new Error("Malformed PPK private key");
            pubPEM = genOpenSSLRSAPub(n, e);
            pubSSH = genOpenSSHRSAPub(n, e);
            privPEM = genOpenSSLRSAPriv(n, e, d, iqmp, p2, q);
            break;
          }
          case "ssh-dss": {
            const p2 = readString(pubBlob, pubBlob._pos);
            if (p2 === void 0)
              return new Error("Malformed PPK public key");
            const q = readString(pubBlob, pubBlob._pos);
            if (q === void 0)
              return new Error("Malformed PPK public key");
            const g = readString(pubBlob, pubBlob._pos);
            if (g === void 0)
              return new Error("Malformed PPK public key");
            const y = readString(pubBlob, pubBlob._pos);
            if (y === void 0)
              return new Error("Malformed PPK public key");
            const x = readString(privBlob, 0);
            if (x === void 0)
              return new Error("Malformed PPK private key");
            pubPEM = genOpenSSLDSAPub(p2, q, g, y);
            pubSSH = genOpenSSHDSAPub(p2, q, g, y);
            privPEM = genOpenSSLDSAPriv(p2, q, g, y, x);
            break;
          }
        }
        return new PPK_Private(
          type,
          comment,
          privPEM,
          pubPEM,
          pubSSH,
          "sha1",
          encrypted
        );
      };
    }
    function OpenSSH_Public(type, comment, pubPEM, pubSSH, algo) {
      this.type = type;
      this.comment = comment;
      this[SYM_PRIV_PEM] = null;
      this[SYM_PUB_PEM] = pubPEM;
      this[SYM_PUB_SSH] = pubSSH;
      this[SYM_HASH_ALGO] = algo;
      this[SYM_DECRYPTED] = false;
    }
    OpenSSH_Public.prototype = BaseKey;
    {
      let regexp;
      if (eddsaSupported)
        regexp = /^(((?:ssh-(?:rsa|dss|ed25519))|ecdsa-sha2-nistp(?:256|384|521))(?:-cert-v0[01]@openssh.com)?) ([A-Z0-9a-z/+=]+)(?:$|\s+([\S].*)?)$/;
      else
        regexp = /^(((?:ssh-(?:rsa|dss))|ecdsa-sha2-nistp(?:256|384|521))(?:-cert-v0[01]@openssh.com)?) ([A-Z0-9a-z/+=]+)(?:$|\s+([\S].*)?)$/;
      OpenSSH_Public.parse = (str2) => {
        const m = regexp.exec(str2);
        if (m === null)
          return null;
        const fullType = m[1];
        const baseType = m[2];
        const data = Buffer.from(m[3], "base64");
        const comment = m[4] || "";
        const type = readString(data, data._pos, true);
        if (type === void 0 || type.indexOf(baseType) !== 0)
          return new Error("Malformed OpenSSH public key");
        return parseDER(data, baseType, comment, fullType);
      };
    }
    function RFC4716_Public(type, comment, pubPEM, pubSSH, algo) {
      this.type = type;
      this.comment = comment;
      this[SYM_PRIV_PEM] = null;
      this[SYM_PUB_PEM] = pubPEM;
      this[SYM_PUB_SSH] = pubSSH;
      this[SYM_HASH_ALGO] = algo;
      this[SYM_DECRYPTED] = false;
    }
    RFC4716_Public.prototype = BaseKey;
    {
      const regexp = /^---- BEGIN SSH2 PUBLIC KEY ----(?:\r?\n)((?:.{0,72}\r?\n)+)---- END SSH2 PUBLIC KEY ----$/;
      const RE_DATA = /^[A-Z0-9a-z/+=\r\n]+$/;
      const RE_HEADER = /^([\x21-\x39\x3B-\x7E]{1,64}): ((?:[^\\]*\\\r?\n)*[^\r\n]+)\r?\n/gm;
      const RE_HEADER_ENDS = /\\\r?\n/g;
      RFC4716_Public.parse = (str2) => {
        let m = regexp.exec(str2);
        if (m === null)
          return null;
        const body = m[1];
        let dataStart = 0;
        let comment = "";
        while (m = RE_HEADER.exec(body)) {
          const headerName = m[1];
          const headerValue = m[2].replace(RE_HEADER_ENDS, "");
          if (headerValue.length > 1024) {
            RE_HEADER.lastIndex = 0;
            return new Error("Malformed RFC4716 public key");
          }
          dataStart = RE_HEADER.lastIndex;
          if (headerName.toLowerCase() === "comment") {
            comment = headerValue;
            if (comment.length > 1 && comment.charCodeAt(0) === 34 && comment.charCodeAt(comment.length - 1) === 34) {
              comment = comment.slice(1, -1);
            }
          }
        }
        let data = body.slice(dataStart);
        if (!RE_DATA.test(data))
          return new Error("Malformed RFC4716 public key");
        data = Buffer.from(data, "base64");
        const type = readString(data, 0, true);
        if (type === void 0)
          return new Error("Malformed RFC4716 public key");
        let pubPEM = null;
        let pubSSH = null;
        switch (type) {
          case "ssh-rsa": {
            const e = readString(data, data._pos);
            if (e === void 0)
              return new Error("Malformed RFC4716 public key");
            const n = readString(data, data._pos);
            if (n === void 0)
              return new Error("Malformed RFC4716 public key");
            pubPEM = genOpenSSLRSAPub(n, e);
            pubSSH = genOpenSSHRSAPub(n, e);
            break;
          }
          case "ssh-dss": {
            const p = readString(data, data._pos);
            if (p === void 0)
              return new Error("Malformed RFC4716 public key");
            const q = readString(data, data._pos);
            if (q === void 0)
              return new Error("Malformed RFC4716 public key");
            const g = readString(data, data._pos);
            if (g === void 0)
              return new Error("Malformed RFC4716 public key");
            const y = readString(data, data._pos);
            if (y === void 0)
              return new Error("Malformed RFC4716 public key");
            pubPEM = genOpenSSLDSAPub(p, q, g, y);
            pubSSH = genOpenSSHDSAPub(p, q, g, y);
            break;
          }
          default:
            return new Error("Malformed RFC4716 public key");
        }
        return new RFC4716_Public(type, comment, pubPEM, pubSSH, "sha1");
      };
    }
    function parseDER(data, baseType, comment, fullType) {
      if (!isSupportedKeyType(baseType))
        return new Error(`Unsupported OpenSSH public key type: ${baseType}`);
      let algo;
      let oid2;
      let pubPEM = null;
      let pubSSH = null;
      switch (baseType) {
        case "ssh-rsa": {
          const e = readString(data, data._pos || 0);
          if (e === void 0)
            return new Error("Malformed OpenSSH public key");
          const n = readString(data, data._pos);
          if (n === void 0)
            return new Error("Malformed OpenSSH public key");
          pubPEM = genOpenSSLRSAPub(n, e);
          pubSSH = genOpenSSHRSAPub(n, e);
          algo = "sha1";
          break;
        }
        case "ssh-dss": {
          const p = readString(data, data._pos || 0);
          if (p === void 0)
            return new Error("Malformed OpenSSH public key");
          const q = readString(data, data._pos);
          if (q === void 0)
            return new Error("Malformed OpenSSH public key");
          const g = readString(data, data._pos);
          if (g === void 0)
            return new Error("Malformed OpenSSH public key");
          const y = readString(data, data._pos);
          if (y === void 0)
            return new Error("Malformed OpenSSH public key");
          pubPEM = genOpenSSLDSAPub(p, q, g, y);
          pubSSH = genOpenSSHDSAPub(p, q, g, y);
          algo = "sha1";
          break;
        }
        case "ssh-ed25519": {
          const edpub = readString(data, data._pos || 0);
          if (edpub === void 0 || edpub.length !== 32)
            return new Error("Malformed OpenSSH public key");
          pubPEM = genOpenSSLEdPub(edpub);
          pubSSH = genOpenSSHEdPub(edpub);
          algo = null;
          break;
        }
        case "ecdsa-sha2-nistp256":
          algo = "sha256";
          oid2 = "1.2.840.10045.3.1.7";
        // FALLTHROUGH
        case "ecdsa-sha2-nistp384":
          if (algo === void 0) {
            algo = "sha384";
            oid2 = "1.3.132.0.34";
          }
        // FALLTHROUGH
        case "ecdsa-sha2-nistp521": {
          if (algo === void 0) {
            algo = "sha512";
            oid2 = "1.3.132.0.35";
          }
          if (!skipFields(data, 1))
            return new Error("Malformed OpenSSH public key");
          const ecpub = readString(data, data._pos || 0);
          if (ecpub === void 0)
            return new Error("Malformed OpenSSH public key");
          pubPEM = genOpenSSLECDSAPub(oid2, ecpub);
          pubSSH = genOpenSSHECDSAPub(oid2, ecpub);
          break;
        }
        default:
          return new Error(`Unsupported OpenSSH public key type: ${baseType}`);
      }
      return new OpenSSH_Public(fullType, comment, pubPEM, pubSSH, algo);
    }
    function isSupportedKeyType(type) {
      switch (type) {
        case "ssh-rsa":
        case "ssh-dss":
        case "ecdsa-sha2-nistp256":
        case "ecdsa-sha2-nistp384":
        case "ecdsa-sha2-nistp521":
          return true;
        case "ssh-ed25519":
          if (eddsaSupported)
            return true;
        // FALLTHROUGH
        default:
          return false;
      }
    }
    function isParsedKey(val) {
      if (!val)
        return false;
      return typeof val[SYM_DECRYPTED] === "boolean";
    }
    function parseKey(data, passphrase) {
      if (isParsedKey(data))
        return data;
      let origBuffer;
      if (Buffer.isBuffer(data)) {
        origBuffer = data;
        data = data.utf8Slice(0, data.length).trim();
      } else if (typeof data === "string") {
        data = data.trim();
      } else {
        return new Error("Key data must be a Buffer or string");
      }
      if (passphrase != void 0) {
        if (typeof passphrase === "string")
          passphrase = Buffer.from(passphrase);
        else if (!Buffer.isBuffer(passphrase))
          return new Error("Passphrase must be a string or Buffer when supplied");
      }
      let ret;
      if ((ret = OpenSSH_Private.parse(data, passphrase)) !== null)
        return ret;
      if ((ret = OpenSSH_Old_Private.parse(data, passphrase)) !== null)
        return ret;
      if ((ret = PPK_Private.parse(data, passphrase)) !== null)
        return ret;
      if ((ret = OpenSSH_Public.parse(data)) !== null)
        return ret;
      if ((ret = RFC4716_Public.parse(data)) !== null)
        return ret;
      if (origBuffer) {
        binaryKeyParser.init(origBuffer, 0);
        const type = binaryKeyParser.readString(true);
        if (type !== void 0) {
          data = binaryKeyParser.readRaw();
          if (data !== void 0) {
            ret = parseDER(data, type, "", type);
            if (ret instanceof Error)
              ret = null;
          }
        }
        binaryKeyParser.clear();
      }
      if (ret)
        return ret;
      return new Error("Unsupported key format");
    }
    module2.exports = {
      isParsedKey,
      isSupportedKeyType,
      parseDERKey: (data, type) => parseDER(data, type, "", type),
      parseKey
    };
  }
});

// src/cli/main.ts
init_errors();
init_certificate();
init_errors2();
init_log();

// src/operations/operate.ts
async function operate(settings, log, connect2, signal) {
  switch (settings.mode) {
    case "verify":
      return (await Promise.resolve().then(() => (init_verify(), verify_exports))).verifyBackup(settings, log, connect2);
    case "restore":
      return (await Promise.resolve().then(() => (init_restore(), restore_exports))).restoreBackup(settings, log, connect2, signal);
    case "backup":
      return (await Promise.resolve().then(() => (init_backup(), backup_exports))).takeBackup(settings, log, connect2);
    case "probe":
      return (await Promise.resolve().then(() => (init_probe(), probe_exports))).probe(settings, log);
  }
}

// src/cli/main.ts
init_source();

// src/render/escape.ts
var UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
var UNSAFE_BUT_LINES = (
  // eslint-disable-next-line no-control-regex -- as above
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
);
function percent(c) {
  return [...Buffer.from(c, "utf8")].map((b) => "%" + b.toString(16).toUpperCase().padStart(2, "0")).join("");
}
function terminal(s) {
  return noCommands(
    s.replace(/\r\n/g, "\n").replace(/\r/g, "%0D").replace(UNSAFE_BUT_LINES, percent)
  );
}
function terminalValue(s) {
  return noCommands(s.replace(UNSAFE, percent));
}
function noCommands(s) {
  return s.replace(/##\[/g, "##%5B").replace(/^([^\S\n]*):(?=:)/gm, "$1%3A");
}

// src/render/failure.ts
function failureMessage(outcome) {
  if (outcome.ok) return void 0;
  switch (outcome.mode) {
    case "verify":
      return failedChecks2(outcome.report);
    case "restore":
      return `Restore failed: ${outcome.cause}${outcome.recovery ? `
${outcome.recovery}` : ""}`;
    case "backup":
      return `Backup failed: ${outcome.cause}`;
    case "probe":
      return probeFailure(outcome);
  }
}
function failedChecks2(report) {
  const failed = report.checks.filter((c) => c.status === "fail");
  return [
    `${failed.length} check${failed.length > 1 ? "s" : ""} failed:`,
    ...failed.map((c) => `- ${c.title}: ${c.detail ?? "failed"}`)
  ].join("\n");
}
function probeFailure(outcome) {
  const bad = outcome.nodes.filter((n2) => !n2.nodeId || n2.match === false);
  const n = outcome.nodes.length;
  return [
    `${bad.length} of ${n} node${n > 1 ? "s" : ""} did not prove the expected NodeID:`,
    ...bad.map(
      (x) => `- ${x.host}:${x.port}: ${x.nodeId ? `reports ${x.nodeId}, expected ${x.expected}` : x.error}`
    )
  ].join("\n");
}
function restoreVerdict(o, value, code = (s) => s) {
  if (!o.ok) return `Restore failed: ${value(o.cause)}`;
  const nodeId = code(value(o.nodeId ?? ""));
  if (!o.changed) return `Nothing to do: the host already runs ${nodeId} from these files.`;
  const downtime = o.downtimeMs !== void 0 ? ` after ${(o.downtimeMs / 1e3).toFixed(1)} s of downtime` : "";
  return `Restored: the node reports ${nodeId}${downtime}.`;
}

// src/render/result.ts
function resultObject(outcome) {
  switch (outcome.mode) {
    case "verify": {
      const { report, live: _live, expected: _expected, registration: _r, ...rest } = outcome;
      return { ...rest, ...report };
    }
    case "restore": {
      const { identity, registration: _r, ...rest } = outcome;
      return { ...rest, checks: identity.checks };
    }
    case "backup": {
      const { report, registration: _r, expected: _e, ...rest } = outcome;
      return {
        ...rest,
        ...rest.ok && rest.stored.kind === "archive" ? { archive: rest.stored.path } : {},
        nodeId: report?.nodeId,
        blsPublicKey: report?.blsPublicKey,
        keyType: report?.keyType,
        checks: report?.checks ?? []
      };
    }
    case "probe":
      return outcome;
  }
}

// src/render/text.ts
init_replies();
var import_posix = require("node:path/posix");

// src/render/summary.ts
init_replies();
function nodeIdBefore(outcome) {
  return outcome.previousNodeId ?? (outcome.nodeAsked ? "(no answer)" : "(not asked)");
}

// src/render/text.ts
function textOf(outcome) {
  switch (outcome.mode) {
    case "verify":
      return verifyText(outcome);
    case "restore":
      return restoreText(outcome);
    case "backup":
      return backupText(outcome);
    case "probe":
      return outcome.nodes.flatMap((n) => n.nodeId ? [n.nodeId] : []);
  }
}
var row = (name2, value) => `${name2.padEnd(20)} ${value}`;
function verifyText(o) {
  const r = o.report;
  const failed = r.checks.filter((c) => c.status === "fail").length;
  return [
    "",
    ...r.nodeId ? [row("NodeID", r.nodeId)] : [],
    ...r.keyType ? [row("Key type", r.keyType)] : [],
    ...r.blsPublicKey ? [row("BLS public key", r.blsPublicKey)] : [],
    ...r.proofOfPossession ? [row("Proof of possession", r.proofOfPossession)] : [],
    "",
    failed ? `${failed} check${failed > 1 ? "s" : ""} failed.` : "All checks passed."
  ];
}
function restoreText(o) {
  const r = o.registration;
  return [
    "",
    row("NodeID before", nodeIdBefore(o)),
    row("NodeID after", o.nodeId ?? "(not proven)"),
    row("NodeID expected", o.expectedNodeId),
    row("Host state", o.hostState),
    ...o.previousFiles ? [row("Previous files", o.previousFiles)] : [],
    ...o.downtimeMs !== void 0 ? [row("Downtime", `${(o.downtimeMs / 1e3).toFixed(2)} s`)] : [],
    ...r.state === "validator" ? [row("P-chain", validatorLine(r.validator))] : [],
    ...o.ok ? ["", restoreVerdict(o, (s) => s)] : []
  ];
}
function backupText(o) {
  if (!o.ok) return [];
  const { nodeId, keyType, blsPublicKey: blsPublicKey2 } = o.identity;
  const at = o.stored.path;
  if (o.stored.kind === "archive")
    return [
      "",
      `${nodeId} stored in ${at}, encrypted to ${o.stored.recipients.length} age recipient(s).`,
      `Open it with: age -d -i KEY ${at} | tar x`
    ];
  return [
    "",
    `${nodeId} (${keyType}) stored in ${at}/ (directory 0700, files 0600).`,
    "Put it into repository secrets (add --env NAME for an environment):",
    "",
    `  gh secret set STAKER_CRT < ${(0, import_posix.join)(at, "staker.crt")}`,
    `  gh secret set STAKER_KEY < ${(0, import_posix.join)(at, "staker.key")}`,
    `  base64 -w0 ${(0, import_posix.join)(at, "signer.key")} | gh secret set SIGNER_KEY`,
    "",
    `and use expected-node-id: ${nodeId}, expected-bls-public-key: ${blsPublicKey2}`
  ];
}

// src/settings/modes.ts
init_errors();
init_bls();
init_errors2();
init_material();
init_node_id();
init_keystore_users();

// src/settings/host-port.ts
var import_node_net2 = require("node:net");
function parseHostPort(text, defaultPort = 9651) {
  const t = text.trim();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(t) ?? /^([^:\s[\]]+)(?::(\d+))?$/.exec(t);
  const host = m?.[1] ?? ((0, import_node_net2.isIPv6)(t) ? t : void 0);
  if (!host || t.startsWith("[") && !(0, import_node_net2.isIPv6)(host)) throw new Error("not host[:port]");
  const port = m?.[2] === void 0 ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("port out of range");
  return { host, port };
}

// src/settings/probe-targets.ts
function parseProbeTargets(hostsInput, expectedInput, parseNodeId2, fail, allowNoExpectation = false) {
  const split2 = (s) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
  const hosts = split2(hostsInput).map((h, i) => {
    try {
      return parseHostPort(h);
    } catch {
      throw fail(
        `hosts: entry ${i + 1} is not host[:port]. Give host[:port] (default port 9651), e.g. 203.0.113.7:9651.`
      );
    }
  });
  if (hosts.length === 0)
    throw fail("hosts is required for mode probe: the nodes to probe, host[:port] each.");
  const lines = expectedInput.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const mapped = lines.length > 0 && lines.every((l) => /^\S+?\s*[:=\s]\s*NodeID-\S+$/.test(l) && !l.startsWith("NodeID-"));
  if (mapped) {
    const map = /* @__PURE__ */ new Map();
    for (const [i, l] of lines.entries()) {
      const m = /^(\S+?)\s*[:=\s]\s*(NodeID-\S+)$/.exec(l);
      let hp;
      try {
        hp = parseHostPort(m[1].replace(/:$/, ""));
      } catch {
        throw fail(
          `expected-node-id: line ${i + 1} does not start with host[:port]. Give 'host[:port] NodeID' lines, or one NodeID per host in the order of hosts.`
        );
      }
      map.set(`${hp.host}:${hp.port}`, parseNodeId2(m[2], `expected-node-id for ${m[1]}`));
    }
    return hosts.map((h) => {
      const expected = map.get(`${h.host}:${h.port}`);
      if (!expected) throw fail(`expected-node-id has no NodeID for ${h.host}:${h.port}.`);
      return { ...h, expected };
    });
  }
  const ids = split2(expectedInput);
  if (ids.length === 0 && allowNoExpectation) return hosts;
  if (ids.length !== hosts.length) {
    throw fail(
      `expected-node-id has ${ids.length} NodeID${ids.length === 1 ? "" : "s"} for ${hosts.length} host${hosts.length === 1 ? "" : "s"}: give one per host in the same order, or 'host NodeID' lines.`
    );
  }
  return hosts.map((h, i) => ({
    ...h,
    expected: parseNodeId2(ids[i], `expected-node-id for ${h.host}`)
  }));
}

// src/settings/modes.ts
init_archive();
init_log();

// src/settings/host.ts
init_errors();

// src/transport/host-keys.ts
var import_node_crypto7 = require("node:crypto");
init_errors();
var KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa"
];
var FINGERPRINT_TYPES = {
  ED25519: ["ssh-ed25519"],
  ECDSA: ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
  RSA: ["ssh-rsa"]
};
function howToGetHostKey(input = "host-key") {
  return `Get it from a trusted place: on the host itself, \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`, or \`ssh-keyscan -p PORT HOST | ssh-keygen -lf -\` from a network you trust, and put the line(s) in the ${input} input (a variable or secret).`;
}
function fingerprint(keyBlob) {
  return "SHA256:" + (0, import_node_crypto7.createHash)("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}
function keyBlobType(keyBlob) {
  const b = Buffer.from(keyBlob);
  if (b.length < 4) return "unknown";
  const len2 = b.readUInt32BE(0);
  return b.subarray(4, 4 + len2).toString("latin1");
}
var isKeyType = (t) => KEY_TYPES.includes(t);
function knownHostsName(host, port) {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}
function hostFieldMatches(field, name2) {
  if (field.startsWith("|")) {
    const m = /^\|1\|([A-Za-z0-9+/]+={0,2})\|([A-Za-z0-9+/]+={0,2})$/.exec(field);
    const salt = m ? Buffer.from(m[1], "base64") : void 0;
    if (!m || salt?.length !== 20)
      throw new InputError(
        "host-key: a hashed host name is not in the form |1|SALT|HASH that `ssh-keygen -H` writes."
      );
    return (0, import_node_crypto7.createHmac)("sha1", salt).update(name2).digest("base64") === m[2];
  }
  let positive = false;
  for (const raw of field.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!globMatches(pattern, name2)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}
function globMatches(pattern, s) {
  let states = closure(/* @__PURE__ */ new Set([0]), pattern);
  for (const c of s) {
    const next = /* @__PURE__ */ new Set();
    for (const i of states) {
      if (pattern[i] === "*") next.add(i);
      else if (pattern[i] === "?" || pattern[i] === c) next.add(i + 1);
    }
    states = closure(next, pattern);
    if (states.size === 0) return false;
  }
  return states.has(pattern.length);
}
function closure(states, pattern) {
  for (let i = 0; i < pattern.length; i++)
    if (states.has(i) && pattern[i] === "*") states.add(i + 1);
  return states;
}
function parseHostKeys(input, host, port, inputName = "host-key") {
  const lines = input.split(/\r?\n/).map((l, i) => [i + 1, l.trim()]).filter(([, l]) => l && !l.startsWith("#"));
  if (lines.length === 0)
    throw new InputError(`${inputName} is empty. ${howToGetHostKey(inputName)}`);
  const name2 = knownHostsName(host, port);
  const pins = { fingerprints: /* @__PURE__ */ new Map(), revoked: /* @__PURE__ */ new Set(), otherHosts: 0 };
  for (const [n, text] of lines) {
    const line = parseLine(text, `${inputName} line ${n}`);
    if (line.hosts !== void 0 && !hostFieldMatches(line.hosts, name2)) {
      pins.otherHosts++;
      continue;
    }
    if (line.unsupported)
      throw new InputError(
        `${inputName}: ${line.unsupported.slice(0, 40)} host keys cannot be checked here; give the host's ed25519, ECDSA or RSA key.`
      );
    if (line.marker === "revoked") pins.revoked.add(line.fingerprint);
    else pins.fingerprints.set(line.fingerprint, line.types);
  }
  for (const fp of pins.revoked) pins.fingerprints.delete(fp);
  return pins;
}
function parseLine(text, where) {
  let rest = text;
  let marker;
  if (rest.startsWith("@")) {
    const word = rest.split(/\s+/, 1)[0];
    if (word === "@cert-authority")
      throw new InputError(
        `${where}: @cert-authority lines (host certificates) are not supported: give the host's own key, as a known_hosts line or its SHA256 fingerprint. ${howToGetHostKey(where.split(" ")[0])}`
      );
    if (word !== "@revoked")
      throw new InputError(
        `${where}: unknown marker; known_hosts knows @revoked and @cert-authority.`
      );
    marker = "revoked";
    rest = rest.slice(word.length).trim();
  }
  const fp = /^(?:\d+\s+)?SHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(rest);
  if (fp) {
    const types = FINGERPRINT_TYPES[/\(([A-Z0-9]+)\)\s*$/.exec(rest)?.[1] ?? ""];
    return {
      ...marker ? { marker } : {},
      fingerprint: `SHA256:${fp[1]}`,
      ...types ? { types } : {}
    };
  }
  if (/\bMD5:/.test(rest) || /^([0-9a-f]{2}:){15}[0-9a-f]{2}\b/i.test(rest))
    throw new InputError(
      `${where}: MD5 fingerprints are not accepted; use the SHA256 form (\`ssh-keygen -lf FILE\` prints it).`
    );
  return { ...marker ? { marker } : {}, ...keyLine(rest, where) };
}
function keyLine(text, where) {
  const fields2 = text.split(/\s+/);
  const looksLikeType = (f = "") => /^(ssh-|ecdsa-|sk-)[a-z0-9@.-]+$/.test(f);
  const bare = looksLikeType(fields2[0]) && /^AAAA/.test(fields2[1] ?? "");
  const [hosts, type, blob] = bare ? [void 0, ...fields2] : fields2;
  if (!type || !looksLikeType(type) || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
    throw new InputError(
      `${where} cannot be read: give known_hosts lines (HOST TYPE KEY) or SHA256 fingerprints. ${howToGetHostKey(where.split(" ")[0])}`
    );
  }
  const bytes = Buffer.from(blob, "base64");
  if (keyBlobType(bytes) !== type) {
    throw new InputError(
      `${where}: its ${type.slice(0, 40)} key is damaged (its content does not say ${type}).`
    );
  }
  return {
    ...hosts !== void 0 ? { hosts } : {},
    fingerprint: fingerprint(bytes),
    ...isKeyType(type) ? { types: [type] } : { unsupported: type }
  };
}

// src/transport/private-key.ts
var import_keyParser = __toESM(require_keyParser(), 1);
init_errors();
function checkPrivateKey(privateKey, passphrase, input = "ssh-key") {
  const text = privateKey.trim();
  if (/^(ssh-|ecdsa-|sk-)\S+ AAAA/.test(text) || /^-----BEGIN (SSH2 |RSA )?PUBLIC KEY-----/.test(text) || /^---- BEGIN SSH2 PUBLIC KEY ----/.test(text))
    throw new InputError(
      `${input} is a public key (the .pub file). Give the private key: the file without .pub (e.g. ~/.ssh/id_ed25519), whose public half is in the host's authorized_keys.`
    );
  if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----[^\n]* [^\n]*-----END [A-Z ]*PRIVATE KEY-----$/.test(text))
    throw new InputError(
      `${input} has its line breaks turned into spaces (as a one-line text field does). Store the key file as it is, e.g. \`gh secret set SSH_KEY < ~/.ssh/id_ed25519\`.`
    );
  if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----\\n/.test(text))
    throw new InputError(
      `${input} has its line breaks written as \\n (two characters). Store the key file as it is, e.g. \`gh secret set SSH_KEY < ~/.ssh/id_ed25519\`.`
    );
  const parsed = import_keyParser.default.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    const pass = input.replace(/key$/, "passphrase");
    throw new InputError(
      encrypted ? `${input} is encrypted and ${passphrase ? `${pass} does not open it` : `no ${pass} was given`}.` : `${input} cannot be read (${parsed.message.replace(/^Cannot parse privateKey: /, "")}). Give the private key text, OpenSSH or PEM, ed25519, ECDSA or RSA.`
    );
  }
}

// src/settings/host.ts
var DEFAULTS = {
  port: "22",
  "service-name": "avalanchego",
  sudo: "auto",
  "api-url": "http://127.0.0.1:9650",
  "wait-timeout": "120",
  "connect-timeout": "20",
  "proxy-port": "22"
};
var PROXY_INPUTS = ["proxy-username", "proxy-ssh-key", "proxy-ssh-passphrase", "proxy-host-key"];
function parseHostSettings(input) {
  const get = (name2) => input.get(name2) || DEFAULTS[name2] || "";
  const target = get("host") ? { kind: "ssh", ssh: sshSettings(input, get) } : { kind: "local" };
  if (!get("host") && get("proxy-host"))
    throw new InputError("proxy-host goes with host: it is the jump host to reach host through.");
  if (!/^[A-Za-z0-9@_.:\\][A-Za-z0-9@_.:\\-]*$/.test(get("service-name")))
    throw new InputError(
      "service-name must be a systemd unit name (letters, digits, @ _ . : - and \\, not starting with -), like avalanchego."
    );
  const container = get("container");
  if (container && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(container))
    throw new InputError(
      "container must be a Docker container name or id (letters, digits, _ . -), as `docker ps` shows it."
    );
  const stopCommand = get("stop-command") || (container ? `docker stop ${container}` : "");
  const startCommand = get("start-command") || (container ? `docker start ${container}` : "");
  if (!!stopCommand !== !!startCommand)
    throw new InputError(
      "stop-command and start-command go together: give both, or neither to use systemctl."
    );
  const sudo = get("sudo");
  if (!["auto", "true", "false"].includes(sudo))
    throw new InputError("sudo must be auto, true or false.");
  let apiUrl;
  try {
    apiUrl = new URL(get("api-url"));
    if (apiUrl.protocol !== "http:") throw new Error("not http");
  } catch {
    throw new InputError(
      "api-url must be an http:// URL as seen on the host, like http://127.0.0.1:9650."
    );
  }
  return {
    target,
    node: {
      ...get("staking-dir") ? { stakingDir: get("staking-dir") } : {},
      serviceName: get("service-name"),
      sudo,
      ...stopCommand ? { stopCommand, startCommand } : {},
      ...container ? { container } : {}
    },
    apiUrl,
    waitTimeoutMs: integer2(get, "wait-timeout", 1, 86400) * 1e3,
    force: input.bool("force")
  };
}
function sshSettings(input, get) {
  const host = get("host");
  const port = integer2(get, "port", 1, 65535);
  const login = sshLogin(input, get, "", host, port);
  const proxyHost = get("proxy-host");
  let proxy;
  if (proxyHost) {
    proxy = sshLogin(input, get, "proxy-", proxyHost, integer2(get, "proxy-port", 1, 65535), login);
  } else {
    const stray = PROXY_INPUTS.find((n) => input.get(n) || n.includes("ssh") && input.secret(n));
    if (stray) throw new InputError(`${stray} needs proxy-host: the jump host to connect through.`);
  }
  return {
    ...login,
    insecureSkipHostKeyCheck: input.bool("insecure-skip-host-key-check"),
    connectTimeoutMs: integer2(get, "connect-timeout", 1, 3600) * 1e3,
    ...proxy ? { proxy } : {}
  };
}
function sshLogin(input, get, prefix, host, port, node) {
  const own = input.secret(`${prefix}ssh-key`).replace(/\r\n?/g, "\n").trim();
  const ownPassphrase = input.secret(`${prefix}ssh-passphrase`).trim();
  const privateKey = own ? own + "\n" : node?.privateKey ?? "";
  const passphrase = own ? ownPassphrase : ownPassphrase || node?.passphrase || "";
  if (privateKey === "")
    throw new InputError(
      "ssh-key is required with host: the private key text of a key the node host accepts for username."
    );
  checkPrivateKey(
    privateKey,
    passphrase || void 0,
    own || !node ? `${prefix}ssh-key` : "ssh-key"
  );
  const username = get(`${prefix}username`) || node?.username || "";
  if (!username)
    throw new InputError("username is required with host: the user to log in as (e.g. ubuntu).");
  const hostKey = get(`${prefix}host-key`);
  return {
    host,
    port,
    username,
    privateKey,
    ...passphrase ? { passphrase } : {},
    ...hostKey ? { hostKeys: parseHostKeys(hostKey, host, port, `${prefix}host-key`) } : {}
  };
}
function integer2(get, name2, min, max) {
  const raw = get(name2);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new InputError(
      `${name2} must be a whole number from ${min} to ${max}${name2.endsWith("timeout") ? " (seconds)" : ""}.`
    );
  }
  return n;
}

// src/settings/network.ts
init_errors();
function parseNetworkSettings(input) {
  const raw = input.get("network-api").trim();
  const apiUrl = raw ? networkApiUrl(raw) : void 0;
  const require2 = input.bool("require-network-checks");
  if (require2 && !apiUrl)
    throw new InputError(
      "require-network-checks needs network-api: the URL of an avalanchego API on the same network."
    );
  const oldHosts = input.get("old-hosts").split(/[\s,]+/).filter(Boolean).map((entry, i) => {
    try {
      const hp = parseHostPort(entry);
      if (hp.port < 1 || hp.port > 65535) throw new Error("port");
      return hp;
    } catch {
      throw new InputError(
        `old-hosts: entry ${i + 1} is not host[:port]. Give the old machines' staking ports, host[:port] (default port 9651), one per line.`
      );
    }
  });
  const get = (n) => input.get(n) || "0";
  return {
    ...apiUrl ? { apiUrl } : {},
    require: require2,
    oldHosts,
    allowRunningElsewhere: input.bool("allow-running-elsewhere"),
    waitHealthyMs: integer2(get, "wait-healthy", 0, 86400) * 1e3
  };
}
var LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/i;
function networkApiUrl(raw) {
  const fix = "Give the base URL of an avalanchego API on the same network, like https://api.avax.network (http:// only for a loopback address such as http://127.0.0.1:9650).";
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`network-api is not a URL. ${fix}`);
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname))
    throw new InputError(
      `network-api: http:// is allowed only for a loopback address; across a network use https://. ${fix}`
    );
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new InputError(`network-api must be an https:// URL. ${fix}`);
  if (url.username || url.password || url.search || url.hash)
    throw new InputError(`network-api takes no user, password, query or fragment. ${fix}`);
  return url;
}

// src/settings/modes.ts
var MODES = ["verify", "restore", "backup", "probe"];
function parseSettings(mode, input, ctx2) {
  switch (mode) {
    case "verify":
      return parseVerify(input, ctx2);
    case "restore":
      return parseRestore(input, ctx2);
    case "backup":
      return parseBackup(input, ctx2);
    case "probe":
      return parseProbe(input, ctx2);
  }
}
function parseVerify(input, ctx2) {
  const expected = expectations(input, ctx2.needsExpectation);
  const source = backupSource(input, ctx2);
  const network = networkFor("verify", input, ctx2.log);
  if (!input.get("host")) refuseHostInputsWithoutHost(input);
  return {
    mode: "verify",
    source,
    expected,
    proofOfPossession: ctx2.alwaysProofOfPossession || input.bool("proof-of-possession"),
    network,
    ...input.get("host") ? { live: hostFor(input, ctx2.log) } : {}
  };
}
function parseRestore(input, ctx2) {
  const expected = expectations(input, true);
  const source = backupSource(input, ctx2);
  const network = networkFor("restore", input, ctx2.log);
  const host = hostFor(input, ctx2.log);
  const keystoreUsers = keystoreUsersFrom(input, ctx2.log);
  return {
    mode: "restore",
    source,
    expected,
    host,
    network,
    ...keystoreUsers ? { keystoreUsers } : {}
  };
}
function parseBackup(input, ctx2) {
  const store2 = backupStore(input, ctx2);
  const expected = expectations(input, false);
  const network = networkFor("backup", input, ctx2.log);
  const host = hostFor(input, ctx2.log);
  const keystoreUsers = keystoreUsersFrom(input, ctx2.log);
  return {
    mode: "backup",
    host,
    expected,
    store: store2,
    network,
    ...keystoreUsers ? { keystoreUsers } : {}
  };
}
function parseProbe(input, ctx2) {
  const targets = parseProbeTargets(
    input.get("hosts"),
    input.get("expected-node-id"),
    (s, what) => asInputError(() => parseNodeId(s, what)),
    (m) => new InputError(m),
    !ctx2.needsExpectation
  );
  const raw = input.get("probe-timeout") || "5";
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 300)
    throw new InputError(
      `${input.label("probe-timeout")} must be a whole number of seconds from 1 to 300.`
    );
  return { mode: "probe", targets, timeoutMs: Number(raw) * 1e3 };
}
function expectations(input, required) {
  const nodeId = input.get("expected-node-id");
  if (!nodeId && required)
    throw new InputError(
      `${input.label("expected-node-id")} is required: the NodeID this backup must give. Find it with \`avalanche-node-backup node-id staker.crt\` or the node's info.getNodeID.`
    );
  const expected = {};
  if (nodeId)
    expected.nodeId = asInputError(() => parseNodeId(nodeId, input.label("expected-node-id")));
  const bls2 = input.get("expected-bls-public-key");
  if (bls2) expected.blsPublicKey = asInputError(() => parseBlsPublicKey(bls2));
  return expected;
}
var FILE_INPUTS = [
  ["staker.crt", "staker-crt"],
  ["staker.key", "staker-key"],
  ["signer.key", "signer-key"]
];
function backupSource(input, ctx2) {
  const archive = input.get("archive");
  if (archive) {
    const identity = input.secret("age-identity");
    if (!identity.trim())
      throw new InputError(
        "age-identity is required with archive: the age key (AGE-SECRET-KEY-1\u2026) the archive was encrypted to. Pass it from a secret."
      );
    return { kind: "archive", path: archive, identity };
  }
  const forms = {};
  const files = {};
  for (const [file, name2] of FILE_INPUTS) {
    try {
      const m = decodeMaterial(file, input.secret(name2), ctx2.readPath, input.label(name2));
      ctx2.log.secret(m.renderings);
      forms[file] = m.form;
      ctx2.log.debug(`${input.label(name2)}: read as ${m.form} (${m.bytes.length} bytes)`);
      files[file] = m.bytes;
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e;
      files[file] = e;
    }
  }
  return { kind: "files", files, forms };
}
function backupStore(input, ctx2) {
  const dir = input.get("out-dir");
  if (dir) return { kind: "directory", path: dir };
  const recipients = input.get("age-recipients").split(/\r?\n/).flatMap((line) => line.replace(/#.*/, "").split(/[\s,]+/)).filter(Boolean);
  if (recipients.length === 0)
    throw new InputError(
      `${input.label("age-recipients")} is required for backup: the action never writes plain key material to the runner. Make a key with age-keygen and give its public key (age1\u2026).`
    );
  try {
    encrypterFor(recipients);
  } catch (e) {
    throw new InputError(errorMessage(e));
  }
  return {
    kind: "archive",
    path: input.get("archive-path") || ctx2.defaultArchivePath(),
    recipients
  };
}
function keystoreUsersFrom(input, log) {
  const text = input.secret("keystore-users");
  if (!text.trim()) return void 0;
  const users = parseKeystoreUsers(text, (m) => new InputError(m));
  log.secret(
    users.map((u) => u.password),
    true
  );
  return users;
}
function networkFor(mode, input, log) {
  const network = parseNetworkSettings(input);
  if (mode !== "restore" && (network.oldHosts.length || network.allowRunningElsewhere || network.waitHealthyMs))
    throw new InputError(
      "old-hosts, allow-running-elsewhere and wait-healthy go with mode restore: they are about the node a restore starts."
    );
  log.debug(
    `network-api: ${network.apiUrl?.origin ?? "(not given)"}; old-hosts: ${network.oldHosts.length}; wait-healthy: ${network.waitHealthyMs / 1e3} s`
  );
  return network;
}
function hostFor(input, log) {
  const host = parseHostSettings(input);
  const t = host.target;
  log.debug(
    t.kind === "ssh" ? `target: ${t.ssh.username}@${t.ssh.host}:${t.ssh.port}, ${t.ssh.hostKeys?.fingerprints.size ?? 0} pinned host key(s)` : "target: this machine (no host given)"
  );
  return host;
}
function refuseHostInputsWithoutHost(input) {
  const given = ["username", "ssh-key", "host-key", "proxy-host", "container"].filter((n) => (n === "ssh-key" ? input.secret(n).trim() : input.get(n)) !== "").map((n) => input.label(n));
  if (given.length)
    throw new InputError(
      `${given.join(", ")} ${given.length > 1 ? "are" : "is"} given but host is empty: set host to verify against the live node (is the variable or secret behind it set?), or remove ${given.length > 1 ? "them" : "it"} to verify the backup offline.`
    );
}
function asInputError(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof IdentityError) throw new InputError(e.message);
    throw e;
  }
}

// src/cli/flags.ts
var import_node_fs3 = require("node:fs");
var import_node_path5 = require("node:path");
var import_node_util = require("node:util");
init_errors();
init_log();
var NAME = "avalanche-node-backup";
function parse(args, options) {
  try {
    return (0, import_node_util.parseArgs)({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const unknown = /^Unknown option '([^']*)'/.exec(errorMessage(e))?.[1];
    if (unknown === void 0) throw new InputError(errorMessage(e));
    throw new InputError(
      /^--?[A-Za-z][\w-]{0,39}$/.test(unknown) ? `Unknown option '${unknown}'. Run '${NAME} <command> --help'.` : `an argument starts with '-' but is not an option (a value without its flag?). Run '${NAME} <command> --help'.`
    );
  }
}
function readInput(path, what) {
  try {
    return (0, import_node_fs3.readFileSync)(path === "-" ? 0 : path);
  } catch (e) {
    const code = e.code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied (try sudo)" : code === "ENAMETOOLONG" ? "not a file name (too long): give the path of the file" : fileErrorMessage(e, "error").replace(/^error: /, "");
    throw new InputError(`cannot read ${what}: ${why}`);
  }
}
var out = (text) => console.log(terminal(text));
var err = (text) => console.error(terminal(text));
function quiet(log) {
  return { ...log, info: () => {
  }, group: (_name, fn) => fn() };
}
var noSecrets = () => {
};
var plainLog = {
  info: (m) => console.log(terminalValue(m)),
  debug: () => {
  },
  warning: (m) => console.error(`warning: ${terminalValue(m)}`),
  group: (_name, fn) => fn(),
  secret: () => {
  }
};
var stdoutLog = {
  info: (m) => console.log(`   ${terminalValue(m)}`),
  debug: () => {
  },
  warning: (m) => console.error(`warning: ${terminalValue(m)}`),
  group: async (name2, fn) => {
    console.log(`== ${terminalValue(name2)}`);
    return fn();
  },
  secret: noSecrets
};
var HOST_FLAGS = [
  "host",
  "port",
  "username",
  "ssh-key",
  "host-key",
  "connect-timeout",
  "proxy-host",
  "proxy-port",
  "proxy-username",
  "proxy-ssh-key",
  "proxy-host-key",
  "staking-dir",
  "service-name",
  "sudo",
  "container",
  "stop-command",
  "start-command",
  "api-url",
  "wait-timeout"
];
var str = { type: "string" };
var bool = { type: "boolean" };
var many = { type: "string", multiple: true };
var hostFlags = (stakingDir) => ({
  ...Object.fromEntries(HOST_FLAGS.map((f) => [f === "staking-dir" ? stakingDir : f, str])),
  "insecure-skip-host-key-check": bool
});
var FILE_FLAGS = { "staker-crt": str, "staker-key": str, "signer-key": str };
var EXPECTATION_FLAGS = { "expected-node-id": str, "expected-bls-public-key": str };
var FLAGS = {
  verify: {
    "staking-dir": str,
    ...FILE_FLAGS,
    ...EXPECTATION_FLAGS,
    "proof-of-possession": bool,
    json: bool,
    ...hostFlags("host-staking-dir")
  },
  restore: {
    "backup-dir": str,
    ...FILE_FLAGS,
    ...EXPECTATION_FLAGS,
    ...hostFlags("staking-dir"),
    force: bool,
    json: bool,
    "network-api": str,
    "require-network-checks": bool,
    "old-hosts": many,
    "allow-running-elsewhere": bool,
    "wait-healthy": str
  },
  backup: {
    ...hostFlags("staking-dir"),
    ...EXPECTATION_FLAGS,
    out: str,
    archive: str,
    "age-recipient": many,
    force: bool,
    json: bool
  },
  probe: { "expected-node-id": many, timeout: str, json: bool }
};
function flagReader(command, values, positionals) {
  const text = (k) => typeof values[k] === "string" ? values[k] : "";
  const list = (k) => Array.isArray(values[k]) ? values[k] : [];
  const dirFlag = command === "verify" ? "staking-dir" : "backup-dir";
  const dir = text(dirFlag);
  const fileOf = {
    "staker-crt": "staker.crt",
    "staker-key": "staker.key",
    "signer-key": "signer.key"
  };
  const inputs = {
    hosts: () => positionals.join(" "),
    "expected-node-id": () => command === "probe" ? list("expected-node-id").join(" ") : text("expected-node-id"),
    "probe-timeout": () => text("timeout"),
    "staking-dir": () => text(command === "verify" ? "host-staking-dir" : "staking-dir"),
    "archive-path": () => text("archive"),
    "out-dir": () => text("out"),
    "age-recipients": () => list("age-recipient").join("\n"),
    "old-hosts": () => list("old-hosts").join("\n"),
    // restore reads the backup from files here; an archive is the action's (archive input).
    archive: () => ""
  };
  const hostKey = (k) => text(k) && (0, import_node_fs3.existsSync)(text(k)) ? readInput(text(k), `--${k}`).toString("utf8") : text(k);
  const passphrases = {
    "ssh-passphrase": process.env.AVALANCHE_SSH_PASSPHRASE,
    "proxy-ssh-passphrase": process.env.AVALANCHE_PROXY_SSH_PASSPHRASE
  };
  return {
    get: (name2) => (inputs[name2]?.() ?? (name2.endsWith("host-key") ? hostKey(name2) : text(name2))).trim(),
    secret: (name2) => {
      if (fileOf[name2]) return dir ? (0, import_node_path5.join)(dir, fileOf[name2]) : text(name2);
      if (name2.endsWith("ssh-key"))
        return text(name2) ? readInput(text(name2), `--${name2}`).toString() : "";
      return passphrases[name2] ?? "";
    },
    bool: (name2) => values[name2] === true,
    label: (name2) => fileOf[name2] && dir ? `${fileOf[name2]} in --${dirFlag}` : {
      "probe-timeout": "--timeout",
      "archive-path": "--archive",
      "age-recipients": "--age-recipient",
      "out-dir": "--out"
    }[name2] ?? `--${name2}`
  };
}
function checkBackupFlags(command, values) {
  const dirFlag = command === "verify" ? "staking-dir" : "backup-dir";
  const dir = values[dirFlag];
  const single = ["staker-crt", "staker-key", "signer-key"].map((f) => values[f]);
  if (dir && single.some(Boolean))
    throw new InputError(`give either --${dirFlag} or the three files, not both`);
  if (!dir && !single.every(Boolean))
    throw new InputError(
      `give --${dirFlag} DIR, or all of --staker-crt, --staker-key and --signer-key. Run '${NAME} ${command} --help'.`
    );
  if (typeof dir === "string") {
    for (const f of ["staker.crt", "staker.key", "signer.key"])
      if (!isFile2((0, import_node_path5.join)(dir, f))) readInput((0, import_node_path5.join)(dir, f), `${f} in --${dirFlag}`);
  }
}
function isFile2(path) {
  try {
    return (0, import_node_fs3.statSync)(path).isFile();
  } catch {
    return false;
  }
}

// src/cli/help.ts
var RESTORE_HELP = `Usage: ${NAME} restore (--backup-dir DIR | --staker-crt F --staker-key F --signer-key F)
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

Exit codes: 0 restored (or already in place), 1 the restore failed, 2 bad usage or input.`;
var BACKUP_HELP = `Usage: ${NAME} backup [--host HOST --username USER --ssh-key FILE --host-key KEY|FILE]
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

The host flags are restore's (see restore --help). Exit codes: 0 stored, 1 refused or failed, 2 bad usage.`;
var HELP = {
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
  "node-id": `Usage: ${NAME} node-id FILE...

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
};

// src/cli/main.ts
async function main(argv) {
  const [command, ...rest] = argv;
  const crash = (e) => {
    err(`${NAME}: unexpected failure: ${errorMessage(e)} (a bug; please report it)`);
    process.exit(1);
  };
  process.once("uncaughtException", crash);
  process.once("unhandledRejection", crash);
  try {
    if (command === "node-id") return nodeIdCommand(rest);
    if (MODES.includes(command ?? ""))
      return await modeCommand(command, rest);
    switch (command) {
      case "--version":
      case "-V":
        console.log("0.1.0");
        return 0;
      case void 0:
      case "--help":
      case "-h":
      case "help":
        console.log(HELP.main);
        return command === void 0 ? 2 : 0;
      default:
        throw new InputError(
          `unknown command${/^[a-z][a-z-]{0,19}$/.test(command) ? ` '${command}'` : ""}. Run '${NAME} --help'.`
        );
    }
  } catch (e) {
    err(`${NAME}: ${errorMessage(e)}`);
    return e instanceof Error && ["InputError", "IdentityError"].includes(e.name) ? 2 : 1;
  }
}
var lazyConnector = (host, log) => async () => (await import("./remote.js")).connector(host, log)();
async function modeCommand(command, args) {
  if (args.includes("--help") || args.includes("-h")) {
    out(HELP[command]);
    return 0;
  }
  const { values, positionals } = parse(args, FLAGS[command]);
  if (positionals.length && command !== "probe")
    throw new InputError(
      `unexpected argument (not after a flag that takes it). Run '${NAME} ${command} --help'.`
    );
  if (command === "verify" || command === "restore") checkBackupFlags(command, values);
  if (command === "backup") checkStoreFlags(values);
  const shown2 = command === "verify" ? plainLog : stdoutLog;
  const log = values.json || command === "probe" ? quiet(shown2) : shown2;
  const settings = parseSettings(command, flagReader(command, values, positionals), {
    readPath: readPathInput,
    defaultArchivePath: () => "",
    needsExpectation: false,
    alwaysProofOfPossession: false,
    log
  });
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const outcome = await operate(settings, log, lazyConnector, cancel.signal).finally(() => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  });
  if (values.json) out(JSON.stringify(resultObject(outcome), null, 2));
  else for (const line of textOf(outcome)) out(terminalValue(line));
  const failure = failureMessage(outcome);
  if (failure) err(`${NAME}: ${failure}`);
  return outcome.ok ? 0 : 1;
}
function checkStoreFlags(values) {
  const recipients = values["age-recipient"] ?? [];
  if (!!values.out === !!values.archive)
    throw new InputError(
      `give --out DIR or --archive FILE (with --age-recipient). Run '${NAME} backup --help'.`
    );
  if (values.archive && recipients.length === 0)
    throw new InputError(
      "--archive needs at least one --age-recipient (age1\u2026): make a key with age-keygen."
    );
}
function nodeIdCommand(args) {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(HELP["node-id"]);
    return 0;
  }
  const { positionals } = parse(args, {});
  if (positionals.length === 0)
    throw new InputError(
      `node-id needs at least one certificate file. Run '${NAME} node-id --help'.`
    );
  let code = 0;
  for (const [i, path] of positionals.entries()) {
    const bytes = readInput(path, `argument ${i + 1}`);
    try {
      out(parseStakingCertificate(bytes).nodeId);
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e;
      err(`${terminalValue(path)}: ${e.reason}`);
      code = 1;
    }
  }
  return code;
}

// src/cli/entry.ts
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
/*! Bundled license information:

@scure/base/index.js:
  (*! scure-base - MIT License (c) 2022 Paul Miller (paulmillr.com) *)

@noble/ciphers/utils.js:
  (*! noble-ciphers - MIT License (c) 2023 Paul Miller (paulmillr.com) *)

@noble/hashes/utils.js:
  (*! noble-hashes - MIT License (c) 2022 Paul Miller (paulmillr.com) *)

@noble/curves/utils.js:
@noble/curves/abstract/modular.js:
@noble/curves/abstract/curve.js:
@noble/curves/abstract/montgomery.js:
@noble/curves/abstract/weierstrass.js:
@noble/curves/ed25519.js:
@noble/curves/nist.js:
@noble/curves/utils.js:
@noble/curves/abstract/modular.js:
@noble/curves/abstract/curve.js:
@noble/curves/abstract/der.js:
@noble/curves/abstract/weierstrass.js:
@noble/curves/nist.js:
@noble/curves/abstract/edwards.js:
@noble/curves/abstract/montgomery.js:
@noble/curves/ed25519.js:
@noble/curves/abstract/bls.js:
@noble/curves/abstract/tower.js:
@noble/curves/bls12-381.js:
  (*! noble-curves - MIT License (c) 2022 Paul Miller (paulmillr.com) *)

@noble/post-quantum/utils.js:
@noble/post-quantum/_crystals.js:
@noble/post-quantum/ml-kem.js:
@noble/post-quantum/hybrid.js:
  (*! noble-post-quantum - MIT License (c) 2024 Paul Miller (paulmillr.com) *)
*/
