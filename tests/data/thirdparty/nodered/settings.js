// Node-RED's settings for the hunt (tests/integration/test_nodered.py), in the form of the
// settings.js that `node-red --settings` reads: the admin API at the root, no editor, no
// HTTP-in nodes, nothing sent off the machine, and adminAuth on with two users: the admin,
// whose name and password the test gives (NODERED_USERNAME, NODERED_PASSWORD), and `viewer`,
// who may only read, whose password is test data (login.xml logs in as it). Passwords are
// bcrypt-hashed here, as adminAuth wants them. serve.js adds the userDir and the defects' hooks.
const bcrypt = require('bcryptjs')

const PASSWORDS = {
  [process.env.NODERED_USERNAME]: process.env.NODERED_PASSWORD,
  viewer: 'viewer-pass-7f3a'
}

module.exports = {
  uiHost: '127.0.0.1',
  httpAdminRoot: '/',
  httpNodeRoot: false,
  disableEditor: true,
  flowFile: 'flows.json',
  credentialSecret: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: true } },
  adminAuth: {
    type: 'credentials',
    users: Object.entries(PASSWORDS).map(([username, password]) => ({
      username,
      password: bcrypt.hashSync(password, 8),
      permissions: username === 'viewer' ? 'read' : '*'
    }))
  }
}
Object.defineProperty(module.exports, 'passwords', { value: PASSWORDS })
