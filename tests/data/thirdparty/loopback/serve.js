// LoopBack 3 (npm) built programmatically: a memory datasource and two models, Owner and Pet
// (Pet belongsTo Owner through ownerId), exposed by loopback.rest() under /api on
// 127.0.0.1:PORT only, with defects planted by name:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT
//     LOOPBACK_DEFECTS=dropped-field,kept-update,kept-delete,kept-owner-delete (optional)
//
// LoopBack's REST conventions (its PersistedModel remote methods): POST /Pets creates and
// answers 200 with the record; GET /Pets lists a bare array (no paging unless asked, by
// ?filter={"limit":N}); GET /Pets/{id} reads one; PATCH /Pets/{id} updates the properties sent
// (patchAttributes); PUT /Pets/{id} replaces the record (replaceById); DELETE /Pets/{id}
// answers 200 {"count": N}, {"count": 0} for an id it does not hold; GET /Pets/count answers
// {"count": N}. An unknown id is 404 {"error": {statusCode, name, message, code}}, a body the
// model refuses 422 {"error": {statusCode, name, message, details}}, a bad filter 400. Values
// are coerced to the property's type (5 is stored as the name "5"; "abc" as the ownerId null).
// Defects:
// - dropped-field: a 'before save' observer drops a new pet's age: the create answers and
//   stores the pet without it.
// - kept-update: a remote hook answers PATCH /Pets/{id} with the pet and the body merged, and
//   stores nothing.
// - kept-delete: a remote hook answers DELETE /Pets/{id} {"count": 1} for a pet it holds, and
//   keeps the pet.
// - kept-owner-delete: the same for DELETE /Owners/{id}.
const loopback = require('loopback')

const DEFECTS = new Set(['dropped-field', 'kept-update', 'kept-delete', 'kept-owner-delete'])
const port = Number(process.argv[2])
const defects = new Set((process.env.LOOPBACK_DEFECTS || '').split(',').filter(Boolean))
for (const defect of defects) {
  if (!DEFECTS.has(defect)) {
    console.error(`unknown defect: ${defect}`)
    process.exit(2)
  }
}

const app = loopback()
app.dataSource('db', { connector: 'memory' })

const Owner = loopback.createModel({
  name: 'Owner',
  properties: {
    name: { type: 'string', required: true },
    email: { type: 'string' }
  },
  options: { strict: true }
})
Owner.validatesLengthOf('name', { min: 1, max: 100 })

const Pet = loopback.createModel({
  name: 'Pet',
  properties: {
    name: { type: 'string', required: true },
    species: { type: 'string', default: 'cat' },
    age: { type: 'number' }
  },
  relations: {
    owner: { type: 'belongsTo', model: 'Owner', foreignKey: 'ownerId' }
  },
  options: { strict: true }
})
Pet.validatesLengthOf('name', { min: 1, max: 100 })
Pet.validatesInclusionOf('species', { in: ['cat', 'dog', 'fish'] })
Pet.validatesNumericalityOf('age', { allowNull: true, allowBlank: true })

app.model(Owner, { dataSource: 'db', public: true })
app.model(Pet, { dataSource: 'db', public: true })

if (defects.has('dropped-field')) {
  Pet.observe('before save', async (ctx) => {
    if (ctx.instance && ctx.isNewInstance) ctx.instance.unsetAttribute('age')
  })
}
if (defects.has('kept-update')) {
  Pet.beforeRemote('prototype.patchAttributes', (ctx, unused, next) => {
    ctx.res.json({ ...ctx.instance.toJSON(), ...ctx.req.body })
  })
}
for (const [defect, Model] of [['kept-delete', Pet], ['kept-owner-delete', Owner]]) {
  if (!defects.has(defect)) continue
  Model.beforeRemote('deleteById', (ctx, unused, next) => {
    Model.findById(ctx.args.id).then(
      (found) => ctx.res.json({ count: found ? 1 : 0 }),
      next
    )
  })
}

app.use('/api', loopback.rest())
app.listen(port, '127.0.0.1')
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0))
}
