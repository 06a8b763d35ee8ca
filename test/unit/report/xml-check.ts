// A small XML 1.0 well-formedness checker and tree builder for the JUnit tests: one root element,
// matched tags, quoted unique attributes, only the five predefined entities and character
// references, no "<" or bare "&" in text, no characters XML cannot carry. Throws on the first fault.
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decodeEntities(s: string, at: number): string {
  if (BAD_CHAR.test(s)) throw new Error(`character not allowed in XML near offset ${at}`);
  return s.replace(/&([^;]*);|&/g, (m, body: string | undefined) => {
    if (body === undefined) throw new Error(`bare & near offset ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body]!;
    const num = /^#(\d+)$|^#x([0-9a-fA-F]+)$/.exec(body);
    if (num === null) throw new Error(`unknown entity &${body}; near offset ${at}`);
    return String.fromCodePoint(num[1] !== undefined ? Number(num[1]) : parseInt(num[2]!, 16));
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const skipWs = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  skipWs();
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
    } else if (src.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(src.slice(i));
      if (m === null) throw new Error(`bad end tag at ${i}`);
      const open = stack.pop();
      if (open === undefined || open.name !== m[0]) throw new Error(`</${m[0]}> does not close <${open?.name}> at ${i}`);
      i += m[0].length;
      skipWs();
      if (src[i] !== '>') throw new Error(`bad end tag at ${i}`);
      i++;
    } else if (src[i] === '<') {
      i++;
      const m = NAME.exec(src.slice(i));
      if (m === null) throw new Error(`bad start tag at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      i += m[0].length;
      for (;;) {
        const before = i;
        skipWs();
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (i === before) throw new Error(`attributes must be separated by space at ${i}`);
        const a = NAME.exec(src.slice(i));
        if (a === null) throw new Error(`bad attribute at ${i}`);
        i += a[0].length;
        skipWs();
        if (src[i] !== '=') throw new Error(`attribute without = at ${i}`);
        i++;
        skipWs();
        const q = src[i];
        if (q !== '"' && q !== "'") throw new Error(`unquoted attribute at ${i}`);
        const end = src.indexOf(q, i + 1);
        if (end < 0) throw new Error('unterminated attribute');
        const raw = src.slice(i + 1, end);
        if (raw.includes('<')) throw new Error(`< in attribute at ${i}`);
        if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]}`);
        el.attrs[a[0]] = decodeEntities(raw, i);
        i = end + 1;
      }
      if (stack.length === 0) {
        if (root !== undefined) throw new Error('more than one root element');
        root = el;
      } else {
        stack[stack.length - 1]!.children.push(el);
      }
      if (src.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    } else {
      const end = src.indexOf('<', i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new Error(`text outside the root element at ${i}`);
      } else {
        stack[stack.length - 1]!.text += decodeEntities(raw, i);
      }
      i = end < 0 ? src.length : end;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}

export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}
