// A Directus hook extension (the `filter` events of the items service) planting the hunt's
// defects on the `articles` collection. Which are planted is serve.js's to say: it keeps
// the names in globalThis.directusHunt.defects, in this same process, and changes them on
// `PUT /hunt/defects`. It hands serve.js Directus's settings (`env`, read as each token is
// signed), so that ACCESS_TOKEN_TTL can change while Directus runs. Each filter runs before
// Directus checks the payload, as a project's own hook would:
// - lost-update: an update reaches the database as {} (answered 200, the item as it was).
// - lost-title: an update reaches the database without its title (the other members stored).
// - dropped-tags: a create reaches the database without its tags.
// - kept-delete: a delete deletes no key (answered 204, the item stays).
// - null-crash: a null title is answered 500 as a NOT NULL constraint of SQLite would be, as
//   if Directus no longer checked it first.
const planted = (name) => globalThis.directusHunt?.defects.has(name) ?? false

export default ({ filter }, { env }) => {
  if (globalThis.directusHunt) globalThis.directusHunt.env = env // Directus's own settings
  filter('articles.items.create', (payload) => {
    if (planted('null-crash') && payload.title === null) {
      throw new Error('SQLITE_CONSTRAINT: NOT NULL constraint failed: articles.title')
    }
    if (planted('dropped-tags')) {
      const { tags, ...rest } = payload
      return rest
    }
    return payload
  })
  filter('articles.items.update', (payload) => {
    if (planted('null-crash') && payload.title === null) {
      throw new Error('SQLITE_CONSTRAINT: NOT NULL constraint failed: articles.title')
    }
    if (planted('lost-update')) return {}
    if (planted('lost-title')) {
      const { title, ...rest } = payload
      return rest
    }
    return payload
  })
  filter('articles.items.delete', (keys) => {
    if (planted('kept-delete')) keys.splice(0, keys.length) // the service deletes these keys
    return keys
  })
}
