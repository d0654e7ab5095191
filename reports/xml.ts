// Escaping shared by the XML writers (JUnit, SVG). Command lines come from /proc and may hold any
// byte; XML 1.0 forbids most control characters even when escaped, so those are dropped.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" };

/** Safe in text and in a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, "").replace(/[<>&"']/g, (c) => ENTITIES[c] ?? c);
}

/** A CDATA section that keeps Markdown readable in the file; a "]]>" inside is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(FORBIDDEN, "").replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}
