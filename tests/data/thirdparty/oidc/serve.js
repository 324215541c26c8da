// oidc-provider 8.x (npm, panva), an OAuth 2.0 authorization server strict about its RFCs, with
// a small protected JSON API in the same process, on 127.0.0.1:PORT only:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT
//
// Environment:
// - OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: the one confidential client (grants client_credentials
//   and refresh_token);
// - OIDC_TTL: seconds an access token lives (default 3600);
// - OIDC_DEFECTS: planted defects, by name (below).
//
// The provider: POST /token (RFC 6749 form body only: query parameters are not read). The client
// is registered with the provider's default token_endpoint_auth_method, client_secret_basic (an
// `Authorization: Basic` header), which oidc-provider 8 takes as it takes client_secret_post
// (client_id and client_secret in the form body), but not both in one call. Resource
// indicators on (RFC 8707): a token is for the API only when it was asked with
// resource=urn:apitest:notes, whose scopes are "notes:read notes:write"; a scope the resource
// server does not define is dropped from the grant without a word. Refresh tokens rotate, and one
// used twice revokes its whole grant. Errors: RFC 6749 section 5.2 JSON, invalid_client 401 with
// WWW-Authenticate.
//
// The API (a token of this provider for urn:apitest:notes, as `Authorization: Bearer`): GET
// /notes (a bare array), POST /notes (201, the note), GET/PUT/DELETE /notes/:id (200, 200, 204),
// 404 for an unknown id, 400 for a body it refuses. Reads need the scope notes:read, writes
// notes:write: 401 (WWW-Authenticate: Bearer ..., error="invalid_token") without a good token,
// 403 (error="insufficient_scope") with one that lacks the scope.
//
// Test-only routes: POST /_test/refresh-token mints a refresh token of the client for a user,
// as an authorization-code grant would have issued it (no browser here); GET /_test/stats says
// what the token endpoint and the API were asked (never a secret); PUT /_test/defects plants
// the defects its body names (comma-separated; empty: none), in place of OIDC_DEFECTS.
//
// Defects:
// - kept-update: PUT /notes/:id answers the note with the body merged in, and keeps it.
// - kept-delete: DELETE /notes/:id answers 204, and keeps the note.
// - dropped-body: POST /notes stores (and answers) the note without its body.
// - open-notes: the API serves calls with no token, or a bad one.
// - any-scope: the API lets a token of either scope write.
'use strict'

const http = require('node:http')
const { pathToFileURL } = require('node:url')

const DEFECTS = new Set(['kept-update', 'kept-delete', 'dropped-body', 'open-notes', 'any-scope'])
const RESOURCE = 'urn:apitest:notes'
const SCOPES = 'notes:read notes:write'
const USER = 'apitest-user'

const port = Number(process.argv[2])
const env = process.env
const clientId = env.OIDC_CLIENT_ID || 'apitest-client'
const clientSecret = env.OIDC_CLIENT_SECRET || 'apitest-secret-0000000000000000'
const ttl = Number(env.OIDC_TTL || '3600')
let defects = planted(env.OIDC_DEFECTS || '')
if (defects === null) process.exit(2)

// The defects `text` names (comma-separated), or null when it names one not known.
function planted (text) {
  const named = new Set(text.split(',').map((name) => name.trim()).filter(Boolean))
  for (const defect of named) {
    if (!DEFECTS.has(defect)) {
      console.error(`unknown defect: ${defect}`)
      return null
    }
  }
  return named
}

const stats = { token: [], api: {}, refreshedAt: [] }
const notes = new Map()
let nextId = 1

function count (key) {
  stats.api[key] = (stats.api[key] || 0) + 1
}

function send (res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    ...headers
  })
  res.end(text)
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

// A note as the body would make it, or the reason it cannot.
function validNote (body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return 'the body must be a JSON object'
  }
  if (typeof body.title !== 'string') return 'title must be a string'
  if (body.title.length < 1 || body.title.length > 60) return 'title must be 1 to 60 characters'
  if ('body' in body && typeof body.body !== 'string') return 'body must be a string'
  if (typeof body.body === 'string' && body.body.length > 500) return 'body is at most 500 characters'
  return null
}

async function main () {
  const { default: Provider, errors } = await import(pathToFileURL(require.resolve('oidc-provider')))
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'client_secret_basic'
    }],
    cookies: { keys: ['apitest-oidc-hunt-cookie-key'] },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        getResourceServerInfo: (ctx, indicator) => {
          if (indicator !== RESOURCE) throw new errors.InvalidTarget()
          return { scope: SCOPES, accessTokenFormat: 'opaque', accessTokenTTL: ttl }
        }
      }
    },
    rotateRefreshToken: true,
    ttl: { AccessToken: ttl, ClientCredentials: ttl, RefreshToken: 86400, Grant: 86400 }
  })
  provider.use(async (ctx, next) => {
    await next()
    if (ctx.path !== '/token') return
    const auth = ctx.get('authorization')
    const params = ctx.oidc && ctx.oidc.params ? ctx.oidc.params : {}
    const body = ctx.body && typeof ctx.body === 'object' ? ctx.body : {}
    stats.token.push({
      status: ctx.status,
      grant_type: params.grant_type || null,
      error: body.error || null,
      scope_asked: params.scope === undefined ? null : params.scope,
      scope_granted: body.scope === undefined ? null : body.scope,
      resource: params.resource === undefined ? null : params.resource,
      basic: auth.toLowerCase().startsWith('basic '),
      query: Object.keys(ctx.query).sort(),
      content_type: ctx.get('content-type').split(';')[0],
      www_authenticate: ctx.response.get('www-authenticate') || null
    })
    if (params.grant_type === 'refresh_token' && ctx.status === 200) {
      stats.refreshedAt.push(Date.now() / 1000)
    }
  })

  // The access token of a call, as the resource server sees it: null when none is good.
  async function tokenOf (req) {
    const header = req.headers.authorization || ''
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header)
    if (!match) return { token: null, given: header !== '' }
    const value = match[1]
    const token = (await provider.AccessToken.find(value)) ||
      (await provider.ClientCredentials.find(value))
    if (!token || token.isExpired || token.aud !== RESOURCE) return { token: null, given: true }
    return { token, given: true }
  }

  async function api (req, res, url) {
    const method = req.method
    const [, , idText, extra] = url.pathname.split('/')
    const write = method !== 'GET'
    const known = ['GET', 'POST', 'PUT', 'DELETE'].includes(method) && extra === undefined &&
      (idText === undefined || idText === '' ? ['GET', 'POST'].includes(method) : method !== 'POST')
    if (!known) return send(res, 405, { error: 'method_not_allowed' })
    const { token, given } = await tokenOf(req)
    if (!token && !defects.has('open-notes')) {
      count(`${method}:401`)
      const challenge = given
        ? 'Bearer realm="notes", error="invalid_token", error_description="the access token is invalid or expired"'
        : 'Bearer realm="notes"'
      return send(res, 401, { error: given ? 'invalid_token' : 'invalid_request', error_description: 'a bearer token for urn:apitest:notes is required' }, { 'WWW-Authenticate': challenge })
    }
    const needed = write ? 'notes:write' : 'notes:read'
    const scopes = token ? token.scopes : new Set(SCOPES.split(' '))
    const allowed = scopes.has(needed) || (defects.has('any-scope') && (scopes.has('notes:read') || scopes.has('notes:write')))
    if (!allowed) {
      count(`${method}:403`)
      return send(res, 403, { error: 'insufficient_scope', error_description: `the scope ${needed} is required` }, { 'WWW-Authenticate': `Bearer realm="notes", error="insufficient_scope", scope="${needed}"` })
    }
    let body
    if (method === 'POST' || method === 'PUT') {
      try {
        body = JSON.parse(await readBody(req))
      } catch {
        count(`${method}:400`)
        return send(res, 400, { error: 'invalid_request', error_description: 'the body is not JSON' })
      }
    }
    let id = null
    if (idText) {
      id = /^[0-9]+$/.test(idText) ? Number(idText) : NaN
      if (!notes.has(id)) {
        count(`${method}:404`)
        return send(res, 404, { error: 'not_found', error_description: `no note ${idText}` })
      }
    }
    if (body !== undefined) {
      const wrong = validNote(body)
      if (wrong) {
        count(`${method}:400`)
        return send(res, 400, { error: 'invalid_request', error_description: wrong })
      }
    }
    if (method === 'GET' && id === null) {
      count('GET:200')
      return send(res, 200, [...notes.values()])
    }
    if (method === 'GET') {
      count('GET:200')
      return send(res, 200, notes.get(id))
    }
    if (method === 'POST') {
      const note = { id: nextId++, title: body.title, body: body.body || '', created: new Date().toISOString() }
      if (defects.has('dropped-body')) delete note.body
      notes.set(note.id, note)
      count('POST:201')
      return send(res, 201, note)
    }
    if (method === 'PUT') {
      const note = { ...notes.get(id), title: body.title, body: body.body || '' }
      if (!defects.has('kept-update')) notes.set(id, note)
      count('PUT:200')
      return send(res, 200, note)
    }
    if (!defects.has('kept-delete')) notes.delete(id)
    count('DELETE:204')
    return send(res, 204)
  }

  // A refresh token of the client for USER, as an authorization-code grant would issue it.
  async function mintRefreshToken (res) {
    const client = await provider.Client.find(clientId)
    const grant = new provider.Grant({ accountId: USER, clientId })
    grant.addOIDCScope('offline_access')
    grant.addResourceScope(RESOURCE, SCOPES)
    const grantId = await grant.save()
    const token = new provider.RefreshToken({
      accountId: USER,
      client,
      grantId,
      gty: 'authorization_code',
      scope: SCOPES,
      resource: RESOURCE,
      expiresWithSession: false
    })
    return send(res, 200, { refresh_token: await token.save() })
  }

  const providerCallback = provider.callback()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, issuer)
    if (url.pathname === '/notes' || url.pathname.startsWith('/notes/')) {
      api(req, res, url).catch((err) => {
        console.error(err)
        send(res, 500, { error: 'server_error' })
      })
    } else if (url.pathname === '/_test/stats') {
      send(res, 200, stats)
    } else if (url.pathname === '/_test/defects' && req.method === 'PUT') {
      readBody(req).then((text) => {
        const named = planted(text)
        if (named !== null) defects = named
        send(res, named === null ? 400 : 200, { defects: [...defects] })
      })
    } else if (url.pathname === '/_test/refresh-token' && req.method === 'POST') {
      mintRefreshToken(res).catch((err) => {
        console.error(err)
        send(res, 500, { error: 'server_error' })
      })
    } else {
      providerCallback(req, res)
    }
  })
  server.listen(port, '127.0.0.1')
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => process.exit(0))
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
