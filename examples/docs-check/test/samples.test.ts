import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { collectSamples, samplesOf, type CodeSample } from '../src/samples.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const workDir = join(root, 'tmp', 'docs-check')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const samples = collectSamples(root)

/** Returns the file name a sample is compiled as: an ES module, so top-level await works. */
function fileOf(sample: CodeSample, index: number): string {
  return `${index}-${sample.document.replace(/[^A-Za-z0-9]+/g, '-')}-${sample.line}.mts`
}

const diagnostics = new Map<string, string[]>()

beforeAll(() => {
  rmSync(workDir, { recursive: true, force: true })
  mkdirSync(workDir, { recursive: true })
  const files = samples.map((sample, index) => {
    const file = fileOf(sample, index)
    writeFileSync(join(workDir, file), `${sample.code}\nexport {}\n`)
    return file
  })
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      // A sample may declare names it shows but does not use.
      noUnusedLocals: false,
    },
    files,
  }
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))

  let output = ''
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: workDir,
      encoding: 'utf8',
    })
  } catch (error) {
    output = String((error as { stdout?: unknown }).stdout ?? error)
  }
  for (const line of output.split('\n')) {
    const file = /^([^(]+\.mts)\(/.exec(line)?.[1]
    if (file !== undefined) diagnostics.set(file, [...(diagnostics.get(file) ?? []), line])
  }
}, 120_000)

describe('docs code samples', () => {
  it('finds samples in the docs', () => {
    expect(samples.length).toBeGreaterThan(0)
  })

  it.each(samples.map((sample, index) => ({ ...sample, index })))(
    '$document line $line compiles',
    (sample) => {
      expect(diagnostics.get(fileOf(sample, sample.index)) ?? []).toEqual([])
    },
  )
})

describe('samplesOf', () => {
  it('strips the indentation of a list item', () => {
    const markdown = ['1. Step:', '', '   ```ts', '   const a = 1', '     + 2', '   ```'].join('\n')
    expect(samplesOf('doc.md', markdown)).toEqual([
      { document: 'doc.md', line: 4, code: 'const a = 1\n  + 2' },
    ])
  })

  it('skips ts fragment blocks', () => {
    const markdown = ['```ts fragment', 'verify(token)', '```', '```ts', 'const b = 2', '```'].join(
      '\n',
    )
    expect(samplesOf('doc.md', markdown)).toEqual([
      { document: 'doc.md', line: 5, code: 'const b = 2' },
    ])
  })

  it('extracts ts blocks with their first line', () => {
    const markdown = ['# Title', '', '```ts', 'const a = 1', '```', '', '```sh', 'ls', '```'].join(
      '\n',
    )
    expect(samplesOf('doc.md', markdown)).toEqual([
      { document: 'doc.md', line: 4, code: 'const a = 1' },
    ])
  })
})
