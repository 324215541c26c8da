// Feathers 5 (npm) serving one in-memory service, /messages, on 127.0.0.1:PORT, with defects
// planted by name:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT [DEFECT,...]
//
// Feathers' memory service numbers records from 0 and pages its list as
// {total, limit, skip, data}, 10 records a page, with no link to the next page.
// Defects:
// - kept-delete: a remove answers the message, as Feathers does, and keeps it.
const { feathers } = require('@feathersjs/feathers')
const express = require('@feathersjs/express')
const { MemoryService } = require('@feathersjs/memory')

const DEFECTS = new Set(['kept-delete'])
const port = Number(process.argv[2])
const defects = new Set((process.argv[3] || '').split(',').filter(Boolean))
for (const defect of defects) {
  if (!DEFECTS.has(defect)) {
    console.error(`unknown defect: ${defect}`)
    process.exit(2)
  }
}

const app = express(feathers())
app.use(express.json())
app.configure(express.rest())
app.use('/messages', new MemoryService({ paginate: { default: 10, max: 50 } }))
if (defects.has('kept-delete')) {
  app.service('messages').hooks({
    before: {
      // A result set before the method skips it: the message is answered, not removed.
      remove: [async (context) => { context.result = await context.service.get(context.id) }]
    }
  })
}
app.use(express.notFound())
app.use(express.errorHandler({ logger: false }))
app.listen(port, '127.0.0.1')
