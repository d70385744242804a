// Finds what a TypeScript source imports: static import/export-from, side-effect imports,
// dynamic import() and require(). A small scanner, not a parser: comments are blanked
// first so commented-out code is not reported; string contents are kept.

export interface ImportSite {
  /** 1-based line of the specifier. */
  line: number;
  /** The module specifier, or undefined for import()/require() with a computed argument. */
  specifier: string | undefined;
  form: 'static' | 'dynamic-import' | 'require';
}

const PATTERNS: { form: ImportSite['form']; pattern: RegExp }[] = [
  // import x from 'm'; import { a } from 'm'; export * from 'm'; export { a } from 'm'
  { form: 'static', pattern: /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]*)\1/g },
  // import 'm'
  { form: 'static', pattern: /\bimport\s*(['"])([^'"]*)\1/g },
  // import('m') or import(expression)
  { form: 'dynamic-import', pattern: /\bimport\s*\(\s*(?:(['"`])([^'"`]*)\1\s*\)|())/g },
  // require('m') or require(expression)
  { form: 'require', pattern: /\brequire\s*\(\s*(?:(['"`])([^'"`]*)\1\s*\)|())/g },
];

export function findImports(source: string): ImportSite[] {
  const code = blankComments(source);
  const sites: ImportSite[] = [];
  for (const { form, pattern } of PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[2];
      const offset = specifier === undefined ? match.index : match.index + match[0].lastIndexOf(specifier);
      sites.push({ line: lineAt(code, offset), specifier, form });
    }
  }
  return sites.sort((a, b) => a.line - b.line);
}

/** Replaces // and /* comments with spaces (newlines kept, so line numbers hold). */
export function blankComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (char === "'" || char === '"' || char === '`') {
      const start = i++;
      while (i < source.length && source[i] !== char) i += source[i] === '\\' ? 2 : 1;
      i++;
      out += source.slice(start, i);
    } else {
      out += char;
      i++;
    }
  }
  return out;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
