// A small, strict XML 1.0 well-formedness parser for the writers' tests: one root, matched tags,
// quoted unique attributes, known entities only, legal characters, CDATA and comments. Enough to
// catch what a hand-written writer gets wrong; it does not read DTDs (ours have none).
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA content directly inside, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ENTITY = /&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9A-Fa-f]+);/g;
const DECODE: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&apos;": "'" };

function decode(raw: string, where: string): string {
  if (raw.replace(ENTITY, "").includes("&")) throw new Error(`bad entity in ${where}: ${raw.slice(0, 60)}`);
  return raw.replace(ENTITY, (e) => DECODE[e] ?? String.fromCodePoint(Number(e.startsWith("&#x") ? `0x${e.slice(3, -1)}` : e.slice(2, -1))));
}

export function parseXml(text: string): XmlElement {
  if (ILLEGAL.test(text)) throw new Error("a character XML 1.0 forbids");
  let i = text.startsWith("<?xml") ? text.indexOf("?>") + 2 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  while (i < text.length) {
    const top = stack.at(-1);
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i);
      if (end < 0) fail("unclosed comment");
      i = end + 3;
    } else if (text.startsWith("<![CDATA[", i)) {
      const end = text.indexOf("]]>", i);
      if (end < 0 || top === undefined) fail("CDATA outside an element or unclosed");
      top!.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith("</", i)) {
      const name = NAME.exec(text.slice(i + 2))?.[0];
      if (name === undefined || top?.name !== name) fail(`closing tag does not match <${top?.name}>`);
      i = text.indexOf(">", i) + 1;
      stack.pop();
    } else if (text[i] === "<") {
      const name = NAME.exec(text.slice(i + 1))?.[0] ?? fail("bad tag name");
      const element: XmlElement = { name, attributes: {}, children: [], text: "" };
      i += 1 + name.length;
      for (;;) {
        const attr = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/.exec(text.slice(i));
        if (attr === null) break;
        const key = attr[1]!;
        if (key in element.attributes) fail(`duplicate attribute ${key}`);
        element.attributes[key] = decode(attr[2] ?? attr[3] ?? "", `attribute ${key}`);
        i += attr[0].length;
      }
      const close = /^\s*(\/?)>/.exec(text.slice(i)) ?? fail("bad start tag");
      i += close[0].length;
      if (top !== undefined) top.children.push(element);
      else if (root === null) root = element;
      else fail("a second root element");
      if (close[1] !== "/") stack.push(element);
    } else {
      const end = text.indexOf("<", i) < 0 ? text.length : text.indexOf("<", i);
      const raw = text.slice(i, end);
      if (raw.includes("]]>")) fail("]]> in text");
      if (top === undefined) {
        if (raw.trim() !== "") fail("text outside the root element");
      } else top.text += decode(raw, `<${top.name}>`);
      i = end;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (root === null) throw new Error("no root element");
  return root;
}
