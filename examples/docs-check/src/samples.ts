import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** One fenced TypeScript sample of a Markdown file. */
export interface CodeSample {
  /** Markdown file, relative to the repository root. */
  document: string
  /** 1-based line of the sample's first code line in the Markdown file. */
  line: number
  code: string
}

// A ```ts block is compiled; a ```ts fragment block shows part of a program and is skipped.
// Fences may be indented, as inside a list item.
const FENCE = /^( *)```(ts|typescript)\s*$/
const CLOSING_FENCE = /^ *```\s*$/

/**
 * Collects every ```ts block of the Markdown files that document the SDK: docs/, the root README
 * and the README of every package and example.
 */
export function collectSamples(root: string): CodeSample[] {
  const documents = [
    ...markdownFiles(join(root, 'docs')),
    join(root, 'README.md'),
    ...readmesUnder(join(root, 'packages')),
    ...readmesUnder(join(root, 'examples')),
  ]
  return documents.flatMap((path) => samplesOf(relative(root, path), readFileSync(path, 'utf8')))
}

/** Splits one Markdown text into its ```ts samples, without the fence's indentation. */
export function samplesOf(document: string, markdown: string): CodeSample[] {
  const samples: CodeSample[] = []
  const lines = markdown.split('\n')
  let current: { line: number; indent: string; code: string[] } | undefined
  for (const [index, text] of lines.entries()) {
    if (current === undefined) {
      const indent = FENCE.exec(text)?.[1]
      if (indent !== undefined) current = { line: index + 2, indent, code: [] }
      continue
    }
    if (CLOSING_FENCE.test(text)) {
      samples.push({ document, line: current.line, code: current.code.join('\n') })
      current = undefined
      continue
    }
    current.code.push(text.startsWith(current.indent) ? text.slice(current.indent.length) : text)
  }
  return samples
}

function markdownFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(folder, name))
}

function readmesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(folder, entry.name, 'README.md'))
    .filter((path) => {
      try {
        readFileSync(path)
        return true
      } catch {
        return false
      }
    })
    .sort()
}
