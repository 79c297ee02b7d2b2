// A small subset of Markdown (paragraphs, ### headings, lists, ``` code blocks, `code`, **bold**,
// *italic*, [links](https://…)) built with DOM calls: every piece of the source ends up in a text
// node, so nothing a teacher writes can become HTML or script. No sanitizer is then needed, and
// nothing is vendored: a full Markdown library plus DOMPurify would be two files to keep up to
// date for features (raw HTML, images, tables) instructions do without.
import { h } from './ui.js';

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/g;
const LIST_ITEM = /^\s*([-*]|\d+\.)\s+/;

/** Inline markup of one line, as nodes and strings (strings are appended as text). */
function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    if (m[1]) out.push(h('code', {}, t.slice(1, -1)));
    else if (m[2]) out.push(h('strong', {}, ...inline(t.slice(2, -2))));
    else if (m[3]) out.push(h('em', {}, ...inline(t.slice(1, -1))));
    else {
      const [, label, url] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(t) || [];
      // Only web links: a javascript: or data: URL stays text.
      out.push(/^https?:\/\//i.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, label) : t);
    }
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** The blocks of `source`, as elements. */
export function markdown(source) {
  const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith('```')) {
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      i++;
      blocks.push(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (/^#{1,3}\s/.test(line)) {
      blocks.push(h(`h${line.indexOf(' ') + 2}`, {}, ...inline(line.replace(/^#+\s+/, ''))));
      i++;
    } else if (LIST_ITEM.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items = [];
      while (i < lines.length && LIST_ITEM.test(lines[i])) {
        let item = lines[i].replace(LIST_ITEM, '');
        // Indented lines continue the item.
        for (i++; i < lines.length && /^\s{2,}\S/.test(lines[i]) && !LIST_ITEM.test(lines[i]); i++) item += ` ${lines[i].trim()}`;
        items.push(h('li', {}, ...inline(item)));
      }
      blocks.push(h(ordered ? 'ol' : 'ul', {}, items));
    } else if (!line.trim()) {
      i++;
    } else {
      const para = [];
      for (; i < lines.length && lines[i].trim() && !/^(```|#{1,3}\s)/.test(lines[i]) && !LIST_ITEM.test(lines[i]); i++) para.push(lines[i].trim());
      blocks.push(h('p', {}, ...inline(para.join(' '))));
    }
  }
  return blocks;
}
