// json-server 1.0.0-beta (npm) serving posts and comments on 127.0.0.1:PORT only, with defects
// planted by name:
//
//     node serve.js PORT NODE_MODULES (json-server's folder of node_modules)
//     JSON_SERVER_DEFECTS=kept-patch,kept-delete (optional)
//
// json-server 1 has no --middlewares or --routes any more, and is an ES module (NODE_PATH does
// not reach it): its own createApp (lib/app.js) is imported by file and run over lowdb's Memory
// adapter, as its CLI runs it over a JSONFile, behind a plain Node server that answers the
// defective calls itself and hands every other call to json-server unchanged.
//
// What json-server 1 does: ids are strings it makes (4 hex digits, "a1b2"); GET /posts is a bare
// array, GET /posts?_page=N&_per_page=M the envelope {first, prev, next, last, pages, items,
// data} (next a page number or null, items the count of the whole list); POST answers 201 and
// the record; PUT /posts/:id replaces the record (keeping its id), PATCH merges the body into it;
// both answer 200 and the record; DELETE /posts/:id answers 200 and the record it deleted (and
// sets postId to null in the comments that pointed at it); an unknown id is 404 "Not Found" in
// plain text; a body that is not JSON is 500 with the parser's message in plain text.
// Defects:
// - kept-patch: PATCH /posts/:id answers the record with the body merged in, and keeps it as it was.
// - kept-put: PUT /posts/:id answers the replaced record, and keeps it as it was.
// - kept-delete: DELETE /posts/:id answers the record, and keeps it.
// - lost-views: POST /posts answers the record it was sent, and stores it without its views.
// - patch-replaces: PATCH /posts/:id replaces the record with the body, as PUT does.
// - page-misses-new: GET /posts?_page= pages the posts as they were when it started.
const http = require('node:http')
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const DEFECTS = new Set([
  'kept-patch', 'kept-put', 'kept-delete', 'lost-views', 'patch-replaces', 'page-misses-new'
])
const SEED = {
  posts: [{ id: '1', title: 'Hello', views: 10 }],
  comments: [{ id: '1', text: 'First', postId: '1' }]
}
const port = Number(process.argv[2])
const modules = path.resolve(process.argv[3] || 'node_modules')
const defects = new Set((process.env.JSON_SERVER_DEFECTS || '').split(',').filter(Boolean))
for (const defect of defects) {
  if (!DEFECTS.has(defect)) {
    console.error(`unknown defect: ${defect}`)
    process.exit(2)
  }
}

const load = (file) => import(pathToFileURL(path.join(modules, file)).href)

function send (res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf-8') || '{}'))
      } catch (err) {
        reject(err)
      }
    })
  })
}

// The call the planted defects answer themselves: true where it was answered.
async function planted (db, snapshot, req, res) {
  const url = new URL(req.url, 'http://127.0.0.1')
  const one = /^\/posts\/([^/]+)$/.exec(url.pathname)
  const posts = db.data.posts
  const post = one ? posts.find((p) => p.id === decodeURIComponent(one[1])) : undefined
  if (req.method === 'PATCH' && one && post && defects.has('kept-patch')) {
    send(res, 200, { ...post, ...(await readBody(req)), id: post.id })
  } else if (req.method === 'PUT' && one && post && defects.has('kept-put')) {
    send(res, 200, { ...(await readBody(req)), id: post.id })
  } else if (req.method === 'DELETE' && one && post && defects.has('kept-delete')) {
    send(res, 200, post)
  } else if (req.method === 'PATCH' && one && post && defects.has('patch-replaces')) {
    const next = { ...(await readBody(req)), id: post.id }
    posts.splice(posts.indexOf(post), 1, next)
    send(res, 200, next)
  } else if (req.method === 'POST' && url.pathname === '/posts' && defects.has('lost-views')) {
    const sent = await readBody(req)
    const made = { id: Math.random().toString(16).slice(2, 6), ...sent }
    const { views, ...stored } = made
    posts.push(stored)
    send(res, 201, made)
  } else if (req.method === 'GET' && url.pathname === '/posts' &&
             url.searchParams.has('_page') && defects.has('page-misses-new')) {
    const perPage = Number(url.searchParams.get('_per_page')) || 10
    const pages = Math.ceil(snapshot.length / perPage)
    const page = Math.max(1, Math.min(Number(url.searchParams.get('_page')) || 1, pages))
    send(res, 200, {
      first: 1,
      prev: page > 1 ? page - 1 : null,
      next: page < pages ? page + 1 : null,
      last: pages,
      pages,
      items: snapshot.length,
      data: snapshot.slice((page - 1) * perPage, page * perPage)
    })
  } else {
    return false
  }
  return true
}

async function main () {
  const { Low, Memory } = await load('lowdb/lib/index.js')
  const { createApp } = await load('json-server/lib/app.js')
  const db = new Low(new Memory(), structuredClone(SEED))
  await db.write()
  const app = createApp(db, { logger: false })
  const snapshot = structuredClone(SEED.posts)
  const server = http.createServer((req, res) => {
    planted(db, snapshot, req, res)
      .then((answered) => answered || app.handler(req, res))
      .catch((err) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end(String(err))
      })
  })
  server.listen(port, '127.0.0.1', () => console.log(`json-server 1 on 127.0.0.1:${port}`))
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => process.exit(0))
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
