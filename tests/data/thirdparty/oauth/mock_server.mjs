// oauth2-mock-server 9.3 (npm, AXA) as the tests run it: its own /token, /jwks, /revoke, with
// what its CLI cannot set. Environment: OAUTH_PORT; OAUTH_TTL (seconds an access token lives,
// both its `exp` and `expires_in`); OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET (the only client the
// token endpoint accepts: the mock accepts anyone); OAUTH_REFUSE_REFRESH=1 (every refresh_token
// grant answers RFC 6749's invalid_grant); OAUTH_REFUSE_CLIENT_CREDENTIALS=1 (that grant answers
// unauthorized_client); OAUTH_GRANTED_SCOPE (the scope a refresh without one answers: the one
// the refresh token was granted); OAUTH_LOG (a JSON line per token request: how the
// client authenticated and which form fields came, never their values but grant_type and scope).
// POST /check answers {"active": bool, "expired": bool, "scope": the token's}: the token's signature verified against
// the server's keys, and whether it was rejected only for being past its `exp` (the mock's own
// /introspect says active to anything). OAUTH_LOG also gets {"issued": [tokens]} per answer.
import { appendFileSync } from "node:fs";
import { OAuth2Server } from "oauth2-mock-server";
import { createLocalJWKSet, jwtVerify } from "jose";

const env = process.env;
const ttl = Number(env.OAUTH_TTL || "3600");
const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");
const service = server.service;

function clientOf(req) {
  const header = req.headers.authorization || "";
  if (header.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(header.slice(6), "base64").toString().split(":");
    return { how: "basic", id: decodeURIComponent(id), secret: decodeURIComponent(secret ?? "") };
  }
  return { how: "body", id: req.body.client_id, secret: req.body.client_secret };
}

service.on("beforeTokenSigning", (token, req) => {
  token.payload.exp = token.payload.iat + ttl;
  if (req.body.grant_type === "refresh_token" && req.body.scope === undefined && env.OAUTH_GRANTED_SCOPE) {
    token.payload.scope = env.OAUTH_GRANTED_SCOPE;
  }
});
service.on("beforeResponse", (response, req) => {
  const client = clientOf(req);
  const body = req.body;
  if (env.OAUTH_LOG) {
    const line = { auth: client.how, fields: Object.keys(body).sort(), grant_type: body.grant_type,
                   scope: body.scope ?? null, query: req.url.includes("?"),
                   content_type: req.headers["content-type"] ?? null };
    appendFileSync(env.OAUTH_LOG, JSON.stringify(line) + "\n");
  }
  if (client.id !== env.OAUTH_CLIENT_ID || client.secret !== env.OAUTH_CLIENT_SECRET) {
    response.statusCode = 401;
    response.body = { error: "invalid_client", error_description: "Client authentication failed" };
    return;
  }
  if (body.grant_type === "client_credentials" && env.OAUTH_REFUSE_CLIENT_CREDENTIALS === "1") {
    response.statusCode = 400;
    response.body = { error: "unauthorized_client", error_description: "Grant type not allowed" };
    return;
  }
  if (body.grant_type === "refresh_token" && env.OAUTH_REFUSE_REFRESH === "1") {
    response.statusCode = 400;
    response.body = { error: "invalid_grant", error_description: "The refresh token is invalid" };
    return;
  }
  response.body.expires_in = ttl;
  if (body.grant_type === "refresh_token" && body.scope === undefined && env.OAUTH_GRANTED_SCOPE) {
    // RFC 6749 section 6: an omitted scope means the one originally granted (the mock says
    // "dummy", having no memory of the grant behind a refresh token).
    response.body.scope = env.OAUTH_GRANTED_SCOPE;
  }
  if (env.OAUTH_LOG) {
    const issued = { issued: [response.body.access_token, response.body.refresh_token].filter(Boolean) };
    appendFileSync(env.OAUTH_LOG, JSON.stringify(issued) + "\n");
  }
});
service.addRoute("POST", "/check", async (req, res) => {
  let active = false;
  let expired = false;
  let scope = "";
  try {
    const verified = await jwtVerify(String(req.body.token), createLocalJWKSet({ keys: server.issuer.keys.toJSON() }));
    scope = String(verified.payload.scope ?? "");
    active = true;
  } catch (error) {
    expired = error.code === "ERR_JWT_EXPIRED";
  }
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ active, expired, scope }));
});
await server.start(Number(env.OAUTH_PORT), "127.0.0.1");
console.log("listening", server.issuer.url);
