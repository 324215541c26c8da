// LoopBack 4 (npm) built programmatically in plain JavaScript, no TypeScript and no decorators
// of ours: the model Pet made by defineModelClass from a ModelDefinition, a memory datasource
// (loopback-datasource-juggler's memory connector), and @loopback/rest-crud's
// defineCrudRepositoryClass and defineCrudRestController, serving /pets on 127.0.0.1:PORT only,
// with defects planted by name. A pet's chip is hidden (settings.hiddenProperties): written,
// never answered. Run as:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT
//     LOOPBACK4_DEFECTS=dropped-field,kept-update,kept-replace,kept-delete,blind-update (optional)
//
// The controller's routes: POST /pets (200, the record), GET /pets (a bare array, ?filter=
// {json}), GET /pets/count ({"count": N}, ?where={json}), GET /pets/{id} (?filter={json}),
// PATCH /pets/{id} (204, no body), PUT /pets/{id} (204, replaces), DELETE /pets/{id} (204),
// PATCH /pets (update all matching ?where, answers {"count": N}). An unknown id is 404, a body
// the model's JSON schema refuses 422, each as {"error": {statusCode, name, message, ...}}.
// Defects, each in the repository the controller calls:
// - dropped-field: a create stores the pet without its age, and answers the age it was sent.
// - kept-update: PATCH /pets/{id} answers 204 and stores nothing.
// - kept-replace: PUT /pets/{id} answers 204 and stores only the name.
// - kept-delete: DELETE /pets/{id} answers 204 and keeps the pet.
// - blind-update: PATCH /pets/{id} of an id the store does not hold answers 204, not 404.
const { inject } = require('@loopback/core')
const { RestApplication } = require('@loopback/rest')
const {
  Entity,
  ModelDefinition,
  RepositoryMixin,
  defineModelClass,
  juggler
} = require('@loopback/repository')
const { defineCrudRepositoryClass, defineCrudRestController } = require('@loopback/rest-crud')

const DEFECTS = new Set(['dropped-field', 'kept-update', 'kept-replace', 'kept-delete', 'blind-update'])
const port = Number(process.argv[2])
const defects = new Set((process.env.LOOPBACK4_DEFECTS || '').split(',').filter(Boolean))
for (const defect of defects) {
  if (!DEFECTS.has(defect)) {
    console.error(`unknown defect: ${defect}`)
    process.exit(2)
  }
}

const Pet = defineModelClass(
  Entity,
  new ModelDefinition({ name: 'Pet', settings: { hiddenProperties: ['chip'] } })
    .addProperty('id', { type: 'number', id: true, generated: true })
    .addProperty('name', { type: 'string', required: true, jsonSchema: { minLength: 1, maxLength: 100 } })
    .addProperty('species', { type: 'string', default: 'cat', jsonSchema: { enum: ['cat', 'dog', 'fish'] } })
    .addProperty('age', { type: 'number', jsonSchema: { minimum: 0, maximum: 100 } })
    .addProperty('born', { type: 'date' })
    .addProperty('chip', { type: 'string', jsonSchema: { minLength: 1, maxLength: 20 } })
)

const CrudRepository = defineCrudRepositoryClass(Pet)
class PetRepository extends CrudRepository {
  async create (data, options) {
    if (defects.has('dropped-field') && data.age !== undefined) {
      const { age, ...kept } = data
      const pet = await super.create(kept, options)
      return Object.assign(pet, { age })
    }
    return super.create(data, options)
  }

  async updateById (id, data, options) {
    if (defects.has('blind-update') && !(await this.exists(id, options))) { return }
    if (defects.has('kept-update')) { await this.findById(id, undefined, options); return }
    return super.updateById(id, data, options)
  }

  async replaceById (id, data, options) {
    if (defects.has('kept-replace')) { return super.updateById(id, { name: data.name }, options) }
    return super.replaceById(id, data, options)
  }

  async deleteById (id, options) {
    if (defects.has('kept-delete')) { await this.findById(id, undefined, options); return }
    return super.deleteById(id, options)
  }
}
inject('datasources.memory')(PetRepository, undefined, 0)

const PetController = defineCrudRestController(Pet, { basePath: '/pets' })
inject('repositories.PetRepository')(PetController, undefined, 0)

class PetApplication extends RepositoryMixin(RestApplication) {}

async function main () {
  const app = new PetApplication({ rest: { host: '127.0.0.1', port, openApiSpec: { setServersFromRequest: true } } })
  app.dataSource(new juggler.DataSource({ name: 'memory', connector: 'memory' }))
  app.repository(PetRepository)
  app.controller(PetController)
  await app.start()
  console.log(`LoopBack 4 pets on ${app.restServer.url}`)
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => app.stop().then(() => process.exit(0)))
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
