import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Facts about the source tree that docs/architecture.md promises: where code lives and what imports what. */
export const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

export function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

const isSpec = (f: string) => f.endsWith('.spec.ts');

/** The top folder of a file under src/ ('scoring' for src/scoring/models/bg-nbd.ts; '.' for src/app.module.ts). */
export function folderOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  return rel.length > 1 ? rel[0] : '.';
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** Relative imports (value and type) of a file, resolved to files. */
export function importsOf(file: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text.startsWith('.')
    ) {
      out.push(resolve(dirname(file), node.moduleSpecifier.text) + '.ts');
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return out;
}

/** Folder → folders it imports (non-test code only). */
export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles().filter((f) => !isSpec(f))) {
    const from = folderOf(file);
    if (from === '.') continue; // entry points and the app module sit above every folder
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of importsOf(file)) {
      if (!target.startsWith(SRC)) continue;
      const to = folderOf(target);
      if (to !== from && to !== '.') edges.add(to);
    }
  }
  return graph;
}

/** Strongly connected folder groups of more than one folder: each is an import loop. */
export function folderLoops(graph = folderGraph()): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) loops.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return loops;
}

/** Where SQL may run: repositories, the database layer, the embedded server, migrations. */
export function mayRunSql(file: string): boolean {
  const rel = relative(SRC, file);
  return rel.endsWith('.repository.ts') || rel.startsWith('database/') || rel.startsWith('embedded/');
}

/** Calls of `.query(` (DataSource, EntityManager, QueryRunner, pg client) in a file, as line numbers. */
export function queryCalls(file: string): number[] {
  const sf = parse(file);
  const lines: number[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'query'
    ) {
      lines.push(sf.getLineAndCharacterOfPosition(node.getStart()).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return lines;
}

/** Every string and template literal of a file that reads as SQL, with the text of the 3 lines above it. */
export function sqlLiterals(file: string): Array<{ line: number; text: string; above: string }> {
  const sf = parse(file);
  const source = sf.getFullText().split('\n');
  const out: Array<{ line: number; text: string; above: string }> = [];
  const visit = (node: ts.Node) => {
    let text: string | null = null;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.getText();
    if (text !== null && /\b(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\b/.test(text)) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      out.push({ line, text, above: source.slice(Math.max(0, line - 4), line - 1).join('\n') });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Lines of code per top folder, files over a size, and the longest functions. */
export function sizeReport() {
  const files = sourceFiles();
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').length;
  const perFolder = new Map<string, number>();
  let total = 0;
  for (const f of files) {
    const n = lines(f);
    total += n;
    perFolder.set(folderOf(f), (perFolder.get(folderOf(f)) ?? 0) + n);
  }
  const [largest, largestLines] = [...perFolder].sort((a, b) => b[1] - a[1])[0];
  const nonSpec = files.filter((f) => !isSpec(f));
  const bigFiles = nonSpec.filter((f) => lines(f) > 500).map((f) => `${relative(ROOT, f)} (${lines(f)})`);
  const functions: Array<{ name: string; lines: number }> = [];
  for (const f of nonSpec) {
    const sf = parse(f);
    const visit = (node: ts.Node) => {
      if (
        (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node)) &&
        node.body &&
        ts.isBlock(node.body)
      ) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const name = node.name ? node.name.getText() : '(arrow)';
        functions.push({ name: `${relative(ROOT, f)}:${start + 1} ${name}`, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  functions.sort((a, b) => b.lines - a.lines);
  return {
    totalLines: total,
    largestFolder: { folder: largest, lines: largestLines, share: largestLines / total },
    filesOver500: bigFiles,
    functionsOver100: functions.filter((f) => f.lines > 100),
    longestFunction: functions[0],
  };
}
