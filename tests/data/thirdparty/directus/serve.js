// Directus (npm directus, its @directus/api) on 127.0.0.1:PORT over SQLite in FOLDER, with an
// `articles` collection made through its own API and defects planted by name:
//
//     NODE_PATH=<install>/node_modules ADMIN_EMAIL=... ADMIN_PASSWORD=... \
//         node serve.js bootstrap FOLDER      (then)      node serve.js PORT FOLDER
//
// `bootstrap` runs `directus bootstrap` (its CLI, in a child process: it installs the system
// tables and the first admin user from ADMIN_EMAIL and ADMIN_PASSWORD, some seconds) and
// stops; a start runs it first where FOLDER holds no database yet. A start serves Directus's
// own Express app (createApp, what `directus start` serves, less its update check, telemetry
// and websockets) in this process behind a plain HTTP server. Once it listens, this script
// makes the collection by POST /collections as the admin, as a user of the Data Studio would:
// `id` (auto-increment integer), `title` (required, not null, 1 to 60 characters by a regex
// rule), `rating` (an integer 0 to 10 by a rule), `status` (draft, published or archived by a
// rule, default draft), `tags` (JSON, cast-json) and `date_created` (set by Directus). GET
// /hunt/ready answers 503 until then.
//
// Defects, switched by `PUT /hunt/defects` with a JSON list of names (an empty list: none), so
// that one Directus serves a whole test module:
// - lost-update, lost-title, dropped-tags, kept-delete, null-crash: planted in Directus's item
//   events by the hook extension extensions/hunt-defects (its index.js says what each does).
// - unchecked-status: the status field's validation rule is taken off (PATCH /fields), so any
//   status is stored; put back when the defect is cleared.
// - open-items: a call of /items that carries no token is served as the admin (its static
//   token put in), as if the Public policy could do anything.
// `PUT /hunt/ttl` with a JSON string ("2s", "15m") sets the ACCESS_TOKEN_TTL of the tokens
// Directus makes from then on (Directus reads its settings object as it signs each token).
// `GET /hunt/logins` lists the statuses of the POST /auth/login answered since the defects were
// last set.
const crypto = require('crypto')
const fs = require('fs')
const http = require('http')
const path = require('path')
const { spawnSync } = require('child_process')
const { pathToFileURL } = require('url')

const KNOWN = new Set([
  'lost-update', 'lost-title', 'dropped-tags', 'kept-delete', 'null-crash', 'unchecked-status',
  'open-items',
])
const STATUS_RULE = { _and: [{ status: { _in: ['draft', 'published', 'archived'] } }] }
const bootstrapOnly = process.argv[2] === 'bootstrap'
const port = bootstrapOnly ? 0 : Number(process.argv[2])
const folder = path.resolve(process.argv[3])
const database = path.join(folder, 'data.db')
const tokenFile = path.join(folder, 'admin-token') // the admin's static token, set by bootstrap
const base = `http://127.0.0.1:${port}`
globalThis.directusHunt = { defects: new Set() }
const defects = globalThis.directusHunt.defects
let logins = []
let ready = false

fs.mkdirSync(path.join(folder, 'uploads'), { recursive: true })
if (!fs.existsSync(database)) {
  fs.writeFileSync(tokenFile, crypto.randomBytes(24).toString('hex'))
}
const adminToken = fs.readFileSync(tokenFile, 'utf8')
fs.writeFileSync(path.join(folder, 'package.json'), '{"name": "directus-hunt", "private": true}\n')
Object.assign(process.env, {
  DB_CLIENT: 'sqlite3',
  DB_FILENAME: database,
  SECRET: crypto.randomBytes(32).toString('hex'),
  PUBLIC_URL: base,
  HOST: '127.0.0.1',
  PORT: String(port),
  ADMIN_TOKEN: adminToken,
  TELEMETRY: 'false',
  LOG_LEVEL: 'warn',
  LOG_STYLE: 'raw',
  WEBSOCKETS_ENABLED: 'false',
  CACHE_ENABLED: 'false',
  EXTENSIONS_PATH: path.join(__dirname, 'extensions'),
  EXTENSIONS_AUTO_RELOAD: 'false',
  PACKAGE_FILE_LOCATION: folder,
  STORAGE_LOCAL_ROOT: path.join(folder, 'uploads'),
})
if (!process.env.ADMIN_EMAIL || !process.env.ADMIN_PASSWORD) {
  console.error('ADMIN_EMAIL and ADMIN_PASSWORD must be set')
  process.exit(2)
}

const ARTICLES = {
  collection: 'articles',
  schema: {},
  meta: { icon: 'article', note: 'The hunt of tests/integration/test_directus.py' },
  fields: [
    {
      field: 'id', type: 'integer',
      meta: { hidden: true, readonly: true, interface: 'input' },
      schema: { is_primary_key: true, has_auto_increment: true },
    },
    {
      field: 'title', type: 'string',
      meta: {
        required: true, interface: 'input',
        validation: { _and: [{ title: { _regex: '^.{1,60}$' } }] },
        validation_message: '1 to 60 characters',
      },
      schema: { max_length: 60, is_nullable: false },
    },
    {
      field: 'rating', type: 'integer',
      meta: { interface: 'input', validation: { _and: [{ rating: { _between: [0, 10] } }] } },
      schema: { is_nullable: true },
    },
    {
      field: 'status', type: 'string',
      meta: {
        interface: 'select-dropdown',
        options: { choices: ['draft', 'published', 'archived'].map((v) => ({ text: v, value: v })) },
        validation: STATUS_RULE,
      },
      schema: { default_value: 'draft', is_nullable: false },
    },
    {
      field: 'tags', type: 'json',
      meta: { interface: 'tags', special: ['cast-json'] },
      schema: { is_nullable: true },
    },
    {
      field: 'date_created', type: 'timestamp',
      meta: { special: ['date-created'], readonly: true, interface: 'datetime' },
      schema: {},
    },
  ],
}

async function asAdmin(method, url, body) {
  const answer = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!answer.ok) throw new Error(`${method} ${url}: ${answer.status} ${await answer.text()}`)
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function answer(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, text ? { 'content-type': 'application/json' } : {})
  res.end(text)
}

async function plant(req, res) {
  let names
  try {
    names = JSON.parse(await readBody(req))
  } catch {
    names = null
  }
  if (!Array.isArray(names)) return answer(res, 400, 'a JSON list of defect names')
  const unknown = names.filter((name) => !KNOWN.has(name))
  if (unknown.length) return answer(res, 422, unknown)
  const unchecked = names.includes('unchecked-status')
  if (unchecked !== defects.has('unchecked-status')) {
    await asAdmin('PATCH', '/fields/articles/status', {
      meta: { validation: unchecked ? null : STATUS_RULE },
    })
  }
  defects.clear()
  names.forEach((name) => defects.add(name))
  logins = []
  answer(res, 204)
}

function bootstrap() {
  const run = require.resolve('@directus/api/cli/run.js')
  const done = spawnSync(process.execPath, [run, 'bootstrap'], {
    cwd: folder, env: process.env, encoding: 'utf8',
  })
  if (done.status !== 0) {
    console.error(done.stdout, done.stderr)
    process.exit(1)
  }
}

async function main() {
  if (bootstrapOnly || !fs.existsSync(database)) bootstrap()
  if (bootstrapOnly) return
  const { default: createApp } = await import(pathToFileURL(require.resolve('@directus/api/app')))
  const app = await createApp()
  const server = http.createServer((req, res) => {
    const url = req.url.split('?')[0]
    if (url === '/hunt/ready') return answer(res, ready ? 200 : 503, ready)
    if (url === '/hunt/logins') return answer(res, 200, logins)
    if (url === '/hunt/defects' && req.method === 'PUT') {
      return plant(req, res).catch((error) => answer(res, 500, String(error)))
    }
    if (url === '/hunt/ttl' && req.method === 'PUT') {
      return readBody(req).then((text) => {
        globalThis.directusHunt.env.ACCESS_TOKEN_TTL = JSON.parse(text)
        answer(res, 204)
      }).catch((error) => answer(res, 400, String(error)))
    }
    if (url === '/auth/login' && req.method === 'POST') {
      res.on('finish', () => logins.push(res.statusCode))
    }
    if (defects.has('open-items') && url.startsWith('/items/') && !req.headers.authorization) {
      req.headers.authorization = `Bearer ${adminToken}`
    }
    app(req, res)
  })
  server.listen(port, '127.0.0.1', async () => {
    try {
      await asAdmin('POST', '/collections', ARTICLES)
    } catch (error) {
      console.error(error)
      process.exit(1)
    }
    ready = true
  })
  process.on('SIGTERM', () => process.exit(0))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
