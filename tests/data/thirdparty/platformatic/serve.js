// Platformatic DB (npm @platformatic/db) started as its docs start it programmatically:
// buildServer() over platformatic.db.json, which applies migrations/ to a new SQLite file, serves
// the tables movies and quotes as REST (no GraphQL) on 127.0.0.1:PORT, and loads defects.js, the
// Fastify plugin that plants defects by name (PLATFORMATIC_DEFECTS). Run as:
//
//     NODE_PATH=<folder>/node_modules node serve.js PORT FOLDER
//     PLATFORMATIC_DEFECTS=lost-update,kept-delete,... (optional: see defects.js)
//
// The SQLite file is FOLDER/db.sqlite; the config reads the port and the database URL from the
// environment (its {PLT_...} placeholders), set here from the arguments.
'use strict'

const path = require('path')
const { buildServer } = require('@platformatic/db')

async function main () {
  process.env.PLT_SERVER_PORT = process.argv[2]
  process.env.PLT_DATABASE_URL = 'sqlite://' + path.resolve(process.argv[3] || '.', 'db.sqlite')
  const app = await buildServer(path.join(__dirname, 'platformatic.db.json'))
  const url = await app.start()
  console.log(`Platformatic DB on ${url}`)
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => app.close().then(() => process.exit(0)))
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
