/**
 * The sandbox's import graph stays free of circles: NCCO actions depend on the call-control
 * interface, not on the engine, and nothing under sandbox/ imports its way back to itself.
 * Read with TypeScript's own pre-processor (every import, export-from and import type).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const SANDBOX = path.join(ROOT, 'sandbox');

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) files.push(...sourceFiles(file));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(file);
  }
  return files;
}

/** The project files a file imports (relative specifiers only; packages are not part of the graph). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const found: string[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), fileName.replace(/\.js$/, ''));
    const target = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    if (target) found.push(target);
  }
  return found;
}

/** Strongly connected components of more than one file (or a file importing itself): the circles. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    indices.set(file, index);
    low.set(file, index++);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, indices.get(next)!));
    }
    if (low.get(file) !== indices.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(path.relative(ROOT, member));
    } while (member !== file);
    if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return found;
}

describe('the sandbox import graph', () => {
  const files = sourceFiles(SANDBOX);

  it('has no import circle', () => {
    expect(files.length).toBeGreaterThan(20);
    const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => target.startsWith(SANDBOX))]));
    expect(circles(graph)).toEqual([]);
  });

  it('finds a circle when there is one (the check itself works)', () => {
    const voice = path.join(SANDBOX, 'voice');
    const engine = path.join(voice, 'engine.ts');
    const runner = path.join(voice, 'ncco.ts');
    // engine.ts imports ncco.ts; pretend ncco.ts imported engine.ts back.
    expect(importsOf(engine)).toContain(runner);
    const graph = new Map([
      [engine, [runner]],
      [runner, [engine]],
    ]);
    expect(circles(graph)).toEqual([['sandbox/voice/engine.ts', 'sandbox/voice/ncco.ts']]);
  });

  it('NCCO actions and the runner depend on the call-control interface, never on the engine', () => {
    const engine = path.join(SANDBOX, 'voice', 'engine.ts');
    const offenders = files
      .filter((file) => file.startsWith(path.join(SANDBOX, 'voice')) && file !== engine)
      .filter((file) => importsOf(file).includes(engine))
      .map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});
