/**
 * A fast path for the plain YAML most site files are written in: block mappings and sequences, flow mappings
 * and sequences (`{ id: m1, port: 502 }`, `[a, b]`), plain and quoted scalars, comments. It gives exactly what
 * the yaml package's `parseDocument(text, { uniqueKeys: true }).toJS()` gives (YAML 1.2, core schema), more than
 * ten times faster and without building a document of nodes: a large generated site (40,000 points) spent
 * most of its load time and memory in the yaml package.
 *
 * It accepts only what it is sure of and returns NOT_PLAIN for anything else: anchors, aliases, tags, block
 * scalars, multi-line plain or quoted scalars, explicit keys, directives and document markers, tabs, CR,
 * control characters, duplicate or non-string keys, deep nesting, and every error. The caller then parses the
 * text with the yaml package as before, so errors, their positions and every unusual construct keep exactly
 * the yaml package's behaviour (core/config/fast-yaml.test.ts compares the two over generated texts).
 */

/** The text is not (only) plain YAML of the kinds above: parse it with the yaml package. */
export const NOT_PLAIN: unique symbol = Symbol('not plain YAML');

/** Bail out of the fast path (caught in parsePlainYaml). */
class NotPlain {}
const notPlain = new NotPlain();
function bail(): never {
  throw notPlain;
}

/** Anything the fast path leaves to the yaml package, wherever it is in the text: tabs, CR, control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const UNSUPPORTED_CHAR = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
/** Collections nested deeper than this are left to the yaml package (no deep recursion here). */
const MAX_DEPTH = 64;
/** The yaml package refuses implicit keys longer than 1024 characters (as written, quotes and escapes too). */
const MAX_KEY = 500;

const SPACE = 0x20;
const NL = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const COMMA = 0x2c;
const DASH = 0x2d;
const QUOTE = 0x27;
const DQUOTE = 0x22;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** c-indicator: a plain scalar may not start with these (`-`, `?`, `:` only when followed by a space). */
function isIndicator(c: number): boolean {
  switch (c) {
    case DASH:
    case 0x3f: // ?
    case COLON:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case 0x7c: // |
    case 0x3e: // >
    case QUOTE:
    case DQUOTE:
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
      return true;
    default:
      return false;
  }
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/** The core schema's resolution of a plain scalar (the yaml package's tags, in its order). */
function resolvePlain(s: string): unknown {
  if (s === '') return null;
  const c = s.charCodeAt(0);
  // only these can start a null, bool or number; everything else is a string
  if (
    !(
      (c >= 0x30 && c <= 0x39) ||
      c === DASH ||
      c === 0x2b ||
      c === 0x2e ||
      c === 0x7e ||
      'nNtTfF'.includes(s[0]!)
    )
  )
    return s;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s)) return s[0] === 't' || s[0] === 'T';
  if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return Number.parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s))
    return s.slice(-3).toLowerCase() === 'nan'
      ? Number.NaN
      : s[0] === '-'
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return Number.parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return Number.parseFloat(s);
  return s;
}

type Obj = Record<string, unknown>;

function setKey(map: Obj, key: string, value: unknown) {
  // duplicates are the yaml package's error (uniqueKeys); __proto__ its own way of adding a key
  if (key === '__proto__' || key.length > MAX_KEY || Object.hasOwn(map, key)) bail();
  map[key] = value;
}

class PlainYamlParser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parse(): unknown {
    const { src } = this;
    const first = this.nextContentLine();
    // empty files, directives and a root that does not start at column 0: the yaml package's business
    if (first < 0 || this.indentAt(first) !== 0 || src.charCodeAt(first) === 0x25) bail();
    this.pos = first;
    const value = this.blockNode(0, -1, 0);
    if (this.nextContentLine() >= 0) bail();
    return value;
  }

  // ------------------------------------------------------------------ lines

  /** The start of the next line (after `pos`) that holds more than spaces and a comment, or -1. */
  private nextContentLine(): number {
    const { src } = this;
    let i = this.pos;
    // `pos` is at a line start, or inside a line whose rest was checked to be blank or a comment
    if (i > 0 && src.charCodeAt(i - 1) !== NL) {
      const nl = src.indexOf('\n', i);
      if (nl < 0) return -1;
      i = nl + 1;
    }
    while (i < src.length) {
      let j = i;
      while (src.charCodeAt(j) === SPACE) j++;
      const c = src.charCodeAt(j);
      if (j < src.length && c !== NL && c !== HASH) {
        // a document marker at column 0 ends or starts a document
        if (j === i && (src.startsWith('---', i) || src.startsWith('...', i))) {
          const after = src.charCodeAt(i + 3);
          if (Number.isNaN(after) || after === SPACE || after === NL) bail();
        }
        return i;
      }
      const nl = src.indexOf('\n', j);
      if (nl < 0) return -1;
      i = nl + 1;
    }
    return -1;
  }

  private indentAt(lineStart: number): number {
    let j = lineStart;
    while (this.src.charCodeAt(j) === SPACE) j++;
    return j - lineStart;
  }

  /** The rest of the line from `pos` is spaces and maybe a comment (after a space); `pos` moves to its end. */
  private restOfLineBlank() {
    const { src } = this;
    let i = this.pos;
    while (src.charCodeAt(i) === SPACE) i++;
    if (i < src.length && src.charCodeAt(i) !== NL) {
      if (src.charCodeAt(i) !== HASH || src.charCodeAt(i - 1) !== SPACE) bail();
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
    }
    this.pos = i;
  }

  // ------------------------------------------------------------------ block context

  /**
   * A node starting at `pos` (the first character of its content) whose lines are indented `indent`;
   * `parentIndent` is that of the collection it belongs to.
   */
  private blockNode(indent: number, parentIndent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) bail();
    const { src } = this;
    const c = src.charCodeAt(this.pos);
    if (c === DASH && this.isSeqIndicator(this.pos)) return this.blockSeq(indent, depth);
    if (c === LBRACKET || c === LBRACE) {
      const value = this.flowCollection(parentIndent, depth);
      this.restOfLineBlank();
      this.endOfValue(parentIndent);
      return value;
    }
    if (this.keyAhead()) return this.blockMap(indent, depth);
    // a scalar on a line of its own (it might continue on the next lines): the yaml package's business
    return bail();
  }

  private isSeqIndicator(at: number): boolean {
    const n = this.src.charCodeAt(at + 1);
    return Number.isNaN(n) || n === SPACE || n === NL;
  }

  /** Whether a block mapping's implicit key starts at `pos` (a scalar followed by `: ` on this line). */
  private keyAhead(): boolean {
    const { src } = this;
    const c = src.charCodeAt(this.pos);
    if (c === DQUOTE || c === QUOTE) {
      const save = this.pos;
      this.quoted();
      let i = this.pos;
      this.pos = save;
      while (src.charCodeAt(i) === SPACE) i++;
      return src.charCodeAt(i) === COLON;
    }
    if (isIndicator(c)) return false;
    const end = this.plainEnd(this.pos, false);
    const e = src.charCodeAt(end);
    return e === COLON;
  }

  /** A block mapping whose keys are at column `indent`; `pos` is at its first key. */
  private blockMap(indent: number, depth: number): Obj {
    const { src } = this;
    const map: Obj = {};
    for (;;) {
      const key = this.blockKey();
      // after `key:` — a value on this line, or on the lines below, or none
      while (src.charCodeAt(this.pos) === SPACE) this.pos++;
      const c = src.charCodeAt(this.pos);
      let value: unknown;
      if (Number.isNaN(c) || c === NL || c === HASH) {
        if (c === HASH && src.charCodeAt(this.pos - 1) !== SPACE) bail();
        this.restOfLineBlank();
        const next = this.nextContentLine();
        const nextIndent = next < 0 ? -1 : this.indentAt(next);
        if (next >= 0 && nextIndent > indent) {
          this.pos = next + nextIndent;
          value = this.blockNode(nextIndent, indent, depth + 1);
        } else if (
          next >= 0 &&
          nextIndent === indent &&
          src.charCodeAt(next + indent) === DASH &&
          this.isSeqIndicator(next + indent)
        ) {
          // a sequence at the key's own indentation belongs to the key
          this.pos = next + indent;
          value = this.blockSeq(indent, depth + 1);
        } else value = null;
      } else value = this.inlineValue(indent, depth);
      setKey(map, key, value);
      // the next key, at this indentation, or the end of this mapping
      const next = this.nextContentLine();
      if (next < 0) return map;
      const nextIndent = this.indentAt(next);
      if (nextIndent < indent) {
        this.pos = next;
        return map;
      }
      if (nextIndent > indent) bail();
      this.pos = next + indent;
      if (src.charCodeAt(this.pos) === DASH && this.isSeqIndicator(this.pos)) {
        // an indentless sequence's parent map ends here only if this is not its own next key
        this.pos = next;
        return map;
      }
      if (!this.keyAhead()) bail();
    }
  }

  /** `key:` at `pos`; returns the key with `pos` after the colon (at a space or the line's end). */
  private blockKey(): string {
    const { src } = this;
    const c = src.charCodeAt(this.pos);
    let key: string;
    if (c === DQUOTE || c === QUOTE) {
      key = this.quoted();
      while (src.charCodeAt(this.pos) === SPACE) this.pos++;
    } else {
      const end = this.plainEnd(this.pos, false);
      const raw = src.slice(this.pos, end).trimEnd();
      const resolved = resolvePlain(raw);
      if (typeof resolved !== 'string' || raw === '<<') bail();
      key = resolved;
      this.pos = end;
    }
    if (src.charCodeAt(this.pos) !== COLON) bail();
    this.pos++;
    const after = src.charCodeAt(this.pos);
    if (!(Number.isNaN(after) || after === SPACE || after === NL)) bail();
    return key;
  }

  /** A value on the same line as its key or `- `, at `pos`; the node it belongs to is indented `indent`. */
  private inlineValue(indent: number, depth: number): unknown {
    const { src } = this;
    const c = src.charCodeAt(this.pos);
    let value: unknown;
    if (c === LBRACKET || c === LBRACE) value = this.flowCollection(indent, depth + 1);
    else if (c === DQUOTE || c === QUOTE) value = this.quoted();
    else {
      if (this.startsPlainBadly(c, false)) bail();
      const end = this.plainEnd(this.pos, false);
      // `a: b: c`, a key in a value: the yaml package's error
      if (src.charCodeAt(end) === COLON) bail();
      value = resolvePlain(src.slice(this.pos, end).trimEnd());
      this.pos = end;
    }
    this.restOfLineBlank();
    this.endOfValue(indent);
    return value;
  }

  /** After a value that ended its line: a more indented line next would continue it (or be an error). */
  private endOfValue(indent: number) {
    const save = this.pos;
    const next = this.nextContentLine();
    if (next >= 0 && this.indentAt(next) > indent) bail();
    this.pos = save;
  }

  /** A block sequence whose `-` are at column `indent`; `pos` is at the first `-`. */
  private blockSeq(indent: number, depth: number): unknown[] {
    const { src } = this;
    const items: unknown[] = [];
    for (;;) {
      this.pos++; // the dash
      while (src.charCodeAt(this.pos) === SPACE) this.pos++;
      const c = src.charCodeAt(this.pos);
      if (Number.isNaN(c) || c === NL || c === HASH) {
        if (c === HASH && src.charCodeAt(this.pos - 1) !== SPACE) bail();
        this.restOfLineBlank();
        const next = this.nextContentLine();
        const nextIndent = next < 0 ? -1 : this.indentAt(next);
        if (next >= 0 && nextIndent > indent) {
          this.pos = next + nextIndent;
          items.push(this.blockNode(nextIndent, indent, depth + 1));
        } else items.push(null);
      } else if (c === DASH && this.isSeqIndicator(this.pos)) bail();
      else {
        const column = this.pos - this.lineStartOf(this.pos);
        if (c !== LBRACKET && c !== LBRACE && this.keyAhead()) items.push(this.blockMap(column, depth + 1));
        else items.push(this.inlineValue(indent, depth));
      }
      const next = this.nextContentLine();
      if (next < 0) return items;
      const nextIndent = this.indentAt(next);
      if (nextIndent > indent) bail();
      if (
        nextIndent < indent ||
        src.charCodeAt(next + indent) !== DASH ||
        !this.isSeqIndicator(next + indent)
      ) {
        this.pos = next;
        return items;
      }
      this.pos = next + indent;
    }
  }

  private lineStartOf(at: number): number {
    return this.src.lastIndexOf('\n', at - 1) + 1;
  }

  // ------------------------------------------------------------------ scalars

  /** A plain scalar may not start with an indicator, except `-`, `?`, `:` before a safe character. */
  private startsPlainBadly(c: number, flow: boolean): boolean {
    if (!isIndicator(c)) return false;
    if (c !== DASH && c !== 0x3f && c !== COLON) return true;
    const n = this.src.charCodeAt(this.pos + 1);
    return Number.isNaN(n) || n === SPACE || n === NL || (flow && isFlowIndicator(n));
  }

  /**
   * The end of a plain scalar starting at `from` on this line: before ` #`, before `:` followed by a space
   * (or the line's end, or in flow a flow indicator), at the line's end, and in flow before a flow indicator.
   * Trailing spaces are included (the caller trims them).
   */
  private plainEnd(from: number, flow: boolean): number {
    const { src } = this;
    let i = from;
    for (;;) {
      const c = src.charCodeAt(i);
      if (Number.isNaN(c) || c === NL) return i;
      if (c === HASH && i > from && src.charCodeAt(i - 1) === SPACE) return i;
      if (c === COLON) {
        const n = src.charCodeAt(i + 1);
        if (Number.isNaN(n) || n === SPACE || n === NL || (flow && isFlowIndicator(n))) return i;
      }
      if (flow && isFlowIndicator(c)) return i;
      i++;
    }
  }

  /** A single- or double-quoted scalar on one line, at `pos`; `pos` moves past its closing quote. */
  private quoted(): string {
    const { src } = this;
    const q = src.charCodeAt(this.pos);
    let i = this.pos + 1;
    let out = '';
    let from = i;
    for (;;) {
      const c = src.charCodeAt(i);
      if (Number.isNaN(c) || c === NL) bail(); // unterminated, or folded over lines
      if (c === q) {
        if (q === QUOTE && src.charCodeAt(i + 1) === QUOTE) {
          out += src.slice(from, i + 1);
          i += 2;
          from = i;
          continue;
        }
        out += src.slice(from, i);
        this.pos = i + 1;
        return out;
      }
      if (c === 0x5c && q === DQUOTE) {
        out += src.slice(from, i);
        const e = src[i + 1];
        if (e === '\\' || e === '"') out += e;
        else if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else bail();
        i += 2;
        from = i;
        continue;
      }
      i++;
    }
  }

  // ------------------------------------------------------------------ flow context

  /** Spaces, line breaks (onto lines indented more than `blockIndent`) and comments inside a flow collection. */
  private flowSpace(blockIndent: number) {
    const { src } = this;
    for (;;) {
      const c = src.charCodeAt(this.pos);
      if (c === SPACE) this.pos++;
      else if (c === NL) {
        this.pos++;
        const indent = this.indentAt(this.pos);
        const at = src.charCodeAt(this.pos + indent);
        // blank lines may sit anywhere; content and comments must be indented past the block they are in
        if (indent <= blockIndent && at !== NL && !Number.isNaN(at)) bail();
        if (indent === 0 && (src.startsWith('---', this.pos) || src.startsWith('...', this.pos))) bail();
        this.pos += indent;
      } else if (c === HASH) {
        const p = src.charCodeAt(this.pos - 1);
        if (p !== SPACE && p !== NL) bail();
        const nl = src.indexOf('\n', this.pos);
        if (nl < 0) bail(); // an unterminated flow collection
        this.pos = nl;
      } else return;
    }
  }

  /** `[...]` or `{...}` at `pos`, inside block content indented `blockIndent`. */
  private flowCollection(blockIndent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) bail();
    const { src } = this;
    const open = src.charCodeAt(this.pos);
    const close = open === LBRACE ? RBRACE : RBRACKET;
    this.pos++;
    const map: Obj | undefined = open === LBRACE ? {} : undefined;
    const items: unknown[] = [];
    this.flowSpace(blockIndent);
    if (src.charCodeAt(this.pos) === close) {
      this.pos++;
      return map ?? items;
    }
    for (;;) {
      if (map) {
        const key = this.flowKey(blockIndent);
        this.flowSpace(blockIndent);
        setKey(map, key, this.flowValue(blockIndent, depth));
      } else {
        const c = src.charCodeAt(this.pos);
        const quotedItem = c === DQUOTE || c === QUOTE;
        const item = this.flowValue(blockIndent, depth);
        this.flowSpace(blockIndent);
        // `[a: 1]`, a pair in a sequence: the yaml package's business
        if (src.charCodeAt(this.pos) === COLON && (quotedItem || typeof item !== 'object')) bail();
        items.push(item);
      }
      this.flowSpace(blockIndent);
      const c = src.charCodeAt(this.pos);
      if (c === close) {
        this.pos++;
        return map ?? items;
      }
      if (c !== COMMA) bail();
      this.pos++;
      this.flowSpace(blockIndent);
      const n = src.charCodeAt(this.pos);
      if (n === COMMA) bail(); // an empty entry
      if (n === close) {
        // one trailing comma: `[a, b,]`
        this.pos++;
        return map ?? items;
      }
    }
  }

  /** A flow mapping's key and its `:`, at `pos`; `pos` ends after the colon. */
  private flowKey(blockIndent: number): string {
    const { src } = this;
    const c = src.charCodeAt(this.pos);
    let key: string;
    if (c === DQUOTE || c === QUOTE) {
      key = this.quoted();
      this.flowSpace(blockIndent);
      if (src.charCodeAt(this.pos) !== COLON) bail();
      this.pos++;
      const n = src.charCodeAt(this.pos);
      if (n !== SPACE && n !== NL) bail();
      return key;
    }
    if (this.startsPlainBadly(c, true)) bail();
    const end = this.plainEnd(this.pos, true);
    const raw = src.slice(this.pos, end).trimEnd();
    const resolved = resolvePlain(raw);
    if (typeof resolved !== 'string' || raw === '<<' || raw === '') bail();
    key = resolved;
    this.pos = end;
    // `{ a, b: 1 }` (a key without a value), and keys over lines: the yaml package's business
    if (src.charCodeAt(this.pos) !== COLON) bail();
    this.pos++;
    const n = src.charCodeAt(this.pos);
    if (n !== SPACE && n !== NL) bail();
    return key;
  }

  /** A value in a flow collection, at `pos` (after any space). */
  private flowValue(blockIndent: number, depth: number): unknown {
    const { src } = this;
    const c = src.charCodeAt(this.pos);
    if (c === LBRACKET || c === LBRACE) return this.flowCollection(blockIndent, depth + 1);
    if (c === DQUOTE || c === QUOTE) return this.quoted();
    if (this.startsPlainBadly(c, true)) bail();
    const end = this.plainEnd(this.pos, true);
    const raw = src.slice(this.pos, end).trimEnd();
    if (raw === '') bail();
    this.pos = end;
    // a plain scalar that goes on after a line break is folded: the yaml package's business
    if (src.charCodeAt(end) === NL) {
      const save = this.pos;
      this.flowSpace(blockIndent);
      const n = src.charCodeAt(this.pos);
      if (n !== COMMA && n !== RBRACE && n !== RBRACKET) bail();
      this.pos = save;
    }
    return resolvePlain(raw);
  }
}

/**
 * The text's value as the yaml package gives it (`parseDocument(text, { uniqueKeys: true }).toJS()`), or
 * NOT_PLAIN when the text uses anything beyond plain block and flow collections and scalars, or has an error.
 */
export function parsePlainYaml(text: string): unknown {
  if (UNSUPPORTED_CHAR.test(text)) return NOT_PLAIN;
  try {
    return new PlainYamlParser(text).parse();
  } catch (err) {
    if (err === notPlain) return NOT_PLAIN;
    throw err;
  }
}
