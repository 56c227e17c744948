// Peer for the Trestle benchmarks: node oidc-provider (v9), OAuth 2.0 client_credentials grant,
// opaque access tokens, plus a plain resource handler that validates those tokens.
//
//   POST /oauth/token          grant_type=client_credentials
//                              (client_secret_basic; oidc-provider also accepts client_secret_post)
//   GET  /rest/v1.0/projects   Authorization: Bearer <opaque token> -> 200 JSON array, else 401
//
// env: PORT (default 3000). Always binds 127.0.0.1.
// Client: bench-client / bench-secret-0123456789abcdef0123456789abcdef
import * as http from 'node:http';
import * as crypto from 'node:crypto';
import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const PORT = Number(process.env.PORT || 3000);
const ISSUER = `http://${HOST}:${PORT}`;
// client_credentials only yields an access token usable at a resource server when resource
// indicators are on: every token is bound to this one resource (an opaque token, by config).
const RESOURCE = 'urn:trestle-bench:rest';

// oidc-provider needs signing keys even when no JWT is ever issued (ID tokens default to RS256).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench' };

const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: 'bench-client',
      client_secret: 'bench-secret-0123456789abcdef0123456789abcdef',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'read',
    },
  ],
  jwks: { keys: [signingKey] },
  routes: { token: '/oauth/token' },
  scopes: ['read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Provider.errors.InvalidTarget();
        return { scope: 'read', audience: RESOURCE, accessTokenTTL: 3600, accessTokenFormat: 'opaque' };
      },
    },
  },
  ttl: { ClientCredentials: 3600 },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

const PROJECTS = JSON.stringify([
  { id: 1, name: 'Bench Tower', active: true },
  { id: 2, name: 'Bench Bridge', active: true },
]);

function reply(res, status, body, headers = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

// Looks the opaque token up through the provider's adapter (the default in-memory one).
async function bearerValid(req) {
  const m = /^Bearer (\S+)$/i.exec(req.headers.authorization || '');
  if (!m) return false;
  const token = await provider.ClientCredentials.find(m[1]);
  return Boolean(token && !token.isExpired && token.aud === RESOURCE);
}

const providerCallback = provider.callback();
const server = http.createServer((req, res) => {
  const path = req.url.split('?', 1)[0];
  if (req.method === 'GET' && path === '/rest/v1.0/projects') {
    bearerValid(req).then(
      (ok) =>
        ok
          ? reply(res, 200, PROJECTS)
          : reply(res, 401, '{"error":"invalid_token"}', { 'www-authenticate': 'Bearer error="invalid_token"' }),
      (err) => {
        console.error(err);
        reply(res, 500, '{"error":"server_error"}');
      },
    );
    return;
  }
  providerCallback(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, HOST, () => {
  console.log(`oidc-provider peer listening on ${ISSUER} (node ${process.version}, pid ${process.pid})`);
});
