// Sails 1.x (npm) lifted programmatically with its ORM hook and the sails-disk adapter (files
// in DATA_DIR, dropped at each lift), serving the default blueprint REST API of two models on
// 127.0.0.1:PORT only, with defects planted by name:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT DATA_DIR
//     SAILS_DEFECTS=kept-update,kept-delete (optional)
//
// Blueprints: POST /pet (200), GET /pet (a bare array, 30 a page, no paging hint),
// GET /pet/:id, PATCH /pet/:id (200, the record), DELETE /pet/:id (200, the record), 404 for
// an unknown id, 400 for a body the model refuses (E_INVALID_NEW_RECORD, E_UNIQUE).
// Defects:
// - kept-update: PATCH /pet/:id answers the record with the body merged in, and keeps it.
// - kept-delete: DELETE /pet/:id answers the record, and keeps it.
const path = require('path')
const Sails = require('sails').constructor

const DEFECTS = new Set(['kept-update', 'kept-delete'])
const port = Number(process.argv[2])
const dataDir = path.resolve(process.argv[3] || '.')
const defects = new Set((process.env.SAILS_DEFECTS || '').split(',').filter(Boolean))
for (const defect of defects) {
  if (!DEFECTS.has(defect)) {
    console.error(`unknown defect: ${defect}`)
    process.exit(2)
  }
}

const routes = {}
if (defects.has('kept-update')) {
  routes['PATCH /pet/:id'] = async function keptUpdate (req, res) {
    const pet = await req._sails.models.pet.findOne({ id: Number(req.params.id) })
    if (!pet) { return res.notFound() }
    return res.ok({ ...pet, ...req.body, updatedAt: Date.now() })
  }
}
if (defects.has('kept-delete')) {
  routes['DELETE /pet/:id'] = async function keptDelete (req, res) {
    const pet = await req._sails.models.pet.findOne({ id: Number(req.params.id) })
    if (!pet) { return res.notFound() }
    return res.ok(pet)
  }
}

const app = new Sails()
app.lift({
  appPath: dataDir,
  port,
  explicitHost: '127.0.0.1',
  environment: 'development',
  log: { level: 'warn' },
  hooks: {
    orm: require('sails-hook-orm'),
    grunt: false,
    views: false,
    sockets: false,
    pubsub: false,
    session: false,
    i18n: false
  },
  datastores: { default: { adapter: require('sails-disk'), dir: path.join(dataDir, 'db') } },
  models: {
    migrate: 'drop',
    attributes: {
      createdAt: { type: 'number', autoCreatedAt: true },
      updatedAt: { type: 'number', autoUpdatedAt: true },
      id: { type: 'number', autoIncrement: true }
    }
  },
  orm: {
    moduleDefinitions: {
      models: {
        owner: {
          attributes: {
            name: { type: 'string', required: true, maxLength: 100 },
            pets: { collection: 'pet', via: 'owner' }
          }
        },
        pet: {
          attributes: {
            name: { type: 'string', required: true, unique: true, maxLength: 100 },
            age: { type: 'number', min: 0, max: 100 },
            species: { type: 'string', isIn: ['cat', 'dog', 'fish'], defaultsTo: 'cat' },
            owner: { model: 'owner' }
          }
        }
      }
    }
  },
  blueprints: { rest: true, actions: false, shortcuts: false },
  routes,
  security: { csrf: false }
}, (err) => {
  if (err) {
    console.error(err)
    process.exit(1)
  }
})
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => app.lower(() => process.exit(0)))
}
