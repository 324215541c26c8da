// The Fastify plugin platformatic.db.json loads (plugins.paths): Platformatic DB as it comes,
// with defects planted by name in PLATFORMATIC_DEFECTS (comma-separated), each through the
// documented entity hooks (app.platformatic.addEntityHooks) or a Fastify hook:
// - lost-update: PUT /movies/{id} answers 200 with the movie as if changed, and stores nothing.
// - kept-delete: DELETE /movies/{id} answers 200 with the movie, and keeps it.
// - dropped-said-by: POST /quotes stores the quote without its saidBy, and answers the saidBy sent.
// - ignored-limit: GET /movies ignores limit (and the configured maximum): it answers every movie.
// - optional-title: POST /movies and PUT /movies/{id} take a body without the title, which is
//   then stored as "untitled".
// - kept-quote-delete: DELETE /quotes/{id} answers 200 with the quote, and keeps it (so the
//   movie it names can be deleted no more: SQLite refuses, 500).
'use strict'

const DEFECTS = ['lost-update', 'kept-delete', 'dropped-said-by', 'ignored-limit', 'optional-title',
  'kept-quote-delete']

async function defects (app) {
  const planted = new Set((process.env.PLATFORMATIC_DEFECTS || '').split(',').filter(Boolean))
  for (const defect of planted) {
    if (!DEFECTS.includes(defect)) {
      throw new Error(`unknown defect: ${defect}`)
    }
  }
  const { addEntityHooks } = app.platformatic

  addEntityHooks('movie', {
    async save (original, options) {
      if (planted.has('lost-update') && options.input.id !== undefined) {
        const [kept] = await app.platformatic.entities.movie.find({ where: { id: { eq: options.input.id } } })
        if (kept) {
          return { ...kept, ...options.input }
        }
      }
      return original(options)
    },
    async delete (original, options) {
      if (planted.has('kept-delete')) {
        return app.platformatic.entities.movie.find({ where: options.where })
      }
      return original(options)
    },
    async find (original, options) {
      if (planted.has('ignored-limit')) {
        return original({ ...options, limit: undefined, paginate: false })
      }
      return original(options)
    }
  })

  addEntityHooks('quote', {
    async save (original, options) {
      if (planted.has('dropped-said-by') && options.input.id === undefined && 'saidBy' in options.input) {
        const { saidBy, ...kept } = options.input
        return { ...(await original({ ...options, input: kept })), saidBy }
      }
      return original(options)
    },
    async delete (original, options) {
      if (planted.has('kept-quote-delete')) {
        return app.platformatic.entities.quote.find({ where: options.where })
      }
      return original(options)
    }
  })

  app.addHook('preValidation', async (request) => {
    if (planted.has('optional-title') && ['POST', 'PUT'].includes(request.method) &&
        request.routeOptions.url?.startsWith('/movies')) {
      const body = request.body
      if (body && typeof body === 'object' && body.title === undefined) {
        body.title = 'untitled'
      }
    }
  })
}

defects[Symbol.for('skip-override')] = true
module.exports = defects
