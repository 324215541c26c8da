// Node-RED (npm node-red) embedded in an Express app on 127.0.0.1:PORT, its admin HTTP API
// at the root, started from settings.js beside this file with USERDIR as its userDir:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT USERDIR
//
// Defects, planted by middleware in front of Node-RED's admin app (and by its own
// adminAuth.default hook), switched by `PUT /hunt/defects` with a JSON list of names
// (an empty list: none), so that one Node-RED serves a whole test module:
// - lost-update: a PUT /flow/:id is answered {"id"} as Node-RED answers it, and not stored.
// - kept-delete: a DELETE /flow/:id is read instead: 204 where the flow is there (404 where
//   it is not), and the flow stays.
// - lost-label: a POST /flow reaches Node-RED without its label.
// - any-password: POST /auth/token logs the user in whatever password is sent (or none).
// - anonymous-read: adminAuth.default grants anyone without a token the `read` permission,
//   as Node-RED's own setting does: reads answer without a token, or with a wrong one.
// `GET /hunt/logins` counts the calls of POST /auth/token since the defects were last set.
const http = require('http')
const path = require('path')
const express = require('express')
const RED = require('node-red')

const KNOWN = new Set(['lost-update', 'kept-delete', 'lost-label', 'any-password', 'anonymous-read'])
const port = Number(process.argv[2])
const userDir = process.argv[3]
const defects = new Set()
let logins = 0

const settings = require(path.join(__dirname, 'settings.js'))
settings.userDir = userDir
settings.adminAuth.default = async () =>
  defects.has('anonymous-read') ? { anonymous: true, permissions: 'read' } : null

const app = express()
app.put('/hunt/defects', express.json(), (req, res) => {
  const names = Array.isArray(req.body) ? req.body : []
  const unknown = names.filter((name) => !KNOWN.has(name))
  if (unknown.length) return res.status(422).json(unknown)
  defects.clear()
  names.forEach((name) => defects.add(name))
  logins = 0
  res.status(204).end()
})
app.get('/hunt/logins', (req, res) => res.json(logins))
app.use('/flow', express.json({ limit: '5mb' }))
app.use('/auth/token', express.urlencoded({ extended: true }), express.json())
app.use((req, res, next) => {
  const one = /^\/flow\/([^/]+)$/.exec(req.path)
  if (req.method === 'PUT' && one && defects.has('lost-update')) {
    return res.json({ id: decodeURIComponent(one[1]) })
  }
  if (req.method === 'DELETE' && one && defects.has('kept-delete')) {
    req.method = 'GET'
    const json = res.json.bind(res)
    res.json = (body) => (res.statusCode === 200 ? res.status(204).end() : json(body))
  }
  if (req.method === 'POST' && req.path === '/flow' && defects.has('lost-label')) {
    if (req.body && typeof req.body === 'object') delete req.body.label
  }
  if (req.method === 'POST' && req.path === '/auth/token') {
    logins += 1
    if (defects.has('any-password') && req.body && typeof req.body === 'object') {
      req.body.password = settings.passwords[req.body.username]
    }
  }
  next()
})

const server = http.createServer(app)
RED.init(server, settings)
app.use(settings.httpAdminRoot, RED.httpAdmin)
RED.start().then(() => server.listen(port, '127.0.0.1'))
