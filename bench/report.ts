import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const HEADER = [
  '# Benchmarks',
  '',
  'Measured numbers from `npm run bench` (source in `bench/`). Each section is rewritten when its',
  'suite runs, so sections may come from different runs; each names its machine and date. Numbers',
  'from a shared or virtual machine vary by several percent from run to run.',
  '',
].join('\n')

/**
 * Replaces the section of suite `name` in the Markdown file at `path`, or appends it. Sections are
 * delimited by `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so other suites' sections and the
 * text around them stay as they are.
 */
export function writeSection(
  path: string,
  name: string,
  markdown: string,
  run: { environment: string; command: string; warning?: string },
): void {
  const start = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  const date = new Date().toISOString().slice(0, 10)
  const section = [
    start,
    ...(run.warning === undefined ? [] : [`> [!WARNING]\n> ${run.warning}`, '']),
    markdown,
    '',
    `Measured on ${date} with \`${run.command}\`: ${run.environment}.`,
    end,
  ].join('\n')

  const current = existsSync(path) ? readFileSync(path, 'utf8') : HEADER
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const next =
    from !== -1 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`
  writeFileSync(path, next)
}
