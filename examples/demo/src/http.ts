/** A request the demo sends and prints. */
export interface DemoRequest {
  method: 'GET' | 'POST'
  url: string
  headers?: Record<string, string>
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown
}

/** The response to a {@link DemoRequest}, as printed. */
export interface DemoResponse {
  status: number
  headers: Headers
  text: string
  /** The parsed body, or `undefined` when it is not JSON. */
  json: unknown
}

const REQUEST_TIMEOUT_MS = 10_000

/** Sends `request` to a server of the demo on 127.0.0.1 and prints the request and the response. */
export async function send(request: DemoRequest): Promise<DemoResponse> {
  const headers: Record<string, string> = { ...request.headers }
  let body: string | undefined
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(request.json)
  }

  console.log(`  > ${request.method} ${request.url}`)
  for (const [name, value] of Object.entries(headers)) console.log(`  > ${name}: ${shorten(value)}`)
  if (body !== undefined) console.log(`  > ${body}`)

  const response = await fetch(request.url, {
    method: request.method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await response.text()

  console.log(`  < ${response.status} ${response.statusText}`)
  const authenticate = response.headers.get('www-authenticate')
  if (authenticate !== null) console.log(`  < www-authenticate: ${authenticate}`)
  if (text !== '') console.log(`  < ${text}`)

  return { status: response.status, headers: response.headers, text, json: parseJson(text) }
}

/** Shortens a bearer token for printing, so the output stays readable. */
function shorten(value: string): string {
  const match = /^Bearer (.{16}).{8,}$/.exec(value)
  return match ? `Bearer ${match[1]}... (${value.length - 7} characters)` : value
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
